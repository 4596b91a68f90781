"""Assessment lines as columns: what the columnar engine computes before anyone reads a line.

A line is a person, an insurance line, a period and an index (``src``) into per-piece value
tables: the kernel computes one amount per person and segment (:class:`Piece`), and every
month of that segment shares it. From these few arrays come, only when asked, an Arrow table
(:meth:`LineColumns.table`), the JSON line dicts (:meth:`LineColumns.json_lines`, amounts
formatted once per value, not once per line) and Decimal
:class:`~medins_core.assessment.AssessmentLine` objects (:meth:`LineColumns.lines`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from medins_core.assessment import AssessmentLine
from medins_core.period import Period
from medins_core.plan import Plan, Segment

Array = NDArray[Any]  # int64, or object holding Python ints when int64 could overflow

_SAFE = 1 << 60  # int64 headroom (rounding doubles values); beyond it Python ints take over

#: The Arrow type of amounts in the lines table: exact yuan with two decimals.
MONEY = pa.decimal128(38, 2)

#: Columns of the lines table, as in :class:`~medins_core.assessment.AssessmentLine`.
LINE_SCHEMA = pa.schema(
    [
        ("cert_no", pa.string()),
        ("name", pa.string()),
        ("person_no", pa.string()),
        ("insurance", pa.string()),
        ("period", pa.string()),
        ("unit_base", MONEY),
        ("unit_amount", MONEY),
        ("person_base", MONEY),
        ("person_amount", MONEY),
        ("account_transfer", MONEY),
    ]
)

_AMOUNTS = ("unit_base", "unit_amount", "person_base", "person_amount", "account_transfer")


def yuan(fen: int) -> Decimal:
    """``fen`` as a Decimal amount of yuan with two decimals, exactly."""
    return Decimal(f"{fen}e-2")


def _texts(fen: Array) -> Any:
    """Fen as the JSON contract writes amounts (``"458.96"``, what ``to_json`` writes for
    :func:`yuan` of each): Arrow's decimal to text, an object array of str."""
    return money_array(fen).cast(pa.string()).to_numpy(zero_copy_only=False)


def _decimals(fen: Array) -> list[Decimal]:
    return [yuan(v) for v in fen.tolist()]

def json_rows(*columns: list[Any]) -> list[dict[str, str | None]]:
    """Line dicts of the JSON contract from its ten columns, in :data:`LINE_SCHEMA` order."""
    return [
        {
            "cert_no": c,
            "name": n,
            "person_no": p,
            "insurance": i,
            "period": k,
            "unit_base": a,
            "unit_amount": b,
            "person_base": d,
            "person_amount": e,
            "account_transfer": t,
        }
        for c, n, p, i, k, a, b, d, e, t in zip(*columns)
    ]


@attrs.frozen
class Piece:
    """Per-person amounts of one line in one segment, kept to expand into monthly lines."""

    segment: Segment
    shows_unit: bool  # a base is shown only beside a non-zero rate
    shows_person: bool
    rows: NDArray[np.int64]
    first: NDArray[np.int64]
    last: NDArray[np.int64]
    base: Array
    unit: Array | int
    person: Array | int
    transfer: Array | int | None


def _huge(values: Array | int | None) -> bool:
    """Whether amounts need Python ints (they do not fit int64 with room to spare)."""
    if isinstance(values, int):
        return abs(values) >= _SAFE
    return values is not None and values.dtype == object


def money_array(fen: Array, valid: NDArray[np.bool_] | None = None) -> Any:
    """Fen as an Arrow decimal array of yuan (two decimals), exactly; ``valid`` marks non-nulls."""
    if fen.dtype == object:
        values = [yuan(int(v)) for v in fen]
        mask = None if valid is None else ~valid
        return pa.array(values, type=MONEY, mask=mask)
    words = np.empty((len(fen), 2), dtype=np.int64)
    words[:, 0] = fen  # the low word, then the sign-extended high word
    words[:, 1] = fen >> 63
    validity = None
    if valid is not None and not valid.all():
        validity = pa.array(valid, type=pa.bool_()).buffers()[1]
    return pa.Array.from_buffers(MONEY, len(fen), [validity, pa.py_buffer(words)])


