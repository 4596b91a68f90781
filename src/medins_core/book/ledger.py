"""Assessments from the book, revocation (撤销), notices, payments, arrears and explanations.

Amounts come from the engine (:func:`medins_core.assessment.assess`) only; the book stores
them per line with every value used and subtracts stored lines from a new result to find what
changed. Asking again for the same unit, periods and type returns what is stored (``existing``);
when the book changed, a supplementary revision holds only the difference lines. Revisions are
numbered per unit × periods × type under a unique constraint, so two writers at once store one.
A revision records the unit's version and the rules' fingerprint it was found current at; while
both are unchanged it is returned without assessing again. :func:`assess_units` does the same
for many units, committing them in groups.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from importlib import metadata
from typing import Any

import attrs
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from medins_core.assessment import (
    Assessment,
    AssessmentLine,
    Parts,
    PaymentType,
    assess,
)
from medins_core.book.book import Book, UnitInfo, fen, unit_info, yuan
from medins_core.book.errors import BookRefusal, unknown_unit
from medins_core.book.explanations import Bases
from medins_core.book.models import (
    AssessmentRow,
    CoverRow,
    LineRow,
    PersonRow,
    UnitRow,
    WageRow,
)
from medins_core.codes import InsuranceStatus
from medins_core.collector import collector_paused
from medins_core.errors import MedinsError
from medins_core.ids import mask_cert_no
from medins_core.model import Coverage, Member, Person, WageDeclaration
from medins_core.money import format_yuan, rmb_upper
from medins_core.params import RegionRules
from medins_core.period import Period

Key = tuple[str, str, str]  # cert_no, insurance, period
AMOUNTS = ("unit_base_fen", "unit_amount_fen", "person_base_fen", "person_amount_fen", "transfer_fen")
Amounts = tuple[int | None, ...]  # in the order of AMOUNTS, in fen; a transfer may be unknown
ZERO: Amounts = (0,) * len(AMOUNTS)


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


class _Persons:
    """The persons of several units with a cover overlapping ``start``…``end``, with their covers
    and wages: two queries for all the units, plain columns, no row objects."""

    def __init__(self, session: Session, units: list[int], start: Period, end: Period) -> None:
        self.people: dict[int, dict[int, tuple[Person, list[Coverage]]]] = {unit: {} for unit in units}
        rows = session.execute(_COVERS, {"units": units, "start": str(start), "end": str(end)})
        for unit, person_id, line, since, until, status, cert_no, name, cert_type, person_type in rows:
            entry = self.people[unit].get(person_id)
            if entry is None:
                entry = self.people[unit][person_id] = (Person(cert_no, name, cert_type, person_type), [])
            entry[1].append(_coverage(line, since, until, status))
        # one tuple for each distinct set of covers: the engine works out each set's runs once
        shared: dict[tuple[Coverage, ...], tuple[Coverage, ...]] = {}
        self.covers = {
            (unit, person_id): shared.setdefault(tuple(covers), tuple(covers))
            for unit, found in self.people.items() for person_id, (_, covers) in found.items()
        }  # fmt: skip
        self.wages: dict[tuple[int, int], list[WageDeclaration]] = defaultdict(list)
        for unit, person_id, since, wage_fen in session.execute(_WAGES, {"units": units}):
            if person_id in self.people[unit]:
                self.wages[(unit, person_id)].append(_wage(since, wage_fen))

    def members(self, unit: int) -> tuple[list[Member], dict[str, int]]:
        """The unit's members, and their person ids by certificate number."""
        out = []
        for person_id, (person, _) in self.people[unit].items():
            wages = self.wages.get((unit, person_id))
            if not wages:
                raise BookRefusal("missing_wage", f"{mask_cert_no(person.cert_no)} 没有申报工资，无法核定")
            out.append(Member(person, tuple(wages), self.covers[(unit, person_id)]))
        return out, {person.cert_no: person_id for person_id, (person, _) in self.people[unit].items()}


