"""Members (the API's persons) through the columnar kernel: what :func:`~medins_core.assessment.assess`
runs by default.

A member is richer than a roster row: several covers with their own start and end, and wages
declared over time. Within the assessed periods a member's charged lines and wage change only
where a cover starts or ends or a declaration starts, so each run of periods between those
points is one kernel row (one wage, one cover, a start and an end). A member's rows are
disjoint in time, so the kernel's sums and lines are the reference's; what counts persons
(each member once) and the errors about persons are decided here, in the reference's
precedence (see :mod:`medins_core.plan`).

What cannot be expressed exactly raises :class:`Inexpressible`, and the caller runs the
reference instead: a plan the kernel does not support (rounding finer than the fen, a base
limit finer than the fen), amounts written with more than two decimals (the reference would
print every digit), members, covers or certificate numbers of other types.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from medins_core import messages
from medins_core.assessment import Assessment, Parts, PaymentType
from medins_core.bulk._columns import Piece, line_columns
from medins_core.bulk._engine import Kernel
from medins_core.bulk._partial import Duplicates, Partial
from medins_core.bulk._read import Rows
from medins_core.codes import InsuranceStatus
from medins_core.model import DEFAULT_LINES, Coverage, Member, WageDeclaration
from medins_core.period import Period
from medins_core.plan import Plan

ACTIVE = InsuranceStatus.ACTIVE


class Inexpressible(Exception):
    """The columnar kernel cannot give the reference's result exactly for this call."""


def _fen(wage: Any) -> int:
    """A declared wage in fen; Inexpressible for one the reference would print otherwise."""
    exponent = wage.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        raise Inexpressible(f"a wage written with more than two decimals: {wage}")
    return int(wage.scaleb(2))


def _check_plan(plan: Plan) -> Kernel:
    try:
        kernel = Kernel(plan.rules, plan.periods[0], None, None, Parts.BOTH, plan=plan)
    except ValueError as exc:
        raise Inexpressible(str(exc)) from None
    for limit in plan.limits:
        for value in (None, None) if limit is None else (limit.floor, limit.ceiling):
            exponent = None if value is None else value.as_tuple().exponent
            if exponent is not None and (not isinstance(exponent, int) or exponent < -2):
                raise Inexpressible(f"a base limit finer than the fen: {value}")
    return kernel


def _check_member(member: Any) -> None:
    if not isinstance(member, Member) or type(member).wage_for is not Member.wage_for:
        raise Inexpressible("a member of another type")
    for cover in member.coverages:
        if not isinstance(cover, Coverage) or type(cover).covers is not Coverage.covers:
            raise Inexpressible("a cover of another type")
    for declaration in member.wages:
        if not isinstance(declaration, WageDeclaration):
            raise Inexpressible("a wage declaration of another type")


