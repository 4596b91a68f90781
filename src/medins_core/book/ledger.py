"""Assessments from the book, revocation (撤销), notices, payments, arrears and explanations.

Amounts come from the engine (:func:`medins_core.assessment.assess`) only; the book stores
them per line with every value used and subtracts stored lines from a new result to find what
changed. Asking again for the same unit, periods and type returns what is stored (``existing``);
when the book changed, a supplementary revision holds only the difference lines. Revisions are
numbered per unit × periods × type under a unique constraint, so two writers at once store one.
A revision records the unit's version and the rules' fingerprint it was found current at; while
both are unchanged it is returned without assessing again. :func:`assess_units` does the same
for many units, committing them in groups. Each revision's JSON document is stored beside its
lines; an original's without them (:mod:`medins_core.book.document`), read back whole.
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal
from importlib import metadata
from typing import Any

import attrs
from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, defer

from medins_core.assessment import (
    Assessment,
    AssessmentLine,
    Parts,
    PaymentType,
    assess,
)
from medins_core.book.book import Book, UnitInfo, fen, unit_info, yuan
from medins_core.book.document import compact_document, stored_document, supplement_document
from medins_core.book.errors import BookRefusal, unknown_unit
from medins_core.book.explanations import Bases
from medins_core.book.models import AssessmentRow, LineRow, PersonRow, UnitRow
from medins_core.book.rosters import Rosters
from medins_core.collector import collector_paused
from medins_core.errors import MedinsError
from medins_core.executors import Inline
from medins_core.params import RegionRules
from medins_core.period import Period

Key = tuple[str, str, str]  # cert_no, insurance, period
AMOUNTS = ("unit_base_fen", "unit_amount_fen", "person_base_fen", "person_amount_fen", "transfer_fen")
Amounts = tuple[int | None, ...]  # in the order of AMOUNTS, in fen; a transfer may be unknown
ZERO: Amounts = (0,) * len(AMOUNTS)


Document = dict[str, Any]


def _made(document: Document | Callable[[], Document]) -> Document:
    return document() if callable(document) else document


@attrs.frozen
class BookAssessment:
    """A stored assessment revision: its id, kind, what it supplements and its JSON document.

    The document may be given as a function that makes it: a new original's is then made
    when first read (assessing many units, most callers read a total or nothing).
    """

    id: int
    kind: str
    supplements: int | None
    _document: Document | Callable[[], Document] = attrs.field(alias="document", eq=_made, repr=False)

    @functools.cached_property
    def document(self) -> Document:
        """``medins assess``'s JSON of this revision."""
        return _made(self._document)

    def to_json(self) -> dict[str, Any]:
        """``medins assess``'s JSON plus ``id``, ``kind`` and ``supplements``."""
        return {**self.document, "id": self.id, "kind": self.kind, "supplements": self.supplements}


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
                outcomes, lines, _ = _assess_group(book, session, [uscc], start, end, payment_type, parts)
                _insert_lines(session, lines)
            found = outcomes[uscc]
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
    each: a killed process loses at most the groups under way (two on PostgreSQL, see below),
    and the book never holds part of a unit's assessment. When a concurrent writer makes a
    group fail, its units are assessed again one by one at the end. ``progress`` is called
    with the number of units done.

    On PostgreSQL through psycopg, a group's lines are stored and its transaction committed
    in a second thread while this one assesses the next group: that thread mostly waits on
    the server, which meanwhile does most of its work for the group.
    """
    end = start if end is None else end
    if usccs is None:
        with book.transaction() as session:
            usccs = list(session.scalars(select(UnitRow.uscc).order_by(UnitRow.uscc)))
    todo = list(dict.fromkeys(usccs))
    found: dict[str, BookAssessment | MedinsError] = {}
    again: list[str] = []  # the units of groups a concurrent writer made fail

    def settle(group: list[str], outcomes: dict[str, BookAssessment | MedinsError], stored: Future[None]) -> None:
        try:
            stored.result()
        except IntegrityError:
            again.extend(group)
            return
        found.update(outcomes)
        if progress is not None:
            progress(len(group))

    size = max(1, per_transaction)
    in_flight: tuple[list[str], dict[str, BookAssessment | MedinsError], Future[None]] | None = None
    threaded = book.engine.dialect.driver == "psycopg"
    with ThreadPoolExecutor(1, thread_name_prefix="medins-book") if threaded else Inline() as writer:
        for first in range(0, len(todo), size):
            group = todo[first : first + size]
            session = book.sessions()
            try:
                with collector_paused():
                    session.begin()
                    outcomes, lines, new_bases = _assess_group(book, session, group, start, end, payment_type, parts)
            except IntegrityError:
                session.close()
                again.extend(group)
                continue
            except BaseException:
                session.close()
                raise
            if in_flight is not None:
                settle(*in_flight)
            in_flight = group, outcomes, writer.submit(_commit, session, lines)
            if new_bases:  # the next groups' lines may refer to them: they must be committed first
                settle(*in_flight)
                in_flight = None
        if in_flight is not None:
            settle(*in_flight)
    # one by one, once no transaction of this call is open
    for uscc in again:
        try:
            found[uscc] = assess_unit(book, uscc, start, end, payment_type=payment_type, parts=parts)
        except MedinsError as exc:
            found[uscc] = exc
    if again and progress is not None:
        progress(len(again))
    return {uscc: found[uscc] for uscc in todo}


def _commit(session: Session, lines: list[tuple[Any, ...]]) -> None:
    """Store a group's lines and commit its transaction (rolled back on any exception)."""
    try:
        _insert_lines(session, lines)
        session.commit()
    finally:
        session.close()


