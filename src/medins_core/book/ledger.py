"""Assessments from the book, revocation (撤销), notices, payments, arrears and explanations.

Amounts come from the engine (:func:`medins_core.assessment.assess`) only; the book stores
them per line with every value used and subtracts stored lines from a new result to find what
changed. Asking again for the same unit, periods and type returns what is stored (``existing``);
when the book changed, a supplementary revision holds only the difference lines. Revisions are
numbered per unit × periods × type under a unique constraint, so two writers at once store one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

import attrs
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from medins_core.assessment import Assessment, AssessmentLine, Parts, PaymentType, assess, line_rates
from medins_core.book.book import Book, UnitInfo, fen, yuan
from medins_core.book.errors import BookRefusal
from medins_core.book.models import (
    AssessmentRow,
    CoverRow,
    LineRow,
    PersonRow,
    WageRow,
)
from medins_core.codes import InsuranceStatus
from medins_core.ids import mask_cert_no
from medins_core.model import Coverage, Member, Person, WageDeclaration
from medins_core.money import format_yuan, rmb_upper
from medins_core.params import RegionRules
from medins_core.period import Period

Key = tuple[str, str, str]  # cert_no, insurance, period
AMOUNTS = ("unit_base_fen", "unit_amount_fen", "person_base_fen", "person_amount_fen", "transfer_fen")


@attrs.frozen
class BookAssessment:
    """A stored assessment revision: its id, kind, what it supplements and its JSON document."""

    id: int
    kind: str
    supplements: int | None
    document: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """``medins assess``'s JSON plus ``id``, ``kind`` and ``supplements``."""
        return {**self.document, "id": self.id, "kind": self.kind, "supplements": self.supplements}


def members(session: Session, unit: UnitInfo, start: Period, end: Period) -> list[Member]:
    """The unit's persons with a cover overlapping ``start``…``end``, with their wages and covers."""
    covers = session.execute(
        select(CoverRow, PersonRow).join(PersonRow, PersonRow.id == CoverRow.person_id)
        .where(CoverRow.unit_id == unit.id, CoverRow.start <= str(end))
        .where((CoverRow.end.is_(None)) | (CoverRow.end >= str(start)))
    ).all()  # fmt: skip
    people: dict[int, tuple[PersonRow, list[Coverage]]] = {}
    for cover, person in covers:
        period_end = None if cover.end is None else Period.parse(cover.end)
        coverage = Coverage(cover.insurance, Period.parse(cover.start), period_end, InsuranceStatus(cover.status))
        people.setdefault(person.id, (person, []))[1].append(coverage)
    wages: dict[int, list[WageDeclaration]] = defaultdict(list)
    for row in session.scalars(
        select(WageRow).where(WageRow.unit_id == unit.id, WageRow.person_id.in_(people)).order_by(WageRow.start)
    ):  # fmt: skip
        wages[row.person_id].append(WageDeclaration(Period.parse(row.start), yuan(row.wage_fen)))
    out = []
    for person_id, (person, coverages) in people.items():
        if not wages[person_id]:
            raise BookRefusal("missing_wage", f"{mask_cert_no(person.cert_no)} 没有申报工资，无法核定")
        who = Person(person.cert_no, person.name, person.cert_type, person.person_type)
        out.append(Member(who, tuple(wages[person_id]), tuple(coverages)))
    return out


