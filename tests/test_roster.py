"""Roster files: both header languages, the encodings Excel writes, and every bad cell named."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from medins_core.io.roster import RosterError, read_roster
from medins_core.model import DEFAULT_LINES
from medins_core.period import Period
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id

SUZHOU = load_registry(use_env=False).region("320500").rules


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_gb18030_csv_as_excel_saves_it(tmp_path: Path) -> None:
    cert = make_resident_id("320102", "19610301", 41)  # a 1961 birth with a county code from 1983
    path = write(tmp_path, f"证件号码,姓名,申报工资,人员类型\n{cert},刘敏,5999.99,职工在职\n", "gb18030")
    (member,) = read_roster(path).members
    assert (member.person.name, member.person.person_type) == ("刘敏", "职工在职")
    assert member.wages[0].wage == Decimal("5999.99")
    assert member.coverages[0].insurance == DEFAULT_LINES


def test_english_headers_lines_by_name_and_cover_period(tmp_path: Path) -> None:
    cert = make_resident_id(sequence=3)
    path = write(tmp_path, f"cert_no,name,wage,lines,start,end\n{cert},王五,\"6,000.00\",\"职工基本医疗保险、330\",2022-09,202212\n")
    (member,) = read_roster(path, rules=SUZHOU).members
    assert [(c.insurance, c.start, c.end) for c in member.coverages] == [
        ("310", Period(2022, 9), Period(2022, 12)), ("330", Period(2022, 9), Period(2022, 12)),
    ]
    assert member.wages[0].wage == Decimal("6000.00")


def test_every_bad_cell_is_reported_with_row_and_column(tmp_path: Path) -> None:
    good = make_resident_id(sequence=5)
    bad_check = make_resident_id(sequence=7)[:-1] + ("0" if make_resident_id(sequence=7)[-1] != "0" else "1")
    path = write(
        tmp_path,
        "证件号码,姓名,缴费工资,险种,参保开始年月\n"
        f"{good},张三,5000,310,2022-08\n"
        f"{bad_check},,0,999,2022-13\n"
        "\n"
        f"{good},张三,5000,,\n",
    )
    with pytest.raises(RosterError) as caught:
        read_roster(path, rules=SUZHOU)
    found = {(p.row, p.column, p.code) for p in caught.value.problems}
    assert found == {
        (3, "证件号码", "invalid_cert_no"),
        (3, "姓名", "missing_field"),
        (3, "缴费工资", "invalid_wage"),
        (3, "险种", "unknown_insurance"),
        (3, "参保开始年月", "invalid_period"),
        (5, "证件号码", "duplicate_person"),
    }
    assert all(good not in p.message and bad_check not in p.message for p in caught.value.problems)


def test_unknown_and_missing_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "证件号码,姓名,备注\nx,y,z\n")
    with pytest.raises(RosterError) as caught:
        read_roster(path)
    assert {p.code for p in caught.value.problems} == {"unknown_column", "missing_column"}


def test_unknown_county_is_a_warning_not_an_error(tmp_path: Path) -> None:
    cert = make_resident_id("990101", "19800101", 11)
    roster = read_roster(write(tmp_path, f"证件号码,姓名,缴费工资\n{cert},赵六,5000\n"))
    assert len(roster.members) == 1
    assert len(roster.warnings) == 1 and cert not in roster.warnings[0]


def test_other_certificates_are_not_checked_as_resident_ids(tmp_path: Path) -> None:
    path = write(tmp_path, "证件类型,证件号码,姓名,缴费工资\n护照,E12345678,John Smith,9000\n")
    (member,) = read_roster(path).members
    assert member.person.cert_no == "E12345678"


def test_too_many_rows_is_refused(tmp_path: Path) -> None:
    rows = "".join(f"{make_resident_id(sequence=i)},x,5000\n" for i in range(5))
    with pytest.raises(Exception) as caught:
        read_roster(write(tmp_path, "证件号码,姓名,缴费工资\n" + rows), max_rows=3)
    assert getattr(caught.value, "code", "") == "too_many_rows"
