"""Checking a portal's bill against the book, with bills built from the rows the sources print.

Figures: the Suzhou notice of 2022-08 (jiangsu-suzhou-unit-hall-training.txt PART4.2, total
1,300,048.92), the Huai'an 单位缴费明细 export of 2022-02 (jiangsu-unit-hall-user-manual.txt 3.10)
and the Hebei back-pay notice of 202104–202106 (hebei-qianan-unit-hall-procedures.txt); then
copies altered one way each (a rate, a base outside the limits, the rounding stage, a person
missing or extra).
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator, Sequence
from decimal import Decimal
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_assessment_figures import HUAIAN_ONE_OFF, suzhou_notice_roster
from test_book import OVERLAY, db_url, pg_server  # noqa: F401

from medins_core import book
from medins_core.assessment import Parts, PaymentType
from medins_core.book import queries
from medins_core.book.compare import _same_unit, compare_bill
from medins_core.book.models import CoverRow, PersonRow, WageRow
from medins_core.errors import InputError
from medins_core.io.portal_bill import read_portal_bill
from medins_core.period import Period
from medins_core.registry import load_registry
from medins_core.serialize import from_json, to_json
from medins_core.testing import make_resident_id

D = Decimal
SUZHOU, HUAIAN, HEBEI, DALIAN = "91320500MA0000000X", "91320800MA0000000X", "91130200MA0000000X", "91210200MA0000000X"
SUZHOU_NO, HUAIAN_NO, HEBEI_NO = "32059900000000000117", "32080000000000000001", "130200113028311970"


def seed(b: book.Book, uscc: str, people: Sequence[tuple[str, int]], start: str, end: str | None = None,
         insurance: Sequence[str] = ()) -> None:  # fmt: skip
    """Persons with covers and wages written straight into the book (the checks are not under test)."""
    with b.transaction() as s:
        unit = b.unit(s, uscc)
        rows = [PersonRow(cert_no=cert_no, name=f"职工{cert_no[-4:]}") for cert_no, _ in people]
        s.add_all(rows)
        s.flush()
        for person, (_, wage) in zip(rows, people):
            for line in insurance or b.rules(unit).default_lines:
                s.add(CoverRow(unit_id=unit.id, person_id=person.id, insurance=line, start=start, end=end))
            s.add(WageRow(unit_id=unit.id, person_id=person.id, start=start, wage_fen=wage * 100))


def write(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    width = max(len(r) for r in rows)
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows([[str(c) for c in r] + [""] * (width - len(r)) for r in rows])
    return path


def open_book(url: str, directory: Path) -> book.Book:
    params = directory / "params"
    params.mkdir()
    overlay = OVERLAY + '\n[[base_limits]]\nfrom = "202201"\nfloor = "4000"\nceiling = "20000"\n' \
        'source = "示例: 运营方提供的参数文件 (非源文件数字)"\nstatus = "provisional"\n'  # fmt: skip
    (params / "dalian.toml").write_text(overlay, encoding="utf-8")
    return book.Book(url, registry=load_registry([params], use_env=False))


@pytest.fixture
def opened(db_url: str, tmp_path: Path) -> Iterator[book.Book]:  # noqa: F811
    b = open_book(db_url, tmp_path)
    yield b
    b.close()


# --- Suzhou: the notice of 2022-08 -------------------------------------------------------

NOTICE_HEAD = [["单位编号:", SUZHOU_NO, "", "", "", "", "费用所属期:", "202208"],
               ["单位名称:", "苏州某医院", "", "", "", "", "通知单据号:", "1040352208"],
               ["序号", "险种类型", "缴费类型", "个人缴费金额", "单位缴费金额", "利息", "滞纳金", "其他缴费金额", "金额"]]  # fmt: skip
NOTICE_ROWS = [["1", "大额医疗费用补 助", "正常应缴", "7400.0", "0.0", "0.0", "0.0", "0.0", "7400.0"],
               ["2", "生育保险", "正常应缴", "0.0", "105521.65", "0.0", "0.0", "0.0", "105521.65"],
               ["3", "职工基本医疗保 险", "正常应缴", "263806.06", "791418.18", "0.0", "0.0", "0.0", "1055224.24"],
               ["4", "地方补充医疗保 险", "正常应缴", "0.0", "131903.03", "0.0", "0.0", "0.0", "131903.03"]]  # fmt: skip
NOTICE_FOOT = [["小计:", "", "", "271206.06", "1028842.86", "0.0", "0.0", "0.0", "1300048.92"],
               ["核定征集总额:", "1300048.92", "核定征集总额(大写):", "壹佰叁拾万零肆拾捌圆玖角贰分", "制表日期:", "2022-09-05"]]  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def suzhou(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[book.Book]:
    """One Suzhou book per backend for the module: comparing never writes to it."""
    directory = tmp_path_factory.mktemp("suzhou")
    with module_db(request, directory) as url:
        opened = open_book(url, directory)
        opened.add_unit(SUZHOU, "苏州某医院", "320500", SUZHOU_NO)
        seed(opened, SUZHOU, [(m.person.cert_no, int(m.wages[0].wage)) for m in suzhou_notice_roster()], "202208")
        assert book.assess_unit(opened, SUZHOU, Period(2022, 8)).document["total"] == "1300048.92"
        yield opened
        opened.close()


@contextmanager
def module_db(request: pytest.FixtureRequest, directory: Path) -> Iterator[str]:
    """As test_book's ``db_url``, for a module-scoped fixture."""
    if request.param == "sqlite":
        yield f"sqlite:///{directory / 'book.db'}"
        return
    server = sa.make_url(request.getfixturevalue("pg_server"))
    name = f"book_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


