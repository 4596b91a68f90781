"""The lines and the result of the columnar engine: Arrow tables of exact yuan."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from medins_core.assessment import Assessment, AssessmentLine, LineTotal, PaymentType
from medins_core.bulk._read import Rows
from medins_core.messages import AssessmentWarning
from medins_core.money import rmb_upper
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


def yuan(fen: int) -> Decimal:
    """``fen`` as a Decimal amount of yuan with two decimals, exactly."""
    return Decimal(f"{fen}e-2")


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


def line_tables(plan: Plan, rows: Rows, pieces: list[Piece], max_lines: int | None) -> Iterator[Any]:
    """The monthly lines of a chunk: by period, line, then row order; ``max_lines`` a table."""
    if not pieces:
        return
    codes = sorted({p.segment.line for p in pieces}, key=plan.line_order)
    per_row = len(plan.periods) * len(codes)
    step = len(rows) if max_lines is None else max(1, max_lines // per_row)
    for lo in range(0, len(rows), step):
        table = _line_table(plan, rows, pieces, codes, lo, lo + step)
        if table.num_rows:
            yield table

def _line_table(plan: Plan, rows: Rows, pieces: list[Piece], codes: list[str], lo: int, hi: int) -> Any:
    """Lines of rows ``lo``…``hi`` in the order period, line, row (rows are in cert order)."""
    todo: list[tuple[int, int, Piece, slice | NDArray[np.int64]]] = []
    for k in range(plan.k0, plan.k1 + 1):
        for c, code in enumerate(codes):
            for piece in pieces:
                segment = piece.segment
                if segment.line != code or not segment.first <= k <= segment.last:
                    continue
                a, b = (int(x) for x in np.searchsorted(piece.rows, (lo, hi)))
                inside = (piece.first[a:b] <= k) & (piece.last[a:b] >= k)
                at: slice | NDArray[np.int64] = slice(a, b) if inside.all() else np.flatnonzero(inside) + a
                size = b - a if isinstance(at, slice) else at.size
                if size:
                    todo.append((k, c, piece, at))
    sizes = [p[3].stop - p[3].start if isinstance(p[3], slice) else p[3].size for p in todo]
    total = sum(sizes)
    if not total:
        return LINE_SCHEMA.empty_table()
    huge = any(_huge(a) for p in todo for a in (p[2].base, p[2].unit, p[2].person, p[2].transfer))
    kind: Any = object if huge else np.int64
    row = np.empty(total, dtype=np.int64)
    line = np.empty(total, dtype=np.int32)
    period = np.empty(total, dtype=np.int32)
    unit_base, unit, person_base, person, transfer = (np.zeros(total, dtype=kind) for _ in range(5))
    known = np.ones(total, dtype=bool)
    end = 0
    for (k, c, piece, at), size in zip(todo, sizes):
        start, end = end, end + size
        where = slice(start, end)
        segment = piece.segment
        row[where] = piece.rows[at]
        line[where] = c
        period[where] = k - plan.k0
        if piece.shows_unit:  # a base is shown only beside a non-zero rate
            unit_base[where] = piece.base[at]
        if piece.shows_person:
            person_base[where] = piece.base[at]
        unit[where] = _pick(piece.unit, at)
        person[where] = _pick(piece.person, at)
        if piece.transfer is None:
            known[where] = False
        else:
            transfer[where] = _pick(piece.transfer, at)
    take = pa.array(row, type=pa.int64())
    person_no = pa.nulls(total, pa.string()) if rows.person_no is None else rows.person_no.take(take)
    period_names = pa.array([str(p) for p in plan.periods], type=pa.string())
    return pa.table(
        [
            rows.cert.take(take),
            rows.name.take(take),
            person_no,
            pa.array(codes, type=pa.string()).take(pa.array(line)),
            period_names.take(pa.array(period)),
            money_array(unit_base),
            money_array(unit),
            money_array(person_base),
            money_array(person),
            money_array(transfer, known),
        ],
        schema=LINE_SCHEMA,
    )


def _huge(values: Array | int | None) -> bool:
    """Whether amounts need Python ints (they do not fit int64 with room to spare)."""
    if isinstance(values, int):
        return abs(values) >= _SAFE
    return values is not None and values.dtype == object


def _pick(values: Array | int, at: slice | NDArray[np.int64]) -> Array | int:
    return values if isinstance(values, int) else values[at]


def money_array(fen: Array, valid: NDArray[np.bool_] | None = None) -> Any:
    """Fen as an Arrow decimal array of yuan (two decimals), exactly; ``valid`` marks non-nulls."""
    if fen.dtype == object:
        values = [yuan(int(v)) for v in fen]
        mask = None if valid is None else ~valid
        return pa.array(values, type=MONEY, mask=mask)
    words = np.column_stack((fen, fen >> 63)).ravel()  # low word, then the sign-extended high word
    validity = None
    if valid is not None and not valid.all():
        validity = pa.array(valid, type=pa.bool_()).buffers()[1]
    return pa.Array.from_buffers(MONEY, len(fen), [validity, pa.py_buffer(words)])


@attrs.frozen
class BulkAssessment:
    """The result of the bulk engine: the fields of :class:`~medins_core.assessment.Assessment`,
    with the lines as an Arrow table (or None when they were not kept).

    :meth:`to_assessment` gives the reference engine's object; the totals, total and warnings
    are already the same objects.
    """

    region: str
    region_name: str
    periods: tuple[Period, ...]
    payment_type: PaymentType
    persons: int
    totals: tuple[LineTotal, ...]
    total: Decimal
    warnings: tuple[AssessmentWarning, ...]
    rows: int
    lines: Any = attrs.field(default=None, eq=False, repr=False)

    @property
    def total_upper(self) -> str:
        """The grand total in Chinese capitals, as the payment notice prints it."""
        return rmb_upper(self.total)

    def to_json(self) -> dict[str, object]:
        """What :meth:`Assessment.to_json` gives, built from the Arrow lines (much faster)."""
        data = attrs.evolve(self, lines=None).to_assessment().to_json()
        if self.lines is not None:
            columns = {name: self.lines.column(name) for name in LINE_SCHEMA.names}
            for name, column in columns.items():
                if pa.types.is_decimal(column.type):
                    columns[name] = column.cast(pa.string())  # decimal(38, 2) prints as format_yuan does
            names = list(columns)
            data["lines"] = [dict(zip(names, row)) for row in zip(*(c.to_pylist() for c in columns.values()))]
        return data

    def to_assessment(self) -> Assessment:
        """The same :class:`Assessment` as the reference engine (``lines=()`` if not kept)."""
        return Assessment(
            region=self.region,
            region_name=self.region_name,
            periods=self.periods,
            payment_type=self.payment_type,
            persons=self.persons,
            lines=() if self.lines is None else tuple(assessment_lines(self.lines)),
            totals=self.totals,
            total=self.total,
            warnings=self.warnings,
        )


def assessment_lines(table: Any) -> Iterator[AssessmentLine]:
    """The rows of a lines table as :class:`AssessmentLine` objects."""
    periods: dict[str, Period] = {}
    columns = [table.column(name).to_pylist() for name in LINE_SCHEMA.names]
    for cert, name, person_no, code, period, ub, ua, pb, pa_, transfer in zip(*columns):
        found = periods.get(period)
        if found is None:
            found = periods[period] = Period.parse(period)
        yield AssessmentLine(cert, name, person_no, code, found, ub, ua, pb, pa_, transfer)


def sorted_lines(plan: Plan, tables: list[Any]) -> Any:
    """All kept lines in the canonical order (period, line order, certificate number)."""
    if not tables:
        return LINE_SCHEMA.empty_table()
    if len(tables) == 1:
        return tables[0]  # one chunk is already in order
    table = pa.concat_tables(tables)
    codes = sorted(set(pc.unique(table.column("insurance")).to_pylist()), key=plan.line_order)
    order = pc.index_in(table.column("insurance"), value_set=pa.array(codes, type=pa.string()))
    keyed = table.append_column("_order", order)
    keyed = keyed.sort_by([("period", "ascending"), ("_order", "ascending"), ("cert_no", "ascending")])
    return keyed.drop_columns(["_order"]).combine_chunks()


