"""Assessment (单位应收核定): what a unit owes for a range of periods, line by line, to the fen.

For each person × insurance line × period the engine takes the declared wage in force, clamps
it to the base floor and ceiling, applies the line's rates and fixed amounts in force in that
period (the fee period, not today), and rounds by the region's policy. Totals per insurance line
and the grand total follow, with the total in Chinese capitals for the payment notice.

Nothing here reads files or the clock; a missing parameter is an error, never a silent zero.

This module holds the reference engine: person by person, month by month, in Decimal. By
default :func:`assess` runs the exact columnar kernel of :mod:`medins_core.bulk` instead,
which gives the same result to the fen (see docs/architecture.md, "Engines").
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Literal, Protocol, cast

import attrs

from medins_core import messages
from medins_core.deprecated import insurance_or_lines
from medins_core.messages import AssessmentWarning
from medins_core.model import Member
from medins_core.money import engine_context, rmb_upper, to_fen
from medins_core.params import RegionRules
from medins_core.period import Period, PeriodLike
from medins_core.plan import ZERO, HasRules, LineRates, Plan

__all__ = [
    "Assessment",
    "AssessmentLine",
    "AssessmentWarning",
    "Engine",
    "LineRates",
    "LineSource",
    "LineTotal",
    "Parts",
    "PaymentType",
    "assess",
    "line_rates",
]


class PaymentType(str, enum.Enum):
    """缴费类型: regular contributions or back-pay of past periods."""

    REGULAR = "regular"
    BACKPAY = "backpay"

    @property
    def zh(self) -> str:
        """The name the notices print."""
        return {"regular": "正常应缴", "backpay": "补缴"}[self.value]


class Parts(str, enum.Enum):
    """Which side of each line is charged.

    Huai'an's one-off back-pay (一次性补缴) charges the unit part only; Hebei's personal
    back-pay (个人补收) charges what the person owes. The default charges both.
    """

    BOTH = "both"
    UNIT = "unit"
    PERSON = "person"


@attrs.frozen
class AssessmentLine:
    """One person × insurance line × period (费款所属期)."""

    cert_no: str
    name: str
    person_no: str | None
    insurance: str
    period: Period
    unit_base: Decimal
    unit_amount: Decimal
    person_base: Decimal
    person_amount: Decimal
    account_transfer: Decimal | None

    @property
    def amount(self) -> Decimal:
        """Unit and person amount together."""
        with engine_context():
            return self.unit_amount + self.person_amount

    def to_json(self) -> dict[str, str | None]:
        """The line as the JSON contract writes it (docs/json.md)."""
        from medins_core.serialize import to_json

        data: dict[str, str | None] = to_json(self)
        return data


@attrs.frozen
class LineTotal:
    """Totals of one insurance line over the assessed persons and periods.

    Base totals add up every line's base, so over several periods they are person-month sums.
    ``account_transfer`` is None when the region's transfer shares are unknown.
    """

    insurance: str
    name: str
    persons: int
    unit_base: Decimal
    unit_amount: Decimal
    person_base: Decimal
    person_amount: Decimal
    account_transfer: Decimal | None

    @property
    def amount(self) -> Decimal:
        """Unit and person amount together."""
        with engine_context():
            return self.unit_amount + self.person_amount


class LineSource(Protocol):
    """Lines kept as columns by the columnar engine, turned into objects only when asked."""

    def __len__(self) -> int: ...

    def lines(self) -> tuple[AssessmentLine, ...]:
        """The lines as objects, in the canonical order (built once)."""
        ...

    def json_lines(self) -> list[dict[str, str | None]]:
        """The lines as the JSON contract writes them."""
        ...

    def fen_lines(self) -> list[tuple[Any, ...]]:
        """The lines as tuples of text and integer fen (see :meth:`Assessment.fen_lines`)."""
        ...


def _line_key(lines: tuple[AssessmentLine, ...] | LineSource) -> tuple[AssessmentLine, ...]:
    return lines if isinstance(lines, tuple) else lines.lines()


def _as_lines(lines: Iterable[AssessmentLine] | LineSource) -> tuple[AssessmentLine, ...] | LineSource:
    """Lines given as any iterable are kept as a tuple; a columnar source as it is."""
    if isinstance(lines, tuple):
        return lines
    if hasattr(lines, "json_lines"):
        return cast(LineSource, lines)
    return tuple(lines)


@attrs.frozen
class Assessment:
    """The result of :func:`assess`: lines, totals per insurance line, grand total, warnings.

    ``lines`` is a tuple of :class:`AssessmentLine`. The columnar engine keeps them as columns
    and builds the tuple on first access; :meth:`to_json` writes them from the columns.
    """

    region: str
    region_name: str
    periods: tuple[Period, ...]
    payment_type: PaymentType
    persons: int
    _lines: tuple[AssessmentLine, ...] | LineSource = attrs.field(
        alias="lines", eq=_line_key, converter=_as_lines
    )
    totals: tuple[LineTotal, ...]
    total: Decimal
    warnings: tuple[AssessmentWarning, ...]

    @property
    def lines(self) -> tuple[AssessmentLine, ...]:
        """Every line (person × insurance line × period), by period, line order, certificate."""
        return _line_key(self._lines)

    @property
    def line_count(self) -> int:
        """The number of lines, without building them."""
        return len(self._lines)

    @property
    def total_upper(self) -> str:
        """The grand total in Chinese capitals, as the payment notice prints it."""
        return rmb_upper(self.total)

    def json_lines(self) -> list[dict[str, str | None]]:
        """The lines as the JSON contract writes them (from the columns when kept as such)."""
        if isinstance(self._lines, tuple):
            from medins_core.serialize import converter

            found: list[dict[str, str | None]] = converter.unstructure(
                self._lines, tuple[AssessmentLine, ...]
            )
            return found
        return self._lines.json_lines()

    def fen_lines(self) -> list[tuple[Any, ...]]:
        """The lines as plain tuples, for storing them without building Decimal objects:
        ``(cert_no, insurance, period, unit_base, unit_amount, person_base, person_amount,
        account_transfer)``, the period as text (``"202301"``) and amounts in integer fen
        (the transfer None when unknown). ValueError for an amount finer than the fen."""
        if not isinstance(self._lines, tuple):
            return self._lines.fen_lines()
        return [
            (
                ln.cert_no, ln.insurance, str(ln.period), to_fen(ln.unit_base), to_fen(ln.unit_amount),
                to_fen(ln.person_base), to_fen(ln.person_amount),
                None if ln.account_transfer is None else to_fen(ln.account_transfer),
            )
            for ln in self._lines
        ]  # fmt: skip

    def to_json(self) -> dict[str, object]:
        """The documented JSON contract (docs/json.md): amounts as strings with two decimals."""
        from medins_core.serialize import to_json

        data: dict[str, object] = to_json(self)
        return data


def line_rates(rules: RegionRules, line: str, period: Period, parts: Parts) -> LineRates:
    """The parameters of ``line`` in ``period``; raises ParameterError for a needed unknown one.

    A side that ``parts`` does not charge is zero and its parameters are not looked up.
    """
    plan = Plan(rules, period, None, None, Parts(parts).value)
    segment = plan.segment(line, period.index)
    if segment.rates is None:
        raise messages.parameter_unknown(rules, [(line, name, period.index) for name in segment.missing])
    return segment.rates


#: Which engine :func:`assess` runs: ``auto`` the columnar one when it can, ``columnar`` that one
#: or an error, ``reference`` the per-person Decimal one.
Engine = Literal["auto", "columnar", "reference"]


def assess(
    members: Iterable[Member],
    region: RegionRules | HasRules,
    start: PeriodLike,
    end: PeriodLike | None = None,
    *,
    payment_type: PaymentType = PaymentType.REGULAR,
    insurance: Sequence[str] | None = None,
    parts: Parts = Parts.BOTH,
    engine: Engine = "auto",
    lines: Sequence[str] | None = None,
) -> Assessment:
    """Assess what a unit owes for ``start``…``end`` (inclusive; one month when ``end`` is None).

    ``region`` is a resolved region or its :class:`RegionRules`. ``insurance`` selects the
    insurance lines (险种 codes) to assess: members without their own covers get these lines
    instead of the region's defaults, and members with covers are limited to them (``lines=``
    is its deprecated name; the result's :attr:`Assessment.lines` are its rows). Members are keyed by certificate
    number; the same person twice is an error. The result does not depend on the order of
    ``members``, nor on the caller's decimal context.

    Both engines give the same result to the fen, with the same warnings and errors. By default
    (``engine="auto"``) the exact columnar engine (integer fen, numpy; needs the ``bulk``
    extra) runs, keeping the lines as columns until they are read; without numpy and pyarrow,
    for fewer than :data:`SMALL` person-months, or for what it cannot express exactly (e.g. a
    rounding finer than the fen), the reference runs. ``engine="reference"`` always runs the per-person Decimal reference engine;
    ``engine="columnar"`` raises ValueError where the columnar engine cannot run.
    """
    if engine not in ("auto", "columnar", "reference"):
        raise ValueError(f"unknown engine {engine!r}: auto, columnar or reference")
    insurance = insurance_or_lines(insurance, lines, "assess")
    with engine_context():
        plan = Plan(region, start, end, insurance, Parts(parts).value)
        members = list(members)
        small = len(members) * len(plan.periods) < SMALL
        if engine == "columnar" or (engine == "auto" and not small):
            found = _columnar(members, plan, payment_type, engine == "columnar")
            if found is not None:
                return found
        return _assess(members, plan, payment_type)


#: Below this many person-months ``engine="auto"`` runs the reference: it is as fast there, and
#: a short-lived process (the command line on a small unit) need not import numpy and pyarrow.
SMALL = 64


def _columnar(members: list[Member], plan: Plan, payment_type: PaymentType, required: bool) -> Assessment | None:
    """The columnar engine's result, or None where it cannot run (``required``: ValueError)."""
    try:
        from medins_core.bulk._members import Inexpressible, assess_members
    except ImportError:
        if required:
            raise ValueError("the columnar engine needs numpy and pyarrow: pip install 'medins[bulk]'") from None
        return None
    try:
        return assess_members(members, plan, payment_type)
    except Inexpressible as exc:
        if required:
            raise ValueError(f"the columnar engine cannot assess this exactly: {exc}") from None
        return None


