"""Statutory retirement age (法定退休年龄) under the 2025 reform.

Source: 全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定 (NPC Standing
Committee decision of 2024-09-13, in force 2025-01-01) and its annex 国务院关于渐进式延迟
法定退休年龄的办法. Starting with those who reach their original age in 2025-01, the age rises
by one month per 4 months (per 2 months for women whose original age is 50) up to a cap.

All months are :class:`~medins_core.period.Period` values; ages are whole months.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TypeAlias

import attrs

from medins_core.errors import InputError
from medins_core.ids import Gender
from medins_core.period import Period, PeriodLike

__all__ = [
    "REFORM_START",
    "RULES",
    "GroupRule",
    "QueryLike",
    "Retirement",
    "RetirementGroup",
    "RetirementQuery",
    "format_age",
    "group_for",
    "minimum_contribution_months",
    "reaching_retirement",
    "retirement",
]

REFORM_START = Period(2025, 1)
"""The first month of the reform: whoever reaches the original age in it is delayed 1 month."""


class RetirementGroup(str, enum.Enum):
    """The three original retirement ages: men 60, women 55 (cadres) and women 50 (workers)."""

    MALE60 = "male60"
    FEMALE55 = "female55"
    FEMALE50 = "female50"

    @property
    def rule(self) -> GroupRule:
        """The reform rule of this group."""
        return RULES[self]

    @property
    def original_age_years(self) -> int:
        """The retirement age before the reform, in years."""
        return self.rule.original_age_years

    @property
    def zh(self) -> str:
        """Chinese label, e.g. ``男职工（原60岁）``."""
        who = "男职工" if self is RetirementGroup.MALE60 else "女职工"
        return f"{who}（原{self.original_age_years}岁）"

    @classmethod
    def parse(cls, value: RetirementGroup | str, *, field: str = "group") -> RetirementGroup:
        """Read a group from itself or its value (``"male60"``, ``"female55"``, ``"female50"``).

        Raises :class:`InputError` with code ``invalid_group``.
        """
        if isinstance(value, RetirementGroup):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            valid = "、".join(g.value for g in cls)
            raise InputError(
                "invalid_group", f"退休年龄组别无效: {value!r}，应为 {valid} 之一", field=field
            ) from None


@attrs.frozen
class GroupRule:
    """How one group's retirement age moves.

    ``first_cohort`` is the first birth month delayed (it reaches the original age in
    :data:`REFORM_START`); each ``step_months`` later births add a month, up to ``cap_months``.
    """

    original_age_years: int
    step_months: int
    cap_months: int
    first_cohort: Period

    @property
    def original_age_months(self) -> int:
        """The original age in months."""
        return self.original_age_years * 12


RULES: dict[RetirementGroup, GroupRule] = {
    RetirementGroup.MALE60: GroupRule(60, 4, 36, Period(1965, 1)),
    RetirementGroup.FEMALE55: GroupRule(55, 4, 36, Period(1970, 1)),
    RetirementGroup.FEMALE50: GroupRule(50, 2, 60, Period(1975, 1)),
}
"""The reform table: original age, months per extra month, cap in months, first birth month."""


@attrs.frozen
class Retirement:
    """When one person reaches the statutory retirement age.

    ``retirement_month`` is the month in which the person reaches ``retirement_age_months``
    (``birth + retirement_age_months``).
    """

    birth: Period
    group: RetirementGroup
    original_age_months: int
    delay_months: int
    retirement_age_months: int
    retirement_month: Period

    def to_json(self) -> dict[str, str | int]:
        """A JSON-ready dict; months as ``birth`` ``"YYYY-MM"`` and ``retirement_month`` ``"YYYYMM"``."""
        from medins_core.serialize import to_json

        data: dict[str, str | int] = to_json(self)
        return data


def retirement(birth: PeriodLike, group: RetirementGroup | str) -> Retirement:
    """The retirement age and month of someone born in ``birth`` (month; a day is ignored).

    ``birth`` is anything :meth:`Period.parse` reads (``"1965-01"``, ``"196501"``, a date, a
    Period). Raises :class:`InputError` (``invalid_period``, ``invalid_group``).
    """
    born = Period.parse(birth, field="birth")
    grp = RetirementGroup.parse(group)
    rule = grp.rule
    # n counts REFORM_START as 1: the month the person reaches the original age, from there
    n = born - rule.first_cohort + 1
    delay = 0 if n <= 0 else min(-(-n // rule.step_months), rule.cap_months)
    age = rule.original_age_months + delay
    return Retirement(
        birth=born,
        group=grp,
        original_age_months=rule.original_age_months,
        delay_months=delay,
        retirement_age_months=age,
        retirement_month=born + age,
    )


def group_for(
    gender: Gender | str, female_group: RetirementGroup | str | None = None
) -> RetirementGroup:
    """The retirement group of a person of ``gender`` (a :class:`Gender`, ``"1"``/``"2"`` or 男/女).

    Men are always ``male60``. For women it depends on the job (55 for cadres, 50 for workers),
    so ``female_group`` is required. Raises :class:`InputError`: ``missing_field`` when a
    woman's group is missing, ``group_mismatch`` when the group is for the other gender,
    ``invalid_gender`` / ``invalid_group`` for unreadable values.
    """
    sex = _gender(gender)
    given = None if female_group is None else RetirementGroup.parse(female_group)
    if sex is Gender.MALE:
        if given is not None and given is not RetirementGroup.MALE60:
            message = f"男性职工的退休年龄组别应为 male60，而不是 {given.value}"
            raise InputError("group_mismatch", message, field="group")
        return RetirementGroup.MALE60
    if given is None:
        raise InputError(
            "missing_field", "女性职工须指定退休年龄组别 female50 或 female55", field="group"
        )
    if given is RetirementGroup.MALE60:
        message = "女性职工的退休年龄组别应为 female50 或 female55，而不是 male60"
        raise InputError("group_mismatch", message, field="group")
    return given


def _gender(value: Gender | str) -> Gender:
    try:
        return Gender.parse(value)
    except ValueError:
        message = f"性别无效: {value!r}，应为 男/女 或 1/2"
        raise InputError("invalid_gender", message, field="gender") from None


@attrs.frozen
class RetirementQuery:
    """One person to check in :func:`reaching_retirement`: a caller's key, birth month and group."""

    key: str
    birth: PeriodLike
    group: RetirementGroup | str


