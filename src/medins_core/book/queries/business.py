"""待审核/已审核查询: the business done (the log) and the business awaiting its next step."""

from __future__ import annotations

import datetime
import json
from typing import Any

import attrs
from sqlalchemy import func, select

from medins_core.book.book import Book, yuan
from medins_core.book.models import AssessmentRow, EventRow, NoticeRow, PaymentRow
from medins_core.book.queries.listing import Listing, columns
from medins_core.errors import InputError
from medins_core.io.xlsx import Kind
from medins_core.money import format_yuan


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
        cols = columns(("状态", Kind.TEXT), ("时间", Kind.TEXT), ("经办人", Kind.TEXT), ("业务", Kind.TEXT),
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
