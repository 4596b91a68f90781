"""The columnar assessment: the reference engine's arithmetic in integer fen over numpy arrays.

For one insurance line the parameters change only at a few periods, so the period range is cut
into *segments* (runs of periods with the same parameters and base limits). Within a segment a
person's amount is the same every month, so it is computed once per person and segment and
counted for the months covered; lines are expanded per month only when they are asked for.

Every amount is an exact integer fraction: a base of ``b`` fen at rate ``n/d`` plus a fixed
amount ``f/d`` fen is ``(b*n + f) / d`` fen, rounded to the quantum by
:func:`~medins_core.bulk._rounding.round_div`. Values that could leave int64 are computed with
Python ints instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import Any

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from medins_core.assessment import (
    Assessment,
    AssessmentLine,
    AssessmentWarning,
    LineRates,
    LineTotal,
    Parts,
    PaymentType,
    line_rates,
)
from medins_core.bulk._read import Rows
from medins_core.bulk._rounding import MODES, round_div, round_div_int
from medins_core.errors import InputError, MedinsError, ParameterError
from medins_core.model import DEFAULT_LINES
from medins_core.money import rmb_upper
from medins_core.params import BaseLimit, ParamValue, RegionRules, Status
from medins_core.period import Period, PeriodLike

Array = NDArray[Any]  # int64, or object holding Python ints when int64 could overflow

#: Where the reference engine would meet an event: certificate number, occurrence of that
#: number in the roster (a second one is the duplicate error), period index, position of the
#: line among the person's lines (-1 before any line), and order within that step.
Key = tuple[str, int, int, int, int]

_SAFE = 1 << 60  # int64 headroom (rounding doubles values); beyond it Python ints take over

#: An error as plain data: MedinsError cannot be unpickled (its __init__ needs the message
#: as a second argument), and partials travel between Dask processes.
ErrorSpec = tuple[type[MedinsError], str, str, dict[str, Any]]


def portable(error: MedinsError) -> ErrorSpec:
    """``error`` as data that pickles; :func:`rebuild` makes it an exception again."""
    where = {"file": error.file, "row": error.row, "column": error.column, "field": error.field}
    return (type(error), error.code, error.message, where)


def rebuild(spec: ErrorSpec) -> MedinsError:
    """The exception :func:`portable` describes."""
    kind, code, message, where = spec
    return kind(code, message, **where)


#: The Arrow type of amounts in the lines table: exact yuan with two decimals.
MONEY = pa.decimal128(38, 2)

#: Columns of the lines table, as in :class:`~medins_core.assessment.AssessmentLine`.
LINE_SCHEMA = pa.schema(
    [
        ("cert_no", pa.string()),
        ("name", pa.string()),
        ("person_no", pa.string()),
        ("insurance", pa.string()),
        ("period", pa.string()),
        ("unit_base", MONEY),
        ("unit_amount", MONEY),
        ("person_base", MONEY),
        ("person_amount", MONEY),
        ("account_transfer", MONEY),
    ]
)


def yuan(fen: int) -> Decimal:
    """``fen`` as a Decimal amount of yuan with two decimals, exactly."""
    return Decimal(f"{fen}e-2")


def _fen(value: Decimal, what: str) -> int:
    fen = Fraction(value) * 100
    if fen.denominator != 1:
        raise ParameterError("unsupported_value", f"{what} 须精确到分: {value}", field=what)
    return int(fen)


@attrs.frozen
class _Side:
    """One side of a line in a segment: ``(base_fen * num + fixed) / den`` fen, exactly."""

    num: int
    fixed: int
    den: int

    @classmethod
    def of(cls, rate: Decimal, fixed: Decimal = Decimal(0)) -> _Side:
        r, f = Fraction(rate), Fraction(fixed) * 100
        den = lcm(r.denominator, f.denominator)
        return cls(r.numerator * (den // r.denominator), f.numerator * (den // f.denominator), den)


_NOTHING = _Side(0, 0, 1)


@attrs.frozen(eq=False)
class _Segment:
    """A run of periods in which one line's parameters and the base limits do not change."""

    line: str
    first: int
    last: int
    floor: int | None
    ceiling: int | None
    rates: LineRates | None
    error: ParameterError | None
    unit: _Side = _NOTHING
    person: _Side = _NOTHING
    unit_transfer: _Side | None = None
    person_transfer: _Side | None = None

    @property
    def provisional(self) -> tuple[ParamValue, ...]:
        """The provisional values among those used, in the order the reference warns of them."""
        used = () if self.rates is None else self.rates.used
        return tuple(v for v in used if v.status is Status.PROVISIONAL)


@attrs.frozen
class _Pattern:
    """What a roster ``lines`` cell means in this assessment: the lines charged, in order."""

    covered: tuple[str, ...]
    has_default: bool


