"""Assessments from the book, revocation (撤销), notices, payments, arrears and explanations.

Amounts come from the engine (:func:`medins_core.assessment.assess`) only; the book stores
them per line with every value used and subtracts stored lines from a new result to find what
changed. Asking again for the same unit, periods and type returns what is stored (``existing``);
when the book changed, a supplementary revision holds only the difference lines. Revisions are
numbered per unit × periods × type under a unique constraint, so two writers at once store one.
A revision records the unit's version and the rules' fingerprint it was found current at; while
both are unchanged it is returned without assessing again.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from importlib import metadata
from decimal import Decimal
from typing import Any, cast

import attrs
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

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


def members(session: Session, unit: UnitInfo, start: Period, end: Period) -> tuple[list[Member], dict[str, int]]:
    """The unit's persons with a cover overlapping ``start``…``end``, with their wages and covers.

    Also their person ids by certificate number. Two queries, plain columns: no row objects.
    """
    covers = session.execute(_COVERS, {"unit": unit.id, "start": str(start), "end": str(end)})
    people: dict[int, tuple[Person, list[Coverage]]] = {}
    for person_id, line, since, until, status, cert_no, name, cert_type, person_type in covers:
        entry = people.get(person_id)
        if entry is None:
            entry = people[person_id] = (Person(cert_no, name, cert_type, person_type), [])
        entry[1].append(_coverage(line, since, until, status))
    wages: dict[int, list[WageDeclaration]] = defaultdict(list)
    for person_id, since, wage_fen in session.execute(_WAGES, {"unit": unit.id}):
        if person_id in people:
            wages[person_id].append(_wage(since, wage_fen))
    out = []
    for person_id, (person, coverages) in people.items():
        if not wages[person_id]:
            raise BookRefusal("missing_wage", f"{mask_cert_no(person.cert_no)} 没有申报工资，无法核定")
        out.append(Member(person, tuple(wages[person_id]), tuple(coverages)))
    return out, {person.cert_no: person_id for person_id, (person, _) in people.items()}


# built once: a statement object keeps its cache key, so running it again compiles nothing
_COVERS = (
    select(CoverRow.person_id, CoverRow.insurance, CoverRow.start, CoverRow.end, CoverRow.status,
           PersonRow.cert_no, PersonRow.name, PersonRow.cert_type, PersonRow.person_type)
    .join(PersonRow, PersonRow.id == CoverRow.person_id)
    .where(CoverRow.unit_id == bindparam("unit"), CoverRow.start <= bindparam("end"))
    .where((CoverRow.end.is_(None)) | (CoverRow.end >= bindparam("start")))
)  # fmt: skip
_WAGES = (
    select(WageRow.person_id, WageRow.start, WageRow.wage_fen).where(WageRow.unit_id == bindparam("unit"))
    .order_by(WageRow.person_id, WageRow.start)
)  # fmt: skip


# covers and wages repeat across a book's persons, and the engine's values are immutable
@functools.lru_cache(maxsize=4096)
def _coverage(line: str, since: str, until: str | None, status: str) -> Coverage:
    last = None if until is None else Period.parse(until)
    return Coverage(line, Period.parse(since), last, InsuranceStatus(status))


@functools.lru_cache(maxsize=65536)
def _wage(since: str, wage_fen: int) -> WageDeclaration:
    return WageDeclaration(Period.parse(since), yuan(wage_fen))


def _explainer(rules: RegionRules, parts: Parts) -> Callable[[AssessmentLine, int, int], str]:
    """The explanation of a line as JSON; what a line shares with its insurance and period is
    written once."""
    tails: dict[tuple[str, Period], str] = {}

    def explain(line: AssessmentLine, wage_fen: int, base_fen: int) -> str:
        tail = tails.get((line.insurance, line.period))
        if tail is None:
            tail = tails[(line.insurance, line.period)] = _explain_tail(rules, line, parts)
        # as json.dumps writes it: amounts are digits, a sign and a point, nothing to escape
        return f'{{"wage": "{_yuan_text(wage_fen)}", "base": "{_yuan_text(base_fen)}", {tail}'


    return explain


def _yuan_text(amount_fen: int) -> str:
    """``format_yuan`` of an amount in fen."""
    whole, part = divmod(abs(amount_fen), 100)
    return f"{'-' if amount_fen < 0 else ''}{whole}.{part:02d}"


def _explain_tail(rules: RegionRules, line: AssessmentLine, parts: Parts) -> str:
    """What follows the wage and base in an explanation, without the opening brace."""
    rates = line_rates(rules, line.insurance, line.period, parts)
    limit = rules.base_limit(line.period)
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
    )[1:]  # fmt: skip


def _line_amounts(line: AssessmentLine) -> dict[str, int | None]:
    transfer = None if line.account_transfer is None else fen(line.account_transfer)
    return {
        "unit_base_fen": fen(line.unit_base), "unit_amount_fen": fen(line.unit_amount),
        "person_base_fen": fen(line.person_base), "person_amount_fen": fen(line.person_amount),
        "transfer_fen": transfer,
    }  # fmt: skip


def _stored(session: Session, chain: list[AssessmentRow], person_ids: dict[str, int]) -> dict[Key, dict[str, int]]:
    """The net of every stored revision's lines, by person × line × period (ids into ``person_ids``)."""
    net: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(AMOUNTS, 0))
    if not chain:
        return net
    columns = [getattr(LineRow, name) for name in AMOUNTS]
    for person_id, cert_no, line, period, *amounts in session.execute(
        select(LineRow.person_id, PersonRow.cert_no, LineRow.insurance, LineRow.period, *columns)
        .join(PersonRow, PersonRow.id == LineRow.person_id)
        .where(LineRow.assessment_id.in_([row.id for row in chain]))
    ):  # fmt: skip
        person_ids[cert_no] = person_id
        sums = net[(cert_no, line, period)]
        for name, amount in zip(AMOUNTS, amounts):
            sums[name] += amount or 0
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
    # the documents are read only when needed: the latest's, or all of them for a supplement
    return list(session.scalars(
        _CHAIN, {"unit": unit.id, "start": str(start), "end": str(end), "kind": kind.value}
    ))  # fmt: skip


