"""缴费查询 and 欠费查询: what the book assessed, per person and per unit, and what is unpaid."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import attrs
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medins_core.book.book import Book, UnitInfo, yuan
from medins_core.book.models import AssessmentRow, LineRow, NoticeRow, PaymentRow, PersonRow
from medins_core.book.queries.listing import Listing, columns, type_zh
from medins_core.errors import InputError
from medins_core.io.xlsx import Kind
from medins_core.period import Period


# --- 缴费查询 --------------------------------------------------------------------------


@attrs.frozen
class NetLine:
    """What the book holds for one person × line × period × payment type: the net of every revision."""

    cert_no: str
    name: str
    insurance: str
    period: Period
    payment_type: str
    unit_base: Decimal
    unit_amount: Decimal
    person_base: Decimal
    person_amount: Decimal


def net_lines(
    session: Session, unit: UnitInfo, start: Period, end: Period, payment_type: str | None = None
) -> list[NetLine]:
    """The book's assessment of the unit for ``start``…``end``: stored lines summed over revisions.

    Originals, supplements and reversals all count, so a revoked assessment nets to nothing
    and is left out.
    """
    query = (
        select(LineRow, PersonRow.cert_no, PersonRow.name, AssessmentRow.payment_type)
        .join(AssessmentRow, AssessmentRow.id == LineRow.assessment_id)
        .join(PersonRow, PersonRow.id == LineRow.person_id)
        .where(AssessmentRow.unit_id == unit.id, LineRow.period >= str(start), LineRow.period <= str(end))
    )  # fmt: skip
    if payment_type is not None:
        query = query.where(AssessmentRow.payment_type == payment_type)
    sums: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    names: dict[str, str] = {}
    for line, cert_no, name, kind in session.execute(query):
        total = sums[(cert_no, line.insurance, line.period, kind)]
        for i, value in enumerate((line.unit_base_fen, line.unit_amount_fen, line.person_base_fen, line.person_amount_fen)):
            total[i] += value
        names[cert_no] = name
    return [
        NetLine(key[0], names[key[0]], key[1], Period.parse(key[2]), key[3], *(yuan(v) for v in values))
        for key, values in sorted(sums.items(), key=lambda kv: (kv[0][2], kv[0][3], kv[0][1], kv[0][0]))
        if any(values)
    ]


@attrs.frozen
class Contribution:
    """A total of the book's lines for one period, line and payment type (of one person or all)."""

    period: Period
    insurance: str
    payment_type: str
    persons: int
    unit_base: Decimal
    unit_amount: Decimal
    person_base: Decimal
    person_amount: Decimal


@attrs.frozen
class ContributionsResult:
    """缴费查询: per person lines and per unit totals over a period range."""

    unit: str
    start: Period
    end: Period
    lines: tuple[NetLine, ...]
    totals: tuple[Contribution, ...]
    total: Decimal

    def listings(self) -> list[Listing]:
        """Two tables: the unit's totals by period and line, and each person's lines."""
        money = [("单位缴费基数", Kind.MONEY), ("单位应缴金额", Kind.MONEY), ("个人缴费基数", Kind.MONEY), ("个人应缴金额", Kind.MONEY)]
        unit_cols = columns(("费款所属期", Kind.TEXT), ("险种", Kind.TEXT), ("缴费类型", Kind.TEXT), ("缴费人数", Kind.INTEGER), *money)
        person_cols = columns(("证件号码", Kind.TEXT), ("姓名", Kind.TEXT), ("费款所属期", Kind.TEXT), ("险种", Kind.TEXT),
                               ("缴费类型", Kind.TEXT), *money)  # fmt: skip
        units = tuple(
            (str(t.period), t.insurance, type_zh(t.payment_type), t.persons,
             t.unit_base, t.unit_amount, t.person_base, t.person_amount)
            for t in self.totals
        )  # fmt: skip
        people = tuple(
            (ln.cert_no, ln.name, str(ln.period), ln.insurance, type_zh(ln.payment_type),
             ln.unit_base, ln.unit_amount, ln.person_base, ln.person_amount)
            for ln in self.lines
        )  # fmt: skip
        return [Listing("单位缴费", unit_cols, units), Listing("个人缴费", person_cols, people)]


