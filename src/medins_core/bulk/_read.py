"""Rosters as Arrow: CSV and Parquet read in chunks, and each chunk parsed to integers.

A roster has one row per person (the columns are listed in :data:`COLUMNS`). Wages are read
as text or exact decimals and become integer fen; a float wage is refused, as everywhere in
medins. Periods and insurance lines have few distinct values, so each distinct value is parsed
once in Python (with :meth:`Period.parse`, the same as the rest of medins) and mapped back.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, Union

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from medins_core.bulk._arrow import (
    as_string,
    blank_rows,
    distinct,
    get_column,
    input_error,
    needs_cleaning,
    required_text,
    string_buffers,
)
from medins_core.bulk._certs import _certificates
from medins_core.bulk._shared import Workspace, spare
from medins_core.bulk._wages import _wages
from medins_core.codes import split_lines
from medins_core.errors import InputError, InputTypeError
from medins_core.io.limits import MAX_CELL_CHARS
from medins_core.io.roster import COLUMNS as ROSTER_COLUMNS
from medins_core.model import DEFAULT_LINES
from medins_core.period import MAX_YEAR, MIN_YEAR, Period

#: Column headers the bulk engine reads, by field: the roster reader's (Chinese or English,
#: see :data:`medins_core.io.roster.COLUMNS`), plus ``wage_fen`` for a wage in integer fen.
#: Other columns are ignored.
COLUMNS: dict[str, tuple[str, ...]] = {**ROSTER_COLUMNS, "wage_fen": ("wage_fen",)}
_FIELD_OF = {name: field for field, names in COLUMNS.items() for name in names}

#: A source of roster rows: a table, a record batch, or an iterable of either (chunks).
TableLike = Union["pa.Table", "pa.RecordBatch", Iterable[Any]]

OPEN_START = -(1 << 40)
OPEN_END = 1 << 40


@attrs.frozen
class Rows:
    """One chunk of a roster, parsed.

    Text that is only carried to the lines stays Arrow; what the arithmetic needs is numpy.
    ``codes`` is an order-preserving int64 code of an 18-character resident ID number (17
    digits and a check digit or ``X``) and -1 for any other certificate number.
    """

    cert: Any  # pa.StringArray
    name: Any  # pa.StringArray
    person_no: Any  # pa.StringArray | None
    wage: NDArray[np.int64]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    patterns: tuple[tuple[str, ...], ...]
    pattern: NDArray[np.int32]
    codes: NDArray[np.int64]
    row_of: NDArray[np.int64] | None = None  # each row's number in the file, when blank rows were skipped
    ordered: NDArray[np.int64] | None = None  # ``codes`` sorted, when known and none is -1

    def __len__(self) -> int:
        return len(self.wage)

    def clean_names(self) -> Rows:
        """These rows with names stripped of surrounding whitespace, as the roster reader does."""
        if not needs_cleaning(self.name):
            return self
        return attrs.evolve(self, name=pc.utf8_trim_whitespace(self.name))

    def take(self, index: NDArray[np.int64]) -> Rows:
        """These rows reordered or selected by ``index``."""
        arrow = pa.array(index, type=pa.int64())
        return attrs.evolve(
            self,
            cert=self.cert.take(arrow),
            name=self.name.take(arrow),
            person_no=None if self.person_no is None else self.person_no.take(arrow),
            wage=self.wage[index],
            start=self.start[index],
            end=self.end[index],
            pattern=self.pattern[index],
            codes=self.codes[index],
            row_of=None if self.row_of is None else self.row_of[index],
            ordered=None,
        )


def _periods(
    batch: Any, name: str, first_row: int, open_value: int, out: NDArray[np.int64] | None = None
) -> NDArray[np.int64]:
    """Period indices of a start/end column; null or empty means open (``out``: an array the
    usual cells may be read into)."""
    n = batch.num_rows
    column = get_column(batch, name)
    if column is None or column.null_count == n:
        return np.full(n, open_value, dtype=np.int64)
    if pa.types.is_floating(column.type):
        raise InputTypeError("invalid_column", f"float is not accepted for a period: 列 {name} 为浮点数", field=name)
    if pa.types.is_string(column.type) and not column.null_count:
        fast = _compact_periods(column, open_value, out)
        if fast is not None:
            return fast
    values, indices, nulls = distinct(column)
    parsed = np.empty(max(len(values), 1), dtype=np.int64)
    for i, value in enumerate(values):
        if isinstance(value, str) and not value.strip():
            parsed[i] = open_value
            continue
        try:
            parsed[i] = Period.parse(value, field=name).index
        except InputError as exc:
            row = first_row + int(np.flatnonzero((indices == i) & ~nulls)[0])
            raise input_error(exc.code, exc.message, name, row) from None
    result = parsed[indices]
    result[nulls] = open_value
    return result


def _compact_periods(column: Any, open_value: int, out: NDArray[np.int64] | None = None) -> NDArray[np.int64] | None:
    """Period indices of a text column of ``YYYYMM`` or empty cells, parsed in place; None
    when any cell is anything else (the general path then reads and checks it)."""
    offsets, data = string_buffers(column)
    lengths = np.diff(offsets)
    filled = np.flatnonzero(lengths != 0)  # few, as a rule (most persons stay all the range); of bools: faster
    count = len(filled)
    if int(offsets[-1] - offsets[0]) != 6 * count or (count and lengths[filled].min() != 6):
        return None  # some cell is neither empty nor six bytes
    if out is None:
        result = np.full(len(column), open_value, dtype=np.int64)
    else:
        result = out
        result.fill(open_value)
    if count:
        # the cells' bytes follow each other: the six-byte cells, in row order, and no others
        digits = data[offsets[0] : offsets[-1]].reshape(count, 6).astype(np.int64) - ord("0")
        if not ((digits >= 0) & (digits <= 9)).all():
            return None
        year = digits[:, :4] @ np.array([1000, 100, 10, 1])
        month = digits[:, 4] * 10 + digits[:, 5]
        if not (((month >= 1) & (month <= 12) & (year >= MIN_YEAR) & (year <= MAX_YEAR)).all()):
            return None
        result[filled] = year * 12 + month - 1
    return result


def parse_lines(text: str | None) -> tuple[str, ...]:
    """The cover of a ``lines`` cell as written (:func:`~medins_core.codes.split_lines`, as the
    roster reader splits it), ``*`` for the default lines; empty: ``('*',)``."""
    return split_lines(text) or (DEFAULT_LINES,)


def _patterns(batch: Any) -> tuple[tuple[tuple[str, ...], ...], NDArray[np.int32]]:
    n = batch.num_rows
    column = get_column(batch, "lines")
    if column is None or column.null_count == n:
        return ((DEFAULT_LINES,),), np.zeros(n, dtype=np.int32)
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        column = pc.binary_join(column, ";")
    values, indices, nulls = distinct(as_string(column, "lines"))
    patterns = [parse_lines(v) for v in values]
    if nulls.any():
        indices = np.where(nulls, len(patterns), indices)
        patterns.append((DEFAULT_LINES,))
    return tuple(patterns), indices.astype(np.int32)


def canonical(batch: Any) -> Any:
    """``batch`` with its known columns renamed to field names and the others dropped."""
    fields: dict[str, int] = {}
    for index, title in enumerate(batch.schema.names):
        field = _FIELD_OF.get(title.strip())
        if field is None:
            continue
        if field in fields:
            raise input_error("duplicate_column", f"列「{title}」重复", field)
        fields[field] = index
    return pa.RecordBatch.from_arrays([batch.column(i) for i in fields.values()], names=list(fields))


def parse_batch(
    batch: Any,
    first_row: int = 1,
    *,
    roster_checks: bool = False,
    today: datetime.date | None = None,
    workspace: Workspace | None = None,
) -> Rows:
    """Parse one record batch of a roster; ``first_row`` is the number of its first data row.

    Errors name the row as the reference path does (:func:`~medins_core.io.roster.read_roster`):
    the header is row 1, so data row ``n`` is row ``n + 1``, and they carry the reference's
    codes. With ``roster_checks`` (files: :func:`~medins_core.bulk.assess_file`) every check
    of the roster reader is made: a resident ID number is checked in full (where 证件类型 is
    absent or 居民身份证), a name must not be empty, a wage must be above 0; with ``today`` a
    birth date after it is refused; a person listed twice is refused when some certificate
    number is bad too, else left to the caller (:func:`~medins_core.bulk._engine.run` with a
    :class:`~medins_core.bulk._certs.FileListing`, which names the rows). Without,
    a table is taken as the API takes members (:func:`~medins_core.assessment.assess`). When
    several rows are bad, the first is reported, as the reference's first problem.

    Certificate numbers are stripped and upper-cased, as the roster reader does (a resident
    ID's check character ``x`` is ``X``); names are stripped by :meth:`Rows.clean_names`,
    only when lines are made, since amounts do not depend on them. With a ``workspace``, wages
    and periods may be read into its arrays, which the next batch's reuse.
    """
    row0 = first_row + 1
    row_of = None
    if roster_checks:
        blank = blank_rows(batch)
        if blank.any():  # not data to the roster reader, but they keep their numbers
            row_of = row0 + np.flatnonzero(~blank)
            batch = batch.filter(pa.array(~blank))
    try:
        batch = canonical(batch)
    except InputError as exc:
        exc.row = 1
        raise
    found: list[InputError] = []

    def attempt(check: Any, *args: Any) -> Any:
        try:
            return check(*args)
        except InputError as exc:
            found.append(exc)
            return None

    cert = attempt(_certificates, batch, row0, roster_checks, today, row_of)
    name = attempt(_names, batch, row0) if roster_checks else attempt(required_text, batch, "name", row0)
    n = batch.num_rows
    wage = attempt(_wages, batch, row0, roster_checks, spare(workspace, "wage", n))
    start = attempt(_periods, batch, "start", row0, OPEN_START, spare(workspace, "start", n))
    end = attempt(_periods, batch, "end", row0, OPEN_END, spare(workspace, "end", n))
    if found:
        order = ("cert_no", "name", "wage", "wage_fen", "start", "end")
        first = min(found, key=lambda e: (e.row or 0, order.index(e.field) if e.field in order else 9))
        if row_of is not None and first.row is not None:
            first.row = int(row_of[first.row - row0])
        raise first
    cert, codes, ordered = cert
    person_no = get_column(batch, "person_no")
    if person_no is not None:
        person_no = pc.utf8_trim_whitespace(as_string(person_no, "person_no"))
        person_no = pc.if_else(pc.equal(person_no, ""), pa.scalar(None, pa.string()), person_no)
    patterns, pattern = _patterns(batch)
    return Rows(
        cert=cert,
        name=name,
        person_no=person_no,
        wage=wage,
        start=start,
        end=end,
        patterns=patterns,
        pattern=pattern,
        codes=codes,
        row_of=row_of,
        ordered=ordered,
    )


#: Bytes that begin a character which is not whitespace: printable ASCII but the space, and
#: the lead bytes of U+4000–U+9FFF (CJK); a name starting otherwise is checked in full.
_NAME_START = np.zeros(256, dtype=bool)
_NAME_START[0x21:0x7F] = True
_NAME_START[0xE4:0xEA] = True


def _names(batch: Any, row0: int) -> Any:
    name = required_text(batch, "name", row0)
    offsets, data = string_buffers(name)
    lengths = np.diff(offsets)
    if len(name) and lengths.max() > MAX_CELL_CHARS:  # never more characters than bytes
        chars = pc.utf8_length(name).to_numpy(zero_copy_only=False)
        if chars.max() > MAX_CELL_CHARS:
            row = row0 + int(np.flatnonzero(chars > MAX_CELL_CHARS)[0])
            raise input_error("cell_too_long", f"单元格超过 {MAX_CELL_CHARS} 个字符", "name", row)
    if len(name) and not (lengths.min() > 0 and _NAME_START[data.take(offsets[:-1])].all()):
        empty = pc.equal(pc.utf8_trim_whitespace(name), "").to_numpy(zero_copy_only=False)
        if empty.any():
            raise input_error("missing_field", "姓名不能为空", "name", row0 + int(np.flatnonzero(empty)[0]))
    return name