_CHAIN = select(AssessmentRow).options(defer(AssessmentRow.document)).where(
    AssessmentRow.unit_id == bindparam("unit"), AssessmentRow.period_from == bindparam("start"),
    AssessmentRow.period_to == bindparam("end"), AssessmentRow.payment_type == bindparam("kind"),
).order_by(AssessmentRow.revision)  # fmt: skip


def basis(rules: RegionRules, parts: Parts) -> str:
    """A fingerprint of everything an assessment uses besides the book: the rules, the parts
    and the engine's version. A corrected rate in an overlay changes it."""
    key = (id(rules), parts)
    found = _BASES.get(key)
    if found is None or found[0] is not rules:
        text = f"{metadata.version('medins')}|{parts.value}|{rules!r}"
        found = _BASES[key] = (rules, hashlib.sha256(text.encode()).hexdigest())
    return found[1]


_BASES: dict[tuple[int, Parts], tuple[RegionRules, str]] = {}


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
        # the version is read before anything it covers: what is read next is at least as new
        unit, version = book.unit_version(session, uscc)
        rules = book.rules(unit)
        stamp = basis(rules, parts)
        chain = _chain(session, unit, start, end, payment_type)
        latest = chain[-1] if chain else None
        if latest is not None and (latest.unit_version, latest.basis) == (version, stamp):
            # nothing it read has changed since this revision was found current: no need to assess
            return BookAssessment(latest.id, "existing", latest.supplements, json.loads(latest.document))
        roster, person_ids = members(session, unit, start, end)
        result = assess(roster, rules, start, end, payment_type=payment_type, parts=parts)
        net = _stored(session, chain, person_ids)
        fresh = {(ln.cert_no, ln.insurance, str(ln.period)): ln for ln in result.lines}
        zero = dict.fromkeys(AMOUNTS, 0)
        changed: list[tuple[AssessmentLine, dict[str, int | None], dict[str, int | None]]] = []
        for key in sorted(set(fresh) | set(net), key=lambda k: (k[2], k[1], k[0])):
            new: dict[str, int | None] = _line_amounts(fresh[key]) if key in fresh else dict(zero)
            old = net.get(key, zero)
            diff = {n: None if new[n] is None else (new[n] or 0) - old[n] for n in AMOUNTS}
            if any(diff.values()):
                changed.append((fresh.get(key) or _zero_line(key), diff, new))
        if latest is None and not result.lines:
            raise BookRefusal("nothing_to_assess", f"单位 {uscc} 在 {start}—{end} 没有参保人员，无需核定")
        if latest is not None and not changed:
            # still current: say so on the revision, so that the next request need not assess
            session.execute(update(AssessmentRow).where(AssessmentRow.id == latest.id)
                            .values(unit_version=version, basis=stamp))  # fmt: skip
            return BookAssessment(latest.id, "existing", latest.supplements, json.loads(latest.document))
        kind = "supplementary" if chain else "original"
        lines = [
            attrs.evolve(
                line, unit_base=yuan(d["unit_base_fen"] or 0), unit_amount=yuan(d["unit_amount_fen"] or 0),
                person_base=yuan(d["person_base_fen"] or 0), person_amount=yuan(d["person_amount_fen"] or 0),
                account_transfer=None if d["transfer_fen"] is None else yuan(d["transfer_fen"]),
            )
            for line, d, _ in changed
        ] if chain else [line for line, _, _ in changed]  # fmt: skip
        document: dict[str, Any] = result.to_json() if kind == "original" else _difference(
            result, [json.loads(r.document) for r in chain], lines
        )  # fmt: skip
        row = AssessmentRow(
            unit_id=unit.id, period_from=str(start), period_to=str(end), payment_type=payment_type.value,
            revision=len(chain), kind=kind, supplements=chain[-1].id if chain else None,
            total_fen=fen(Decimal(document["total"])), document=json.dumps(document, ensure_ascii=False),
            unit_version=version, basis=stamp,
        )  # fmt: skip
        session.add(row)
        session.flush()  # the unique constraint speaks here, inside the transaction
        wages = {m.person.cert_no: m for m in roster}
        explain = _explainer(rules, parts)
        values = []
        for line, (source, d, new) in zip(lines, changed):
            member = wages.get(line.cert_no)
            wage = fen((member.wage_for(line.period) if member is not None else None) or Decimal(0))
            base = new["unit_base_fen"] or new["person_base_fen"] or 0
            values.append({
                "assessment_id": row.id, "person_id": person_ids[line.cert_no], "insurance": line.insurance,
                "period": str(line.period), "wage_fen": wage, **d,
                "explain": explain(source, wage, base) if source.name else "{}",
            })  # fmt: skip
        if values:  # one statement for every line (executemany; insertmanyvalues on PostgreSQL)
            session.execute(insert(cast(Table, LineRow.__table__)), values)
        book.log(session, unit, "assess", {"id": row.id, "kind": kind, "periods": [str(start), str(end)],
                                           "type": payment_type.value, "total": document["total"]})  # fmt: skip
        return BookAssessment(row.id, kind, row.supplements, document)


def _zero_line(key: Key) -> AssessmentLine:
    zero = Decimal(0)
    return AssessmentLine(key[0], "", None, key[1], Period.parse(key[2]), zero, zero, zero, zero, None)
