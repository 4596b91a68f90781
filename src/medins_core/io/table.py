"""Read a spreadsheet (CSV or XLSX) into rows of text, safely.

Every cell comes back as a stripped string with its spreadsheet row number (the header is
row 1, data starts at row 2), so errors can name file, row and column. Formulas are never
evaluated (the cached value is read), files over the size limit and compressed bombs are
refused before they are expanded, and a number too long for a float (an ID number typed as a
number, shown as 3.2E+17) is an error rather than silently wrong digits.

XLSX is read with python-calamine when it is installed (about 15 times faster than openpyxl,
see docs/excel.md) and with openpyxl otherwise. calamine builds a dense grid from the first to
the last used cell, so a 5 KB file with one cell in A1 and one in XFD1048576 would ask for
hundreds of gigabytes: :func:`_sheet_extent` bounds the grid from the sheet XML first, and a
sheet it cannot bound cheaply is read with openpyxl, which streams.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs

from medins_core.errors import InputError

try:  # optional: openpyxl reads the same files, only about 15 times slower
    from python_calamine import CalamineError, CalamineWorkbook  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the installation
    CalamineWorkbook = None  # type: ignore[assignment,misc,unused-ignore]

__all__ = [
    "ENGINES",
    "MAX_BYTES",
    "MAX_CELLS",
    "MAX_ROWS",
    "MAX_UNZIPPED_BYTES",
    "Table",
    "read_table",
]

#: Uploads are limited to 10 MB, as in the portals (jiangsu-unit-hall-user-manual.txt 3.6–3.8).
MAX_BYTES = 10 * 1024 * 1024
#: The most an XLSX may expand to; a larger one is treated as a compressed bomb.
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
#: Default limit on data rows; callers may raise or lower it.
MAX_ROWS = 200_000
#: The most cells (rows × columns, blanks included) a sheet may span.
MAX_CELLS = 20_000_000
#: XLSX readers :func:`read_table` knows; ``auto`` is calamine when installed.
ENGINES = ("auto", "calamine", "openpyxl")
# Floats hold 15 significant digits exactly; a longer number has lost digits already.
_FLOAT_EXACT = 10**15
# Excel's last row; a reference beyond it is not a spreadsheet Excel wrote.
_EXCEL_ROWS = 1_048_576


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
    path: str | Path,
    *,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
    collect_cell_errors: bool = False,
    engine: str = "auto",
) -> Table:
    """Read ``path`` (``.csv`` or ``.xlsx``); raises InputError naming what is wrong and where.

    Blank rows are skipped; more than ``max_rows`` data rows or a file over ``max_bytes`` is
    refused. A cell whose number lost digits raises, or with ``collect_cell_errors`` is kept as
    written (e.g. ``3.2050619700101e+17``) and reported in :attr:`Table.problems`, so one bad
    cell fails its row rather than the file. ``engine`` picks the XLSX reader (:data:`ENGINES`).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise _error("file_not_found", "文件不存在", file)
    if path.stat().st_size > max_bytes:
        raise _error("file_too_large", f"文件超过 {max_bytes / (1024 * 1024):g} MB 上限", file)
    suffix = path.suffix.lower()
    problems: list[InputError] = []
    if suffix == ".csv":
        raw_rows = _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        raw_rows = _xlsx_rows(path, engine, problems if collect_cell_errors else None)
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
            continue
        if not any(cells):
            continue  # blank rows are not data
        if len(rows) >= max_rows:
            raise _error("too_many_rows", f"数据行超过 {max_rows} 行上限", file, row=number)
        rows.append((number, _trim(cells)))
    if header is None:
        raise _error("empty_file", "文件为空", file)
    return Table(file, header, tuple(rows), tuple(problems))


