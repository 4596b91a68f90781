"""Assessment (单位应收核定): what a unit owes for a range of periods, line by line, to the fen.

For each person × insurance line × period the engine takes the declared wage in force, clamps
it to the base floor and ceiling, applies the line's rates and fixed amounts in force in that
period (the fee period, not today), and rounds by the region's policy. Totals per insurance line
and the grand total follow, with the total in Chinese capitals for the payment notice.

Nothing here reads files or the clock; a missing parameter is an error, never a silent zero.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs

from medins_core.errors import InputError
from medins_core.model import DEFAULT_LINES, Member
from medins_core.money import format_yuan, rmb_upper
from medins_core.params import ParamValue, RegionRules, Status
from medins_core.period import Period, PeriodLike

ZERO = Decimal(0)


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
class AssessmentWarning:
    """Something the caller should know about a result that is still correct by its data."""

    code: str
    message: str


@attrs.frozen
class LineRates:
    """The parameters of one insurance line in one period, as the computation needs them."""

    unit_rate: Decimal
    person_rate: Decimal
    unit_fixed: Decimal
    person_fixed: Decimal
    unit_transfer_rate: Decimal | None
    person_transfer_rate: Decimal | None
    used: tuple[ParamValue, ...]


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
        return self.unit_amount + self.person_amount

    def to_json(self) -> dict[str, str | None]:
        """The line as the JSON contract writes it (docs/json.md)."""
        return {
            "cert_no": self.cert_no,
            "name": self.name,
            "person_no": self.person_no,
            "insurance": self.insurance,
            "period": str(self.period),
            "unit_base": _money(self.unit_base),
            "unit_amount": _money(self.unit_amount),
            "person_base": _money(self.person_base),
            "person_amount": _money(self.person_amount),
            "account_transfer": _money(self.account_transfer),
        }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format_yuan(value)


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
        return self.unit_amount + self.person_amount


@attrs.frozen
class Assessment:
    """The result of :func:`assess`: lines, totals per insurance line, grand total, warnings."""

    region: str
    region_name: str
    periods: tuple[Period, ...]
    payment_type: PaymentType
    persons: int
    lines: tuple[AssessmentLine, ...]
    totals: tuple[LineTotal, ...]
    total: Decimal
    warnings: tuple[AssessmentWarning, ...]

    @property
    def total_upper(self) -> str:
        """The grand total in Chinese capitals, as the payment notice prints it."""
        return rmb_upper(self.total)

    def to_json(self) -> dict[str, object]:
        """The documented JSON contract (docs/json.md): amounts as strings with two decimals."""

        return {
            "region": self.region,
            "region_name": self.region_name,
            "periods": [str(p) for p in self.periods],
            "payment_type": self.payment_type.value,
            "persons": self.persons,
            "lines": [line.to_json() for line in self.lines],
            "totals": [
                {
                    "insurance": t.insurance,
                    "name": t.name,
                    "persons": t.persons,
                    "unit_base": _money(t.unit_base),
                    "unit_amount": _money(t.unit_amount),
                    "person_base": _money(t.person_base),
                    "person_amount": _money(t.person_amount),
                    "account_transfer": _money(t.account_transfer),
                }
                for t in self.totals
            ],
            "total": _money(self.total),
            "total_upper": self.total_upper,
            "warnings": [{"code": w.code, "message": w.message} for w in self.warnings],
        }


class _Warnings:
    """Collects warnings once each, in the order first seen."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], AssessmentWarning] = {}

    def add(self, code: str, message: str) -> None:
        self.items.setdefault((code, message), AssessmentWarning(code, message))


def line_rates(rules: RegionRules, line: str, period: Period, parts: Parts) -> LineRates:
    """The parameters of ``line`` in ``period``; raises ParameterError for a needed unknown one.

    A side that ``parts`` does not charge is zero and its parameters are not looked up.
    """
    used: list[ParamValue] = []

    def need(parameter: str, charged: bool) -> Decimal:
        if not charged:
            return ZERO
        value = rules.require(line, parameter, period)
        used.append(value)
        return value.value

    def maybe(parameter: str) -> Decimal | None:
        value = rules.value(line, parameter, period)
        if value is None:
            return None
        used.append(value)
        return value.value

    unit, person = parts is not Parts.PERSON, parts is not Parts.UNIT
    return LineRates(
        unit_rate=need("unit_rate", unit),
        person_rate=need("person_rate", person),
        unit_fixed=need("unit_fixed", unit),
        person_fixed=need("person_fixed", person),
        unit_transfer_rate=maybe("unit_transfer_rate") if unit else ZERO,
        person_transfer_rate=maybe("person_transfer_rate") if person else ZERO,
        used=tuple(used),
    )