@attrs.define
class _Sums:
    """Integer sums of one line over one segment; ``*_exact`` are numerators over the side's den."""

    unit_base: int = 0
    person_base: int = 0
    unit_amount: int = 0
    person_amount: int = 0
    transfer: int = 0
    unit_exact: int = 0
    person_exact: int = 0

    def add(self, other: _Sums) -> None:
        for field in attrs.fields(_Sums):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


@attrs.define
class Partial:
    """What one chunk (or Dask partition) contributes; partials merge exactly (int sums).

    ``number`` orders chunks as in the roster. ``errors`` holds each chunk's first error (by
    :data:`Key`) with the chunk's number: whether it stands depends on duplicates between
    chunks, known only at the end. ``duplicates`` travels with a Dask partition's partial.
    """

    number: int = 0
    rows: int = 0
    persons: int = 0
    line_persons: dict[str, int] = attrs.Factory(dict)
    sums: dict[tuple[str, int], _Sums] = attrs.Factory(dict)
    transfer_unknown: set[str] = attrs.Factory(set)
    errors: list[tuple[int, Key, ErrorSpec]] = attrs.Factory(list)
    warnings: dict[tuple[str, str], Key] = attrs.Factory(dict)
    duplicates: Duplicates | None = None

    def fail(self, key: Key, error: MedinsError | ErrorSpec) -> None:
        """Keep the chunk's error the reference engine would raise first."""
        if not self.errors or key < self.errors[0][1]:
            self.errors = [(self.number, key, error if isinstance(error, tuple) else portable(error))]

    def warn(self, key: Key, code: str, message: str) -> None:
        """Keep each warning where the reference engine would first add it."""
        known = self.warnings.get((code, message))
        if known is None or key < known:
            self.warnings[(code, message)] = key

    def merge(self, other: Partial) -> None:
        """Add ``other``, which comes after this one in the roster."""
        self.rows += other.rows
        self.persons += other.persons
        for line, count in other.line_persons.items():
            self.line_persons[line] = self.line_persons.get(line, 0) + count
        for key, sums in other.sums.items():
            self.sums.setdefault(key, _Sums()).add(sums)
        self.transfer_unknown |= other.transfer_unknown
        self.errors.extend(other.errors)
        for (code, message), where in other.warnings.items():
            self.warn(where, code, message)
        if other.duplicates is not None:
            if self.duplicates is None:
                self.duplicates = Duplicates()
            self.duplicates.absorb(other.duplicates)

    def first_error(self, between: dict[str, int]) -> MedinsError | None:
        """The error the reference raises first, given the persons listed in two chunks
        (certificate number → first chunk). An error met at a later listing of such a person
        does not count: the reference stops at that listing with ``duplicate_person``."""
        found = [
            (key, spec)
            for number, key, spec in self.errors
            if not (key[1] == 0 and key[0] in between and between[key[0]] < number)
        ]
        if between:
            found.append(((min(between), 1, 0, 0, 0), portable(duplicate_error())))
        return rebuild(min(found, key=lambda item: item[0])[1]) if found else None


def duplicate_error() -> InputError:
    """The error of the reference engine for a person listed twice."""
    return InputError("duplicate_person", "同一人员在名单中出现两次", field="cert_no")


def decode_cert(code: int) -> str:
    """The resident ID number behind a code of :func:`~medins_core.bulk._read.cert_codes`."""
    digits, last = divmod(code, 11)
    return f"{digits:017d}" + ("X" if last == 10 else str(last))


