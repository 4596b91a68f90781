"""The lines and the result of the columnar engine: Arrow tables of exact yuan."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs
import pyarrow as pa
import pyarrow.compute as pc

from medins_core.assessment import Assessment, AssessmentLine, LineTotal, PaymentType
from medins_core.bulk._columns import (
    LINE_SCHEMA,
    MONEY,
    Piece,
    json_rows,
    line_columns,
    money_array,
    value_tables,
    yuan,
)
from medins_core.bulk._read import Rows
from medins_core.messages import AssessmentWarning
from medins_core.money import rmb_upper, to_fen
from medins_core.period import Period
from medins_core.plan import Plan

__all__ = ["LINE_SCHEMA", "MONEY", "ArrowLines", "BulkAssessment", "Piece", "line_tables", "money_array", "yuan"]


def line_tables(plan: Plan, rows: Rows, pieces: list[Piece], max_lines: int | None) -> Iterator[Any]:
    """The monthly lines of a chunk: by period, line, then row order; ``max_lines`` a table."""
    if not pieces:
        return
    codes = sorted({p.segment.line for p in pieces}, key=plan.line_order)
    per_row = len(plan.periods) * len(codes)
    step = len(rows) if max_lines is None else max(1, max_lines // per_row)
    tables = value_tables(pieces)
    for lo in range(0, len(rows), step):
        persons = (rows.cert, rows.name, rows.person_no)
        columns = line_columns(plan, persons, pieces, codes, lo, lo + step, tables=tables)
        if len(columns):
            yield columns.table()


class ArrowLines:
    """The lines of an Arrow lines table, as an :class:`Assessment` reads them."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self._lines: tuple[AssessmentLine, ...] | None = None

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def __repr__(self) -> str:
        return f"ArrowLines({len(self)} lines)"

    def lines(self) -> tuple[AssessmentLine, ...]:
        """The rows as :class:`AssessmentLine` objects (built once)."""
        if self._lines is None:
            self._lines = tuple(assessment_lines(self.table))
        return self._lines

    def fen_lines(self) -> list[tuple[Any, ...]]:
        """The rows as :meth:`Assessment.fen_lines <medins_core.assessment.Assessment.fen_lines>`
        tuples."""
        texts = [self.table.column(name).to_pylist() for name in ("cert_no", "insurance", "period")]
        amounts = [
            [None if v is None else to_fen(v) for v in self.table.column(name).to_pylist()]
            for name in LINE_SCHEMA.names[5:]
        ]
        return list(zip(*texts, *amounts))

    def json_lines(self) -> list[dict[str, str | None]]:
        """The rows as the JSON contract writes lines, from the columns."""
        columns = []
        for name in LINE_SCHEMA.names:
            column = self.table.column(name)
            if pa.types.is_decimal(column.type):
                column = column.cast(pa.string())  # decimal(38, 2) prints as format_yuan does
            columns.append(column.to_pylist())
        return json_rows(*columns)


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
        return self.to_assessment().to_json()

    def to_assessment(self) -> Assessment:
        """The same :class:`Assessment` as the reference engine (``lines=()`` if not kept); its
        lines are read from the Arrow table when first asked for."""
        return Assessment(
            region=self.region,
            region_name=self.region_name,
            periods=self.periods,
            payment_type=self.payment_type,
            persons=self.persons,
            lines=() if self.lines is None else ArrowLines(self.lines),
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


