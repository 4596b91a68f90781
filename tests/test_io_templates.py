"""Templates: each portal's columns, drop-downs and formats, and a template reads back as written."""

from __future__ import annotations

import datetime
from pathlib import Path

import attrs
import openpyxl
import pytest

from medins_core import plugin
from medins_core.errors import InputError
from medins_core.io.table import Table, read_table
from medins_core.io.template_files import HeaderError, match_header, parse_date, write_template
from medins_core.io.templates import (
    ETHNIC_GROUPS,
    GENERIC,
    KINDS,
    REASON_TITLE,
    Template,
    TemplateColumn,
    template_for,
)
from medins_core.io.xlsx import Kind
from medins_core.params import RegionRules
from medins_core.plugin import hookimpl
from medins_core.registry import load_registry

REGISTRY = load_registry(use_env=False)
REGIONS = sorted(r.code for r in REGISTRY)


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_template_reads_back_as_written(tmp_path: Path, region: str, kind: str) -> None:
    rules = REGISTRY.region(region)
    template = template_for(kind, rules)
    rows = [{c.field: _sample(c, i) for c in template.columns} for i in range(3)]
    path = tmp_path / f"{kind}.xlsx"
    write_template(template, path, rows, region=rules.name)
    table = read_table(path)
    assert table.header == tuple(c.header for c in template.columns)
    columns = match_header(table, template)
    assert set(columns) == {c.field for c in template.columns}
    back = [{field: cells[index] for field, index in columns.items()} for _, cells in table.rows]
    dates = {c.field for c in template.columns if c.kind is Kind.DATE}
    assert back == [{f: _normalised(v, f in dates) for f, v in row.items()} for row in rows]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:2] == [template.name, "填写说明"]
    notes = [row[0] for row in book["填写说明"].iter_rows(values_only=True)]
    assert all(c.header in notes for c in template.columns)


def _sample(column: TemplateColumn, i: int) -> str:
    if column.kind is Kind.DATE:
        return f"2022/09/{i + 1:02d}"
    if column.kind is Kind.MONEY:
        return "6000.50"
    if column.choices:
        return column.choices[i % len(column.choices)]
    return {
        "cert_no": f"32050619850312{i:03d}X",
        "start": "202209",
        "end": "202306",
        "mobile": "13812345678",
        "person_no": f"0008{i}",
    }.get(column.field, f"{column.field}{i}")


def _normalised(value: str, is_date: bool) -> str:
    # dates are written as real dates (read back in ISO form), amounts as numbers
    day = parse_date(value)
    if is_date and day is not None:
        return day.isoformat()
    return {"6000.50": "6000.5"}.get(value, value)


def test_jiangsu_enrollment_has_the_portal_header() -> None:
    # jiangsu-unit-hall-user-manual.txt 3.6.3, row 1 of the template as printed
    template = template_for("enroll", REGISTRY.region("320500"))
    assert [c.header for c in template.columns] == [
        "证件类型", "证件号码", "姓名", "性别(证件类型为居民身份证时此项不用填写)", "民族(不填默认汉族)",
        "出生日期(格式如2020/01/01证件类型为居民身份证时此项不用填写)", "国家地区代码(不填默认中国)",
        "申报工资", "本次参保日期(格式如2020/01/01; 不填默认当前时间)", "手机号码",
    ]  # fmt: skip
    assert [c.title for c in template.columns] == [
        "证件类型", "证件号码", "姓名", "性别", "民族", "出生日期", "国家地区代码", "申报工资", "本次参保日期", "手机号码",
    ]  # fmt: skip
    assert template.same_start
    assert template_for("enroll", REGISTRY.region("210200")).same_start is False


def test_liaoning_wage_declaration_columns_all_required() -> None:
    # liaoning-dalian-unit-hall-user-manual.txt 4.8.1 and 4.8.2
    template = template_for("wages", REGISTRY.region("210200"))
    assert [c.header for c in template.columns] == [
        "单位编号", "人员编号", "证件类型", "人员姓名", "证件号码", "退休状态", "开始年月", "结束年月", "原工资", "申报工资",
    ]  # fmt: skip
    assert all(c.required and c.source for c in template.columns)