def contributions(
    book: Book, uscc: str, start: Period, end: Period | None = None, *, cert_no: str | None = None
) -> ContributionsResult:
    """What the book assessed for the unit (or one person of it) over ``start``…``end``."""
    end = start if end is None else end
    if end < start:
        raise InputError("period_order", "开始年月不能晚于结束年月", field="--to")
    with book.transaction() as session:
        unit = book.unit(session, uscc)
        lines = [ln for ln in net_lines(session, unit, start, end) if cert_no is None or ln.cert_no == cert_no]
    groups: dict[tuple[Period, str, str], list[NetLine]] = defaultdict(list)
    for ln in lines:
        groups[(ln.period, ln.insurance, ln.payment_type)].append(ln)
    totals = tuple(
        Contribution(
            key[0], key[1], key[2], len({ln.cert_no for ln in group}),
            sum((ln.unit_base for ln in group), Decimal(0)), sum((ln.unit_amount for ln in group), Decimal(0)),
            sum((ln.person_base for ln in group), Decimal(0)), sum((ln.person_amount for ln in group), Decimal(0)),
        )
        for key, group in groups.items()
    )  # fmt: skip
    total = sum((ln.unit_amount + ln.person_amount for ln in lines), Decimal(0))
    return ContributionsResult(uscc, start, end, tuple(lines), totals, total)


# --- 欠费查询 --------------------------------------------------------------------------


@attrs.frozen
class ArrearsPeriod:
    """One period's noticed amount, what payments settled of it, what is owed, and by how many."""

    period: Period
    noticed: Decimal
    paid: Decimal
    owed: Decimal
    persons: int


@attrs.frozen
class ArrearsResult:
    """欠费查询 by period: payments settle a notice's oldest periods first (as ``book arrears``)."""

    unit: str
    periods: tuple[ArrearsPeriod, ...]
    owed: Decimal

    def listing(self) -> Listing:
        """The table: one row per period with arrears."""
        cols = columns(("费款所属期", Kind.TEXT), ("应缴金额", Kind.MONEY), ("已缴金额", Kind.MONEY),
                        ("欠费金额", Kind.MONEY), ("欠费人数", Kind.INTEGER))  # fmt: skip
        rows = tuple((str(p.period), p.noticed, p.paid, p.owed, p.persons) for p in self.periods)
        return Listing("欠费", cols, rows)


def arrears(book: Book, uscc: str, start: Period | None = None, end: Period | None = None) -> ArrearsResult:
    """The unit's arrears by period (noticed minus paid), optionally within ``start``…``end``."""
    by_period: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    persons_of: dict[str, set[str]] = defaultdict(set)
    with book.transaction() as session:
        unit = book.unit(session, uscc)
        for notice in session.scalars(select(NoticeRow).where(NoticeRow.unit_id == unit.id).order_by(NoticeRow.id)):
            paid = int(session.scalar(select(func.coalesce(func.sum(PaymentRow.amount_fen), 0))
                                      .where(PaymentRow.notice_id == notice.id)) or 0)  # fmt: skip
            due: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for period, cert_no, amount in session.execute(
                select(LineRow.period, PersonRow.cert_no, LineRow.unit_amount_fen + LineRow.person_amount_fen)
                .join(AssessmentRow, AssessmentRow.id == LineRow.assessment_id)
                .join(PersonRow, PersonRow.id == LineRow.person_id).where(AssessmentRow.notice_id == notice.id)
            ):  # fmt: skip
                due[period][cert_no] += amount
            for period in sorted(due):
                owed = sum(due[period].values())
                settled = min(paid, owed)
                paid -= settled
                by_period[period][0] += owed
                by_period[period][1] += settled
                if settled < owed:
                    persons_of[period] |= {c for c, a in due[period].items() if a > 0}
    rows = tuple(
        ArrearsPeriod(Period.parse(p), yuan(n), yuan(s), yuan(n - s), len(persons_of[p]))
        for p, (n, s) in sorted(by_period.items())
        if n > s and (start is None or p >= str(start)) and (end is None or p <= str(end))
    )
    return ArrearsResult(uscc, rows, sum((r.owed for r in rows), Decimal(0)))
