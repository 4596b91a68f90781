"""Read a spreadsheet (CSV or XLSX) into rows of text, safely.

Every cell comes back as a stripped string with its spreadsheet row number (the header is
row 1, data starts at row 2), so errors can name file, row and column. Formulas are never
evaluated (the cached value is read), files over the size limit and compressed bombs are
refused before they are expanded, and a number too long for a float (an ID number typed as a
number, shown as 3.2E+17) is an error rather than silently wrong digits.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import attrs

from medins_core.errors import InputError

#: Uploads are limited to 10 MB, as in the portals (jiangsu-unit-hall-user-manual.txt 3.6–3.8).
MAX_BYTES = 10 * 1024 * 1024
#: The most an XLSX may expand to; a larger one is treated as a compressed bomb.
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
#: Default limit on data rows; callers may raise or lower it.
MAX_ROWS = 200_000
# Floats hold 15 significant digits exactly; a longer number has lost digits already.
_FLOAT_EXACT = 10**15


@attrs.frozen
class Table:
    """A spreadsheet's header and data rows, every cell as text."""

    file: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


def _error(code: str, message: str, file: str, row: int | None = None, column: str | None = None) -> InputError:
    return InputError(code, message, file=file, row=row, column=column)


def read_table(path: str | Path, *, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> Table:
    """Read ``path`` (``.csv`` or ``.xlsx``); raises InputError naming what is wrong and where."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise _error("file_not_found", "文件不存在", file)
    if path.stat().st_size > max_bytes:
        raise _error("file_too_large", f"文件超过 {max_bytes // (1024 * 1024)} MB 上限", file)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw_rows = _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        raw_rows = _xlsx_rows(path)
    elif suffix == ".xls":
        raise _error("unsupported_format", "不支持旧版 .xls 文件，请另存为 .xlsx 或 .csv", file)
    else:
        raise _error("unsupported_format", "文件不是表格 (.csv 或 .xlsx)", file)

    header: tuple[str, ...] | None = None
    rows: list[tuple[int, tuple[str, ...]]] = []
    for number, cells in raw_rows:
        if header is None:
            header = tuple(cells)
            if not any(header):
                raise _error("missing_header", "第 1 行应为表头", file, row=1)
            continue
        if not any(cells):
            continue  # blank rows are not data
        if len(rows) >= max_rows:
            raise _error("too_many_rows", f"数据行超过 {max_rows} 行上限", file, row=number)
        rows.append((number, tuple(cells)))
    if header is None:
        raise _error("empty_file", "文件为空", file)
    return Table(file, header, tuple(rows))


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


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    file = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise _error("file_too_large", "文件解压后过大，已拒绝", file)
    except zipfile.BadZipFile:
        raise _error("unsupported_format", "文件不是有效的 .xlsx 表格", file) from None
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _error("unsupported_format", f"无法读取 .xlsx 表格: {exc}", file) from None
    try:
        sheet = workbook.worksheets[0]
        header: list[str] | None = None
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value, file, number, header, index) for index, value in enumerate(values)]
            if header is None:
                header = cells
            yield number, cells
    finally:
        workbook.close()


def _cell_text(value: object, file: str, row: int, header: list[str] | None, index: int) -> str:
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
            raise _error(
                "number_as_text",
                "数字过长，已丢失精度；证件号码、手机号码等请以文本格式填写",
                file,
                row=row,
                column=column,
            )
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()
