"""A query's answer as a table: the rows the command line prints and writes to XLSX."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs

from medins_core.io.xlsx import Column, Kind, Sheet, Value, write_xlsx

#: 缴费类型 as the portals print the book's payment types.
TYPE_ZH = {"regular": "正常应缴", "backpay": "补缴"}


@attrs.frozen
class Listing:
    """A result as a table: a title, typed columns and rows (ID numbers in full)."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]


def columns(*spec: tuple[str, Kind]) -> tuple[Column, ...]:
    return tuple(Column(title, kind) for title, kind in spec)


def write_listings(path: str | Path, listings: Sequence[Listing]) -> None:
    """Write each listing as a sheet of one XLSX file, atomically (nothing is left half-written)."""
    sheets = [
        Sheet(item.title[:31], [tuple(c.title for c in item.columns), *item.rows], item.columns)
        for item in listings
    ]
    write_xlsx(path, sheets)


def type_zh(payment_type: str) -> str:
    """The 缴费类型 of a payment type."""
    return TYPE_ZH.get(payment_type, payment_type)
