"""Spreadsheet values as text: what :func:`~medins_core.io.table.read_table` gives of each cell.

A number becomes its digits (``4000.0`` → ``"4000"``), a date ``YYYY-MM-DD``, a boolean 是/否;
a number too long for a float (an ID typed as a number, shown as 3.2E+17) is an error naming
its row and column. A whole sheet is turned into text a column at a time.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Iterator, Sequence

from medins_core.errors import InputError
from medins_core.io.limits import MAX_CELL_CHARS

# Floats hold 15 significant digits exactly; a longer number has lost digits already.
_FLOAT_EXACT = 10**15


def _error(code: str, message: str, file: str, row: int, column: str | None) -> InputError:
    return InputError(code, message, file=file, row=row, column=column)


def column_letter_of(index: int) -> str:
    """The letters of a 0-based column index: 0 → ``A``, 26 → ``AA`` (also
    :func:`medins_core.io.xlsx.column_letter`)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def grid_rows(
    grid: Sequence[Sequence[object]], file: str, problems: list[InputError] | None
) -> Iterator[tuple[int, Sequence[str]]]:
    """The rows of a whole sheet's values as text, worked out a column at a time.

    A column of text is stripped in one pass; other values (amounts, dates) are turned into
    text once per distinct value. Answers as the row-by-row reading does: cell errors in row
    order, a cell too long raised when its row is reached.
    """
    if not grid:
        return
    header = [
        value.strip() if type(value) is str else cell_text(value, file, 1, None, index, problems)
        for index, value in enumerate(grid[0])
    ]
    check_lengths(header, file, 1)
    yield 1, header
    body = grid[1:]
    found: list[tuple[int, int, InputError]] = []
    columns = [
        _column_text(column, index, header, file, found)
        for index, column in enumerate(itertools.zip_longest(*body, fillvalue=""))
    ]
    errors: dict[int, list[InputError]] = {}
    for number, _, error in sorted(found, key=lambda f: (f[0], f[1])):
        errors.setdefault(number, []).append(error)
    # an error is raised or kept when its row is reached, as the row-by-row reading does
    too_long = [
        next(offset for offset, text in enumerate(column) if len(text) > MAX_CELL_CHARS)
        for column in columns
        if max(map(len, column), default=0) > MAX_CELL_CHARS
    ]
    first = min(too_long, default=None)
    rows: Iterable[tuple[str, ...]] = zip(*columns) if columns else itertools.repeat((), len(body))
    for offset, cells in enumerate(rows):
        if errors and offset + 2 in errors:
            if problems is None:
                raise errors[offset + 2][0]
            problems.extend(errors[offset + 2])
        if offset == first:
            check_lengths(cells, file, offset + 2)
        yield offset + 2, cells


def _column_text(
    column: Sequence[object], index: int, header: list[str], file: str, found: list[tuple[int, int, InputError]]
) -> list[str]:
    """A column's values as text (rows from 2); a number that lost digits goes to ``found``."""
    if set(map(type, column)) <= {str}:
        return list(map(str.strip, column))  # type: ignore[arg-type]
    texts: dict[tuple[type, object], str] = {}
    out = []
    for number, value in enumerate(column, start=2):
        if type(value) is str:
            out.append(value.strip())
            continue
        key = (type(value), value)
        text = texts.get(key)
        if text is None:
            errors: list[InputError] = []
            text = cell_text(value, file, number, header, index, errors)
            if errors:  # the error names its row: not kept for others
                found += [(number, index, error) for error in errors]
            else:
                texts[key] = text
        out.append(text)
    return out


def check_lengths(cells: Sequence[str], file: str, number: int) -> None:
    for index, cell in enumerate(cells):
        if len(cell) > MAX_CELL_CHARS:
            raise _error("cell_too_long", f"单元格超过 {MAX_CELL_CHARS} 个字符", file, row=number, column=column_letter_of(index))


def cell_text(
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
