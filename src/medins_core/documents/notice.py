"""The payment notice (缴费通知单) of a stored notice, in the layout its region's portal prints.

The region's ``notice_layout`` rule chooses the layout (docs/documents.md):

* ``collection``: the 征集缴费通知单 (jiangsu-suzhou-unit-hall-training.txt PART4.2): one row
  per line and payment type with 个人缴费金额, 单位缴费金额, 利息, 滞纳金, 其他缴费金额, 金额;
  小计, 核定征集总额 and its capitals, 制表日期;
* ``levy``: the 医疗保障基金征缴通知单 (hebei-qianan-unit-hall-procedures.txt): per line, one row
  per payment type and run of months with the same persons and bases: 缴费类型, 费款所属期,
  缴费人数, 单位缴费基数, 单位应缴金额, 个人缴费基数, 个人实缴金额; 应缴总额 and its capitals;
* ``generic`` (any other region): line, payment type, periods, persons, person, unit, amount.

The book keeps no interest, late fee or other amount, so those columns print 0.00.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from medins_core.book.book import Book
from medins_core.book.errors import BookRefusal
from medins_core.book.models import AssessmentRow, NoticeRow
from medins_core.book.regions import rules_of
from medins_core.documents.document import (
    Document,
    NetLine,
    capitals,
    line_name,
    line_order,
    net_lines,
    persons_with_amount,
    span_text,
    spans_text,
    unit_header,
)
from medins_core.money import fen_text
from medins_core.period import Period

LAYOUTS = ("collection", "levy", "generic")
#: How each layout names the payment types, as its notice prints them.
TYPE_NAMES: dict[str, dict[str, str]] = {
    # jiangsu-suzhou-unit-hall-training.txt PART4.2: 正常应缴 (back-pay is not shown there)
    "collection": {"regular": "正常应缴", "backpay": "补缴"},
    # hebei-qianan-unit-hall-procedures.txt 河北省医疗保障基金征缴通知单: 当期应缴, 补欠(预)缴费
    "levy": {"regular": "当期应缴", "backpay": "补欠(预)缴费"},
    "generic": {"regular": "正常应缴", "backpay": "补缴"},
}
TITLES = {"collection": "征集缴费通知单", "levy": "{province}医疗保障基金征缴通知单", "generic": "缴费通知单"}
_TYPES = ("regular", "backpay")


def layout_of(book: Book, region: str) -> str:
    """The notice layout the region's rules choose; ``generic`` when they choose none."""
    rule = rules_of(book.registry, region).rule("notice_layout")
    return str(rule.value) if rule is not None else "generic"