@attrs.frozen
class _Write:
    """A new revision to store: its row, the lines that changed, and what they came from."""

    unit: UnitInfo
    row: AssessmentRow
    changed: list[tuple[Key, Amounts, Amounts]]  # key, amounts to store, amounts assessed
    fresh: dict[Key, Amounts]
    person_ids: dict[str, int]
    result: Assessment
    rules: RegionRules
    total: str  # as the document writes it
    document: Document | Callable[[], Document]


def _assess_group(
    book: Book, session: Session, usccs: list[str], start: Period, end: Period,
    payment_type: PaymentType, parts: Parts,
) -> tuple[dict[str, BookAssessment | MedinsError], list[tuple[Any, ...]], bool]:  # fmt: skip
    """Assess units in one transaction: each one's revision, or why it was refused; the rows of
    the new revisions' lines, which the caller stores before committing; and whether it stored
    explanations that were not in the book."""
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
            found[uscc] = _existing(session, chain[-1])
        else:
            todo.append((uscc, unit, version, rules, stamp, chain))
    rosters = Rosters(session, [unit.id for _, unit, *_ in todo], start, end) if todo else None
    writes = []
    for uscc, unit, version, rules, stamp, chain in todo:
        assert rosters is not None
        try:
            outcome = _assess_one(session, rosters, unit, rules, chain, start, end, payment_type, parts)
        except MedinsError as exc:
            found[uscc] = exc
            continue
        if isinstance(outcome, AssessmentRow):
            # still current: say so on the revision, so that the next request need not assess
            session.execute(update(AssessmentRow).where(AssessmentRow.id == outcome.id)
                            .values(unit_version=version, basis=stamp))  # fmt: skip
            found[uscc] = _existing(session, outcome)
            continue
        outcome.row.unit_version, outcome.row.basis = version, stamp
        session.add(outcome.row)
        writes.append(outcome)
    session.flush()  # every new revision at once; the unique constraint speaks here
    values: list[tuple[Any, ...]] = []
    bases = Bases(session)
    for write in writes:
        assert rosters is not None
        values.extend(_line_values(write, rosters, parts, bases))
        book.log(session, write.unit, "assess", {
            "id": write.row.id, "kind": write.row.kind, "periods": [str(start), str(end)],
            "type": payment_type.value, "total": write.total,
        })  # fmt: skip
        found[write.unit.uscc] = BookAssessment(write.row.id, write.row.kind, write.row.supplements, write.document)
    return found, values, bases.added


def _insert_lines(session: Session, values: list[tuple[Any, ...]], per_statement: int = 64) -> None:
    """Insert line rows straight through the driver (they are plain tuples already), many rows
    to a statement: far less work per row than one statement each. 64 rows of 13 columns stay
    under the oldest SQLite's limit of 999 parameters. On PostgreSQL through psycopg, COPY."""
    connection = session.connection()
    if connection.dialect.driver == "psycopg":
        _copy_lines(connection, values)
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    row = f"({', '.join([mark] * len(LINE_COLUMNS))})"
    insert = f"INSERT INTO {LineRow.__tablename__} ({', '.join(LINE_COLUMNS)}) VALUES "
    whole = len(values) // per_statement * per_statement
    if whole:
        flat = [value for line in values[:whole] for value in line]
        step = per_statement * len(LINE_COLUMNS)
        chunks = [tuple(flat[i : i + step]) for i in range(0, len(flat), step)]
        connection.exec_driver_sql(insert + ", ".join([row] * per_statement), chunks)
    if whole < len(values):
        rest = values[whole:]
        connection.exec_driver_sql(insert + ", ".join([row] * len(rest)), tuple(v for line in rest for v in line))