def _selected_lines(rules: RegionRules, lines: Sequence[str] | None) -> tuple[str, ...] | None:
    if lines is None:
        return None
    for code in lines:
        rules.line(code)  # an unknown code is an error naming the region
    return tuple(dict.fromkeys(lines))


def assess(
    members: Iterable[Member],
    rules: RegionRules,
    start: PeriodLike,
    end: PeriodLike | None = None,
    *,
    payment_type: PaymentType = PaymentType.REGULAR,
    lines: Sequence[str] | None = None,
    parts: Parts = Parts.BOTH,
) -> Assessment:
    """Assess what a unit owes for ``start``…``end`` (inclusive; one month when ``end`` is None).

    ``lines`` names the insurance lines to assess: members without their own covers get these
    lines instead of the region's defaults, and members with covers are limited to them.
    Members are keyed by certificate number; the same person twice is an error.
    The result does not depend on the order of ``members``.
    """
    periods = Period.range(start, start if end is None else end)
    selected = _selected_lines(rules, lines)
    policy = rules.rounding
    warnings = _Warnings()
    cache: dict[tuple[str, Period], LineRates] = {}

    def rates_for(line: str, period: Period) -> LineRates:
        key = (line, period)
        found = cache.get(key)
        if found is None:
            found = cache[key] = line_rates(rules, line, period, parts)
            for value in found.used:
                if value.status is Status.PROVISIONAL:
                    warnings.add(
                        "provisional_value",
                        f"{rules.name}({rules.code}) 险种 {value.line} 自 {value.start} 起的参数为暂定值"
                        f"(provisional): {value.note or value.source}",
                    )
        return found

    members = sorted(members, key=lambda m: m.person.cert_no)
    defaults = rules.default_lines if selected is None else selected
    if not defaults and any(c.insurance == DEFAULT_LINES for m in members for c in m.coverages):
        raise InputError(
            "no_default_lines",
            f"{rules.name}({rules.code}) 的默认险种不在源文件中，请指定险种 (--lines)",
            field="insurance",
        )
    seen: set[str] = set()
    out: list[AssessmentLine] = []
    for member in members:
        person = member.person
        if person.cert_no in seen:
            raise InputError("duplicate_person", "同一人员在名单中出现两次", field="cert_no")
        seen.add(person.cert_no)
        for period in periods:
            covered = [
                code
                for coverage in member.coverages
                if coverage.covers(period)
                for code in (defaults if coverage.insurance == DEFAULT_LINES else (coverage.insurance,))
                if selected is None or code in selected
            ]
            if not covered:
                continue
            wage = member.wage_for(period)
            if wage is None:
                raise InputError("missing_wage", f"{period} 没有申报工资", field="wage")
            limit = rules.base_limit(period)
            if limit is None:
                base = wage
                warnings.add(
                    "base_limits_unknown",
                    f"{rules.name}({rules.code}) 的缴费基数上下限未知，按申报工资计算，未做保底封顶",
                )
            else:
                base = limit.clamp(wage)
            for code in dict.fromkeys(covered):
                r = rates_for(code, period)
                transfer = None
                if r.unit_transfer_rate is not None and r.person_transfer_rate is not None:
                    transfer = policy.round(base * r.unit_transfer_rate) + policy.round(
                        base * r.person_transfer_rate
                    )
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
    if periods[-1] > (rules.data_through or periods[-1]):
        warnings.add("beyond_data", f"{rules.name}({rules.code}) 的参数只核对到 {rules.data_through}")
    order = {code: i for i, code in enumerate(dict.fromkeys((*rules.default_lines, *rules.lines)))}
    out.sort(key=lambda ln: (ln.period, order.get(ln.insurance, len(order)), ln.cert_no))
    totals = _totals(out, rules, cache, order)
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
        warnings=tuple(warnings.items.values()),
    )


def _totals(
    lines: Sequence[AssessmentLine],
    rules: RegionRules,
    cache: dict[tuple[str, Period], LineRates],
    order: dict[str, int],
) -> tuple[LineTotal, ...]:
    """Totals per insurance line, by the region's rounding stage.

    ``per_line`` adds the rounded line amounts and rounds the sum again; ``per_total`` adds the
    exact (unrounded) amounts and rounds once.
    """
    policy = rules.rounding
    exact = policy.stage == "per_total"
    groups: dict[str, list[AssessmentLine]] = {}
    for line in lines:
        groups.setdefault(line.insurance, []).append(line)
    totals = []
    for code in sorted(groups, key=lambda c: order.get(c, len(order))):
        group = groups[code]
        unit_amount = person_amount = ZERO
        for line in group:
            if exact:
                r = cache[(code, line.period)]
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
                name=rules.line(code).name,
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