def _assess(members: Iterable[Member], plan: Plan, payment_type: PaymentType) -> Assessment:
    """The reference arithmetic, person by person, on the plan's decisions."""
    rules, policy, periods = plan.rules, plan.policy, plan.periods
    members = sorted(members, key=lambda m: m.person.cert_no)
    for member in members:
        for coverage in member.coverages:
            plan.check_defaults((coverage.insurance,))
    for before, member in itertools.pairwise(members):
        if before.person.cert_no == member.person.cert_no:
            raise messages.duplicate_person(member.person.cert_no)
    reached: dict[str, set[int]] = {}
    no_wage: list[tuple[Period, str]] = []
    out: list[AssessmentLine] = []
    for member in members:
        person = member.person
        for period in periods:
            covered = plan.covered(
                code for coverage in member.coverages if coverage.covers(period) for code in (coverage.insurance,)
            )
            if not covered:
                continue
            for code in covered:
                reached.setdefault(code, set()).add(period.index)
            wage = member.wage_for(period)
            if wage is None:
                no_wage.append((period, person.cert_no))
                continue
            for code in covered:
                segment = plan.segment(code, period.index)
                r = segment.rates
                if r is None:
                    continue  # parameter_unknown, raised by the plan below
                base = wage if segment.limit is None else segment.limit.clamp(wage)
                transfer = None
                if r.unit_transfer_rate is not None and r.person_transfer_rate is not None:
                    transfer = policy.round(base * r.unit_transfer_rate) + policy.round(base * r.person_transfer_rate)
                out.append(
                    AssessmentLine(
                        cert_no=person.cert_no,
                        name=person.name,
                        person_no=person.person_no,
                        insurance=code,
                        period=period,
                        unit_base=base if r.unit_rate else ZERO,
                        unit_amount=policy.round(base * r.unit_rate + r.unit_fixed),
                        person_base=base if r.person_rate else ZERO,
                        person_amount=policy.round(base * r.person_rate + r.person_fixed),
                        account_transfer=transfer,
                    )
                )
    if no_wage:
        raise messages.missing_wage(min(no_wage)[0])
    warnings = plan.outcome(reached)
    out.sort(key=lambda ln: (ln.period, plan.line_order(ln.insurance), ln.cert_no))
    totals = _totals(out, plan)
    total = policy.round(sum((t.amount for t in totals), ZERO))
    return Assessment(
        region=rules.code,
        region_name=rules.name,
        periods=periods,
        payment_type=payment_type,
        persons=len({ln.cert_no for ln in out}),
        lines=tuple(out),
        totals=totals,
        total=total,
        warnings=warnings,
    )