QueryLike: TypeAlias = RetirementQuery | tuple[str, PeriodLike, RetirementGroup | str]
"""What :func:`reaching_retirement` accepts per person."""


def reaching_retirement(
    persons: Iterable[QueryLike], start: PeriodLike, end: PeriodLike
) -> list[tuple[str, Retirement]]:
    """Who reaches retirement age in ``start``..``end`` (both included): 职工退休到龄查询.

    Returns ``(key, Retirement)`` pairs sorted by retirement month, then key. Uses the
    reformed ages (the portals' own query still uses 60/50). A bad person raises
    :class:`InputError` with ``row`` set to its 1-based position in ``persons`` (keys are
    often ID numbers, so they are kept out of the message).
    """
    first = Period.parse(start, field="start")
    last = Period.parse(end, field="end")
    if last < first:
        raise InputError("period_order", "开始年月不能晚于结束年月", field="end")
    found: list[tuple[str, Retirement]] = []
    for row, person in enumerate(persons, start=1):
        key, birth, group = (
            (person.key, person.birth, person.group)
            if isinstance(person, RetirementQuery)
            else person
        )
        try:
            result = retirement(birth, group)
        except InputError as exc:
            raise InputError(exc.code, exc.message, row=row, field=exc.field) from exc
        if first <= result.retirement_month <= last:
            found.append((key, result))
    found.sort(key=lambda item: (item[1].retirement_month, item[0]))
    return found


def minimum_contribution_months(retirement_year: int) -> int:
    """Minimum contribution months for a monthly basic pension, by year of retirement.

    15 years (180) up to 2029, then 6 months more each year from 2030 (186) until 20 years
    (240) from 2039 on.
    """
    extra_years = min(max(retirement_year - 2029, 0), 10)
    return 180 + 6 * extra_years


def format_age(months: int) -> str:
    """An age in Chinese: ``60岁``, ``60岁1个月``."""
    years, rest = divmod(months, 12)
    return f"{years}岁{rest}个月" if rest else f"{years}岁"