def notice(tmp_path: Path, rows: list[list[str]] = NOTICE_ROWS, head: list[list[str]] = NOTICE_HEAD) -> Path:
    return write(tmp_path / "notice.csv", head + rows + NOTICE_FOOT)


def test_the_suzhou_notice_agrees_with_the_book(suzhou: book.Book, tmp_path: Path) -> None:
    found = compare_bill(suzhou, SUZHOU, notice(tmp_path))
    assert found.layout == "suzhou_notice" and found.agrees
    assert [(c.insurance, c.status) for c in found.lines] == [
        ("330", "equal"), ("510", "equal"), ("310", "equal"), ("suzhou_supplementary", "equal")]
    assert found.portal_total == found.book_total == D("1300048.92")


def test_a_changed_rate_is_named_with_the_rate_it_means(suzhou: book.Book, tmp_path: Path) -> None:
    rows = [list(r) for r in NOTICE_ROWS]
    rows[2][4], rows[2][8] = "857369.70", "1121175.76"  # 6.5% of 13,190,303.00 instead of 6%
    found = compare_bill(suzhou, SUZHOU, notice(tmp_path, rows))
    (basic,) = [c for c in found.lines if c.status != "equal"]
    assert basic.insurance == "310" and basic.row == 6
    unit = {d.field: d for d in basic.differences}["unit_amount"]
    assert (unit.portal, unit.book, unit.difference, unit.cause) == (D("857369.70"), D("791418.18"), D("65951.52"), "rate")
    assert "0.0650" in unit.explanation and "0.06" in unit.explanation
    assert not found.agrees


def test_a_total_rounded_once_is_the_rounding_stage(suzhou: book.Book, tmp_path: Path) -> None:
    rows = [list(r) for r in NOTICE_ROWS]
    rows[1][4] = rows[1][8] = "105522.42"  # 0.8% × 13,190,303.00 rounded once
    (maternity,) = [c for c in compare_bill(suzhou, SUZHOU, notice(tmp_path, rows)).lines if c.status != "equal"]
    unit = maternity.differences[0]
    assert (unit.field, unit.difference, unit.cause) == ("unit_amount", D("0.77"), "rounding_stage")
    assert "per_line" in unit.explanation


def test_a_notice_line_without_its_personal_part_differs(suzhou: book.Book, tmp_path: Path) -> None:
    rows = [list(r) for r in NOTICE_ROWS]
    rows[2][3], rows[2][8] = "0.0", "791418.18"  # a zero on a notice is a figure, not a missing row
    (basic,) = [c for c in compare_bill(suzhou, SUZHOU, notice(tmp_path, rows)).lines if c.status != "equal"]
    assert {d.field: d.difference for d in basic.differences} == {"person_amount": D("-263806.06"), "amount": D("-263806.06")}


