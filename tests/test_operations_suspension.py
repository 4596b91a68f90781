"""Suspension (停保 / 减员 / 暂停参保): every rule from the portal manuals, at its boundaries."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medins_core.operations import (
    ActiveCover,
    Arrear,
    CheckContext,
    Problem,
    SuspensionRequest,
    check_suspension,
)
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id

REGISTRY = load_registry(use_env=False)
ALL_REGIONS = ["130200", "210200", "320500", "320700", "320800", "410000"]
JIANGSU = ["320500", "320700", "320800"]
TODAY = date(2022, 9, 15)
PERSON = make_resident_id("320506", "19850312", 1)
HERE = CheckContext(covers=(ActiveCover("unit", unit_no="U1"),))


def problems(
    region: str, today: date = TODAY, context: CheckContext = HERE, **changes: Any
) -> list[Problem]:
    req = attrs.evolve(
        SuspensionRequest(unit_no="U1", cert_no=PERSON, date=date(2022, 9, 30)), **changes
    )
    return check_suspension(
        req, region=REGISTRY.region(region), today=today, context=context
    )


def codes(found: list[Problem]) -> list[str]:
    return [p.code for p in found]


@pytest.mark.parametrize("region", ALL_REGIONS)
def test_an_active_person_suspended_at_the_end_of_this_month_is_accepted(region: str) -> None:
    assert problems(region) == []


@pytest.mark.parametrize("region", ALL_REGIONS)
def test_a_person_not_active_in_this_unit_is_refused_everywhere(region: str) -> None:
    expected = [Problem("not_active_here", "cert_no", "职工未在本单位下正常参保,无法办理!")]
    assert problems(region, context=CheckContext(covers=())) == expected
    assert (
        problems(region, context=CheckContext(covers=(ActiveCover("unit", unit_no="U2"),))) == expected
    )
    assert problems(region, context=CheckContext(covers=(ActiveCover("flexible"),))) == expected


def test_unknown_covers_are_not_checked() -> None:
    assert problems("320500", context=CheckContext()) == []


@pytest.mark.parametrize("region", JIANGSU)
@pytest.mark.parametrize("person_type", ["职工退休", "退休", "12", "离休"])
def test_jiangsu_refuses_to_suspend_a_retired_person(region: str, person_type: str) -> None:
    assert problems(region, person_type=person_type) == [
        Problem("retired_cannot_suspend", "person_type", "处理失败!退休人员不允许停保。")
    ]


@pytest.mark.parametrize("region", ["130200", "210200", "410000"])
def test_other_provinces_suspend_retired_persons(region: str) -> None:
    assert problems(region, person_type="职工退休") == []


@pytest.mark.parametrize("region", JIANGSU)
@pytest.mark.parametrize("day", [date(2022, 8, 31), date(2022, 9, 30)])
def test_jiangsu_suspension_date_is_last_or_this_month_end(region: str, day: date) -> None:
    assert problems(region, date=day) == []


@pytest.mark.parametrize("region", JIANGSU)
@pytest.mark.parametrize(
    "day",
    [date(2022, 8, 30), date(2022, 9, 1), date(2022, 9, 15), date(2022, 9, 29), date(2022, 7, 31),
     date(2022, 10, 1), date(2022, 10, 31)],
)
def test_jiangsu_refuses_other_suspension_end_dates(region: str, day: date) -> None:
    """减员时间 given on its own: one of the two month ends, nothing in between."""
    assert problems(region, date=TODAY, end_date=day) == [
        Problem("suspend_date_not_month_end", "end_date", "减员时间范围是:上月末或本月末!")
    ]


@pytest.mark.parametrize("region", JIANGSU)
@pytest.mark.parametrize("day", [date(2022, 8, 31), date(2022, 9, 30)])
def test_jiangsu_accepts_either_month_end_as_end_date(region: str, day: date) -> None:
    assert problems(region, date=TODAY, end_date=day) == []
    assert problems(region, date=None, end_date=day) == []


@pytest.mark.parametrize("region", JIANGSU)
@pytest.mark.parametrize(
    ("day", "refused"),
    [
        (TODAY, False),  # 变更时间 "默认填写为操作时间即可": the day it is filed
        (date(2022, 9, 1), False),
        (date(2022, 8, 30), False),  # last month: the cover ends on 上月末
        (date(2022, 7, 31), True),  # two months back
        (date(2022, 10, 1), True),  # next month
    ],
)
def test_jiangsu_change_date_alone_ends_the_cover_with_its_month(
    region: str, day: date, refused: bool
) -> None:
    found = problems(region, date=day)
    assert found == (
        [Problem("suspend_date_not_month_end", "date", "减员时间范围是:上月末或本月末!")] if refused else []
    )


@pytest.mark.parametrize("region", ["130200", "210200", "410000"])
def test_other_provinces_take_any_suspension_date(region: str) -> None:
    assert problems(region, date=date(2022, 7, 12)) == []


def test_a_missing_date_is_refused() -> None:
    assert problems("130200", date=None) == [Problem("missing_field", "date", "减员时间不能为空")]


def test_an_invalid_id_number_is_refused() -> None:
    assert codes(problems("410000", cert_no=PERSON[:-2] + "XX")) == ["invalid_cert_no"]


def owing(*cert_nos: str) -> CheckContext:
    return attrs.evolve(HERE, arrears=tuple(Arrear("202201", c) for c in cert_nos))


def test_liaoning_blocks_suspension_with_arrears_after_february() -> None:
    found = problems("210200", date(2022, 3, 1), owing(PERSON), date=date(2022, 3, 31))
    assert codes(found) == ["arrears_block_suspension"]
    assert "2月份以后" in found[0].message and PERSON not in found[0].message


@pytest.mark.parametrize("today", [date(2022, 1, 20), date(2022, 2, 28)])
def test_liaoning_does_not_block_in_january_and_february(today: date) -> None:
    assert problems("210200", today, owing(PERSON), date=today) == []


def test_liaoning_looks_only_at_the_persons_own_arrears() -> None:
    other = make_resident_id("320506", "19900101", 3)
    assert problems("210200", date(2022, 9, 1), owing(other)) == []


@pytest.mark.parametrize("region", ["320500", "130200", "410000"])
def test_arrears_do_not_block_suspension_elsewhere(region: str) -> None:
    assert problems(region, date(2022, 9, 1), owing(PERSON)) == []


@given(name=st.text(max_size=5), reason=st.text(max_size=5), region=st.sampled_from(ALL_REGIONS))
def test_an_accepted_suspension_stays_accepted_when_name_or_reason_change(
    name: str, reason: str, region: str
) -> None:
    assert problems(region, name=name, reason=reason) == []
