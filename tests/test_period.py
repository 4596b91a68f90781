"""Tests for medins_core.period."""

from __future__ import annotations

import itertools
import pickle
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medins_core.errors import InputError
from medins_core.period import MAX_YEAR, MIN_YEAR, Period

periods = st.builds(Period, st.integers(MIN_YEAR, MAX_YEAR), st.integers(1, 12))
# Offsets that keep p + n inside the supported years for most p; the tests assume() the rest.
offsets = st.integers(-2400, 2400)


def in_range(index: int) -> bool:
    return MIN_YEAR * 12 <= index <= MAX_YEAR * 12 + 11


@pytest.mark.parametrize(
    "value",
    [
        "2022-08",
        "202208",
        "2022/08",
        "2022.08",
        "2022-8",
        "2022/8",
        "  2022-08 \n",
        " 202208",
        202208,
        date(2022, 8, 31),
        datetime(2022, 8, 1, 23, 59),
        "2022-08-15",
        "2022/08/15",
        "2022.8.1",
        "2022-8-31",
        Period(2022, 8),
    ],
)
def test_parse_accepts(value: object) -> None:
    assert Period.parse(value) == Period(2022, 8)  # type: ignore[arg-type]


def test_parse_returns_period_as_is() -> None:
    p = Period(2022, 8)
    assert Period.parse(p) is p


@pytest.mark.parametrize(
    "value",
    [
        "2022-13",
        "202213",
        "202200",
        "2022-00",
        "abc",
        "",
        "   ",
        "2022",
        "20220",
        "2022088",
        "22-08",
        "2022-08-32",
        "2022-02-30",
        "2022-08/15",
        "2022_08",
        "2022 08",
        "１８９９-08",
        "２０２２０８",
        "1899-12",
        "3000-01",
        202213,
        189912,
        -202208,
        20228,
        None,
        [2022, 8],
    ],
)
def test_parse_rejects(value: object) -> None:
    with pytest.raises(InputError) as info:
        Period.parse(value, field="所属期")  # type: ignore[arg-type]
    assert info.value.code == "invalid_period"
    assert info.value.field == "所属期"
    assert "费款所属期格式不正确" in info.value.message
    assert "应为 YYYYMM 或 YYYY-MM" in info.value.message


@pytest.mark.parametrize("value", [2022.08, 202208.0, True])
def test_parse_refuses_float_and_bool(value: object) -> None:
    with pytest.raises(TypeError):
        Period.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(("year", "month"), [(2022, 0), (2022, 13), (1899, 12), (3000, 1)])
def test_constructor_validates(year: int, month: int) -> None:
    with pytest.raises(InputError) as info:
        Period(year, month)
    assert info.value.code == "invalid_period"


def test_views() -> None:
    p = Period(2022, 8)
    assert str(p) == "202208"
    assert p.iso == "2022-08"
    assert repr(p) == "Period(2022, 8)"
    assert p.index == 2022 * 12 + 7
    assert str(Period(1900, 1)) == "190001"


def test_days() -> None:
    assert Period(2022, 8).first_day == date(2022, 8, 1)
    assert Period(2022, 8).last_day == date(2022, 8, 31)
    assert Period(2024, 2).last_day == date(2024, 2, 29)
    assert Period(2023, 2).last_day == date(2023, 2, 28)
    assert Period(1900, 2).last_day == date(1900, 2, 28)
    assert Period.of(date(2022, 12, 31)) == Period(2022, 12)


def test_arithmetic() -> None:
    p = Period(2022, 8)
    assert p + 5 == Period(2023, 1)
    assert 5 + p == Period(2023, 1)
    assert p - 8 == Period(2021, 12)
    assert p + 0 == p
    assert p - Period(2021, 1) == 19
    assert Period(2021, 1) - p == -19
    assert p.months_until(Period(2023, 8)) == 12
    assert Period(2023, 8).months_until(p) == -12


