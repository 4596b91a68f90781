"""The bulk engine equals the reference engine, line by line and total by total, to the fen.

Rosters are generated as plain Python data and turned independently into reference members
(``Member``/``Coverage``/``WageDeclaration``) and into an Arrow table with the wage as text,
so the comparison covers the bulk reader as well as its arithmetic. Regions are every shipped
one, with variants for every rounding mode and stage, base limits, data-through dates and
odd parameters (many-digit rates, fixed amounts in fractions of a fen, rate changes inside
the range).
"""

from __future__ import annotations

import decimal
import itertools
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

from medins_core.assessment import Assessment, Parts, assess
from medins_core.bulk import assess_table
from medins_core.datafile import BaseLimit, ParamValue, Status
from medins_core.errors import MedinsError
from medins_core.model import DEFAULT_LINES, MAX_WAGE, Coverage, Member, Person, WageDeclaration
from medins_core.money import RoundingPolicy
from medins_core.params import RegionRules
from medins_core.period import Period
from medins_core.registry import load_registry

D = Decimal
REGISTRY = load_registry(use_env=False)
REGIONS = sorted(r.code for r in REGISTRY)
WITH_RATES = [code for code in REGIONS if REGISTRY.region(code).rules.has_rates()]
MODES = sorted(
    [
        decimal.ROUND_HALF_UP,
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_UP,
        decimal.ROUND_DOWN,
        decimal.ROUND_CEILING,
        decimal.ROUND_FLOOR,
        decimal.ROUND_05UP,
    ]
)
# Periods where the shipped data changes or starts: Huai'an's 7% back-pay range ends in 201310,
# its 2017-11 value, the 2021 rates; Suzhou from 202208, Lianyungang 202207, Tangshan 202104.
ANCHORS = [Period.parse(p) for p in ("200909", "201309", "201710", "202012", "202103", "202206", "202207")]


def outcome(run: Any) -> Any:
    """The result, or the error as comparable data (type, code, message, field)."""
    try:
        return run()
    except MedinsError as exc:
        return (type(exc).__name__, exc.code, exc.message, exc.field)


def certs() -> st.SearchStrategy[str]:
    return st.one_of(
        st.from_regex(r"[1-6][0-9]{16}[0-9X]", fullmatch=True),
        st.from_regex(r"[A-Z0-9]{1,19}", fullmatch=True),
        st.text(alphabet="中港澳ABC019-", min_size=1, max_size=6),
    )


def wage_text(draw: st.DrawFn, wage: Decimal) -> str:
    """The wage as a roster might write it: plain, padded with zeros, with separators."""
    style = draw(st.sampled_from(["plain", "fixed", "comma", "space", "zeros"]))
    if style == "fixed":
        return f"{wage:.2f}"
    if style == "comma":
        return f"{wage:,}"
    if style == "space":
        return f" {wage} "
    if style == "zeros" and wage == wage.to_integral_value():
        return f"{wage:.0f}.000"
    return str(wage)


@st.composite
def variants(draw: st.DrawFn, code: str, first: Period) -> RegionRules:
    """A shipped region, possibly with another rounding policy, base limits, a data-through
    date and extra parameter values in front of the shipped ones (as an overlay puts them)."""
    rules = REGISTRY.region(code).rules
    values = {key: list(found) for key, found in rules.values.items()}
    changes: dict[str, Any] = {"values": values}
    if draw(st.booleans()):
        changes["rounding"] = RoundingPolicy(
            mode=draw(st.sampled_from(MODES)),
            quantum=draw(st.sampled_from([D("0.01"), D("0.1"), D("1")])),
            stage=draw(st.sampled_from(["per_line", "per_total"])),
        )
    if draw(st.booleans()):
        floor = draw(st.none() | st.decimals(0, 20000, places=2))
        ceiling = draw(st.none() | st.decimals(3000, 40000, places=draw(st.sampled_from([0, 2]))))
        start = first + draw(st.integers(-3, 6))
        changes["base_limits"] = [BaseLimit(start, "test", Status.VERIFIED, start + draw(st.integers(0, 8)), floor, ceiling)]
    if draw(st.booleans()):
        changes["data_through"] = first + draw(st.integers(-2, 10))
    if rules.has_rates() and draw(st.booleans()):
        line = draw(st.sampled_from(sorted({k[0] for k in rules.values})))
        start = first + draw(st.integers(-2, 8))
        end = draw(st.none() | st.just(start + draw(st.integers(0, 4))))
        status = draw(st.sampled_from([Status.VERIFIED, Status.PROVISIONAL]))
        params = {
            "unit_rate": draw(st.decimals(0, 1, places=draw(st.integers(0, 7)))),
            "person_rate": draw(st.decimals(0, D("0.1"), places=draw(st.integers(0, 5)))),
            "unit_fixed": draw(st.decimals(0, 50, places=draw(st.integers(0, 3)))),
            "person_fixed": draw(st.decimals(0, 20, places=draw(st.integers(0, 2)))),
            "unit_transfer_rate": draw(st.decimals(0, D("0.05"), places=4)),
        }
        for name, value in params.items():
            if draw(st.integers(0, 4)):
                entry = ParamValue(line, name, start, value, "test overlay", status, end, note=f"test {name}")
                values.setdefault((line, name), []).insert(0, entry)
    return attrs.evolve(rules, **changes)