def test_a_person_left_out_of_a_notice_is_named_as_missing(suzhou: book.Book, tmp_path: Path) -> None:
    rows = [list(r) for r in NOTICE_ROWS]
    # one person of base 8,910.00 left out of the basic line: 6% = 534.60, 2% = 178.20
    rows[2][3:9] = ["263627.86", "790883.58", "0.0", "0.0", "0.0", "1054511.44"]
    (basic,) = [c for c in compare_bill(suzhou, SUZHOU, notice(tmp_path, rows)).lines if c.status != "equal"]
    assert {d.field: (d.difference, d.cause) for d in basic.differences} == {
        "unit_amount": (D("-534.60"), "person_missing"), "person_amount": (D("-178.20"), "person_missing"),
        "amount": (D("-712.80"), "person_missing")}  # fmt: skip
    assert "**********" in basic.differences[0].explanation  # the person, masked


def test_a_late_fee_and_a_line_the_book_lacks(suzhou: book.Book, tmp_path: Path) -> None:
    rows = [list(r) for r in NOTICE_ROWS[1:]]
    rows[0][6], rows[0][8] = "10.00", "105531.65"
    found = compare_bill(suzhou, SUZHOU, notice(tmp_path, rows))
    late = {d.field: d.cause for c in found.lines for d in c.differences if c.insurance == "510"}
    assert late == {"late_fee": "late_fee", "amount": "late_fee"}
    (missing,) = [c for c in found.lines if c.status == "only_book"]
    assert missing.insurance == "330" and missing.book is not None and missing.book.person_amount == D("7400.00")
    assert missing.differences[0].cause == "person_missing"


@pytest.mark.parametrize(
    ("change", "code", "column"),
    [
        (lambda h, r: h[2].append("备注"), "unknown_column", "备注"),
        (lambda h, r: h[0].__setitem__(1, "32059900000000000999"), "unit_mismatch", "单位编号"),
        (lambda h, r: h[0].__setitem__(7, ""), "missing_period", "费用所属期"),
        (lambda h, r: h[0].__setitem__(7, "202209"), "not_assessed", "费款所属期"),
        (lambda h, r: r[0].__setitem__(1, "长护险"), "unknown_line", "险种类型"),
        (lambda h, r: r[0].__setitem__(2, "预缴"), "unknown_payment_type", "缴费类型"),
    ],
)
def test_a_bill_that_is_not_this_units_is_refused_naming_what(suzhou: book.Book, tmp_path: Path, change, code: str, column: str) -> None:  # type: ignore[no-untyped-def]
    head, rows = [list(r) for r in NOTICE_HEAD], [list(r) for r in NOTICE_ROWS]
    change(head, rows)
    with pytest.raises(InputError) as e:
        compare_bill(suzhou, SUZHOU, notice(tmp_path, rows, head))
    assert (e.value.code, e.value.column) == (code, column)


# --- Huai'an: the 单位缴费明细 export of 2022-02 -------------------------------------------

EXPORT_HEADER = ["险种类型", "单位缴费基数总额", "个人缴费基数总额", "单位应缴金额", "个人应缴金额", "应缴款所属期", "缴费类型",
                 "缴费人数", "起始缴费所属期", "截止缴费所属期"]  # fmt: skip
EXPORT_TAIL = [["职工基本医疗", "0.00", "6694162.00", "0.00", "133883.24", "202202", "正常应缴", "1225", "202202", "202202"],
               ["职工基本医疗", "6694162.00", "0.00", "535532.96", "0.00", "202202", "正常应缴", "1225", "202202", "202202"],
               ["职工基本医疗", "1577491.28", "0.00", "0.00", "0.00", "202202", "正常应缴", "246", "202202", "202202"]]  # fmt: skip


