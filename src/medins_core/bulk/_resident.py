"""Resident ID numbers checked vectorised: the check character (ISO 7064 MOD 11-2) and the
birth date, read from the bytes; what passes needs no per-row check (:mod:`._certs` makes the
exact one for the rows that fail)."""

from __future__ import annotations

import datetime
import functools
from typing import Any

import numpy as np
from numpy.typing import NDArray

from medins_core.bulk._arrow import (
    BLOCK_ROWS,
    DIGIT_STEPS,
    ZEROS,
    are_digits,
    digit_values,
    string_buffers,
    swar_step,
)
from medins_core.period import days_in_month

CERT_LENGTH = 18


def below(values: NDArray[np.int64], bound: int) -> NDArray[np.bool_]:
    """Whether each value is in ``[0, bound)``: one unsigned comparison."""
    result: NDArray[np.bool_] = values.view(np.uint64) < np.uint64(bound)
    return result


_WEIGHTS = np.array([2 ** (17 - i) % 11 for i in range(17)], dtype=np.int64)
#: Whether MMDD (0-9999) is a day of some year (2000 is a leap year); 0229 only of a leap
#: year, checked apart.
_MMDD = np.zeros(10000, dtype=bool)
for _month in range(1, 13):
    _MMDD[_month * 100 + 1 : _month * 100 + days_in_month(2000, _month) + 1] = True


def plausible_ids(cert: Any, codes: NDArray[np.int64], today: datetime.date | None) -> NDArray[np.bool_]:
    """Rows whose code is a resident ID with a right check character and a real birth date
    from 1900 on (not after ``today``); the others are checked exactly, one by one.

    ISO 7064 MOD 11-2: the weighted sum of the 17 digits plus the check value (X is 10) is 1
    modulo 11."""
    ok = codes >= 0
    fields = _id_fields(cert)
    if fields is None:  # numbers of other lengths: from the codes
        number, last = np.divmod(np.where(ok, codes, 0), 11)  # the 17 digits, the check character
        total = np.zeros(len(number), dtype=np.int64)
        rest = number
        for weight in _WEIGHTS[::-1]:
            rest, digit = np.divmod(rest, 10)
            total += weight * digit
        year, mmdd = number // 10**7 % 10**4, number // 10**3 % 10**4
    else:
        total, last, year, mmdd = fields
    total += last
    ok &= total % 11 == 1
    return _plausible(ok, year, np.minimum(mmdd, 9999), today)  # a row that is no resident ID may hold any value


def _plausible(
    ok: NDArray[np.bool_], year: NDArray[np.int64], mmdd: NDArray[np.int64], today: datetime.date | None
) -> NDArray[np.bool_]:
    """``ok`` (changed in place) where YYYY, MMDD (0-9999) is a birth date from 1900 on, not
    after ``today``."""
    ok &= _MMDD[mmdd]
    ok &= year >= 1900
    february = np.flatnonzero(ok & (mmdd == 229))  # only then does a leap year matter
    if february.size:
        leap = year[february]
        ok[february] = (leap % 4 == 0) & ((leap % 100 != 0) | (leap % 400 == 0))
    if today is not None:
        ok &= year * 10000 + mmdd <= today.year * 10000 + today.month * 100 + today.day
    return ok


def _id_fields(cert: Any) -> tuple[NDArray[np.int64], ...] | None:
    """The check sum, check value (X is 10), birth year and birth MMDD of 18-character numbers
    read from the bytes (rows that are no resident ID number: any values); None unless every
    number has 18 characters."""
    offsets, data = string_buffers(cert)
    n = len(cert)
    if not n or not (np.diff(offsets) == CERT_LENGTH).all():
        return None
    packed = data[offsets[0] : offsets[-1]]
    table = packed.reshape(n, CERT_LENGTH)
    total = (table[:, 16].astype(np.int64) - ord("0")) * int(_WEIGHTS[16])
    for at in (0, 8):
        v = np.ndarray((n,), dtype="<u8", buffer=packed, offset=at, strides=(CERT_LENGTH,)).copy()
        v -= ZEROS  # digit ``at + j`` in byte j
        odd = v >> np.uint64(8)
        for lanes, first in ((v, at), (odd, at + 1)):
            # digits first, first + 2, ... in 16-bit lanes; one product sums them weighted in
            # the top lane (each lane's sum stays below 4 × 9 × 10)
            lanes &= _LANES
            lanes *= _weights(first)
            lanes >>= np.uint64(48)
            total += lanes.view(np.int64)
    check = table[:, 17]
    last = np.where(check == ord("X"), 10, check.astype(np.int64) - ord("0"))
    # the birth date YYYYMMDD is bytes 6-13: one word
    date = np.ndarray((n,), dtype="<u8", buffer=packed, offset=6, strides=(CERT_LENGTH,)).copy()
    date -= ZEROS
    return (total, last, *_year_mmdd(date))


