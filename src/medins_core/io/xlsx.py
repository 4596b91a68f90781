"""Write XLSX files with XlsxWriter: formula-free, streaming, and complete or not at all.

The files medins hands to people (templates, failure lists, rosters and payment notices) are
written by XlsxWriter in its ``constant_memory`` mode: one row is kept in memory at a time, so
100,000 rows cost no more memory than ten. This module adds the rules medins needs on top:

* every string goes through ``write_string``, never ``write``, and the workbook is opened with
  ``strings_to_formulas`` off: a cell that begins with ``=``, ``+``, ``-`` or ``@`` is text in
  Excel and WPS, and no sheet has an ``<f>`` element;
* numbers are written only from ``int`` and ``Decimal`` (a float is refused, as everywhere in
  medins), and only when the file holds them exactly, so ID and phone numbers passed as text
  stay text, leading zeros included;
* a value XlsxWriter would drop or change (a row or column past Excel's grid, text over
  32,767 characters) is an error, not a silently different file.

Files are written to a temporary file in the target's folder and renamed over the target only
when complete (:func:`atomic_output`).
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from medins_core.io.cells import column_letter_of as column_letter
from medins_core.io.output import atomic_output, private_tempdir

__all__ = ["Column", "Kind", "Sheet", "Value", "atomic_output", "column_letter", "write_xlsx"]

Value = str | int | Decimal | datetime.date | None
"""What a cell may hold. ``None`` and ``""`` leave the cell empty."""


class Kind(str, enum.Enum):
    """How a column's cells are formatted (also for cells a user types in later)."""

    TEXT = "text"  # number format @: what is typed stays text (IDs, phone numbers)
    DATE = "date"  # YYYY/MM/DD, as the portals' templates ask
    MONEY = "money"  # two decimals
    INTEGER = "integer"
    GENERAL = "general"
    WRAP = "wrap"  # general, wrapped: long explanations


@attrs.frozen
class Column:
    """A column: its title, format, width (None: from the title) and drop-down choices."""

    title: str
    kind: Kind = Kind.TEXT
    width: float | None = None
    choices: tuple[str, ...] = ()


@attrs.frozen(eq=False)
class Sheet:
    """A worksheet to write.

    ``rows`` (read once, may be a generator) are written from row 1; ``columns`` give the
    format of each column by position. Rows in ``bold_rows`` (1-based) are bold, the first
    ``freeze`` rows stay in view when scrolling, and drop-down lists apply from row
    ``validate_from`` down. ``merges`` are ranges such as ``"A1:G1"``.
    """

    name: str
    rows: Iterable[Sequence[Value]]
    columns: tuple[Column, ...] = ()
    bold_rows: frozenset[int] = frozenset({1})
    freeze: int = 1
    validate_from: int = 2
    merges: tuple[str, ...] = ()
    hidden: bool = False
    fit_width: bool = False


_EXCEL_ROWS = 1_048_576
_FONT = {"font_name": "宋体", "font_size": 11, "font_charset": 134}  # 134: GB2312
# Built-in number formats by index (49 is @, 2 is 0.00, 1 is 0), as Excel itself writes them.
_FORMATS: dict[Kind, dict[str, object]] = {
    Kind.TEXT: {"num_format": 49},
    Kind.DATE: {"num_format": "yyyy/mm/dd"},
    Kind.MONEY: {"num_format": 2},
    Kind.INTEGER: {"num_format": 1},
    Kind.GENERAL: {},
    Kind.WRAP: {"text_wrap": True, "valign": "top"},
}
# XlsxWriter writes numbers with 16 significant digits; larger ints would be rounded.
_EXACT_INT = 2**53
_OPTIONS = {
    "constant_memory": True,  # stream: rows go to a temporary file as they are written
    "strings_to_formulas": False,  # write_string is used anyway; this is a second lock
    "strings_to_numbers": False,
    "strings_to_urls": False,
}

_Formats = dict[tuple[Kind, bool], Any]


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _write_value(worksheet: Any, row: int, col: int, value: Value, style: Any) -> int:
    """Write one value that is not a plain ``str``; XlsxWriter's return code (0 when written)."""
    if isinstance(value, str):  # a str subclass, such as a str enum
        return int(worksheet.write_string(row, col, str.__str__(value), style)) if value else 0
    if isinstance(value, (bool, float)):
        raise TypeError(
            f"{type(value).__name__} is not written to a spreadsheet: {value!r}; pass str, int or Decimal"
        )
    if isinstance(value, int):
        if abs(value) > _EXACT_INT:
            raise ValueError(f"integer too large to write exactly: {value}; pass it as text")
        return int(worksheet.write_number(row, col, value, style))
    if isinstance(value, Decimal):
        if not value.is_finite() or Decimal(f"{value:.16G}") != value:
            raise ValueError(f"cannot write {value} to a spreadsheet exactly; pass it as text")
        return int(worksheet.write_number(row, col, value, style))
    if isinstance(value, datetime.datetime):
        raise TypeError(f"datetime is not written to a spreadsheet: {value!r}; pass a date")
    if isinstance(value, datetime.date):
        return int(worksheet.write_datetime(row, col, value, style))
    raise TypeError(f"{type(value).__name__} is not written to a spreadsheet: {value!r}")


