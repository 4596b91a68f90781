"""Tests for medins_core.money. Amounts are compared as Decimals, exactly; never as floats."""

from __future__ import annotations

import decimal
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medins_core.errors import InputError
from medins_core.money import FEN, RoundingPolicy, fen_text, format_yuan, rmb_upper, to_money, to_rate

D = Decimal


def same(a: Decimal, b: Decimal) -> bool:
    """Equal value and equal exponent (so '12.5' is not silently '12.50')."""
    return a == b and a.as_tuple() == b.as_tuple()


# --- to_money / to_rate -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5737", D("5737")),
        ("5,737.00", D("5737.00")),
        (" 12.5 ", D("12.5")),
        ("1,300,048.92", D("1300048.92")),
        ("-3.00", D("-3.00")),
        ("+7", D("7")),
        ("0", D("0")),
        ("0.001", D("0.001")),
        (5737, D("5737")),
        (D("0.1"), D("0.1")),
        (D("-0.00"), D("-0.00")),
    ],
)
def test_to_money_accepts(value: object, expected: Decimal) -> None:
    assert same(to_money(value), expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [
        "",
        "  ",
        "abc",
        "12,34",
        "1,2345.00",
        "1.2.3",
        "12.",
        ".5",
        "1e3",
        "NaN",
        "Infinity",
        "¥12",
        "12 元",
        "１２",
        "--1",
        "1,000,00",
    ],
)
def test_to_money_rejects_bad_strings(value: str) -> None:
    with pytest.raises(InputError) as info:
        to_money(value, field="wage")
    assert info.value.code == "invalid_amount"
    assert info.value.field == "wage"
    assert info.value.message.startswith("金额格式不正确: ")


@pytest.mark.parametrize("value", [D("NaN"), D("Infinity"), D("-Infinity"), D("sNaN")])
def test_to_money_rejects_non_finite_decimals(value: Decimal) -> None:
    with pytest.raises(InputError) as info:
        to_money(value)
    assert info.value.code == "invalid_amount"


def test_to_money_refuses_float() -> None:
    with pytest.raises(TypeError) as info:
        to_money(0.1, field="wage")  # type: ignore[arg-type]
    assert str(info.value) == (
        "float is not accepted for money: field 'wage' got 0.1; pass a Decimal or a string"
    )


@pytest.mark.parametrize("value", [True, False, 1.0, float("nan"), None, [1]])
def test_to_money_refuses_other_types(value: object) -> None:
    with pytest.raises(TypeError):
        to_money(value)  # type: ignore[arg-type]


def test_to_rate() -> None:
    assert same(to_rate("0.08", field="rate"), D("0.08"))
    assert same(to_rate(" 0.005 ", field="rate"), D("0.005"))
    assert same(to_rate(D("0.095"), field="rate"), D("0.095"))
    assert same(to_rate(1, field="rate"), D("1"))
    with pytest.raises(TypeError, match="field 'rate' got 0.08"):
        to_rate(0.08, field="rate")  # type: ignore[arg-type]
    for bad in ("8%", "1,000", "", "x", "NaN"):
        with pytest.raises(InputError) as info:
            to_rate(bad, field="rate")
        assert info.value.code == "invalid_rate"
        assert info.value.field == "rate"


# --- RoundingPolicy ---------------------------------------------------------------------


def test_rounding_policy_defaults() -> None:
    policy = RoundingPolicy()
    assert policy.mode == decimal.ROUND_HALF_UP
    assert policy.quantum == FEN
    assert policy.stage == "per_line"


@pytest.mark.parametrize(
    ("mode", "amount", "expected"),
    [
        (decimal.ROUND_HALF_UP, "2.345", "2.35"),
        (decimal.ROUND_HALF_UP, "2.344", "2.34"),
        (decimal.ROUND_HALF_UP, "-2.345", "-2.35"),
        (decimal.ROUND_HALF_EVEN, "2.345", "2.34"),
        (decimal.ROUND_HALF_EVEN, "2.355", "2.36"),
        (decimal.ROUND_DOWN, "2.349", "2.34"),
        (decimal.ROUND_UP, "2.341", "2.35"),
        (decimal.ROUND_HALF_UP, "7", "7.00"),
    ],
)
def test_rounding_policy_round(mode: str, amount: str, expected: str) -> None:
    assert same(RoundingPolicy(mode=mode).round(D(amount)), D(expected))


def test_rounding_policy_quantum_yuan() -> None:
    assert same(RoundingPolicy(quantum=D("1")).round(D("12.5")), D("13"))


