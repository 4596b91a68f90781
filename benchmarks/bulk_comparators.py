"""Comparators for bench_bulk.py: the same totals as the bulk engine, in polars and in bare numpy.

Both use integer fen and the region's rounding (half-up to the fen, per line), with the rates of
the same assessment plan, and each line's amount computed once per person and segment of
constant parameters, as a developer who knows the data would write it. The polars query reads
the roster's text columns itself (wage text to fen by splitting at the dot); the numpy pass is
the floor: it starts from columns already parsed to integers (wage in fen, period indices) and
only does the arithmetic. :func:`check` refuses to report a time for totals that differ from
medins's to the fen.
"""

from __future__ import annotations

import decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from medins_core.assessment import Parts
from medins_core.bulk._engine import Kernel
from medins_core.model import MAX_WAGE
from medins_core.period import Period

#: Per line: persons, unit_base, unit_amount, person_base, person_amount, transfer (fen; None unknown).
Totals = dict[str, tuple[int, int, int, int, int, int | None]]


def plan_spec(rules: Any, start: Period, end: Period) -> tuple[int, int, list[tuple[str, list[Any]]]]:
    """The plan's periods and, per default line, its segments as integers:
    ``(first, last, floor, ceiling, (num, fixed, den) × 4 sides or None)``."""
    kernel = Kernel(rules, start, end, None, Parts.BOTH)
    plan = kernel.plan
    if kernel.mode != decimal.ROUND_HALF_UP or kernel.per_total or kernel.quantum != 1:
        raise SystemExit("the comparators implement half-up rounding per line to the fen only")
    lines = []
    for code in plan.defaults:
        segments = []
        for s in plan.segments(code):
            if s.missing:
                raise SystemExit(f"line {code} has missing parameters: no comparator for that")
            sides = [None if r is None else (r.num, r.fixed, r.den) for r in kernel.fen_rates(s)]
            segments.append((s.first, s.last, s.floor, s.ceiling, sides))
        lines.append((code, segments))
    return plan.k0, plan.k1, lines


def medins_totals(result: Any) -> Totals:
    """A bulk result's totals in fen."""

    def fen(value: Any) -> int:
        return int(value * 100)

    return {
        t.insurance: (
            t.persons,
            fen(t.unit_base),
            fen(t.unit_amount),
            fen(t.person_base),
            fen(t.person_amount),
            None if t.account_transfer is None else fen(t.account_transfer),
        )
        for t in result.totals
    }


def check_verdicts(rules: Any, start: Period, end: Period) -> None:
    """Fail loudly unless the checked polars query refuses the small rosters medins refuses
    (a person listed twice, wages medins does not read) and accepts the others, to the fen."""
    import polars as pl

    from medins_core.bulk import assess_table
    from medins_core.errors import InputError

    spec = plan_spec(rules, start, end)
    certs = ["320506198503120116", "11010519491231002X", "P1234567"]
    for wages, repeat in (
        (["5000", " 5,000.50 ", "+12.300"], False), (["5000", "5000", "5000"], True), (["5000.123", "1", "1"], False),
        (["-5", "1", "1"], False), (["5.", "1", "1"], False), (["5e3", "1", "1"], False), (["1" * 11, "1", "1"], False),
    ):
        table = pa.table({"cert_no": certs[:2] + certs[:1] if repeat else certs, "name": ["张三"] * 3, "wage": wages,
                          "start": [""] * 3, "end": [""] * 3})
        try:
            ours: Totals | None = medins_totals(assess_table(table, rules, start, end, keep_lines=False))
        except InputError:
            ours = None
        try:
            theirs: Totals | None = polars_totals(spec, pl.from_arrow(table), checked=True)
        except Refused:
            theirs = None
        if theirs != ours:
            raise SystemExit(f"the checked polars query and medins differ on {wages}, repeat={repeat}: {theirs} {ours}")


def check(name: str, theirs: Totals, ours: Totals) -> None:
    """Fail loudly unless a comparator's totals are medins's to the fen."""
    if theirs != ours:
        diff = {k: (theirs.get(k), ours.get(k)) for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k)}
        raise SystemExit(f"{name} totals differ from medins's (theirs, ours): {diff}")


# --- bare numpy -------------------------------------------------------------------------


