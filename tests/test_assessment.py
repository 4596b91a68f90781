"""Laws of the assessment engine: totals add up, order does not matter, nothing is invented."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medins_core.assessment import Parts, assess
from medins_core.errors import InputError, ParameterError
from medins_core.model import Coverage, Member, Person, WageDeclaration
from medins_core.money import RoundingPolicy
from medins_core.period import Period
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id, roster_with_bases

D = Decimal
REGISTRY = load_registry(use_env=False)
SUZHOU = REGISTRY.region("320500")

wages = st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2)
rosters = st.lists(wages, min_size=1, max_size=25)
policies = st.builds(
    RoundingPolicy,
    mode=st.sampled_from([ROUND_HALF_UP, ROUND_HALF_EVEN]),
    stage=st.sampled_from(["per_line", "per_total"]),
)


@settings(max_examples=60, deadline=None)
@given(bases=rosters, policy=policies, code=st.sampled_from(["320500", "320800", "130200", "320700"]))
def test_totals_are_the_sums_of_the_lines(bases: list[Decimal], policy: RoundingPolicy, code: str) -> None:
    rules = attrs.evolve(REGISTRY.region(code).rules, rounding=policy)
    period = {"320500": "2022-09", "320800": "2022-02", "130200": "2021-05", "320700": "2022-07"}[code]
    result = assess(roster_with_bases(bases), rules, period, Period.parse(period) + 2)
    for total in result.totals:
        lines = [ln for ln in result.lines if ln.insurance == total.insurance]
        assert total.unit_base == sum((ln.unit_base for ln in lines), D(0))
        assert total.person_base == sum((ln.person_base for ln in lines), D(0))
        assert total.persons == len({ln.cert_no for ln in lines}) == len(bases)
        if policy.stage == "per_line":
            assert total.unit_amount == sum((ln.unit_amount for ln in lines), D(0))
            assert total.person_amount == sum((ln.person_amount for ln in lines), D(0))
        else:  # rounded once: within half a fen per line of the sum of rounded lines
            drift = abs(total.unit_amount - sum((ln.unit_amount for ln in lines), D(0)))
            assert drift <= D("0.005") * len(lines) + D("0.01")
    assert result.total == sum((t.unit_amount + t.person_amount for t in result.totals), D(0))
    assert all(ln.unit_amount.as_tuple().exponent == -2 for ln in result.lines)


@settings(max_examples=40, deadline=None)
@given(bases=rosters, seed=st.integers(0, 2**32))
def test_result_does_not_depend_on_roster_order(bases: list[Decimal], seed: int) -> None:
    members = roster_with_bases(bases)
    shuffled = members[:]
    random.Random(seed).shuffle(shuffled)
    assert assess(members, SUZHOU, "2022-08") == assess(shuffled, SUZHOU, "2022-08")


def test_rates_follow_the_fee_period_across_a_change() -> None:
    # Huai'an: 7% up to 2013-10, unknown from 2013-11 — a range across the gap is an error
    rules = REGISTRY.region("320800")
    members = roster_with_bases([1000])
    result = assess(members, rules, "2013-09", "2013-10", insurance=["310"], parts=Parts.UNIT)
    assert [ln.unit_amount for ln in result.lines] == [D("70.00"), D("70.00")]
    with pytest.raises(ParameterError) as caught:
        assess(members, rules, "2013-10", "2013-11", insurance=["310"], parts=Parts.UNIT)
    assert caught.value.code == "parameter_unknown"
    assert "201311" in caught.value.message


def test_unknown_rates_are_an_error_never_zero() -> None:
    members = roster_with_bases([5000])
    with pytest.raises(ParameterError) as caught:
        assess(members, REGISTRY.region("210200"), "2023-01")
    assert "源文件未给出该统筹区的费率" in caught.value.message
    assert "--params" in caught.value.message
    with pytest.raises(InputError) as no_lines:
        assess(members, REGISTRY.region("410000"), "2023-01")
    assert no_lines.value.code == "no_default_lines"


def test_float_money_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="float"):
        Member.simple(make_resident_id(), "张三", 5000.0)  # type: ignore[arg-type]


def test_same_person_twice_is_refused() -> None:
    member = roster_with_bases([5000])[0]
    with pytest.raises(InputError) as caught:
        assess([member, member], SUZHOU, "2022-08")
    assert caught.value.code == "duplicate_person"


def test_cover_start_and_end_limit_the_periods() -> None:
    person = Person(make_resident_id(), "张三")
    member = Member(
        person,
        (WageDeclaration(Period(2022, 1), D("6000")),),
        (Coverage("310", Period(2022, 9), Period(2022, 10)), Coverage("330", Period(2022, 10))),
    )
    result = assess([member], SUZHOU, "2022-08", "2022-11")
    assert [(str(ln.period), ln.insurance) for ln in result.lines] == [
        ("202209", "310"), ("202210", "310"), ("202210", "330"), ("202211", "330"),
    ]


def test_base_limits_from_an_operator_overlay_clamp_the_base(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "suzhou.toml").write_text(
        '[region]\ncode = "320500"\n\n[[base_limits]]\nfrom = "202207"\nuntil = "202306"\n'
        'floor = "4000"\nceiling = "20000"\nsource = "operator"\nstatus = "provisional"\n',
        encoding="utf-8",
    )
    rules = load_registry([tmp_path], use_env=False).region("320500")
    result = assess(roster_with_bases([3000, 25000]), rules, "2022-08", insurance=["310"])
    assert sorted(ln.unit_base for ln in result.lines) == [D("4000"), D("20000")]
    assert not any(w.code == "base_limits_unknown" for w in result.warnings)
    unclamped = assess(roster_with_bases([3000]), SUZHOU, "2022-08", insurance=["310"])
    assert [w.code for w in unclamped.warnings] == ["base_limits_unknown"]


def test_account_transfer_is_none_where_the_region_does_not_know_it() -> None:
    result = assess(roster_with_bases([5000]), SUZHOU, "2022-08", insurance=["310", "330"])
    transfers = {t.insurance: t.account_transfer for t in result.totals}
    assert transfers == {"310": None, "330": D("0.00")}
    assert result.to_json()["totals"][0]["account_transfer"] is None  # type: ignore[index]


@pytest.mark.parametrize("wage", ["5737.123", "-1", "10000000000"])
def test_wages_must_be_whole_fen_within_range(wage: str) -> None:
    with pytest.raises(InputError) as caught:
        Member.simple(make_resident_id(), "张三", wage)
    assert caught.value.code == "invalid_wage"


def test_errors_survive_pickling_for_worker_processes() -> None:
    import pickle

    error = InputError("invalid_wage", "缴费工资须大于0", file="r.csv", row=3, column="缴费工资")
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.code, again.message, again.file, again.row, again.column) == (
        InputError, "invalid_wage", "缴费工资须大于0", "r.csv", 3, "缴费工资",
    )