def _totals(lines: Sequence[AssessmentLine], plan: Plan) -> tuple[LineTotal, ...]:
    """Totals per insurance line, by the region's rounding stage.

    ``per_line`` adds the rounded line amounts and rounds the sum again; ``per_total`` adds the
    exact (unrounded) amounts and rounds once.
    """
    policy = plan.policy
    exact = policy.stage == "per_total"
    groups: dict[str, list[AssessmentLine]] = {}
    for line in lines:
        groups.setdefault(line.insurance, []).append(line)
    totals = []
    for code in sorted(groups, key=plan.line_order):
        group = groups[code]
        unit_amount = person_amount = ZERO
        for line in group:
            if exact:
                r = plan.segment(code, line.period.index).rates
                assert r is not None
                base = line.unit_base or line.person_base
                unit_amount += base * r.unit_rate + r.unit_fixed
                person_amount += base * r.person_rate + r.person_fixed
            else:
                unit_amount += line.unit_amount
                person_amount += line.person_amount
        transfers = [line.account_transfer for line in group]
        totals.append(
            LineTotal(
                insurance=code,
                name=plan.rules.line(code).name,
                persons=len({line.cert_no for line in group}),
                unit_base=sum((line.unit_base for line in group), ZERO),
                unit_amount=policy.round(unit_amount),
                person_base=sum((line.person_base for line in group), ZERO),
                person_amount=policy.round(person_amount),
                account_transfer=None
                if any(t is None for t in transfers)
                else sum((t for t in transfers if t is not None), ZERO),
            )
        )
    return tuple(totals)
