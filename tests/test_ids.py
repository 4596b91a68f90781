"""Tests for medins_core.ids: resident IDs, USCCs, mobile numbers and masking.

Check characters are computed here with independent implementations of ISO 7064 MOD 11-2
and the GB 32100 mod-31 scheme, so the tests do not just echo python-stdnum.
"""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import numdb
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidComponent, InvalidFormat

from medins_core import ids
from medins_core.errors import InputError
from medins_core.ids import (
    Gender,
    ResidentId,
    county_name,
    is_valid_resident_id,
    mask_cert_no,
    mask_mobile,
    parse_mobile,
    parse_resident_id,
    parse_uscc,
    plain_resident_id,
)
from medins_core.testing import make_resident_id

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def mod11_2(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character: weights 2**(17-i) mod 11."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


def resident_id(first17: str) -> str:
    return first17 + mod11_2(first17)


def mod31(first17: str) -> str:
    """GB 32100 check character: weights 3**i mod 31 over the 31-character alphabet."""
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc(first17: str) -> str:
    return first17 + mod31(first17)


def rejected(cert_no: str) -> InputError:
    with pytest.raises(InputError) as info:
        parse_resident_id(cert_no)
    assert info.value.code == "invalid_cert_no"
    return info.value


# --- resident ID -----------------------------------------------------------------------


def test_helper_agrees_with_public_sample() -> None:
    assert mod11_2("11010519491231002") == "X"


def test_public_sample() -> None:
    rid = parse_resident_id("11010519491231002X")
    assert rid == ResidentId(
        cert_no="11010519491231002X",
        birth=datetime.date(1949, 12, 31),
        gender=Gender.FEMALE,
        county="110105",
        county_known=True,
    )
    assert rid.gender.zh == "女"
    assert county_name(rid.county) == "朝阳区"


def test_male_and_normalisation() -> None:
    number = resident_id("32058319800101001")
    rid = parse_resident_id(f"  {number}\n")
    assert rid.cert_no == number
    assert rid.gender is Gender.MALE
    assert rid.gender.value == "1"
    assert rid.gender.zh == "男"


def test_lower_case_x_normalised() -> None:
    assert parse_resident_id("11010519491231002x").cert_no == "11010519491231002X"
    assert is_valid_resident_id("11010519491231002x")


def test_county_listed_only_from_later_year_is_accepted() -> None:
    # stdnum lists 320102 as "[1983-]玄武区"; someone born in 1961 still holds such a number
    number = resident_id("32010219610315001")
    with pytest.raises(InvalidComponent):
        stdnum_ric.validate(number)
    rid = parse_resident_id(number)
    assert rid.birth == datetime.date(1961, 3, 15)
    assert rid.county == "320102"
    assert rid.county_known
    assert county_name("320102") == "玄武区"


def test_county_with_renamed_entries() -> None:
    # "[-1991]东郊区,[1992-]东丽区": known in any year, latest name reported
    assert parse_resident_id(resident_id("12011019700101002")).county_known
    assert county_name("120110") == "东丽区"


@pytest.mark.parametrize("county", ["990101", "119999", "000000"])
def test_unknown_county_is_not_an_error(county: str) -> None:
    rid = parse_resident_id(resident_id(f"{county}19800101002"))
    assert rid.county_known is False
    assert county_name(county) is None


def test_stdnum_is_valid_raises_on_unknown_county_of_known_province() -> None:
    # documents why we do not lean on stdnum here: KeyError escapes is_valid()
    with pytest.raises(KeyError):
        stdnum_ric.is_valid(resident_id("11999919800101002"))
    assert is_valid_resident_id(resident_id("11999919800101002"))


def test_wrong_check_digit() -> None:
    error = rejected("110105194912310021")
    assert "校验位错误" in error.message
    assert error.field == "cert_no"
    assert not is_valid_resident_id("110105194912310021")


def test_field_name_passed_through() -> None:
    with pytest.raises(InputError) as info:
        parse_resident_id("110105194912310021", field="insured.cert_no")
    assert info.value.field == "insured.cert_no"


def test_february_30() -> None:
    assert "出生日期无效" in rejected(resident_id("11010519800230001")).message


@pytest.mark.parametrize("birth", ["18991231", "19801301", "19800000"])
def test_birth_date_out_of_range(birth: str) -> None:
    assert "出生日期无效" in rejected(resident_id(f"110105{birth}001")).message


@pytest.mark.parametrize("cert_no", ["11010519491231002", "1101051949123100200", "", "   "])
def test_wrong_length(cert_no: str) -> None:
    assert "应为18位" in rejected(cert_no).message


@pytest.mark.parametrize(
    "cert_no",
    [
        "11010519491231A02X",  # letter inside
        "1101051949123100XX",  # X not last
        "11010519491231002Y",  # bad last char
        "１10105194912310020",  # full-width digit
    ],
)
def test_bad_format(cert_no: str) -> None:
    assert "格式不正确" in rejected(cert_no).message


def test_message_never_holds_full_number() -> None:
    number = "110105194912310021"
    error = rejected(number)
    assert number not in error.message
    assert number not in str(error)
    assert "1101**********0021" in error.message


@given(
    birth=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2030, 12, 31)),
    county=st.text("0123456789", min_size=6, max_size=6),
    sequence=st.integers(0, 999),
)
def test_property_valid_numbers_parse(birth: datetime.date, county: str, sequence: int) -> None:
    number = resident_id(f"{county}{birth:%Y%m%d}{sequence:03d}")
    rid = parse_resident_id(number)
    assert rid.birth == birth
    assert rid.gender is (Gender.MALE if sequence % 2 else Gender.FEMALE)
    assert rid.county == county
    for i, original in enumerate(number):
        for other in "0123456789X" if i == 17 else "0123456789":
            if other != original:
                assert not is_valid_resident_id(number[:i] + other + number[i + 1 :])


