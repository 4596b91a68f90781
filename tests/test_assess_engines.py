"""assess() runs the columnar engine by default; it equals the reference engine to the fen.

Members here are richer than roster rows: several covers with their own start, end and
status, line names and ``*`` among codes, wages declared over time (some only after the
first assessed month), duplicates and persons in any order. Regions are every shipped one
with the variants of ``test_bulk`` (every rounding mode and stage, base limits, data-through
dates, odd parameters), plus roundings finer than the fen and amounts with three decimals,
which the columnar engine cannot express: ``engine="columnar"`` refuses them and the default
runs the reference.
"""

from __future__ import annotations

import random
import sys
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")

from test_bulk import ANCHORS, REGIONS, REGISTRY, WITH_RATES, certs, outcome, variants, weighted  # noqa: E402

from medins_core.assessment import SMALL, Assessment, assess  # noqa: E402
from medins_core.codes import InsuranceStatus  # noqa: E402
from medins_core.model import DEFAULT_LINES, Coverage, Member, Person, WageDeclaration  # noqa: E402
from medins_core.money import RoundingPolicy  # noqa: E402
from medins_core.period import Period  # noqa: E402
from medins_core.serialize import from_json  # noqa: E402
from medins_core.testing import roster_with_bases  # noqa: E402

D = Decimal


@st.composite
def members_of(draw: st.DrawFn, rules: Any, first: Period, count: int, odd: bool) -> list[Member]:
    """``count`` members; with ``odd`` some wages are written with three decimals."""
    line_codes = sorted(rules.lines)
    known = [c for c in line_codes if rules.value(c, "unit_rate", first) is not None] or line_codes
    written = [*known, *known, DEFAULT_LINES, DEFAULT_LINES, *(rules.lines[c].name for c in known)]
    pool = draw(st.lists(certs(), min_size=count, max_size=count, unique=True))
    out = []
    for i in range(count):
        again = i and weighted(draw, (1, st.just(True)), (80, st.just(False)))
        cert = draw(st.sampled_from(pool[:i])) if again else pool[i]
        offsets = draw(st.lists(st.integers(-4, 14), min_size=1, max_size=4, unique=True))
        starts = sorted(first + k for k in offsets)
        if draw(st.integers(0, 9)):
            starts[0] = Period(1900, 1)  # declared long before the assessment
        wages = []
        for start in starts:
            wage = weighted(
                draw,
                (6, st.decimals(0, 30000, places=draw(st.integers(0, 2)))),
                (1, st.decimals(0, D("9999999999.99"), places=2)),
                (1, st.sampled_from([D("5000.000") if odd else D("5000"), D("0.0"), D("5E+3")])),
            )
            wages.append(WageDeclaration(start, wage))
        covers = []
        for _ in range(weighted(draw, (4, st.just(1)), (3, st.integers(2, 4)))):
            start = draw(st.none() | st.just(first + draw(st.integers(-3, 12))))
            end = draw(st.none() | st.just((start or first) + draw(st.integers(-2, 10))))
            statuses = st.sampled_from(list(InsuranceStatus))
            status = weighted(draw, (8, st.just(InsuranceStatus.ACTIVE)), (1, statuses))
            code = weighted(draw, (40, st.sampled_from(written)), (1, st.just("999")))
            covers.append(Coverage(code, start, end, status))
        person = Person(
            cert,
            draw(st.sampled_from(["张三", " 李四 ", "O'Neil, Jr", ""])),
            person_no=draw(st.none() | st.from_regex(r"[0-9]{4,8}", fullmatch=True)),
        )
        out.append(Member(person, wages, covers))
    return out


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    code = weighted(draw, (9, st.sampled_from(WITH_RATES)), (1, st.sampled_from(REGIONS)))
    shipped = REGISTRY.region(code).rules
    starts = sorted({v.start for found in shipped.values.values() for v in found}) or ANCHORS
    first = draw(st.sampled_from(starts)) + weighted(draw, (6, st.integers(0, 3)), (1, st.integers(-2, 20)))
    rules = draw(variants(code, first))
    if draw(st.integers(0, 9)) == 0:  # finer than the fen: the reference's alone
        rules = attrs.evolve(rules, rounding=RoundingPolicy(quantum=D("0.001")))
    count = weighted(draw, (1, st.just(0)), (12, st.integers(1, 8)))
    members = draw(members_of(rules, first, count, draw(st.integers(0, 9)) == 0))
    selected = weighted(
        draw,
        (6, st.none()),
        (3, st.lists(st.sampled_from(sorted(rules.lines)), min_size=1, max_size=3)),
        (1, st.lists(st.sampled_from([*rules.default_lines, *rules.lines]), max_size=3)),
    )
    return {
        "rules": rules,
        "start": first,
        "end": first + (weighted(draw, (3, st.integers(1, 3)), (2, st.integers(1, 14))) - 1),
        "members": members,
        "shuffled": draw(st.permutations(members)),
        "options": {"insurance": selected, "parts": draw(st.sampled_from(["both", "unit", "person"]))},
    }


