"""The medins command: the main job end to end, and refusals that print no partial result."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from medins_core.cli import main
from medins_core.testing import make_resident_id


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def roster(tmp_path: Path, rows: list[list[str]], header: tuple[str, ...] = ("证件号码", "姓名", "缴费工资")) -> Path:
    path = tmp_path / "roster.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_demo_prints_the_notice(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo")
    assert code == 0
    assert "缴费通知单" in out and "核定征集总额(大写)" in out
    data = json.loads(run(capsys, "demo", "--format", "json")[1])
    assert data["region"] == "320500" and data["persons"] == 12
    assert data["total"] == out.split("核定征集总额: ")[1].split()[0]


def test_assess_json_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = roster(tmp_path, [[make_resident_id(sequence=1), "张三", "5737"]])
    code, out, err = run(capsys, "assess", str(path), "--region", "320800", "--period", "2021-01",
                         "--to", "2021-02", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"region", "periods", "persons", "lines", "totals", "total", "total_upper", "warnings"}
    assert data["periods"] == ["202101", "202102"]
    basic = next(t for t in data["totals"] if t["insurance"] == "310")
    assert set(basic) == {"insurance", "name", "persons", "unit_base", "unit_amount", "person_base",
                          "person_amount", "account_transfer"}
    assert (basic["unit_amount"], basic["person_amount"], basic["unit_base"]) == ("917.92", "229.48", "11474.00")
    assert data["total"] == "1266.66"
    assert data["total_upper"] == "壹仟贰佰陆拾陆圆陆角陆分"


def test_assess_notice_names_the_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = roster(tmp_path, [[make_resident_id(sequence=1), "张三", "7800"]])
    code, out, _ = run(capsys, "assess", str(path), "--region", "320700", "--period", "2022-07",
                       "--unit-name", "连云港某医院", "--unit-no", "3207001")
    assert code == 0 and "单位名称: 连云港某医院" in out and "单位编号: 3207001" in out
    assert "核定征集总额: 786.00" in out  # 156.00 + 546.00 + 78.00 + 6.00


def test_assess_csv_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = roster(tmp_path, [[make_resident_id(sequence=1), "张三", "7800"]])
    code, out, _ = run(capsys, "assess", str(path), "--region", "320700", "--period", "202207", "--format", "csv")
    rows = list(csv.DictReader(out.splitlines()))
    assert code == 0 and len(rows) == 3
    assert {r["insurance"]: r["unit_amount"] for r in rows} == {"310": "546.00", "330": "6.00", "510": "78.00"}


@pytest.mark.parametrize(
    ("rows", "header", "code", "needle"),
    [
        ([["x", "张三", "5000"]], ("姓名", "缴费工资"), "missing_column", "证件号码"),
        ([[make_resident_id()[:-1] + "0", "张三", "5000"]], ("证件号码", "姓名", "缴费工资"), "invalid_cert_no", "第 2 行"),
        ([[make_resident_id(), "张三", "五千"]], ("证件号码", "姓名", "缴费工资"), "invalid_wage", "列「缴费工资」"),
        ([[make_resident_id(), "张三", "-1"]], ("证件号码", "姓名", "缴费工资"), "invalid_wage", "第 2 行"),
        ([[make_resident_id(), "张三", "5000"], [make_resident_id(), "张三", "5000"]],
         ("证件号码", "姓名", "缴费工资"), "duplicate_person", "第 3 行"),
    ],
)
def test_bad_roster_exits_2_with_file_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[list[str]], header: tuple[str, ...],
    code: str, needle: str,
) -> None:
    path = roster(tmp_path, rows, header)
    status, out, err = run(capsys, "assess", str(path), "--region", "320500", "--period", "2022-08")
    assert status == 2 and out == ""
    assert code in err and needle in err and str(path) in err
    assert make_resident_id() not in err  # ID numbers are masked in messages


def test_unknown_region_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = roster(tmp_path, [[make_resident_id(), "张三", "5000"]])
    status, out, err = run(capsys, "assess", str(path), "--region", "999999", "--period", "2022-08")
    assert (status, out) == (2, "") and "unknown_region" in err


def test_unknown_rates_exit_2_saying_how_to_supply_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = roster(tmp_path, [[make_resident_id(), "张三", "5000"]])
    status, out, err = run(capsys, "assess", str(path), "--region", "210200", "--period", "2023-01")
    assert (status, out) == (2, "") and "parameter_unknown" in err and "--params" in err


def test_regions_and_rates(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "regions", "--format", "json")
    regions = {r["code"]: r for r in json.loads(out)}
    assert regions["320800"]["data_years"] == "2009–2022" and regions["320800"]["status"] == "provisional"
    assert regions["410000"]["status"] == "no rates" and regions["130200"]["aliases"] == {"130283": "迁安市"}
    code, out, _ = run(capsys, "rates", "--region", "320500", "--period", "2022-08", "--format", "json")
    values = {(v["insurance"], v["parameter"]): v for v in json.loads(out)["values"]}
    assert values[("510", "unit_rate")]["value"] == "0.008"
    assert "jiangsu-suzhou-unit-hall-training.txt" in values[("510", "unit_rate")]["source"]
    assert values[("310", "unit_transfer_rate")]["value"] is None
    code, out, _ = run(capsys, "rates", "--region", "320500", "--period", "2022-08")
    assert code == 0 and "未知" in out and "0.008" in out


def test_xlsx_roster_with_numeric_id_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["证件号码", "姓名", "缴费工资"])
    sheet.append([float(make_resident_id(sequence=2)), "李四", 5000])
    path = tmp_path / "r.xlsx"
    book.save(path)
    status, out, err = run(capsys, "assess", str(path), "--region", "320500", "--period", "2022-08")
    assert (status, out) == (2, "") and "number_as_text" in err and "第 2 行" in err


def test_xlsx_roster_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["cert_no", "name", "wage", "lines"])
    sheet.append([make_resident_id(sequence=2), "李四", 7800, "310,生育保险"])
    path = tmp_path / "r.xlsx"
    book.save(path)
    status, out, _ = run(capsys, "assess", str(path), "--region", "320700", "--period", "2022-07", "--format", "json")
    assert status == 0
    assert {t["insurance"]: t["unit_amount"] for t in json.loads(out)["totals"]} == {"310": "546.00", "510": "78.00"}


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_bulk_engine_prints_what_the_reference_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    pytest.importorskip("pyarrow")
    rows = [[make_resident_id(sequence=i), f"职工{i}", f"{4000 + i * 123}.4{i % 10}"] for i in range(40)]
    path = roster(tmp_path, rows)
    argv = ["assess", str(path), "--region", "320800", "--period", "2021-06", "--to", "2021-08", "--format", fmt]
    reference = run(capsys, *argv)
    assert run(capsys, *argv, "--engine", "bulk")[:2] == reference[:2]
    for threads in ("1", "3"):  # no other thread; one reading ahead and two assessing
        assert run(capsys, *argv, "--engine", "bulk", "--threads", threads)[:2] == reference[:2]


def test_threads_are_a_whole_number_for_the_bulk_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = roster(tmp_path, [[make_resident_id(sequence=1), "职工", "5000"]])
    argv = ["assess", str(path), "--region", "320500", "--period", "2022-08"]
    for bad in ("0", "-1", "two"):
        with pytest.raises(SystemExit) as refused:
            main([*argv, "--engine", "bulk", "--threads", bad])
        assert refused.value.code == 2 and "线程数应为不小于 1 的整数" in capsys.readouterr().err
    status, out, err = run(capsys, *argv, "--threads", "2")
    assert (status, out) == (2, "") and "[threads_without_bulk]" in err


def test_bulk_engine_csv_equals_the_reference(tmp_path: Path) -> None:
    # in a subprocess: the bulk engine writes CSV bytes to the binary stdout, past capsys
    pytest.importorskip("pyarrow")
    import subprocess
    import sys

    rows = [[make_resident_id(sequence=i), f"职工{i}", f"{5000 + i}.05"] for i in range(25)]
    path = roster(tmp_path, rows)
    argv = [sys.executable, "-m", "medins_core.cli", "assess", str(path), "--region", "320500",
            "--period", "2022-08", "--format", "csv"]
    reference = subprocess.run(argv, capture_output=True, check=True).stdout
    bulk = subprocess.run([*argv, "--engine", "bulk"], capture_output=True, check=True).stdout
    assert bulk == reference and reference.count(b"\n") == 25 * 6 + 1