def test_the_huaian_export_agrees_but_for_the_row_the_source_does_not_explain(opened: book.Book, tmp_path: Path) -> None:
    opened.add_unit(HUAIAN, "淮安示例", "320800", HUAIAN_NO)
    serial = iter(range(100000))
    for period, persons, base_total, _amount in HUAIAN_ONE_OFF:
        bases = [base_total // persons] * (persons - 1)
        bases.append(base_total - sum(bases))
        people = [(make_resident_id("320826", "19800101", next(serial)), b) for b in bases]
        seed(opened, HUAIAN, people, period, period, ["310"])
        book.assess_unit(opened, HUAIAN, Period.parse(period), payment_type=PaymentType.BACKPAY, parts=Parts.UNIT)
    bases = [5464] * 1224
    bases.append(6694162 - sum(bases))
    seed(opened, HUAIAN, [(make_resident_id("320826", "19900101", next(serial)), b) for b in bases], "202202", insurance=["310"])
    book.assess_unit(opened, HUAIAN, Period(2022, 2))
    rows = [["职工基本医疗", f"{base}.00", "0.00", amount, "0.00", period, "一次性补缴", str(persons), "202202", "202202"]
            for period, persons, base, amount in HUAIAN_ONE_OFF]  # fmt: skip
    found = compare_bill(opened, HUAIAN, write(tmp_path / "export.csv", [EXPORT_HEADER, *rows, *EXPORT_TAIL]))
    assert found.layout == "jiangsu_detail"
    assert [c.status for c in found.lines] == ["equal"] * 20 + ["only_portal"]
    odd = found.lines[-1]
    assert (odd.row, odd.portal.persons if odd.portal else None) == (22, 246)  # 246 persons, base 1,577,491.28, nothing owed
    assert not found.agrees
    # one person too many in the book's 2009-09: the export's 3 persons are 2 there
    rows[0][7] = "2"
    changed = compare_bill(opened, HUAIAN, write(tmp_path / "export2.csv", [EXPORT_HEADER, *rows, *EXPORT_TAIL]))
    first = changed.lines[0]
    assert first.status == "different" and {d.cause for d in first.differences} == {"person_missing"}


# --- Hebei: the back-pay notice of 202104–202106 -------------------------------------------

HEBEI_NOTICE = [["河北省医疗保障基金征缴通知单"],
                ["征集批次号:", "810106", "打印时间:", "2021年07月01日"],
                ["单位名称", "唐山示例", "统一信用代码", HEBEI, "单位编号", HEBEI_NO],
                ["缴费类型", "费款所属期", "缴费人数", "单位缴费基数", "单位应缴金额", "个人缴费基数", "个人实缴金额"],
                ["当期应缴", "-", "-", "-", "-", "-", "-"],
                ["补欠(预)缴费", "202104-202106", "12", "-", "-", "-", "3860.64"],
                ["当期应缴", "-", "-", "-", "-", "-", "-"],
                ["补欠(预)缴费", "202104-202106", "12", "-", "396.00", "64244.00", "0.00"],
                ["应缴总额:", "[Redacted]"]]  # fmt: skip


def test_the_hebei_notice_agrees_on_what_it_prints(opened: book.Book, tmp_path: Path) -> None:
    opened.add_unit(HEBEI, "唐山示例", "130283", HEBEI_NO)
    bases = [5362] * 11
    bases.append(64344 - sum(bases))
    seed(opened, HEBEI, [(make_resident_id("130283", "19850101", i), b) for i, b in enumerate(bases)], "202104")
    book.assess_unit(opened, HEBEI, Period(2021, 4), Period(2021, 6), payment_type=PaymentType.BACKPAY)
    found = compare_bill(opened, HEBEI, write(tmp_path / "hebei.csv", HEBEI_NOTICE))
    # the basic line's unit amount is not printed (redacted), so the merged line compares persons
    # and the personal 3860.64 (= 2% × 3 × 64344; the base printed as 64244.00 is not compared)
    (line,) = found.lines
    assert (line.status, line.insurance, line.portal.persons if line.portal else None) == ("equal", None, 12)
    assert line.book is not None and line.book.person_amount == D("3860.64") and line.book.persons == 12
    assert found.portal_total is None and found.agrees
    altered = [list(r) for r in HEBEI_NOTICE]
    altered[5][6] = "3854.64"  # what the printed base 64244.00 would give
    (line,) = compare_bill(opened, HEBEI, write(tmp_path / "hebei2.csv", altered)).lines
    assert line.status == "different" and line.differences[0].difference == D("-6.00")


# --- per person: a Jiangsu-layout export with 证件号码 ---------------------------------------

PERSON_HEADER = ["证件号码", "姓名", "险种类型", "应缴款所属期", "缴费类型", "单位缴费基数总额", "单位应缴金额", "个人缴费基数总额", "个人应缴金额"]


@pytest.fixture
def dalian(opened: book.Book) -> book.Book:
    opened.add_unit(DALIAN, "大连示例", "210200", "21020001")
    seed(opened, DALIAN, [(make_resident_id("210202", "19850312", i), w) for i, w in enumerate((6000, 7000, 30000))], "202301")
    book.assess_unit(opened, DALIAN, Period(2023, 1))
    return opened


def person_rows(b: book.Book) -> list[list[str]]:
    return [[ln["cert_no"], ln["name"], "职工基本医疗保险", "202301", "正常应缴", ln["base"], ln["unit_amount"], ln["base"], ln["person_amount"]]
            for ln in book.explain(b, 1)]  # fmt: skip


def test_a_per_person_export_agrees_person_by_person(dalian: book.Book, tmp_path: Path) -> None:
    found = compare_bill(dalian, DALIAN, write(tmp_path / "p.csv", [PERSON_HEADER, *person_rows(dalian)]))
    assert found.agrees and [c.status for c in found.persons] == ["equal"] * 3
    (line,) = found.lines
    assert line.book is not None and (line.book.persons, line.book.unit_base, line.book.unit_amount) == (3, D("33000.00"), D("2640.00"))


def test_a_base_outside_the_limits_is_named(dalian: book.Book, tmp_path: Path) -> None:
    rows = person_rows(dalian)
    rows[2][5:9] = ["30000.00", "2400.00", "30000.00", "600.00"]  # the wage, not the ceiling 20,000
    found = compare_bill(dalian, DALIAN, write(tmp_path / "p.csv", [PERSON_HEADER, *rows]))
    (person,) = [c for c in found.persons if c.status != "equal"]
    assert person.row == 4 and {d.cause for d in person.differences} == {"base_outside_limits"}
    assert {d.field: d.difference for d in person.differences} == {
        "unit_base": D("10000.00"), "unit_amount": D("800.00"), "person_base": D("10000.00"), "person_amount": D("200.00")}  # fmt: skip
    (line,) = found.lines
    assert {d.cause for d in line.differences} == {"base_outside_limits"}


def test_a_missing_and_an_extra_person(dalian: book.Book, tmp_path: Path) -> None:
    rows = person_rows(dalian)
    stranger = make_resident_id("210202", "19900101", 77)
    rows[1] = [stranger, "陌生人", *rows[1][2:]]
    found = compare_bill(dalian, DALIAN, write(tmp_path / "p.csv", [PERSON_HEADER, *rows]))
    assert from_json(to_json(found), type(found)) == found  # counts and amounts read back as such
    statuses = {(c.status, c.cert_no): c.differences[0].cause for c in found.persons if c.status != "equal"}
    missing = make_resident_id("210202", "19850312", 1)
    assert statuses == {("only_portal", stranger): "person_extra", ("only_book", missing): "person_missing"}
    (line,) = found.lines
    assert line.status == "equal"  # the two persons have the same wage: the line's sums agree


# --- the book's own export against the book: a round trip ---------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    wages=st.lists(st.integers(100000, 4000000), min_size=1, max_size=4),
    months=st.integers(1, 3),
    nudge=st.sampled_from([D("0.01"), D("-0.01"), D("1.00")]),
    sheet=st.sampled_from(["单位缴费", "个人缴费"]),
)
def test_the_books_own_export_agrees_and_a_fen_off_does_not(
    tmp_path_factory: pytest.TempPathFactory, wages: list[int], months: int, nudge: Decimal, sheet: str
) -> None:
    directory = tmp_path_factory.mktemp("roundtrip")
    b = open_book(f"sqlite:///{directory / 'book.db'}", directory)
    b.add_unit(DALIAN, "大连示例", "210200", "21020001")
    people = [(make_resident_id("210202", "19850312", i), 0) for i in range(len(wages))]
    seed(b, DALIAN, people, "202301")
    with b.transaction() as s:  # wages in fen: any amount to the fen
        for row, fen in zip(s.scalars(sa.select(WageRow).order_by(WageRow.id)), wages):
            row.wage_fen = fen
    end = Period(2023, months)
    book.assess_unit(b, DALIAN, Period(2023, 1), end)
    found = queries.contributions(b, DALIAN, Period(2023, 1), end)
    exported = directory / "own.xlsx"
    queries.write_listings(exported, [item for item in found.listings() if item.title == sheet])
    assert compare_bill(b, DALIAN, exported).agrees
    # the same file with one amount a fen (or a yuan) off: exactly that line differs
    listing = next(item for item in found.listings() if item.title == sheet)
    column = [c.title for c in listing.columns].index("单位应缴金额")
    rows = [list(r) for r in listing.rows]
    rows[-1][column] = Decimal(str(rows[-1][column])) + nudge
    altered = directory / "altered.xlsx"
    queries.write_listings(altered, [queries.Listing(sheet, listing.columns, tuple(tuple(r) for r in rows))])
    result = compare_bill(b, DALIAN, altered)
    wrong = [c for c in result.lines + result.persons if c.status != "equal"]
    assert wrong and all(d.difference == nudge for c in wrong for d in c.differences if d.field == "unit_amount")
    assert len(wrong) == (2 if sheet == "个人缴费" else 1)  # the person and their line, or the line
    b.close()


