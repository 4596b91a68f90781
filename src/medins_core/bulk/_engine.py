"""The columnar assessment: the plan's arithmetic in integer fen over numpy arrays.

For one insurance line the parameters change only at a few periods: the plan cuts the period
range into *segments* (runs of periods with the same parameters and base limits). Within a
segment a person's amount is the same every month, so it is computed once per person and
segment and counted for the months covered; lines are expanded per month only when they are
asked for (:mod:`medins_core.bulk._lines`).

Every amount is an exact integer fraction: a base of ``b`` fen at rate ``n/d`` plus a fixed
amount ``f/d`` fen is ``(b*n + f) / d`` fen (:class:`~medins_core.plan.FenRate`), rounded to
the quantum by :func:`~medins_core.bulk._rounding.round_div`. Values that could leave int64 are
computed with Python ints instead. Warnings and errors are the plan's, from the periods each
line was charged in (:meth:`~medins_core.plan.Plan.outcome`).
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from medins_core import messages
from medins_core.assessment import LineTotal, Parts, PaymentType
from medins_core.bulk._arrow import blank_rows
from medins_core.bulk._certs import FileListing, listed_certs
from medins_core.bulk._lines import BulkAssessment, Piece, line_tables, sorted_lines, yuan
from medins_core.bulk._partial import Duplicates, Partial, Sums, smallest
from medins_core.bulk._read import Rows, canonical
from medins_core.bulk._rounding import MODES, round_div, round_div_int
from medins_core.bulk._shared import SAFE, Array, Chosen, Shared, Workspace, spare
from medins_core.errors import InputError
from medins_core.executors import Inline
from medins_core.model import DEFAULT_LINES
from medins_core.money import engine_context
from medins_core.params import RegionRules
from medins_core.period import PeriodLike
from medins_core.plan import FenRate, HasRules, Plan, Segment

_FenRates = tuple[FenRate, FenRate, FenRate | None, FenRate | None]
_T = TypeVar("_T")


class Kernel:
    """One assessment's plan, with the integer forms of its rounding and rates.

    Built before any row is read, so argument errors come first, as in the reference.
    """

    def __init__(
        self,
        rules: RegionRules | HasRules,
        start: PeriodLike,
        end: PeriodLike | None,
        insurance: Sequence[str] | None,
        parts: Parts,
        plan: Plan | None = None,
    ) -> None:
        """``plan``, when given, is the plan of these arguments, already built."""
        self.plan = plan = Plan(rules, start, end, insurance, Parts(parts).value) if plan is None else plan
        policy = plan.policy
        if policy.mode not in MODES:
            raise ValueError(f"rounding mode {policy.mode!r} is not supported by the bulk engine")
        quantum = Fraction(policy.quantum) * 100
        if quantum.denominator != 1:
            raise ValueError(f"the bulk engine rounds to the fen or coarser, not to {policy.quantum}")
        self.quantum = int(quantum)  # in fen
        self.mode = policy.mode
        self.per_total = policy.stage == "per_total"
        self._rates: dict[tuple[str, int], _FenRates] = {}

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without its caches (sent to Dask workers)."""
        return {**self.__dict__, "_rates": {}}

    def fen_rates(self, segment: Segment) -> _FenRates:
        """The segment's sides as exact fen fractions (computed once)."""
        key = (segment.line, segment.first)
        found = self._rates.get(key)
        if found is None:
            found = self._rates[key] = segment.fen_rates()
        return found

    def pattern(self, written: tuple[str, ...]) -> tuple[str, ...]:
        """The lines a roster ``lines`` cell charges (see :meth:`Plan.covered`)."""
        return self.plan.covered(written)

    def amounts(
        self,
        base: Array,
        side: FenRate,
        low: int | None = None,
        high: int | None = None,
        out: NDArray[np.int64] | None = None,
    ) -> Array | int:
        """Each base's amount on ``side``, rounded by the region's policy, in fen.

        A side without a rate charges everybody the same: that amount is returned as an int.
        ``low`` and ``high``, when known, are the least and the greatest base; ``out``, an
        array the int64 amounts may be computed in.
        """
        divisor = side.den * self.quantum
        if side.num == 0:
            return round_div_int(side.fixed, divisor, self.mode) * self.quantum
        if low is None or high is None:
            low, high = int(base.min()), int(base.max())
        nonnegative = side.num >= 0 and side.fixed >= 0 and low >= 0
        if base.dtype != object and max(abs(low), abs(high)) * abs(side.num) + abs(side.fixed) >= SAFE:
            base = base.astype(object)
        exact = base * side.num if out is None or base.dtype == object else np.multiply(base, side.num, out=out)
        if side.fixed:
            exact += side.fixed  # in place: exact is this function's own
        rounded = round_div(exact, divisor, self.mode, nonnegative=nonnegative, owned=True)
        if self.quantum != 1:
            rounded *= self.quantum
        return rounded

    def round_total(self, exact: Fraction) -> int:
        """A total of exact amounts (fen) rounded once, for the ``per_total`` stage."""
        return round_div_int(exact.numerator, exact.denominator * self.quantum, self.mode) * self.quantum

    # --- one chunk ----------------------------------------------------------------------

    def process(
        self, rows: Rows, later: NDArray[np.bool_], keep: bool, number: int = 0, workspace: Workspace | None = None
    ) -> tuple[Partial, list[Piece]]:
        """Sums, reached periods and errors of chunk ``number``; with ``keep``, its pieces.
        ``workspace`` (not with ``keep``): arrays to compute in, reused from chunk to chunk.

        Lines charged by the same patterns share their rows, so what depends only on the rows
        (persons, periods reached, months in each segment) is computed once for them, and what
        depends on a segment's limits and rates once per distinct limits and rates.
        """
        plan = self.plan
        n = len(rows)
        part = Partial(number=number, rows=n)
        patterns = [self.pattern(p) for p in rows.patterns]
        workspace = None if keep else workspace
        first = np.maximum(rows.start, plan.k0, out=spare(workspace, "first", n))
        last = np.minimum(rows.end, plan.k1, out=spare(workspace, "last", n))
        months = np.subtract(last, first, out=spare(workspace, "months", n))
        months += 1
        np.maximum(months, 0, out=months)
        charged = np.array([bool(p) for p in patterns])
        eligible = months > 0
        if later.any():
            eligible &= ~later
            part.duplicate = rows.cert[smallest(rows, np.flatnonzero(later))].as_py()
        if not charged.all():
            eligible &= charged[rows.pattern]
        part.persons = int(np.count_nonzero(eligible))
        if n and not plan.defaults and any(DEFAULT_LINES in p for p in rows.patterns):
            part.no_defaults = True
        part.failed = part.no_defaults or part.duplicate is not None
        codes = sorted({c for p in patterns for c in p}, key=plan.line_order)
        groups: dict[tuple[bool, ...], list[str]] = {}
        for code in codes:
            groups.setdefault(tuple(code in p for p in patterns), []).append(code)
        pieces: list[Piece] = []
        for has, group in groups.items():
            of_line = eligible if all(has) else eligible & np.array(has)[rows.pattern]
            count = int(np.count_nonzero(of_line))
            if not count:
                continue
            reached = self._reached(first, last, months, of_line)
            share = Shared(self, rows.wage, first, last, months, of_line, count, keep, workspace)
            for code in group:
                part.line_persons[code] = part.line_persons.get(code, 0) + count
                part.reached.setdefault(code, set()).update(reached)
                for segment in plan.segments(code):
                    chosen = share.chosen(segment)
                    if chosen is None:
                        continue
                    if segment.missing:
                        part.failed = True  # parameter_unknown, raised by the plan at the end
                        continue
                    piece = self._segment_sums(part, segment, share, chosen)
                    if keep:
                        pieces.append(piece)
        return part, pieces

    def _reached(
        self, first: NDArray[np.int64], last: NDArray[np.int64], months: NDArray[np.int64], rows: NDArray[np.bool_]
    ) -> list[int]:
        """The periods in which at least one of ``rows`` is covered."""
        plan = self.plan
        n_periods = len(plan.periods)
        if n_periods == 1 or bool(np.any((months == n_periods) & rows)):  # someone covers all
            return list(range(plan.k0, plan.k1 + 1))
        starts = np.bincount(first[rows] - plan.k0, minlength=n_periods + 1)
        stops = np.bincount(last[rows] - plan.k0 + 1, minlength=n_periods + 1)
        reached: list[int] = (np.flatnonzero(np.cumsum(starts - stops)[:n_periods] > 0) + plan.k0).tolist()
        return reached

    def _segment_sums(self, part: Partial, segment: Segment, share: Shared, chosen: Chosen) -> Piece:
        unit, person, unit_transfer, person_transfer = self.fen_rates(segment)
        floor, ceiling = segment.floor, segment.ceiling
        base, base_months, _, _ = share.base(chosen, floor, ceiling)
        total_months = chosen.total
        sums = part.sums.setdefault((segment.line, segment.first), Sums())
        sums.unit_base += base_months if unit.num else 0  # shown only for a non-zero rate
        sums.person_base += base_months if person.num else 0
        sums.unit_exact += unit.num * base_months + unit.fixed * total_months
        sums.person_exact += person.num * base_months + person.fixed * total_months
        empty: Array = np.empty(0, dtype=np.int64)
        unit_amounts: Array | int = empty
        person_amounts: Array | int = empty
        if share.keep or not self.per_total:
            unit_amounts, unit_sum = share.amounts(chosen, floor, ceiling, unit)
            person_amounts, person_sum = share.amounts(chosen, floor, ceiling, person)
            sums.unit_amount += unit_sum
            sums.person_amount += person_sum
        transfer = None
        if unit_transfer is not None and person_transfer is not None:
            unit_share, unit_share_sum = share.amounts(chosen, floor, ceiling, unit_transfer)
            person_share, person_share_sum = share.amounts(chosen, floor, ceiling, person_transfer)
            sums.transfer += unit_share_sum + person_share_sum
            if share.keep:
                transfer = unit_share + person_share
        else:
            part.transfer_unknown.add(segment.line)
        rows, first, last = (empty, empty, empty) if chosen.rows is None else chosen.rows
        return Piece(
            segment, bool(unit.num), bool(person.num), rows, first, last, base, unit_amounts, person_amounts, transfer
        )

    # --- the result -----------------------------------------------------------------------

    def finish(
        self, part: Partial, payment_type: PaymentType, duplicates: Duplicates, lines: Any = None
    ) -> BulkAssessment:
        """Raise the first error (in the plan's precedence), or build the result."""
        plan, rules = self.plan, self.plan.rules
        error = part.first_read_error()
        if error is not None:
            raise error
        if part.no_defaults:
            raise messages.no_default_lines(rules)
        duplicated = part.duplicated(duplicates.between())
        if duplicated is not None:
            raise messages.duplicate_person(duplicated)
        warnings = plan.outcome(part.reached)
        totals = []
        with engine_context():
            for code in sorted((c for c, n in part.line_persons.items() if n), key=plan.line_order):
                found = [
                    (self.fen_rates(s), part.sums[(code, s.first)])
                    for s in plan.segments(code)
                    if (code, s.first) in part.sums
                ]
                unit_amount = sum(s.unit_amount for _, s in found)
                person_amount = sum(s.person_amount for _, s in found)
                if self.per_total:
                    unit_amount = self.round_total(sum((Fraction(s.unit_exact, g[0].den) for g, s in found), Fraction(0)))
                    person_amount = self.round_total(
                        sum((Fraction(s.person_exact, g[1].den) for g, s in found), Fraction(0))
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
            total = plan.policy.round(sum((t.unit_amount + t.person_amount for t in totals), Decimal(0)))
        return BulkAssessment(
            region=rules.code,
            region_name=rules.name,
            periods=plan.periods,
            payment_type=payment_type,
            persons=part.persons,
            totals=tuple(totals),
            total=total,
            warnings=warnings,
            rows=part.rows,
            lines=lines,
        )


def run(
    kernel: Kernel,
    batches: Iterator[Any],
    *,
    payment_type: PaymentType,
    progress: Callable[[int], object] | None,
    keep_lines: bool,
    on_lines: Callable[[Any], object] | None,
    parse: Callable[..., Rows],
    listing: FileListing | None = None,
    threads: int = 1,
) -> BulkAssessment:
    """Assess a stream of record batches in one process.

    With ``threads`` above 1, chunks are parsed (and, for totals only, assessed) in that many
    threads while this one reads the next and adds up, in the roster's order, what each
    gave: the same result and the same first error as one chunk after the other.

    With a ``listing`` (a file's rows), a person listed in two chunks is refused naming both
    rows, and before any later bad row, as the roster reader refuses it.
    """
    duplicates = Duplicates()
    total = Partial()
    kept: list[Any] = []
    want_lines = keep_lines or on_lines is not None
    workspaces = threading.local()

    def work(batch: Any, first: int, number: int) -> tuple[Rows, Partial | None]:
        if want_lines:
            return parse(batch, first), None
        # totals only: nothing of a chunk's rows outlives it but its codes, so each thread
        # computes in arrays it reuses from chunk to chunk; no row is flagged before the end
        workspace = getattr(workspaces, "arrays", None)
        if workspace is None:
            workspace = workspaces.arrays = Workspace()
        rows = parse(batch, first, workspace=workspace)
        part, _ = kernel.process(rows, np.zeros(len(rows), dtype=bool), False, number, workspace)
        return rows, part

    done = 0
    with contextlib.closing(_in_order(work, iter(batches), threads)) as chunks:
        for number, (batch, outcome) in enumerate(chunks):
            try:
                rows, part = outcome.result()
            except InputError as exc:
                if listing is not None and exc.row is not None:
                    _listed_before(listing, batch, done + 2, exc)
                raise
            if listing is not None:
                listing.add(rows.codes, rows.cert, done + 2, rows.row_of)  # the header is row 1
            done += batch.num_rows
            if part is None:
                # lines are written chunk by chunk, so a chunk's repeats must be known at once;
                # lines come out ordered by certificate number within each chunk
                later = duplicates.within(rows, number)
                order = _cert_order(rows)
                rows, later = rows.take(order).clean_names(), later[order]
                part, pieces = kernel.process(rows, later, True, number)
            else:
                duplicates.record(rows, number)
                pieces = []
            total.merge(part)
            if want_lines and not total.failed:
                limit = None if on_lines is None else 1 << 18  # ~40 MB a table: streamed memory stays flat
                for table in line_tables(kernel.plan, rows, pieces, limit):
                    if on_lines is not None:
                        on_lines(table)
                    if keep_lines:
                        kept.append(table)
            if progress is not None:
                progress(done)
    if listing is not None:
        # a person listed twice (rare): the rows the roster reader names, found only then
        repeat = listing.first_repeat() if duplicates.between() or total.duplicate is not None else None
        if repeat is not None:
            raise repeat
        if not any(len(codes) for codes, _, _ in listing.chunks):  # blank rows only
            raise InputError("empty_roster", "花名册没有数据行", row=2)
    lines = sorted_lines(kernel.plan, kept) if keep_lines else None
    return kernel.finish(total, payment_type, duplicates, lines)


def _in_order(
    work: Callable[[Any, int, int], _T], batches: Iterator[Any], threads: int
) -> Generator[tuple[Any, Future[_T]], None, None]:
    """Each batch with the future of ``work(batch, its first row, its number)``, in order;
    with ``threads`` above 1, up to that many batches are worked on at once, in as many
    threads."""
    pool = ThreadPoolExecutor(threads, thread_name_prefix="medins-bulk") if threads > 1 else Inline()
    pending: collections.deque[tuple[Any, Future[_T]]] = collections.deque()
    first = 1
    try:
        for number in itertools.count():
            try:
                batch = next(batches)
            except StopIteration:
                break
            except Exception:  # a read error comes after the chunks read before it
                while pending:
                    yield pending.popleft()
                raise
            pending.append((batch, pool.submit(work, batch, first, number)))
            first += batch.num_rows
            if len(pending) >= threads:
                yield pending.popleft()
        while pending:
            yield pending.popleft()
    finally:  # on an error, or when the caller stops: what has not started will not
        pool.shutdown(wait=True, cancel_futures=True)
        close = getattr(batches, "close", None)
        if close is not None:  # a reader's file and thread end now, not when collected
            close()


def _cert_order(rows: Rows) -> NDArray[np.int64]:
    if (rows.codes >= 0).all():
        return np.argsort(rows.codes, kind="stable")
    return np.asarray(pc.sort_indices(rows.cert).to_numpy(zero_copy_only=False), dtype=np.int64)


def _listed_before(listing: FileListing, batch: Any, row0: int, error: InputError) -> None:
    """Raise, instead of ``error``, a person listed again at or before its row (the roster
    reader checks the rows in order, and a row's certificate first)."""
    assert error.row is not None
    upto = batch.slice(0, max(error.row - row0 + (0 if error.field == "cert_no" else 1), 0))
    kept = ~blank_rows(upto)
    try:
        cert, codes = listed_certs(canonical(upto.filter(pa.array(kept))), row0)
    except InputError:
        return
    listing.add(codes, cert, row0, row0 + np.flatnonzero(kept))
    repeat = listing.first_repeat()
    if repeat is not None and repeat.row is not None and repeat.row <= error.row:
        raise repeat from None
