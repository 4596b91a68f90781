"""The rosters of several units as the engine takes them: persons, covers and wages from the book.

Two queries read every unit of a group (covers with their persons, then wages), as plain
columns; the engine's values built from them are immutable, so equal covers and wages are
built once and shared.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from medins_core.book.book import yuan
from medins_core.book.errors import BookRefusal
from medins_core.book.models import CoverRow, PersonRow, WageRow
from medins_core.codes import InsuranceStatus
from medins_core.ids import mask_cert_no
from medins_core.model import Coverage, Member, Person, WageDeclaration
from medins_core.period import Period

# built once: a statement object keeps its cache key, so running it again compiles nothing
_COVERS = (
    select(CoverRow.unit_id, CoverRow.person_id, CoverRow.insurance, CoverRow.start, CoverRow.end,
           CoverRow.status, PersonRow.cert_no, PersonRow.name, PersonRow.cert_type, PersonRow.person_type)
    .join(PersonRow, PersonRow.id == CoverRow.person_id)
    .where(CoverRow.unit_id.in_(bindparam("units", expanding=True)), CoverRow.start <= bindparam("end"))
    .where((CoverRow.end.is_(None)) | (CoverRow.end >= bindparam("start")))
    .order_by(CoverRow.unit_id, CoverRow.person_id, CoverRow.id)  # the same refusal on every backend
)  # fmt: skip
_WAGES = (
    select(WageRow.unit_id, WageRow.person_id, WageRow.start, WageRow.wage_fen)
    .where(WageRow.unit_id.in_(bindparam("units", expanding=True)))
    .order_by(WageRow.unit_id, WageRow.person_id, WageRow.start)
)  # fmt: skip


# covers and wages repeat across a book's persons, and the engine's values are immutable
@functools.lru_cache(maxsize=4096)
def _covers(kept: tuple[tuple[str, str, str | None, str], ...]) -> tuple[Coverage, ...]:
    """The covers of a person, as (line, start, end, status) columns: one tuple for each distinct
    set, so that the engine works out each set's runs once."""
    return tuple(
        Coverage(line, Period.parse(since), None if until is None else Period.parse(until),
                 InsuranceStatus(status))
        for line, since, until, status in kept
    )  # fmt: skip


@functools.lru_cache(maxsize=65536)
def _wages(declared: tuple[tuple[str, int], ...]) -> tuple[WageDeclaration, ...]:
    return tuple(WageDeclaration(Period.parse(since), yuan(wage_fen)) for since, wage_fen in declared)


class Rosters:
    """The persons of several units with a cover overlapping ``start``…``end``, with their
    covers and declared wages (as the book keeps them: ``YYYYMM`` and integer fen)."""

    def __init__(self, session: Session, units: list[int], start: Period, end: Period) -> None:
        # per unit and person id: the person's columns, their covers' and their wages' columns
        # (plain rows of Core statements: no ORM loading is needed for columns)
        connection = session.connection()
        self.people: dict[int, dict[int, list[Any]]] = {unit: {} for unit in units}
        rows = connection.execute(_COVERS, {"units": units, "start": str(start), "end": str(end)}).all()
        for unit, person_id, line, since, until, status, cert_no, name, cert_type, person_type in rows:
            cover = (line, since, until, status)
            found = self.people[unit].get(person_id)
            if found is None:
                self.people[unit][person_id] = [cert_no, name, cert_type, person_type, (cover,), ()]
            else:
                found[4] += (cover,)
        for unit, person_id, since, wage_fen in connection.execute(_WAGES, {"units": units}).all():
            found = self.people[unit].get(person_id)
            if found is not None:
                found[5] += ((since, wage_fen),)

    def members(self, unit: int) -> tuple[list[Member], dict[str, int]]:
        """The unit's members, and their person ids by certificate number."""
        out, ids = [], {}
        for person_id, (cert_no, name, cert_type, person_type, covers, wages) in self.people[unit].items():
            if not wages:
                raise BookRefusal("missing_wage", f"{mask_cert_no(cert_no)} 没有申报工资，无法核定")
            person = Person(cert_no, name, cert_type, person_type)
            out.append(Member(person, _wages(wages), _covers(covers)))
            ids[cert_no] = person_id
        return out, ids

    def wage_fen(self, unit: int, person_id: int, period: str) -> int:
        """The person's declared wage in force in ``period`` (``YYYYMM``), in fen; 0 when none is."""
        found, person = 0, self.people[unit].get(person_id)
        for since, wage_fen in () if person is None else person[5]:
            if since > period:
                break
            found = wage_fen
        return found
