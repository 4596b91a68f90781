"""Text renderings of results for the terminal: aligned tables, the payment notice, CSV lines.

JSON is :meth:`~medins_core.assessment.Assessment.to_json`; these are for people.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import TextIO

from medins_core.assessment import Assessment
from medins_core.money import format_yuan


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, numeric: Sequence[bool] = ()) -> str:
    """An aligned plain-text table; columns flagged in ``numeric`` are right-aligned."""
    widths = [max(display_width(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    flags = list(numeric) + [False] * (len(header) - len(numeric))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(pad(str(c), w, right=f) for c, w, f in zip(cells, widths, flags)).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def notice(assessment: Assessment, *, unit_name: str = "", unit_no: str = "") -> str:
    """The payment notice (缴费通知单) as the portals lay it out: one row per insurance line with
    an amount due, the subtotal, and the total in figures and in capitals."""
    periods = assessment.periods
    span = str(periods[0]) if len(periods) == 1 else f"{periods[0]}-{periods[-1]}"
    rows = [
        [str(i), t.name, assessment.payment_type.zh, str(t.persons), format_yuan(t.person_amount),
         format_yuan(t.unit_amount), format_yuan(t.amount)]
        for i, t in enumerate((t for t in assessment.totals if t.amount), start=1)
    ]
    person = sum((t.person_amount for t in assessment.totals), Decimal(0))
    unit = sum((t.unit_amount for t in assessment.totals), Decimal(0))
    rows.append(["小计", "", "", "", format_yuan(person), format_yuan(unit), format_yuan(assessment.total)])
    header = ["序号", "险种类型", "缴费类型", "缴费人数", "个人缴费金额", "单位缴费金额", "金额"]
    lines = [
        "缴费通知单",
        f"统筹区: {assessment.region_name}({assessment.region})    费款所属期: {span}",
    ]
    if unit_name or unit_no:
        lines.append(f"单位名称: {unit_name}    单位编号: {unit_no}")
    lines += [
        "",
        table(header, rows, numeric=[False, False, False, True, True, True, True]),
        "",
        f"核定征集总额: {format_yuan(assessment.total)}",
        f"核定征集总额(大写): {assessment.total_upper}",
    ]
    return "\n".join(lines)


def warnings(assessment: Assessment) -> str:
    """The result's warnings, one per line, or an empty string."""
    return "\n".join(f"注意 [{w.code}] {w.message}" for w in assessment.warnings)


LINE_FIELDS = (
    "cert_no", "name", "person_no", "insurance", "period", "unit_base", "unit_amount",
    "person_base", "person_amount", "account_transfer",
)
#: The text fields of a CSV line; the others are amounts, written as numbers (a negative
#: amount stays ``-12.34``, so a spreadsheet still sums it).
TEXT_FIELDS = frozenset(LINE_FIELDS[:5])
#: First characters that make a spreadsheet read a cell as a formula (or hide one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """A text cell safe to open in a spreadsheet: one starting as a formula gets a ``'``.

    ``=1+1`` becomes ``'=1+1``, so Excel and WPS show it as text instead of running it
    (CSV formula injection). Used for the text fields of every CSV medins writes; amounts
    are never passed through it.
    """
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def write_lines_csv(assessment: Assessment, stream: TextIO) -> None:
    """Every line of the assessment as CSV (the same fields as the JSON ``lines``); text
    fields are neutralised with :func:`csv_text`."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(LINE_FIELDS)
    for line in assessment.lines:
        data = line.to_json()
        writer.writerow([
            "" if data[f] is None else csv_text(str(data[f])) if f in TEXT_FIELDS else data[f]
            for f in LINE_FIELDS
        ])
