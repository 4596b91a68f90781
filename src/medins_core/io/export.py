"""An assessment as the portals print it: the payment notice and the roster, as XLSX.

The notice follows the Suzhou 征集缴费通知单 (jiangsu-suzhou-unit-hall-training.txt PART4.2 (3))
and the Hebei 征缴通知单 (hebei-qianan-unit-hall-procedures.txt 缴费通知单打印): unit and period
on top, a row per insurance line with the person and unit amounts, the subtotal, and the total
in figures and in capitals (the same content as :func:`medins_core.render.notice`). The roster
lists one row per person, line and month with the columns of the Jiangsu 职工缴费明细 export
(jiangsu-unit-hall-user-manual.txt 3.9) after the person columns of the Hebei 单位职工花名册.

Amounts are numbers with two decimals; certificate numbers are text, in full (data, not a
message). Files are written atomically.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path

from medins_core.assessment import Assessment
from medins_core.errors import OutputError
from medins_core.io.limits import EXCEL_ROWS
from medins_core.io.xlsx import Column, Kind, Sheet, Value, write_xlsx

__all__ = ["NOTICE_HEADER", "ROSTER_HEADER", "write_notice_xlsx", "write_roster_xlsx"]

#: The columns of the notice's table (as :func:`medins_core.render.notice`).
NOTICE_HEADER = ("序号", "险种类型", "缴费类型", "缴费人数", "个人缴费金额", "单位缴费金额", "金额")

#: The columns of the roster sheet.
ROSTER_HEADER = (
    "序号", "人员编号", "证件号码", "姓名", "费款所属期", "险种", "缴费类型",
    "单位缴费基数", "个人缴费基数", "单位应缴金额", "个人应缴金额", "划拨总金额",
)  # fmt: skip


def _span(assessment: Assessment) -> str:
    periods = assessment.periods
    return str(periods[0]) if len(periods) == 1 else f"{periods[0]}-{periods[-1]}"


def write_notice_xlsx(
    assessment: Assessment, path: str | Path, *, unit_name: str = "", unit_no: str = ""
) -> None:
    """Write the payment notice (缴费通知单) of ``assessment`` to ``path``.

    Lines with nothing due are left out, as on the printed notices; warnings of the
    assessment (provisional rates, unknown base limits) follow the total, so a printed notice
    does not hide them.
    """
    due = [t for t in assessment.totals if t.amount]
    rows: list[Sequence[Value]] = [
        ["缴费通知单"],
        ["单位名称:", unit_name, "", "", "费款所属期:", _span(assessment)],
        ["单位编号:", unit_no, "", "", "统筹区:", f"{assessment.region_name}({assessment.region})"],
        list(NOTICE_HEADER),
    ]
    for number, total in enumerate(due, start=1):
        rows.append([
            number, total.name, assessment.payment_type.zh, total.persons,
            total.person_amount, total.unit_amount, total.amount,
        ])  # fmt: skip
    person = sum((t.person_amount for t in assessment.totals), Decimal(0))
    unit = sum((t.unit_amount for t in assessment.totals), Decimal(0))
    rows.append(["小计:", "", "", "", person, unit, assessment.total])
    rows.append([])
    rows.append(["核定征集总额:", "", "", "", "", "", assessment.total])
    rows.append(["核定征集总额(大写):", "", assessment.total_upper])
    for warning in assessment.warnings:
        rows.append([f"注意 [{warning.code}] {warning.message}"])
    table_row = 4
    subtotal = table_row + len(due) + 1
    columns = (
        Column("序号", Kind.GENERAL, 10), Column("险种类型", Kind.TEXT, 24), Column("缴费类型", Kind.TEXT, 12),
        Column("缴费人数", Kind.INTEGER, 10), Column("个人缴费金额", Kind.MONEY, 16),
        Column("单位缴费金额", Kind.MONEY, 16), Column("金额", Kind.MONEY, 16),
    )  # fmt: skip
    sheet = Sheet(
        "缴费通知单",
        rows,
        columns,
        bold_rows=frozenset({1, table_row, subtotal, subtotal + 2, subtotal + 3}),
        freeze=0,
        merges=("A1:G1", f"C{subtotal + 3}:G{subtotal + 3}"),
        fit_width=True,
    )
    write_xlsx(path, [sheet])


def write_roster_xlsx(
    assessment: Assessment, path: str | Path, *, unit_name: str = "", unit_no: str = ""
) -> None:
    """Write the roster (花名册) of ``assessment`` to ``path``: one row per person, line and month.

    The header is on row 1 so that the sheet can be filtered and read back; the unit, the
    period and the totals per line are on a second sheet 汇总. More lines than an Excel
    sheet holds (:data:`~medins_core.io.limits.EXCEL_ROWS`) are refused before anything is
    written (``too_many_rows``); use ``medins assess --format csv`` for those.
    """
    count = assessment.line_count  # counted on the columns: no line is built to be refused
    if count + 1 > EXCEL_ROWS:
        raise OutputError(
            "too_many_rows",
            f"明细共 {count} 行，超过 Excel 工作表 {EXCEL_ROWS} 行的上限；"
            "请分批导出或用 medins assess --format csv",
            file=str(path),
        )

    def lines() -> Iterator[Sequence[Value]]:
        yield list(ROSTER_HEADER)
        names = {t.insurance: t.name for t in assessment.totals}
        for number, line in enumerate(assessment.lines, start=1):
            yield [
                number, line.person_no or "", line.cert_no, line.name, str(line.period),
                names.get(line.insurance, line.insurance), assessment.payment_type.zh,
                line.unit_base, line.person_base, line.unit_amount, line.person_amount,
                line.account_transfer,
            ]  # fmt: skip

    kinds = (Kind.INTEGER, Kind.TEXT, Kind.TEXT, Kind.TEXT, Kind.TEXT, Kind.TEXT, Kind.TEXT) + (
        Kind.MONEY,
    ) * 5
    widths = (8, 30, 22, 12, 12, 20, 10, 14, 14, 14, 14, 14)
    roster = Sheet(
        "花名册", lines(), tuple(Column(t, k, w) for t, k, w in zip(ROSTER_HEADER, kinds, widths))
    )
    summary: list[Sequence[Value]] = [
        ["单位名称", unit_name],
        ["单位编号", unit_no],
        ["统筹区", f"{assessment.region_name}({assessment.region})"],
        ["费款所属期", _span(assessment)],
        ["缴费类型", assessment.payment_type.zh],
        ["缴费人数", assessment.persons],
        [],
        [
            "险种",
            "缴费人数",
            "单位缴费基数",
            "单位应缴金额",
            "个人缴费基数",
            "个人应缴金额",
            "金额",
        ],
    ]
    for total in assessment.totals:
        summary.append([
            total.name, total.persons, total.unit_base, total.unit_amount,
            total.person_base, total.person_amount, total.amount,
        ])  # fmt: skip
    summary.append(["合计", "", "", "", "", "", assessment.total])
    summary.append(["合计(大写)", assessment.total_upper])
    summary_columns = (Column("", Kind.TEXT, 24), Column("", Kind.GENERAL, 16)) + (
        Column("", Kind.MONEY, 16),
    ) * 5
    write_xlsx(
        path,
        [
            roster,
            Sheet(
                "汇总",
                summary,
                summary_columns,
                bold_rows=frozenset({8, len(summary) - 1}),
                freeze=0,
            ),
        ],
    )