def _trim(cells: Sequence[str]) -> tuple[str, ...]:
    """The cells without trailing blanks (XLSX readers pad rows to the sheet's width)."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return tuple(cells[:end])


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    data = path.read_bytes()
    # Excel in China saves CSV as GB18030 (GBK) unless told otherwise; UTF-8 (with BOM) first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise _error("bad_encoding", "无法识别文件编码", str(path))
    for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        yield number, [cell.strip() for cell in cells]


# --- XLSX ----------------------------------------------------------------------------------


def _xlsx_rows(
    path: Path, engine: str, problems: list[InputError] | None
) -> Iterator[tuple[int, list[str]]]:
    file = str(path)
    bounded = _check_archive(path)
    if engine == "calamine" and CalamineWorkbook is None:
        raise ValueError("engine 'calamine' needs python-calamine, which is not installed")
    use_calamine = engine == "calamine" or (
        engine == "auto" and bounded and CalamineWorkbook is not None
    )
    if use_calamine and not bounded:
        raise _error(
            "unsupported_format",
            "表格结构无法预先确定范围，请用 Excel/WPS 另存为 .xlsx 后再上传",
            file,
        )
    reader = _calamine_values(path) if use_calamine else _openpyxl_values(path)
    header: list[str] | None = None
    for number, values in reader:
        cells = [
            value.strip()
            if type(value) is str
            else _cell_text(value, file, number, header, index, problems)
            for index, value in enumerate(values)
        ]
        if header is None:
            header = cells
        yield number, cells


def _check_archive(path: Path) -> bool:
    """Refuse a damaged or bomb archive; True when every sheet's extent is known to be small.

    Declared sizes are checked before anything is expanded; both zipfile and calamine stop
    reading an entry at its declared size, so the sum is a real bound. Then each worksheet is
    expanded (bounded by that sum) and its cell references scanned (:func:`_sheet_extent`).
    """
    file = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
                raise _error("file_too_large", "文件解压后过大，已拒绝", file)
            bounded = True
            # every entry, whatever its name: a workbook may place a sheet anywhere
            for info in infos:
                data = archive.read(info)
                if data.startswith((b"\xff\xfe", b"\xfe\xff")):
                    bounded = False  # UTF-16 XML: the byte scan below cannot read it
                    continue
                if b"sheetData" not in data:
                    continue
                extent = _sheet_extent(data)
                if extent is None:
                    bounded = False
                elif extent[0] * extent[1] > MAX_CELLS or extent[0] > _EXCEL_ROWS:
                    raise _error(
                        "file_too_large", "表格范围过大（行数×列数超过上限），已拒绝", file
                    )
            return bounded
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        NotImplementedError,
        RuntimeError,
        zlib.error,
    ):
        raise _error("unsupported_format", "文件不是有效的 .xlsx 表格", file) from None


_CELL_LETTERS = re.compile(rb'<c r="([A-Z]{1,4})')
_ROW_DIGITS = {
    digits: re.compile(rb'<c r="[A-Z]{1,4}[0-9]{%d}"' % digits) for digits in range(1, 6)
}
_BIG_ROWS = re.compile(rb'<c r="[A-Z]{1,4}([0-9]{6,})"')


def _sheet_extent(data: bytes) -> tuple[int, int] | None:
    """Rows and columns a sheet spans at most, from its cell references; None if not plain.

    Plain means what Excel, WPS, POI and openpyxl write: every cell element is ``<c r="B7"``
    with no namespace prefix. The last column is the largest letters; the last row is exact
    when it has six or more digits and otherwise bounded by its number of digits. Byte counts
    and a few regular expressions keep this at about a third of calamine's own time.
    """
    if b":c " in data or b":c>" in data or b":row" in data:
        return None
    cells = data.count(b"<c ") + data.count(b"<c>") + data.count(b"<c/")
    if cells != data.count(b'<c r="'):
        return None
    if not cells:
        return 0, 0
    columns = max(_column_number(c) for c in set(_CELL_LETTERS.findall(data)))
    big = _BIG_ROWS.findall(data)
    if big:
        return max(int(r) for r in big), columns
    digits = next((d for d in range(5, 0, -1) if _ROW_DIGITS[d].search(data)), 0)
    return 10**digits - 1, columns


def _column_number(letters: bytes) -> int:
    number = 0
    for byte in letters:
        number = number * 26 + byte - 64
    return number


def _calamine_values(path: Path) -> Iterator[tuple[int, Sequence[object]]]:
    file = str(path)
    try:
        with CalamineWorkbook.from_path(path) as workbook:
            # skip_empty_area=False keeps row 1 at index 0 whatever the first used cell is
            values = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError) as exc:
        raise _error("unsupported_format", f"无法读取 .xlsx 表格: {exc}", file) from None
    yield from enumerate(values, start=1)


def _openpyxl_values(path: Path) -> Iterator[tuple[int, Sequence[object]]]:
    from openpyxl import load_workbook

    file = str(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise _error("unsupported_format", f"无法读取 .xlsx 表格: {exc}", file) from None
    try:
        sheet = workbook.worksheets[0]
        # The declared dimension may be a lie (A1:XFD1048576); without it rows are not padded.
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > _EXCEL_ROWS:
                raise _error("file_too_large", "表格行数超过 Excel 上限，已拒绝", file)
            yield number, values
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - as above, for damage found while reading rows
        raise _error("unsupported_format", f"无法读取 .xlsx 表格: {exc}", file) from None
    finally:
        workbook.close()


def _cell_text(
    value: object,
    file: str,
    row: int,
    header: list[str] | None,
    index: int,
    problems: list[InputError] | None,
) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _FLOAT_EXACT:
            return str(int(value))
        if abs(value) >= _FLOAT_EXACT:
            column = header[index] if header and index < len(header) else None
            error = _error(
                "number_as_text",
                "数字过长，已丢失精度；证件号码、手机号码等请以文本格式填写",
                file,
                row=row,
                column=column,
            )
            if problems is None:
                raise error
            problems.append(error)
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()
