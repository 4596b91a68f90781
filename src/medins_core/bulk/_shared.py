"""What the lines of one group compute alike in a chunk, computed once (see
:meth:`medins_core.bulk._engine.Kernel.process`): the rows covered in each segment, each base
under given limits, and the rounded amounts and sums of each distinct rate on them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
from numpy.typing import NDArray

from medins_core.plan import FenRate, Segment

if TYPE_CHECKING:
    from medins_core.bulk._engine import Kernel

Array = NDArray[Any]  # int64, or object holding Python ints when int64 could overflow

SAFE = 1 << 60  # int64 headroom (rounding doubles values); beyond it Python ints take over


def _dot(
    values: Array | int,
    months: NDArray[np.int64],
    bound: int | None = None,
    total: int | None = None,
    each: int | None = None,
) -> int:
    """``sum(values * months)`` exactly (``values`` an array, or one value for all); ``bound``
    and ``total``, when known, are at least the greatest absolute value and the sum of months;
    ``each``, when known, is every row's months."""
    total = int(months.sum()) if total is None else total
    if isinstance(values, int):
        return values * total
    if values.dtype != object:
        if bound is None:
            bound = int(np.abs(values).max(initial=0))
        if bound * total < SAFE:
            if each is not None:  # a sum: several times faster than a product of int64
                return int(values.sum()) * each
            return int(np.einsum("i,i->", values, months))  # faster than np.dot on int64
    return int(np.dot(values.astype(object), months.astype(object)))


def _clamp(
    wage: NDArray[np.int64], floor: int | None, ceiling: int | None, out: NDArray[np.int64] | None = None
) -> NDArray[np.int64]:
    """:meth:`BaseLimit.clamp` on fen: the floor is checked first, then the ceiling (``out``:
    an array for the result when both are given)."""
    if floor is not None and ceiling is not None:
        if floor <= ceiling:  # then the order does not matter: one array
            clamped = np.maximum(wage, floor, out=out)
            return np.minimum(clamped, ceiling, out=clamped)
        return np.where(wage < floor, floor, np.where(wage > ceiling, ceiling, wage))
    if floor is not None:
        return np.maximum(wage, floor)
    if ceiling is not None:
        return np.minimum(wage, ceiling)
    return wage


_NOT_KEPT: NDArray[np.int64] = np.empty(0, dtype=np.int64)  # amounts only summed


class Workspace:
    """Arrays reused from chunk to chunk of one assessment when no lines are kept (nothing
    computed in them outlives its chunk): fresh arrays a chunk would cost page faults."""

    def __init__(self) -> None:
        self._arrays: dict[Any, NDArray[np.int64]] = {}

    def get(self, name: Any, n: int) -> NDArray[np.int64]:
        """An int64 array of ``n`` elements, the same one for ``name`` each time."""
        found = self._arrays.get(name)
        if found is None or len(found) < n:
            found = self._arrays[name] = np.empty(n, dtype=np.int64)
        return found[:n]


def spare(workspace: Workspace | None, name: Any, n: int) -> NDArray[np.int64] | None:
    """``workspace``'s array for ``name``, or None (then the operation makes a new one)."""
    return None if workspace is None else workspace.get(name, n)


@attrs.frozen
class Chosen:
    """The rows of a group of lines covered in a segment: the months each is covered, and
    (with lines kept) which rows and their covered periods."""

    key: tuple[int, int]
    weights: NDArray[np.int64]  # months covered, per row taken
    total: int
    index: NDArray[np.int64] | None  # the rows taken; None: every row, months 0 where not covered
    rows: tuple[Array, Array, Array] | None  # the rows, their first and last periods: kept lines only
    each: int | None = None  # every row's months, when all rows have the segment's every month