class _Builder:
    """Kernel rows of sorted members, with persons per line and the first missing wage."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.k0, self.k1 = plan.k0, plan.k1
        self.patterns: dict[tuple[str, ...], int] = {}
        self.covered: list[tuple[str, ...]] = []
        self.owner: list[int] = []
        self.wage: list[int] = []
        self.start: list[int] = []
        self.end: list[int] = []
        self.pattern: list[int] = []
        self.persons = 0
        self.by_pattern: dict[int, int] = {}  # members whose every row has this pattern
        self.line_persons: dict[str, int] = {}  # the other members, line by line
        self.no_wage: int | None = None
        self.seen: dict[int, tuple[tuple[Coverage, ...], list[tuple[int, int, int]]]] = {}

    def _pattern(self, written: tuple[str, ...]) -> int:
        found = self.patterns.get(written)
        if found is None:
            found = self.patterns[written] = len(self.covered)
            self.covered.append(self.plan.covered(written))
        return found

    def _runs(self, covers: tuple[Coverage, ...]) -> list[tuple[int, int, int]]:
        """The runs ``[a, b)`` of periods in which ``covers`` charge the same lines (a pattern)."""
        k0, k1 = self.k0, self.k1
        cuts = {k0, k1 + 1}
        for cover in covers:
            if cover.status is not ACTIVE:
                continue
            if cover.start is not None and k0 < cover.start.index <= k1:
                cuts.add(cover.start.index)
            if cover.end is not None and k0 <= cover.end.index < k1:
                cuts.add(cover.end.index + 1)
        runs = []
        for a, b in itertools.pairwise(sorted(cuts)):
            written = tuple(  # as the reference asks Coverage.covers, period by period
                cover.insurance
                for cover in covers
                if cover.status is ACTIVE
                and (cover.start is None or cover.start.index <= a)
                and (cover.end is None or a <= cover.end.index)
            )
            pattern = self._pattern(written)
            if written and self.covered[pattern]:
                runs.append((a, b, pattern))
        return runs

    def add(self, number: int, member: Member) -> None:
        """The rows of member ``number`` (in certificate order)."""
        covers, wages = member.coverages, member.wages
        known = self.seen.get(id(covers))  # members often share one tuple of covers
        if known is None or known[0] is not covers:
            known = self.seen[id(covers)] = (covers, self._runs(covers))
        runs = known[1]
        if not runs:
            return
        starts = [declaration.start.index for declaration in wages]
        mine = set()
        for a, b, pattern in runs:
            cuts = [a, *(k for k in starts if a < k < b), b]
            for x, y in itertools.pairwise(cuts):
                wage = None
                for k, declaration in zip(starts, wages):  # as Member.wage_for
                    if k > x:
                        break
                    wage = declaration.wage
                if wage is None:
                    self.no_wage = x if self.no_wage is None else min(self.no_wage, x)
                    continue
                self.owner.append(number)
                self.wage.append(_fen(wage))
                self.start.append(x)
                self.end.append(y - 1)
                self.pattern.append(pattern)
            mine.add(pattern)
        if len(mine) == 1:
            (only,) = mine
            self.by_pattern[only] = self.by_pattern.get(only, 0) + 1
        else:
            for code in {code for pattern in mine for code in self.covered[pattern]}:
                self.line_persons[code] = self.line_persons.get(code, 0) + 1
        self.persons += 1

    def counts(self) -> dict[str, int]:
        """Persons charged each line."""
        found = dict(self.line_persons)
        for pattern, count in self.by_pattern.items():
            for code in self.covered[pattern]:
                found[code] = found.get(code, 0) + count
        return found


def assess_members(members: Sequence[Member], plan: Plan, payment_type: PaymentType) -> Assessment:
    """:func:`~medins_core.assessment.assess` on the kernel; Inexpressible where it cannot."""
    kernel = _check_plan(plan)
    for member in members:
        _check_member(member)
    try:
        ordered = sorted(members, key=lambda m: m.person.cert_no)
        certs = pa.array([m.person.cert_no for m in ordered], type=pa.string())
        names = pa.array([m.person.name for m in ordered], type=pa.string())
        numbers = [m.person.person_no for m in ordered]
        person_no = None if all(n is None for n in numbers) else pa.array(numbers, type=pa.string())
    except (TypeError, pa.ArrowException) as exc:
        raise Inexpressible(f"a person's fields are not text: {exc}") from None
    if not plan.defaults and any(c.insurance == DEFAULT_LINES for m in ordered for c in m.coverages):
        raise messages.no_default_lines(plan.rules)
    for before, member in itertools.pairwise(ordered):
        if before.person.cert_no == member.person.cert_no:
            raise messages.duplicate_person(member.person.cert_no)
    built = _Builder(plan)
    for number, member in enumerate(ordered):
        built.add(number, member)
    if built.no_wage is not None:
        raise messages.missing_wage(Period.from_index(built.no_wage))
    n = len(built.owner)
    part = Partial()
    pieces: list[Piece] = []
    if n:
        rows = Rows(  # text columns per person (the kernel reads them only for duplicates)
            cert=certs,
            name=names,
            person_no=person_no,
            wage=np.array(built.wage, dtype=np.int64),
            start=np.array(built.start, dtype=np.int64),
            end=np.array(built.end, dtype=np.int64),
            patterns=tuple(built.patterns),
            pattern=np.array(built.pattern, dtype=np.int32),
            codes=np.full(n, -1, dtype=np.int64),
        )
        part, pieces = kernel.process(rows, np.zeros(n, dtype=bool), True)
    part.persons, part.line_persons = built.persons, built.counts()
    result = kernel.finish(part, payment_type, Duplicates())
    codes = sorted({p.segment.line for p in pieces}, key=plan.line_order)
    owner = np.array(built.owner, dtype=np.int64)
    lines = line_columns(plan, (certs, names, person_no), pieces, codes, 0, n, owner=owner)
    return Assessment(
        region=result.region,
        region_name=result.region_name,
        periods=result.periods,
        payment_type=payment_type,
        persons=result.persons,
        lines=lines,
        totals=result.totals,
        total=result.total,
        warnings=result.warnings,
    )
