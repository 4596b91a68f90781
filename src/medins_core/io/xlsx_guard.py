"""The XLSX archive guard: refuse a damaged or bomb workbook before any reader expands it.

calamine builds a dense grid from the first to the last used cell, so a 5 KB file with one
cell in A1 and one in XFD1048576 would ask for hundreds of gigabytes: :func:`_sheet_extent`
bounds the grid from the sheet XML first, and a sheet it cannot bound cheaply is left to
openpyxl, which streams, when it is small enough.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

from medins_core.errors import InputError
from medins_core.io.limits import (
    EXCEL_ROWS,
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_STREAMED_CELLS,
    MAX_UNZIPPED_BYTES,
)

_EXCEL_ROWS = EXCEL_ROWS


def _error(code: str, message: str, file: str) -> InputError:
    return InputError(code, message, file=file)


def _has_long_text(entry: bytes, limit: int) -> bool:
    """Whether ``entry`` holds a run of more than ``limit`` bytes without a ``<``.

    Such a run covers a whole block of ``limit // 2 + 1`` bytes starting at a multiple of that
    size, so only the blocks without a ``<`` are measured: a few searches, not a split of the
    sheet into millions of pieces.
    """
    step = limit // 2 + 1
    for start in range(0, len(entry), step):
        if entry.find(b"<", start, start + step) < 0:
            right = entry.find(b"<", start + step)
            left = entry.rfind(b"<", 0, start) + 1
            if (len(entry) if right < 0 else right) - left > limit:
                return True
    return False


def check_archive(data: bytes | Path, file: str | None = None) -> bool:
    """Refuse a damaged or bomb archive; True when every sheet's extent is known to be small.

    Declared sizes are checked before anything is expanded; both zipfile and calamine stop
    reading an entry at its declared size, so the sum is a real bound. Each entry is then
    expanded once (bounded by that sum), one at a time: a text longer than any cell may be (a
    250 MB shared string) is refused, and a worksheet's cell references are scanned
    (:func:`_sheet_extent`). A sheet that cannot be bounded (cells without ``r=``) is read
    by the streaming reader only when it has at most :data:`MAX_STREAMED_CELLS` cells. A text
    too long in any entry is the answer before a sheet too large in an earlier one.
    """
    if isinstance(data, Path):
        file, data = str(data), data.read_bytes()
    file = file or "<upload>"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
                raise _error("file_too_large", "文件解压后过大，已拒绝", file)
            bounded = True
            too_large: InputError | None = None
            # every entry, whatever its name: a workbook may place a sheet anywhere
            for info in infos:
                entry = archive.read(info)
                # 6 bytes a character at most (an entity such as &#x4E2D; is 8 for 1, rare)
                if _has_long_text(entry, 8 * MAX_CELL_CHARS):
                    raise _error("cell_too_long", f"表格中有超过 {MAX_CELL_CHARS} 个字符的文字，已拒绝", file)
                if too_large is None:
                    bounded, too_large = _bound(entry, file, bounded)
            if too_large is not None:
                raise too_large
            return bounded
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        NotImplementedError,
        RuntimeError,
        ValueError,
        OSError,
        zlib.error,
    ) as exc:
        if isinstance(exc, InputError):
            raise
        raise _error("unsupported_format", "文件不是有效的 .xlsx 表格", file) from None


def _bound(entry: bytes, file: str, bounded: bool) -> tuple[bool, InputError | None]:
    """Whether the sheets so far are bounded, with this entry; the error if it is too large."""
    if entry.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 XML: the byte scan below cannot read it
        if len(entry) // 2 > MAX_STREAMED_CELLS * 8:
            return False, _error("file_too_large", "表格单元格过多，已拒绝", file)
        return False, None
    if b"sheetData" not in entry:
        return bounded, None
    extent = _sheet_extent(entry)
    if extent is None:
        if entry.count(b"c") > MAX_STREAMED_CELLS and _cell_elements(entry) > MAX_STREAMED_CELLS:
            message = f"表格单元格超过 {MAX_STREAMED_CELLS} 个（且未标明单元格位置），已拒绝"
            return False, _error("file_too_large", message, file)
        return False, None
    if extent[0] * extent[1] > MAX_CELLS or extent[0] > _EXCEL_ROWS:
        return bounded, _error("file_too_large", "表格范围过大（行数×列数超过上限），已拒绝", file)
    return bounded, None


def _cell_elements(entry: bytes) -> int:
    """Cell elements of a sheet, with or without a namespace prefix."""
    return len(re.findall(rb"<(?:[A-Za-z0-9_]+:)?c[\s/>]", entry))


_CELL_LETTERS = re.compile(rb'<c r="([A-Z]{1,4})')
_ROW_DIGITS = {
    digits: re.compile(rb'<c r="[A-Z]{1,4}[0-9]{%d}"' % digits) for digits in range(1, 6)
}
_BIG_ROWS = re.compile(rb'<c r="[A-Z]{1,4}([0-9]{6,})"')
# a cell or row element with a namespace prefix; a cell element without r=" first
_PREFIXED = re.compile(rb":(?:c[ >]|row)")
_UNREFERENCED = re.compile(rb'<c(?:>|/| (?!r="))')


def _sheet_extent(data: bytes) -> tuple[int, int] | None:
    """Rows and columns a sheet spans at most, from its cell references; None if not plain.

    Plain means what Excel, WPS, POI and openpyxl write: every cell element is ``<c r="B7"``
    with no namespace prefix. The last column is the largest letters; the last row is exact
    when it has six or more digits and otherwise bounded by its number of digits. A few
    regular expressions, each one pass over the bytes, keep this at about a quarter of
    calamine's own time.
    """
    if _PREFIXED.search(data) or _UNREFERENCED.search(data):
        return None
    if b'<c r="' not in data:
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
