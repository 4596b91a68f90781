"""Read a spreadsheet (CSV or XLSX) into rows of text, safely.

Every cell comes back as a stripped string with its spreadsheet row number (the header is
row 1, data starts at row 2), so errors can name file, row and column. Formulas are never
evaluated (the cached value is read), files over the size limit and compressed bombs are
refused before they are expanded, and a number too long for a float (an ID number typed as a
number, shown as 3.2E+17) is an error rather than silently wrong digits.

XLSX is read with python-calamine when it is installed (about 15 times faster than openpyxl,
see docs/excel.md) and with openpyxl otherwise. calamine builds a dense grid from the first to
the last used cell, so a 5 KB file with one cell in A1 and one in XFD1048576 would ask for
hundreds of gigabytes: :func:`~medins_core.io.xlsx_guard.check_archive` bounds the grid from the sheet XML first, and a
sheet it cannot bound cheaply is read with openpyxl, which streams.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Union

import attrs

from medins_core.errors import InputError
from medins_core.io.cells import cell_text, check_lengths, column_letter_of, grid_rows
from medins_core.io.limits import (
    EXCEL_ROWS,
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UNZIPPED_BYTES,
)
from medins_core.io.output import note_input


@functools.cache
def _calamine() -> tuple[Any, Any]:
    """python-calamine's ``CalamineWorkbook`` and ``CalamineError``, imported for the first
    XLSX (a CSV needs neither); ``(None, None)`` when it is not installed."""
    try:  # optional: openpyxl reads the same files, only about 15 times slower
        from python_calamine import CalamineError, CalamineWorkbook  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - depends on the installation
        return None, None
    return CalamineWorkbook, CalamineError


def __getattr__(name: str) -> Any:
    if name == "CalamineWorkbook":  # None when python-calamine is not installed
        return _calamine()[0]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ENGINES",
    "MAX_BYTES",
    "MAX_CELLS",
    "MAX_ROWS",
    "MAX_UNZIPPED_BYTES",
    "Source",
    "Table",
    "read_table",
]

#: XLSX readers :func:`read_table` knows; ``auto`` is calamine when installed.
ENGINES = ("auto", "calamine", "openpyxl")
# Excel's last row; a reference beyond it is not a spreadsheet Excel wrote.
_EXCEL_ROWS = EXCEL_ROWS
#: What :func:`read_table` reads: a path, the bytes of a file, or a binary file object.
Source = Union[str, Path, bytes, BinaryIO]


@attrs.frozen
class Table:
    """A spreadsheet's header and data rows, every cell as text.

    ``problems`` holds cell errors (a number that lost digits) when :func:`read_table` was
    asked to collect them instead of raising; each names its row and column.
    """

    file: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    problems: tuple[InputError, ...] = ()


def _error(
    code: str, message: str, file: str, row: int | None = None, column: str | None = None
) -> InputError:
    return InputError(code, message, file=file, row=row, column=column)


def read_table(
    source: Source,
    *,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
    collect_cell_errors: bool = False,
    engine: str = "auto",
    name: str | None = None,
) -> Table:
    """Read a ``.csv`` or ``.xlsx`` table; raises InputError naming what is wrong and where.

    ``source`` is a path, the file's bytes or a binary file object (an upload); ``name`` is
    the file name used in messages and, for bytes, to tell CSV from XLSX (without it, bytes
    starting as a zip archive are XLSX). Blank rows are skipped; more than ``max_rows`` data
    rows or a file over ``max_bytes`` is refused (the limits are in
    :mod:`medins_core.io.limits`). A CSV row with more or fewer cells than the header is an
    error naming the row. A cell whose number lost digits raises, or with
    ``collect_cell_errors`` is kept as written (e.g. ``3.2050619700101e+17``) and reported in
    :attr:`Table.problems`, so one bad cell fails its row rather than the file. ``engine``
    picks the XLSX reader (:data:`ENGINES`).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    data, file = _load(source, max_bytes, name)
    suffix = Path(file).suffix.lower()
    if not isinstance(source, (str, Path)) and suffix not in (".csv", ".xlsx", ".xlsm", ".xls"):
        suffix = ".xlsx" if data.startswith(b"PK\x03\x04") else ".csv"
    problems: list[InputError] = []
    if suffix == ".csv":
        raw_rows = _csv_rows(data, file, problems)
    elif suffix in (".xlsx", ".xlsm"):
        raw_rows = _xlsx_rows(data, file, engine, problems)
    elif suffix == ".xls":
        raise _error("unsupported_format", "不支持旧版 .xls 文件，请另存为 .xlsx 或 .csv", file)
    else:
        raise _error("unsupported_format", "文件不是表格 (.csv 或 .xlsx)", file)

    header: tuple[str, ...] | None = None
    rows: list[tuple[int, tuple[str, ...]]] = []
    for number, cells in raw_rows:
        if header is None:
            header = _trim(cells)
            if not any(header):
                raise _error("missing_header", "第 1 行应为表头", file, row=1)
            if len(header) > MAX_COLUMNS:
                raise _error("too_many_columns", f"表头超过 {MAX_COLUMNS} 列上限", file, row=1)
            continue
        if not any(cells):
            continue  # blank rows are not data
        if len(rows) >= max_rows:
            raise _error("too_many_rows", f"数据行超过 {max_rows} 行上限", file, row=number)
        rows.append((number, _trim(cells)))
    if header is None:
        raise _error("empty_file", "文件为空", file)
    if problems and not collect_cell_errors:
        raise problems[0]
    return Table(file, header, tuple(rows), tuple(problems))


