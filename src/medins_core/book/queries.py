"""The portals' queries, answered from the book: persons, contributions, retirement, arrears, business.

Each function reads one unit (by USCC) in one transaction and returns an attrs result that
:func:`medins_core.serialize.to_json` writes as JSON (full ID numbers: this is data) and whose
:meth:`listing` gives the table the command line prints (ID numbers masked) and writes to XLSX
(:func:`write_listings`). The queries are those of the portals' 业务查询 menus
(jiangsu-unit-hall-user-manual.txt 3.9–3.16, jiangsu-suzhou-unit-hall-training.txt PART4.1/4.3).
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medins_core.book.book import Book, UnitInfo, yuan
from medins_core.book.models import AssessmentRow, CoverRow, EventRow, LineRow, NoticeRow, PaymentRow, PersonRow, WageRow
from medins_core.errors import InputError
from medins_core.ids import Gender, is_valid_resident_id, parse_resident_id
from medins_core.io.xlsx import Column, Kind, Sheet, Value, write_xlsx
from medins_core.money import format_yuan
from medins_core.period import Period
from medins_core.retirement import RetirementGroup, format_age, group_for, retirement

__all__ = [
    "ArrearsPeriod", "ArrearsResult", "BusinessItem", "BusinessResult", "Contribution",
    "ContributionsResult", "Listing", "NetLine", "PersonCover", "PersonsResult", "RetiringPerson",
    "RetiringResult", "arrears", "business", "contributions", "net_lines", "persons", "retiring",
    "write_listings",
]  # fmt: skip

STATUSES = ("active", "suspended", "all")
_STATUS_ZH = {"active": "正常参保", "suspended": "暂停参保", "future": "尚未开始"}
_TYPE_ZH = {"regular": "正常应缴", "backpay": "补缴"}


@attrs.frozen
class Listing:
    """A result as a table: a title, typed columns and rows (ID numbers in full)."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]


def _columns(*spec: tuple[str, Kind]) -> tuple[Column, ...]:
    return tuple(Column(title, kind) for title, kind in spec)


def write_listings(path: str | Path, listings: Sequence[Listing]) -> None:
    """Write each listing as a sheet of one XLSX file, atomically (nothing is left half-written)."""
    sheets = [
        Sheet(item.title[:31], [tuple(c.title for c in item.columns), *item.rows], item.columns)
        for item in listings
    ]
    write_xlsx(path, sheets)


# --- 参保人员查询 ------------------------------------------------------------------------


@attrs.frozen
class PersonCover:
    """One person's cover of one line in the unit, with its status and wage in the asked month."""

    cert_no: str
    name: str
    person_type: str
    insurance: str
    start: Period
    end: Period | None
    status: str  # active, suspended or future, in the asked month
    wage: Decimal | None


@attrs.frozen
class PersonsResult:
    """参保人员查询: the unit's covers in ``period``, filtered by status and line."""

    unit: str
    period: Period
    status: str
    line: str | None
    persons: tuple[PersonCover, ...]

    def listing(self) -> Listing:
        """The table: one row per person and line."""
        cols = _columns(("证件号码", Kind.TEXT), ("姓名", Kind.TEXT), ("人员类别", Kind.TEXT), ("险种", Kind.TEXT),
                        ("参保年月", Kind.TEXT), ("终止年月", Kind.TEXT), ("参保状态", Kind.TEXT),
                        ("缴费工资", Kind.MONEY))  # fmt: skip
        rows = tuple(
            (p.cert_no, p.name, p.person_type, p.insurance, str(p.start), "" if p.end is None else str(p.end),
             _STATUS_ZH[p.status], p.wage)
            for p in self.persons
        )  # fmt: skip
        return Listing(f"参保人员 {self.period}", cols, rows)


def _status(start: Period, end: Period | None, period: Period) -> str:
    if start > period:
        return "future"
    return "active" if end is None or end >= period else "suspended"


def persons(
    book: Book, uscc: str, period: Period, *, status: str = "active", line: str | None = None
) -> PersonsResult:
    """The unit's persons by status (``active``, ``suspended``, ``all``) in ``period``, one line or all."""
    if status not in STATUSES:
        raise InputError("invalid_status", f"参保状态应为 {'/'.join(STATUSES)}: {status!r}", field="status")
    with book.transaction() as session:
        unit = book.unit(session, uscc)
        query = (
            select(CoverRow, PersonRow).join(PersonRow, PersonRow.id == CoverRow.person_id)
            .where(CoverRow.unit_id == unit.id).order_by(PersonRow.cert_no, CoverRow.insurance, CoverRow.start)
        )  # fmt: skip
        if line:
            query = query.where(CoverRow.insurance == line)
        wages = _wages_at(session, unit, period)
        found = []
        for cover, person in session.execute(query):
            start = Period.parse(cover.start)
            end = None if cover.end is None else Period.parse(cover.end)
            state = _status(start, end, period)
            if status == "all" or state == status:
                found.append(PersonCover(person.cert_no, person.name, person.person_type, cover.insurance,
                                         start, end, state, wages.get(person.id)))  # fmt: skip
        return PersonsResult(uscc, period, status, line, tuple(found))


