"""Small helpers on Arrow string arrays shared by the bulk readers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from medins_core.errors import InputError

_UNCLEAN = np.zeros(256, dtype=bool)
_UNCLEAN[np.frombuffer(b" \t\r\n\v\fabcdefghijklmnopqrstuvwxyz", dtype=np.uint8)] = True
_UNCLEAN[0x80:] = True


#: Rows per block of the byte-level parsers, which bounds their temporaries whatever the
#: chunk's size: a file's chunk is one block. Smaller blocks are no faster in one thread and
#: slower in several, where each numpy call's hand-over of the GIL costs more than a short
#: call gains (docs/bulk.md).
BLOCK_ROWS = 1 << 17


def in_blocks(
    parse: Callable[..., NDArray[Any] | None], n: int, *columns: Any, out: NDArray[Any] | None = None
) -> NDArray[Any] | None:
    """``parse(*columns)`` computed on blocks of :data:`BLOCK_ROWS` rows of the columns (Arrow
    or numpy arrays of ``n`` rows) and joined (in ``out``, when given and there are several
    blocks); None as soon as a block gives None."""
    if n <= BLOCK_ROWS:
        return parse(*columns)
    parts = []
    for lo in range(0, n, BLOCK_ROWS):
        part = parse(*(c.slice(lo, BLOCK_ROWS) if hasattr(c, "slice") else c[lo : lo + BLOCK_ROWS] for c in columns))
        if part is None:
            return None
        parts.append(part)
    return np.concatenate(parts, out=out)


def input_error(code: str, message: str, field: str, row: int | None = None) -> InputError:
    return InputError(code, message, field=field, row=row)


def get_column(batch: Any, name: str) -> Any | None:
    index = batch.schema.get_field_index(name)
    return None if index < 0 else batch.column(index)


def as_string(array: Any, field: str) -> Any:
    kind = array.type
    if pa.types.is_dictionary(kind):
        array = array.cast(kind.value_type)
        kind = array.type
    if pa.types.is_large_string(kind) or getattr(pa.types, "is_string_view", lambda _: False)(kind):
        return array.cast(pa.string())
    if pa.types.is_string(kind):
        return array
    raise input_error("invalid_column", f"列 {field} 应为文本，而不是 {kind}", field)


def first_null(array: Any) -> int:
    return int(np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))[0])


def required_text(batch: Any, name: str, first_row: int) -> Any:
    column = get_column(batch, name)
    if column is None:
        raise input_error("missing_column", f"缺少列 {name}", name)
    column = as_string(column, name)
    if column.null_count:
        raise input_error("missing_field", f"{name} 为空", name, first_row + first_null(column))
    return column


def string_buffers(array: Any) -> tuple[NDArray[np.int32], NDArray[np.uint8]]:
    """The value offsets and data bytes of a string array, without copying."""
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32, count=len(array) + 1, offset=array.offset * 4)
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.empty(0, np.uint8)
    return offsets, data


def is_ascii(array: Any) -> bool:
    """Whether every byte of a string array is ASCII (so the text is UTF-8): the bytes are
    OR-ed together eight at a time."""
    offsets, data = string_buffers(array)
    body = data[offsets[0] : offsets[-1]]
    whole = len(body) // 8 * 8
    seen = int(np.bitwise_or.reduce(body[:whole].view(np.uint64), initial=0))
    seen |= int(np.bitwise_or.reduce(body[whole:], initial=0))
    return not seen & 0x8080808080808080


def is_utf8(array: Any) -> bool:
    """Whether every value of a string array is UTF-8: its bytes validated as one value
    (half the time of one value at a time, for short text), and no value starting with a
    continuation byte (0x80-0xBF). In valid UTF-8 every other byte starts a character, so
    then no value cuts one and each value is valid."""
    offsets, data = string_buffers(array)
    lo, hi = int(offsets[0]), int(offsets[-1])
    starts = offsets[:-1]
    if len(starts) and starts[-1] == hi:  # empty values at the end: no byte to look at
        starts = starts[: int(np.searchsorted(starts, hi))]
    if len(starts) and bool((data.take(starts).view(np.int8) < -64).any()):  # 0x80-0xBF as int8
        return False
    bounds = pa.py_buffer(np.array([lo, hi], dtype=np.int32))
    whole = pa.Array.from_buffers(pa.binary(), 1, [None, bounds, array.buffers()[2]])
    try:
        whole.cast(pa.string())  # validates
    except pa.ArrowInvalid:
        return False
    return True


ZEROS = np.uint64(0x3030303030303030)  # eight ASCII "0"
_HIGH = np.uint64(0xF0F0F0F0F0F0F0F0)
_SIX = np.uint64(0x0606060606060606)


def eight_digits(words: NDArray[np.uint64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Eight ASCII digits in each little-endian word (the first digit in the lowest byte) as a
    number, SWAR, and whether all eight bytes are digits."""
    ok: NDArray[np.bool_] = ((words & _HIGH) == ZEROS) & (((words + _SIX) & _HIGH) == ZEROS)
    return digit_values(words - ZEROS), ok


