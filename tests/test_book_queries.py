"""The portals' queries from the book, and ``medins book query`` / ``compare`` on both backends.

Figures: Dalian with the operator overlay of test_book (310 only, 8% + 2%), so a 6,000-yuan wage
owes 480.00 + 120.00 a month; retirement months from RULES.md's examples of the 2025 reform.
"""

from __future__ import annotations

import csv
import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from test_book import JAN, MAR, UNIT, db_url, enroll_three, opened, person_id, pg_server, registry  # noqa: F401
from test_book_cli import cli  # noqa: F401

from medins_core import book
from medins_core.assessment import PaymentType
from medins_core.book import queries
from medins_core.io.table import read_table
from medins_core.operations import EnrollmentRequest, SuspensionRequest
from medins_core.period import Period
from medins_core.serialize import from_json, to_json
from medins_core.testing import make_resident_id

D = Decimal
APR = Period(2023, 4)


def round_trips(result: object) -> bool:
    """The result's JSON reads back as the same result (serialize.py's one converter)."""
    return from_json(to_json(result), type(result)) == result


def paid_and_suspended(b: book.Book, tmp_path: Path) -> None:
    """Three persons from January; March noticed and paid; 职工0 leaves at the end of March."""
    enroll_three(b, tmp_path)
    book.assess_unit(b, UNIT, JAN, MAR)
    made = book.notice(b, UNIT)
    book.pay(b, made["id"], "5400", datetime.date(2023, 3, 10))
    book.suspend(b, UNIT, SuspensionRequest("", person_id(0), datetime.date(2023, 3, 31), name="职工0"),
                 today=datetime.date(2023, 3, 20))  # fmt: skip


def test_persons_by_status_line_and_month(opened: book.Book, tmp_path: Path) -> None:  # noqa: F811
    paid_and_suspended(opened, tmp_path)
    active = queries.persons(opened, UNIT, APR)
    assert [p.cert_no for p in active.persons] == sorted([person_id(1), person_id(2)])
    assert all(p.status == "active" and p.wage == D("6000.00") and p.insurance == "310" for p in active.persons)
    (left,) = queries.persons(opened, UNIT, APR, status="suspended").persons
    assert (left.cert_no, left.end) == (person_id(0), MAR)
    assert len(queries.persons(opened, UNIT, MAR).persons) == 3  # still insured in his last month
    assert len(queries.persons(opened, UNIT, APR, status="all").persons) == 3
    assert round_trips(active)
    assert queries.persons(opened, UNIT, Period(2022, 12)).persons == ()  # not yet begun
    assert queries.persons(opened, UNIT, APR, line="330").persons == ()
    # enrolled again in May: no longer suspended, and insured at the new wage
    again = EnrollmentRequest("", person_id(0), "职工0", Period(2023, 5), wage=D(6500))
    book.enroll(opened, UNIT, again, today=datetime.date(2023, 5, 10))
    june = Period(2023, 6)
    assert queries.persons(opened, UNIT, june, status="suspended").persons == ()
    back = {p.cert_no: p for p in queries.persons(opened, UNIT, june).persons}
    assert set(back) == {person_id(i) for i in range(3)} and back[person_id(0)].wage == D("6500.00")
    assert len(queries.persons(opened, UNIT, june, status="all").persons) == 4


def test_contributions_net_every_revision(opened: book.Book, tmp_path: Path) -> None:  # noqa: F811
    enroll_three(opened, tmp_path)
    book.assess_unit(opened, UNIT, JAN, MAR)
    mistake = book.assess_unit(opened, UNIT, JAN, payment_type=PaymentType.BACKPAY)
    book.revoke(opened, mistake.id, "重复")
    found = queries.contributions(opened, UNIT, JAN, MAR)
    assert found.total == D("5400.00") and len(found.lines) == 9
    assert {(t.period, t.payment_type, t.persons, t.unit_amount, t.person_amount) for t in found.totals} == {
        (p, "regular", 3, D("1440.00"), D("360.00")) for p in (JAN, Period(2023, 2), MAR)}  # fmt: skip
    one = queries.contributions(opened, UNIT, Period(2023, 2), cert_no=person_id(1))
    assert [(ln.period, ln.unit_base, ln.unit_amount) for ln in one.lines] == [(Period(2023, 2), D("6000.00"), D("480.00"))]
    data = to_json(found)
    assert round_trips(found) and round_trips(one)
    assert data["total"] == "5400.00" and data["lines"][0]["period"] == "202301" and data["lines"][0]["cert_no"] in {
        person_id(i) for i in range(3)}  # fmt: skip