# built once: a statement object keeps its cache key, so running it again compiles nothing
_COVERS = (
    select(CoverRow.unit_id, CoverRow.person_id, CoverRow.insurance, CoverRow.start, CoverRow.end,
           CoverRow.status, PersonRow.cert_no, PersonRow.name, PersonRow.cert_type, PersonRow.person_type)
    .join(PersonRow, PersonRow.id == CoverRow.person_id)
    .where(CoverRow.unit_id.in_(bindparam("units", expanding=True)), CoverRow.start <= bindparam("end"))
    .where((CoverRow.end.is_(None)) | (CoverRow.end >= bindparam("start")))
)  # fmt: skip
_WAGES = (
    select(WageRow.unit_id, WageRow.person_id, WageRow.start, WageRow.wage_fen)
    .where(WageRow.unit_id.in_(bindparam("units", expanding=True)))
    .order_by(WageRow.unit_id, WageRow.person_id, WageRow.start)
)  # fmt: skip


# covers and wages repeat across a book's persons, and the engine's values are immutable
@functools.lru_cache(maxsize=4096)
def _coverage(line: str, since: str, until: str | None, status: str) -> Coverage:
    last = None if until is None else Period.parse(until)
    return Coverage(line, Period.parse(since), last, InsuranceStatus(status))


@functools.lru_cache(maxsize=65536)
def _wage(since: str, wage_fen: int) -> WageDeclaration:
    return WageDeclaration(Period.parse(since), yuan(wage_fen))


def _stored(
    session: Session, chain: list[AssessmentRow], person_ids: dict[str, int]
) -> dict[Key, tuple[int, ...]]:
    """The net of every stored revision's lines, by person × line × period (ids into ``person_ids``)."""
    net: dict[Key, list[int]] = {}
    if not chain:
        return {}
    columns = [getattr(LineRow, name) for name in AMOUNTS]
    for person_id, cert_no, line, period, *amounts in session.execute(
        select(LineRow.person_id, PersonRow.cert_no, LineRow.insurance, LineRow.period, *columns)
        .join(PersonRow, PersonRow.id == LineRow.person_id)
        .where(LineRow.assessment_id.in_([row.id for row in chain]))
    ):  # fmt: skip
        person_ids[cert_no] = person_id
        sums = net.setdefault((cert_no, line, period), [0] * len(AMOUNTS))
        for i, amount in enumerate(amounts):
            sums[i] += amount or 0
    return {key: tuple(sums) for key, sums in net.items()}


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


# the documents are read only when needed: the latest's, or all of them for a supplement
_CHAINS = select(AssessmentRow).options(defer(AssessmentRow.document)).where(
    AssessmentRow.unit_id.in_(bindparam("units", expanding=True)),
    AssessmentRow.period_from == bindparam("start"), AssessmentRow.period_to == bindparam("end"),
    AssessmentRow.payment_type == bindparam("kind"),
).order_by(AssessmentRow.unit_id, AssessmentRow.revision)  # fmt: skip


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
            with collector_paused(), book.transaction() as session:
                found = _assess_group(book, session, [uscc], start, end, payment_type, parts)[uscc]
        except IntegrityError:
            if attempt == 2:  # another writer keeps winning: say so rather than loop
                raise BookRefusal("busy", "另一进程正在核定同一单位同一期间，请稍后重试") from None
            continue
        if isinstance(found, MedinsError):
            raise found
        return found
    raise AssertionError("unreachable")


def assess_units(
    book: Book, usccs: Iterable[str] | None, start: Period, end: Period | None = None, *,
    payment_type: PaymentType = PaymentType.REGULAR, parts: Parts = Parts.BOTH,
    per_transaction: int = 100, progress: Callable[[int], None] | None = None,
) -> dict[str, BookAssessment | MedinsError]:  # fmt: skip
    """Assess many units (``None``: every unit of the book, in USCC order), as
    :func:`assess_unit` does each: what each unit gets, or why it was refused.

    Units are read, assessed and written ``per_transaction`` at a time, in one transaction
    each: a killed process loses at most the group under way, and the book never holds part
    of a unit's assessment. When a concurrent writer makes a group fail, its units are
    assessed again one by one. ``progress`` is called with the number of units done.
    """
    end = start if end is None else end
    if usccs is None:
        with book.transaction() as session:
            usccs = list(session.scalars(select(UnitRow.uscc).order_by(UnitRow.uscc)))
    todo = list(dict.fromkeys(usccs))
    found: dict[str, BookAssessment | MedinsError] = {}
    size = max(1, per_transaction)
    for first in range(0, len(todo), size):
        group = todo[first : first + size]
        try:
            with collector_paused(), book.transaction() as session:
                found.update(_assess_group(book, session, group, start, end, payment_type, parts))
        except IntegrityError:
            for uscc in group:
                try:
                    found[uscc] = assess_unit(book, uscc, start, end, payment_type=payment_type, parts=parts)
                except MedinsError as exc:
                    found[uscc] = exc
        if progress is not None:
            progress(len(group))
    return {uscc: found[uscc] for uscc in todo}