def test_rounding_policy_stages() -> None:
    # Three lines of 0.335: per line 0.34 * 3 = 1.02; per total round(1.005) = 1.01.
    lines = [D("0.335")] * 3
    assert same(RoundingPolicy().total(lines), D("1.02"))
    assert same(RoundingPolicy(stage="per_total").total(lines), D("1.01"))
    assert same(RoundingPolicy().total([]), D("0.00"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mode": "half_up"},
        {"mode": "ROUND_HALF"},
        {"stage": "per_person"},
        {"quantum": D("0.05")},
        {"quantum": D("1.00")},
        {"quantum": D("-0.01")},
        {"quantum": D("NaN")},
        {"quantum": "0.01"},
    ],
)
def test_rounding_policy_validates(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RoundingPolicy(**kwargs)  # type: ignore[arg-type]


# --- format_yuan ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (D("1300048.92"), "1300048.92"),
        (D("-3"), "-3.00"),
        (D("0"), "0.00"),
        (D("-0.00"), "0.00"),
        (D("0.5"), "0.50"),
        (D("0.05"), "0.05"),
        (D("-0.05"), "-0.05"),
        (D("12.300"), "12.30"),
        (D("1E+3"), "1000.00"),
        (D("1234567890123.45"), "1234567890123.45"),
        (5737, "5737.00"),
    ],
)
def test_format_yuan(amount: Decimal, expected: str) -> None:
    assert format_yuan(amount) == expected


def test_format_yuan_refuses() -> None:
    with pytest.raises(ValueError, match="round it first"):
        format_yuan(D("1.005"))
    with pytest.raises(ValueError):
        format_yuan(D("NaN"))
    with pytest.raises(TypeError):
        format_yuan(1.5)  # type: ignore[arg-type]


# --- rmb_upper ----------------------------------------------------------------------------


RMB_UPPER_CASES = [
    # Examples from the PBoC rules (《正确填写票据和结算凭证的基本规定》), with 圆.
    ("1409.50", "壹仟肆佰零玖圆伍角整"),
    ("6007.14", "陆仟零柒圆壹角肆分"),
    ("1680.32", "壹仟陆佰捌拾圆零叁角贰分"),
    ("107000.53", "壹拾万柒仟圆零伍角叁分"),
    ("16409.02", "壹万陆仟肆佰零玖圆零贰分"),
    ("325.04", "叁佰贰拾伍圆零肆分"),
    # Printed on a real payment notice.
    ("1300048.92", "壹佰叁拾万零肆拾捌圆玖角贰分"),
    ("19313.14", "壹万玖仟叁佰壹拾叁圆壹角肆分"),
    # Below one yuan, and zero.
    ("0.05", "伍分"),
    ("0.50", "伍角整"),
    ("0.5", "伍角整"),
    ("0.55", "伍角伍分"),
    ("0", "零圆整"),
    ("0.00", "零圆整"),
    ("-0.00", "零圆整"),
    # Whole yuan.
    ("1", "壹圆整"),
    ("10", "壹拾圆整"),
    ("11", "壹拾壹圆整"),
    ("110", "壹佰壹拾圆整"),
    ("1010", "壹仟零壹拾圆整"),
    ("5737", "伍仟柒佰叁拾柒圆整"),
    ("10010", "壹万零壹拾圆整"),
    ("100000", "壹拾万圆整"),
    ("1000000", "壹佰万圆整"),
    ("10000000", "壹仟万圆整"),
    ("1020300", "壹佰零贰万零叁佰圆整"),
    ("10000005", "壹仟万零伍圆整"),
    # 亿 and 万亿.
    ("100000000", "壹亿圆整"),
    ("100010000", "壹亿零壹万圆整"),
    ("1000000001", "壹拾亿零壹圆整"),
    ("200000005", "贰亿零伍圆整"),
    ("110000000", "壹亿壹仟万圆整"),
    ("100000010000", "壹仟亿零壹万圆整"),
    ("1000000000000", "壹万亿圆整"),
    ("1000100000000", "壹万零壹亿圆整"),
    ("1000000010000", "壹万亿零壹万圆整"),
    (
        "9999999999999999.99",
        "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖圆玖角玖分",
    ),
    # 零 after 圆 when the 圆 digit is zero, or 角 is zero.
    ("10.50", "壹拾圆零伍角整"),
    ("1680.30", "壹仟陆佰捌拾圆零叁角整"),
    ("100.01", "壹佰圆零壹分"),
    ("1.01", "壹圆零壹分"),
    ("1.10", "壹圆壹角整"),
    ("1.230", "壹圆贰角叁分"),
    # Negative amounts.
    ("-3.00", "负叁圆整"),
    ("-0.05", "负伍分"),
    ("-1300048.92", "负壹佰叁拾万零肆拾捌圆玖角贰分"),
]


@pytest.mark.parametrize(("amount", "expected"), RMB_UPPER_CASES)
def test_rmb_upper(amount: str, expected: str) -> None:
    assert rmb_upper(D(amount)) == expected


def test_rmb_upper_payment_notice() -> None:
    assert rmb_upper(D("1300048.92")) == "壹佰叁拾万零肆拾捌圆玖角贰分"