_SEVENTY_SIX = np.uint64(0x7676767676767676)


def are_digits(*values: NDArray[np.uint64]) -> bool:
    """Whether every byte of words from which ZEROS was subtracted is 0-9 (its byte was a
    digit): a byte below "0" borrows into its own high bit, one above "9" gets it when 0x76
    is added, and no byte carries or borrows into another before the first that is wrong."""
    seen = 0
    for v in values:
        seen |= int(np.bitwise_or.reduce(v, initial=0)) | int(np.bitwise_or.reduce(v + _SEVENTY_SIX, initial=0))
    return not seen & 0x8080808080808080


def digit_values(v: NDArray[np.uint64]) -> NDArray[np.int64]:
    """Eight digits 0-9, one a byte (the first in the lowest), as a number: SWAR, computed in
    ``v`` itself, which is overwritten."""
    for factor, shift, mask in DIGIT_STEPS:
        swar_step(v, factor, shift, mask)
    return v.view(np.int64)  # below 10**8: the same bits


def swar_step(v: NDArray[np.uint64], factor: np.uint64, shift: np.uint64, mask: np.uint64) -> None:
    """One step of :func:`digit_values`, in place: each pair of numbers in adjacent lanes
    becomes one in the lower lane of a lane twice as wide (the product adds the first, times
    the factor, to the second; the mask drops what the other lanes got)."""
    v *= factor
    v >>= shift
    v &= mask


#: The three SWAR steps of :func:`digit_values`: factor, shift and mask of each. A factor is
#: ``10**k << w + 1`` for lanes of ``w`` bits holding numbers of ``k`` digits.
DIGIT_STEPS = [
    (np.uint64(10 << 8 | 1), np.uint64(8), np.uint64(0x00FF00FF00FF00FF)),
    (np.uint64(100 << 16 | 1), np.uint64(16), np.uint64(0x0000FFFF0000FFFF)),
    (np.uint64(10000 << 32 | 1), np.uint64(32), np.uint64(0x00000000FFFFFFFF)),
]


def distinct(column: Any) -> tuple[list[Any], NDArray[np.int64], NDArray[np.bool_]]:
    """Distinct values of ``column``, the index of each row's value, and which rows are null."""
    encoded = pc.dictionary_encode(column)
    indices = encoded.indices
    nulls = indices.is_null().to_numpy(zero_copy_only=False)
    return (
        encoded.dictionary.to_pylist(),
        indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64),
        nulls,
    )


def needs_cleaning(array: Any) -> bool:
    """Whether any byte of a string array is whitespace, a lower-case letter or non-ASCII."""
    offsets, data = string_buffers(array)
    body = data[offsets[0] : offsets[-1]]
    return bool(_UNCLEAN[body].any())


def blank_rows(batch: Any) -> NDArray[np.bool_]:
    """Rows whose every cell is empty or null: the roster reader skips them as not data."""
    blank = np.ones(batch.num_rows, dtype=bool)
    for column in batch.columns:
        kind = column.type
        if pa.types.is_dictionary(kind):
            column, kind = column.cast(kind.value_type), kind.value_type
        if pa.types.is_string(kind):  # no bytes (a null's may have some)
            offsets, _ = string_buffers(column)
            empty = offsets[1:] == offsets[:-1]
            if column.null_count:
                empty |= column.is_null().to_numpy(zero_copy_only=False)
        else:
            nulls = column.is_null()
            if pa.types.is_large_string(kind):
                nulls = pc.or_kleene(nulls, pc.equal(column, ""))
            empty = nulls.to_numpy(zero_copy_only=False).astype(bool)
        blank &= empty
        if not blank.any():
            break
    return blank
