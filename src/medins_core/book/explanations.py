"""Explanations of stored lines: the values, limits and rounding behind each amount, with the
document each comes from.

What the lines of one insurance line and period share is stored once (:class:`BasisRow`,
written through :class:`Bases`); a line keeps its wage and base. Lines stored before revision
0005 keep their whole explanation in ``explain`` and are read as they are.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medins_core.assessment import Parts, line_rates
from medins_core.book.book import yuan
from medins_core.book.models import BasisRow, LineRow
from medins_core.money import format_yuan
from medins_core.params import RegionRules
from medins_core.period import Period


class Bases:
    """Ids of the stored explanations (:class:`BasisRow`) of the lines written in one
    transaction: each insurance line and period of a region is explained once, and each
    distinct text stored once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ids: dict[tuple[int, Parts, str, Period], int] = {}
        self.by_text: dict[str, int] = {}
        self.added = False  # whether any was not in the book yet

    def id(self, rules: RegionRules, parts: Parts, insurance: str, period: Period) -> int:
        key = (id(rules), parts, insurance, period)  # the rules outlive the transaction
        found = self.ids.get(key)
        if found is None:
            text = basis_text(rules, insurance, period, parts)
            found = self.by_text.get(text)
            if found is None:
                digest = hashlib.sha256(text.encode()).hexdigest()
                found = self.session.scalar(select(BasisRow.id).where(BasisRow.digest == digest))
                if found is None:
                    row = BasisRow(digest=digest, text=text)
                    self.session.add(row)
                    self.session.flush()
                    found, self.added = row.id, True
                self.by_text[text] = found
            self.ids[key] = found
        return found


def basis_text(rules: RegionRules, insurance: str, period: Period, parts: Parts) -> str:
    """The explanation shared by the lines of ``insurance`` in ``period``, as JSON."""
    rates = line_rates(rules, insurance, period, parts)
    limit = rules.base_limit(period)
    rounding = rules.rounding
    return json.dumps(
        {
            "base_limit": None if limit is None else {
                "floor": None if limit.floor is None else str(limit.floor),
                "ceiling": None if limit.ceiling is None else str(limit.ceiling),
                "source": limit.source, "status": limit.status.value,
            },
            "values": [
                {"parameter": v.parameter, "value": str(v.value), "from": str(v.start),
                 "source": v.source, "status": v.status.value}
                for v in rates.used
            ],
            "rounding": {"mode": rounding.mode, "quantum": str(rounding.quantum),
                         "stage": rounding.stage, "source": rules.rounding_source},
        },
        ensure_ascii=False,
    )  # fmt: skip


def explanation(line: LineRow, basis: str | None) -> dict[str, Any]:
    """A line's wage and base with the values, limits and rounding they were assessed with."""
    if basis is None:  # nothing to explain, or stored whole before revision 0005
        found: dict[str, Any] = json.loads(line.explain)
        return found
    base = format_yuan(yuan(line.base_fen or 0))
    return {"wage": format_yuan(yuan(line.wage_fen)), "base": base, **json.loads(basis)}
