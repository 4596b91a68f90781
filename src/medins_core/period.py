"""Calendar months (费款所属期), written ``YYYYMM``.

A :class:`Period` is one calendar month. It is used in hot loops (one per person per month),
so it keeps a precomputed month ``index`` and compares, hashes and does arithmetic on that.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Union, overload

import attrs

from medins_core.errors import InputError

__all__ = ["MAX_YEAR", "MIN_YEAR", "Period", "PeriodLike"]

MIN_YEAR = 1900
"""Earliest year a :class:`Period` may have."""

MAX_YEAR = 2999
"""Latest year a :class:`Period` may have."""

PeriodLike = Union["Period", str, int, date]
"""What :meth:`Period.parse` accepts."""

# YYYYMM, or YYYY<sep>M[M] with one of - / . as separator, optionally followed by the
# same separator and a day (a full date: we take its month). ASCII digits only.
_COMPACT = re.compile(r"(\d{4})(\d{2})", re.ASCII)
_SEPARATED = re.compile(r"(\d{4})([-/.])(\d{1,2})(?:\2(\d{1,2}))?", re.ASCII)


def _invalid(value: object, field: str) -> InputError:
    return InputError(
        "invalid_period",
        f"费款所属期格式不正确: {value!r}，应为 YYYYMM 或 YYYY-MM",
        field=field,
    )


_BY_INDEX: dict[int, Period] = {}


@attrs.frozen(eq=False, order=False, repr=False)
class Period:
    """One calendar month, e.g. ``Period(2022, 8)`` for 202208.

    Ordered and hashable. ``p + n`` and ``p - n`` move by ``n`` months; ``p - q`` is the
    number of months from ``q`` to ``p``. Build one from text or a date with :meth:`parse`.
    """

    year: int
    month: int
    # Months since year 0; all comparisons and arithmetic use this one int.
    index: int = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        """Check the year and month and precompute ``index``."""
        if not 1 <= self.month <= 12:
            raise InputError(
                "invalid_period", f"月份应在 1 到 12 之间，而不是 {self.month}", field="month"
            )
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise InputError(
                "invalid_period",
                f"年份应在 {MIN_YEAR} 到 {MAX_YEAR} 之间，而不是 {self.year}",
                field="year",
            )
        object.__setattr__(self, "index", self.year * 12 + self.month - 1)

    # --- construction -------------------------------------------------------------------

    @staticmethod
    def from_index(index: int) -> Period:
        """The period whose :attr:`index` is ``index`` (``year * 12 + month - 1``)."""
        # Periods are immutable and there are at most 13,200 of them, so arithmetic in hot
        # loops reuses one instance per month instead of building (and validating) a new one.
        period = _BY_INDEX.get(index)
        if period is None:
            year, month0 = divmod(index, 12)
            period = _BY_INDEX[index] = Period(year, month0 + 1)
        return period

    @classmethod
    def of(cls, day: date) -> Period:
        """The period containing ``day`` (a ``date`` or ``datetime``)."""
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, value: PeriodLike, *, field: str = "period") -> Period:
        """Read a period from ``value``.

        Accepts ``"202208"``, ``"2022-08"``, ``"2022/08"``, ``"2022.08"``, ``"2022-8"``, a full
        date such as ``"2022-08-15"`` or ``"2022/08/15"`` (its month), the int ``202208``, a
        ``date``/``datetime`` (its month) or a :class:`Period` (returned as is). Surrounding
        whitespace is ignored.

        Raises :class:`InputError` (code ``invalid_period``, with ``field``) for anything else,
        and ``TypeError`` for a float or bool, which are never a safe way to carry a month.
        """
        if isinstance(value, Period):
            return value
        if isinstance(value, (float, bool)):
            raise TypeError(
                f"float/bool is not accepted for a period: field {field!r} got {value!r}; "
                "pass a string such as '202208' or an int"
            )
        if isinstance(value, date):
            return cls(value.year, value.month)
        if isinstance(value, int):
            if not 0 <= value <= 999999:
                raise _invalid(value, field)
            year, month = divmod(value, 100)
        elif isinstance(value, str):
            text = value.strip()
            if m := _COMPACT.fullmatch(text):
                year, month = int(m[1]), int(m[2])
            elif m := _SEPARATED.fullmatch(text):
                year, month = int(m[1]), int(m[3])
                if m[4] is not None and not _is_real_day(year, month, int(m[4])):
                    raise _invalid(value, field)
            else:
                raise _invalid(value, field)
        else:
            raise _invalid(value, field)
        if not (1 <= month <= 12 and MIN_YEAR <= year <= MAX_YEAR):
            raise _invalid(value, field)
        return cls(year, month)

    @classmethod
    def range(cls, start: PeriodLike, end: PeriodLike) -> tuple[Period, ...]:
        """All periods from ``start`` to ``end``, both included, in order.

        Raises :class:`InputError` (code ``period_order``) when ``end`` is before ``start``.
        """
        first = cls.parse(start, field="start")
        last = cls.parse(end, field="end")
        if last.index < first.index:
            raise InputError("period_order", "开始年月不能晚于结束年月", field="end")
        return tuple(map(Period.from_index, range(first.index, last.index + 1)))

    # --- views ------------------------------------------------------------------------

    def __str__(self) -> str:
        """``YYYYMM``, e.g. ``"202208"``."""
        return f"{self.year:04d}{self.month:02d}"

    def __repr__(self) -> str:
        """``Period(2022, 8)``."""
        return f"Period({self.year}, {self.month})"

    @property
    def iso(self) -> str:
        """``YYYY-MM``, e.g. ``"2022-08"``."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        """The first day of the month."""
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        """The last day of the month."""
        return date(self.year, self.month, days_in_month(self.year, self.month))

    def base_year(self, start_month: int = 7) -> int:
        """The year in which the base year (缴费年度) containing this period starts.

        The base year runs from ``start_month`` to ``start_month - 1`` of the next year: with 7,
        202206 is in base year 2021 and 202207 in 2022; with 1 it is the calendar year.
        """
        if not 1 <= start_month <= 12:
            raise ValueError(f"start_month must be 1..12, got {start_month!r}")
        return self.year if self.month >= start_month else self.year - 1

    def months_until(self, other: Period) -> int:
        """Months from this period to ``other`` (negative when ``other`` is earlier)."""
        return other.index - self.index

    # --- comparison and arithmetic on ``index`` ----------------------------------------

    def __eq__(self, other: object) -> bool:
        """Same month."""
        if isinstance(other, Period):
            return self.index == other.index
        return NotImplemented

    def __hash__(self) -> int:
        """Hash of ``index``."""
        return hash(self.index)

    def __lt__(self, other: Period) -> bool:
        """Earlier month."""
        if isinstance(other, Period):
            return self.index < other.index
        return NotImplemented

    def __le__(self, other: Period) -> bool:
        """Earlier or same month."""
        if isinstance(other, Period):
            return self.index <= other.index
        return NotImplemented

    def __gt__(self, other: Period) -> bool:
        """Later month."""
        if isinstance(other, Period):
            return self.index > other.index
        return NotImplemented

    def __ge__(self, other: Period) -> bool:
        """Later or same month."""
        if isinstance(other, Period):
            return self.index >= other.index
        return NotImplemented

    def __add__(self, months: int) -> Period:
        """The period ``months`` months later."""
        if isinstance(months, int):
            return Period.from_index(self.index + months)
        return NotImplemented

    __radd__ = __add__

    @overload
    def __sub__(self, other: int) -> Period: ...

    @overload
    def __sub__(self, other: Period) -> int: ...

    def __sub__(self, other: int | Period) -> Period | int:
        """``p - n``: ``n`` months earlier; ``p - q``: months from ``q`` to ``p``."""
        if isinstance(other, Period):
            return self.index - other.index
        if isinstance(other, int):
            return Period.from_index(self.index - other)
        return NotImplemented


def _is_real_day(year: int, month: int, day: int) -> bool:
    # A month outside 1..12 is reported by the caller; here it just means "not a day".
    if not 1 <= month <= 12 or year < 1:
        return False
    return 1 <= day <= days_in_month(year, month)


def days_in_month(year: int, month: int) -> int:
    """The days of ``month`` in ``year``: ``calendar.monthrange(year, month)[1]``, without
    importing calendar (and locale)."""
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31