@attrs.frozen(eq=False)
class LineColumns:
    """Assessment lines in the canonical order, as columns (see the module docstring).

    ``cert``, ``name`` and ``person_no`` (None: all null) are Arrow string arrays with one
    entry per person; ``who``, ``line``, ``period`` and ``src`` have one entry per line
    (``line`` indexes ``codes``, ``period`` counts from the first of ``periods``); the value
    tables ``values`` (fen, by the names of :data:`LINE_SCHEMA`) and ``known`` (a known
    account transfer) are indexed by ``src``.
    """

    codes: tuple[str, ...]
    periods: tuple[Period, ...]
    cert: Any
    name: Any
    person_no: Any
    who: NDArray[np.int64]
    line: NDArray[np.int32]
    period: NDArray[np.int32]
    src: NDArray[np.int64]
    values: dict[str, Array]
    known: NDArray[np.bool_]
    _cache: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False)

    def __len__(self) -> int:
        return len(self.src)

    def __repr__(self) -> str:
        return f"LineColumns({len(self)} lines)"

    def _strings(self, column: Any) -> list[Any]:
        """Per-line values of a per-person Arrow string column."""
        if column is None:
            return [None] * len(self)
        found: list[Any] = column.to_numpy(zero_copy_only=False)[self.who].tolist()
        return found

    def table(self) -> Any:
        """The lines as an Arrow table of :data:`LINE_SCHEMA`."""
        take = pa.array(self.who, type=pa.int64())
        person_no = pa.nulls(len(self), pa.string()) if self.person_no is None else self.person_no.take(take)
        known = self.known[self.src]
        return pa.table(
            [
                self.cert.take(take),
                self.name.take(take),
                person_no,
                pa.array(self.codes, type=pa.string()).take(pa.array(self.line)),
                pa.array([str(p) for p in self.periods], type=pa.string()).take(pa.array(self.period)),
                *(money_array(self.values[name][self.src]) for name in _AMOUNTS[:-1]),
                money_array(self.values["account_transfer"][self.src], known),
            ],
            schema=LINE_SCHEMA,
        )

    def _expanded(self, convert: Any) -> list[list[Any]]:
        """Each amount column per line: every value converted once (``convert`` takes the fen
        array of the value table), then taken per line; an unknown transfer is None."""
        columns = []
        for name in _AMOUNTS:
            converted = np.empty(len(self.known) + 1, dtype=object)  # a last slot for None
            converted[:-1] = convert(self.values[name])
            if name == "account_transfer":
                converted[:-1][~self.known] = None
            columns.append(converted[self.src].tolist())
        return columns

    def json_lines(self) -> list[dict[str, str | None]]:
        """The lines as :meth:`AssessmentLine.to_json` writes them, built from the columns.

        Lines of one person, line and segment differ only in the period: one dict is made
        per entry of the value tables, and each line is a copy of it with its period.
        """
        size = len(self.known)
        who = np.zeros(size, dtype=np.int64)
        who[self.src] = self.who
        line = np.zeros(size, dtype=np.int32)
        line[self.src] = self.line
        texts = [
            [None] * size if column is None else column.to_numpy(zero_copy_only=False)[who].tolist()
            for column in (self.cert, self.name, self.person_no)
        ]
        amounts = []
        for name in _AMOUNTS:
            converted = _texts(self.values[name])
            if name == "account_transfer":  # an unknown transfer is None
                converted[~self.known] = None
            amounts.append(converted.tolist())
        insurance = np.array(self.codes, dtype=object)[line].tolist()
        templates = np.empty(size, dtype=object)
        templates[:] = json_rows(*texts, insurance, [None] * size, *amounts)
        periods = np.array([str(p) for p in self.periods], dtype=object)[self.period].tolist()
        lines: list[dict[str, str | None]] = []
        append = lines.append
        for template, period in zip(templates[self.src].tolist(), periods):
            line = template.copy()  # a copy of a dict is cheaper than building one
            line["period"] = period
            append(line)
        return lines

    def fen_lines(self) -> list[tuple[Any, ...]]:
        """The lines as :meth:`Assessment.fen_lines <medins_core.assessment.Assessment.fen_lines>`
        tuples, from the columns: no Decimal is built."""
        codes = np.array(self.codes, dtype=object)[self.line].tolist()
        periods = np.array([str(p) for p in self.periods], dtype=object)[self.period].tolist()
        return list(zip(self._strings(self.cert), codes, periods, *self._expanded(lambda fen: fen)))

    def lines(self) -> tuple[AssessmentLine, ...]:
        """The lines as :class:`AssessmentLine` objects (built once, then kept)."""
        found: tuple[AssessmentLine, ...] | None = self._cache.get("lines")
        if found is None:
            codes = np.array(self.codes, dtype=object)[self.line].tolist()
            periods = np.array(self.periods + (None,), dtype=object)[:-1][self.period].tolist()
            columns = (self._strings(self.cert), self._strings(self.name), self._strings(self.person_no))
            found = self._cache["lines"] = tuple(
                map(AssessmentLine, *columns, codes, periods, *self._expanded(_decimals))
            )
        return found


