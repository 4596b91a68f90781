"""The unit's year statement (年度缴费对账单): months × lines, headcount and amounts, with a chart.

Figures are the book's stored lines of the year's periods, every revision netted (a reversed
back-pay counts nothing), whatever notice they are on. The chart (bars: the month's amount;
dots: its headcount) is drawn by the template as inline SVG from the geometry computed here,
in whole SVG units from integer fen: no float touches an amount.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from medins_core.book.book import Book
from medins_core.book.errors import BookRefusal
from medins_core.book.models import AssessmentRow, LineRow
from medins_core.documents.document import Document, NetLine, line_name, line_order, net_lines, unit_header
from medins_core.money import fen_text

#: The chart's size and plot area, in SVG units (1 unit ≈ 0.26 mm at the printed width).
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 1000, 200, 90, 60, 14, 34


def year_statement(book: Book, uscc: str, year: int, *, printed: datetime.date) -> Document:
    """The statement of ``year``; ``nothing_assessed`` when the book holds no amount for it."""
    if not 1900 <= year <= 2200:
        raise BookRefusal("invalid_year", f"年份不正确: {year}")
    with book.transaction() as session:
        unit = book.unit(session, uscc)
        rules = book.rules(unit)
        lines = net_lines(
            session, AssessmentRow.unit_id == unit.id,
            LineRow.period >= f"{year}01", LineRow.period <= f"{year}12",
        )  # fmt: skip
        if not any(ln.amount for ln in lines):
            raise BookRefusal("nothing_assessed", f"单位 {uscc} 在 {year} 年没有核定金额，不出具年度对账单")
        by_month: dict[str, list[NetLine]] = defaultdict(list)
        for ln in lines:
            by_month[ln.period].append(ln)
        codes = [c for c in line_order(rules, (ln.insurance for ln in lines))
                 if any(ln.amount for ln in lines if ln.insurance == c)]  # fmt: skip
        months = [_month(f"{year}{m:02d}", by_month.get(f"{year}{m:02d}", []), codes) for m in range(1, 13)]
        data: dict[str, Any] = {
            **unit_header(unit, rules, printed), "year": year,
            "lines": [{"insurance": c, "name": line_name(rules, c)} for c in codes],
            "months": months,
            "totals": {
                "by_line": [fen_text(sum(ln.amount for ln in lines if ln.insurance == c)) for c in codes],
                "unit_amount": fen_text(sum(ln.unit_amount for ln in lines)),
                "person_amount": fen_text(sum(ln.person_amount for ln in lines)),
                "amount": fen_text(sum(ln.amount for ln in lines)),
            },
            "chart": chart([sum(ln.amount for ln in by_month.get(m["period"], [])) for m in months],
                           [m["persons"] for m in months]),
        }  # fmt: skip
        return Document("statement", "statement", f"{year}年度单位缴费对账单", data)


def _month(period: str, lines: list[NetLine], codes: list[str]) -> dict[str, Any]:
    return {
        "period": period,
        "persons": len({ln.person_id for ln in lines if ln.amount}),
        "by_line": [fen_text(sum(ln.amount for ln in lines if ln.insurance == c)) for c in codes],
        "unit_amount": fen_text(sum(ln.unit_amount for ln in lines)),
        "person_amount": fen_text(sum(ln.person_amount for ln in lines)),
        "amount": fen_text(sum(ln.amount for ln in lines)),
    }


def chart(amounts: list[int], persons: list[int]) -> dict[str, Any]:
    """The chart's geometry: a bar per month scaled to the largest amount (fen), a dot per
    month scaled to the largest headcount; negative months draw no bar."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w // len(amounts)
    top_amount, top_persons = max(max(amounts), 1), max(max(persons), 1)
    bars, dots = [], []
    for i, (amount, count) in enumerate(zip(amounts, persons)):
        x = LEFT + i * step
        height = max(amount, 0) * plot_h // top_amount
        bars.append({"x": x + step // 5, "y": TOP + plot_h - height, "w": step * 3 // 5, "h": height,
                     "label": f"{i + 1}月", "label_x": x + step // 2})  # fmt: skip
        if count or amount:  # a month without figures draws no dot
            dots.append({"x": x + step // 2, "y": TOP + plot_h - count * plot_h // top_persons, "persons": count})
    return {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "top": TOP, "right": WIDTH - RIGHT,
        "bottom": TOP + plot_h, "bars": bars, "dots": dots,
        "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "max_amount": fen_text(top_amount) if max(amounts) > 0 else "0.00", "max_persons": max(persons),
    }  # fmt: skip