def same(mine: Assessment, theirs: Assessment) -> None:
    """Everything equal, the JSON first: it is written from the columns, before any line
    object exists."""
    assert not isinstance(mine._lines, tuple)  # the columnar engine ran and kept columns
    assert mine.line_count == len(theirs.lines)
    assert mine.to_json() == theirs.to_json()
    assert mine.fen_lines() == theirs.fen_lines()  # from the columns, and from Decimal lines
    assert (mine.persons, mine.totals, mine.total, mine.warnings) == (
        theirs.persons,
        theirs.totals,
        theirs.total,
        theirs.warnings,
    )
    for line, expected in zip(mine.lines, theirs.lines, strict=True):
        assert line == expected
        assert line.to_json() == expected.to_json()
    assert mine == theirs and hash(mine) == hash(theirs)
    assert from_json(mine.to_json(), Assessment) == theirs


def check(case: dict[str, Any]) -> Any:
    rules, start, end, options = case["rules"], case["start"], case["end"], case["options"]
    reference = outcome(lambda: assess(case["members"], rules, start, end, engine="reference", **options))
    try:
        columnar = outcome(lambda: assess(case["shuffled"], rules, start, end, engine="columnar", **options))
    except ValueError:  # not expressible exactly: the default runs the reference
        event("reference only")
        auto = outcome(lambda: assess(case["shuffled"], rules, start, end, **options))
        assert auto == reference
        if isinstance(auto, Assessment):
            assert isinstance(auto._lines, tuple)
            if rules.rounding.quantum >= D("0.01"):  # a finer total has no capitals to print
                assert auto.to_json() == reference.to_json()
        return reference
    if isinstance(reference, Assessment) and isinstance(columnar, Assessment):
        same(columnar, reference)
        auto = assess(case["members"], rules, start, end, **options)
        if len(case["members"]) * len(reference.periods) >= SMALL:
            same(auto, reference)
        else:  # a small call runs the reference
            assert isinstance(auto._lines, tuple) and auto == reference
    else:
        assert columnar == reference
    return reference


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=cases())
def test_columnar_equals_reference(case: dict[str, Any]) -> None:
    result = check(case)
    if isinstance(result, Assessment):
        event(f"assessed: {'no lines' if not result.lines else 'lines'}")
        if result.lines and any(len(m.wages) > 1 or len(m.coverages) > 1 for m in case["members"]):
            event("lines of members with several wages or covers")
        for warning in result.warnings:
            event(f"warning {warning.code}")
    else:
        event(f"error {result[1]}")


def test_a_unit_of_two_thousand_over_a_year() -> None:
    rng = random.Random(20221)
    members = roster_with_bases([D(rng.randrange(300000, 3000000)) / 100 for _ in range(2000)])
    rules = REGISTRY.region("320500").rules
    reference = assess(members, rules, "202208", "202307", engine="reference")
    same(assess(members, rules, "202208", "202307"), reference)
    assert len(reference.lines) == 2000 * 12 * len(rules.default_lines)


def test_wages_and_covers_over_time_count_each_person_once() -> None:
    rules = REGISTRY.region("320500").rules
    first = Period(2022, 8)
    member = Member(
        Person("320506198503120011", "张三"),
        [WageDeclaration(Period(1900, 1), D("5000")), WageDeclaration(first + 2, D("9000.50"))],
        [
            Coverage("310", None, first + 3),
            Coverage("310", first + 5),
            Coverage(DEFAULT_LINES, first + 1, first + 1),
        ],
    )
    result = assess([member], rules, first, first + 7, engine="columnar")
    same(result, assess([member], rules, first, first + 7, engine="reference"))
    assert result.persons == 1 and {t.insurance: t.persons for t in result.totals}["310"] == 1
    assert [str(ln.period) for ln in result.lines if ln.insurance == "310"] == [
        str(first + k) for k in (0, 1, 2, 3, 5, 6, 7)
    ]
    assert {ln.unit_base for ln in result.lines if ln.period >= first + 2} == {D("9000.50")}


def test_without_numpy_and_pyarrow_the_reference_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "medins_core.bulk._members", None)  # the import fails
    rules = REGISTRY.region("320500").rules
    members = roster_with_bases(["5000", "8000.50"])
    result = assess(members, rules, "202208")
    assert isinstance(result._lines, tuple) and result == assess(members, rules, "202208", engine="reference")
    with pytest.raises(ValueError, match="numpy and pyarrow"):
        assess(members, rules, "202208", engine="columnar")


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        assess([], REGISTRY.region("320500"), "202208", engine="fast")  # type: ignore[arg-type]