def _explain(rules: RegionRules, line: AssessmentLine, wage: Decimal, parts: Parts) -> str:
    rates = line_rates(rules, line.insurance, line.period, parts)
    limit = rules.base_limit(line.period)
    rounding = rules.rounding
    return json.dumps(
        {
            "wage": format_yuan(wage),
            "base": format_yuan(line.unit_base or line.person_base),
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


def _line_amounts(line: AssessmentLine) -> dict[str, int | None]:
    transfer = None if line.account_transfer is None else fen(line.account_transfer)
    return {
        "unit_base_fen": fen(line.unit_base), "unit_amount_fen": fen(line.unit_amount),
        "person_base_fen": fen(line.person_base), "person_amount_fen": fen(line.person_amount),
        "transfer_fen": transfer,
    }  # fmt: skip


def _stored(session: Session, chain: list[AssessmentRow]) -> dict[Key, dict[str, int]]:
    """The net of every stored revision's lines, by person × line × period."""
    net: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(AMOUNTS, 0))
    ids = [row.id for row in chain]
    for line, cert_no in session.execute(
        select(LineRow, PersonRow.cert_no).join(PersonRow, PersonRow.id == LineRow.person_id)
        .where(LineRow.assessment_id.in_(ids))
    ):  # fmt: skip
        sums = net[(cert_no, line.insurance, line.period)]
        for name in AMOUNTS:
            sums[name] += getattr(line, name) or 0
    return net


def _difference(result: Assessment, before: list[dict[str, Any]], lines: list[AssessmentLine]) -> dict[str, Any]:
    """The document of a supplementary revision: its lines, and totals new minus stored."""
    document: dict[str, Any] = result.to_json()
    stored: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for doc in before:
        for total in doc["totals"]:
            for name in ("unit_base", "unit_amount", "person_base", "person_amount", "account_transfer"):
                if total[name] is not None:
                    stored[total["insurance"]][name] += Decimal(total[name])
    totals = []
    for total in document["totals"]:
        changed = {
            name: None if total[name] is None else format_yuan(Decimal(total[name]) - stored[total["insurance"]][name])
            for name in ("unit_base", "unit_amount", "person_base", "person_amount", "account_transfer")
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


def _chain(session: Session, unit: UnitInfo, start: Period, end: Period, kind: PaymentType) -> list[AssessmentRow]:
    return list(session.scalars(
        select(AssessmentRow).where(
            AssessmentRow.unit_id == unit.id, AssessmentRow.period_from == str(start),
            AssessmentRow.period_to == str(end), AssessmentRow.payment_type == kind.value,
        ).order_by(AssessmentRow.revision)
    ))  # fmt: skip


def assess_unit(
    book: Book, uscc: str, start: Period, end: Period | None = None, *,
    payment_type: PaymentType = PaymentType.REGULAR, parts: Parts = Parts.BOTH,
) -> BookAssessment:  # fmt: skip
    """Assess the unit from the book: the existing revision, a new original or a supplement."""
    end = start if end is None else end
    for attempt in range(3):
        try:
            return _assess_once(book, uscc, start, end, payment_type, parts)
        except IntegrityError:
            if attempt == 2:  # another writer keeps winning: say so rather than loop
                raise BookRefusal("busy", "另一进程正在核定同一单位同一期间，请稍后重试") from None
    raise AssertionError("unreachable")


def _assess_once(
    book: Book, uscc: str, start: Period, end: Period, payment_type: PaymentType, parts: Parts
) -> BookAssessment:
    with book.transaction() as session:
        unit = book.unit(session, uscc)
        rules = book.rules(unit)
        roster = members(session, unit, start, end)
        result = assess(roster, rules, start, end, payment_type=payment_type, parts=parts)
        chain = _chain(session, unit, start, end, payment_type)
        net = _stored(session, chain)
        fresh = {(ln.cert_no, ln.insurance, str(ln.period)): ln for ln in result.lines}
        changed: list[tuple[AssessmentLine, dict[str, int | None]]] = []
        for key in sorted(set(fresh) | set(net), key=lambda k: (k[2], k[1], k[0])):
            new = _line_amounts(fresh[key]) if key in fresh else dict.fromkeys(AMOUNTS, 0)
            old = net.get(key, dict.fromkeys(AMOUNTS, 0))
            diff = {n: None if new[n] is None else (new[n] or 0) - old[n] for n in AMOUNTS}
            if any(diff.values()):
                changed.append((fresh.get(key) or _zero_line(key), diff))
        if not chain and not result.lines:
            raise BookRefusal("nothing_to_assess", f"单位 {uscc} 在 {start}—{end} 没有参保人员，无需核定")
        if chain and not changed:
            latest = chain[-1]
            return BookAssessment(latest.id, "existing", latest.supplements, json.loads(latest.document))
        kind = "supplementary" if chain else "original"
        wages = {m.person.cert_no: m for m in roster}
        lines = [
            attrs.evolve(
                line, unit_base=yuan(d["unit_base_fen"] or 0), unit_amount=yuan(d["unit_amount_fen"] or 0),
                person_base=yuan(d["person_base_fen"] or 0), person_amount=yuan(d["person_amount_fen"] or 0),
                account_transfer=None if d["transfer_fen"] is None else yuan(d["transfer_fen"]),
            )
            for line, d in changed
        ]  # fmt: skip
        document: dict[str, Any] = result.to_json() if kind == "original" else _difference(
            result, [json.loads(r.document) for r in chain], lines
        )  # fmt: skip
        person_ids = {cert: pid for cert, pid in session.execute(
            select(PersonRow.cert_no, PersonRow.id).where(PersonRow.cert_no.in_(wages.keys() | {k[0] for k in net}))
        )}  # fmt: skip
        row = AssessmentRow(
            unit_id=unit.id, period_from=str(start), period_to=str(end), payment_type=payment_type.value,
            revision=len(chain), kind=kind, supplements=chain[-1].id if chain else None,
            total_fen=fen(Decimal(document["total"])), document=json.dumps(document, ensure_ascii=False),
        )  # fmt: skip
        for line, (source, d) in zip(lines, changed):
            member = wages.get(line.cert_no)
            wage = member.wage_for(line.period) if member is not None else None
            row.lines.append(LineRow(
                person_id=person_ids[line.cert_no], insurance=line.insurance, period=str(line.period),
                wage_fen=fen(wage or Decimal(0)), **d,
                explain=_explain(rules, source, wage or Decimal(0), parts) if source.name else "{}",
            ))  # fmt: skip
        session.add(row)
        session.flush()  # the unique constraint speaks here, inside the transaction
        book.log(session, unit, "assess", {"id": row.id, "kind": kind, "periods": [str(start), str(end)],
                                           "type": payment_type.value, "total": document["total"]})  # fmt: skip
        return BookAssessment(row.id, kind, row.supplements, document)


def _zero_line(key: Key) -> AssessmentLine:
    zero = Decimal(0)
    return AssessmentLine(key[0], "", None, key[1], Period.parse(key[2]), zero, zero, zero, zero, None)
