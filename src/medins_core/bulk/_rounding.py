"""Rounding integer fractions the way :meth:`decimal.Decimal.quantize` rounds.

An amount here is an exact fraction ``n / d`` of the rounding quantum, with integer ``n`` and
``d > 0``. Rounding it to a whole number of quanta needs only floor division and the
remainder: no floats, no Decimal, and the same code runs on numpy int64 arrays and on object
arrays of Python ints (the fallback for values too large for int64).
"""

from __future__ import annotations

import decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from medins_core.money import ROUNDING_MODES

#: Every mode :class:`~medins_core.money.RoundingPolicy` accepts.
MODES = ROUNDING_MODES


def round_div(n: NDArray[Any], d: int, mode: str, *, nonnegative: bool = False, owned: bool = False) -> NDArray[Any]:
    """``n / d`` rounded to an integer by the decimal rounding ``mode`` (``d > 0``).

    ``n`` is an int64 array or an object array of Python ints; the result has the same dtype.
    With ``nonnegative`` (the caller knows ``n >= 0``; int64 values must stay below 2**61)
    the common modes take one addition and one floor division; with ``owned`` as well they
    are made in ``n`` itself, which is returned.
    """
    if mode not in MODES:
        raise ValueError(f"unsupported rounding mode {mode!r}")
    if d == 1:
        return n
    result: NDArray[Any]
    if nonnegative:  # n = q*d + r with 0 <= r < d
        if mode == decimal.ROUND_HALF_UP and d % 2 == 0:  # floor(n/d + 1/2) = (n + d/2) // d
            result = n if owned else n.copy()
            result += d // 2
            if result.dtype == np.int64:  # unsigned: twice as fast, and the same when n >= 0
                unsigned = result.view(np.uint64)
                np.floor_divide(unsigned, np.uint64(d), out=unsigned)
            else:
                result //= d
        elif mode == decimal.ROUND_HALF_UP:  # floor(n/d + 1/2), with one new array
            result = 2 * n
            result += d
            result //= 2 * d
        elif mode == decimal.ROUND_HALF_DOWN:  # a tie stays down
            result = (2 * n + d - 1) // (2 * d)
        elif mode in (decimal.ROUND_FLOOR, decimal.ROUND_DOWN):
            result = n // d
        elif mode in (decimal.ROUND_CEILING, decimal.ROUND_UP):
            result = (n + d - 1) // d
        else:
            result = _round_div(n, d, mode)
        return result
    result = _round_div(n, d, mode)
    return result


def _round_div(n: Any, d: int, mode: str) -> Any:
    q = n // d  # floor, so 0 <= r < d whatever the sign of n
    r = n % d
    if mode == decimal.ROUND_FLOOR:
        return q
    inexact = r > 0
    negative = n < 0
    if mode == decimal.ROUND_CEILING:
        return q + inexact
    if mode == decimal.ROUND_DOWN:  # toward zero: floor moved a negative value away from zero
        return q + (inexact & negative)
    if mode == decimal.ROUND_UP:
        return q + (inexact & ~negative)
    if mode == decimal.ROUND_05UP:
        toward_zero = q + (inexact & negative)
        last = abs(toward_zero) % 10
        away = inexact & ((last == 0) | (last == 5))
        return toward_zero + np.where(negative, -1, 1) * away
    twice = 2 * r
    above, tie = twice > d, twice == d
    if mode == decimal.ROUND_HALF_UP:  # ties away from zero
        return q + (above | (tie & ~negative))
    if mode == decimal.ROUND_HALF_DOWN:  # ties toward zero
        return q + (above | (tie & negative))
    return q + (above | (tie & (q % 2 == 1)))  # ROUND_HALF_EVEN


def round_div_int(n: int, d: int, mode: str) -> int:
    """:func:`round_div` for one Python int."""
    return int(round_div(np.array([n], dtype=object), d, mode)[0])
