"""One verdict per row: the batch's column checks against each row's request through region.check.

check_table vouches for most enrollment rows a column at a time and checks only the others
one by one. On messy rows (bad and repeated IDs, bad dates, codes and amounts, blank and
short rows, cells already refused) its answer must be the one of checking every row's
request through ``region.check`` on its own: same rows, same codes, fields, messages, order.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medins_core.errors import InputError
from medins_core.io.batch import BatchOptions, BatchResult, check_table
from medins_core.io.batch_rows import RowParser
from medins_core.io.table import Table
from medins_core.operations import CheckContext, EnrollmentRequest, Problem, Request
from medins_core.plugin import hookimpl
from medins_core.region import Region
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id

REGISTRY = load_registry(use_env=False)
DAYS = (datetime.date(2022, 9, 15), datetime.date(2022, 9, 28), datetime.date(2023, 1, 5))
# Suzhou (one start month per batch, mobile and wage required), Dalian (its own template and a
# medins_check hook), Henan and Tangshan (the generic template; Tangshan a hook)
REGIONS = ("320500", "210200", "410000", "130200")

_IDS = [
    make_resident_id("320506", "19850312", 1),
    make_resident_id("320506", "19850312", 2),
    make_resident_id("320506", "19600101", 3),  # a man over Jiangsu's enrollment age
    make_resident_id("320506", "19700101", 4),  # a woman over 50
    make_resident_id("999999", "19900101", 5),  # an unknown county: a warning
    make_resident_id("210202", "20300101", 7),  # born in the future
    make_resident_id("320506", "19851231", 9)[:-1] + "0",  # a wrong check character
    make_resident_id("410102", "19920229", 11).lower(),  # x read as X
    "32050619851301001X",  # no such month
    "3205061985031200",  # too short
    " 320506198503120017",
    "E12345678",
    "",
]
_CELLS: dict[str, list[str]] = {
    "cert_type": ["", "居民身份证(户口簿)", "居民身份证", "护照", "外国人永久居留身份证", "身份证"],
    "name": ["张三", "李四", ""],  # 李四 the name Watcher refuses
    "gender": ["", "", "男", "女", "1", "2", "M"],
    "ethnicity": ["", "汉族", "汉"],
    "birth": ["", "", "1985/03/12", "1985-3-12", "1990/01/01", "2022/13/01", "昨天"],
    "country": ["", "中国"],
    "wage": ["6000", "", "0", "-5", "6000.123", "5,000.50", "六千", "4000.5", "1" * 40],
    "start": ["2022/09/01", "2022/09/01", "", "2022/08/01", "2021/01/01", "2022/10/01", "2022/13/01", "20220901"],
    "mobile": ["13812345678", "", "1381234", "+8613812345678", "138 1234 5678", "12345678901"],
    "retired_status": ["", "在职"],
}


@st.composite
def tables(draw: st.DrawFn, header: tuple[str, ...], fields: tuple[str, ...]) -> Table:
    rows: list[tuple[int, tuple[str, ...]]] = []
    problems: list[InputError] = []
    for number in range(2, 2 + draw(st.integers(1, 12))):
        # mostly plain cells (the first of each list, a person of its own), so that rows pass
        # as well as fail; the IDs of the list repeat, so some persons come twice
        plain = make_resident_id("320506", datetime.date(1980, 1, 1) + datetime.timedelta(days=number), 1)
        cells = [
            (plain if field == "cert_no" else _CELLS.get(field, [""])[0])
            if draw(st.integers(0, 9)) < (5 if field == "cert_no" else 8)
            else draw(st.sampled_from(_IDS if field == "cert_no" else _CELLS.get(field, [""])))
            for field in fields
        ]
        if draw(st.integers(0, 9)) == 0:
            cells = cells[: draw(st.integers(0, len(cells)))]  # a short or blank row
        if "cert_no" in fields and draw(st.integers(0, 9)) == 0:
            column = header[fields.index("cert_no")]
            problems.append(InputError("number_as_text", "数字过长", row=number, column=column))
        rows.append((number, tuple(cells)))
    return Table("in.xlsx", header, tuple(rows), tuple(problems))


#: what the page asks besides the file: the insurance (one unknown), the unit, a government unit
OPTIONS = st.builds(
    BatchOptions,
    unit_no=st.sampled_from(["", "U1"]),
    insurance=st.sampled_from([("310",), ("310", "510"), ("310", "999")]),
    government_unit=st.booleans(),
)


def _one_by_one(
    table: Table, region: Region, today: datetime.date, options: BatchOptions = BatchOptions(insurance=("310",))
) -> list[tuple[int, list[Problem]]]:
    """Each row's request through region.check on its own (the per-row path of check_table)."""
    result = _check(table, region, today, options, columns=False)
    return [(row.row, list(row.problems)) for row in result.rows]