def _copy_lines(connection: Connection, values: list[tuple[Any, ...]]) -> None:
    """COPY, the way PostgreSQL's manual gives to load many rows ("Populating a Database"):
    about a fifth less time than the multi-row INSERTs, in the same transaction."""
    if not values:
        return
    statement = f"COPY {LineRow.__tablename__} ({', '.join(LINE_COLUMNS)}) FROM STDIN"
    driver = connection.dialect.loaded_dbapi
    try:
        with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[attr-defined]
            for line in values:
                copy.write_row(line)
    except driver.Error as exc:  # as SQLAlchemy raises what the server refuses: IntegrityError and so on
        raise DBAPIError.instance(statement, None, exc, driver.Error) from None


def _existing(session: Session, row: AssessmentRow) -> BookAssessment:
    return BookAssessment(row.id, "existing", row.supplements, stored_document(session, row))


def _assess_one(
    session: Session, rosters: Rosters, unit: UnitInfo, rules: RegionRules, chain: list[AssessmentRow],
    start: Period, end: Period, payment_type: PaymentType, parts: Parts,
) -> _Write | AssessmentRow:  # fmt: skip
    """A new revision of the unit, or the latest one when nothing changed."""
    roster, person_ids = rosters.members(unit.id)
    result = assess(roster, rules, start, end, payment_type=payment_type, parts=parts)
    fresh: dict[Key, Amounts] = {line[:3]: line[3:] for line in result.fen_lines()}
    if not chain:
        if not fresh:
            raise BookRefusal("nothing_to_assess", f"单位 {unit.uscc} 在 {start}—{end} 没有参保人员，无需核定")
        # every line with an amount is stored; the document keeps the others only
        changed, zero = [], []
        for key in sorted(fresh, key=_BY_PERIOD):
            amounts = fresh[key]
            if any(amounts):
                changed.append((key, amounts, amounts))
            else:
                zero.append(key)
        envelope, text = compact_document(result, roster, [(*key, *fresh[key]) for key in zero])
        document: Document | Callable[[], Document] = result.to_json  # the same, made when asked
    else:
        changed = _changed(fresh, _stored(session, chain, person_ids))
        if not changed:
            return chain[-1]
        made = {(ln.cert_no, ln.insurance, str(ln.period)): ln for ln in result.lines}
        lines = [_line(made.get(key), key, diff) for key, diff, _ in changed]
        envelope = document = supplement_document(result, [json.loads(r.document) for r in chain], lines)
        text = json.dumps(document, ensure_ascii=False)
    row = AssessmentRow(
        unit_id=unit.id, period_from=str(start), period_to=str(end), payment_type=payment_type.value,
        revision=len(chain), kind="supplementary" if chain else "original",
        supplements=chain[-1].id if chain else None, total_fen=fen(Decimal(envelope["total"])), document=text,
    )  # fmt: skip
    return _Write(unit, row, changed, fresh, person_ids, result, rules, envelope["total"], document)


_BY_PERIOD = operator.itemgetter(2, 1, 0)  # a key's period, line, certificate: the order lines are stored in


def _changed(fresh: dict[Key, Amounts], net: dict[Key, tuple[int, ...]]) -> list[tuple[Key, Amounts, Amounts]]:
    """Each line whose assessed amounts differ from the net of the stored revisions: its key,
    the difference and the amounts assessed."""
    changed: list[tuple[Key, Amounts, Amounts]] = []
    for key in sorted(fresh.keys() | net.keys(), key=_BY_PERIOD):
        new = fresh.get(key, ZERO)
        old = net.get(key)
        diff = new if old is None else tuple(None if n is None else n - o for n, o in zip(new, old))
        if any(diff):
            changed.append((key, diff, new))
    return changed


LINE_COLUMNS = ("assessment_id", "person_id", "insurance", "period", "wage_fen", *AMOUNTS, "base_fen", "basis_id", "explain")


def _line_values(write: _Write, rosters: Rosters, parts: Parts, bases: Bases) -> list[tuple[Any, ...]]:
    """The rows of LineRow for a new revision, in the order of LINE_COLUMNS."""
    periods = {str(p): p for p in write.result.periods}
    explained: dict[tuple[str, str], int] = {}  # the basis of each line and period, looked up once
    unit, row_id, fresh, wage_fen = write.unit.id, write.row.id, write.fresh, rosters.wage_fen
    values = []
    for key, diff, new in write.changed:
        cert_no, insurance, period = key
        person_id = write.person_ids[cert_no]
        base: int | None = None
        basis_id: int | None = None
        if key in fresh:  # else a line no longer assessed: its difference has nothing to explain
            base = new[0] or new[2] or 0
            basis_id = explained.get((insurance, period))
            if basis_id is None:
                at = periods.get(period) or Period.parse(period)
                basis_id = explained[(insurance, period)] = bases.id(write.rules, parts, insurance, at)
        wage = wage_fen(unit, person_id, period)
        values.append((row_id, person_id, insurance, period, wage, *diff, base, basis_id, "{}"))
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
