"""Revocation (撤销), payment notices, payments, arrears and the explanation of stored lines."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from medins_core.book.book import Book, UnitInfo, fen, yuan
from medins_core.book.document import stored_document
from medins_core.book.errors import BookRefusal
from medins_core.book.explanations import explanation
from medins_core.book.ledger import AMOUNTS, BookAssessment
from medins_core.book.models import (
    AssessmentRow,
    BasisRow,
    LineRow,
    NoticeRow,
    PaymentRow,
    PersonRow,
    UnitRow,
)
from medins_core.money import format_yuan, rmb_upper, to_money
from medins_core.operations import Arrear
from medins_core.period import Period


def _assessment(session: Session, book: Book, assessment_id: int) -> tuple[AssessmentRow, UnitInfo]:
    row = session.get(AssessmentRow, assessment_id)
    if row is None:
        raise BookRefusal("unknown_assessment", f"账簿中没有核定单 {assessment_id}")
    unit = session.get(UnitRow, row.unit_id)
    assert unit is not None
    return row, book.unit(session, unit.uscc)


def _paid(session: Session, notice_id: int) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(PaymentRow.amount_fen), 0)).where(PaymentRow.notice_id == notice_id)) or 0)


def revoke(book: Book, assessment_id: int, reason: str) -> BookAssessment:
    """Write the reversal of an assessment that is on no notice and unpaid; else refuse."""
    with book.transaction() as session:
        row, unit = _assessment(session, book, assessment_id)
        if row.kind == "reversal":
            raise BookRefusal("cannot_revoke_reversal", f"核定单 {row.id} 本身是撤销记录，不能再撤销")
        if row.notice_id is not None:
            if _paid(session, row.notice_id):
                raise BookRefusal("already_paid", f"核定单 {row.id} 所在的缴费通知单 {row.notice_id} 已有缴费，不能撤销")
            raise BookRefusal("already_noticed", f"核定单 {row.id} 已生成缴费通知单 {row.notice_id}，不能撤销")
        done = session.scalar(select(AssessmentRow.id).where(AssessmentRow.supplements == row.id, AssessmentRow.kind == "reversal"))
        if done is not None:
            raise BookRefusal("already_revoked", f"核定单 {row.id} 已由 {done} 撤销")
        revision = session.scalar(
            select(func.max(AssessmentRow.revision)).where(
                AssessmentRow.unit_id == row.unit_id, AssessmentRow.period_from == row.period_from,
                AssessmentRow.period_to == row.period_to, AssessmentRow.payment_type == row.payment_type,
            )
        )  # fmt: skip
        document = _negated(stored_document(session, row))
        reversal = AssessmentRow(
            unit_id=row.unit_id, period_from=row.period_from, period_to=row.period_to,
            payment_type=row.payment_type, revision=(revision or 0) + 1, kind="reversal",
            supplements=row.id, total_fen=-row.total_fen, document=json.dumps(document, ensure_ascii=False),
        )  # fmt: skip
        for line in row.lines:
            values = {name: None if getattr(line, name) is None else -getattr(line, name) for name in AMOUNTS}
            reversal.lines.append(LineRow(
                person_id=line.person_id, insurance=line.insurance, period=line.period,
                wage_fen=line.wage_fen, base_fen=line.base_fen, basis_id=line.basis_id, explain=line.explain,
                **values,
            ))  # fmt: skip
        session.add(reversal)
        session.flush()
        book.log(session, unit, "revoke", {"id": reversal.id, "revokes": row.id}, reason)
        return BookAssessment(reversal.id, "reversal", row.id, document)


def _negated(document: dict[str, Any]) -> dict[str, Any]:
    def neg(value: str | None) -> str | None:
        return None if value is None else format_yuan(-Decimal(value))

    money = ("unit_base", "unit_amount", "person_base", "person_amount", "account_transfer")
    lines = [{**ln, **{n: neg(ln[n]) for n in money}} for ln in document["lines"]]
    totals = [{**t, **{n: neg(t[n]) for n in money}} for t in document["totals"]]
    total = -Decimal(document["total"])
    upper = rmb_upper(total) if total >= 0 else "负" + rmb_upper(-total)
    return {**document, "lines": lines, "totals": totals, "total": format_yuan(total), "total_upper": upper}


def notice(book: Book, uscc: str) -> dict[str, Any]:
    """A payment notice gathering exactly the unit's assessments not yet on one."""
    with book.transaction() as session:
        unit = book.unit(session, uscc)
        rows = session.scalars(
            select(AssessmentRow).where(AssessmentRow.unit_id == unit.id, AssessmentRow.notice_id.is_(None))
            .order_by(AssessmentRow.id)
        ).all()  # fmt: skip
        if not rows:
            raise BookRefusal("nothing_to_notice", f"单位 {uscc} 没有尚未生成缴费通知单的核定")
        total = sum(r.total_fen for r in rows)
        row = NoticeRow(unit_id=unit.id, total_fen=total)
        session.add(row)
        session.flush()
        ids = [r.id for r in rows]
        claimed = cast("CursorResult[Any]", session.execute(
            update(AssessmentRow).where(AssessmentRow.id.in_(ids), AssessmentRow.notice_id.is_(None))
            .values(notice_id=row.id)
        )).rowcount  # fmt: skip
        if claimed != len(ids):  # another notice took some of them meanwhile: nothing written
            raise BookRefusal("busy", "另一进程同时生成了缴费通知单，请重试")
        answer = {"id": row.id, "unit": uscc, "assessments": ids, "total": format_yuan(yuan(total)),
                  "total_upper": rmb_upper(yuan(total)) if total >= 0 else "负" + rmb_upper(yuan(-total))}  # fmt: skip
        book.log(session, unit, "notice", {"id": row.id, "assessments": ids, "total": answer["total"]})
        return answer


