"""What one chunk of the columnar engine contributes, and how chunks merge.

A :class:`Partial` holds integer sums per (line, segment), the periods each line was charged
in (for :meth:`~medins_core.plan.Plan.outcome`), and what decides the errors. Partials merge
exactly, in any grouping, so chunks and Dask partitions give the same result.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from medins_core.bulk._certs import decode_cert, other_numbers
from medins_core.bulk._read import Rows
from medins_core.errors import MedinsError

#: An error as plain data: partials travel between Dask processes.
ErrorSpec = tuple[type[MedinsError], str, str, dict[str, Any]]


def portable(error: MedinsError) -> ErrorSpec:
    """``error`` as data that pickles; :func:`rebuild` makes it an exception again."""
    where = {"file": error.file, "row": error.row, "column": error.column, "field": error.field}
    return (type(error), error.code, error.message, where)


def rebuild(spec: ErrorSpec) -> MedinsError:
    """The exception :func:`portable` describes."""
    kind, code, message, where = spec
    return kind(code, message, **where)


@attrs.define
class Sums:
    """Integer sums of one line over one segment; ``*_exact`` are numerators over the side's den."""

    unit_base: int = 0
    person_base: int = 0
    unit_amount: int = 0
    person_amount: int = 0
    transfer: int = 0
    unit_exact: int = 0
    person_exact: int = 0

    def add(self, other: Sums) -> None:
        for field in attrs.fields(Sums):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def _least(a: str | None, b: str | None) -> str | None:
    return b if a is None else a if b is None else min(a, b)


@attrs.define
class Partial:
    """What one chunk (or Dask partition) contributes; partials merge exactly (int sums).

    ``number`` orders chunks as in the roster. ``reached`` maps each line to the period
    indices it was charged in. ``duplicate`` is the smallest certificate number listed twice
    within a chunk; ``duplicates`` (between chunks) travels with a Dask partition's partial.
    ``failed`` says an error is certain, so no more lines need be written.
    """

    number: int = 0
    rows: int = 0
    persons: int = 0
    line_persons: dict[str, int] = attrs.Factory(dict)
    sums: dict[tuple[str, int], Sums] = attrs.Factory(dict)
    transfer_unknown: set[str] = attrs.Factory(set)
    reached: dict[str, set[int]] = attrs.Factory(dict)
    read_errors: list[tuple[int, ErrorSpec]] = attrs.Factory(list)
    no_defaults: bool = False
    duplicate: str | None = None
    failed: bool = False
    duplicates: Duplicates | None = None

    def merge(self, other: Partial) -> None:
        """Add ``other``, which comes after this one in the roster."""
        self.rows += other.rows
        self.persons += other.persons
        for line, count in other.line_persons.items():
            self.line_persons[line] = self.line_persons.get(line, 0) + count
        for key, sums in other.sums.items():
            self.sums.setdefault(key, Sums()).add(sums)
        self.transfer_unknown |= other.transfer_unknown
        for line, ks in other.reached.items():
            self.reached.setdefault(line, set()).update(ks)
        self.read_errors.extend(other.read_errors)
        self.no_defaults |= other.no_defaults
        self.duplicate = _least(self.duplicate, other.duplicate)
        self.failed |= other.failed
        if other.duplicates is not None:
            if self.duplicates is None:
                self.duplicates = Duplicates()
            self.duplicates.absorb(other.duplicates)

    def duplicated(self, between: dict[str, int]) -> str | None:
        """The smallest certificate number listed twice, within or between chunks."""
        return _least(self.duplicate, min(between) if between else None)

    def first_read_error(self) -> MedinsError | None:
        """The bad row of the first chunk that had one."""
        return rebuild(min(self.read_errors, key=lambda item: item[0])[1]) if self.read_errors else None


