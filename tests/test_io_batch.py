"""Checked batch uploads: every row answered, related rows checked together, failures re-uploadable."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import openpyxl
import pytest

from medins_core.errors import InputError
from medins_core.io.batch import BatchOptions, BatchResult, check_file, failure_rows, write_failures
from medins_core.io.table import read_table
from medins_core.io.template_files import write_template
from medins_core.io.templates import REASON_TITLE, template_for
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id

REGISTRY = load_registry(use_env=False)
TODAY = datetime.date(2022, 9, 15)
ENROLL_HEADER = [
    "证件类型",
    "证件号码",
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "国家地区代码",
    "申报工资",
    "本次参保日期",
    "手机号码",
]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows(rows)
    return path


def _person(i: int, *, start: str = "2022/09/01", born: str = "") -> list[str]:
    # a birthday per row keeps the numbers apart; men (odd sequence) born from 1970 are under
    # the Jiangsu age limit (men 60, women 50)
    birth = born or (datetime.date(1970, 1, 1) + datetime.timedelta(days=i % 10_000)).strftime(
        "%Y%m%d"
    )
    cert_no = make_resident_id("320506", birth, 1 + 2 * (i // 10_000))
    return ["居民身份证(户口簿)", cert_no, f"职工{i}", "", "", "", "", "6000", start, f"138{i:08d}"]


def _check(
    path: Path, kind: str = "enroll", region: str = "320500", **options: object
) -> BatchResult:
    return check_file(
        kind, path, region=REGISTRY.region(region), today=TODAY,
        options=BatchOptions(**options),  # type: ignore[arg-type]
    )  # fmt: skip


def _codes(result: BatchResult) -> dict[int, list[str]]:
    return {r.row: [p.code for p in r.problems if p.is_error] for r in result.failed}


def test_enrollment_rows_pass_and_fail_with_every_reason(tmp_path: Path) -> None:
    bad_id = _person(1)
    bad_id[1] = bad_id[1][:-1] + ("0" if bad_id[1][-1] != "0" else "1")
    bad_cells = _person(2)
    bad_cells[4], bad_cells[7], bad_cells[8], bad_cells[9] = "汉", "六千", "2022/13/01", "1381234"
    passport = ["护照", "E12345678", "John Smith", "", "", "", "美国", "8000", "", "13912345678"]
    old = _person(4, born="19600101")
    path = _csv(
        tmp_path / "in.csv",
        [ENROLL_HEADER, _person(0), bad_id, bad_cells, passport, old, _person(5)],
    )
    result = _check(path)
    assert [r.row for r in result.rows] == [2, 3, 4, 5, 6, 7]
    assert [r.row for r in result.passed] == [2, 7]
    assert _codes(result) == {
        3: ["invalid_cert_no"],
        4: ["invalid_choice", "invalid_date", "invalid_amount", "invalid_mobile"],
        5: ["missing_field", "missing_field"],  # 出生日期 and 性别 for a passport
        6: ["age_limit"],
    }
    row4 = result.failed[1]
    assert [result.column_title(p.field) for p in row4.problems] == [
        "民族",
        "本次参保日期",
        "申报工资",
        "手机号码",
    ]
    # messages mask the numbers, the data keeps them
    message = result.failed[0].problems[0].message
    assert "**********" in message and bad_id[1] not in message
    assert result.values(result.failed[0])["cert_no"] == bad_id[1]


def test_related_rows_are_checked_together(tmp_path: Path) -> None:
    twice = _person(1)
    august = _person(3, start="2022/08/01")
    rows = [ENROLL_HEADER, _person(0), twice, _person(2), twice, august]
    result = _check(_csv(tmp_path / "in.csv", rows))
    assert _codes(result) == {
        3: ["duplicate_person"],
        5: ["duplicate_person"],
        6: ["mixed_start_month"],
    }
    assert "第 5 行" in result.failed[0].problems[0].message
    assert "2022-09" in result.failed[2].problems[0].message
    # Dalian does not ask for one start month per batch
    dalian = _check(_csv(tmp_path / "dl.csv", [ENROLL_HEADER, _person(0), august]), region="210200")
    assert _codes(dalian) == {}


def test_the_failure_list_reads_back_and_checks_again(tmp_path: Path) -> None:
    bad = _person(1)
    bad[7] = "-5"
    source = tmp_path / "in.xlsx"
    rows = [
        dict(
            zip(
                (
                    "cert_type",
                    "cert_no",
                    "name",
                    "gender",
                    "ethnicity",
                    "birth",
                    "country",
                    "wage",
                    "start",
                    "mobile",
                ),
                r,
            )
        )
        for r in (_person(0), bad, _person(2))
    ]
    write_template(template_for("enroll", REGISTRY.region("320500")), source, rows)
    result = _check(source)
    assert _codes(result) == {3: ["invalid_wage"]}
    out = tmp_path / "failures.xlsx"
    write_failures(result, out)
    table = read_table(out)
    assert table.header[-1] == REASON_TITLE
    assert [cells[:3] for _, cells in table.rows] == [tuple(bad[:3])]
    reason = table.rows[0][1][len(table.header) - 1]
    assert reason.startswith("原第 3 行：申报工资：") and "应大于0" in reason
    assert table.rows[0][1][1] == bad[1]  # the full number, as text
    again = _check(out)  # the reason column is ignored: fix the cells, upload again
    assert _codes(again) == {2: ["invalid_wage"]}
    assert failure_rows(again)[0]["cert_no"] == bad[1]


def test_a_bad_row_in_the_middle_of_twenty_thousand_loses_nothing(tmp_path: Path) -> None:
    template = template_for("enroll", REGISTRY.region("320500"))
    fields = [c.field for c in template.columns]
    rows = [dict(zip(fields, _person(i))) for i in range(20_000)]
    rows[9_999]["mobile"] = "12345"
    rows[10_000]["cert_no"] = ""
    path = tmp_path / "big.xlsx"
    write_template(template, path, rows)
    result = _check(path)
    assert len(result.rows) == 20_000 and result.rows[-1].row == 20_001
    assert _codes(result) == {10_001: ["invalid_mobile"], 10_002: ["missing_field"]}


def test_an_id_typed_as_a_number_fails_only_its_row(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(ENROLL_HEADER)
    book.active.append(_person(0))
    number = _person(1)
    assert number[1].isdigit()
    book.active.append([number[0], int(number[1]), *number[2:]])  # shown as 3.20506E+17
    book.active.append(_person(3))
    book.save(tmp_path / "n.xlsx")
    result = _check(tmp_path / "n.xlsx")
    assert _codes(result) == {3: ["number_as_text"]}
    assert result.failed[0].problems[0].field == "cert_no"


def test_a_row_the_checks_cannot_handle_is_that_rows_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from medins_core.io.batch_rows import RowParser
    from medins_core.region import Region

    real = Region.check
    # every row through region.check, not only those the column checks cannot vouch for
    monkeypatch.setattr(RowParser, "passing", lambda *args, **kwargs: None)

    def fragile(self, request, **kwargs):  # type: ignore[no-untyped-def]
        if request.name == "职工1":
            raise InputError("unusable_row", "本行无法处理", field="name")
        return real(self, request, **kwargs)

    monkeypatch.setattr(Region, "check", fragile)
    result = _check(_csv(tmp_path / "in.csv", [ENROLL_HEADER, _person(0), _person(1), _person(2)]))
    assert _codes(result) == {3: ["unusable_row"]}


def test_liaoning_wage_declaration(tmp_path: Path) -> None:
    header = [
        "单位编号",
        "人员编号",
        "证件类型",
        "人员姓名",
        "证件号码",
        "退休状态",
        "开始年月",
        "结束年月",
        "原工资",
        "申报工资",
    ]
    a, b = make_resident_id("210202", "19850312", 1), make_resident_id("210202", "19900101", 3)

    def row(cert_no: str, start: str, end: str, wage: str = "6000") -> list[str]:
        return [
            "210000210200123",
            "P1",
            "居民身份证(户口簿)",
            "张三",
            cert_no,
            "在职",
            start,
            end,
            "5000",
            wage,
        ]

    rows = [header, row(a, "202207", "202212"), row(a, "202301", "202306"), row(b, "202207", "202306", ""),
            row(b, "202207", "202306"), row(b, "", "202306")]  # fmt: skip
    result = _check(_csv(tmp_path / "w.csv", rows), kind="wages", region="210200")
    # a's two rows do not overlap; b's three do, and two lack a wage or a start month
    assert _codes(result) == {
        4: ["missing_field", "duplicate_person"],
        5: ["duplicate_person"],
        6: ["missing_field", "duplicate_person"],
    }
    assert result.rows[3].problems[-1].message.endswith("另见第 4、6 行")
    assert result.rows[2].problems[0].message == "工资不能为空"


def test_jiangsu_wages_blank_means_unchanged(tmp_path: Path) -> None:
    header = ["人员编号", "证件类型", "证件号码", "人员姓名", "人员状态", "工资(若有变动请修改)"]
    a, b = make_resident_id("320826", "19940126", 1), make_resident_id("320826", "19900101", 3)
    rows = [
        header,
        ["1", "居民身份证(户口簿)", a, "高", "在职", ""],
        ["2", "居民身份证(户口簿)", b, "李", "在职", "7000"],
    ]
    result = _check(_csv(tmp_path / "w.csv", rows), kind="wages", region="320800")
    assert not result.failed
    assert [p.code for p in result.rows[0].problems] == ["not_declared"]


def test_suspension(tmp_path: Path) -> None:
    header = ["证件类型", "证件号码", "姓名", "中断时间", "中断原因", "备注"]
    a, b = make_resident_id("320506", "19850312", 1), make_resident_id("320506", "19900101", 3)
    rows = [header, ["居民身份证(户口簿)", a, "张三", "2022/08/31", "辞退除名", ""],
            ["居民身份证(户口簿)", b, "李四", "2022/07/31", "跳槽", ""]]  # fmt: skip
    result = _check(_csv(tmp_path / "s.csv", rows), kind="suspend")
    # 中断原因 is free text: the sources list no closed drop-down ("跳槽" is a reason too)
    assert _codes(result) == {3: ["suspend_date_not_month_end"]}


@pytest.mark.parametrize("region", ["320500", "320700", "320800", "210200", "130200", "410000"])
def test_a_suspension_reason_is_free_text_everywhere(tmp_path: Path, region: str) -> None:
    header = ["证件类型", "证件号码", "姓名", "中断时间", "中断原因", "备注"]
    a = make_resident_id("320506", "19850312", 1)
    rows = [header, ["居民身份证(户口簿)", a, "张三", "2022/08/31", "解除劳动关系", ""]]
    result = _check(_csv(tmp_path / "s.csv", rows), kind="suspend", region=region)
    assert "invalid_choice" not in [p.code for r in result.rows for p in r.problems]


def test_dalian_shows_its_own_open_list_of_reasons() -> None:
    dalian = REGISTRY.region("210200").template("suspend").column("reason")
    suzhou = REGISTRY.region("320500").template("suspend").column("reason")
    assert dalian is not None and suzhou is not None
    assert dalian.choices == () == suzhou.choices
    assert dalian.note == "如: 入伍入学、辞退除名、劳改劳教、终止（解除）劳动关系等原因 (可填写其他原因)"
    assert "4.7" in dalian.source and "入伍入学" not in suzhou.note


def test_lines_are_needed_where_the_region_has_no_default(tmp_path: Path) -> None:
    path = _csv(tmp_path / "in.csv", [ENROLL_HEADER, _person(0)])
    with pytest.raises(InputError) as raised:
        _check(path, region="410000")
    assert raised.value.code == "missing_lines"
    assert not _check(path, region="410000", insurance=("310",)).failed


def test_json_contract(tmp_path: Path) -> None:
    bad = _person(1)
    bad[9] = ""
    result = _check(_csv(tmp_path / "in.csv", [ENROLL_HEADER, _person(0), bad]))
    data = result.to_json()
    assert {k: data[k] for k in ("kind", "region", "rows")} == {
        "kind": "enroll",
        "region": "320500",
        "rows": 2,
    }
    assert data["passed"] == [{"row": 2, "values": data["passed"][0]["values"], "warnings": []}]  # type: ignore[index]
    (failed,) = data["failed"]  # type: ignore[misc]
    assert failed["row"] == 3
    assert failed["problems"] == [
        {
            "code": "missing_field",
            "field": "mobile",
            "column": "手机号码",
            "message": "手机号码不能为空",
            "severity": "error",
        }
    ]


@pytest.mark.parametrize(("day", "codes"), [("2022/09/30", []), ("2022/09/15", ["suspend_date_not_month_end"]),
                                            ("", ["missing_field"])])  # fmt: skip
def test_the_batch_interruption_date_is_the_strict_end_date(tmp_path: Path, day: str, codes: list[str]) -> None:
    """中断时间 is 减员时间: a month end in Jiangsu, and required; 变更时间 is the upload's day."""
    header = ["证件类型", "证件号码", "姓名", "中断时间", "中断原因", "备注"]
    a = make_resident_id("320506", "19850312", 1)
    result = _check(_csv(tmp_path / "s.csv", [header, ["居民身份证(户口簿)", a, "张三", day, "辞退除名", ""]]), kind="suspend")
    found = [(p.code, p.field) for p in result.rows[0].problems if p.is_error]
    assert found == [(code, "end_date") for code in codes]