@attrs.frozen
class _Write:
    """A new revision to store: its row, the lines that changed, and what they came from."""

    unit: UnitInfo
    row: AssessmentRow
    changed: list[tuple[Key, Amounts, Amounts]]  # key, amounts to store, amounts assessed
    fresh: dict[Key, Amounts]
    roster: list[Member]
    person_ids: dict[str, int]
    result: Assessment
    rules: RegionRules
    document: dict[str, Any]


def _assess_group(
    book: Book, session: Session, usccs: list[str], start: Period, end: Period,
    payment_type: PaymentType, parts: Parts,
) -> dict[str, BookAssessment | MedinsError]:  # fmt: skip
    """Assess units in one transaction: each one's revision, or why it was refused."""
    # the versions are read before anything they cover: what is read next is at least as new
    units = {row.uscc: (unit_info(row), version) for row, version in
             session.execute(select(UnitRow, UnitRow.version).where(UnitRow.uscc.in_(usccs)))}  # fmt: skip
    chains: dict[int, list[AssessmentRow]] = defaultdict(list)
    span = {"start": str(start), "end": str(end), "kind": payment_type.value}
    for row in session.scalars(_CHAINS, {"units": [unit.id for unit, _ in units.values()], **span}):
        chains[row.unit_id].append(row)
    found: dict[str, BookAssessment | MedinsError] = {}
    todo = []
    for uscc in usccs:
        if uscc not in units:
            found[uscc] = unknown_unit(uscc)
            continue
        unit, version = units[uscc]
        chain = chains[unit.id]
        try:
            rules = book.rules(unit)
        except MedinsError as exc:
            found[uscc] = exc
            continue
        stamp = basis(rules, parts)
        if chain and (chain[-1].unit_version, chain[-1].basis) == (version, stamp):
            # nothing it read has changed since this revision was found current: no need to assess
            found[uscc] = _existing(chain[-1])
        else:
            todo.append((uscc, unit, version, rules, stamp, chain))
    persons = _Persons(session, [unit.id for _, unit, *_ in todo], start, end) if todo else None
    writes = []
    for uscc, unit, version, rules, stamp, chain in todo:
        assert persons is not None
        try:
            outcome = _assess_one(session, persons, unit, rules, chain, start, end, payment_type, parts)
        except MedinsError as exc:
            found[uscc] = exc
            continue
        if isinstance(outcome, AssessmentRow):
            # still current: say so on the revision, so that the next request need not assess
            session.execute(update(AssessmentRow).where(AssessmentRow.id == outcome.id)
                            .values(unit_version=version, basis=stamp))  # fmt: skip
            found[uscc] = _existing(outcome)
            continue
        outcome.row.unit_version, outcome.row.basis = version, stamp
        session.add(outcome.row)
        writes.append(outcome)
    session.flush()  # every new revision at once; the unique constraint speaks here
    values, bases = [], Bases(session)
    for write in writes:
        values.extend(_line_values(write, parts, bases))
        book.log(session, write.unit, "assess", {
            "id": write.row.id, "kind": write.row.kind, "periods": [str(start), str(end)],
            "type": payment_type.value, "total": write.document["total"],
        })  # fmt: skip
        found[write.unit.uscc] = BookAssessment(write.row.id, write.row.kind, write.row.supplements, write.document)
    if values:
        # one statement for every line, straight to the driver: the rows are plain tuples already
        mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
        session.connection().exec_driver_sql(
            f"INSERT INTO {LineRow.__tablename__} ({', '.join(LINE_COLUMNS)}) VALUES ({', '.join([mark] * len(LINE_COLUMNS))})", values
        )
    return found