def line_columns(
    plan: Plan,
    persons: tuple[Any, Any, Any],
    pieces: list[Piece],
    codes: list[str],
    lo: int,
    hi: int,
    owner: NDArray[np.int64] | None = None,
    tables: tuple[dict[str, Array], NDArray[np.bool_]] | None = None,
) -> LineColumns:
    """Lines of rows ``lo``…``hi`` in the order period, line, row (rows are in cert order).

    ``persons`` are the (cert, name, person_no) Arrow columns; ``owner`` maps a row to its
    person (None: each row is a person); ``tables`` are the pieces' :func:`value_tables`.
    """
    todo: list[tuple[int, int, int, slice | NDArray[np.int64]]] = []
    for k in range(plan.k0, plan.k1 + 1):
        for c, code in enumerate(codes):
            for p, piece in enumerate(pieces):
                segment = piece.segment
                if segment.line != code or not segment.first <= k <= segment.last:
                    continue
                a, b = (int(x) for x in np.searchsorted(piece.rows, (lo, hi)))
                inside = (piece.first[a:b] <= k) & (piece.last[a:b] >= k)
                at: slice | NDArray[np.int64] = slice(a, b) if inside.all() else np.flatnonzero(inside) + a
                size = b - a if isinstance(at, slice) else at.size
                if size:
                    todo.append((k, c, p, at))
    sizes = [t[3].stop - t[3].start if isinstance(t[3], slice) else t[3].size for t in todo]
    total = sum(sizes)
    offsets = np.cumsum([0, *(len(piece.rows) for piece in pieces)])
    row = np.empty(total, dtype=np.int64)
    line = np.empty(total, dtype=np.int32)
    period = np.empty(total, dtype=np.int32)
    src = np.empty(total, dtype=np.int64)
    end = 0
    for (k, c, p, at), size in zip(todo, sizes):
        start, end = end, end + size
        where = slice(start, end)
        taken = np.arange(at.start, at.stop) if isinstance(at, slice) else at
        row[where] = pieces[p].rows[taken]
        line[where] = c
        period[where] = k - plan.k0
        src[where] = offsets[p] + taken
    values, known = value_tables(pieces) if tables is None else tables
    return LineColumns(
        codes=tuple(codes),
        periods=plan.periods,
        cert=persons[0],
        name=persons[1],
        person_no=persons[2],
        who=row if owner is None else owner[row],
        line=line,
        period=period,
        src=src,
        values=values,
        known=known,
    )


def value_tables(pieces: list[Piece]) -> tuple[dict[str, Array], NDArray[np.bool_]]:
    """Each piece's per-person amounts, one after the other (int64 unless some are huge)."""
    huge = any(_huge(a) for p in pieces for a in (p.base, p.unit, p.person, p.transfer))
    kind: Any = object if huge else np.int64
    parts: dict[str, list[Array]] = {name: [] for name in _AMOUNTS}
    known: list[NDArray[np.bool_]] = []
    for piece in pieces:
        n = len(piece.rows)
        zero = np.zeros(n, dtype=kind)

        def full(values: Array | int | None) -> Array:
            if values is None:
                return zero
            return np.full(n, values, dtype=kind) if isinstance(values, int) else values.astype(kind, copy=False)

        base = full(piece.base)
        parts["unit_base"].append(base if piece.shows_unit else zero)  # a base only beside a rate
        parts["unit_amount"].append(full(piece.unit))
        parts["person_base"].append(base if piece.shows_person else zero)
        parts["person_amount"].append(full(piece.person))
        parts["account_transfer"].append(full(piece.transfer))
        known.append(np.full(n, piece.transfer is not None))
    if not pieces:
        return {name: np.zeros(0, dtype=np.int64) for name in _AMOUNTS}, np.zeros(0, dtype=bool)
    return {name: np.concatenate(found) for name, found in parts.items()}, np.concatenate(known)