def _write_sheet(
    worksheet: Any, sheet: Sheet, formats: _Formats, lists: dict[tuple[str, ...], str]
) -> None:
    """Set up ``worksheet`` as ``sheet`` says and stream its rows into it, in order."""
    columns = sheet.columns
    widths = [
        column.width or min(60, max(10, _display_width(column.title) + 2)) for column in columns
    ]
    for i, (column, width) in enumerate(zip(columns, widths)):
        worksheet.set_column(i, i, width, formats[column.kind, False])
    if sheet.freeze:
        worksheet.freeze_panes(sheet.freeze, 0)
    if sheet.fit_width:
        worksheet.set_landscape()
        worksheet.set_paper(9)  # A4
        worksheet.fit_to_pages(1, 0)
    if sheet.hidden:
        worksheet.hide()
    # Merges are declared before any row: constant_memory refuses ranges on rows already
    # written. No value and no format, so no cell is written; the rows fill the range.
    for ref in sheet.merges:
        if worksheet.merge_range(ref, None) != 0:
            raise ValueError(f"invalid merge range {ref!r} in sheet {sheet.name!r}")
    for i, column in enumerate(columns):
        if column.choices and worksheet.data_validation(
            sheet.validate_from - 1, i, _EXCEL_ROWS - 1, i,
            {"validate": "list", "source": f"={lists[column.choices]}",
             "error_title": "输入有误", "error_message": "请从下拉列表中选择"},
        ):  # fmt: skip
            raise ValueError(f"invalid drop-down list in sheet {sheet.name!r}")

    wrapped = [i for i, column in enumerate(columns) if column.kind is Kind.WRAP]
    spans = _merged_widths(sheet.merges, widths) if wrapped else {}
    plain = [formats[c.kind, False] for c in columns]
    bold = [formats[c.kind, True] for c in columns]
    count = len(columns)
    write_string = worksheet.write_string
    for r, values in enumerate(sheet.rows):
        if r >= _EXCEL_ROWS:
            raise ValueError(
                f"sheet {sheet.name!r} has more rows than Excel allows ({_EXCEL_ROWS})"
            )
        is_bold = r + 1 in sheet.bold_rows
        styles = bold if is_bold else plain
        fallback = formats[Kind.GENERAL, is_bold]
        for i, value in enumerate(values):
            style = styles[i] if i < count else fallback
            # strings are nearly every cell: test for them first
            if type(value) is str:
                if not value:
                    continue
                result = write_string(r, i, value, style)
            elif value is None:
                continue
            else:
                result = _write_value(worksheet, r, i, value, style)
            if result:  # -1: outside Excel's grid; -2: text truncated to 32,767 characters
                raise ValueError(
                    f"cannot write cell {column_letter(i)}{r + 1} of sheet {sheet.name!r}: "
                    + ("outside Excel's grid" if result == -1 else "text over 32,767 characters")
                )
        if wrapped:
            lines = _lines(values, r, wrapped, widths, spans)
            if lines > 1:
                worksheet.set_row(r, 15 * lines)


def _merged_widths(merges: Sequence[str], widths: Sequence[float]) -> dict[tuple[int, int], float]:
    """The width of each merged range, by 0-based (row, column) of its top-left cell."""
    from xlsxwriter.utility import xl_cell_to_rowcol  # type: ignore[import-untyped]

    spans = {}
    for ref in merges:
        first, _, last = ref.partition(":")
        row, first_col = xl_cell_to_rowcol(first)
        _, last_col = xl_cell_to_rowcol(last or first)
        spans[(row, first_col)] = sum(widths[first_col : last_col + 1]) or 10
    return spans


