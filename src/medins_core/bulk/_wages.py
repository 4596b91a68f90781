"""Wages in bulk: text, exact decimals or integer fen to int64 fen, exactly, with the roster
reader's refusals (codes and rows).

Text of digits, a dot and two decimals, the usual form, is read from the bytes eight at a time;
other text takes Arrow's exact decimal cast when only digits and a dot are written, and else
:func:`~medins_core.money.to_money` on each distinct value, which names the first bad row.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from medins_core.bulk._arrow import (
    ZEROS,
    are_digits,
    as_string,
    digit_values,
    first_null,
    get_column,
    in_blocks,
    input_error,
    string_buffers,
)
from medins_core.errors import InputError, InputTypeError
from medins_core.model import MAX_WAGE
from medins_core.money import to_money

_MAX_WAGE_FEN = int(MAX_WAGE.scaleb(2))  # the reference engine's bound, far below 2**63
_WAGE_CHARS = np.zeros(256, dtype=bool)
_WAGE_CHARS[np.frombuffer(b"0123456789.", dtype=np.uint8)] = True


def _fen(amount: Decimal, row: int | None = None) -> int:
    """A non-negative wage in whole fen, exactly."""
    if amount < 0:
        raise input_error("invalid_wage", f"工资不能为负: {amount}", "wage", row)
    fen = amount.scaleb(2)
    if fen != fen.to_integral_value():
        raise input_error("invalid_wage", f"工资须精确到分，不能有更多小数: {amount}", "wage", row)
    if fen >= _MAX_WAGE_FEN:
        raise input_error("invalid_wage", f"工资金额过大: {amount}", "wage", row)
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
        raise input_error("invalid_wage", f"工资不能为负: {array[row].as_py()}", "wage", first_row + row)
    return fen


def _text_fen(array: Any, first_row: int, out: NDArray[np.int64] | None = None) -> NDArray[np.int64]:
    """Fen of wages written as text, with exactly the grammar of :func:`to_money` (the usual
    form computed in ``out``, when given)."""
    cents = _cents_fen(array, out)
    if cents is not None:
        return cents
    offsets, data = string_buffers(array)
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
                raise input_error("missing_field", "工资不能为空", "wage")
            values[i] = _fen(to_money(text, field="wage"))
        except InputError as exc:  # only now look for the row, to name it
            row = first_row + int(np.flatnonzero(indices == i)[0])
            code = exc.code if exc.code == "missing_field" else "invalid_wage"  # the reference's codes
            raise input_error(code, exc.message, "wage", row) from None
    result: NDArray[np.int64] = values[indices]
    return result


_BEFORE_DOT = np.uint64(0x000000FFFFFFFFFF)  # of the last eight bytes, the dot is byte 5
_DECIMALS = np.uint64(0xFFFF000000000000)
_DOT_BYTE, _DOT = np.uint64(0xFF << 40), np.uint64(ord(".") << 40)


def _tails(skip: int) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    """By a value's length (0-16): which bytes of its eight bytes that end ``skip`` bytes
    before its end are its own (the top ones), and "0" in the other bytes."""
    own = [min(max(n - skip, 0), 8) for n in range(17)]
    keep = np.array([(1 << 64) - (1 << (64 - 8 * k)) for k in own], dtype=np.uint64)
    return keep, ZEROS & ~keep


_LOW_KEEP, _LOW_FILL = _tails(0)
_HIGH_KEEP, _HIGH_FILL = _tails(8)


def _last_bytes(data: NDArray[np.uint8], end: NDArray[np.intp], back: int) -> NDArray[np.uint64]:
    """The eight bytes from ``end - back`` of each value, as little-endian words: a gather
    from the words at every byte of ``data``, which overlap (at least ``back`` bytes before the
    first end)."""
    words = np.ndarray((len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))
    result: NDArray[np.uint64] = words[end - back]  # (take would copy the view whole)
    return result


def _cents_fen(array: Any, out: NDArray[np.int64] | None = None) -> NDArray[np.int64] | None:
    """Fen of wages all written as 1 to 13 digits, a dot and two decimals (``5737.50``), read
    as the last sixteen bytes of each, eight at a time; None when any is written otherwise
    (the general path then reads it, or names the row)."""
    found: NDArray[np.int64] | None = in_blocks(_cents_block, len(array), array, out=out)
    return found


def _cents_block(array: Any) -> NDArray[np.int64] | None:
    offsets, data = string_buffers(array)
    if not len(array):
        return None
    lengths = np.subtract(offsets[1:], offsets[:-1], dtype=np.intp)
    longest = int(lengths.max())
    if lengths.min() < 4 or longest > 16:
        return None
    back = 16 if longest > 8 else 8
    end = offsets[1:].astype(np.intp)
    if int(offsets[1]) < back:  # bytes before the first value are read: put some there
        data = np.concatenate((np.zeros(back, dtype=np.uint8), data))
        end += back
    # bytes before a value's first are another value's: make them "0"
    low = _last_bytes(data, end, 8)
    low &= _LOW_KEEP.take(lengths)
    low |= _LOW_FILL.take(lengths)
    if ((low & _DOT_BYTE) != _DOT).any():
        return None
    # drop the dot: the five bytes before it move up one, a "0" comes first; eight digits of fen
    decimals = low & _DECIMALS
    low &= _BEFORE_DOT
    low <<= np.uint64(8)
    low |= decimals
    low |= np.uint64(ord("0"))
    low -= ZEROS
    high = None
    if back > 8:
        high = _last_bytes(data, end, 16)
        high &= _HIGH_KEEP.take(lengths)
        high |= _HIGH_FILL.take(lengths)
        high -= ZEROS
    if not are_digits(low) or (high is not None and not are_digits(high)):
        return None
    fen = digit_values(low)
    if high is not None:
        fen += digit_values(high) * 10_000_000
    return fen


def _wages(batch: Any, first_row: int, checked: bool, out: NDArray[np.int64] | None = None) -> NDArray[np.int64]:
    """Wages in fen below the reference's bound; ``checked``: above 0, as the roster reader wants
    (``out``: an array the usual text form may be read into).

    The first bad row is reported whatever is wrong with it, as the reference does.
    """
    try:
        fen = _wage_fen(batch, first_row, out)
    except InputError as exc:
        if checked and exc.row is not None and exc.row > first_row:
            _positive(_wage_fen(batch.slice(0, exc.row - first_row), first_row), first_row)  # rows before it
        raise
    if len(fen) and fen.max() >= _MAX_WAGE_FEN:  # the fast decimal path does not look
        row = int(np.flatnonzero(fen >= _MAX_WAGE_FEN)[0])
        if checked:
            _positive(fen[:row], first_row)
        raise input_error("invalid_wage", f"缴费工资须大于0且小于{MAX_WAGE}元", "wage", first_row + row)
    if checked:
        _positive(fen, first_row)
    return fen


def _positive(fen: NDArray[np.int64], first_row: int) -> None:
    if len(fen) and fen.min() <= 0:
        row = int(np.flatnonzero(fen <= 0)[0])
        raise input_error("invalid_wage", f"缴费工资须大于0且小于{MAX_WAGE}元", "wage", first_row + row)


def _wage_fen(batch: Any, first_row: int, out: NDArray[np.int64] | None = None) -> NDArray[np.int64]:
    wage, fen = get_column(batch, "wage"), get_column(batch, "wage_fen")
    if wage is not None and fen is not None:
        raise input_error("conflicting_fields", "wage 与 wage_fen 只能给出其一", "wage")
    if wage is None and fen is None:
        raise input_error("missing_column", "缺少列 wage（元）或 wage_fen（分）", "wage")
    column: Any = wage if wage is not None else fen
    name = "wage" if wage is not None else "wage_fen"
    if column.null_count:
        raise input_error("missing_field", "工资不能为空", name, first_row + first_null(column))
    kind = column.type
    if pa.types.is_floating(kind):
        raise InputTypeError(
            "invalid_column", f"float is not accepted for money: 列 {name} 为浮点数 ({kind})，请用文本、小数或整数分", field=name
        )
    if fen is not None:
        if not pa.types.is_integer(kind):
            raise input_error("invalid_column", f"wage_fen 应为整数分，而不是 {kind}", name)
        values = column.cast(pa.int64()).to_numpy(zero_copy_only=False)
        if (values < 0).any():
            row = int(np.flatnonzero(values < 0)[0])
            raise input_error("invalid_wage", f"工资不能为负: {values[row]} 分", name, first_row + row)
        if (values >= _MAX_WAGE_FEN).any():
            row = int(np.flatnonzero(values >= _MAX_WAGE_FEN)[0])
            raise input_error("invalid_wage", f"工资金额过大: {values[row]} 分", name, first_row + row)
        return np.asarray(values, dtype=np.int64)
    if pa.types.is_decimal(kind):
        return _decimal_fen(column, first_row)
    if pa.types.is_integer(kind):
        # yuan or fen? Refuse to guess: text/decimal is yuan, wage_fen is fen.
        raise input_error("invalid_column", "整数的 wage 列含义不明：元请用文本或小数列，分请用 wage_fen", name)
    return _text_fen(as_string(column, name), first_row, out)