def test_arithmetic_out_of_range() -> None:
    with pytest.raises(InputError):
        Period(2999, 12) + 1
    with pytest.raises(InputError):
        Period(1900, 1) - 1


def test_frozen_hashable_picklable() -> None:
    p = Period(2022, 8)
    with pytest.raises(AttributeError):
        p.year = 2023  # type: ignore[misc]
    assert {p, Period(2022, 8), Period.parse("2022-08")} == {p}
    assert pickle.loads(pickle.dumps(p)) == p
    assert p != "202208"
    assert sorted([Period(2023, 1), Period(2022, 12), p]) == [p, Period(2022, 12), Period(2023, 1)]


def test_range() -> None:
    assert Period.range("2022-11", "2023-02") == (
        Period(2022, 11),
        Period(2022, 12),
        Period(2023, 1),
        Period(2023, 2),
    )
    assert Period.range(Period(2022, 8), Period(2022, 8)) == (Period(2022, 8),)


def test_range_order() -> None:
    with pytest.raises(InputError) as info:
        Period.range("2022-08", "2022-07")
    assert info.value.code == "period_order"
    assert info.value.message == "开始年月不能晚于结束年月"


@pytest.mark.parametrize(
    ("period", "start_month", "expected"),
    [
        ("202206", 7, 2021),
        ("202207", 7, 2022),
        ("202212", 7, 2022),
        ("202301", 7, 2022),
        ("202201", 1, 2022),
        ("202212", 1, 2022),
        ("202212", 12, 2022),
        ("202211", 12, 2021),
    ],
)
def test_base_year(period: str, start_month: int, expected: int) -> None:
    assert Period.parse(period).base_year(start_month) == expected


def test_base_year_default_is_july() -> None:
    assert Period(2022, 6).base_year() == 2021
    assert Period(2022, 7).base_year() == 2022


@pytest.mark.parametrize("start_month", [0, 13])
def test_base_year_bad_start_month(start_month: int) -> None:
    with pytest.raises(ValueError):
        Period(2022, 8).base_year(start_month)


# --- laws -------------------------------------------------------------------------------


@given(periods, offsets)
def test_add_then_subtract(p: Period, n: int) -> None:
    if in_range(p.index + n):
        assert (p + n) - n == p
        assert (p + n) - p == n
        assert p.months_until(p + n) == n
        assert (p + n).index == p.index + n


@given(periods, periods)
def test_order_agrees_with_index(p: Period, q: Period) -> None:
    assert (p < q) == (p.index < q.index)
    assert (p <= q) == (p.index <= q.index)
    assert (p > q) == (p.index > q.index)
    assert (p >= q) == (p.index >= q.index)
    assert (p == q) == (p.index == q.index) == ((p.year, p.month) == (q.year, q.month))
    assert (p < q) == ((p.year, p.month) < (q.year, q.month))
    if p == q:
        assert hash(p) == hash(q)
    assert p - q == p.index - q.index


@given(periods)
def test_text_round_trips(p: Period) -> None:
    assert Period.parse(str(p)) == p
    assert Period.parse(p.iso) == p
    assert Period.parse(int(str(p))) == p
    assert Period.parse(p.first_day) == p
    assert Period.parse(p.last_day.isoformat()) == p
    assert Period.from_index(p.index) == p


@given(periods, st.integers(0, 60))
def test_range_length(a: Period, n: int) -> None:
    if in_range(a.index + n):
        b = a + n
        r = Period.range(a, b)
        assert len(r) == b - a + 1
        assert r[0] == a
        assert r[-1] == b
        assert all(y - x == 1 for x, y in itertools.pairwise(r))


@given(periods, st.integers(1, 12))
def test_base_year_law(p: Period, start_month: int) -> None:
    year = p.base_year(start_month)
    start = Period(year, start_month) if MIN_YEAR <= year else None
    # p lies within the twelve months that start at (base_year, start_month).
    assert year in (p.year, p.year - 1)
    if start is not None:
        assert 0 <= p - start < 12
    if start_month == 1:
        assert year == p.year