def _lines(
    row: Sequence[Value],
    number: int,
    wrapped: Sequence[int],
    widths: Sequence[float],
    spans: dict[tuple[int, int], float],
) -> int:
    """How many lines of text a row needs to show all of its wrapped cells.

    Excel fits such rows itself, other spreadsheets (LibreOffice, WPS) do not, so the height
    is estimated from the text's width: a CJK character is two units of column width.
    """
    lines = 1
    for i in wrapped:
        value = row[i] if i < len(row) else None
        if isinstance(value, str) and value:
            width = max(spans.get((number, i), widths[i]) - 1, 1)
            needed = sum(-(-_display_width(part) // width) or 1 for part in value.split("\n"))
            lines = max(lines, int(needed))
    return lines


def _choice_lists(sheets: Sequence[Sheet]) -> tuple[dict[tuple[str, ...], str], Sheet | None]:
    """Drop-down lists go to a hidden sheet, one column each, named medins_list_N.

    A list on a sheet (not inline in the validation) has no 255-character limit, which the
    56 ethnic groups would pass.
    """
    lists: dict[tuple[str, ...], str] = {}
    for sheet in sheets:
        for column in sheet.columns:
            if column.choices and column.choices not in lists:
                lists[column.choices] = f"medins_list_{len(lists) + 1}"
    if not lists:
        return {}, None
    names = {sheet.name.casefold() for sheet in sheets}  # Excel ignores case in sheet names
    name = "选项"
    while name.casefold() in names:
        name += "_"
    longest = max(len(c) for c in lists)
    rows = [[choices[i] if i < len(choices) else None for choices in lists] for i in range(longest)]
    return lists, Sheet(
        name,
        rows,
        columns=tuple(Column("", Kind.TEXT) for _ in lists),
        bold_rows=frozenset(),
        freeze=0,
        hidden=True,
    )


def write_xlsx(path: str | Path, sheets: Sequence[Sheet]) -> None:
    """Write ``sheets`` to ``path`` as one workbook, atomically (see :func:`atomic_output`).

    The first sheet is the one shown on opening. Drop-down lists are kept on an extra hidden
    sheet. Raises ``ValueError`` for a bad or repeated sheet name (as Excel sees it: case is
    ignored) and for a value the file cannot hold exactly, and ``TypeError`` for a value that
    is not a :data:`Value`; the target is then left as it was.
    """
    if not sheets or sheets[0].hidden:
        raise ValueError("a workbook needs a visible first sheet")
    if not all(sheet.name for sheet in sheets):
        raise ValueError("a sheet needs a name")  # XlsxWriter would call it Sheet1
    # imported here: XlsxWriter's import costs a third of a small command's run, and only
    # writing a workbook needs it (the templates' definitions do not)
    import xlsxwriter  # type: ignore[import-untyped]  # no py.typed marker
    from xlsxwriter.exceptions import XlsxInputError  # type: ignore[import-untyped]

    lists, list_sheet = _choice_lists(sheets)
    all_sheets = [*sheets, *([list_sheet] if list_sheet else [])]
    # XlsxWriter's own temporary files (one per sheet) go to a folder removed on any outcome.
    with (
        atomic_output(path) as out,
        private_tempdir("medins-xlsx-") as scratch,
    ):
        book = xlsxwriter.Workbook(out, {**_OPTIONS, "tmpdir": scratch})
        try:
            _fill(book, all_sheets, lists, list_sheet)
            book.close()
        except XlsxInputError as exc:  # a sheet name Excel refuses, overlapping merges
            _discard(book)
            raise ValueError(str(exc)) from None
        except BaseException:
            _discard(book)
            raise


def _fill(
    book: Any, sheets: Sequence[Sheet], lists: dict[tuple[str, ...], str], list_sheet: Sheet | None
) -> None:
    """Add ``sheets`` (the list sheet last, if any), the lists' names and the rows to ``book``."""
    formats: _Formats = {
        (kind, bold): book.add_format({**_FONT, **_FORMATS[kind], "bold": bold})
        for kind in Kind
        for bold in (False, True)
    }
    worksheets = [book.add_worksheet(sheet.name) for sheet in sheets]
    if list_sheet is not None:
        for i, (choices, name) in enumerate(lists.items()):
            if book.define_name(name, f"={_list_range(list_sheet.name, i, len(choices))}"):
                raise ValueError(f"invalid name for a drop-down list: {name!r}")
    for worksheet, sheet in zip(worksheets, sheets):
        _write_sheet(worksheet, sheet, formats, lists)


def _discard(book: Any) -> None:
    """Close the per-sheet temporary files of a workbook that will not be written.

    ``close()`` would write the whole file; without this the files stay open until garbage
    collection, and on Windows an open file cannot be deleted with its folder.
    """
    for worksheet in book.worksheets():
        with contextlib.suppress(Exception):
            worksheet._opt_close()  # what close() does for them; XlsxWriter has no public call


def _list_range(sheet: str, index: int, length: int) -> str:
    """The range of drop-down list ``index`` on the list sheet: ``'选项'!$A$1:$A$2``."""
    letter = column_letter(index)
    quoted = "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!${letter}$1:${letter}${length}"
