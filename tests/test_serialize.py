"""JSON both ways: from_json(to_json(x)) == x for results and requests, and the contract of
docs/json.md is what Assessment.to_json writes."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from medins_core.assessment import (
    Assessment,
    AssessmentLine,
    AssessmentWarning,
    LineTotal,
    PaymentType,
    assess,
)
from medins_core.money import format_yuan
from medins_core.operations import (
    ActiveCover,
    Arrear,
    BackpayLine,
    BackpayRequest,
    CheckContext,
    EnrollmentRequest,
    MonthChange,
    Problem,
    Severity,
    SuspensionRequest,
    UnitRegistrationRequest,
    WageDeclarationRequest,
)
from medins_core.period import Period
from medins_core.registry import load_registry
from medins_core.retirement import Retirement, RetirementGroup, retirement
from medins_core.serialize import from_json, to_json
from medins_core.testing import roster_with_bases

periods = st.builds(Period, st.integers(1990, 2060), st.integers(1, 12))
money = st.decimals(-(10**9), 10**9, places=2)
text = st.text(max_size=12)
codes = st.sampled_from(["310", "330", "510", "suzhou_supplementary"])
optional_money = st.none() | money

lines = st.builds(
    AssessmentLine, text, text, st.none() | text, codes, periods, money, money, money, money, optional_money
)
totals = st.builds(LineTotal, codes, text, st.integers(0, 10**6), money, money, money, money, optional_money)
warnings = st.builds(AssessmentWarning, text, text)
assessments = st.builds(
    Assessment,
    text,
    text,
    st.lists(periods, max_size=3).map(tuple),
    st.sampled_from(PaymentType),
    st.integers(0, 10**6),
    st.lists(lines, max_size=4).map(tuple),
    st.lists(totals, max_size=3).map(tuple),
    money,
    st.lists(warnings, max_size=3).map(tuple),
)
dates = st.dates(date(1950, 1, 1), date(2060, 12, 31))
insurance = st.lists(codes, max_size=3).map(tuple)
requests = st.one_of(
    st.builds(
        EnrollmentRequest,
        text, text, text, st.none() | periods, insurance, text, st.none() | dates,
        st.none() | st.sampled_from(["1", "2"]), st.none() | text, optional_money, st.none() | text, st.booleans(),
    ),
    st.builds(SuspensionRequest, text, text, st.none() | dates, text, text, text, text),
    st.builds(
        WageDeclarationRequest,
        text, text, text, text, text, text, st.none() | periods, st.none() | periods, optional_money, optional_money,
    ),
    st.builds(
        BackpayRequest,
        text, st.none() | periods, st.none() | periods, insurance, st.none() | text,
        st.lists(st.builds(BackpayLine, periods, text), max_size=3).map(tuple),
    ),
    st.builds(UnitRegistrationRequest, text, text, text, text, text),
    st.builds(
        CheckContext,
        st.none() | st.lists(st.builds(ActiveCover, st.sampled_from(["unit", "flexible", "resident"]), codes,
                                       st.none() | text), max_size=2).map(tuple),
        st.none() | st.lists(st.builds(Arrear, periods, text), max_size=2).map(tuple),
        st.none() | periods,
        st.none() | st.lists(st.builds(MonthChange, periods, st.booleans()), max_size=2).map(tuple),
        st.none() | periods,
    ),
    st.builds(Problem, text, text, text, st.sampled_from(Severity)),
)


def through_text(value: Any) -> Any:
    """The JSON data as a program on the other side of a pipe would read it."""
    return json.loads(json.dumps(to_json(value), ensure_ascii=False))


@settings(max_examples=150, deadline=None)
@given(result=assessments)
def test_results_round_trip(result: Assessment) -> None:
    assert from_json(through_text(result), Assessment) == result
    for line in result.lines:
        assert from_json(through_text(line), AssessmentLine) == line


@settings(max_examples=300, deadline=None)
@given(request=requests)
def test_requests_round_trip(request: Any) -> None:
    assert from_json(through_text(request), type(request)) == request


def test_a_backpay_request_writes_and_reads_its_months_under_the_former_name_too() -> None:
    request = BackpayRequest("U1", "202210", "202212", person_months=(BackpayLine("202211", "X"),))
    data = through_text(request)
    assert data["person_months"] == data["lines"] == [{"period": "202211", "cert_no": "X"}]
    del data["person_months"]  # as a release before person_months wrote it
    assert from_json(data, BackpayRequest) == request
    assert from_json({**data, "lines": []}, BackpayRequest).person_months == ()

@given(birth=st.builds(Period, st.integers(1940, 2010), st.integers(1, 12)), group=st.sampled_from(RetirementGroup))
def test_retirement_round_trips_with_the_birth_month_as_before(birth: Period, group: RetirementGroup) -> None:
    result = retirement(birth, group)
    data = through_text(result)
    assert data == result.to_json() and data["birth"] == birth.iso
    assert list(data) == ["birth", "group", "original_age_months", "delay_months", "retirement_age_months",
                          "retirement_month"]
    assert from_json(data, Retirement) == result


@given(amount=st.decimals(-(10**15), 10**15, places=2) | st.decimals(-(10**15), 10**15, places=0)
       | st.sampled_from([Decimal("-0"), Decimal("-0.00"), Decimal("1E+3"), Decimal("-1.5E+2")]))
def test_money_is_written_as_format_yuan_writes_it(amount: Decimal) -> None:
    assert to_json(amount) == format_yuan(amount)


@given(rate=st.decimals(0, 1, places=7))
def test_decimals_finer_than_the_fen_keep_every_digit(rate: Decimal) -> None:
    assert from_json(to_json(rate), Decimal) == rate


def test_the_contract_is_the_converter() -> None:
    """Assessment.to_json is the converter's output: amounts with two decimals, periods as
    YYYYMM, enums as values, total_upper before warnings."""
    rules = load_registry(use_env=False).region("320500")
    result = assess(roster_with_bases(["5000", "31000.5"]), rules, "202208", "202209")
    data = result.to_json()
    assert data == to_json(result)
    assert list(data)[-2:] == ["total_upper", "warnings"]
    assert data["periods"] == ["202208", "202209"] and data["payment_type"] == "regular"
    assert data["lines"][0]["unit_base"].endswith(".00")  # type: ignore[index]
    assert from_json(data, Assessment) == result
