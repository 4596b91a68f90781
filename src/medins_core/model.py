"""Units, persons, coverage and declared wages: the inputs of an assessment.

All classes are frozen attrs classes: values, not records in a database. Money is Decimal
(a float is a TypeError), periods are :class:`~medins_core.period.Period`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from decimal import Decimal

import attrs

from medins_core.codes import RESIDENT_ID, InsuranceStatus, PersonCategory
from medins_core.deprecated import insurance_or_lines
from medins_core.errors import InputError
from medins_core.money import FEN, to_money
from medins_core.period import MIN_YEAR, Period

#: Wages at or above this (yuan) are refused: no real wage comes near, and arithmetic stays exact.
MAX_WAGE = Decimal(10) ** 10


def _wage(value: Decimal | int | str) -> Decimal:
    return to_money(value, field="wage")


@attrs.frozen
class Unit:
    """An employer (参保单位) as far as the engine needs it."""

    name: str
    region: str
    unit_no: str | None = None
    uscc: str | None = None


@attrs.frozen
class Person:
    """An insured person (参保人). ``cert_no`` is the key; ``category`` is 在职 or 退休."""

    cert_no: str
    name: str
    cert_type: str = RESIDENT_ID
    person_type: str = "在职"
    person_no: str | None = None

    @property
    def category(self) -> PersonCategory:
        """The national 人员类别 of :attr:`person_type`."""
        return PersonCategory.parse(self.person_type)


@attrs.frozen
class WageDeclaration:
    """A declared monthly wage (申报工资), used from ``start`` until the next declaration."""

    start: Period
    wage: Decimal = attrs.field(converter=_wage)

    @wage.validator
    def _in_fen(self, _attribute: object, value: Decimal) -> None:
        # the engine's amounts are exact only for wages in whole fen within a sane range
        if not 0 <= value < MAX_WAGE or value != value.quantize(FEN):
            raise InputError("invalid_wage", f"缴费工资须为 0 至 {MAX_WAGE} 元之间、精确到分的金额: {value}", field="wage")


#: The insurance code of a :class:`Coverage` that stands for each of the region's default lines.
DEFAULT_LINES = "*"


@attrs.frozen
class Coverage:
    """One insurance line of a person in this unit, from ``start`` to ``end`` (inclusive, open if None).

    ``insurance`` is a line code, or :data:`DEFAULT_LINES` for every default line of the region.
    """

    insurance: str
    start: Period | None = None
    end: Period | None = None
    status: InsuranceStatus = InsuranceStatus.ACTIVE

    def covers(self, period: Period) -> bool:
        """Whether this cover is due for ``period``."""
        if self.status is not InsuranceStatus.ACTIVE:
            return False
        return (self.start is None or self.start <= period) and (self.end is None or period <= self.end)


def _wages(items: Iterable[WageDeclaration]) -> tuple[WageDeclaration, ...]:
    return tuple(items)


def _coverages(items: Iterable[Coverage]) -> tuple[Coverage, ...]:
    return tuple(items)


@attrs.frozen
class Member:
    """A person on a unit's roster (花名册): wage history and covers.

    By default the member has the region's default lines over the whole assessment.
    """

    person: Person
    wages: tuple[WageDeclaration, ...] = attrs.field(converter=_wages)
    coverages: tuple[Coverage, ...] = attrs.field(
        default=(Coverage(DEFAULT_LINES),), converter=_coverages
    )

    @wages.validator
    def _sorted(self, _attribute: object, value: tuple[WageDeclaration, ...]) -> None:
        if not value:
            raise ValueError("a member needs at least one wage declaration")
        if any(before.start >= after.start for before, after in itertools.pairwise(value)):
            raise ValueError("wage declarations must be in order of start period, one per period")

    def wage_for(self, period: Period) -> Decimal | None:
        """The declared wage in force in ``period``; None before the first declaration."""
        found = None
        for declaration in self.wages:
            if declaration.start > period:
                break
            found = declaration.wage
        return found

    @classmethod
    def simple(
        cls,
        cert_no: str,
        name: str,
        wage: Decimal | str | int,
        *,
        insurance: Iterable[str] = (),
        start: Period | None = None,
        end: Period | None = None,
        person_type: str = "在职",
        lines: Iterable[str] | None = None,
    ) -> Member:
        """A member with one wage for all periods and, if given, the same cover on each of the
        ``insurance`` lines (``lines=`` is its deprecated name)."""
        insurance = insurance_or_lines(tuple(insurance) or None, lines, "Member.simple") or ()
        person = Person(cert_no=cert_no, name=name, person_type=person_type)
        return cls.one_wage(person, wage, insurance=insurance, start=start, end=end)

    @classmethod
    def one_wage(
        cls,
        person: Person,
        wage: Decimal | str | int,
        *,
        insurance: Iterable[str] = (),
        start: Period | None = None,
        end: Period | None = None,
        lines: Iterable[str] | None = None,
    ) -> Member:
        """``person`` with one wage from ``start`` (or always) and a cover from ``start`` to
        ``end`` on each of the ``insurance`` lines (none: the region's default lines): a roster
        row. ``lines=`` is the deprecated name of ``insurance``."""
        codes = insurance_or_lines(tuple(insurance) or None, lines, "Member.one_wage") or ()
        first = start if start is not None else Period(MIN_YEAR, 1)
        covers = tuple(Coverage(code, start, end) for code in tuple(codes) or (DEFAULT_LINES,))
        return cls(person, (WageDeclaration(first, to_money(wage, field="wage")),), covers)