class Duplicates:
    """Certificate numbers chunk by chunk, to find the persons listed twice.

    Within a chunk, later listings are flagged at once (:meth:`within`), or, when nothing is
    written before the end, left to the end (:meth:`record`). Each chunk's resident-ID codes
    are kept (8 bytes a person) and compared once at the end (:meth:`between`): one sort of
    them all, instead of a search per chunk. Other numbers are kept in a dict.
    """

    def __init__(self) -> None:
        self.runs: list[tuple[int, NDArray[np.int64]]] = []
        self.hashes: list[NDArray[np.uint32]] = []  # of each run, made while its codes are in cache
        self.unsorted = False  # some run is in row order and may repeat a number (record())
        self.others: dict[str, int] = {}  # number → first chunk
        self.again: dict[str, int] = {}  # other numbers listed twice → first chunk
        self.found: dict[str, int] | None = None  # between()'s answer until more numbers come

    def _add(self, number: int, run: NDArray[np.int64]) -> None:
        self.runs.append((number, run))
        self.hashes.append(_hash(run))

    def within(self, rows: Rows, number: int) -> NDArray[np.bool_]:
        """Flag the rows repeating an earlier row of the same chunk; record the chunk's numbers."""
        self.found = None
        codes = rows.codes
        later = np.zeros(len(codes), dtype=bool)
        if rows.ordered is not None:  # sorted when the rows were checked: all resident IDs
            ids, ordered = np.arange(len(codes)), rows.ordered
        else:
            ids = np.flatnonzero(codes >= 0)
            ordered = np.sort(codes[ids])
        repeat = ordered[1:] == ordered[:-1]
        if repeat.any():  # rare: find which rows (a stable order keeps the first first)
            order = ids[np.argsort(codes[ids], kind="stable")]
            later[order[1:][repeat]] = True
            ordered = ordered[np.concatenate(([True], ~repeat))]
        if ordered.size:
            self._add(number, ordered)
        for i, _ in self._others(rows, number):
            later[i] = True
        return later

    def record(self, rows: Rows, number: int) -> NDArray[np.bool_]:
        """Record the chunk's numbers and flag no row: :meth:`between` finds a person listed
        twice in one chunk too. For totals only, where no line is written before the end, one
        sort of every code at the end costs less than a sort a chunk and a merge."""
        self.found = None
        codes = rows.codes
        run = rows.ordered  # sorted, without repeats: the roster checks refused them
        if run is None:
            run = codes if len(codes) and codes.min() >= 0 else codes[codes >= 0]
            self.unsorted |= bool(run.size)
        if run.size:
            self._add(number, run)
        for _, cert in self._others(rows, number):
            self.again.setdefault(cert, number)
        return np.zeros(len(codes), dtype=bool)

    def _others(self, rows: Rows, number: int) -> Iterator[tuple[int, str]]:
        """Record the chunk's other numbers; yield the rows that repeat one in the chunk."""
        other = other_numbers(rows.codes)
        if not other.size:
            return
        mine: set[str] = set()
        for i, cert in zip(other, rows.cert.take(pa.array(other, type=pa.int64())).to_pylist()):
            if cert in mine:
                yield int(i), cert
                continue
            mine.add(cert)
            first = self.others.setdefault(cert, number)
            if first != number:
                self.again.setdefault(cert, first)

    def absorb(self, other: Duplicates) -> None:
        """Add the numbers of later chunks (a Dask partition's)."""
        self.found = None
        self.runs.extend(other.runs)
        self.hashes.extend(other.hashes)
        self.unsorted |= other.unsorted
        for cert, number in other.others.items():
            first = self.others.setdefault(cert, number)
            if first != number:
                self.again.setdefault(cert, first)
        for cert, number in other.again.items():
            self.again.setdefault(cert, number)

    def between(self) -> dict[str, int]:
        """The persons listed in two chunks: certificate number → first chunk."""
        if self.found is not None:
            return self.found
        found = self.found = dict(self.again)
        if (len(self.runs) > 1 or self.unsorted) and any_repeat([run for _, run in self.runs], self.hashes):
            merged = np.concatenate([run for _, run in self.runs])
            merged.sort()  # quicksort (vectorised): faster than timsort's merging of sorted runs
            same = merged[1:] == merged[:-1]
            if same.any():  # rare: the first run of each number listed again, all at once
                codes = np.concatenate([run for _, run in self.runs])
                runs = np.concatenate([np.full(len(run), i, dtype=np.int32) for i, (_, run) in enumerate(self.runs)])
                hit = np.isin(codes, np.unique(merged[1:][same]))
                codes, runs = codes[hit], runs[hit]
                order = np.lexsort((runs, codes))  # by number, then run
                codes, runs = codes[order], runs[order]
                first = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
                for value, i in zip(codes[first].tolist(), runs[first].tolist()):
                    found[decode_cert(value)] = self.runs[i][0]
        return found


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / the golden ratio: a multiplicative hash


def _hash(codes: NDArray[np.int64]) -> NDArray[np.uint32]:
    """32 bits of each code, well mixed: the top half of its product with :data:`_GOLDEN`."""
    mixed = codes.view(np.uint64) * _GOLDEN
    mixed >>= np.uint64(32)
    return mixed.astype(np.uint32)


def any_repeat(runs: list[NDArray[np.int64]], hashes: list[NDArray[np.uint32]] | None = None) -> bool:
    """Whether some code is listed twice in ``runs`` (``hashes``: their :func:`_hash`), exactly.

    The codes' 32-bit hashes are sorted, twice as fast as the codes; only the codes whose
    hash falls in a bucket with a hash that repeats (a few per cent: of ten million distinct
    codes, about 12,000 pairs share a hash) are then compared."""
    each = [_hash(run) for run in runs] if hashes is None else hashes
    ordered = np.concatenate(each)
    ordered.sort()
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return False
    repeated = ordered[1:][same]
    bits = min(max((64 * len(repeated)).bit_length(), 16), 24)  # about 1 bucket in 64 marked
    marked = np.zeros(1 << bits, dtype=bool)
    marked[repeated >> np.uint32(32 - bits)] = True
    candidates = np.concatenate([run[marked[h >> np.uint32(32 - bits)]] for run, h in zip(runs, each)])
    candidates.sort()
    return bool((candidates[1:] == candidates[:-1]).any())


def smallest(rows: Rows, index: NDArray[np.int64]) -> int:
    """The row (among ``index``, in input order for ties) with the smallest certificate number."""
    codes = rows.codes[index]
    best: int | None = None
    ids = codes >= 0
    if ids.any():
        best = int(index[ids][np.argmin(codes[ids])])
    if not ids.all():
        others = index[~ids]
        strings = rows.cert.take(pa.array(others, type=pa.int64()))
        smallest = pc.min(strings).as_py()
        candidate = int(others[np.flatnonzero(pc.equal(strings, smallest).to_numpy(zero_copy_only=False))[0]])
        if best is None or smallest < rows.cert[best].as_py():
            best = candidate
    assert best is not None
    return best


