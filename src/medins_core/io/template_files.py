"""Template files: a file's header matched to a :class:`~medins_core.io.templates.Template`,
its cells read as the template's formats, and templates written as XLSX with a 填写说明 sheet."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from medins_core.errors import FileProblems, InputError
from medins_core.io.table import Table
from medins_core.io.templates import REASON_TITLE, SIZE_NOTE, TEXT_FMT, Template, TemplateColumn
from medins_core.io.xlsx import Column, Kind, Sheet, Value, write_xlsx
from medins_core.money import to_money


class HeaderError(FileProblems):
    """Row 1 of a file is not the template's header; :attr:`problems` lists each fault."""


_HINT = re.compile(r"\s*[(（].*$")


def match_header(table: Table, template: Template) -> dict[str, int]:
    """Map each template field to its column index in ``table``; raises :class:`HeaderError`.

    A header cell names a column by any of its titles, or by its title followed by a hint in
    brackets (``性别(…)``). Unknown and repeated columns and missing required columns are
    errors; the failure list's :data:`REASON_TITLE` column is ignored.
    """
    by_title = {title: column for column in template.columns for title in column.titles()}
    found: dict[str, int] = {}
    problems: list[InputError] = []
    for index, title in enumerate(table.header):
        if not title or title == REASON_TITLE:
            continue
        column = by_title.get(title) or by_title.get(_HINT.sub("", title))
        if column is None:
            problems.append(
                _header_error(
                    "unknown_column",
                    f"无法识别的列「{title}」，不是{template.name}的列",
                    table,
                    title,
                )
            )
        elif column.field in found:
            problems.append(_header_error("duplicate_column", f"列「{title}」重复", table, title))
        else:
            found[column.field] = index
    for column in template.columns:
        if column.required and column.field not in found:
            problems.append(
                _header_error("missing_column", f"缺少必填列「{column.title}」", table, None)
            )
    if problems:
        raise HeaderError(table.file, problems)
    return found


def _header_error(code: str, message: str, table: Table, column: str | None) -> InputError:
    return InputError(code, message, file=table.file, row=1, column=column)


_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{4})(\d{2})(\d{2})", re.ASCII)


def parse_date(text: str) -> datetime.date | None:
    """A date written ``2022/09/01``, ``2022-9-1``, ``2022.09.01`` or ``20220901``; else None."""
    m = _DATE.fullmatch(text.strip())
    if m is None:
        return None
    year, month, day = (m[1], m[2], m[3]) if m[1] else (m[4], m[5], m[6])
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


# --- writing ------------------------------------------------------------------------------


def _typed(column: TemplateColumn, text: str) -> Value:
    """A cell's text as the value to write: a real date or amount where the column has one."""
    if not text:
        return None
    if column.kind is Kind.DATE:
        day = parse_date(text)
        return day if day is not None else text
    if column.kind is Kind.MONEY:
        try:
            return to_money(text)
        except InputError:
            return text
    return text


# Columns whose values are wider than their titles.
_WIDTHS = {"cert_type": 20, "cert_no": 22, "person_no": 32, "unit_no": 30, "mobile": 15}


def _width(column: TemplateColumn) -> float:
    title = sum(2 if ord(ch) > 0x2E80 else 1 for ch in column.header) + 2
    return min(40, max(12, title, _WIDTHS.get(column.field, 0)))


def template_sheets(
    template: Template,
    rows: Iterable[Mapping[str, str]] = (),
    *,
    reasons: bool = False,
    region: str = "",
) -> list[Sheet]:
    """The data sheet and the 填写说明 sheet of ``template``, with ``rows`` (field → text).

    With ``reasons`` a :data:`REASON_TITLE` column follows, filled from each row's
    ``"reason"`` entry (a failure list).
    """
    columns = tuple(Column(c.header, c.kind, _width(c), c.choices) for c in template.columns)
    if reasons:
        columns += (Column(REASON_TITLE, Kind.TEXT, width=60),)
    fields = template.columns

    def data() -> Iterable[Sequence[Value]]:
        yield [c.title for c in columns]
        for row in rows:
            values: list[Value] = [_typed(c, row.get(c.field, "")) for c in fields]
            if reasons:
                values.append(row.get("reason", ""))
            yield values

    notes_header = ("列名", "是否必填", "默认值", "格式", "可选值", "说明", "来源")
    defaults = {"today": "当前日期", "this_month": "当月"}
    notes: list[Sequence[Value]] = [
        [
            (
                f"{template.name}{'（' + region + '）' if region else ''}：第 1 行表头不可修改，"
                "从第 2 行开始填写；除注明可不填的列外均为必填；日期格式 YYYY/MM/DD；"
                + SIZE_NOTE.get(template.kind, SIZE_NOTE[""])
            )
        ],
        [f"来源: {template.source}"],
    ]
    if template.same_start:
        notes.append(
            [
                f"同一批次的人员须为同一参保险种、同一参保时间，否则请分批上传。来源: {template.same_start_source}"
            ]
        )
    notes.append(list(notes_header))
    for c in template.columns:
        notes.append([
            c.header, "是" if c.required else "否", defaults.get(c.default, c.default), c.fmt,
            "、".join(c.choices), c.note, c.source,
        ])  # fmt: skip
    if reasons:
        notes.append(
            [
                REASON_TITLE,
                "否",
                "",
                TEXT_FMT,
                "",
                "medins 检查未通过的原因；修改后可删除此列再上传",
                "",
            ]
        )
    header_row = len(notes) - len(template.columns) - (1 if reasons else 0)
    notes_columns = (
        Column("列名", Kind.WRAP, 24), Column("是否必填", Kind.TEXT, 9), Column("默认值", Kind.TEXT, 10),
        Column("格式", Kind.WRAP, 16), Column("可选值", Kind.WRAP, 40), Column("说明", Kind.WRAP, 40),
        Column("来源", Kind.WRAP, 50),
    )  # fmt: skip
    return [
        Sheet(template.name[:31], data(), columns),
        Sheet(
            "填写说明",
            notes,
            notes_columns,
            bold_rows=frozenset({header_row}),
            freeze=0,
            merges=tuple(f"A{row}:G{row}" for row in range(1, header_row)),
        ),
    ]


def write_template(
    template: Template,
    path: str | Path,
    rows: Iterable[Mapping[str, str]] = (),
    *,
    reasons: bool = False,
    region: str = "",
) -> None:
    """Write ``template`` (with ``rows``, if any) to ``path`` as XLSX, atomically."""
    write_xlsx(path, template_sheets(template, rows, reasons=reasons, region=region))