def parsed_columns(table: Any, k0: int, k1: int) -> tuple[Any, Any, Any]:
    """Wage in fen and each row's first and last period index in the range (not timed)."""
    wage = np.array([int(decimal.Decimal(w) * 100) for w in pc.unique(table["wage"]).to_pylist()])
    index = pc.index_in(table["wage"], pc.unique(table["wage"])).to_numpy()
    fen = wage[index].astype(np.int64)

    def periods(column: Any, open_value: int) -> Any:
        text = pc.if_else(pc.equal(column, ""), str(open_value), column)
        value = pc.cast(text, pa.int64()).to_numpy()
        return np.where(value == open_value, open_value, value // 100 * 12 + value % 100 - 1)

    first = np.maximum(periods(table["start"], 0), k0)
    last = np.minimum(periods(table["end"], 99_999_999), k1)
    return fen, first, last


def _half_up(n: Any, den: int) -> Any:
    return (2 * n + den) // (2 * den)


def numpy_totals(spec: Any, wage: Any, first: Any, last: Any) -> Totals:
    """The totals from parsed int64 columns: one pass of numpy per distinct segment and rate."""
    k0, k1, lines = spec
    months = np.maximum(last - first + 1, 0)
    persons = int(np.count_nonzero(months))
    cache: dict[Any, Any] = {}

    def once(key: Any, make: Any) -> Any:
        if key not in cache:
            cache[key] = make()
        return cache[key]

    totals: Totals = {}
    for code, segments in lines:
        sums = [0, 0, 0, 0, 0]
        transfer_known = True
        for lo, hi, floor, ceiling, sides in segments:
            whole = lo <= k0 and hi >= k1
            covered = months if whole else once(("c", lo, hi), lambda: np.maximum(np.minimum(last, hi) - np.maximum(first, lo) + 1, 0))
            base = once(("b", floor, ceiling), lambda: wage if floor is None and ceiling is None else np.clip(wage, floor, ceiling))
            base_months = once(("bm", floor, ceiling, lo, hi), lambda: int(base @ covered))

            def amount(side: Any) -> int:
                num, fixed, den = side
                if num == 0 and fixed == 0:
                    return 0
                return once(("a", side, floor, ceiling, lo, hi), lambda: int(_half_up(base * num + fixed, den) @ covered))

            unit, person, ut, pt = sides
            sums[0] += base_months if unit[0] else 0
            sums[1] += amount(unit)
            sums[2] += base_months if person[0] else 0
            sums[3] += amount(person)
            if ut is None or pt is None:
                transfer_known = False
            else:
                sums[4] += amount(ut) + amount(pt)
        totals[code] = (persons, sums[0], sums[1], sums[2], sums[3], sums[4] if transfer_known else None)
    return totals


# --- polars -----------------------------------------------------------------------------


#: :func:`~medins_core.money.to_money`'s grammar (after stripping), with at most two decimals
#: other than trailing zeros: what medins reads as a wage in whole fen.
AMOUNT = r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2}0*)?$"
MAX_FEN = int(MAX_WAGE.scaleb(2))


class Refused(Exception):
    """The checked polars query refuses the roster, as medins would."""


def polars_totals(spec: Any, frame: Any, *, checked: bool = False, positive: bool = False) -> Totals:
    """The totals by one lazy polars query over the roster's text columns; each distinct sum
    is one expression.

    Arithmetic only (default): wage text → fen by ``cast(Decimal(18, 2))``, which
    silently truncates a third decimal and takes ``-5``, ``5.`` or ``5e3``; a person listed
    twice is counted twice. ``checked``: the same query also refuses (:class:`Refused`) a
    certificate number listed twice (``n_unique`` against the row count, on the text as
    written: medins also strips and upper-cases it) and wage text that medins refuses: not
    ``to_money``'s grammar after stripping (sign, digits, thousands separators, decimals),
    more than two decimals other than trailing zeros, below 0 (``positive``: not above 0),
    or at least :data:`~medins_core.model.MAX_WAGE`; commas are removed before the cast.
    """
    import polars as pl

    k0, k1, lines = spec
    if checked:
        text = pl.col("wage").str.strip_chars()
        fen = (text.str.replace_all(",", "", literal=True).cast(pl.Decimal(18, 2), strict=False) * 100).cast(pl.Int64)
        refused = ~text.str.contains(AMOUNT) | fen.is_null() | (fen < (1 if positive else 0)) | (fen >= MAX_FEN)
        extra = [refused.alias("refused"), pl.col("cert_no")]
    else:
        fen = (pl.col("wage").cast(pl.Decimal(18, 2)) * 100).cast(pl.Int64)
        extra = []

    def period(name: str, open_value: int) -> Any:
        value = pl.when(pl.col(name) == "").then(None).otherwise(pl.col(name)).cast(pl.Int64)
        return (value // 100 * 12 + value % 100 - 1).fill_null(open_value)

    roster = frame.lazy().select(
        fen.alias("wage"),
        period("start", k0).clip(k0, None).alias("first"),
        period("end", k1).clip(None, k1).alias("last"),
        *extra,
    )
    months = (pl.col("last") - pl.col("first") + 1).clip(0, None)
    exprs: dict[Any, Any] = {"persons": (months > 0).sum().alias("0")}

    def total(key: Any, expr: Any) -> str:
        name = str(len(exprs))  # the column of a new sum
        exprs.setdefault(key, expr.alias(name))
        return str(exprs[key].meta.output_name())

    plan: dict[str, list[list[str]]] = {}
    for code, segments in lines:
        parts: list[list[str]] = [[], [], [], [], []]
        for lo, hi, floor, ceiling, sides in segments:
            whole = lo <= k0 and hi >= k1
            covered = months if whole else (pl.min_horizontal("last", hi) - pl.max_horizontal("first", lo) + 1).clip(0, None)
            base = pl.col("wage") if floor is None and ceiling is None else pl.col("wage").clip(floor, ceiling)

            def amount(side: Any) -> str:
                num, fixed, den = side
                if num == 0 and fixed == 0:
                    return ""
                return total(("a", side, floor, ceiling, lo, hi), ((2 * (base * num + fixed) + den) // (2 * den) * covered).sum())

            u, p, ut, pt = sides
            base_months = total(("b", floor, ceiling, lo, hi), (base * covered).sum())
            parts[0].append(base_months if u[0] else "")
            parts[1].append(amount(u))
            parts[2].append(base_months if p[0] else "")
            parts[3].append(amount(p))
            parts[4].extend(["?"] if ut is None or pt is None else [amount(ut), amount(pt)])
        plan[code] = parts
    checks = [pl.col("refused").any(), pl.col("cert_no").n_unique() < pl.len()] if checked else []
    row = roster.select([*exprs.values(), *checks]).collect().row(0)
    if checked and (row[-2] or row[-1]):
        raise Refused("a wage medins refuses" if row[-2] else "a certificate number listed twice")
    value = {str(i): v for i, v in enumerate(row)}
    value[""] = 0

    def added(names: list[str]) -> int | None:
        return None if "?" in names else sum(value[n] for n in names)

    return {code: (row[0], *[added(p) for p in parts]) for code, parts in plan.items()}  # type: ignore[misc]