def _wages_at(session: Session, unit: UnitInfo, period: Period) -> dict[int, Decimal]:
    """Each person's declared wage in force in ``period`` (the latest start not after it)."""
    out: dict[int, Decimal] = {}
    rows = session.execute(
        select(WageRow.person_id, WageRow.wage_fen).where(WageRow.unit_id == unit.id, WageRow.start <= str(period))
        .order_by(WageRow.start)
    )  # fmt: skip
    for person_id, wage_fen in rows:
        out[person_id] = yuan(wage_fen)
    return out


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
        unit_cols = _columns(("费款所属期", Kind.TEXT), ("险种", Kind.TEXT), ("缴费类型", Kind.TEXT), ("缴费人数", Kind.INTEGER), *money)
        person_cols = _columns(("证件号码", Kind.TEXT), ("姓名", Kind.TEXT), ("费款所属期", Kind.TEXT), ("险种", Kind.TEXT),
                               ("缴费类型", Kind.TEXT), *money)  # fmt: skip
        units = tuple(
            (str(t.period), t.insurance, _TYPE_ZH.get(t.payment_type, t.payment_type), t.persons,
             t.unit_base, t.unit_amount, t.person_base, t.person_amount)
            for t in self.totals
        )  # fmt: skip
        people = tuple(
            (ln.cert_no, ln.name, str(ln.period), ln.insurance, _TYPE_ZH.get(ln.payment_type, ln.payment_type),
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


# --- 职工退休到龄查询 --------------------------------------------------------------------


@attrs.frozen
class RetiringPerson:
    """A working person of the unit who reaches the statutory retirement age in the range."""

    cert_no: str
    name: str
    birth: Period
    group: RetirementGroup
    retirement_age_months: int
    retirement_month: Period


@attrs.frozen
class RetiringResult:
    """退休到龄查询 under the 2025 reform (medins_core.retirement); ``unknown``: no birth and gender."""

    unit: str
    start: Period
    end: Period
    female_group: RetirementGroup
    persons: tuple[RetiringPerson, ...]
    unknown: tuple[str, ...]

    def listing(self) -> Listing:
        """The table: one row per person, by retirement month."""
        cols = _columns(("证件号码", Kind.TEXT), ("姓名", Kind.TEXT), ("出生年月", Kind.TEXT), ("组别", Kind.TEXT),
                        ("退休年龄", Kind.TEXT), ("到龄年月", Kind.TEXT))  # fmt: skip
        rows = tuple(
            (p.cert_no, p.name, p.birth.iso, p.group.zh, format_age(p.retirement_age_months), str(p.retirement_month))
            for p in self.persons
        )  # fmt: skip
        return Listing(f"退休到龄 {self.start}-{self.end}", cols, rows)


def retiring(
    book: Book, uscc: str, start: Period, end: Period, *, female_group: RetirementGroup | str = RetirementGroup.FEMALE50
) -> RetiringResult:
    """Working persons active in the unit at ``start`` who reach retirement age in ``start``…``end``.

    Birth month and gender come from the resident ID number; persons with another kind of
    certificate are listed in ``unknown``. A woman's original age (50 or 55) depends on her
    job, which the book does not keep, so ``female_group`` applies to every woman; its
    default, 50, is what the portal's own query assumes (jiangsu-suzhou-unit-hall-training.txt
    PART4.1 (6): 按照男职工60岁、女职工50岁计算).
    """
    women = RetirementGroup.parse(female_group, field="--female-group")
    if end < start:
        raise InputError("period_order", "开始年月不能晚于结束年月", field="--to")
    found: dict[str, RetiringPerson] = {}
    unknown: set[str] = set()
    for cover in persons(book, uscc, start, status="active").persons:
        if "退休" in cover.person_type or cover.cert_no in found or cover.cert_no in unknown:
            continue
        if not is_valid_resident_id(cover.cert_no):
            unknown.add(cover.cert_no)
            continue
        resident = parse_resident_id(cover.cert_no)
        group = group_for(resident.gender, None if resident.gender is Gender.MALE else women)
        result = retirement(resident.birth, group)
        if start <= result.retirement_month <= end:
            found[cover.cert_no] = RetiringPerson(cover.cert_no, cover.name, result.birth, group,
                                                  result.retirement_age_months, result.retirement_month)  # fmt: skip
    ordered = sorted(found.values(), key=lambda p: (p.retirement_month, p.cert_no))
    return RetiringResult(uscc, start, end, women, tuple(ordered), tuple(sorted(unknown)))


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
        cols = _columns(("费款所属期", Kind.TEXT), ("应缴金额", Kind.MONEY), ("已缴金额", Kind.MONEY),
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


# --- 待审核 / 已审核 ---------------------------------------------------------------------


@attrs.frozen
class BusinessItem:
    """One piece of business: done (an entry of the log) or pending (awaiting its next step)."""

    status: str  # done or pending
    at: str  # ISO time
    actor: str
    what: str
    detail: dict[str, Any]
    why: str


@attrs.frozen
class BusinessResult:
    """待审核/已审核查询: the log's business in a date range, and what awaits a next step."""

    unit: str
    start: datetime.date | None
    end: datetime.date | None
    items: tuple[BusinessItem, ...]

    def listing(self) -> Listing:
        """The table: one row per item, oldest first."""
        cols = _columns(("状态", Kind.TEXT), ("时间", Kind.TEXT), ("经办人", Kind.TEXT), ("业务", Kind.TEXT),
                        ("内容", Kind.WRAP), ("原因", Kind.TEXT))  # fmt: skip
        rows = tuple(
            ({"done": "已办结", "pending": "待办"}[i.status], i.at, i.actor, i.what,
             json.dumps(i.detail, ensure_ascii=False, sort_keys=True), i.why)
            for i in self.items
        )  # fmt: skip
        return Listing("业务", cols, rows)


def business(
    book: Book, uscc: str, *, status: str = "all", start: datetime.date | None = None,
    end: datetime.date | None = None, what: str | None = None,
) -> BusinessResult:  # fmt: skip
    """Done business (the log, ID numbers masked as logged) and pending business.

    The book applies a checked change at once, with no approval step (as Suzhou: 目前无需审核的
    业务), so pending means awaiting the next step: an assessment not yet on a notice
    (``assessment``), a notice not fully paid (``notice``). Dates filter by day, both included.
    """
    if status not in ("pending", "done", "all"):
        raise InputError("invalid_status", f"状态应为 pending/done/all: {status!r}", field="--status")
    items: list[BusinessItem] = []
    with book.transaction() as session:
        unit = book.unit(session, uscc)
        if status in ("done", "all"):
            for row in session.scalars(select(EventRow).where(EventRow.unit_id == unit.id).order_by(EventRow.id)):
                detail = json.loads(row.detail) if row.detail else {}
                items.append(BusinessItem("done", _iso(row.at), row.actor, row.what, detail, row.why))
        if status in ("pending", "all"):
            for a in session.scalars(select(AssessmentRow).where(AssessmentRow.unit_id == unit.id, AssessmentRow.notice_id.is_(None))
                                     .order_by(AssessmentRow.id)):  # fmt: skip
                detail = {"id": a.id, "kind": a.kind, "periods": [a.period_from, a.period_to],
                          "type": a.payment_type, "total": format_yuan(yuan(a.total_fen)), "next": "notice"}  # fmt: skip
                items.append(BusinessItem("pending", _iso(a.created), "", "assessment", detail, ""))
            for n in session.scalars(select(NoticeRow).where(NoticeRow.unit_id == unit.id).order_by(NoticeRow.id)):
                paid = int(session.scalar(select(func.coalesce(func.sum(PaymentRow.amount_fen), 0))
                                          .where(PaymentRow.notice_id == n.id)) or 0)  # fmt: skip
                if paid < n.total_fen:
                    detail = {"id": n.id, "total": format_yuan(yuan(n.total_fen)), "due": format_yuan(yuan(n.total_fen - paid)), "next": "pay"}
                    items.append(BusinessItem("pending", _iso(n.created), "", "notice", detail, ""))
    kept = [
        i for i in items
        if (what is None or i.what == what)
        and (start is None or i.at[:10] >= start.isoformat()) and (end is None or i.at[:10] <= end.isoformat())
    ]  # fmt: skip
    kept.sort(key=lambda i: (i.at, i.status))
    return BusinessResult(uscc, start, end, tuple(kept))


def _iso(at: datetime.datetime) -> str:
    # SQLite gives back naive times; they were written in UTC
    return (at if at.tzinfo else at.replace(tzinfo=datetime.timezone.utc)).isoformat(timespec="seconds")