def _existing(row: AssessmentRow) -> BookAssessment:
    return BookAssessment(row.id, "existing", row.supplements, json.loads(row.document))


def _assess_one(
    session: Session, persons: _Persons, unit: UnitInfo, rules: RegionRules, chain: list[AssessmentRow],
    start: Period, end: Period, payment_type: PaymentType, parts: Parts,
) -> _Write | AssessmentRow:  # fmt: skip
    """A new revision of the unit, or the latest one when nothing changed."""
    roster, person_ids = persons.members(unit.id)
    result = assess(roster, rules, start, end, payment_type=payment_type, parts=parts)
    fresh: dict[Key, Amounts] = {(c, i, p): tuple(amounts) for c, i, p, *amounts in result.fen_lines()}
    net = _stored(session, chain, person_ids)
    changed: list[tuple[Key, Amounts, Amounts]] = []
    for key in sorted(fresh.keys() | net.keys(), key=lambda k: (k[2], k[1], k[0])):
        new = fresh.get(key, ZERO)
        old = net.get(key)
        diff = new if old is None else tuple(None if n is None else n - o for n, o in zip(new, old))
        if any(diff):
            changed.append((key, diff, new))
    if not chain and not fresh:
        raise BookRefusal("nothing_to_assess", f"单位 {unit.uscc} 在 {start}—{end} 没有参保人员，无需核定")
    if chain and not changed:
        return chain[-1]
    if chain:
        made = {(ln.cert_no, ln.insurance, str(ln.period)): ln for ln in result.lines}
        lines = [_line(made.get(key), key, diff) for key, diff, _ in changed]
        document = _difference(result, [json.loads(r.document) for r in chain], lines)
    else:
        document = result.to_json()
    row = AssessmentRow(
        unit_id=unit.id, period_from=str(start), period_to=str(end), payment_type=payment_type.value,
        revision=len(chain), kind="supplementary" if chain else "original",
        supplements=chain[-1].id if chain else None, total_fen=fen(Decimal(document["total"])),
        document=json.dumps(document, ensure_ascii=False),
    )  # fmt: skip
    return _Write(unit, row, changed, fresh, roster, person_ids, result, rules, document)


LINE_COLUMNS = ("assessment_id", "person_id", "insurance", "period", "wage_fen", *AMOUNTS, "base_fen", "basis_id", "explain")


def _line_values(write: _Write, parts: Parts, bases: Bases) -> list[tuple[Any, ...]]:
    """The rows of LineRow for a new revision, in the order of LINE_COLUMNS."""
    wages = {m.person.cert_no: m for m in write.roster}
    periods = {str(p): p for p in write.result.periods}
    values = []
    for key, diff, new in write.changed:
        cert_no, insurance, period_text = key
        member, period = wages.get(cert_no), periods.get(period_text) or Period.parse(period_text)
        wage = fen((member.wage_for(period) if member is not None else None) or Decimal(0))
        if key in write.fresh:
            base, basis = new[0] or new[2] or 0, bases.id(write.rules, parts, insurance, period)
        else:  # a line no longer assessed: its difference has nothing to explain
            base, basis = None, None
        values.append((write.row.id, write.person_ids[cert_no], insurance, period_text, wage, *diff, base, basis, "{}"))
    return values


def _line(made: AssessmentLine | None, key: Key, amounts: Amounts) -> AssessmentLine:
    """The line of a supplement: the assessed line (or, for one no longer assessed, a line of
    the key alone) with the difference's amounts."""
    def money(value: int | None) -> Decimal:
        return yuan(value or 0)

    transfer = None if amounts[4] is None else yuan(amounts[4])
    if made is None:
        zero = Decimal(0)
        made = AssessmentLine(key[0], "", None, key[1], Period.parse(key[2]), zero, zero, zero, zero, None)
    return attrs.evolve(
        made, unit_base=money(amounts[0]), unit_amount=money(amounts[1]), person_base=money(amounts[2]),
        person_amount=money(amounts[3]), account_transfer=transfer,
    )  # fmt: skip