# --- USCC ------------------------------------------------------------------------------


def test_helper_agrees_with_known_codes() -> None:
    for code in ["91350100M000100Y43", "911100007109288314", "91110000600037341L"]:
        assert mod31(code[:17]) == code[17]


@pytest.mark.parametrize("code", ["91350100M000100Y43", "911100007109288314", "91110000600037341L"])
def test_known_good_uscc(code: str) -> None:
    assert parse_uscc(code) == code


def test_uscc_normalised() -> None:
    assert parse_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize("first17", ["N2320102MA1PL6Q7K", "Y1110000MA0012345", "A1110105123456789"])
def test_letter_registration_authority_accepted(first17: str) -> None:
    code = uscc(first17)
    with pytest.raises(InvalidFormat):
        stdnum_uscc.validate(code)  # the trap: stdnum wants 8 leading digits
    assert parse_uscc(code) == code


@pytest.mark.parametrize("code", ["91350100M000100Y44", "911100007109288315", "91350100M000100Y4A"])
def test_uscc_wrong_check_char(code: str) -> None:
    with pytest.raises(InputError) as info:
        parse_uscc(code)
    assert info.value.code == "invalid_uscc"
    assert "校验位错误" in info.value.message
    assert info.value.field == "uscc"


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100I43",  # I is not in the alphabet
        "91350100M00010OY43",  # nor is O
        "9135A100M000100Y43",  # admin code must be digits
        "I1350100M000100Y43",
        "91350100M000100Y4-",
    ],
)
def test_uscc_illegal_chars(code: str) -> None:
    with pytest.raises(InputError) as info:
        parse_uscc(code)
    assert "含有非法字符" in info.value.message


@pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100M000100Y433", ""])
def test_uscc_wrong_length(code: str) -> None:
    with pytest.raises(InputError) as info:
        parse_uscc(code, field="employer.uscc")
    assert "应为18位" in info.value.message
    assert info.value.field == "employer.uscc"


def test_uscc_message_masks_a_resident_id_typed_by_mistake() -> None:
    with pytest.raises(InputError) as info:
        parse_uscc("110105194912310021")
    assert "110105194912310021" not in info.value.message


# --- mobile ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        " 138-1234-5678 ",
        "138 1234 5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "8613812345678",
        "+86-138-1234-5678",
    ],
)
def test_mobile_accepted(raw: str) -> None:
    assert parse_mobile(raw) == "13812345678"


@pytest.mark.parametrize(
    "raw",
    [
        "12812345678",
        "1381234567",
        "138123456789",
        "+8612812345678",
        "86138123456",
        "1381234567a",
        "",
        "010-12345678",
    ],
)
def test_mobile_rejected(raw: str) -> None:
    with pytest.raises(InputError) as info:
        parse_mobile(raw)
    assert info.value.code == "invalid_mobile"
    assert "手机号码格式不正确" in info.value.message
    assert info.value.field == "mobile"


def test_mobile_message_masked() -> None:
    with pytest.raises(InputError) as info:
        parse_mobile("12812345678")
    assert "12812345678" not in info.value.message
    assert "128****5678" in info.value.message