def test_drop_downs_dates_and_text_columns(tmp_path: Path) -> None:
    template = template_for("enroll", REGISTRY.region("320500"))
    write_template(template, tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    sheet = book.worksheets[0]
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert sorted(lists) == ["A2", "D2", "E2"]  # 证件类型, 性别, 民族
    ethnic = book.defined_names[lists["E2"]].attr_text
    assert ethnic.endswith(f"$C$1:$C${len(ETHNIC_GROUPS)}")
    formats = {c: sheet.column_dimensions[c].number_format for c in "BFIJ"}
    assert formats == {"B": "@", "F": "yyyy/mm/dd", "I": "yyyy/mm/dd", "J": "@"}
    suspend = openpyxl.load_workbook(_written(tmp_path, "suspend", "320500")).worksheets[0]
    # 中断原因 (E) is text: no source gives a closed list of reasons
    assert {str(v.sqref) for v in suspend.data_validations.dataValidation} == {"A2:A1048576"}
    wages = openpyxl.load_workbook(_written(tmp_path, "wages", "210200")).worksheets[0]
    assert {str(v.sqref) for v in wages.data_validations.dataValidation} == {
        "C2:C1048576",
        "F2:F1048576",
    }


def _written(tmp_path: Path, kind: str, region: str) -> Path:
    path = tmp_path / f"{kind}-{region}.xlsx"
    write_template(template_for(kind, REGISTRY.region(region)), path)
    return path


def test_header_matching() -> None:
    template = template_for("enroll", REGISTRY.region("320500"))

    def table(*header: str) -> Table:
        return Table("a.xlsx", header, ())

    short = (
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
    )
    assert match_header(table(*short), template)["mobile"] == 9
    # the portal's hinted titles, a reworded hint, the failure list's reason column, another order
    assert match_header(table("手机号码", "性别（选填）", "证件号码", "姓名", "证件类型", "申报工资", REASON_TITLE), template) == {
        "mobile": 0, "gender": 1, "cert_no": 2, "name": 3, "cert_type": 4, "wage": 5,
    }  # fmt: skip
    with pytest.raises(HeaderError) as raised:
        match_header(table("证件号码", "姓名", "姓名", "工号"), template)
    codes = sorted(p.code for p in raised.value.problems)
    assert codes == [
        "duplicate_column",
        "missing_column",
        "missing_column",
        "missing_column",
        "unknown_column",
    ]
    assert all(p.file == "a.xlsx" and p.row == 1 for p in raised.value.problems)


class SuzhouSuspension:
    """A plugin with its own Suzhou suspension template."""

    template = attrs.evolve(GENERIC["suspend"], name="苏州减员模板")

    @hookimpl
    def medins_template(self, kind: str, rules: RegionRules) -> Template | None:
        return self.template if kind == "suspend" and rules.code == "320500" else None


def test_a_plugin_answer_wins_over_the_generic_template() -> None:
    assert template_for("suspend", REGISTRY.region("320500")) is GENERIC["suspend"]
    registry = load_registry(plugins=[SuzhouSuspension()], use_env=False)
    suzhou = registry.region("320500")
    assert template_for("suspend", suzhou) is SuzhouSuspension.template
    assert template_for("suspend", registry.region("320800")) is GENERIC["suspend"]
    assert template_for("enroll", suzhou).same_start  # Jiangsu still answers enroll
    assert template_for("suspend") is GENERIC["suspend"]
    with pytest.raises(InputError):
        template_for("transfer", suzhou)


def test_the_template_hook_is_specified_and_takes_the_first_answer() -> None:
    assert REGISTRY.plugin_manager.hook.medins_template.spec is not None
    assert plugin.medins_template.medins_spec["firstresult"]  # type: ignore[attr-defined]


def test_every_column_has_a_source() -> None:
    templates = [template_for(kind, region) for region in REGISTRY for kind in KINDS]
    for template in (*GENERIC.values(), *templates):
        assert template.source
        assert all(c.source for c in template.columns), template.name


def test_parse_date() -> None:
    assert (
        parse_date("2022/09/01")
        == parse_date("2022-9-1")
        == parse_date("20220901")
        == datetime.date(2022, 9, 1)
    )
    assert parse_date("2022.09.01") == datetime.date(2022, 9, 1)
    assert parse_date("2022/02/30") is None
    assert parse_date("9/1/2022") is None


@pytest.mark.parametrize(("kind", "whose"), [("wages", "网厅要求"), ("enroll", "medins 的安全限制"), ("suspend", "medins 的安全限制")])
def test_the_size_note_says_whose_limit_it_is(tmp_path: Path, kind: str, whose: str) -> None:
    book = openpyxl.load_workbook(_written(tmp_path, kind, "320500"))
    notes = book["填写说明"]
    first = str(notes.cell(1, 1).value)
    assert "文件不超过 10 MB" in first and whose in first
