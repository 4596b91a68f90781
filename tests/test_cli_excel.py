"""The Excel commands end to end: template, check, reconcile, export, and their exit codes."""

from __future__ import annotations

import csv
import datetime
import json
import re
import zipfile
from decimal import Decimal
from importlib.resources import as_file, files
from pathlib import Path

import openpyxl
import pytest

from medins_core.cli import main
from medins_core.io.table import read_table
from medins_core.testing import make_resident_id


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _id(i: int, county: str = "320506") -> str:
    return make_resident_id(county, datetime.date(1980, 1, 1) + datetime.timedelta(days=i), 1)


def _fill(template: Path, rows: list[dict[str, str]]) -> Path:
    """Fill a downloaded template the way a clerk does: by its header, from row 2."""
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    for number, row in enumerate(rows, start=2):
        for title, value in row.items():
            column = next(i for i, h in enumerate(header, start=1) if str(h).startswith(title))
            cell = sheet.cell(number, column, value)
            cell.data_type = "s"  # typed into a text column
    book.save(template)
    return template


def test_template_check_fix_and_check_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "enroll.xlsx"
    code, out, _ = run(capsys, "template", "enroll", "--region", "320500", "-o", str(template))
    assert code == 0 and "职工批量增员申报模板" in out
    good = {
        "证件类型": "居民身份证(户口簿)",
        "证件号码": _id(1),
        "姓名": "张三",
        "申报工资": "6000",
        "手机号码": "13812345678",
    }
    bad = {**good, "证件号码": _id(2), "姓名": "李四", "手机号码": "138"}
    _fill(template, [good, bad])

    failures = tmp_path / "failures.xlsx"
    code, out, err = run(capsys, "check", "enroll", str(template), "--region", "320500",
                         "--today", "2022-09-15", "--failures", str(failures))  # fmt: skip
    assert code == 1, err
    assert "共 2 行: 通过 1 行, 未通过 1 行" in out
    assert "第 3 行  李四" in out and "[invalid_mobile] 手机号码" in out and "通过: 第 2 行" in out
    assert _id(2) not in out  # masked in what people read

    table = read_table(failures)
    assert table.header[-1] == "失败原因" and len(table.rows) == 1
    assert table.rows[0][1][1] == _id(2)  # the data keeps the full number

    fixed = _fill(failures, [{"手机号码": "13912345678"}])
    code, out, err = run(
        capsys, "check", "enroll", str(fixed), "--region", "320500", "--today", "2022-09-15"
    )
    assert code == 0, out + err
    assert "通过 1 行, 未通过 0 行" in out


def test_check_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "证件类型,证件号码,姓名,中断时间,中断原因\n"
        f"居民身份证(户口簿),{_id(1)},张三,2022/08/31,辞退除名\n"
        f"居民身份证(户口簿),{_id(2)},李四,2022/09/01,辞退除名\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "check", "suspend", str(path), "--region", "320500",
                       "--today", "2022-09-15", "--format", "json")  # fmt: skip
    assert code == 1
    data = json.loads(out)
    assert (data["kind"], data["region"], data["rows"]) == ("suspend", "320500", 2)
    assert [r["row"] for r in data["passed"]] == [2]
    (failed,) = data["failed"]
    assert failed["row"] == 3
    assert [(p["code"], p["field"]) for p in failed["problems"]] == [
        ("suspend_date_not_month_end", "end_date")
    ]
    assert failed["problems"][0]["message"] == "减员时间范围是:上月末或本月末!"


def test_check_exit_2_when_the_file_cannot_be_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("工号,姓名\n1,张三\n", encoding="utf-8")
    code, out, err = run(capsys, "check", "enroll", str(wrong), "--region", "320500")
    assert (code, out) == (2, "")
    assert "表头" in err and "无法识别的列「工号」" in err and "缺少必填列「证件号码」" in err

    not_a_sheet = tmp_path / "a.xlsx"
    not_a_sheet.write_bytes(b"PK\x03\x04 not really")
    code, out, err = run(capsys, "check", "enroll", str(not_a_sheet), "--region", "320500")
    assert (code, out) == (2, "") and "unsupported_format" in err and str(not_a_sheet) in err

    many = tmp_path / "many.csv"
    many.write_text(
        "证件类型,证件号码,姓名,申报工资,手机号码\n" + "居民身份证,1,张三,1,1\n" * 11,
        encoding="utf-8",
    )
    code, out, err = run(
        capsys, "check", "enroll", str(many), "--region", "320500", "--max-rows", "10"
    )
    assert (code, out) == (2, "") and "too_many_rows" in err and "10 行上限" in err