def test_retiring_uses_the_2025_ages(opened: book.Book) -> None:  # noqa: F811
    people = {
        make_resident_id("210202", "19650115", 11): "男1965-01",  # 60 years 1 month: 2025-02
        make_resident_id("210202", "19750310", 22): "女1975-03",  # female50: 50 years 2 months: 2025-05
        make_resident_id("210202", "19900101", 33): "男1990",
    }
    for cert_no, name in people.items():
        book.enroll(opened, UNIT, EnrollmentRequest("", cert_no, name, Period(2024, 1), wage=D(5000)), today=datetime.date(2024, 1, 10))
    found = queries.retiring(opened, UNIT, Period(2025, 1), Period(2025, 12))
    assert [(p.name, str(p.retirement_month), p.retirement_age_months) for p in found.persons] == [
        ("男1965-01", "202502", 60 * 12 + 1), ("女1975-03", "202505", 50 * 12 + 2)]  # fmt: skip
    later = queries.retiring(opened, UNIT, Period(2025, 1), Period(2025, 12), female_group="female55")
    assert [p.name for p in later.persons] == ["男1965-01"]
    assert to_json(found)["persons"][0]["retirement_month"] == "202502" and round_trips(found)


def test_arrears_by_period_with_amounts(opened: book.Book, tmp_path: Path) -> None:  # noqa: F811
    enroll_three(opened, tmp_path)
    book.assess_unit(opened, UNIT, JAN, MAR)
    made = book.notice(opened, UNIT)
    book.pay(opened, made["id"], "3000", datetime.date(2023, 3, 5))
    found = queries.arrears(opened, UNIT)
    assert [(a.period, a.noticed, a.paid, a.owed, a.persons) for a in found.periods] == [
        (Period(2023, 2), D("1800.00"), D("1200.00"), D("600.00"), 3), (MAR, D("1800.00"), D("0.00"), D("1800.00"), 3)]  # fmt: skip
    assert found.owed == D("2400.00") and round_trips(found)
    assert [a.period for a in queries.arrears(opened, UNIT, MAR).periods] == [MAR]
    book.pay(opened, made["id"], "2400", datetime.date(2023, 3, 6))
    assert queries.arrears(opened, UNIT).periods == ()


def test_business_done_and_pending(opened: book.Book, tmp_path: Path) -> None:  # noqa: F811
    enroll_three(opened, tmp_path)
    book.assess_unit(opened, UNIT, JAN)
    (pending,) = queries.business(opened, UNIT, status="pending").items
    assert (pending.what, pending.detail["next"], pending.detail["total"]) == ("assessment", "notice", "1800.00")
    made = book.notice(opened, UNIT)
    (pending,) = queries.business(opened, UNIT, status="pending").items
    assert (pending.what, pending.detail["due"]) == ("notice", "1800.00")
    book.pay(opened, made["id"], "1800", datetime.date(2023, 2, 5))
    assert queries.business(opened, UNIT, status="pending").items == ()
    done = [i.what for i in queries.business(opened, UNIT, status="done").items]
    assert done == ["unit_add", "enroll_batch", "assess", "notice", "pay"]
    assert round_trips(queries.business(opened, UNIT, start=datetime.date(2023, 1, 1)))
    assert [i.what for i in queries.business(opened, UNIT, what="pay").items] == ["pay"]
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert queries.business(opened, UNIT, start=tomorrow).items == ()
    assert all(person_id(0) not in json.dumps(i.detail) for i in queries.business(opened, UNIT).items)


