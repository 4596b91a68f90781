"""The likely cause of a difference between a portal's bill and the book (see :mod:`.compare`)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Union

import attrs

from medins_core.assessment import Parts, line_rates
from medins_core.book.queries import NetLine
from medins_core.errors import ParameterError
from medins_core.ids import mask_cert_no
from medins_core.params import RegionRules
from medins_core.period import Period

FIELDS = ("persons", "unit_base", "unit_amount", "person_base", "person_amount", "interest", "late_fee", "other", "amount")
Number = Union[int, Decimal]


@attrs.frozen
class Figures:
    """The figures of one line on one side; None where the bill prints nothing."""

    persons: int | None = None
    unit_base: Decimal | None = None
    unit_amount: Decimal | None = None
    person_base: Decimal | None = None
    person_amount: Decimal | None = None
    interest: Decimal | None = None
    late_fee: Decimal | None = None
    other: Decimal | None = None
    amount: Decimal | None = None
    unit_rate: Decimal | None = None  # printed by the bill, not compared: a cause when amounts differ
    person_rate: Decimal | None = None


@attrs.frozen
class Difference:
    """One differing figure: both values, portal − book, the likely cause and why."""

    field: str
    portal: Number | None
    book: Number | None
    difference: Number | None
    cause: str
    explanation: str


class Causes:
    """Finds the differing figures of a line and their likely cause."""

    def __init__(self, rules: RegionRules, wages: dict[tuple[str, Period], Decimal]) -> None:
        self.rules = rules
        self.wages = wages

    def missing(self, figures: Figures, what: str) -> Difference:
        amount = figures.amount if figures.amount is not None else (figures.unit_amount or 0) + (figures.person_amount or 0)
        text = {"person_extra": "门户有此人、账簿没有 (账簿漏增员或门户多计)",
                "person_missing": "账簿有此人、门户没有 (门户漏计或账簿多增员)",
                "only_portal": "门户有此行、账簿没有", "only_book": "账簿有此行、门户没有"}[what]  # fmt: skip
        cause = what if what.startswith("person") else "person_extra" if what == "only_portal" else "person_missing"
        return Difference("amount", amount if what in ("person_extra", "only_portal") else None,
                          None if what in ("person_extra", "only_portal") else amount, None, cause, text)  # fmt: skip

    def differences(self, portal: Figures, book: Figures, line: str | None, start: Period,
                    mine: list[NetLine]) -> tuple[Difference, ...]:  # fmt: skip
        out = []
        for field in FIELDS:
            mine_value, theirs = getattr(book, field), getattr(portal, field)
            if theirs is None or mine_value == theirs:
                continue
            cause, why = self.cause(field, portal, book, line, start, mine)
            out.append(Difference(field, theirs, mine_value, theirs - mine_value, cause, why))
        return tuple(out)

    def cause(self, field: str, portal: Figures, book: Figures, line: str | None, start: Period,
              mine: list[NetLine]) -> tuple[str, str]:  # fmt: skip
        if field in ("interest", "late_fee", "other"):
            return "late_fee", "账簿不计利息、滞纳金和其他缴费"
        if portal.persons is not None and book.persons is not None and portal.persons != book.persons:
            more = portal.persons - (book.persons or 0)
            return ("person_extra", f"门户多 {more} 人") if more > 0 else ("person_missing", f"门户少 {-more} 人")
        if field == "amount":  # a total: the cause of the part that differs, if the bill prints it
            for part in ("unit_amount", "person_amount"):
                if getattr(portal, part) not in (None, getattr(book, part)):
                    return self.cause(part, portal, book, line, start, mine)
            if any((portal.interest, portal.late_fee, portal.other)):
                return "late_fee", "门户金额含利息、滞纳金或其他缴费, 账簿不计"
            assert portal.amount is not None and book.amount is not None
            return self.amount_cause(portal.amount, book.amount, None, line, start, mine)
        side = "person" if field.startswith("person") else "unit"
        base_field = f"{side}_base"
        theirs, ours = getattr(portal, base_field), getattr(book, base_field)
        if field.endswith("_base") or (theirs is not None and theirs != ours):
            return self.base_cause(theirs, ours, side, start, mine)
        return self.amount_cause(getattr(portal, f"{side}_amount"), getattr(book, f"{side}_amount"), side, line, start, mine,
                                 getattr(portal, f"{side}_rate"))  # fmt: skip

    def base_cause(self, theirs: Decimal, ours: Decimal, side: str, start: Period, mine: list[NetLine]) -> tuple[str, str]:
        months = len({ln.period for ln in mine}) or 1
        wage = sum((self.wages.get((c, p), Decimal(0)) for c, p in {(ln.cert_no, ln.period) for ln in mine}), Decimal(0))
        wage /= months
        limit = self.rules.base_limit(start)
        bounds = "" if limit is None else f" (上下限 {limit.floor}–{limit.ceiling}, {limit.source})"
        if wage != ours and theirs == wage:
            return "base_outside_limits", f"申报工资 {wage} 超出缴费基数上下限, 账簿按 {ours} 计{bounds}; 门户按申报工资"
        persons = len({ln.cert_no for ln in mine})
        if limit is not None and persons == 1 and (
            (limit.floor is not None and theirs < limit.floor) or (limit.ceiling is not None and theirs > limit.ceiling)
        ):
            return "base_outside_limits", f"门户基数 {theirs} 不在缴费基数上下限内{bounds}"
        return "base", f"缴费基数不同: 门户 {theirs}, 账簿 {ours} (申报工资 {wage})"

    def amount_cause(self, theirs: Decimal, ours: Decimal, side: str | None, line: str | None, start: Period,
                     mine: list[NetLine], printed: Decimal | None = None) -> tuple[str, str]:  # fmt: skip
        """Rounding, a missing person, another rate or fixed amount, in that order; ``side`` None: a total."""
        rounding = self.rules.rounding
        slack = len(mine) * rounding.quantum / 2  # what rounding each line can move a sum by
        base = Decimal(0) if side is None else sum((getattr(ln, f"{side}_base") for ln in mine), Decimal(0))
        try:
            rates = None if line is None or side is None else line_rates(self.rules, line, start, Parts.BOTH)
        except ParameterError:
            rates = None
        rate = None if rates is None else getattr(rates, f"{side}_rate")
        fixed = None if rates is None else getattr(rates, f"{side}_fixed")
        if printed is not None and rate is not None and printed != rate:
            return "rate", f"门户印的费率 {printed}, 账簿费率 {rate} ({_source(rates, side or '')})"
        if rate and base:
            once = rounding.round(base * rate)
            if theirs == once and rounding.stage == "per_line":
                return "rounding_stage", f"门户按合计一次舍入 ({base} × {rate} = {once}), 账簿逐人舍入 ({rounding.stage})"
        if abs(theirs - ours) <= slack:
            return "rounding_stage", f"差额在逐人舍入可产生的范围内 ({len(mine)} 行 × {rounding.quantum / 2} 元)"
        owed: dict[str, Decimal] = defaultdict(Decimal)
        for ln in mine:
            owed[ln.cert_no] += ln.unit_amount + ln.person_amount if side is None else getattr(ln, f"{side}_amount")
        who = next((c for c, amount in owed.items() if amount == ours - theirs), None)
        if who is not None:
            return "person_missing", f"差额等于账簿中 {mask_cert_no(who)} 的金额: 门户可能少计此人"
        if rate and base:
            implied = (theirs / base).quantize(Decimal("0.0001"))
            # another rate only if it gives the portal's amount (else the bases or persons differ)
            if implied != rate.quantize(Decimal("0.0001")) and abs(base * implied - theirs) <= slack + rounding.quantum:
                return "rate", f"门户金额相当于费率 {implied}, 账簿费率 {rate} ({_source(rates, side or '')})"
        elif fixed and mine:
            count = len({(ln.cert_no, ln.period) for ln in mine})
            implied = (theirs / count).quantize(Decimal("0.01"))
            return "rate", f"门户金额相当于每人每月 {implied} 元, 账簿定额 {fixed} 元 ({_source(rates, side or '')})"
        return "unexplained", f"差额 {theirs - ours} 元, 原因不明"


def _source(rates: object, side: str) -> str:
    used = getattr(rates, "used", ())
    return next((v.source for v in used if v.parameter.startswith(side)), "")