class Shared:
    """What the lines of one group compute alike, computed once: the rows of each segment,
    each base under given limits, and the amounts and sums of each distinct rate on them."""

    def __init__(
        self,
        kernel: Kernel,
        wage: NDArray[np.int64],
        first: NDArray[np.int64],
        last: NDArray[np.int64],
        months: NDArray[np.int64],
        of_line: NDArray[np.bool_],
        count: int,
        keep: bool,
        workspace: Workspace | None = None,
    ) -> None:
        """``workspace`` (no lines kept): where the arrays of one group of lines are computed."""
        self.kernel, self.wage, self.first, self.last = kernel, wage, first, last
        self.months, self.of_line, self.count, self.keep = months, of_line, count, keep
        self.workspace = workspace
        self._chosen: dict[tuple[int, int], Chosen | None] = {}
        self._bases: dict[tuple[Any, ...], tuple[Array, int, int, int]] = {}
        self._amounts: dict[tuple[Any, ...], tuple[Array | int, int]] = {}

    def chosen(self, segment: Segment) -> Chosen | None:
        """The rows covered in ``segment``, or None if none is."""
        key = (segment.first, segment.last)
        if key not in self._chosen:
            self._chosen[key] = self._choose(key)
        return self._chosen[key]

    def _choose(self, key: tuple[int, int]) -> Chosen | None:
        lo, hi = key
        plan = self.kernel.plan
        if lo <= plan.k0 and hi >= plan.k1:
            covered, count = self.months, self.count  # of_line rows all have months > 0
        else:
            n = len(self.months)
            covered = np.minimum(self.last, hi, out=spare(self.workspace, ("covered", key), n))
            covered -= np.maximum(self.first, lo, out=spare(self.workspace, "from", n))
            covered += 1
            np.maximum(covered, 0, out=covered)
            count = int(np.count_nonzero(np.logical_and(covered, self.of_line)))
        if not count:
            return None
        length = min(hi, plan.k1) - max(lo, plan.k0) + 1  # no row has more months
        if count == len(self.months) and not self.keep:
            total = int(covered.sum())
            return Chosen(key, covered, total, None, None, length if total == length * count else None)
        if self.keep or 2 * count < len(self.months):  # few rows: take them
            index = np.flatnonzero(self.of_line & (covered > 0))
            weights = covered[index]
            rows = (index, self.first[index], self.last[index]) if self.keep else None
            total = int(weights.sum())
            return Chosen(key, weights, total, index, rows, length if total == length * count else None)
        weights = np.multiply(covered, self.of_line, out=spare(self.workspace, ("weights", key), len(covered)))
        return Chosen(key, weights, int(weights.sum()), None, None)

    def base(self, chosen: Chosen, floor: int | None, ceiling: int | None) -> tuple[Array, int, int, int]:
        """Each chosen row's base under the limits, the sum of base × months, and the least
        and greatest base."""
        key = (chosen.key, floor, ceiling)
        found = self._bases.get(key)
        if found is None:
            wage = self.wage if chosen.index is None else self.wage[chosen.index]
            base = _clamp(wage, floor, ceiling, spare(self.workspace, ("base", *key), len(wage)))
            low, high = int(base.min()), int(base.max())
            months = _dot(base, chosen.weights, max(-low, high), chosen.total, chosen.each)
            found = self._bases[key] = (base, months, low, high)
        return found

    def amounts(self, chosen: Chosen, floor: int | None, ceiling: int | None, side: FenRate) -> tuple[Array | int, int]:
        """The rounded amounts of ``side`` on the chosen rows' bases, and their sum × months;
        a side without rate or fixed amount is 0 without looking at a row."""
        if side.num == 0 and side.fixed == 0:
            return 0, 0
        key = (chosen.key, floor, ceiling, side)
        found = self._amounts.get(key)
        if found is None:
            base, _, low, high = self.base(chosen, floor, ceiling)
            out = spare(self.workspace, "amounts", len(base))  # only the sum is kept
            amounts = self.kernel.amounts(base, side, low, high, out)
            # rounded to quanta: |amount| <= (|base| × |num| + |fixed|) / den + quantum
            bound = (max(-low, high) * abs(side.num) + abs(side.fixed)) // side.den + 1 + self.kernel.quantum
            total = _dot(amounts, chosen.weights, bound, chosen.total, chosen.each)
            if out is not None and amounts is out:  # the next amounts overwrite them
                amounts = _NOT_KEPT
            found = self._amounts[key] = (amounts, total)
        return found