def _year_mmdd(date: NDArray[np.uint64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """YYYY and MMDD of words holding the digits of YYYYMMDD (the first in the lowest byte):
    two SWAR steps, in ``date`` itself."""
    for factor, shift, mask in DIGIT_STEPS[:2]:
        swar_step(date, factor, shift, mask)
    halves = date.view(np.uint32).reshape(len(date), 2)  # little-endian: YYYY, MMDD
    return halves[:, 0].astype(np.int64), halves[:, 1].astype(np.intp)  # each contiguous: faster to index


_LANES = np.uint64(0x00FF00FF00FF00FF)


@functools.cache
def _weights(first: int) -> np.uint64:
    """The multiplier whose top 16-bit lane, times lanes holding digits ``first``,
    ``first + 2``, ``first + 4``, ``first + 6`` (lowest first), is their weighted sum."""
    return np.uint64(sum(int(_WEIGHTS[first + 2 * k]) << (16 * (3 - k)) for k in range(4)))


def checked_ids(cert: Any, today: datetime.date | None) -> tuple[Any, NDArray[np.int64], NDArray[np.bool_]] | None:
    """``cert``, the codes of :func:`~medins_core.bulk._certs.cert_codes` and the flags of
    :func:`plausible_ids`, in one pass over the bytes when every number is seventeen digits
    and a digit or ``X`` (the usual file); else None."""
    n = len(cert)
    codes = np.empty(n, dtype=np.int64)
    plausible = np.empty(n, dtype=bool)
    for lo in range(0, n, BLOCK_ROWS):
        part = cert.slice(lo, BLOCK_ROWS)
        if not _checked_block(part, today, codes[lo : lo + len(part)], plausible[lo : lo + len(part)]):
            return None
    return cert, codes, plausible


#: Whether a check sum with its check value (at most 17 × 9 × 10 + 10) is 1 modulo 11.
_SUM_IS_ONE = np.arange(17 * 90 + 11) % 11 == 1


def _checked_block(
    cert: Any, today: datetime.date | None, codes: NDArray[np.int64], plausible: NDArray[np.bool_]
) -> bool:
    offsets, data = string_buffers(cert)
    n = len(cert)
    if not n or int(offsets[-1] - offsets[0]) != CERT_LENGTH * n or not (np.diff(offsets) == CERT_LENGTH).all():
        return n == 0
    packed = data[offsets[0] : offsets[-1]]
    high, low, date = (  # digits 0-7, 8-15 and 6-13 (the birth date), the first in the lowest byte
        np.ndarray((n,), dtype="<u8", buffer=packed, offset=at, strides=(CERT_LENGTH,)).copy() for at in (0, 8, 6)
    )
    tail = np.ndarray((n,), dtype="<u2", buffer=packed, offset=16, strides=(CERT_LENGTH,)) - np.uint16(0x3030)
    digit, check = tail & np.uint16(0xFF), tail >> np.uint16(8)  # the seventeenth digit; X is 40
    high -= ZEROS
    low -= ZEROS
    if not are_digits(high, low) or (digit > 9).any() or ((check > 9) & (check != 40)).any():
        return False
    np.minimum(check, 10, out=check)  # X (40) is 10
    date -= ZEROS
    total = (digit * int(_WEIGHTS[16]) + check).astype(np.int64)  # the check sum, with the check value
    for word, at in ((high, 0), (low, 8)):
        for lanes, first in ((word & _LANES, at), ((word >> np.uint64(8)) & _LANES, at + 1)):
            lanes *= _weights(first)  # see _id_fields
            lanes >>= np.uint64(48)
            total += lanes.view(np.int64)
    year, mmdd = _year_mmdd(date)
    np.multiply(digit_values(high), 10**8, out=codes)  # digits 0-7 and 8-15 as numbers
    codes += digit_values(low)
    codes *= 10
    codes += digit
    codes *= 11
    codes += check
    plausible[:] = _plausible(_SUM_IS_ONE[total], year, mmdd, today)
    return True