def test_a_batch_row_gets_the_regions_own_wording_and_the_rules_of_its_day(tmp_path: Path) -> None:
    """A row of a file is checked as the API checks a request (region.check): the region's
    ``messages`` wording, and each rule as in force on the day of the check."""
    from medins_core.datafile import Rule, Status
    from medins_core.period import Period
    from medins_core.registry import load_registry

    region = load_registry(use_env=False).region("320500")  # a registry of this test's own
    region.rules.rules["messages"] = (Rule("messages", {"start_too_early": "参保日期过早"}, "test", Status.VERIFIED),)
    region.rules.rules["enroll_backdate_months"] = (
        Rule("enroll_backdate_months", 1, "test", Status.VERIFIED, end=Period(2022, 8)),
        Rule("enroll_backdate_months", 12, "test", Status.VERIFIED, start=Period(2022, 9)),
    )
    path = _csv(tmp_path / "in.csv", [ENROLL_HEADER, _person(0, start="2022/03/01")])
    found = check_file("enroll", path, region=region, today=TODAY)  # 2022-09: 12 months back
    assert not found.failed
    found = check_file("enroll", path, region=region, today=datetime.date(2022, 8, 15))
    [problem] = [p for p in found.failed[0].problems if p.code == "start_too_early"]
    assert problem.message == "参保日期过早"