class Duplicates:
    """Certificate numbers chunk by chunk, to find a person listed twice as the reference does.

    Within a chunk, later listings are flagged at once (:meth:`within`). Between chunks, each
    chunk's sorted resident-ID codes are kept (8 bytes a person) and compared once at the end
    (:meth:`between`): one merge of sorted runs, instead of a search per chunk. Other numbers
    are kept in a dict.
    """

    def __init__(self) -> None:
        self.runs: list[tuple[int, NDArray[np.int64]]] = []
        self.others: dict[str, int] = {}  # number → first chunk
        self.again: dict[str, int] = {}  # other numbers listed in two chunks → first chunk

    def within(self, rows: Rows, number: int) -> NDArray[np.bool_]:
        """Flag the rows repeating an earlier row of the same chunk; record the chunk's numbers."""
        codes = rows.codes
        later = np.zeros(len(codes), dtype=bool)
        ids = np.flatnonzero(codes >= 0)
        ordered = np.sort(codes[ids])
        repeat = ordered[1:] == ordered[:-1]
        if repeat.any():  # rare: find which rows (a stable order keeps the first first)
            order = ids[np.argsort(codes[ids], kind="stable")]
            later[order[1:][repeat]] = True
            ordered = ordered[np.concatenate(([True], ~repeat))]
        if ordered.size:
            self.runs.append((number, ordered))
        other = np.flatnonzero(codes < 0)
        if other.size:
            mine: set[str] = set()
            for i, cert in zip(other, rows.cert.take(pa.array(other, type=pa.int64())).to_pylist()):
                if cert in mine:
                    later[i] = True
                    continue
                mine.add(cert)
                first = self.others.setdefault(cert, number)
                if first != number:
                    self.again.setdefault(cert, first)
        return later

    def absorb(self, other: Duplicates) -> None:
        """Add the numbers of later chunks (a Dask partition's)."""
        self.runs.extend(other.runs)
        for cert, number in other.others.items():
            first = self.others.setdefault(cert, number)
            if first != number:
                self.again.setdefault(cert, first)
        for cert, number in other.again.items():
            self.again.setdefault(cert, number)

    def between(self) -> dict[str, int]:
        """The persons listed in two chunks: certificate number → first chunk."""
        found = dict(self.again)
        if len(self.runs) > 1:
            merged = np.concatenate([run for _, run in self.runs])
            merged.sort(kind="stable")  # runs are sorted already: timsort merges them
            same = merged[1:] == merged[:-1]
            if same.any():
                for value in np.unique(merged[1:][same]):
                    first = next(number for number, run in self.runs if _contains(run, int(value)))
                    found[decode_cert(int(value))] = first
        return found


def _contains(run: NDArray[np.int64], value: int) -> bool:
    at = int(np.searchsorted(run, value))
    return at < run.size and int(run[at]) == value


@attrs.frozen
class _Piece:
    """Per-person amounts of one line in one segment, kept to expand into monthly lines."""

    segment: _Segment
    rows: NDArray[np.int64]
    first: NDArray[np.int64]
    last: NDArray[np.int64]
    base: Array
    unit: Array | int
    person: Array | int
    transfer: Array | int | None


def _selected(rules: RegionRules, lines: Sequence[str] | None) -> tuple[str, ...] | None:
    if lines is None:
        return None
    for code in lines:
        rules.line(code)  # an unknown code is an error naming the region
    return tuple(dict.fromkeys(lines))


def _dot(values: Array | int, months: NDArray[np.int64]) -> int:
    """``sum(values * months)`` exactly (``values`` an array, or one value for all)."""
    if isinstance(values, int):
        return values * int(months.sum())
    if values.dtype != object:
        bound = int(np.abs(values).max(initial=0)) * int(months.sum())
        if bound < _SAFE:
            return int(np.dot(values, months))
    return int(np.dot(values.astype(object), months.astype(object)))