def payment_notice(
    book: Book, uscc: str, notice_id: int | None = None, *, printed: datetime.date, layout: str | None = None
) -> Document:
    """The document of notice ``notice_id`` of the unit (its latest notice when None).

    Refused with ``unknown_unit``, ``unknown_notice`` (not this unit's, or none yet), or
    ``empty_notice`` when the notice nets to no line at all.
    """
    with book.transaction() as session:
        unit = book.unit(session, uscc)
        query = select(NoticeRow).where(NoticeRow.unit_id == unit.id)
        query = query.where(NoticeRow.id == notice_id) if notice_id is not None else query.order_by(NoticeRow.id.desc())
        row = session.scalars(query.limit(1)).first()
        if row is None:
            which = f"缴费通知单 {notice_id}" if notice_id is not None else "任何缴费通知单"
            raise BookRefusal("unknown_notice", f"单位 {uscc} 没有{which}")
        rules = book.rules(unit)
        lines = net_lines(session, AssessmentRow.notice_id == row.id)
        ids = list(session.scalars(select(AssessmentRow.id).where(AssessmentRow.notice_id == row.id).order_by(AssessmentRow.id)))
        if not any(ln.amount for ln in lines):
            raise BookRefusal("empty_notice", f"缴费通知单 {row.id} 没有应缴金额，不打印空白通知单")
        chosen = layout or layout_of(book, unit.region)
        if chosen not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {chosen!r}")
        names = TYPE_NAMES[chosen]
        groups: dict[tuple[str, str], list[NetLine]] = defaultdict(list)
        for ln in lines:
            groups[(ln.insurance, ln.payment_type)].append(ln)
        order = line_order(rules, (code for code, _ in groups))
        keys = [(code, kind) for code in order for kind in _TYPES if (code, kind) in groups]
        rows = [_row(line_name(rules, code), names[kind], groups[(code, kind)]) for code, kind in keys]
        data: dict[str, Any] = {
            **unit_header(unit, rules, printed), "notice": row.id, "assessments": ids,
            "created": row.created.date().isoformat(), "periods": spans_text(ln.period for ln in lines),
            "rows": [r for r in rows if r["amount"] != "0.00"],
            "person_amount": fen_text(sum(ln.person_amount for ln in lines)),
            "unit_amount": fen_text(sum(ln.unit_amount for ln in lines)),
            "lines_total": fen_text(sum(ln.amount for ln in lines)),
            "total": fen_text(row.total_fen), "total_upper": capitals(row.total_fen),
        }  # fmt: skip
        if chosen == "levy":
            data["groups"] = [
                {"insurance": code, "name": line_name(rules, code), "rows": _levy_rows(names, code, groups)}
                for code in order if any(ln.amount for kind in _TYPES for ln in groups.get((code, kind), []))
            ]  # fmt: skip
        title = TITLES[chosen].format(province=rules.province)
        return Document("notice", f"notice_{chosen}", title, data)


def _row(name: str, type_name: str, lines: list[NetLine]) -> dict[str, Any]:
    """One line × payment type of the notice: persons, bases and amounts over its months."""
    return {
        "insurance": lines[0].insurance, "name": name, "payment_type": lines[0].payment_type,
        "type_name": type_name, "periods": spans_text(ln.period for ln in lines),
        "persons": persons_with_amount(lines),
        "person_amount": fen_text(sum(ln.person_amount for ln in lines)),
        "unit_amount": fen_text(sum(ln.unit_amount for ln in lines)),
        "interest": "0.00", "late_fee": "0.00", "other": "0.00",
        "amount": fen_text(sum(ln.amount for ln in lines)),
    }  # fmt: skip


def _levy_rows(names: dict[str, str], code: str, groups: dict[tuple[str, str], list[NetLine]]) -> list[dict[str, Any]]:
    """The levy layout's rows of one line: per payment type, one row per run of months with
    the same persons and base totals (bases are monthly, as the Hebei notice prints them);
    a payment type with nothing due prints one row of dashes."""
    out: list[dict[str, Any]] = []
    for kind in _TYPES:
        lines = [ln for ln in groups.get((code, kind), []) if ln.amount]
        if not lines:
            out.append({"type_name": names[kind], "periods": None})
            continue
        by_month: dict[str, list[NetLine]] = defaultdict(list)
        for ln in lines:
            by_month[ln.period].append(ln)

        def shape(period: str) -> tuple[int, int, int]:
            month = by_month[period]
            return (persons_with_amount(month), sum(ln.unit_base for ln in month), sum(ln.person_base for ln in month))

        runs: list[list[str]] = []
        for period in sorted(by_month):
            last = runs[-1][-1] if runs else None
            if last is not None and str(Period.parse(last) + 1) == period and shape(last) == shape(period):
                runs[-1].append(period)
            else:
                runs.append([period])
        for run in runs:
            persons, unit_base, person_base = shape(run[0])
            chosen = [ln for p in run for ln in by_month[p]]
            out.append({
                "type_name": names[kind], "periods": span_text(run[0], run[-1]), "persons": persons,
                "unit_base": fen_text(unit_base), "unit_amount": fen_text(sum(ln.unit_amount for ln in chosen)),
                "person_base": fen_text(person_base), "person_amount": fen_text(sum(ln.person_amount for ln in chosen)),
            })  # fmt: skip
    return out
