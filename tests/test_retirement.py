"""Tests for medins_core.retirement and ``medins retirement``: the 2025 retirement-age reform."""

from __future__ import annotations

import itertools
import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medins_core.cli import main
from medins_core.errors import InputError
from medins_core.ids import Gender
from medins_core.period import Period
from medins_core.retirement import (
    REFORM_START,
    RULES,
    QueryLike,
    Retirement,
    RetirementGroup,
    RetirementQuery,
    format_age,
    group_for,
    minimum_contribution_months,
    reaching_retirement,
    retirement,
)

MALE60 = RetirementGroup.MALE60
FEMALE55 = RetirementGroup.FEMALE55
FEMALE50 = RetirementGroup.FEMALE50

JSON_KEYS = {
    "birth",
    "group",
    "original_age_months",
    "delay_months",
    "retirement_age_months",
    "retirement_month",
}


def mod11_2(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character, written out so the tests do not echo stdnum."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


def resident_id(first17: str) -> str:
    return first17 + mod11_2(first17)


# 17th digit odd: man; even: woman
MAN_1965_01 = resident_id("11010519650115001")
WOMAN_1971_06 = resident_id("32010219710615002")
# wrong check character
BAD_CHECK = MAN_1965_01[:-1] + ("1" if MAN_1965_01[-1] == "0" else "0")


# --- worked examples ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "group", "delay", "age", "month"),
    [
        ("1965-01", MALE60, 1, "60岁1个月", "202502"),
        ("1966-01", MALE60, 4, "60岁4个月", "202605"),
        ("1975-03", FEMALE50, 2, "50岁2个月", "202505"),
        ("1971-06", FEMALE55, 5, "55岁5个月", "202611"),
        ("1976-09", MALE60, 36, "63岁", "203909"),
    ],
)
def test_worked_examples(
    birth: str, group: RetirementGroup, delay: int, age: str, month: str
) -> None:
    result = retirement(birth, group)
    assert result.delay_months == delay
    assert format_age(result.retirement_age_months) == age
    assert str(result.retirement_month) == month


def test_result_fields_and_json() -> None:
    result = retirement("1965-01", "male60")
    assert result == Retirement(
        birth=Period(1965, 1),
        group=MALE60,
        original_age_months=720,
        delay_months=1,
        retirement_age_months=721,
        retirement_month=Period(2025, 2),
    )
    assert result.to_json() == {
        "birth": "1965-01",
        "group": "male60",
        "original_age_months": 720,
        "delay_months": 1,
        "retirement_age_months": 721,
        "retirement_month": "202502",
    }


@pytest.mark.parametrize("birth", ["1965-01", "196501", 196501, date(1965, 1, 31), Period(1965, 1)])
def test_birth_forms(birth: str | int | date | Period) -> None:
    assert retirement(birth, MALE60).retirement_month == Period(2025, 2)


# --- boundaries and caps ----------------------------------------------------------------


def test_man_born_before_first_cohort_is_unaffected() -> None:
    result = retirement("1964-12", MALE60)
    assert result.delay_months == 0
    assert result.retirement_age_months == 720
    assert result.retirement_month == Period(2024, 12)


def test_first_male_cohort_is_delayed_one_month() -> None:
    assert retirement("1965-01", MALE60).delay_months == 1


def test_woman50_born_before_first_cohort_is_unaffected() -> None:
    result = retirement("1974-12", FEMALE50)
    assert result.delay_months == 0
    assert result.retirement_month == Period(2024, 12)
    assert retirement("1975-01", FEMALE50).delay_months == 1


def test_woman55_boundary() -> None:
    assert retirement("1969-12", FEMALE55).delay_months == 0
    assert retirement("1970-01", FEMALE55).delay_months == 1


def test_men_born_1977_01_are_capped() -> None:
    result = retirement("1977-01", MALE60)
    assert result.delay_months == 36
    assert format_age(result.retirement_age_months) == "63岁"


@pytest.mark.parametrize(
    ("group", "first_capped", "cap", "final_age"),
    [
        # n = 141 -> ceil(141 / 4) = 36
        (MALE60, Period(1976, 9), 36, "63岁"),
        (FEMALE55, Period(1981, 9), 36, "58岁"),
        # n = 119 -> ceil(119 / 2) = 60
        (FEMALE50, Period(1984, 11), 60, "55岁"),
    ],
)
def test_first_cohort_at_cap(
    group: RetirementGroup, first_capped: Period, cap: int, final_age: str
) -> None:
    assert retirement(first_capped - 1, group).delay_months == cap - 1
    capped = retirement(first_capped, group)
    assert capped.delay_months == cap
    assert format_age(capped.retirement_age_months) == final_age
    assert retirement(first_capped + 120, group).delay_months == cap


