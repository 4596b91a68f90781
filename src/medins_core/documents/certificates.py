"""Coverage certificates (参保证明) from the book: the unit's, and one employee's.

* The unit's 单位参保证明表 follows jiangsu-suzhou-unit-hall-training.txt PART4.2 (2): 单位编号,
  单位名称, 单位类型, 统一信用代码, then per line 险种类型, 参保状态, 参保日期 and the
  经办机构; 经办人, 制表日期. The book keeps no legal person, contact or bank, so those rows
  are not printed.
* The employee's 职工参保证明 (jiangsu-unit-hall-user-manual.txt 3.17): per line, the months
  covered in the unit and the months paid; months assessed but not yet paid are listed apart.

A line's status is 参保缴费 while someone (the person) is covered in the month printed,
暂停参保 after every cover ended.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from medins_core.book.book import Book
from medins_core.book.errors import BookRefusal
from medins_core.book.models import AssessmentRow, CoverRow, LineRow, PersonRow
from medins_core.book.notices import arrears
from medins_core.documents.document import (
    Document,
    line_name,
    line_order,
    net_lines,
    span_text,
    spans,
    unit_header,
)
from medins_core.ids import mask_cert_no, uscc_category
from medins_core.period import Period

ACTIVE, SUSPENDED = "参保缴费", "暂停参保"


def _status(ends: list[str | None], now: str) -> str:
    return ACTIVE if any(end is None or end >= now for end in ends) else SUSPENDED


def _first_day(period: str) -> str:
    return f"{period[:4]}-{period[4:6]}-01"


def unit_certificate(book: Book, uscc: str, *, printed: datetime.date) -> Document:
    """The unit's 单位参保证明表 as of ``printed``; ``no_cover`` when no one was ever covered."""
    now = str(Period.of(printed))
    with book.transaction() as session:
        unit = book.unit(session, uscc)
        rules = book.rules(unit)
        covers: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        for insurance, start, end in session.execute(
            select(CoverRow.insurance, CoverRow.start, CoverRow.end).where(CoverRow.unit_id == unit.id)
        ):  # fmt: skip
            covers[insurance].append((start, end))
        if not covers:
            raise BookRefusal("no_cover", f"单位 {uscc} 在账簿中没有任何参保记录，不出具参保证明")
        lines = [
            {"insurance": code, "name": line_name(rules, code), "status": _status([e for _, e in covers[code]], now),
             "since": _first_day(min(s for s, _ in covers[code])),
             "active": sum(1 for _, e in covers[code] if e is None or e >= now)}
            for code in line_order(rules, covers)
        ]  # fmt: skip
        data: dict[str, Any] = {
            **unit_header(unit, rules, printed), "unit_type": uscc_category(unit.uscc) or "",
            "actor": book.actor, "lines": lines,
        }  # fmt: skip
        return Document("unit_certificate", "unit_certificate", "单位参保证明表", data)


def person_certificate(book: Book, uscc: str, cert_no: str, *, printed: datetime.date) -> Document:
    """One employee's 职工参保证明 in the unit; ``not_insured_here`` when the book has no cover
    of that person in the unit."""
    now = str(Period.of(printed))
    with book.transaction() as session:
        unit = book.unit(session, uscc)
        rules = book.rules(unit)
        person = session.scalar(select(PersonRow).where(PersonRow.cert_no == cert_no))
        rows = [] if person is None else session.execute(
            select(CoverRow.insurance, CoverRow.start, CoverRow.end)
            .where(CoverRow.unit_id == unit.id, CoverRow.person_id == person.id).order_by(CoverRow.start)
        ).all()  # fmt: skip
        if person is None or not rows:
            raise BookRefusal("not_insured_here", f"{mask_cert_no(cert_no)} 在单位 {uscc} 没有参保记录，不出具参保证明")
        covered: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        for insurance, start, end in rows:
            covered[insurance].append((start, end))
        mine = (AssessmentRow.unit_id == unit.id, LineRow.person_id == person.id)
        noticed = {(ln.insurance, ln.period) for ln in net_lines(session, *mine, AssessmentRow.notice_id.is_not(None)) if ln.amount > 0}
        assessed = {(ln.insurance, ln.period) for ln in net_lines(session, *mine) if ln.amount > 0}
        unpaid = {str(a.period) for a in arrears(session, unit) if a.cert_no == cert_no}
        lines = []
        for code in line_order(rules, covered):
            paid = sorted(p for line, p in noticed if line == code and p not in unpaid)
            owing = sorted(p for line, p in assessed if line == code and ((line, p) not in noticed or p in unpaid))
            lines.append({
                "insurance": code, "name": line_name(rules, code),
                "status": _status([e for _, e in covered[code]], now),
                "covered": [span_text(s, e or "至今") for s, e in covered[code]],
                "paid": [span_text(a, b) for a, b in spans(paid)], "paid_months": len(paid),
                "unpaid": [span_text(a, b) for a, b in spans(owing)], "unpaid_months": len(owing),
            })  # fmt: skip
        data: dict[str, Any] = {
            **unit_header(unit, rules, printed), "name": person.name, "cert_no": mask_cert_no(person.cert_no),
            "cert_type": person.cert_type, "person_type": person.person_type, "actor": book.actor, "lines": lines,
        }  # fmt: skip
        return Document("person_certificate", "person_certificate", "职工参保证明", data)