def test_unknown_unit_and_bad_status_are_refused(opened: book.Book) -> None:  # noqa: F811
    with pytest.raises(book.BookRefusal) as e:
        queries.persons(opened, "NOPE", JAN)
    assert e.value.code == "unknown_unit"
    with pytest.raises(Exception) as e2:
        queries.persons(opened, UNIT, JAN, status="gone")
    assert getattr(e2.value, "code", None) == "invalid_status"


# --- the command line ------------------------------------------------------------------------


def start_book(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from test_book import enroll_file

    assert cli("book", "unit", "add", "--uscc", UNIT, "--name", "大连示例", "--region", "210200", "--unit-no", "21020001")[0] == 0
    path = enroll_file(tmp_path / "e.csv", [(0, "6000"), (1, "7000")])
    assert cli("book", "enroll", str(path), "--unit", UNIT, "--today", "2023-01-10")[0] == 0
    assert cli("book", "assess", "--unit", UNIT, "--period", "2023-01")[0] == 0


def test_query_prints_masked_and_exports_in_full(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    start_book(cli, tmp_path)
    code, out, _ = cli("book", "query", "persons", "--unit", UNIT, "--date", "2023-01", "--xlsx", str(tmp_path / "p.xlsx"))
    assert code == 0 and person_id(0) not in out and f"{person_id(0)[:4]}**********{person_id(0)[-4:]}" in out
    table = read_table(tmp_path / "p.xlsx")
    assert table.header[0] == "证件号码" and {r[0] for _, r in table.rows} == {person_id(0), person_id(1)}
    code, out, _ = cli("book", "query", "contributions", "--unit", UNIT, "--period", "2023-01", "--format", "json")
    assert code == 0 and json.loads(out)["total"] == "1300.00"
    for query in (["retiring", "--from", "2025-01", "--to", "2025-12"], ["arrears"], ["business", "--status", "pending"]):
        code, out, err = cli("book", "query", *query, "--unit", UNIT, "--format", "json")
        assert code == 0 and isinstance(json.loads(out), dict), err
    code, _, err = cli("book", "query", "persons", "--unit", UNIT, "--date", "2023-13")
    assert code == 2 and "[invalid_period]" in err and "Traceback" not in err


def test_compare_exits_0_1_2(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    start_book(cli, tmp_path)
    code, out, _ = cli("book", "explain", "1", "--format", "json")
    header = ["证件号码", "姓名", "险种类型", "应缴款所属期", "缴费类型", "单位缴费基数总额", "单位应缴金额", "个人缴费基数总额", "个人应缴金额", "单位编号"]
    rows = [[ln["cert_no"], ln["name"], "职工基本医疗保险", "202301", "正常应缴", ln["base"], ln["unit_amount"], ln["base"],
             ln["person_amount"], "21020001"] for ln in json.loads(out)]  # fmt: skip

    def bill(name: str, body: list[list[str]], head: list[str] = header) -> str:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([head, *body])
        return str(path)

    code, out, _ = cli("book", "compare", "--unit", UNIT, bill("same.csv", rows))
    assert code == 0 and "一致" in out
    changed = [list(r) for r in rows]
    changed[0][6] = "490.00"
    code, out, _ = cli("book", "compare", "--unit", UNIT, bill("changed.csv", changed), "--format", "json",
                       "--xlsx", str(tmp_path / "diff.xlsx"))  # fmt: skip
    data = json.loads(out)
    assert code == 1 and data["agrees"] is False and data["counts"]["different"] == 2  # the line and the person
    assert (tmp_path / "diff.xlsx").exists()
    code, out, err = cli("book", "compare", "--unit", UNIT, bill("extra.csv", rows, [*header[:-1], "备注"]))
    assert (code, out) == (2, "") and "[unknown_column]" in err and "备注" in err and "Traceback" not in err
    other = [[*r[:-1], "21020099"] for r in rows]
    code, _, err = cli("book", "compare", "--unit", UNIT, bill("other.csv", other))
    assert code == 2 and "[unit_mismatch]" in err and "21020099" in err
    same = tmp_path / "same.csv"
    code, _, err = cli("book", "compare", "--unit", UNIT, str(same), "--xlsx", str(same))
    assert code == 2 and "[output_is_input]" in err