def test_reconcile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    staff = tmp_path / "staff.csv"
    roster = tmp_path / "roster.csv"
    _write_csv(staff, ["证件类型", "证件号码", "姓名"], [["居民身份证", _id(1), "张三"], ["居民身份证", _id(2), "李 四"],
                                                      ["居民身份证", _id(3), "王五"]])  # fmt: skip
    _write_csv(roster, ["人员编号", "证件号码", "姓名", "参保状态"], [
        ["1", _id(1), "张三", ""], ["2", _id(2), "李四", ""], ["3", _id(4), "赵六", "正常参保"],
        ["4", _id(3), "王伍", ""], ["5", _id(5), "钱七", "暂停参保"],
    ])  # fmt: skip
    code, out, _ = run(capsys, "reconcile", str(staff), "--roster", str(roster), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert [p["cert_no"] for p in data["add"]] == []
    assert [(p["row"], p["name"]) for p in data["remove"]] == [
        (4, "赵六")
    ]  # 钱七 is suspended already
    assert [(m["staff_name"], m["roster_name"]) for m in data["name_mismatch"]] == [
        ("王五", "王伍")
    ]

    add_out = tmp_path / "add.xlsx"
    _write_csv(staff, ["证件号码", "姓名"], [[_id(1), "张三"], [_id(9), "新人"]])
    code, out, _ = run(capsys, "reconcile", str(staff), "--roster", str(roster), "--region", "320500",
                       "--add-out", str(add_out))  # fmt: skip
    assert code == 1 and "增员 1 人, 减员 3 人" in out
    assert _id(9) not in out and "新人" in out
    rows = read_table(add_out).rows
    assert [cells[1:3] for _, cells in rows] == [(_id(9), "新人")]

    _write_csv(
        staff,
        ["证件号码", "姓名"],
        [[_id(1), "张三"], [_id(2), "李四"], [_id(3), "王伍"], [_id(4), "赵六"]],
    )
    assert run(capsys, "reconcile", str(staff), "--roster", str(roster))[0] == 0


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])


def test_export_notice_and_roster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with as_file(files("medins_core") / "examples" / "suzhou_unit.csv") as example:
        notice, roster = tmp_path / "notice.xlsx", tmp_path / "roster.xlsx"
        code, _, err = run(capsys, "export", "notice", str(example), "--region", "320500", "--period", "2022-08",
                           "--unit-name", "=cmd|' /C calc'!A0", "--unit-no", "0012", "-o", str(notice))  # fmt: skip
        assert code == 0, err
        code, _, err = run(capsys, "export", "roster", str(example), "--region", "320500", "--period", "2022-08",
                           "-o", str(roster))  # fmt: skip
        assert code == 0, err
        _, assessed, _ = run(capsys, "assess", str(example), "--region", "320500", "--period", "2022-08",
                             "--format", "json")  # fmt: skip
    expected = json.loads(assessed)

    sheet = openpyxl.load_workbook(notice).worksheets[0]
    cells = {(c.row, c.column): c for row in sheet.iter_rows() for c in row if c.value is not None}
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "缴费通知单"
    assert values[1][1] == "=cmd|' /C calc'!A0" and cells[(2, 2)].data_type == "s"
    assert values[2][1] == "0012"
    subtotal = next(row for row in values if row[0] == "小计:")
    assert Decimal(str(subtotal[6])) == Decimal(expected["total"])
    assert (
        next(row for row in values if row[0] == "核定征集总额(大写):")[2] == expected["total_upper"]
    )
    by_line = {row[1]: row for row in values[4 : values.index(subtotal)]}
    for total in expected["totals"]:
        if Decimal(total["unit_amount"]) + Decimal(total["person_amount"]):
            row = by_line[total["name"]]
            assert (Decimal(str(row[4])), Decimal(str(row[5]))) == (
                Decimal(total["person_amount"]), Decimal(total["unit_amount"]),
            )  # fmt: skip

    lines = read_table(roster).rows
    assert len(lines) == len(expected["lines"])
    assert lines[0][1][2] == expected["lines"][0]["cert_no"]
    assert sum(Decimal(cells[9]) + Decimal(cells[10]) for _, cells in lines) == Decimal(
        expected["total"]
    )
    for path in (notice, roster):
        with zipfile.ZipFile(path) as archive:
            assert not any(
                re.search(rb"<f[ >/]", archive.read(n))
                for n in archive.namelist()
                if "worksheets" in n
            )