def test_the_first_sheet_of_the_jiangsu_export_is_read_with_its_unit_number_cut_short(tmp_path: Path) -> None:
    # jiangsu-unit-hall-user-manual.txt 3.10 step 4: the export's own header, as printed, with the
    # second sheet's 应缴款所属期 beside it
    header = ["序号", "险种类型", "起始缴费所属期", "截止缴费所属期", "缴费人数", "单位缴费比例", "单位缴费基数总额(元)",
              "单位应缴金额(元)", "个人缴费比例", "个人缴费基数总额(元)", "个人应缴金额(元)", "职工工资总额(元)", "缴费类型",
              "缴费标志", "单位编号", "滞纳金(元)", "操作", "应缴款所属期"]  # fmt: skip
    row = ["1", "职工基本医疗...", "202202", "202202", "3", "0.07", "6577.00", "460.39", "-", "0.00", "0.00", "6577.00",
           "一次性补缴", "足额缴纳", "3208000...", "0", "详情", "200909"]  # fmt: skip
    bill = read_portal_bill(write(tmp_path / "export.csv", [header, row]))
    (line,) = bill.lines
    assert (bill.layout, bill.units, line.label, line.start, line.end) == ("jiangsu_detail", ("3208000...",), "职工基本医疗...", Period(2009, 9), Period(2009, 9))
    assert (line.persons, line.unit_base, line.unit_amount, line.person_base, line.late_fee) == (3, D("6577.00"), D("460.39"), D("0.00"), D("0"))
    unit = book.UnitInfo(1, HUAIAN, HUAIAN_NO, "320800", "淮安示例")
    assert _same_unit("3208000...", unit) and not _same_unit("3209000...", unit) and not _same_unit("3208000", unit)


def test_a_rate_the_export_prints_is_the_cause_it_names(dalian: book.Book, tmp_path: Path) -> None:
    header = [*PERSON_HEADER, "单位缴费比例", "个人缴费比例"]
    rows = [[*r, "0.08", "0.02"] for r in person_rows(dalian)]
    assert compare_bill(dalian, DALIAN, write(tmp_path / "same.csv", [header, *rows])).agrees
    rows[0][6], rows[0][9] = "420.00", "0.07"  # 7% of 6,000.00
    found = compare_bill(dalian, DALIAN, write(tmp_path / "rate.csv", [header, *rows]))
    (person,) = [c for c in found.persons if c.status != "equal"]
    (unit,) = person.differences
    assert (unit.field, unit.difference, unit.cause) == ("unit_amount", D("-60.00"), "rate")
    assert "门户印的费率 0.07" in unit.explanation and "账簿费率 0.08" in unit.explanation