def _check(
    table: Table, region: Region, today: datetime.date, options: BatchOptions = BatchOptions(insurance=("310",)), *, columns: bool
) -> BatchResult:
    with pytest.MonkeyPatch.context() as patch:
        if not columns:
            patch.setattr(RowParser, "passing", lambda *args, **kwargs: None)
        return check_table("enroll", table, region=region, today=today, options=options)


def _setup(code: str, registry: Any = REGISTRY) -> tuple[Region, tuple[str, ...], tuple[str, ...]]:
    region = registry.region(code)
    template = region.template("enroll")
    return region, tuple(c.title for c in template.columns), tuple(c.field for c in template.columns)


@pytest.mark.parametrize("code", REGIONS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), today=st.sampled_from(DAYS), options=OPTIONS)
def test_columns_answer_as_each_row_checked_alone(
    code: str, data: st.DataObject, today: datetime.date, options: BatchOptions
) -> None:
    region, header, fields = _setup(code)
    table = data.draw(tables(header, fields))
    fast = _check(table, region, today, options, columns=True)
    assert [(row.row, list(row.problems)) for row in fast.rows] == _one_by_one(table, region, today, options)
    for row in fast.rows:
        # a row that passed is read into the same request, and region.check finds nothing in it
        if row.passed and row.request is not None:
            assert not [p for p in region.check(row.request, today=today) if p.is_error]


def test_columns_vouch_for_the_plain_rows_of_a_batch() -> None:
    region, header, fields = _setup("320500")
    today = DAYS[0]
    good = [make_resident_id("320506", datetime.date(1980, 1, 1) + datetime.timedelta(days=i), 1) for i in range(3)]
    values = {"cert_type": "居民身份证(户口簿)", "name": "张三", "wage": "6000", "start": "2022/09/01", "mobile": "13812345678"}
    cells = [tuple(values.get(f, cert_no if f == "cert_no" else "") for f in fields) for cert_no in good]
    other = make_resident_id("320506", "19790101", 1)
    bad = tuple("1381234" if f == "mobile" else other if f == "cert_no" else c for f, c in zip(fields, cells[0]))
    parser = RowParser("enroll", region.template("enroll"), {f: i for i, f in enumerate(fields)}, region.rules, today, BatchOptions(insurance=region.rules.default_lines))
    passing = parser.passing([*cells, bad], region=region.dated(today), today=today, context=CheckContext())
    assert passing is not None and passing.rows == [True, True, True, False]
    result = check_table("enroll", Table("in.xlsx", header, tuple(enumerate([*cells, bad], start=2))), region=region, today=today)
    assert [r.row for r in result.passed] == [2, 3, 4]
    # a row that passed still gives its request, read when asked for
    request = result.rows[0].request
    assert isinstance(request, EnrollmentRequest) and request.cert_no == good[0] and request.batch


class Watcher:
    """An add-on plugin that sees every enrollment request and refuses the name 李四."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def medins_check(self, operation: str, request: Request) -> list[Problem]:
        if isinstance(request, EnrollmentRequest):
            self.seen.append(request.cert_no)
            if request.name == "李四":
                return [Problem("not_this_one", "name", "本插件拒绝此人")]
        return []


@pytest.mark.parametrize("code", ["320500", "210200"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_hook_still_sees_every_request(code: str, data: st.DataObject) -> None:
    watcher = Watcher()
    region, header, fields = _setup(code, load_registry(plugins=[watcher], use_env=False))
    table = data.draw(tables(header, fields))
    fast = _check(table, region, DAYS[0], columns=True)
    seen, watcher.seen = watcher.seen, []
    assert [(row.row, list(row.problems)) for row in fast.rows] == _one_by_one(table, region, DAYS[0])
    assert sorted(seen) == sorted(watcher.seen)  # the same requests, whichever path read them


def test_a_context_with_covers_checks_every_row_alone() -> None:
    region, header, fields = _setup("320500")
    parser = RowParser("enroll", region.template("enroll"), {f: i for i, f in enumerate(fields)}, region.rules, DAYS[0], BatchOptions(insurance=("310",)))
    cells = [tuple(make_resident_id() if f == "cert_no" else "" for f in fields)]
    found = parser.passing(cells, region=region.dated(DAYS[0]), today=DAYS[0], context=CheckContext(covers=()))
    assert found is not None and found.rows == [False]