def test_rule_table_is_consistent() -> None:
    # the first cohort is exactly the one reaching the original age in 2025-01
    for group, rule in RULES.items():
        assert rule.first_cohort + rule.original_age_months == REFORM_START
        assert group.original_age_years == rule.original_age_years
    assert [g.value for g in RetirementGroup] == ["male60", "female55", "female50"]


def test_delay_steps_within_a_cohort_block() -> None:
    # men: births 1965-01..04 get +1 month, 1965-05..08 +2
    delays = [retirement(Period(1965, 1) + i, MALE60).delay_months for i in range(8)]
    assert delays == [1, 1, 1, 1, 2, 2, 2, 2]
    # women 50: every 2 months
    delays = [retirement(Period(1975, 1) + i, FEMALE50).delay_months for i in range(6)]
    assert delays == [1, 1, 2, 2, 3, 3]


def test_no_man_retires_in_january_2025() -> None:
    # the reform makes retirement months skip: 1964-12 -> 2024-12, 1965-01 -> 2025-02
    assert (
        reaching_retirement(
            [("a", "1964-12", MALE60), ("b", "1965-01", MALE60)], "202501", "202501"
        )
        == []
    )


# --- properties ---------------------------------------------------------------------------

births = st.integers(Period(1900, 1).index, Period(2900, 12).index).map(Period.from_index)
groups = st.sampled_from(list(RetirementGroup))


@given(births, births, groups)
def test_delay_is_monotone(a: Period, b: Period, group: RetirementGroup) -> None:
    early, late = min(a, b), max(a, b)
    assert retirement(early, group).delay_months <= retirement(late, group).delay_months


@given(births, groups)
def test_delay_never_exceeds_cap(birth: Period, group: RetirementGroup) -> None:
    result = retirement(birth, group)
    assert 0 <= result.delay_months <= RULES[group].cap_months
    assert result.retirement_age_months == result.original_age_months + result.delay_months
    assert result.retirement_month == birth + result.retirement_age_months


@given(births, groups)
def test_no_delay_before_first_cohort(birth: Period, group: RetirementGroup) -> None:
    if birth < RULES[group].first_cohort:
        assert retirement(birth, group).delay_months == 0
    else:
        assert retirement(birth, group).delay_months >= 1


@given(births, groups)
def test_retirement_month_strictly_increasing(birth: Period, group: RetirementGroup) -> None:
    # Holds for every birth month, not only from the first cohort on: a month later birth
    # retires 1 month later, or 2 when the delay also steps up.
    step = retirement(birth + 1, group).retirement_month - retirement(birth, group).retirement_month
    assert step in (1, 2)


def test_retirement_month_strictly_increasing_exhaustive() -> None:
    # every birth month 1900-01..2900-12, so no retirement month is shared by two birth months
    for group in RetirementGroup:
        months = [
            retirement(Period.from_index(i), group).retirement_month.index
            for i in range(Period(1900, 1).index, Period(2900, 12).index + 1)
        ]
        assert all(b - a in (1, 2) for a, b in itertools.pairwise(months))


# --- groups ---------------------------------------------------------------------------------


def test_bad_group() -> None:
    with pytest.raises(InputError) as info:
        retirement("1965-01", "male65")
    assert info.value.code == "invalid_group"
    for group in RetirementGroup:
        assert group.value in info.value.message


def test_group_for() -> None:
    assert group_for(Gender.MALE) is MALE60
    assert group_for("男") is MALE60
    assert group_for(Gender.MALE, "male60") is MALE60
    assert group_for(Gender.FEMALE, "female55") is FEMALE55
    assert group_for("2", FEMALE50) is FEMALE50


def test_group_for_woman_needs_group() -> None:
    with pytest.raises(InputError) as info:
        group_for(Gender.FEMALE)
    assert info.value.code == "missing_field"
    assert info.value.message == "女性职工须指定退休年龄组别 female50 或 female55"