def weighted(draw: st.DrawFn, *options: tuple[int, Any]) -> Any:
    """One of several strategies, by weight."""
    # sampled_from is about uniform; integers() would favour the first option (its boundary)
    index = draw(st.sampled_from([i for i, (weight, _) in enumerate(options) for _ in range(weight)]))
    return draw(options[index][1])


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    """A roster, a region variant and assessment options; mostly valid, sometimes not."""
    code = weighted(draw, (9, st.sampled_from(WITH_RATES)), (1, st.sampled_from(REGIONS)))
    shipped = REGISTRY.region(code).rules
    starts = sorted({v.start for found in shipped.values.values() for v in found}) or ANCHORS
    first = draw(st.sampled_from(starts)) + weighted(draw, (6, st.integers(0, 3)), (1, st.integers(-2, 20)))
    months = weighted(draw, (3, st.integers(1, 3)), (2, st.integers(1, 14)))
    rules = draw(variants(code, first))
    line_codes = sorted(rules.lines)
    known = [c for c in line_codes if rules.value(c, "unit_rate", first) is not None] or line_codes
    names = {c: rules.lines[c].name for c in line_codes}
    rows = []
    count = weighted(draw, (1, st.just(0)), (12, st.integers(1, 9)))
    pool = draw(st.lists(certs(), min_size=count, max_size=count, unique=True))
    for i in range(count):
        again = i and weighted(draw, (1, st.just(True)), (30, st.just(False)))
        cert = draw(st.sampled_from(pool[:i])) if again else pool[i]
        wage = weighted(
            draw,
            (5, st.decimals(0, 20000, places=2)),
            (4, st.decimals(0, D("99999.99"), places=2)),
            (1, st.decimals(0, MAX_WAGE - D("0.01"), places=draw(st.integers(0, 2)))),
        )
        start = weighted(draw, (2, st.none()), (1, st.just(first + draw(st.integers(-3, 12)))))
        end = weighted(draw, (2, st.none()), (1, st.just(first + draw(st.integers(-1, 16)))))
        given = weighted(
            draw,
            (5, st.none()),
            (4, st.lists(st.sampled_from(known), min_size=1, max_size=3)),
            (1, st.lists(st.sampled_from([*line_codes, DEFAULT_LINES, "999"]), min_size=1, max_size=4)),
        )
        written = None
        if given is not None:
            words = [names[c] if c in names and draw(st.integers(0, 3)) == 0 else c for c in given]
            written = draw(st.sampled_from([",", ";", "、", " , "])).join(words)
        rows.append(
            {
                "cert_no": cert,
                "name": draw(st.sampled_from(["张三", "李四", "O'Neil, Jr", ""])),
                "person_no": draw(st.none() | st.from_regex(r"[0-9]{4,8}", fullmatch=True)),
                "wage": wage,
                "wage_text": wage_text(draw, wage),
                "start": start,
                "end": end,
                "start_text": None if start is None else draw(st.sampled_from([str(start), start.iso])),
                "end_text": None if end is None else draw(st.sampled_from([str(end), end.iso])),
                "lines": given,
                "lines_text": written,
            }
        )
    selected = weighted(
        draw,
        (6, st.none()),
        (3, st.lists(st.sampled_from(known), min_size=1, max_size=3)),
        (1, st.lists(st.sampled_from([*rules.default_lines, *line_codes]), max_size=3)),
    )
    return {
        "rules": rules,
        "start": first,
        "end": first + (months - 1),
        "rows": rows,
        "insurance": selected,
        "parts": weighted(draw, (2, st.just(Parts.BOTH)), (2, st.just(Parts.UNIT)), (1, st.just(Parts.PERSON))),
        "chunk_rows": draw(st.sampled_from([1, 2, 3, 4096])),
        "threads": draw(st.sampled_from([1, 2, 3])),
    }


