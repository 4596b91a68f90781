"""Write XLSX files: fast, formula-free, and complete or not at all.

A small streaming writer for the files medins hands to people: templates, failure lists,
rosters and payment notices. It writes SpreadsheetML directly because that is about seven
times faster than openpyxl's write-only mode for the same rows (docs/excel.md), and because it
makes two safety properties hold by construction:

* every string is written as an inline string, never as a formula: a cell that begins with
  ``=``, ``+``, ``-`` or ``@`` is text in Excel and WPS, and the file has no ``<f>`` element;
* numbers are written only from ``int`` and ``Decimal`` (a float is refused, as everywhere in
  medins), so ID and phone numbers passed as text stay text, leading zeros included.

Files are written to a temporary file in the target's folder and renamed over the target only
when complete (:func:`atomic_output`).
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO

import attrs

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


# --- styles --------------------------------------------------------------------------------

_KINDS = tuple(Kind)
_NUMBER_FORMATS = {
    Kind.TEXT: 49,
    Kind.DATE: 164,
    Kind.MONEY: 2,
    Kind.INTEGER: 1,
    Kind.GENERAL: 0,
    Kind.WRAP: 0,
}


def _style(kind: Kind, bold: bool) -> int:
    """Index in cellXfs: 0 is the default, then one plain and one bold per kind."""
    return 1 + 2 * _KINDS.index(kind) + int(bold)


def _styles_xml() -> str:
    xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
    for kind in _KINDS:
        wrap = kind is Kind.WRAP
        align = (
            ' applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf>' if wrap else "/>"
        )
        for bold in (0, 1):
            xfs.append(
                f'<xf numFmtId="{_NUMBER_FORMATS[kind]}" fontId="{bold}" fillId="0" borderId="0" xfId="0"'
                f' applyNumberFormat="1" applyFont="1"{align}'
            )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/mm/dd"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="宋体"/><charset val="134"/></font>'
        '<font><b/><sz val="11"/><name val="宋体"/><charset val="134"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


# --- package parts -------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EXCEL_ROWS = 1_048_576
_BAD_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_RANGE = re.compile(r"([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)")
# Characters XML 1.0 cannot carry; OOXML writes them as _xHHHH_.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = datetime.date(1899, 12, 30)
_HIDDEN = ' state="hidden"'


def column_letter(index: int) -> str:
    """The letters of a 0-based column index: 0 → ``A``, 26 → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape(text: str, *, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quote:
        text = text.replace('"', "&quot;")
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# A string needs more than copying when it has markup, illegal characters or edge spaces.
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|^\\s|\\s$")


def _string_cell(ref: str, text: str, style: int) -> str:
    if _SPECIAL.search(text) is None:
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t>{text}</t></is></c>'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


def _cell(ref: str, value: Value, style: int) -> str:
    """One ``<c>`` element; empty for an empty value."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return _string_cell(ref, value, style)
    if isinstance(value, (bool, float)):
        raise TypeError(
            f"{type(value).__name__} is not written to a spreadsheet: {value!r}; pass str, int or Decimal"
        )
    if isinstance(value, int):
        return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot write {value} to a spreadsheet")
        return f'<c r="{ref}" s="{style}"><v>{value:f}</v></c>'
    if isinstance(value, datetime.datetime):
        raise TypeError(f"datetime is not written to a spreadsheet: {value!r}; pass a date")
    if isinstance(value, datetime.date):
        return f'<c r="{ref}" s="{style}"><v>{(value - _EPOCH).days}</v></c>'
    raise TypeError(f"{type(value).__name__} is not written to a spreadsheet: {value!r}")


def _sheet_xml(sheet: Sheet, index: int, lists: dict[tuple[str, ...], str]) -> Iterator[str]:
    """The worksheet part, in chunks."""
    columns = sheet.columns
    yield f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
    if sheet.fit_width:
        yield '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
    selected = ' tabSelected="1"' if index == 0 else ""
    if sheet.freeze:
        top = f"A{sheet.freeze + 1}"
        yield (
            f'<sheetViews><sheetView workbookViewId="0"{selected}><pane ySplit="{sheet.freeze}" '
            f'topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/></sheetView></sheetViews>'
        )
    else:
        yield f'<sheetViews><sheetView workbookViewId="0"{selected}/></sheetViews>'
    widths = [
        column.width or min(60, max(10, _display_width(column.title) + 2)) for column in columns
    ]
    if columns:
        cols = [
            f'<col min="{i}" max="{i}" width="{width}" style="{_style(column.kind, False)}" '
            'customWidth="1"/>'
            for i, (column, width) in enumerate(zip(columns, widths), start=1)
        ]
        yield f"<cols>{''.join(cols)}</cols>"
    wrapped = {i for i, column in enumerate(columns) if column.kind is Kind.WRAP}
    spans = _merged_widths(sheet.merges, widths) if wrapped else {}
    yield "<sheetData>"
    letters = [column_letter(i) for i in range(max(len(columns), 1))]
    plain = [_style(c.kind, False) for c in columns]
    bold = [_style(c.kind, True) for c in columns]
    default_plain, default_bold = _style(Kind.GENERAL, False), _style(Kind.GENERAL, True)
    chunk: list[str] = []
    number = 0
    for number, row in enumerate(sheet.rows, start=1):
        if number > _EXCEL_ROWS:
            raise ValueError(
                f"sheet {sheet.name!r} has more rows than Excel allows ({_EXCEL_ROWS})"
            )
        while len(letters) < len(row):
            letters.append(column_letter(len(letters)))
        styles = bold if number in sheet.bold_rows else plain
        fallback = default_bold if number in sheet.bold_rows else default_plain
        cells = []
        for i, value in enumerate(row):
            if value is None or value == "":
                continue
            ref = f"{letters[i]}{number}"
            style = styles[i] if i < len(styles) else fallback
            # strings are nearly every cell: skip _cell's type dispatch for them
            cells.append(
                _string_cell(ref, value, style) if type(value) is str else _cell(ref, value, style)
            )
        height = _height(row, number, wrapped, widths, spans) if wrapped else ""
        chunk.append(f'<row r="{number}"{height}>{"".join(cells)}</row>')
        if len(chunk) >= 2000:
            yield "".join(chunk)
            chunk.clear()
    yield "".join(chunk)
    yield "</sheetData>"
    if sheet.merges:
        yield f'<mergeCells count="{len(sheet.merges)}">'
        yield "".join(f'<mergeCell ref="{ref}"/>' for ref in sheet.merges)
        yield "</mergeCells>"
    validations = [
        f'<dataValidation type="list" allowBlank="1" showErrorMessage="1" errorTitle="输入有误" '
        f'error="请从下拉列表中选择" sqref="{column_letter(i)}{sheet.validate_from}:'
        f'{column_letter(i)}{_EXCEL_ROWS}"><formula1>{lists[column.choices]}</formula1></dataValidation>'
        for i, column in enumerate(columns)
        if column.choices
    ]
    if validations:
        yield f'<dataValidations count="{len(validations)}">{"".join(validations)}</dataValidations>'
    yield '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    if sheet.fit_width:
        yield '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
    yield "</worksheet>"


def _merged_widths(merges: Sequence[str], widths: Sequence[float]) -> dict[tuple[int, int], float]:
    """The width of each merged range, by (row, column index) of its top-left cell."""
    spans = {}
    for ref in merges:
        match = _RANGE.fullmatch(ref)
        if match:
            first, last = _column_index(match[1]), _column_index(match[3])
            spans[(int(match[2]), first)] = sum(widths[first : last + 1]) or 10
    return spans


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _height(
    row: Sequence[Value],
    number: int,
    wrapped: set[int],
    widths: Sequence[float],
    spans: dict[tuple[int, int], float],
) -> str:
    """A row height that shows all of its wrapped text, or "" for the default.

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
    return f' ht="{15 * lines}" customHeight="1"' if lines > 1 else ""


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
    names = {sheet.name for sheet in sheets}
    name = "选项"
    while name in names:
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
    sheet. Raises ``ValueError`` for a bad sheet name and ``TypeError`` for a value that is not
    a :data:`Value`; the target is then left as it was.
    """
    if not sheets or sheets[0].hidden:
        raise ValueError("a workbook needs a visible first sheet")
    seen: set[str] = set()
    for sheet in sheets:
        if (
            not sheet.name
            or len(sheet.name) > 31
            or _BAD_SHEET_NAME.search(sheet.name)
            or sheet.name in seen
        ):
            raise ValueError(f"invalid or repeated sheet name: {sheet.name!r}")
        seen.add(sheet.name)
    lists, list_sheet = _choice_lists(sheets)
    all_sheets = [*sheets, *([list_sheet] if list_sheet else [])]
    with atomic_output(path) as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _content_types(len(all_sheets)))
        archive.writestr("_rels/.rels", _root_rels())
        archive.writestr("xl/workbook.xml", _workbook_xml(all_sheets, lists, list_sheet))
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(all_sheets)))
        archive.writestr("xl/styles.xml", _styles_xml())
        for index, sheet in enumerate(all_sheets):
            with archive.open(f"xl/worksheets/sheet{index + 1}.xml", "w") as part:
                for text in _sheet_xml(sheet, index, lists):
                    part.write(text.encode("utf-8"))


def _content_types(count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, count + 1)
    )
    return (
        f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheets}</Types>"
    )


def _root_rels() -> str:
    return (
        f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )


def _workbook_xml(
    sheets: Sequence[Sheet], lists: dict[tuple[str, ...], str], list_sheet: Sheet | None
) -> str:
    entries = "".join(
        f'<sheet name="{_escape(s.name, quote=True)}" sheetId="{i}"{_HIDDEN if s.hidden else ""} r:id="rId{i}"/>'
        for i, s in enumerate(sheets, start=1)
    )
    names = ""
    if list_sheet is not None:
        quoted = "'" + list_sheet.name.replace("'", "''") + "'"
        names = (
            "<definedNames>"
            + "".join(
                f'<definedName name="{name}">{_escape(quoted)}!${column_letter(i)}$1:${column_letter(i)}${len(choices)}</definedName>'
                for i, (choices, name) in enumerate(lists.items())
            )
            + "</definedNames>"
        )
    return (
        f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{entries}</sheets>{names}</workbook>"
    )


def _workbook_rels(count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, count + 1)
    )
    return (
        f'{_HEAD}<Relationships xmlns="{_PKG_REL}">{sheets}'
        f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    )


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[IO[bytes]]:
    """A binary file that replaces ``path`` only if the ``with`` block completes.

    The data goes to a temporary file in the same folder (so the rename is atomic on one file
    system), is flushed to disk, and is renamed over ``path``; on any exception the temporary
    file is removed and ``path`` is untouched.
    """
    target = Path(path)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
