"""参保人员查询 and 职工退休到龄查询: who is insured in a month, who reaches retirement age."""

from __future__ import annotations

from decimal import Decimal

import attrs
from sqlalchemy import select
from sqlalchemy.orm import Session

from medins_core.book.book import Book, UnitInfo, yuan
from medins_core.book.models import CoverRow, PersonRow, WageRow
from medins_core.book.queries.listing import Listing, columns
from medins_core.errors import InputError
from medins_core.ids import Gender, is_valid_resident_id, parse_resident_id
from medins_core.io.xlsx import Kind
from medins_core.period import Period
from medins_core.retirement import RetirementGroup, format_age, group_for, retirement

STATUSES = ("active", "suspended", "all")
_STATUS_ZH = {"active": "正常参保", "suspended": "暂停参保", "future": "尚未开始"}


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
        cols = columns(("证件号码", Kind.TEXT), ("姓名", Kind.TEXT), ("人员类别", Kind.TEXT), ("险种", Kind.TEXT),
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
        covers = []
        for cover, person in session.execute(query):
            start = Period.parse(cover.start)
            end = None if cover.end is None else Period.parse(cover.end)
            covers.append(PersonCover(person.cert_no, person.name, person.person_type, cover.insurance,
                                      start, end, _status(start, end, period), wages.get(person.id)))  # fmt: skip
        # suspended means not insured in that line now: an old cover of someone enrolled again is not
        active = {(c.cert_no, c.insurance) for c in covers if c.status == "active"}
        found = [
            c for c in covers
            if status == "all" or (c.status == status and (status == "active" or (c.cert_no, c.insurance) not in active))
        ]  # fmt: skip
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
        cols = columns(("证件号码", Kind.TEXT), ("姓名", Kind.TEXT), ("出生年月", Kind.TEXT), ("组别", Kind.TEXT),
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
