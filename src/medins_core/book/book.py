"""The unit book: units, persons, covers and wages, kept in a database, changed through checks.

Open one with :class:`Book` (``Book("sqlite:///medins.db")``; no URL: ``MEDINS_DB`` or the
file ``medins.db``). Every method works on one unit, named by its USCC, and every query is
scoped to that unit; a person's covers in other units are seen only as "active elsewhere".
Each call is one transaction: it is applied whole or not at all. Assessment, revocation,
notices and payments are in :mod:`medins_core.book.ledger`.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, cast

import attrs
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from medins_core.book.db import create_book_engine, migrate
from medins_core.book.errors import BookRefusal, refused_by_checks, unknown_unit
from medins_core.book.models import CoverRow, EventRow, PersonRow, UnitRow, WageRow
from medins_core.book.regions import rules_of, run_check
from medins_core.ids import mask_cert_no
from medins_core.money import to_money
from medins_core.operations import (
    ActiveCover,
    Arrear,
    CheckContext,
    EnrollmentRequest,
    Problem,
    Request,
    SuspensionRequest,
    UnitRegistrationRequest,
    WageDeclarationRequest,
    enrollment_person_type,
)
from medins_core.params import RegionRules
from medins_core.period import Period
from medins_core.registry import Registry, load_registry


def fen(value: Decimal) -> int:
    """Yuan (exact to the fen) as integer fen."""
    return int(value * 100)


def yuan(value: int) -> Decimal:
    """Integer fen as yuan."""
    return Decimal(value) / 100


@attrs.frozen
class UnitInfo:
    """A unit as the book holds it; ``key`` is what the checks call its unit number."""

    id: int
    uscc: str
    unit_no: str
    region: str
    name: str

    @property
    def key(self) -> str:
        """The unit number, or the USCC when the unit has none."""
        return self.unit_no or self.uscc


class Book:
    """A book of units at a database URL, written as ``actor``; migrated on open."""

    def __init__(
        self, url: str | None = None, *, actor: str = "medins", registry: Registry | None = None
    ) -> None:
        self.engine = create_book_engine(url)
        migrate(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.actor = actor
        self.registry = registry if registry is not None else load_registry()

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        with self.sessions.begin() as session:
            yield session

    # --- units and the log ----------------------------------------------------------

    def log(self, session: Session, unit: UnitInfo | None, what: str, detail: object = None, why: str = "") -> None:
        """Append an event (masked: no full ID number goes into the log)."""
        text = "" if detail is None else json.dumps(detail, ensure_ascii=False, sort_keys=True)
        unit_id = None if unit is None else unit.id
        session.add(EventRow(unit_id=unit_id, actor=self.actor, what=what, detail=text, why=why))

    def add_unit(
        self,
        uscc: str,
        name: str,
        region: str,
        unit_no: str = "",
        *,
        registration: UnitRegistrationRequest | None = None,
        today: datetime.date | None = None,
    ) -> UnitInfo:
        """Register a unit; with ``registration`` the region's registration checks run first."""
        rules_of(self.registry, region)  # an unknown region is refused before anything is written
        if registration is not None:
            problems = run_check(
                self.registry, region, registration, today=today or datetime.date.today(),
                context=CheckContext(),
            )  # fmt: skip
            if any(p.is_error for p in problems):
                raise refused_by_checks(problems)
        with self.transaction() as session:
            if session.scalar(select(UnitRow).where(UnitRow.uscc == uscc)) is not None:
                raise BookRefusal("unit_exists", f"单位 {uscc} 已在账簿中")
            row = UnitRow(uscc=uscc, name=name, region=region, unit_no=unit_no)
            session.add(row)
            session.flush()
            unit = unit_info(row)
            self.log(session, unit, "unit_add", {"uscc": uscc, "name": name, "region": region})
        return unit

    def unit(self, session: Session, uscc: str) -> UnitInfo:
        """The unit with this USCC; ``unknown_unit`` when the book has none."""
        return self.unit_version(session, uscc)[0]

    def unit_version(self, session: Session, uscc: str) -> tuple[UnitInfo, int]:
        """The unit and its version: every write to its covers or wages raises the version."""
        row = session.execute(select(UnitRow, UnitRow.version).where(UnitRow.uscc == uscc)).first()
        if row is None:
            raise unknown_unit(uscc)
        return unit_info(row[0]), row[1]

    def rules(self, unit: UnitInfo) -> RegionRules:
        """The rules of the unit's region."""
        return rules_of(self.registry, unit.region)

    def events(self, uscc: str) -> list[dict[str, str]]:
        """The unit's log, oldest first."""
        with self.transaction() as session:
            unit = self.unit(session, uscc)
            rows = session.scalars(select(EventRow).where(EventRow.unit_id == unit.id).order_by(EventRow.id))
            return [
                {"at": r.at.isoformat(), "actor": r.actor, "what": r.what, "detail": r.detail, "why": r.why}
                for r in rows
            ]

    # --- what the checks need -------------------------------------------------------

    def context(
        self, session: Session, unit: UnitInfo, cert_no: str, today: datetime.date,
        arrears: tuple[Arrear, ...],
    ) -> CheckContext:  # fmt: skip
        """The checks' context for one person: active covers anywhere, the unit's arrears."""
        now = str(Period.of(today))
        rows = session.execute(
            select(CoverRow.insurance, UnitRow.unit_no, UnitRow.uscc)
            .join(PersonRow, PersonRow.id == CoverRow.person_id)
            .join(UnitRow, UnitRow.id == CoverRow.unit_id)
            .where(PersonRow.cert_no == cert_no, CoverRow.status == "1")
            .where(or_(CoverRow.end.is_(None), CoverRow.end >= now))
        )
        covers = [ActiveCover("unit", insurance, unit_no or uscc) for insurance, unit_no, uscc in rows]
        return CheckContext(covers=covers, arrears=arrears, business_period=Period.of(today))

    # --- applying a checked request -------------------------------------------------

    def apply(self, session: Session, unit: UnitInfo, request: Request) -> dict[str, object]:
        """Write one checked request into the book; returns what changed (for the log).

        The unit's version rises in the same transaction: a stored assessment whose version
        is older is assessed again before it is returned as existing.
        """
        session.execute(update(UnitRow).where(UnitRow.id == unit.id).values(version=UnitRow.version + 1))
        if isinstance(request, EnrollmentRequest):
            return self._enroll(session, unit, request)
        if isinstance(request, SuspensionRequest):
            return self._suspend(session, unit, request)
        if isinstance(request, WageDeclarationRequest):
            return self._wage(session, unit, request)
        raise TypeError(f"the book cannot apply {type(request).__name__}")

    def _person(self, session: Session, cert_no: str) -> PersonRow | None:
        return session.scalar(select(PersonRow).where(PersonRow.cert_no == cert_no))

    def _enroll(self, session: Session, unit: UnitInfo, request: EnrollmentRequest) -> dict[str, object]:
        assert request.start is not None  # the checks refuse an enrollment without a start
        person = self._person(session, request.cert_no)
        person_type = enrollment_person_type(request, self.rules(unit))
        if person is None:
            person = PersonRow(cert_no=request.cert_no, name=request.name, cert_type=request.cert_type, person_type=person_type)
            session.add(person)
            session.flush()
        insurance = request.insurance or self.rules(unit).default_lines
        for line in insurance:
            session.add(CoverRow(unit_id=unit.id, person_id=person.id, insurance=line, start=str(request.start)))
        if request.wage is not None:
            _set_wage(session, unit, person.id, request.start, request.wage)
        return {"cert_no": mask_cert_no(request.cert_no), "start": str(request.start), "lines": list(insurance)}

    def _suspend(self, session: Session, unit: UnitInfo, request: SuspensionRequest) -> dict[str, object]:
        end = request.cover_end()
        assert end is not None  # the checks refuse a suspension without a date
        last = str(Period.of(end))
        person = self._person(session, request.cert_no)
        covers = [] if person is None else session.scalars(
            select(CoverRow).where(CoverRow.unit_id == unit.id, CoverRow.person_id == person.id)
            .where(or_(CoverRow.end.is_(None), CoverRow.end > last))
        ).all()  # fmt: skip
        for cover in covers:
            cover.end = last
        return {"cert_no": mask_cert_no(request.cert_no), "until": last, "covers": len(covers)}

    def _wage(self, session: Session, unit: UnitInfo, request: WageDeclarationRequest) -> dict[str, object]:
        assert request.start is not None and request.wage is not None  # the checks require both
        person = self._person(session, request.cert_no)
        if person is None:
            raise BookRefusal("not_active_here", f"{mask_cert_no(request.cert_no)}: 职工未在本单位下参保")
        if request.end is not None:
            # the declaration holds until its end: the wage in force after it stays as it was
            after = request.end + 1
            if session.scalar(_wage_at(unit, person.id, after)) is None:
                before = session.scalar(
                    select(WageRow).where(WageRow.unit_id == unit.id, WageRow.person_id == person.id)
                    .where(WageRow.start <= str(after)).order_by(WageRow.start.desc()).limit(1)
                )  # fmt: skip
                if before is not None:
                    session.add(WageRow(unit_id=unit.id, person_id=person.id, start=str(after), wage_fen=before.wage_fen))
        _set_wage(session, unit, person.id, request.start, request.wage)
        return {"cert_no": mask_cert_no(request.cert_no), "start": str(request.start), "wage": str(request.wage)}

    def _known(self, session: Session, unit: UnitInfo, request: WageDeclarationRequest) -> WageDeclarationRequest:
        """A wage declaration with what the book knows filled in: name, status, the old wage."""
        person = self._person(session, request.cert_no)
        if person is None or request.start is None:
            return request
        old = session.scalar(
            select(WageRow.wage_fen).where(WageRow.unit_id == unit.id, WageRow.person_id == person.id)
            .where(WageRow.start <= str(request.start)).order_by(WageRow.start.desc()).limit(1)
        )  # fmt: skip
        return attrs.evolve(
            request,
            name=request.name or person.name,
            retired_status=request.retired_status or person.person_type,
            old_wage=request.old_wage if request.old_wage is not None or old is None else yuan(old),
        )

    def record(
        self,
        uscc: str,
        request: Request,
        *,
        today: datetime.date,
        arrears: Callable[[Session, UnitInfo], tuple[Arrear, ...]],
        why: str = "",
    ) -> list[Problem]:
        """Check one request with the book's context and apply it; refused with its check codes."""
        with self.transaction() as session:
            unit = self.unit(session, uscc)
            request = attrs.evolve(cast(Any, request), unit_no=unit.key)
            if isinstance(request, EnrollmentRequest) and not request.insurance:
                # as a batch does: no lines chosen means the region's default lines
                request = attrs.evolve(request, insurance=self.rules(unit).default_lines)
            if isinstance(request, WageDeclarationRequest):
                request = self._known(session, unit, request)
            cert_no = str(getattr(request, "cert_no", "") or "")
            context = self.context(session, unit, cert_no, today, arrears(session, unit))
            problems = run_check(self.registry, unit.region, request, today=today, context=context)
            if any(p.is_error for p in problems):
                raise refused_by_checks(problems, cert_no)
            change = self.apply(session, unit, request)
            self.log(session, unit, _OPERATION[type(request)], change, why)
        return problems


_OPERATION: dict[type, str] = {
    EnrollmentRequest: "enroll",
    SuspensionRequest: "suspend",
    WageDeclarationRequest: "wages",
}


def _wage_at(unit: UnitInfo, person_id: int, start: Period) -> Select[WageRow]:
    return select(WageRow).where(
        WageRow.unit_id == unit.id, WageRow.person_id == person_id, WageRow.start == str(start)
    )


def _set_wage(session: Session, unit: UnitInfo, person_id: int, start: Period, wage: Decimal) -> None:
    row = session.scalar(_wage_at(unit, person_id, start))
    amount = fen(to_money(wage, field="wage"))
    if row is None:
        session.add(WageRow(unit_id=unit.id, person_id=person_id, start=str(start), wage_fen=amount))
    else:
        row.wage_fen = amount


def unit_info(row: UnitRow) -> UnitInfo:
    """The unit of a row."""
    return UnitInfo(row.id, row.uscc, row.unit_no, row.region, row.name)