def members_of(rows: list[dict[str, Any]], rules: RegionRules) -> list[Member]:
    """The rows as the reference engine's members (what ``Member.simple`` builds)."""
    by_name = {line.name: code for code, line in rules.lines.items()}
    out = []
    for row in rows:
        end = row["end"]
        codes = dict.fromkeys(by_name.get(c, c) for c in (row["lines"] or [DEFAULT_LINES]))
        out.append(
            Member(
                Person(row["cert_no"], row["name"], person_no=row["person_no"]),
                (WageDeclaration(row["start"] or Period(1900, 1), row["wage"]),),
                tuple(Coverage(c, row["start"], end) for c in codes),
            )
        )
    return out


def table_of(rows: list[dict[str, Any]]) -> Any:
    """The rows as an Arrow table, the wage as text."""
    return pa.table(
        {
            "cert_no": pa.array([r["cert_no"] for r in rows], pa.string()),
            "name": pa.array([r["name"] for r in rows], pa.string()),
            "person_no": pa.array([r["person_no"] for r in rows], pa.string()),
            "wage": pa.array([r["wage_text"] for r in rows], pa.string()),
            "start": pa.array([r["start_text"] for r in rows], pa.string()),
            "end": pa.array([r["end_text"] for r in rows], pa.string()),
            "lines": pa.array([r["lines_text"] for r in rows], pa.string()),
        }
    )


def check_same(case: dict[str, Any]) -> Any:
    rules, start, end = case["rules"], case["start"], case["end"]
    options = {"insurance": case["insurance"], "parts": case["parts"]}
    members = members_of(case["rows"], rules)
    threads = case.get("threads", 1)
    reference = outcome(lambda: assess(members, rules, start, end, engine="reference", **options))
    bulk = outcome(
        lambda: assess_table(
            table_of(case["rows"]), rules, start, end, chunk_rows=case["chunk_rows"], threads=threads, **options
        ).to_assessment()
    )
    # totals only: persons listed twice are searched for once at the end, not chunk by chunk
    totals = outcome(
        lambda: assess_table(
            table_of(case["rows"]), rules, start, end, chunk_rows=case["chunk_rows"], keep_lines=False,
            threads=threads, **options
        )
    )
    if isinstance(reference, Assessment):
        assert not isinstance(totals, tuple), totals
        assert (totals.totals, totals.total, totals.warnings) == (reference.totals, reference.total, reference.warnings)
    else:
        assert totals == reference
    if isinstance(reference, Assessment) and isinstance(bulk, Assessment):
        for mine, theirs in zip(bulk.lines, reference.lines):
            assert mine == theirs
        assert bulk.totals == reference.totals
        assert bulk.warnings == reference.warnings
        assert bulk == reference
        assert bulk.to_json() == reference.to_json()
    else:
        assert bulk == reference
    return reference


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=cases())
def test_bulk_equals_reference(case: dict[str, Any]) -> None:
    result = check_same(case)
    if isinstance(result, Assessment):
        event(f"assessed: {'no lines' if not result.lines else 'lines'}")
        for warning in result.warnings:
            event(f"warning {warning.code}")
        if len({w.code for w in result.warnings}) > 1 or len(result.warnings) > 2:
            event("several warnings")
        event(f"stage {case['rules'].rounding.stage}")
    else:
        event(f"error {result[1]}")


@pytest.mark.parametrize("code", REGIONS)
def test_regions_without_rates_raise_the_same_error(code: str) -> None:
    rules = REGISTRY.region(code).rules
    rows = [
        {"cert_no": f"32050619850312{i:04d}", "name": "张三", "person_no": None, "wage": D("5000"),
         "wage_text": "5000", "start": None, "end": None, "start_text": None, "end_text": None,
         "lines": lines, "lines_text": None if lines is None else ",".join(lines)}
        for i, lines in enumerate([None, ["310"]])
    ]
    for period in ("200901", "202208"):
        case = {"rules": rules, "start": Period.parse(period), "end": Period.parse(period) + 2, "rows": rows,
                "insurance": None, "parts": Parts.BOTH, "chunk_rows": 4096}
        result = check_same(case)
        if not rules.has_rates():
            assert isinstance(result, tuple) and result[1] in ("parameter_unknown", "no_default_lines")


