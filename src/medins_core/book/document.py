"""The stored document of an assessment revision: ``medins assess``'s JSON, its lines kept once.

An original revision's lines are all in ``assessment_line`` already (every line with an
amount; see :mod:`medins_core.book.ledger`). Since migration 0006 its document is stored
without them: ``"lines"`` holds ``{"stored": true, "zero": [...]}`` (``zero``: the lines with
no amount at all, which ``assessment_line`` does not keep), and :func:`stored_document` puts
the lines back in the document's order (period, the order of ``totals``, certificate number),
with each person's name as the book holds it (the book never renames a person). Supplements,
reversals and every document stored before 0006 hold their lines and are read as they are.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import attrs
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from medins_core.assessment import Assessment, AssessmentLine
from medins_core.book.models import AssessmentRow, LineRow, PersonRow
from medins_core.model import Member
from medins_core.money import fen_text, format_yuan, rmb_upper
from medins_core.serialize import to_json

_AMOUNTS = ("unit_base", "unit_amount", "person_base", "person_amount", "account_transfer")


def _lines(rows: Iterable[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Line dicts as ``medins assess`` writes them, from rows of certificate number, name,
    insurance line, period and the amounts in fen (in the order of the JSON)."""
    return [
        {"cert_no": cert_no, "name": name, "person_no": None, "insurance": insurance, "period": period,
         "unit_base": fen_text(ub), "unit_amount": fen_text(ua), "person_base": fen_text(pb),
         "person_amount": fen_text(pa), "account_transfer": None if t is None else fen_text(t)}
        for cert_no, name, insurance, period, ub, ua, pb, pa, t in rows
    ]  # fmt: skip


def compact_document(
    result: Assessment, roster: Iterable[Member], zero: Sequence[tuple[Any, ...]]
) -> tuple[dict[str, Any], str]:
    """The document of an original revision without its stored lines, and its text.

    ``zero`` are the :meth:`~medins_core.assessment.Assessment.fen_lines` that are not
    stored (no amount at all); ``roster`` the members assessed.
    """
    document: dict[str, Any] = to_json(attrs.evolve(result, lines=()))  # all but the lines: few values
    names = {member.person.cert_no: member.person.name for member in roster} if zero else {}
    kept = _lines((cert_no, names[cert_no], *rest) for cert_no, *rest in zero)
    document["lines"] = {"stored": True, "zero": kept}
    return document, json.dumps(document, ensure_ascii=False)


def supplement_document(
    result: Assessment, before: list[dict[str, Any]], lines: list[AssessmentLine]
) -> dict[str, Any]:
    """The document of a supplementary revision: its lines, and totals new minus stored."""
    document: dict[str, Any] = result.to_json()
    stored: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for doc in before:
        for total in doc["totals"]:
            for name in _AMOUNTS:
                if total[name] is not None:
                    stored[total["insurance"]][name] += Decimal(total[name])
    totals = []
    for total in document["totals"]:
        changed = {
            name: None if total[name] is None else format_yuan(Decimal(total[name]) - stored[total["insurance"]][name])
            for name in _AMOUNTS
        }
        persons = len({ln.cert_no for ln in lines if ln.insurance == total["insurance"]})
        totals.append({**total, **changed, "persons": persons})
    total = Decimal(document["total"]) - sum((Decimal(d["total"]) for d in before), Decimal(0))
    document.update(
        lines=[ln.to_json() for ln in lines], totals=totals, total=format_yuan(total),
        total_upper=rmb_upper(total) if total >= 0 else "负" + rmb_upper(-total),
        persons=len({ln.cert_no for ln in lines}),
    )  # fmt: skip
    return document


_LINES = (
    select(PersonRow.cert_no, PersonRow.name, LineRow.insurance, LineRow.period, LineRow.unit_base_fen,
           LineRow.unit_amount_fen, LineRow.person_base_fen, LineRow.person_amount_fen, LineRow.transfer_fen)
    .join(PersonRow, PersonRow.id == LineRow.person_id)
    .where(LineRow.assessment_id == bindparam("id"))
)  # fmt: skip


def stored_document(session: Session, row: AssessmentRow) -> dict[str, Any]:
    """The revision's document as ``medins assess`` writes it (see the module docstring)."""
    document: dict[str, Any] = json.loads(row.document)
    kept = document.get("lines")
    if not isinstance(kept, dict):
        return document
    order = {total["insurance"]: i for i, total in enumerate(document["totals"])}
    rows = session.connection().execute(_LINES, {"id": row.id}).all()  # Core: plain rows at once
    rows = sorted(rows, key=lambda r: (r[3], order[r[2]], r[0]))
    lines = _lines(rows)
    if kept["zero"]:
        lines.extend(kept["zero"])
        lines.sort(key=lambda ln: (ln["period"], order[ln["insurance"]], ln["cert_no"]))
    document["lines"] = lines
    return document
