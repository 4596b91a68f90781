"""What every document shares: the :class:`Document` value, and the book's figures it is made of.

A document's data is plain JSON (amounts as two-decimal strings), so ``--format json`` prints
exactly what the page prints. Figures come from the lines the book stored (never recomputed):
:func:`net_lines` nets every revision (original, supplementary, reversal) per person × line ×
payment type × period.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from medins_core.book.book import UnitInfo, yuan
from medins_core.book.models import AssessmentRow, LineRow
from medins_core.money import rmb_upper
from medins_core.params import RegionRules
from medins_core.period import Period


@attrs.frozen
class Document:
    """A printable document: its kind, the template (layout) that prints it, a title and its data."""

    kind: str
    layout: str
    title: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The document as ``--format json`` prints it."""
        return {"kind": self.kind, "layout": self.layout, "title": self.title, **self.data}


@attrs.frozen
class NetLine:
    """One person's net amounts (fen) on one line, payment type and period."""

    person_id: int
    insurance: str
    payment_type: str
    period: str
    unit_base: int
    unit_amount: int
    person_base: int
    person_amount: int

    @property
    def amount(self) -> int:
        """Unit plus person amount, in fen."""
        return self.unit_amount + self.person_amount


def net_lines(session: Session, *where: ColumnElement[bool]) -> list[NetLine]:
    """The stored lines matching ``where`` (on LineRow / AssessmentRow), netted per person ×
    line × payment type × period; lines that net to nothing are left out."""
    query = (
        select(
            LineRow.person_id, LineRow.insurance, AssessmentRow.payment_type, LineRow.period,
            func.sum(LineRow.unit_base_fen), func.sum(LineRow.unit_amount_fen),
            func.sum(LineRow.person_base_fen), func.sum(LineRow.person_amount_fen),
        )
        .join(AssessmentRow, AssessmentRow.id == LineRow.assessment_id)
        .where(*where)
        .group_by(LineRow.person_id, LineRow.insurance, AssessmentRow.payment_type, LineRow.period)
    )  # fmt: skip
    out = [NetLine(*row[:4], *(int(v or 0) for v in row[4:])) for row in session.execute(query)]
    return [ln for ln in out if ln.amount or ln.unit_base or ln.person_base]


def capitals(fen: int) -> str:
    """Fen in Chinese financial capitals (负 first when negative)."""
    return rmb_upper(yuan(fen))


def line_order(rules: RegionRules, codes: Iterable[str]) -> list[str]:
    """``codes`` in the region's order: default lines, optional lines, then the rest by code."""
    known = [*rules.default_lines, *rules.optional_lines]
    rank = {code: i for i, code in enumerate(known)}
    return sorted(set(codes), key=lambda c: (rank.get(c, len(rank)), c))


def line_name(rules: RegionRules, code: str) -> str:
    """The name of an insurance line in the region (the code when unknown)."""
    line = rules.lines.get(code)
    return line.name if line is not None else code


def spans(periods: Iterable[str]) -> list[tuple[str, str]]:
    """Consecutive ``YYYYMM`` periods joined into (first, last) runs, in order."""
    out: list[tuple[str, str]] = []
    for text in sorted(set(periods)):
        if out and Period.parse(out[-1][1]) + 1 == Period.parse(text):
            out[-1] = (out[-1][0], text)
        else:
            out.append((text, text))
    return out


def span_text(first: str, last: str) -> str:
    """``202104-202106``, or ``202208`` for one month."""
    return first if first == last else f"{first}-{last}"


def spans_text(periods: Iterable[str]) -> str:
    """Every run of periods, joined with 、 (empty when none)."""
    return "、".join(span_text(a, b) for a, b in spans(periods))


def unit_header(unit: UnitInfo, rules: RegionRules, printed: datetime.date) -> dict[str, str]:
    """The fields every document heads with: the unit, its region and the date printed."""
    return {
        "unit_name": unit.name, "uscc": unit.uscc, "unit_no": unit.unit_no, "region": rules.code,
        "region_name": rules.name, "province": rules.province, "printed": printed.isoformat(),
    }  # fmt: skip


def persons_with_amount(lines: Sequence[NetLine]) -> int:
    """How many persons have an amount on these lines."""
    return len({ln.person_id for ln in lines if ln.amount})