def _trim(cells: Sequence[str]) -> tuple[str, ...]:
    """The cells without trailing blanks (XLSX readers pad rows to the sheet's width)."""
    end = len(cells)
    if not end or cells[-1]:  # most rows: nothing to trim (a tuple is not copied)
        return tuple(cells)
    while end and not cells[end - 1]:
        end -= 1
    return tuple(cells[:end])


def _load(source: Source, max_bytes: int, name: str | None) -> tuple[bytes, str]:
    """The bytes of ``source`` (at most ``max_bytes``) and the file name for messages."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        file = str(path)
        if not path.is_file():
            raise _error("file_not_found", "文件不存在", file)
        if path.stat().st_size > max_bytes:
            raise _error("file_too_large", f"文件超过 {max_bytes / (1024 * 1024):g} MB 上限", file)
        note_input(path)
        try:
            with path.open("rb") as stream:
                data = stream.read(max_bytes + 1)
        except OSError as exc:
            raise _error("file_unreadable", f"无法读取文件: {exc.strerror}", file) from None
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data, file = bytes(source), name or "<upload>"
    else:
        data, file = source.read(max_bytes + 1), name or str(getattr(source, "name", "<upload>"))
    if len(data) > max_bytes:
        raise _error("file_too_large", f"文件超过 {max_bytes / (1024 * 1024):g} MB 上限", file)
    return data, file


def _decode(data: bytes, file: str) -> str:
    """CSV text: UTF-8 (with or without BOM), else GB18030 (Excel in China saves CSV so).

    A file that is mostly valid UTF-8 with a few bad bytes is neither: decoding it as
    GB18030 would garble every name, so it is refused naming the row and byte offset.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = exc.start
    loose = data.decode("utf-8", errors="replace")
    broken = loose.count("\ufffd")
    fine = sum(1 for c in loose if c > "\x7f") - broken
    if fine > 0 and broken <= fine:
        row = data.count(b"\n", 0, bad) + 1
        raise _error(
            "mixed_encoding",
            f"文件是 UTF-8 编码，但第 {bad} 字节处有无效字节（混入了其他编码的文字），请统一另存为 UTF-8",
            file,
            row=row,
        )
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise _error("bad_encoding", f"无法识别文件编码（第 {exc.start} 字节）", file, row=row) from None


def _csv_rows(data: bytes, file: str, problems: list[InputError]) -> Iterator[tuple[int, Sequence[str]]]:
    """The rows of a CSV file; a row whose width differs from the header's is kept and
    reported in ``problems``, so the header is judged first and the row fails by number."""
    if b"\x00" in data:  # not text: a NUL would hide inside a name
        row = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise _error("bad_csv", "CSV 格式错误（含空字符）", file, row=row)
    text = _decode(data, file)
    reader = csv.reader(io.StringIO(text, newline=""))
    width: int | None = None
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if width is None:
                width = len(cells)
            elif cells and any(c.strip() for c in cells) and len(cells) != width:
                problems.append(
                    _error(
                        "row_width",
                        f"该行有 {len(cells)} 个单元格，表头有 {width} 列"
                        "（金额中的千分位逗号等须加引号或去掉）",
                        file,
                        row=number,
                    )
                )
            for index, cell in enumerate(cells):
                if len(cell) > MAX_CELL_CHARS:
                    raise _error("cell_too_long", f"单元格超过 {MAX_CELL_CHARS} 个字符", file, row=number, column=column_letter_of(index))
            yield number, [cell.strip() for cell in cells]
    except csv.Error as exc:
        too_long = "field larger than field limit" in str(exc)
        raise _error(
            "cell_too_long" if too_long else "bad_csv",
            f"单元格超过 {MAX_CELL_CHARS} 个字符" if too_long else "CSV 格式错误（引号不成对或含空字符）",
            file,
            row=number + 1,
        ) from None