class Context:
    """One assessment's fixed inputs: region, periods, lines, parts; caches per line and cover.

    Built before any row is read, so argument errors come first, as in the reference.
    """

    def __init__(
        self,
        rules: RegionRules,
        start: PeriodLike,
        end: PeriodLike | None,
        lines: Sequence[str] | None,
        parts: Parts,
    ) -> None:
        self.rules = rules
        self.periods = Period.range(start, start if end is None else end)
        self.selected = _selected(rules, lines)
        self.parts = Parts(parts)
        policy = rules.rounding
        if policy.mode not in MODES:
            raise ValueError(f"rounding mode {policy.mode!r} is not supported by the bulk engine")
        quantum = Fraction(policy.quantum) * 100
        if quantum.denominator != 1:
            raise ValueError(f"the bulk engine rounds to the fen or coarser, not to {policy.quantum}")
        self.quantum = int(quantum)  # in fen
        self.mode = policy.mode
        self.per_total = policy.stage == "per_total"
        self.k0, self.k1 = self.periods[0].index, self.periods[-1].index
        # Members without their own lines get the selected lines, else the region's defaults.
        self.defaults = rules.default_lines if self.selected is None else self.selected
        self.by_name = {line.name: code for code, line in rules.lines.items()}
        # The reference's line order, built by the same expression.
        self.order = {code: i for i, code in enumerate(dict.fromkeys((*rules.default_lines, *rules.lines)))}
        self.no_limit = np.array([rules.base_limit(p) is None for p in self.periods])
        self._segments: dict[str, tuple[_Segment, ...]] = {}
        self._patterns: dict[tuple[str, ...], _Pattern] = {}

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without its caches (sent to Dask workers; errors in them would not unpickle)."""
        return {**self.__dict__, "_segments": {}, "_patterns": {}}

    def line_order(self, code: str) -> int:
        """Sort position of a line in lines and totals, as in the reference."""
        return self.order.get(code, len(self.order))

    # --- parameters ---------------------------------------------------------------------

    def segments(self, line: str) -> tuple[_Segment, ...]:
        """The runs of periods with constant parameters of ``line`` (errors kept, not raised)."""
        found = self._segments.get(line)
        if found is None:
            runs: list[tuple[int, int, BaseLimit | None, LineRates | ParameterError]] = []
            for period in self.periods:
                limit = self.rules.base_limit(period)
                entry: LineRates | ParameterError
                try:
                    entry = line_rates(self.rules, line, period, self.parts)
                except ParameterError as exc:
                    entry = exc
                if runs and runs[-1][2] == limit and runs[-1][3] == entry:
                    runs[-1] = (runs[-1][0], period.index, limit, entry)
                else:
                    runs.append((period.index, period.index, limit, entry))
            found = self._segments[line] = tuple(self._segment(line, *run) for run in runs)
        return found

    def _segment(
        self, line: str, first: int, last: int, limit: BaseLimit | None, entry: LineRates | ParameterError
    ) -> _Segment:
        floor = ceiling = None
        if limit is not None:
            floor = None if limit.floor is None else _fen(limit.floor, "floor")
            ceiling = None if limit.ceiling is None else _fen(limit.ceiling, "ceiling")
        if isinstance(entry, ParameterError):
            return _Segment(line, first, last, floor, ceiling, None, entry)
        ut, pt = entry.unit_transfer_rate, entry.person_transfer_rate
        return _Segment(
            line,
            first,
            last,
            floor,
            ceiling,
            entry,
            None,
            unit=_Side.of(entry.unit_rate, entry.unit_fixed),
            person=_Side.of(entry.person_rate, entry.person_fixed),
            unit_transfer=None if ut is None else _Side.of(ut),
            person_transfer=None if pt is None else _Side.of(pt),
        )

    def pattern(self, written: tuple[str, ...]) -> _Pattern:
        """The lines a cover charges: names read as codes, ``*`` expanded, deduplicated."""
        found = self._patterns.get(written)
        if found is None:
            codes = tuple(self.by_name.get(code, code) for code in written)
            covered = [
                code
                for given in codes
                for code in (self.defaults if given == DEFAULT_LINES else (given,))
                if self.selected is None or code in self.selected
            ]
            found = self._patterns[written] = _Pattern(tuple(dict.fromkeys(covered)), DEFAULT_LINES in codes)
        return found

    # --- arithmetic -----------------------------------------------------------------------

    def amounts(self, base: Array, side: _Side) -> Array | int:
        """Each base's amount on ``side``, rounded by the region's policy, in fen.

        A side without a rate charges everybody the same: that amount is returned as an int.
        """
        divisor = side.den * self.quantum
        if side.num == 0:
            return round_div_int(side.fixed, divisor, self.mode) * self.quantum
        nonnegative = side.num >= 0 and side.fixed >= 0 and int(base.min()) >= 0
        if base.dtype != object and int(np.abs(base).max()) * abs(side.num) + abs(side.fixed) >= _SAFE:
            base = base.astype(object)
        rounded = round_div(base * side.num + side.fixed, divisor, self.mode, nonnegative=nonnegative)
        return rounded * self.quantum

    def round_total(self, exact: Fraction) -> int:
        """A total of exact amounts (fen) rounded once, for the ``per_total`` stage."""
        return round_div_int(exact.numerator, exact.denominator * self.quantum, self.mode) * self.quantum

    # --- one chunk ----------------------------------------------------------------------

    def process(
        self, rows: Rows, later: NDArray[np.bool_], keep: bool, number: int = 0
    ) -> tuple[Partial, list[_Piece]]:
        """Sums, warnings and errors of chunk ``number``; with ``keep``, the pieces of its lines."""
        n = len(rows)
        part = Partial(number=number, rows=n)
        patterns = [self.pattern(p) for p in rows.patterns]
        first = np.maximum(rows.start, self.k0)
        last = np.minimum(rows.end, self.k1)
        months = np.maximum(last - first + 1, 0)
        charged = np.array([bool(p.covered) for p in patterns])
        eligible = ~later & (months > 0) & charged[rows.pattern]
        part.persons = int(np.count_nonzero(eligible))
        if later.any():
            i = _smallest(rows, np.flatnonzero(later))
            part.fail((rows.cert[i].as_py(), 1, 0, 0, 0), duplicate_error())
        if n and not self.defaults and any(p.has_default for p in patterns):
            # the reference checks this before looking at anybody: it comes before any other error
            error = InputError(
                "no_default_lines",
                f"{self.rules.name}({self.rules.code}) 的默认险种不在源文件中，请指定险种 (--lines)",
                field="insurance",
            )
            part.fail(("", -1, 0, 0, 0), error)
        codes = sorted({c for p in patterns for c in p.covered}, key=self.line_order)
        pieces: list[_Piece] = []
        for code in codes:
            has = np.array([code in p.covered for p in patterns])
            of_line = eligible if has.all() else eligible & has[rows.pattern]
            count = int(np.count_nonzero(of_line))
            if not count:
                continue
            part.line_persons[code] = part.line_persons.get(code, 0) + count
            for segment in self.segments(code):
                if segment.first <= self.k0 and segment.last >= self.k1:
                    covered = months
                else:
                    covered = np.maximum(np.minimum(last, segment.last) - np.maximum(first, segment.first) + 1, 0)
                chosen = of_line & (covered > 0)
                if segment.error is not None or not chosen.any():
                    continue  # an error is raised from the events, where the reference meets it
                index = np.flatnonzero(chosen)
                piece = self._segment_sums(part, segment, rows.wage[index], covered[index], keep)
                if keep:
                    pieces.append(attrs.evolve(piece, rows=index, first=first[index], last=last[index]))
        self._events(part, rows, eligible, first, last, patterns, codes)
        return part, pieces

    def _segment_sums(
        self, part: Partial, segment: _Segment, wage: NDArray[np.int64], months: NDArray[np.int64], keep: bool
    ) -> _Piece:
        base = _clamp(wage, segment.floor, segment.ceiling)
        sums = part.sums.setdefault((segment.line, segment.first), _Sums())
        base_months, total_months = _dot(base, months), int(months.sum())
        unit, person = segment.unit, segment.person
        sums.unit_base += base_months if unit.num else 0  # shown only for a non-zero rate
        sums.person_base += base_months if person.num else 0
        sums.unit_exact += unit.num * base_months + unit.fixed * total_months
        sums.person_exact += person.num * base_months + person.fixed * total_months
        empty: Array = np.empty(0, dtype=np.int64)
        unit_amounts: Array | int = empty
        person_amounts: Array | int = empty
        if keep or not self.per_total:
            unit_amounts, person_amounts = self.amounts(base, unit), self.amounts(base, person)
            sums.unit_amount += _dot(unit_amounts, months)
            sums.person_amount += _dot(person_amounts, months)
        transfer = None
        if segment.unit_transfer is not None and segment.person_transfer is not None:
            transfer = self.amounts(base, segment.unit_transfer) + self.amounts(base, segment.person_transfer)
            sums.transfer += _dot(transfer, months)
        else:
            part.transfer_unknown.add(segment.line)
        return _Piece(segment, empty, empty, empty, base, unit_amounts, person_amounts, transfer)

    # --- warnings and errors, in the reference's order ------------------------------------

    def _events(
        self,
        part: Partial,
        rows: Rows,
        eligible: NDArray[np.bool_],
        first: NDArray[np.int64],
        last: NDArray[np.int64],
        patterns: list[_Pattern],
        codes: list[str],
    ) -> None:
        """Find where the reference would first meet each warning and each parameter error.

        The reference walks persons by certificate number, then periods, then the person's
        lines; a warning is added the first time it is met. So for each (line, period) pair
        that warns or fails, the person who meets it first is the smallest certificate number
        among those charged that line in that period. Persons are taken smallest first, each
        claiming the pairs they reach; usually the first person claims every pair.
        """
        n_periods = len(self.periods)
        slots = ["", *codes]  # "" stands for the base-limit warning, met before any line
        interesting = np.zeros((len(slots), n_periods), dtype=bool)
        interesting[0] = self.no_limit
        for s, code in enumerate(codes, 1):
            for segment in self.segments(code):
                if segment.error is not None or segment.provisional:
                    interesting[s, segment.first - self.k0 : segment.last - self.k0 + 1] = True
        index = np.flatnonzero(eligible)
        if not interesting.any() or not index.size:
            return
        has = np.zeros((len(patterns), len(slots)), dtype=bool)
        position = np.full((len(patterns), len(slots)), -1)
        for p, pattern in enumerate(patterns):
            has[p, 0] = bool(pattern.covered)
            for j, code in enumerate(pattern.covered):
                has[p, slots.index(code)] = True
                position[p, slots.index(code)] = j
        pat = rows.pattern[index].astype(np.int64)
        lo, hi = first[index] - self.k0, last[index] - self.k0
        width = n_periods + 1
        starts = np.bincount(pat * width + lo, minlength=len(patterns) * width)
        stops = np.bincount(pat * width + hi + 1, minlength=len(patterns) * width)
        reached = (starts - stops).reshape(len(patterns), width).cumsum(axis=1)[:, :n_periods] > 0
        todo = interesting & (has[:, :, None] & reached[:, None, :]).any(axis=0)
        candidate = np.ones(index.size, dtype=bool)
        while todo.any():
            wanted = (has[:, :, None] & todo[None, :, :]).any(axis=1)  # pattern × period
            cumulative = np.zeros((len(patterns), width), dtype=np.int64)
            cumulative[:, 1:] = wanted.cumsum(axis=1)
            candidate &= cumulative[pat, hi + 1] - cumulative[pat, lo] > 0
            if not candidate.any():  # cannot happen: every pair left is reached by someone
                break
            i = _smallest(rows, index[candidate])
            j = int(np.searchsorted(index, i))
            candidate[j] = False
            cert, p = rows.cert[i].as_py(), int(rows.pattern[i])
            for slot in np.flatnonzero(has[p]):
                for kk in np.flatnonzero(todo[slot, lo[j] : hi[j] + 1]) + lo[j]:
                    todo[slot, kk] = False
                    self._event(part, cert, slots[slot], int(kk) + self.k0, int(position[p, slot]))

    def _event(self, part: Partial, cert: str, slot: str, k: int, position: int) -> None:
        rules = self.rules
        if not slot:
            part.warn(
                (cert, 0, k, -1, 0),
                "base_limits_unknown",
                f"{rules.name}({rules.code}) 的缴费基数上下限未知，按申报工资计算，未做保底封顶",
            )
            return
        segment = next(s for s in self.segments(slot) if s.first <= k <= s.last)
        if segment.error is not None:
            part.fail((cert, 0, k, position, 0), segment.error)
            return
        for j, value in enumerate(segment.provisional):
            part.warn(
                (cert, 0, k, position, j),
                "provisional_value",
                f"{rules.name}({rules.code}) 险种 {value.line} 自 {value.start} 起的参数为暂定值"
                f"(provisional): {value.note or value.source}",
            )

    # --- lines ----------------------------------------------------------------------------

    def line_tables(self, rows: Rows, pieces: list[_Piece], max_lines: int | None) -> Iterator[Any]:
        """The monthly lines of a chunk: by period, line, then row order; ``max_lines`` a table."""
        if not pieces:
            return
        codes = sorted({p.segment.line for p in pieces}, key=self.line_order)
        per_row = len(self.periods) * len(codes)
        step = len(rows) if max_lines is None else max(1, max_lines // per_row)
        for lo in range(0, len(rows), step):
            table = self._line_table(rows, pieces, codes, lo, lo + step)
            if table.num_rows:
                yield table

    def _line_table(self, rows: Rows, pieces: list[_Piece], codes: list[str], lo: int, hi: int) -> Any:
        """Lines of rows ``lo``…``hi`` in the order period, line, row (rows are in cert order)."""
        plan: list[tuple[int, int, _Piece, slice | NDArray[np.int64]]] = []
        for k in range(self.k0, self.k1 + 1):
            for c, code in enumerate(codes):
                for piece in pieces:
                    segment = piece.segment
                    if segment.line != code or not segment.first <= k <= segment.last:
                        continue
                    a, b = (int(x) for x in np.searchsorted(piece.rows, (lo, hi)))
                    inside = (piece.first[a:b] <= k) & (piece.last[a:b] >= k)
                    at: slice | NDArray[np.int64] = slice(a, b) if inside.all() else np.flatnonzero(inside) + a
                    size = b - a if isinstance(at, slice) else at.size
                    if size:
                        plan.append((k, c, piece, at))
        sizes = [p[3].stop - p[3].start if isinstance(p[3], slice) else p[3].size for p in plan]
        total = sum(sizes)
        if not total:
            return LINE_SCHEMA.empty_table()
        huge = any(_huge(a) for p in plan for a in (p[2].base, p[2].unit, p[2].person, p[2].transfer))
        kind: Any = object if huge else np.int64
        row = np.empty(total, dtype=np.int64)
        line = np.empty(total, dtype=np.int32)
        period = np.empty(total, dtype=np.int32)
        unit_base, unit, person_base, person, transfer = (np.zeros(total, dtype=kind) for _ in range(5))
        known = np.ones(total, dtype=bool)
        end = 0
        for (k, c, piece, at), size in zip(plan, sizes):
            start, end = end, end + size
            where = slice(start, end)
            segment = piece.segment
            row[where] = piece.rows[at]
            line[where] = c
            period[where] = k - self.k0
            if segment.unit.num:  # a base is shown only beside a non-zero rate
                unit_base[where] = piece.base[at]
            if segment.person.num:
                person_base[where] = piece.base[at]
            unit[where] = _pick(piece.unit, at)
            person[where] = _pick(piece.person, at)
            if piece.transfer is None:
                known[where] = False
            else:
                transfer[where] = _pick(piece.transfer, at)
        take = pa.array(row, type=pa.int64())
        person_no = pa.nulls(total, pa.string()) if rows.person_no is None else rows.person_no.take(take)
        period_names = pa.array([str(p) for p in self.periods], type=pa.string())
        return pa.table(
            [
                rows.cert.take(take),
                rows.name.take(take),
                person_no,
                pa.array(codes, type=pa.string()).take(pa.array(line)),
                period_names.take(pa.array(period)),
                money_array(unit_base),
                money_array(unit),
                money_array(person_base),
                money_array(person),
                money_array(transfer, known),
            ],
            schema=LINE_SCHEMA,
        )

    # --- the result -----------------------------------------------------------------------

    def finish(
        self, part: Partial, payment_type: PaymentType, duplicates: Duplicates, lines: Any = None
    ) -> BulkAssessment:
        """Raise the first error, or build the result from the merged partial."""
        error = part.first_error(duplicates.between())
        if error is not None:
            raise error
        rules = self.rules
        ordered = sorted(part.warnings.items(), key=lambda item: item[1])
        warnings = [AssessmentWarning(code, message) for (code, message), _ in ordered]
        if self.periods[-1] > (rules.data_through or self.periods[-1]):
            beyond = AssessmentWarning("beyond_data", f"{rules.name}({rules.code}) 的参数只核对到 {rules.data_through}")
            if beyond not in warnings:
                warnings.append(beyond)
        totals = []
        for code in sorted((c for c, n in part.line_persons.items() if n), key=self.line_order):
            found = [(s, part.sums[(code, s.first)]) for s in self.segments(code) if (code, s.first) in part.sums]
            unit_amount = sum(s.unit_amount for _, s in found)
            person_amount = sum(s.person_amount for _, s in found)
            if self.per_total:
                unit_amount = self.round_total(sum((Fraction(s.unit_exact, g.unit.den) for g, s in found), Fraction(0)))
                person_amount = self.round_total(
                    sum((Fraction(s.person_exact, g.person.den) for g, s in found), Fraction(0))
                )
            totals.append(
                LineTotal(
                    insurance=code,
                    name=rules.line(code).name,
                    persons=part.line_persons[code],
                    unit_base=yuan(sum(s.unit_base for _, s in found)),
                    unit_amount=yuan(unit_amount),
                    person_base=yuan(sum(s.person_base for _, s in found)),
                    person_amount=yuan(person_amount),
                    account_transfer=None
                    if code in part.transfer_unknown
                    else yuan(sum(s.transfer for _, s in found)),
                )
            )
        total = sum((t.unit_amount + t.person_amount for t in totals), Decimal(0))
        return BulkAssessment(
            region=rules.code,
            region_name=rules.name,
            periods=self.periods,
            payment_type=payment_type,
            persons=part.persons,
            totals=tuple(totals),
            total=rules.rounding.round(total),
            warnings=tuple(warnings),
            rows=part.rows,
            lines=lines,
        )


def _huge(values: Array | int | None) -> bool:
    """Whether amounts need Python ints (they do not fit int64 with room to spare)."""
    if isinstance(values, int):
        return abs(values) >= _SAFE
    return values is not None and values.dtype == object


def _pick(values: Array | int, at: slice | NDArray[np.int64]) -> Array | int:
    return values if isinstance(values, int) else values[at]


def _clamp(wage: NDArray[np.int64], floor: int | None, ceiling: int | None) -> NDArray[np.int64]:
    """:meth:`BaseLimit.clamp` on fen: the floor is checked first, then the ceiling."""
    if floor is not None and ceiling is not None:
        return np.where(wage < floor, floor, np.where(wage > ceiling, ceiling, wage))
    if floor is not None:
        return np.maximum(wage, floor)
    if ceiling is not None:
        return np.minimum(wage, ceiling)
    return wage


def _smallest(rows: Rows, index: NDArray[np.int64]) -> int:
    """The row (among ``index``, in input order for ties) with the smallest certificate number."""
    codes = rows.codes[index]
    best: int | None = None
    ids = codes >= 0
    if ids.any():
        best = int(index[ids][np.argmin(codes[ids])])
    if not ids.all():
        others = index[~ids]
        strings = rows.cert.take(pa.array(others, type=pa.int64()))
        smallest = pc.min(strings).as_py()
        candidate = int(others[np.flatnonzero(pc.equal(strings, smallest).to_numpy(zero_copy_only=False))[0]])
        if best is None or smallest < rows.cert[best].as_py():
            best = candidate
    assert best is not None
    return best


def money_array(fen: Array, valid: NDArray[np.bool_] | None = None) -> Any:
    """Fen as an Arrow decimal array of yuan (two decimals), exactly; ``valid`` marks non-nulls."""
    if fen.dtype == object:
        values = [yuan(int(v)) for v in fen]
        mask = None if valid is None else ~valid
        return pa.array(values, type=MONEY, mask=mask)
    words = np.column_stack((fen, fen >> 63)).ravel()  # low word, then the sign-extended high word
    validity = None
    if valid is not None and not valid.all():
        validity = pa.array(valid, type=pa.bool_()).buffers()[1]
    return pa.Array.from_buffers(MONEY, len(fen), [validity, pa.py_buffer(words)])


@attrs.frozen
class BulkAssessment:
    """The result of the bulk engine: the fields of :class:`~medins_core.assessment.Assessment`,
    with the lines as an Arrow table (or None when they were not kept).

    :meth:`to_assessment` gives the reference engine's object; the totals, total and warnings
    are already the same objects.
    """

    region: str
    region_name: str
    periods: tuple[Period, ...]
    payment_type: PaymentType
    persons: int
    totals: tuple[LineTotal, ...]
    total: Decimal
    warnings: tuple[AssessmentWarning, ...]
    rows: int
    lines: Any = attrs.field(default=None, eq=False, repr=False)

    @property
    def total_upper(self) -> str:
        """The grand total in Chinese capitals, as the payment notice prints it."""
        return rmb_upper(self.total)

    def to_json(self) -> dict[str, object]:
        """What :meth:`Assessment.to_json` gives, built from the Arrow lines (much faster)."""
        data = attrs.evolve(self, lines=None).to_assessment().to_json()
        if self.lines is not None:
            columns = {name: self.lines.column(name) for name in LINE_SCHEMA.names}
            for name, column in columns.items():
                if pa.types.is_decimal(column.type):
                    columns[name] = column.cast(pa.string())  # decimal(38, 2) prints as format_yuan does
            names = list(columns)
            data["lines"] = [dict(zip(names, row)) for row in zip(*(c.to_pylist() for c in columns.values()))]
        return data

    def to_assessment(self) -> Assessment:
        """The same :class:`Assessment` as the reference engine (``lines=()`` if not kept)."""
        return Assessment(
            region=self.region,
            region_name=self.region_name,
            periods=self.periods,
            payment_type=self.payment_type,
            persons=self.persons,
            lines=() if self.lines is None else tuple(assessment_lines(self.lines)),
            totals=self.totals,
            total=self.total,
            warnings=self.warnings,
        )


def assessment_lines(table: Any) -> Iterator[AssessmentLine]:
    """The rows of a lines table as :class:`AssessmentLine` objects."""
    periods: dict[str, Period] = {}
    columns = [table.column(name).to_pylist() for name in LINE_SCHEMA.names]
    for cert, name, person_no, code, period, ub, ua, pb, pa_, transfer in zip(*columns):
        found = periods.get(period)
        if found is None:
            found = periods[period] = Period.parse(period)
        yield AssessmentLine(cert, name, person_no, code, found, ub, ua, pb, pa_, transfer)


def run(
    context: Context,
    batches: Iterator[Any],
    *,
    payment_type: PaymentType,
    progress: Callable[[int], object] | None,
    keep_lines: bool,
    on_lines: Callable[[Any], object] | None,
    parse: Callable[[Any, int], Rows],
) -> BulkAssessment:
    """Assess a stream of record batches in one process."""
    duplicates = Duplicates()
    total = Partial()
    kept: list[Any] = []
    want_lines = keep_lines or on_lines is not None
    done = 0
    for number, batch in enumerate(batches):
        rows = parse(batch, done + 1)
        done += len(rows)
        later = duplicates.within(rows, number)
        if want_lines:  # lines come out ordered by certificate number within each chunk
            order = _cert_order(rows)
            rows, later = rows.take(order).clean_names(), later[order]
        part, pieces = context.process(rows, later, want_lines, number)
        total.merge(part)
        if want_lines and not total.errors:
            limit = None if on_lines is None else 1 << 20
            for table in context.line_tables(rows, pieces, limit):
                if on_lines is not None:
                    on_lines(table)
                if keep_lines:
                    kept.append(table)
        if progress is not None:
            progress(done)
    lines = _sorted_lines(context, kept) if keep_lines else None
    return context.finish(total, payment_type, duplicates, lines)


def _cert_order(rows: Rows) -> NDArray[np.int64]:
    if (rows.codes >= 0).all():
        return np.argsort(rows.codes, kind="stable")
    return np.asarray(pc.sort_indices(rows.cert).to_numpy(zero_copy_only=False), dtype=np.int64)


def _sorted_lines(context: Context, tables: list[Any]) -> Any:
    """All kept lines in the reference's order (period, line order, certificate number)."""
    if not tables:
        return LINE_SCHEMA.empty_table()
    if len(tables) == 1:
        return tables[0]  # one chunk is already in order
    table = pa.concat_tables(tables)
    codes = sorted(set(pc.unique(table.column("insurance")).to_pylist()), key=context.line_order)
    order = pc.index_in(table.column("insurance"), value_set=pa.array(codes, type=pa.string()))
    keyed = table.append_column("_order", order)
    keyed = keyed.sort_by([("period", "ascending"), ("_order", "ascending"), ("cert_no", "ascending")])
    return keyed.drop_columns(["_order"]).combine_chunks()