def test_rmb_upper_yuan_character() -> None:
    assert rmb_upper(D("1409.50"), yuan="元") == "壹仟肆佰零玖元伍角整"
    assert rmb_upper(D("0"), yuan="元") == "零元整"
    with pytest.raises(ValueError):
        rmb_upper(D("1"), yuan="块")


def test_rmb_upper_accepts_int() -> None:
    assert rmb_upper(100010000) == "壹亿零壹万圆整"  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", [D("1.005"), D("0.001"), D("1E-10")])
def test_rmb_upper_refuses_more_than_two_decimals(amount: Decimal) -> None:
    with pytest.raises(ValueError, match="round it first"):
        rmb_upper(amount)


@pytest.mark.parametrize("amount", [D("1E16"), D("10000000000000000.00"), D("NaN"), D("Infinity")])
def test_rmb_upper_refuses_out_of_range(amount: Decimal) -> None:
    with pytest.raises(ValueError):
        rmb_upper(amount)


@pytest.mark.parametrize("amount", [0.1, 1.0, True, "12.00"])
def test_rmb_upper_refuses_non_decimal(amount: object) -> None:
    with pytest.raises(TypeError):
        rmb_upper(amount)  # type: ignore[arg-type]


# An independent reader of capitals, to check rmb_upper by round trip.

_DIGIT_VALUES = {ch: i for i, ch in enumerate("零壹贰叁肆伍陆柒捌玖")}
_SMALL = {"拾": 10, "佰": 100, "仟": 1000}


def parse_upper(text: str) -> Decimal:
    """Read financial capitals such as 壹佰叁拾万零肆拾捌圆玖角贰分 back into a Decimal."""
    sign = -1 if text.startswith("负") else 1
    text = text.removeprefix("负").removesuffix("整")
    cents = 0
    if "圆" in text:
        whole_text, text = text.split("圆")
        cents = _parse_whole(whole_text) * 100
    text = text.removeprefix("零")
    if "角" in text:
        jiao_text, text = text.split("角")
        assert len(jiao_text) == 1
        cents += _DIGIT_VALUES[jiao_text] * 10
    if text:
        assert len(text) == 2 and text[1] == "分", text
        cents += _DIGIT_VALUES[text[0]]
    return Decimal(sign * cents).scaleb(-2)


def _parse_whole(text: str) -> int:
    total = 0  # completed 亿 part
    section = 0  # current part below 亿, in units
    digit = 0
    for ch in text:
        if ch in _DIGIT_VALUES:
            digit = _DIGIT_VALUES[ch]
        elif ch in _SMALL:
            assert digit, f"{ch} without a digit in {text}"
            section += digit * _SMALL[ch]
            digit = 0
        elif ch == "万":
            section = (section + digit) * 10_000
            digit = 0
        elif ch == "亿":
            total = (total + section + digit) * 100_000_000
            section = digit = 0
        else:
            raise AssertionError(f"unexpected {ch!r} in {text}")
    return total + section + digit


@pytest.mark.parametrize(("amount", "text"), RMB_UPPER_CASES)
def test_parser_reads_table(amount: str, text: str) -> None:
    assert parse_upper(text) == D(amount)


def _zero_heavy_cents() -> st.SearchStrategy[int]:
    # Numbers with many zeros exercise the 零 rules far more than uniform integers do.
    digit = st.sampled_from("0000000123456789")
    return st.lists(digit, min_size=1, max_size=14).map(lambda ds: int("".join(ds)))


cents_strategy = st.one_of(st.integers(0, 10**14), _zero_heavy_cents())


@given(cents_strategy, st.booleans())
def test_rmb_upper_properties(cents: int, negative: bool) -> None:
    amount = Decimal(-cents if negative else cents).scaleb(-2)
    text = rmb_upper(amount)
    assert text
    assert text.endswith(("整", "分"))
    assert not text.endswith("分整")
    assert "零零" not in text
    assert not text.endswith("零")
    assert "正" not in text
    assert text.startswith("负") == (negative and cents != 0)
    if text.endswith("整") and text != "零圆整":
        assert text.endswith(("圆整", "角整"))
    # 零 never directly precedes a unit character.
    for unit in "拾佰仟万亿圆角分":
        assert "零" + unit not in text or text == "零圆整"
    assert parse_upper(text) == amount


@given(cents_strategy)
def test_format_yuan_round_trip(cents: int) -> None:
    amount = Decimal(cents).scaleb(-2)
    assert Decimal(format_yuan(amount)) == amount
    assert format_yuan(amount).count(".") == 1
    assert len(format_yuan(amount).split(".")[1]) == 2


@given(st.integers(min_value=-(10**17), max_value=10**17))
def test_fen_text_writes_what_format_yuan_writes(fen: int) -> None:
    assert fen_text(fen) == format_yuan(decimal.Decimal(fen).scaleb(-2))


def test_fen_text_examples() -> None:
    assert [fen_text(f) for f in (45896, -300, 0, 5, -5, 130004892)] == ["458.96", "-3.00", "0.00", "0.05", "-0.05", "1300048.92"]
