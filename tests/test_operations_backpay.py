"""Back-pay (补缴 / 补收): Hebei's excluded line and business period, Liaoning's arrears order."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medins_core.operations import (
    Arrear,
    BackpayLine,
    BackpayRequest,
    CheckContext,
    MonthChange,
    Problem,
    check_backpay,
)
from medins_core.period import Period
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id

REGISTRY = load_registry(use_env=False)
NO_CONTEXT = CheckContext()
ALL_REGIONS = ["130200", "210200", "320500", "320700", "320800", "410000"]
A, B, C = (make_resident_id("210202", "19880808", n) for n in (1, 3, 5))


def problems(
    region: str, req: BackpayRequest, today: date = date(2021, 7, 1), context: CheckContext = NO_CONTEXT
) -> list[Problem]:
    return check_backpay(
        req, region=REGISTRY.region(region), today=today, context=context
    )


def codes(found: list[Problem]) -> list[str]:
    return [p.code for p in found]


# --- generic -------------------------------------------------------------------------


@pytest.mark.parametrize("region", ALL_REGIONS)
def test_start_and_end_are_required_and_in_order(region: str) -> None:
    missing = problems(region, BackpayRequest("U1", None, "202106"))
    assert missing == [Problem("missing_field", "start", "开始期号不能为空")]
    assert codes(problems(region, BackpayRequest("U1", "202106", "202105"))) == ["period_order"]


def test_months_after_the_current_one_are_refused() -> None:
    assert codes(problems("320500", BackpayRequest("U1", "202106", "202108"))) == [
        "period_in_future"
    ]


def test_person_months_must_lie_between_start_and_end() -> None:
    req = BackpayRequest("U1", "202105", "202106", person_months=(BackpayLine("202104", A),))
    found = problems("320500", req)
    assert [(p.code, p.field) for p in found] == [("period_order", "person_months")]


def test_lines_is_the_deprecated_name_of_person_months() -> None:
    months = (BackpayLine("202105", A), BackpayLine("202106", A))
    with pytest.deprecated_call(match=r"BackpayRequest\(lines=\.\.\.\)"):
        old = BackpayRequest("U1", "202105", "202106", lines=months)
    assert old == BackpayRequest("U1", "202105", "202106", person_months=months)
    assert old.months() == (Period(2021, 5), Period(2021, 6))
    with pytest.raises(TypeError, match="'person_months' and its deprecated name 'lines'"):
        BackpayRequest("U1", "202105", "202106", person_months=months, lines=months)


# --- Hebei: personal back-pay may not include long-term care ----------------------------


def test_hebei_personal_backpay_may_not_include_410() -> None:
    req = BackpayRequest("U1", "202104", "202106", ("310", "330", "410"), cert_no=A)
    assert problems("130200", req) == [
        Problem("excluded_insurance", "insurance", "个人补收勾选险种时不能勾选“长期照护保险”")
    ]
    assert (
        problems("130200", BackpayRequest("U1", "202104", "202106", ("310", "330"), cert_no=A))
        == []
    )


def test_hebei_unit_backpay_may_include_410() -> None:
    assert problems("130200", BackpayRequest("U1", "202104", "202106", ("310", "410"))) == []


@pytest.mark.parametrize("region", ["320500", "410000"])
def test_personal_backpay_may_include_410_elsewhere(region: str) -> None:
    assert (
        problems(region, BackpayRequest("U1", "202104", "202106", ("310", "410"), cert_no=A)) == []
    )


# --- Hebei: rolling business period --------------------------------------------------------

JULY = CheckContext(business_period="202107")


def test_hebei_july_business_period_allows_april_to_june() -> None:
    assert problems("130200", BackpayRequest("U1", "202104", "202106"), context=JULY) == []
    for start, end in (("202107", "202107"), ("202103", "202104")):
        found = problems("130200", BackpayRequest("U1", start, end), context=JULY)
        assert codes(found) == ["business_period_closed"]
        assert "202104-202106" in found[0].message


def test_hebei_business_period_defaults_to_the_current_month() -> None:
    assert codes(
        problems("130200", BackpayRequest("U1", "202103", "202103"), date(2021, 7, 20))
    ) == ["business_period_closed"]


def changes(*months: str, paid: str | None = None, additions_only: bool = False) -> CheckContext:
    return CheckContext(
        business_period="202107",
        changes=tuple(MonthChange(m, additions_only) for m in months),
        paid_through=paid,
    )


def test_hebei_april_changes_then_april_to_june_together() -> None:
    assert (
        problems("130200", BackpayRequest("U1", "202104", "202106"), context=changes("202104"))
        == []
    )


def test_hebei_may_changes_wait_for_april_to_be_paid() -> None:
    together = problems(
        "130200", BackpayRequest("U1", "202104", "202106"), context=changes("202105")
    )
    assert codes(together) == ["assessment_order"] and "202104" in together[0].message
    assert (
        problems("130200", BackpayRequest("U1", "202104", "202104"), context=changes("202105"))
        == []
    )
    unpaid = problems("130200", BackpayRequest("U1", "202105", "202106"), context=changes("202105"))
    assert codes(unpaid) == ["assessment_order"]
    paid = changes("202105", paid="202104")
    assert problems("130200", BackpayRequest("U1", "202105", "202106"), context=paid) == []


def test_hebei_june_changes_after_april_and_may() -> None:
    ctx = changes("202106")
    assert problems("130200", BackpayRequest("U1", "202104", "202105"), context=ctx) == []
    assert codes(problems("130200", BackpayRequest("U1", "202104", "202106"), context=ctx)) == [
        "assessment_order"
    ]
    paid = changes("202106", paid="202105")
    assert problems("130200", BackpayRequest("U1", "202106", "202106"), context=paid) == []


def test_hebei_additions_only_need_not_wait() -> None:
    ctx = changes("202105", "202106", additions_only=True)
    assert problems("130200", BackpayRequest("U1", "202104", "202106"), context=ctx) == []


@pytest.mark.parametrize("region", ["210200", "320500"])
def test_the_business_period_is_hebei_only(region: str) -> None:
    req = BackpayRequest("U1", "202101", "202106")
    assert problems(region, req, context=changes("202105")) == []


# --- Liaoning: arrears order ---------------------------------------------------------------

DECEMBER = date(2022, 12, 10)
OWED = (
    Arrear("202212", A),
    Arrear("202212", B),
    Arrear("202211", A),
    Arrear("202211", B),
    Arrear("202210", C),
)


def liaoning(req: BackpayRequest, arrears: tuple[Arrear, ...] = OWED) -> list[Problem]:
    return problems("210200", req, DECEMBER, CheckContext(arrears=arrears))


def test_liaoning_the_current_month_is_paid_first() -> None:
    found = liaoning(BackpayRequest("U1", "202211", "202211"))
    assert codes(found) == ["backpay_order"] and "先缴纳当月(202212)" in found[0].message
    assert liaoning(BackpayRequest("U1", "202212", "202212")) == []
    assert liaoning(BackpayRequest("U1", "202211", "202212")) == []


def test_liaoning_then_newest_month_first() -> None:
    paid_december = tuple(a for a in OWED if str(a.period) != "202212")
    found = liaoning(BackpayRequest("U1", "202210", "202210"), paid_december)
    assert codes(found) == ["backpay_order"] and "202211" in found[0].message
    assert liaoning(BackpayRequest("U1", "202211", "202211"), paid_december) == []
    assert liaoning(BackpayRequest("U1", "202210", "202211"), paid_december) == []


def test_liaoning_a_month_is_paid_for_all_its_persons() -> None:
    one = BackpayRequest("U1", "202212", "202212", person_months=(BackpayLine("202212", A),))
    found = liaoning(one)
    assert codes(found) == ["backpay_whole_month"] and "1人" in found[0].message
    both = BackpayRequest(
        "U1", "202212", "202212", person_months=(BackpayLine("202212", A), BackpayLine("202212", B))
    )
    assert liaoning(both) == []


def test_liaoning_one_person_alone_is_refused_online() -> None:
    assert codes(liaoning(BackpayRequest("U1", "202212", "202212", cert_no=A))) == [
        "backpay_whole_month"
    ]
    paid = tuple(a for a in OWED if str(a.period) != "202212")
    assert codes(liaoning(BackpayRequest("U1", "202211", "202211", cert_no=A), paid)) == [
        "backpay_whole_month"
    ]


def test_liaoning_months_without_arrears() -> None:
    assert codes(liaoning(BackpayRequest("U1", "202209", "202209"))) == ["no_arrears"]
    masked = liaoning(
        BackpayRequest(
            "U1",
            "202212",
            "202212",
            person_months=(BackpayLine("202212", A), BackpayLine("202212", B), BackpayLine("202212", C)),
        )
    )
    assert codes(masked) == ["no_arrears"] and C not in masked[0].message


def test_liaoning_unknown_arrears_are_not_checked() -> None:
    assert problems("210200", BackpayRequest("U1", "202210", "202210"), DECEMBER) == []


@pytest.mark.parametrize("region", ["130200", "320500", "410000"])
def test_the_arrears_order_is_liaoning_only(region: str) -> None:
    assert (
        problems(region, BackpayRequest("U1", "202210", "202210"), DECEMBER, CheckContext(arrears=OWED))
        == []
    )


LINES = [BackpayLine(a.period, a.cert_no) for a in OWED]


@given(subset=st.lists(st.sampled_from(LINES), unique=True, min_size=1), data=st.data())
def test_problems_do_not_depend_on_the_order_of_the_lines(
    subset: list[BackpayLine], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(subset))
    req = BackpayRequest("U1", "202210", "202212", person_months=tuple(subset))
    again = BackpayRequest("U1", "202210", "202212", person_months=tuple(shuffled))
    assert liaoning(req) == liaoning(again)


@given(subset=st.sets(st.sampled_from(LINES), min_size=1))
def test_newest_whole_months_are_exactly_what_liaoning_accepts(subset: set[BackpayLine]) -> None:
    months = sorted({line.period for line in subset}, reverse=True)
    newest = sorted({a.period for a in OWED}, reverse=True)[: len(months)]
    whole = all(
        {ln.cert_no for ln in subset if ln.period == m}
        == {a.cert_no for a in OWED if a.period == m}
        for m in months
    )
    found = liaoning(BackpayRequest("U1", "202210", "202212", person_months=tuple(subset)))
    assert (found == []) is (months == newest and whole)