@pytest.mark.parametrize(
    ("gender", "group"), [(Gender.FEMALE, "male60"), (Gender.MALE, "female55"), ("1", "female50")]
)
def test_group_for_wrong_gender(gender: Gender | str, group: str) -> None:
    with pytest.raises(InputError) as info:
        group_for(gender, group)
    assert info.value.code == "group_mismatch"


def test_group_for_bad_gender() -> None:
    with pytest.raises(InputError) as info:
        group_for("x")
    assert info.value.code == "invalid_gender"


# --- reaching retirement ------------------------------------------------------------------


def test_reaching_retirement_filters_and_sorts() -> None:
    persons: list[QueryLike] = [
        ("z", "1965-01", "male60"),  # 202502
        RetirementQuery("b", "1975-03", FEMALE50),  # 202505
        ("a", "1965-04", MALE60),  # 202505
        ("c", "1964-12", MALE60),  # 202412: before the range
        ("d", "1971-06", FEMALE55),  # 202611: after the range
    ]
    found = reaching_retirement(persons, "202502", "202505")
    assert [(key, str(r.retirement_month)) for key, r in found] == [
        ("z", "202502"),
        ("a", "202505"),
        ("b", "202505"),
    ]


def test_reaching_retirement_bounds_are_inclusive() -> None:
    persons = [("x", "1966-01", MALE60)]  # 202605
    assert len(reaching_retirement(persons, "202605", "202605")) == 1
    assert reaching_retirement(persons, "202606", "202612") == []


def test_reaching_retirement_period_order() -> None:
    with pytest.raises(InputError) as info:
        reaching_retirement([], "202512", "202501")
    assert info.value.code == "period_order"


def test_reaching_retirement_reports_row() -> None:
    with pytest.raises(InputError) as info:
        reaching_retirement(
            [("a", "1965-01", MALE60), ("b", "1965-13", MALE60)], "2025-01", "2025-12"
        )
    assert info.value.code == "invalid_period"
    assert info.value.row == 2


# --- minimum contribution --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "months"),
    [(2024, 180), (2029, 180), (2030, 186), (2035, 216), (2039, 240), (2045, 240)],
)
def test_minimum_contribution_months(year: int, months: int) -> None:
    assert minimum_contribution_months(year) == months


# --- command line ---------------------------------------------------------------------------


def test_cli_birth_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["retirement", "--birth", "1965-01", "--group", "male60"]) == 0
    out = capsys.readouterr().out
    assert "1965-01" in out
    assert "60岁1个月" in out
    assert "1个月" in out
    assert "202502" in out


def test_cli_birth_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["retirement", "--birth", "1975-03", "--group", "female50", "--format", "json"]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert set(data) == JSON_KEYS
    assert data == retirement("1975-03", FEMALE50).to_json()


def test_cli_man_cert_no_without_group(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["retirement", MAN_1965_01]) == 0
    out = capsys.readouterr().out
    assert "202502" in out
    assert MAN_1965_01 not in out
    assert f"{MAN_1965_01[:4]}**********{MAN_1965_01[-4:]}" in out


def test_cli_woman_cert_no_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["retirement", WOMAN_1971_06, "--group", "female55", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert WOMAN_1971_06 not in out
    data = json.loads(out)
    assert set(data) == JSON_KEYS
    assert data["retirement_month"] == "202611"
    assert data["delay_months"] == 5


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["retirement", WOMAN_1971_06], "missing_field"),
        (["retirement", WOMAN_1971_06, "--group", "male60"], "group_mismatch"),
        (["retirement", MAN_1965_01, "--group", "female50"], "group_mismatch"),
        (["retirement", "--birth", "1965-01"], "missing_field"),
        (["retirement", "--birth", "1965-01", "--group", "male65"], "invalid_group"),
        (["retirement"], "missing_field"),
        (["retirement", MAN_1965_01, "--birth", "1965-01"], "conflicting_fields"),
        (
            ["retirement", MAN_1965_01[:-1] + ("0" if MAN_1965_01[-1] != "0" else "1")],
            "invalid_cert_no",
        ),
    ],
)
def test_cli_errors(argv: list[str], code: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert f"[{code}]" in captured.err
    # never a full ID number, not even a wrong one
    for number in [MAN_1965_01, WOMAN_1971_06, BAD_CHECK, *argv]:
        if len(number) == 18:
            assert number not in captured.err + captured.out