def pay(book: Book, notice_id: int, amount: Decimal | str, paid_on: datetime.date) -> dict[str, Any]:
    """Record a payment against a notice; answers what remains due on it."""
    value = fen(to_money(amount, field="--amount"))
    if value <= 0:
        raise BookRefusal("invalid_amount", f"缴费金额须大于零: {amount}")
    with book.transaction() as session:
        row = session.get(NoticeRow, notice_id)
        if row is None:
            raise BookRefusal("unknown_notice", f"账簿中没有缴费通知单 {notice_id}")
        unit_row = session.get(UnitRow, row.unit_id)
        assert unit_row is not None
        unit = book.unit(session, unit_row.uscc)
        session.add(PaymentRow(unit_id=unit.id, notice_id=row.id, amount_fen=value, paid_on=paid_on))
        session.flush()
        due = row.total_fen - _paid(session, row.id)
        book.log(session, unit, "pay", {"notice": row.id, "amount": format_yuan(yuan(value)), "date": paid_on.isoformat()})
        return {"notice": row.id, "paid": format_yuan(yuan(value)), "due": format_yuan(yuan(due))}


def arrears(session: Session, unit: UnitInfo) -> tuple[Arrear, ...]:
    """Noticed minus paid, by period: payments settle a notice's oldest periods first."""
    out: list[Arrear] = []
    for notice_row in session.scalars(select(NoticeRow).where(NoticeRow.unit_id == unit.id).order_by(NoticeRow.id)):
        paid = _paid(session, notice_row.id)
        by_period: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for period, cert_no, amount in session.execute(
            select(LineRow.period, PersonRow.cert_no, LineRow.unit_amount_fen + LineRow.person_amount_fen)
            .join(AssessmentRow, AssessmentRow.id == LineRow.assessment_id)
            .join(PersonRow, PersonRow.id == LineRow.person_id)
            .where(AssessmentRow.notice_id == notice_row.id)
        ):  # fmt: skip
            by_period[period][cert_no] += amount
        for period in sorted(by_period):
            due = sum(by_period[period].values())
            settled = min(paid, due)
            paid -= settled
            if settled < due:
                out += [Arrear(Period.parse(period), c) for c, a in sorted(by_period[period].items()) if a > 0]
    return tuple(out)


def arrears_of(book: Book, uscc: str) -> list[dict[str, str]]:
    """The unit's arrears as ``{"period", "cert_no"}`` rows (ID numbers as stored)."""
    with book.transaction() as session:
        return [{"period": str(a.period), "cert_no": a.cert_no} for a in arrears(session, book.unit(session, uscc))]


def explain(book: Book, assessment_id: int, cert_no: str | None = None) -> list[dict[str, Any]]:
    """Every stored line of an assessment (one person's with ``cert_no``) with its values' sources."""
    with book.transaction() as session:
        row, _unit = _assessment(session, book, assessment_id)
        query = (
            select(LineRow, PersonRow.cert_no, PersonRow.name, BasisRow.text)
            .join(PersonRow, PersonRow.id == LineRow.person_id)
            .outerjoin(BasisRow, BasisRow.id == LineRow.basis_id)
            .where(LineRow.assessment_id == row.id).order_by(LineRow.id)
        )  # fmt: skip
        if cert_no:
            query = query.where(PersonRow.cert_no == cert_no)
        out = []
        for line, cert, name, basis in session.execute(query):
            out.append({
                "cert_no": cert, "name": name, "insurance": line.insurance, "period": line.period,
                "unit_amount": format_yuan(yuan(line.unit_amount_fen)),
                "person_amount": format_yuan(yuan(line.person_amount_fen)),
                **explanation(line, basis),
            })  # fmt: skip
        return out