# --- XLSX ----------------------------------------------------------------------------------


def _xlsx_rows(
    data: bytes, file: str, engine: str, problems: list[InputError] | None
) -> Iterator[tuple[int, Sequence[str]]]:
    from medins_core.io.xlsx_guard import check_archive  # here: a CSV needs no zip reader

    bounded = check_archive(data, file)
    workbook_class = _calamine()[0]
    if engine == "calamine" and workbook_class is None:
        raise ValueError("engine 'calamine' needs python-calamine, which is not installed")
    use_calamine = engine == "calamine" or (
        engine == "auto" and bounded and workbook_class is not None
    )
    if use_calamine and not bounded:
        raise _error(
            "unsupported_format",
            "表格结构无法预先确定范围，请用 Excel/WPS 另存为 .xlsx 后再上传",
            file,
        )
    if use_calamine:
        yield from grid_rows(_calamine_values(data, file), file, problems)
        return
    header: list[str] | None = None
    for number, values in _openpyxl_values(data, file):
        cells = [
            value.strip()
            if type(value) is str
            else cell_text(value, file, number, header, index, problems)
            for index, value in enumerate(values)
        ]
        if header is None:
            header = cells
        check_lengths(cells, file, number)
        yield number, cells


def _calamine_values(data: bytes, file: str) -> Sequence[Sequence[object]]:
    workbook_class, calamine_error = _calamine()
    try:
        with workbook_class.from_filelike(io.BytesIO(data)) as workbook:
            visible = [
                i for i, sheet in enumerate(workbook.sheets_metadata) if str(sheet.visible).endswith("Visible")
            ]
            if not visible:
                raise _error("no_visible_sheet", "工作簿中没有可见的工作表", file)
            # the first visible sheet, as Excel shows it; a hidden first sheet is not the data
            # skip_empty_area=False keeps row 1 at index 0 whatever the first used cell is
            values: Sequence[Sequence[object]] = workbook.get_sheet_by_index(visible[0]).to_python(skip_empty_area=False)
    except (calamine_error, ValueError, OSError, IndexError) as exc:
        if isinstance(exc, InputError):
            raise
        raise _error("unsupported_format", f"无法读取 .xlsx 表格: {type(exc).__name__}", file) from None
    return values


def _openpyxl_values(data: bytes, file: str) -> Iterator[tuple[int, Sequence[object]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise _error("unsupported_format", f"无法读取 .xlsx 表格: {type(exc).__name__}", file) from None
    try:
        visible = [sheet for sheet in workbook.worksheets if sheet.sheet_state == "visible"]
        if not visible:
            raise _error("no_visible_sheet", "工作簿中没有可见的工作表", file)
        sheet = visible[0]  # the first visible sheet, as Excel shows it
        # The declared dimension may be a lie (A1:XFD1048576); without it rows are not padded.
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > _EXCEL_ROWS:
                raise _error("file_too_large", "表格行数超过 Excel 上限，已拒绝", file)
            if len(values) > MAX_COLUMNS:
                values = _trim_values(values, file, number)
            yield number, values
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - as above, for damage found while reading rows
        raise _error("unsupported_format", f"无法读取 .xlsx 表格: {type(exc).__name__}", file) from None
    finally:
        workbook.close()


def _trim_values(values: Sequence[object], file: str, row: int) -> Sequence[object]:
    """A row's values without trailing blanks; refused if still wider than MAX_COLUMNS."""
    end = len(values)
    while end and values[end - 1] in (None, ""):
        end -= 1
    if end > MAX_COLUMNS:
        raise _error("too_many_columns", f"该行超过 {MAX_COLUMNS} 列上限", file, row=row)
    return values[:end]