# --- masking ---------------------------------------------------------------------------


def test_mask_cert_no_examples() -> None:
    assert mask_cert_no("32058319800101123X") == "3205**********123X"
    assert mask_cert_no("") == ""
    assert mask_cert_no("1") == "*"
    assert mask_cert_no("1234") == "1**4"
    assert mask_cert_no("12345678") == "12****78"
    assert mask_cert_no("32058319800101123") == "32*************23"


def test_mask_mobile_examples() -> None:
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("") == ""
    assert mask_mobile("1234") == "1**4"
    assert mask_mobile("12345") == "1***5"


@given(st.text(min_size=18, max_size=18))
def test_mask_cert_no_shows_at_most_8_of_18(s: str) -> None:
    masked = mask_cert_no(s)
    assert len(masked) == len(s.strip())
    assert sum(1 for a, b in zip(masked, s.strip()) if a == b and a != "*") <= 8


@given(st.text())
def test_mask_cert_no_masks_at_least_half(s: str) -> None:
    masked = mask_cert_no(s)
    assert masked.count("*") >= len(s.strip()) / 2


@given(st.text())
def test_mask_mobile_masks_at_least_a_third(s: str) -> None:
    masked = mask_mobile(s)
    assert len(masked) == len(s.strip())
    assert masked.count("*") >= len(s.strip()) / 3


def test_the_kind_of_unit_is_read_from_a_uscc() -> None:
    from medins_core.ids import uscc_category

    assert uscc_category("91320500MA0000000W") == "企业"
    assert uscc_category(" 12320500mb00000004") == "事业单位"
    assert uscc_category("51110000500000000X") == "社会团体"
    assert uscc_category("Y1110000500000000X") is None and uscc_category("9") is None


@settings(max_examples=500, deadline=None)
@given(
    county=st.sampled_from(["320506", "110101", "999999", "320102"]),
    birth=st.dates(datetime.date(1890, 1, 1), datetime.date(2030, 12, 31)),
    sequence=st.integers(0, 999),
    edits=st.lists(st.tuples(st.integers(0, 18), st.sampled_from(list("0379Xx ١１a^"))), max_size=2),
)
def test_the_quick_id_test_accepts_exactly_what_parse_accepts(
    county: str, birth: datetime.date, sequence: int, edits: list[tuple[int, str]]
) -> None:
    number = make_resident_id(county, birth, sequence)
    for position, char in edits:  # wrong digits, other scripts' digits, a lower x, one too many
        if char == "^" and number[position : position + 1].isdigit():  # the same digit, full-width
            char = chr(ord(number[position]) + 0xFEE0)
        number = number[:position] + char + number[position + 1 :]
    try:
        rid = parse_resident_id(number)
        expected = (rid.birth, rid.gender) if rid.county_known else None
    except InputError:
        expected = None
    quick = plain_resident_id(number)
    if number == number.strip().upper():
        assert quick == expected
    else:
        assert quick is None  # not as it is: parse says what to do with it


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_resident_id_check_character_matches_mod11_2_and_stdnum(first17: str) -> None:
    assert ids.resident_id_check(first17) == mod11_2(first17) == stdnum_ric.calc_check_digit(first17 + "0")


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_character_matches_mod31_and_stdnum(first17: str) -> None:
    assert ids.uscc_check(first17) == mod31(first17) == stdnum_uscc.calc_check_digit(first17)


def numdb_county(county: str) -> str:
    props = {k: v for _, part in numdb.get("cn/loc").info(county) for k, v in part.items()}
    return props.get("county", "")


def test_county_table_read_directly_answers_as_stdnum_numdb() -> None:
    table = ids._county_table()
    assert table is not None, "stdnum's loc.dat is no longer two plain levels: the numdb path answers"
    every = table.as_dict()
    assert len(every) > 3000
    for county in every:
        assert table.get(county) == every[county] == numdb_county(county), county
    # codes the table does not hold: an unknown province, an unknown county of a known one
    for county in ["990101", "119999", "320199", "000000", "32010"]:
        assert county not in every and table.get(county) == numdb_county(county) == ""


def test_county_names_fall_back_to_numdb_when_the_table_cannot_be_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "_county_table", lambda: None)
    ids._county_names.cache_clear()
    try:
        assert ids._county_names("320102") == ("玄武区",) and county_name("210211") == "甘井子区"
        assert ids._county_names("119999") == ()
    finally:
        ids._county_names.cache_clear()