def test_a_unit_of_two_thousand_over_a_rate_change() -> None:
    """Huai'an 200909…201310 (unit rate 7%, unit part only, as its one-off back-pay) and a large
    roster in several chunks, with the last months past the rate's end: the same error."""
    rules = REGISTRY.region("320800").rules
    rows = []
    for i in range(2000):
        wage = D(1000 + (i * 7919) % 40000) + D(i % 100) / 100
        rows.append({"cert_no": f"32080219{i % 90 + 10:02d}0101{i:04d}", "name": f"职工{i}", "person_no": None,
                     "wage": wage, "wage_text": str(wage), "start": None, "end": None, "start_text": None,
                     "end_text": None, "lines": ["310"], "lines_text": "310"})
    base = {"rules": rules, "rows": rows, "insurance": None, "parts": Parts.UNIT, "chunk_rows": 700}
    result = check_same({**base, "start": Period(2013, 1), "end": Period(2013, 10)})
    assert isinstance(result, Assessment) and len(result.lines) == 20000
    error = check_same({**base, "start": Period(2013, 1), "end": Period(2013, 12)})
    assert error[1] == "parameter_unknown"


def test_duplicates_across_chunks_and_the_errors_they_hide() -> None:
    """A person listed again, in the same or a later chunk: by the canonical precedence the
    error is duplicate_person in both engines, whoever meets an unknown line."""
    rules = REGISTRY.region("320800").rules

    def row(cert: str, lines: list[str] | None) -> dict[str, Any]:
        return {"cert_no": cert, "name": "x", "person_no": None, "wage": D("5000"), "wage_text": "5000",
                "start": None, "end": None, "start_text": None, "end_text": None,
                "lines": lines, "lines_text": None if lines is None else ",".join(lines)}

    cases = [
        [row("B1", None), row("C1", None), row("B1", ["999"])],
        [row("B1", ["999"]), row("C1", None), row("B1", None)],
        [row("B1", None), row("A1", ["999"]), row("B1", None)],
        [row("B1", None), row("C1", ["999"]), row("B1", None)],
        [row("P9", None), row("C1", None), row("P9", ["999"]), row("10000000000000000X", None)] * 2,
    ]
    for rows in cases:
        for chunk_rows, threads in itertools.product((1, 2, 4096), (1, 3)):
            result = check_same({"rules": rules, "start": Period(2021, 1), "end": Period(2021, 2), "rows": rows,
                                 "insurance": None, "parts": Parts.BOTH, "chunk_rows": chunk_rows,
                                 "threads": threads})
            assert result[1] == "duplicate_person"


def test_a_resident_listed_twice_in_the_last_row_of_a_chunk_or_in_two_chunks() -> None:
    """Resident ID numbers (compared as integer codes) repeated in the last row of a chunk, in
    a later chunk, both, or not at all: with lines and for totals only (searched at the end),
    the error is the reference's, naming the smallest number listed twice."""
    rules = REGISTRY.region("320500").rules
    people = [f"32050619850312{i:03d}{i % 10}" for i in range(8)]
    for repeats in ({3: 0}, {7: 2}, {3: 1, 7: 6}, {7: 5, 5: 4}, {}):
        rows = [
            {"cert_no": people[repeats.get(i, i)], "name": "张三", "person_no": None, "wage": D("5000"),
             "wage_text": "5000", "start": None, "end": None, "start_text": None, "end_text": None,
             "lines": None, "lines_text": None}
            for i in range(8)
        ]
        for chunk_rows, threads in itertools.product((3, 4, 8), (1, 3)):
            result = check_same({"rules": rules, "start": Period(2022, 8), "end": Period(2022, 9), "rows": rows,
                                 "insurance": None, "parts": Parts.BOTH, "chunk_rows": chunk_rows,
                                 "threads": threads})
            if repeats:
                assert result[1] == "duplicate_person", (repeats, chunk_rows)
            else:
                assert isinstance(result, Assessment) and len(result.lines) == 8 * 2 * len(rules.default_lines)
