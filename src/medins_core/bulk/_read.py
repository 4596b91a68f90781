"""Rosters as Arrow: CSV and Parquet read in chunks, and each chunk parsed to integers.

A roster has one row per person (the columns are listed in :data:`COLUMNS`). Wages are read
as text or exact decimals and become integer fen; a float wage is refused, as everywhere in
medins. Periods and insurance lines have few distinct values, so each distinct value is parsed
once in Python (with :meth:`Period.parse`, the same as the rest of medins) and mapped back.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Union

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from medins_core.codes import is_resident_id_type
from medins_core.errors import InputError, InputTypeError
from medins_core.ids import mask_cert_no, parse_resident_id
from medins_core.io.limits import MAX_CELL_CHARS
from medins_core.io.roster import COLUMNS as ROSTER_COLUMNS
from medins_core.model import DEFAULT_LINES, MAX_WAGE
from medins_core.money import to_money
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
_MAX_WAGE_FEN = int(MAX_WAGE.scaleb(2))  # the reference engine's bound, far below 2**63
_LINE_SEPARATORS = re.compile(r"[,，、;]")
_CERT_LENGTH = 18
_WAGE_CHARS = np.zeros(256, dtype=bool)
_WAGE_CHARS[np.frombuffer(b"0123456789.", dtype=np.uint8)] = True
_UNCLEAN = np.zeros(256, dtype=bool)
_UNCLEAN[np.frombuffer(b" \t\r\n\v\fabcdefghijklmnopqrstuvwxyz", dtype=np.uint8)] = True
_UNCLEAN[0x80:] = True


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

    def __len__(self) -> int:
        return len(self.wage)

    def clean_names(self) -> Rows:
        """These rows with names stripped of surrounding whitespace, as the roster reader does."""
        if not _needs_cleaning(self.name):
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
        )


def _error(code: str, message: str, field: str, row: int | None = None) -> InputError:
    return InputError(code, message, field=field, row=row)


def _column(batch: Any, name: str) -> Any | None:
    index = batch.schema.get_field_index(name)
    return None if index < 0 else batch.column(index)


def _as_string(array: Any, field: str) -> Any:
    kind = array.type
    if pa.types.is_dictionary(kind):
        array = array.cast(kind.value_type)
        kind = array.type
    if pa.types.is_large_string(kind) or getattr(pa.types, "is_string_view", lambda _: False)(kind):
        return array.cast(pa.string())
    if pa.types.is_string(kind):
        return array
    raise _error("invalid_column", f"列 {field} 应为文本，而不是 {kind}", field)


def _first_null(array: Any) -> int:
    return int(np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))[0])


def _required_text(batch: Any, name: str, first_row: int) -> Any:
    column = _column(batch, name)
    if column is None:
        raise _error("missing_column", f"缺少列 {name}", name)
    column = _as_string(column, name)
    if column.null_count:
        raise _error("missing_field", f"{name} 为空", name, first_row + _first_null(column))
    return column


def _offsets(array: Any) -> tuple[NDArray[np.int32], NDArray[np.uint8]]:
    """The value offsets and data bytes of a string array, without copying."""
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32, count=len(array) + 1, offset=array.offset * 4)
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.empty(0, np.uint8)
    return offsets, data


def cert_codes(cert: Any) -> NDArray[np.int64]:
    """Order-preserving int64 codes of resident ID numbers; -1 for other certificate numbers.

    Seventeen digits and a last character 0-9 or X (in that order, as in code-point order)
    map to ``digits17 * 11 + last``: equal codes are equal strings and code order is string
    order, so duplicates and the smallest number are found with integer operations.
    """
    offsets, data = _offsets(cert)
    codes = np.full(len(cert), -1, dtype=np.int64)
    lengths = np.diff(offsets)
    if not len(cert):
        return codes
    if (lengths == _CERT_LENGTH).all():  # the usual case: read the bytes in place
        rows = None
        packed = data[offsets[0] : offsets[-1]]
    else:
        rows = np.flatnonzero(lengths == _CERT_LENGTH)
        packed = data[(offsets[rows, None] + np.arange(_CERT_LENGTH)).ravel()]
    count = len(packed) // _CERT_LENGTH
    if not count:
        return codes
    high, ok_high = _eight_digits(packed, 0, count)
    low, ok_low = _eight_digits(packed, 8, count)
    tail = packed.reshape(count, _CERT_LENGTH)[:, 16:].astype(np.int64) - ord("0")
    last = tail[:, 1]
    is_x = last == ord("X") - ord("0")
    ok = ok_high & ok_low & (tail[:, 0] >= 0) & (tail[:, 0] <= 9) & (((last >= 0) & (last <= 9)) | is_x)
    value = (high * 10**9 + low * 10 + tail[:, 0]) * 11 + np.where(is_x, 10, last)
    if rows is None:
        codes[ok] = value[ok]
    else:
        codes[rows[ok]] = value[ok]
    return codes


def _eight_digits(packed: NDArray[np.uint8], at: int, count: int) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Eight ASCII digits at byte ``at`` of each 18-byte record, as numbers (SWAR), and whether
    all eight are digits. The bytes are read as one little-endian uint64 per record."""
    words = np.ndarray((count,), dtype="<u8", buffer=packed, offset=at, strides=(_CERT_LENGTH,)).copy()
    high = words & np.uint64(0xF0F0F0F0F0F0F0F0)
    ok = (high == np.uint64(0x3030303030303030)) & (
        (words + np.uint64(0x0606060606060606)) & np.uint64(0xF0F0F0F0F0F0F0F0) == np.uint64(0x3030303030303030)
    )
    v = words - np.uint64(0x3030303030303030)  # first digit in the lowest byte
    v = (v * np.uint64(10) + (v >> np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    v = (v * np.uint64(100) + (v >> np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    v = (v * np.uint64(10000) + (v >> np.uint64(32))) & np.uint64(0x00000000FFFFFFFF)
    return v.astype(np.int64), ok


def _fen(amount: Decimal, row: int | None = None) -> int:
    """A non-negative wage in whole fen, exactly."""
    if amount < 0:
        raise _error("invalid_wage", f"工资不能为负: {amount}", "wage", row)
    fen = amount.scaleb(2)
    if fen != fen.to_integral_value():
        raise _error("invalid_wage", f"工资须精确到分，不能有更多小数: {amount}", "wage", row)
    if fen >= _MAX_WAGE_FEN:
        raise _error("invalid_wage", f"工资金额过大: {amount}", "wage", row)
    return int(fen)


def _cast_fen(array: Any) -> NDArray[np.int64]:
    """Fen of text or decimals by an exact cast to decimal128(18, 2); ArrowInvalid if inexact."""
    exact = array.cast(pa.decimal128(18, 2))
    words = np.frombuffer(exact.buffers()[1], dtype=np.int64, count=2 * len(exact), offset=exact.offset * 16)
    fen: NDArray[np.int64] = words[0::2].copy()  # precision 18 fits the low word
    return fen


def _decimal_fen(array: Any, first_row: int) -> NDArray[np.int64]:
    """Fen of a decimal column."""
    try:
        fen = _cast_fen(array)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        for i, value in enumerate(array.to_pylist()):  # the row and what is wrong with it
            _fen(value, first_row + i)
        raise
    if (fen < 0).any():
        row = int(np.flatnonzero(fen < 0)[0])
        raise _error("invalid_wage", f"工资不能为负: {array[row].as_py()}", "wage", first_row + row)
    return fen


def _text_fen(array: Any, first_row: int) -> NDArray[np.int64]:
    """Fen of wages written as text, with exactly the grammar of :func:`to_money`."""
    offsets, data = _offsets(array)
    lengths = np.diff(offsets)
    body = data[offsets[0] : offsets[-1]]
    # Fast path: digits with one inner dot, which Arrow's decimal cast reads exactly as
    # to_money does. Anything else (separators, signs, spaces) takes the slow path.
    if len(array) and lengths.min() > 0 and _WAGE_CHARS[body].all():
        edges = data[np.concatenate((offsets[:-1], offsets[1:] - 1))]
        if ((edges >= ord("0")) & (edges <= ord("9"))).all():
            try:
                return _cast_fen(array)  # no sign possible here, so never negative
            except pa.ArrowInvalid:
                pass  # the slow path names the bad row
    encoded = pc.dictionary_encode(array)
    values = np.empty(len(encoded.dictionary), dtype=np.int64)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    for i, text in enumerate(encoded.dictionary.to_pylist()):
        try:
            if not text.strip():
                raise _error("missing_field", "工资不能为空", "wage")
            values[i] = _fen(to_money(text, field="wage"))
        except InputError as exc:  # only now look for the row, to name it
            row = first_row + int(np.flatnonzero(indices == i)[0])
            code = exc.code if exc.code == "missing_field" else "invalid_wage"  # the reference's codes
            raise _error(code, exc.message, "wage", row) from None
    result: NDArray[np.int64] = values[indices]
    return result


def _wages(batch: Any, first_row: int, checked: bool) -> NDArray[np.int64]:
    """Wages in fen below the reference's bound; ``checked``: above 0, as the roster reader wants.

    The first bad row is reported whatever is wrong with it, as the reference does.
    """
    try:
        fen = _wage_fen(batch, first_row)
    except InputError as exc:
        if checked and exc.row is not None and exc.row > first_row:
            _positive(_wage_fen(batch.slice(0, exc.row - first_row), first_row), first_row)  # rows before it
        raise
    if len(fen) and fen.max() >= _MAX_WAGE_FEN:  # the fast decimal path does not look
        row = int(np.flatnonzero(fen >= _MAX_WAGE_FEN)[0])
        if checked:
            _positive(fen[:row], first_row)
        raise _error("invalid_wage", f"缴费工资须大于0且小于{MAX_WAGE}元", "wage", first_row + row)
    if checked:
        _positive(fen, first_row)
    return fen


def _positive(fen: NDArray[np.int64], first_row: int) -> None:
    if len(fen) and fen.min() <= 0:
        row = int(np.flatnonzero(fen <= 0)[0])
        raise _error("invalid_wage", f"缴费工资须大于0且小于{MAX_WAGE}元", "wage", first_row + row)


def _wage_fen(batch: Any, first_row: int) -> NDArray[np.int64]:
    wage, fen = _column(batch, "wage"), _column(batch, "wage_fen")
    if wage is not None and fen is not None:
        raise _error("conflicting_fields", "wage 与 wage_fen 只能给出其一", "wage")
    if wage is None and fen is None:
        raise _error("missing_column", "缺少列 wage（元）或 wage_fen（分）", "wage")
    column: Any = wage if wage is not None else fen
    name = "wage" if wage is not None else "wage_fen"
    if column.null_count:
        raise _error("missing_field", "工资不能为空", name, first_row + _first_null(column))
    kind = column.type
    if pa.types.is_floating(kind):
        raise InputTypeError(
            "invalid_column", f"float is not accepted for money: 列 {name} 为浮点数 ({kind})，请用文本、小数或整数分", field=name
        )
    if fen is not None:
        if not pa.types.is_integer(kind):
            raise _error("invalid_column", f"wage_fen 应为整数分，而不是 {kind}", name)
        values = column.cast(pa.int64()).to_numpy(zero_copy_only=False)
        if (values < 0).any():
            row = int(np.flatnonzero(values < 0)[0])
            raise _error("invalid_wage", f"工资不能为负: {values[row]} 分", name, first_row + row)
        if (values >= _MAX_WAGE_FEN).any():
            row = int(np.flatnonzero(values >= _MAX_WAGE_FEN)[0])
            raise _error("invalid_wage", f"工资金额过大: {values[row]} 分", name, first_row + row)
        return np.asarray(values, dtype=np.int64)
    if pa.types.is_decimal(kind):
        return _decimal_fen(column, first_row)
    if pa.types.is_integer(kind):
        # yuan or fen? Refuse to guess: text/decimal is yuan, wage_fen is fen.
        raise _error("invalid_column", "整数的 wage 列含义不明：元请用文本或小数列，分请用 wage_fen", name)
    return _text_fen(_as_string(column, name), first_row)


def _distinct(column: Any) -> tuple[list[Any], NDArray[np.int64], NDArray[np.bool_]]:
    """Distinct values of ``column``, the index of each row's value, and which rows are null."""
    encoded = pc.dictionary_encode(column)
    indices = encoded.indices
    nulls = indices.is_null().to_numpy(zero_copy_only=False)
    return (
        encoded.dictionary.to_pylist(),
        indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64),
        nulls,
    )


def _periods(batch: Any, name: str, first_row: int, open_value: int) -> NDArray[np.int64]:
    """Period indices of a start/end column; null or empty means open."""
    n = batch.num_rows
    column = _column(batch, name)
    if column is None or column.null_count == n:
        return np.full(n, open_value, dtype=np.int64)
    if pa.types.is_floating(column.type):
        raise InputTypeError("invalid_column", f"float is not accepted for a period: 列 {name} 为浮点数", field=name)
    if pa.types.is_string(column.type) and not column.null_count:
        fast = _compact_periods(column, open_value)
        if fast is not None:
            return fast
    values, indices, nulls = _distinct(column)
    parsed = np.empty(max(len(values), 1), dtype=np.int64)
    for i, value in enumerate(values):
        if isinstance(value, str) and not value.strip():
            parsed[i] = open_value
            continue
        try:
            parsed[i] = Period.parse(value, field=name).index
        except InputError as exc:
            row = first_row + int(np.flatnonzero((indices == i) & ~nulls)[0])
            raise _error(exc.code, exc.message, name, row) from None
    result = parsed[indices]
    result[nulls] = open_value
    return result


def _compact_periods(column: Any, open_value: int) -> NDArray[np.int64] | None:
    """Period indices of a text column of ``YYYYMM`` or empty cells, parsed in place; None
    when any cell is anything else (the general path then reads and checks it)."""
    offsets, data = _offsets(column)
    lengths = np.diff(offsets)
    if not ((lengths == 0) | (lengths == 6)).all():
        return None
    result = np.full(len(column), open_value, dtype=np.int64)
    rows = np.flatnonzero(lengths == 6)
    if rows.size:
        digits = data[offsets[rows, None] + np.arange(6)].astype(np.int64) - ord("0")
        if not ((digits >= 0) & (digits <= 9)).all():
            return None
        year = digits[:, :4] @ np.array([1000, 100, 10, 1])
        month = digits[:, 4] * 10 + digits[:, 5]
        if not (((month >= 1) & (month <= 12) & (year >= MIN_YEAR) & (year <= MAX_YEAR)).all()):
            return None
        result[rows] = year * 12 + month - 1
    return result


def parse_lines(text: str | None) -> tuple[str, ...]:
    """The cover of a ``lines`` cell as written: codes or names separated by , ， 、 or ;
    (as the roster reader splits them), ``*`` for the default lines; empty: ``('*',)``."""
    parts = (part.strip() for part in _LINE_SEPARATORS.split(text or ""))
    return tuple(dict.fromkeys(part for part in parts if part)) or (DEFAULT_LINES,)


def _patterns(batch: Any) -> tuple[tuple[tuple[str, ...], ...], NDArray[np.int32]]:
    n = batch.num_rows
    column = _column(batch, "lines")
    if column is None or column.null_count == n:
        return ((DEFAULT_LINES,),), np.zeros(n, dtype=np.int32)
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        column = pc.binary_join(column, ";")
    values, indices, nulls = _distinct(_as_string(column, "lines"))
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
            raise _error("duplicate_column", f"列「{title}」重复", field)
        fields[field] = index
    return pa.RecordBatch.from_arrays([batch.column(i) for i in fields.values()], names=list(fields))


def _needs_cleaning(array: Any) -> bool:
    """Whether any byte of a string array is whitespace, a lower-case letter or non-ASCII."""
    offsets, data = _offsets(array)
    body = data[offsets[0] : offsets[-1]]
    return bool(_UNCLEAN[body].any())


def parse_batch(
    batch: Any, first_row: int = 1, *, roster_checks: bool = False, today: datetime.date | None = None
) -> Rows:
    """Parse one record batch of a roster; ``first_row`` is the number of its first data row.

    Errors name the row as the reference path does (:func:`~medins_core.io.roster.read_roster`):
    the header is row 1, so data row ``n`` is row ``n + 1``, and they carry the reference's
    codes. With ``roster_checks`` (files: :func:`~medins_core.bulk.assess_file`) every check
    of the roster reader is made: a resident ID number is checked in full (where 证件类型 is
    absent or 居民身份证), a name must not be empty, a wage must be above 0; with ``today`` a
    birth date after it is refused. Without, a table is taken as the API takes members
    (:func:`~medins_core.assessment.assess`). When several rows are bad, the first is
    reported, as the reference's first problem.

    Certificate numbers are stripped and upper-cased, as the roster reader does (a resident
    ID's check character ``x`` is ``X``); names are stripped by :meth:`Rows.clean_names`,
    only when lines are made, since amounts do not depend on them.
    """
    row0 = first_row + 1
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

    cert = attempt(_certificates, batch, row0, roster_checks, today)
    name = attempt(_names, batch, row0) if roster_checks else attempt(_required_text, batch, "name", row0)
    wage = attempt(_wages, batch, row0, roster_checks)
    start = attempt(_periods, batch, "start", row0, OPEN_START)
    end = attempt(_periods, batch, "end", row0, OPEN_END)
    if found:
        order = ("cert_no", "name", "wage", "wage_fen", "start", "end")
        raise min(found, key=lambda e: (e.row or 0, order.index(e.field) if e.field in order else 9))
    cert, codes = cert
    person_no = _column(batch, "person_no")
    if person_no is not None:
        person_no = pc.utf8_trim_whitespace(_as_string(person_no, "person_no"))
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
    )


def _certificates(
    batch: Any, row0: int, checked: bool, today: datetime.date | None
) -> tuple[Any, NDArray[np.int64]]:
    cert = _required_text(batch, "cert_no", row0)
    codes = cert_codes(cert)
    if (codes < 0).any() and _needs_cleaning(cert):  # a resident ID number needs no cleaning
        cert = pc.utf8_upper(pc.utf8_trim_whitespace(cert))
        codes = cert_codes(cert)
    empty = pc.equal(cert, "").to_numpy(zero_copy_only=False) if (codes < 0).any() else np.zeros(len(cert), bool)
    flagged = empty
    if checked:
        flagged = empty | (_resident_rows(batch, len(cert)) & ~_plausible_ids(codes, today))
    duplicate = _duplicate(cert, row0) if checked else None
    if flagged.any():  # the exact checks, in row order, for the few rows flagged
        certs = cert.to_pylist()
        for i in np.flatnonzero(flagged):
            if duplicate is not None and duplicate.row is not None and duplicate.row <= row0 + int(i):
                raise duplicate  # the first bad row, as the reference reports it
            if not certs[i]:
                raise _error("missing_field", "证件号码不能为空", "cert_no", row0 + int(i))
            try:
                birth = parse_resident_id(certs[i]).birth
            except InputError as exc:
                raise _error(exc.code, exc.message, "cert_no", row0 + int(i)) from None
            if today is not None and birth > today:
                raise _error("invalid_cert_no", f"证件号码中的出生日期晚于今天：{mask_cert_no(certs[i])}", "cert_no", row0 + int(i))
    if duplicate is not None:
        raise duplicate
    return cert, codes


def _duplicate(cert: Any, row0: int) -> InputError | None:
    """The error for the first person listed twice in a batch, named as the reference does
    (across batches the engine finds it), or None."""
    indices = pc.dictionary_encode(cert).indices.to_numpy(zero_copy_only=False)
    values, first = np.unique(indices, return_index=True)
    if len(values) == len(indices):
        return None
    later = np.ones(len(indices), dtype=bool)
    later[first] = False
    row = int(np.flatnonzero(later)[0])
    seen = int(first[np.searchsorted(values, indices[row])])
    number = cert[row].as_py()
    return _error("duplicate_person", f"与第 {row0 + seen} 行是同一人员 ({mask_cert_no(number)})", "cert_no", row0 + row)


def _resident_rows(batch: Any, n: int) -> NDArray[np.bool_]:
    """Rows whose certificate is a resident ID: 证件类型 absent, empty or a resident ID name."""
    column = _column(batch, "cert_type")
    if column is None:
        return np.ones(n, dtype=bool)
    values, indices, nulls = _distinct(_as_string(column, "cert_type"))
    resident = np.array([not v.strip() or is_resident_id_type(v) for v in values] or [True])
    result: NDArray[np.bool_] = resident[indices] | nulls
    return result


_WEIGHTS = np.array([2 ** (17 - i) % 11 for i in range(17)], dtype=np.int64)
_CHECK = np.array([1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)  # 10 is X
_MONTH_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _plausible_ids(codes: NDArray[np.int64], today: datetime.date | None) -> NDArray[np.bool_]:
    """Rows whose code is a resident ID with a right check character and a real birth date
    from 1900 on (not after ``today``); the others are checked exactly, one by one."""
    ok = codes >= 0
    digits17, last = np.divmod(np.where(ok, codes, 0), 11)
    digits = np.empty((len(codes), 17), dtype=np.int64)
    rest = digits17
    for i in range(16, -1, -1):
        rest, digits[:, i] = np.divmod(rest, 10)
    ok &= _CHECK[(digits @ _WEIGHTS) % 11] == last
    year = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
    month = digits[:, 10] * 10 + digits[:, 11]
    day = digits[:, 12] * 10 + digits[:, 13]
    ok &= (year >= 1900) & (month >= 1) & (month <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    ok &= (day >= 1) & (day <= _MONTH_DAYS[np.clip(month, 0, 12)] - ((month == 2) & ~leap))
    if today is not None:
        ok &= year * 10000 + month * 100 + day <= today.year * 10000 + today.month * 100 + today.day
    result: NDArray[np.bool_] = ok
    return result


def _names(batch: Any, row0: int) -> Any:
    name = _required_text(batch, "name", row0)
    lengths = pc.utf8_length(name).to_numpy(zero_copy_only=False)
    if len(lengths) and lengths.max() > MAX_CELL_CHARS:
        row = row0 + int(np.flatnonzero(lengths > MAX_CELL_CHARS)[0])
        raise _error("cell_too_long", f"单元格超过 {MAX_CELL_CHARS} 个字符", "name", row)
    if len(name) and int(pc.min(pc.utf8_length(pc.utf8_trim_whitespace(name))).as_py()) == 0:
        empty = pc.equal(pc.utf8_trim_whitespace(name), "").to_numpy(zero_copy_only=False)
        raise _error("missing_field", "姓名不能为空", "name", row0 + int(np.flatnonzero(empty)[0]))
    return name
