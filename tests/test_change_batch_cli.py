"""Changes and attachments end to end: the change template, ``check change``, ``check attachment``."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import attrs
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from _images import PDF, jpeg, png

from medins_core.cli import main
from medins_core.io.attachment_files import HEAD_BYTES, read_attachment
from medins_core.io.batch import BatchOptions, check_file, check_table
from medins_core.io.change_rows import item_field
from medins_core.io.table import read_table
from medins_core.operations import ChangeRequest, PersonRecord, UnitRecord
from medins_core.registry import load_registry

REGISTRY = load_registry(use_env=False)
TODAY = datetime.date(2024, 3, 1)
ID = "11010519491231002X"
HEADER = ["变更对象", "变更类型", "证件号码", "统一社会信用代码", "名称", "变更项目", "原值", "新值", "附件"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _files(folder: Path) -> None:
    (folder / "form.jpg").write_bytes(jpeg(1240, 1754))
    (folder / "fake.jpg").write_bytes(PDF)
    (folder / "scan.png").write_bytes(png(800, 600))


def _sheet(path: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, *rows]:
        sheet.append(row)
    book.save(path)
    return path


ROWS = [
    ["职工", "关键信息变更", ID, "", "张三", "姓名", "张三", "张四", "form.jpg"],  # 2 passes
    ["职工", "关键信息变更", ID, "", "张三", "姓名", "张三", "张四", ""],  # 3 no form
    ["职工", "关键信息变更", ID, "", "张三", "姓名", "张三", "张四", "fake.jpg"],  # 4 renamed PDF
    ["职工", "非关键信息变更", ID, "", "张三", "手机号码", "13812345678", "1391234567", ""],  # 5
    ["单位", "关键信息变更", "", "91350100M000100Y43", "某公司", "统一社会信用代码", "91350100M000100Y43", "91350100M000100Y4X", "form.jpg"],  # 6
    ["单位", "", "", "91350100M000100Y43", "某公司", "鞋码", "1", "2", ""],  # 7
    ["公司", "", "", "", "某公司", "单位名称", "1", "2", ""],  # 8
    ["职工", "非关键信息变更", ID, "", "张三", "学历", "", "硕士研究生", "missing.jpg"],  # 9
    ["职工", "非关键信息变更", "", "", "张三", "学历", "", "硕士研究生", ""],  # 10 no ID
    ["单位", "非关键信息变更", "", "91350100M000100Y43", "某公司", "单位通讯地址", "郑州", "开封", "scan.png"],  # 11
]
ERRORS = {
    3: ["attachment_missing"],
    4: ["attachment_type_mismatch", "attachment_format"],
    5: ["invalid_mobile"],
    6: ["field_not_editable"],
    7: ["unknown_change_item"],
    8: ["invalid_choice"],
    9: ["attachment_not_found"],
    10: ["missing_field"],
}


def test_a_change_batch_answers_every_row_as_the_api_does(tmp_path: Path) -> None:
    _files(tmp_path)
    result = check_file("change", _sheet(tmp_path / "c.xlsx", ROWS), region=REGISTRY.region("410000"), today=TODAY)
    assert {r.row: [p.code for p in r.problems if p.is_error] for r in result.failed} == ERRORS
    assert [r.row for r in result.passed] == [2, 11]
    # the row's request is the one-field change the API would get, with the same verdict
    request = result.rows[0].request
    assert isinstance(request, ChangeRequest) and request.kind == "key"
    assert (request.old, request.new) == (PersonRecord(cert_no=ID, name="张三"), PersonRecord(cert_no=ID, name="张四"))
    assert [a.name for a in request.attachments] == ["form.jpg"]
    api = REGISTRY.region("410000").check(request, today=TODAY)
    assert [p.code for p in api] == [p.code for p in result.rows[0].problems]
    unit = result.rows[9].request
    assert isinstance(unit, ChangeRequest) and unit.attachments[0].kind == "material"


def test_attachments_come_from_the_folder_given(tmp_path: Path) -> None:
    elsewhere = tmp_path / "scans"
    elsewhere.mkdir()
    _files(elsewhere)
    sheet = _sheet(tmp_path / "c.xlsx", ROWS[:1])
    region = REGISTRY.region("410000")
    assert check_file("change", sheet, region=region, today=TODAY).failed
    found = check_file("change", sheet, region=region, today=TODAY, options=BatchOptions(attachments_dir=elsewhere))
    assert not found.failed


def test_items_are_named_by_label_or_field() -> None:
    assert item_field(PersonRecord, "手机号码") == item_field(PersonRecord, " mobile ") == "mobile"
    assert item_field(UnitRecord, "单位通讯地址") == "address"
    assert item_field(UnitRecord, "手机号码") is None and item_field(PersonRecord, "uscc") is None


def test_check_change_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _files(tmp_path)
    template = tmp_path / "t.xlsx"
    assert run(capsys, "template", "change", "--region", "410000", "-o", str(template))[0] == 0
    header = [c.value for c in openpyxl.load_workbook(template).worksheets[0][1]]
    assert header[:2] == ["变更对象", "变更类型"] and "附件" in header
    sheet = _sheet(tmp_path / "c.xlsx", ROWS)
    code, out, _ = run(capsys, "check", "change", str(sheet), "--region", "410000", "--today", "2024-03-01", "--format", "json")
    answer = json.loads(out)
    assert code == 1 and [r["row"] for r in answer["passed"]] == [2, 11]
    assert {r["row"]: [p["code"] for p in r["problems"] if p["severity"] == "error"] for r in answer["failed"]} == ERRORS
    code, out, _ = run(capsys, "check", "change", str(_sheet(tmp_path / "ok.xlsx", [ROWS[0]])), "--region", "410000")
    assert code == 0 and "通过 1 行" in out and ID not in out
    code, _, err = run(capsys, "check", "change", str(sheet), str(sheet), "--region", "410000")
    assert code == 2 and "too_many_files" in err


def test_check_attachment_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _files(tmp_path)
    form, fake, scan = (str(tmp_path / n) for n in ("form.jpg", "fake.jpg", "scan.png"))
    code, out, _ = run(capsys, "check", "attachment", form, scan, "--region", "410000", "--for", "person_key")
    assert code == 0 and "1240×1754" in out and "800×600" in out
    code, out, _ = run(capsys, "check", "attachment", form, fake, "--region", "410000", "--format", "json")
    answer = json.loads(out)
    assert code == 1 and not answer["passed"]
    assert [f["format"] for f in answer["files"]] == ["jpeg", "pdf"]
    assert [p["code"] for p in answer["files"][1]["problems"]] == ["attachment_type_mismatch", "attachment_format"]
    # the same PDF renamed is refused even where no format is prescribed
    assert run(capsys, "check", "attachment", fake, "--region", "320500")[0] == 1
    code, out, _ = run(capsys, "check", "attachment", scan, "--region", "410000", "--for", "unit_key", "--kind", "material", "--format", "json")
    assert code == 1 and [p["code"] for p in json.loads(out)["missing"]] == ["attachment_missing"]
    assert run(capsys, "check", "attachment", form, "--region", "320500", "--for", "unit_key")[0] == 0
    code, _, err = run(capsys, "check", "attachment", str(tmp_path / "none.jpg"), "--region", "410000")
    assert code == 2 and "file_not_found" in err
    code, _, err = run(capsys, "check", "attachment", str(tmp_path), "--region", "410000")
    assert code == 2 and "not_a_file" in err


def test_an_over_limit_file_is_read_only_to_its_head(tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(png(100, 100) + b"\0" * (HEAD_BYTES + 10))
    attachment = read_attachment(big, max_bytes=1024)
    assert len(attachment.content) == HEAD_BYTES and attachment.byte_size == big.stat().st_size
    whole = read_attachment(big, max_bytes=big.stat().st_size)
    assert whole.content == big.read_bytes()


ITEMS = [("职工", "手机号码"), ("职工", "姓名"), ("职工", "证件号码"), ("职工", "学历"), ("单位", "统一社会信用代码"),
         ("单位", "单位账号"), ("单位", "法定代表人手机号"), ("单位", "单位通讯地址")]


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(ITEMS),
    st.sampled_from(["", "关键信息变更", "非关键信息变更"]),
    st.sampled_from(["", "13812345678", "1381234567", ID, "91350100M000100Y43", "某值"]),
    st.sampled_from(["", "13912345678", "110105194912310021", "91350100M000100Y4X", "新值"]),
    st.sampled_from(["410000", "320500", "210200"]),
)
def test_a_row_and_the_same_change_through_the_api_get_one_verdict(
    item: tuple[str, str], kind: str, old: str, new: str, code: str
) -> None:
    subject, label = item
    identity = ["", "91350100M000100Y43"] if subject == "单位" else [ID, ""]
    row = [subject, kind, *identity, "名称", label, old, new, ""]
    text = "\n".join(",".join(r) for r in (HEADER, row)).encode("utf-8")
    region = REGISTRY.region(code)
    result = check_table("change", read_table(text, name="c.csv"), region=region, today=TODAY)
    [answer] = result.rows
    record = UnitRecord if subject == "单位" else PersonRecord
    field = item_field(record, label)
    assert field is not None
    base = record(uscc=identity[1], name="名称") if record is UnitRecord else record(cert_no=identity[0], name="名称")
    request = ChangeRequest(
        attrs.evolve(base, **{field: old}), attrs.evolve(base, **{field: new}),
        kind={"": None, "关键信息变更": "key", "非关键信息变更": "non_key"}[kind],
    )  # fmt: skip
    assert answer.request == request
    assert [(p.code, p.field) for p in answer.problems] == [(p.code, p.field) for p in region.check(request, today=TODAY)]


@pytest.mark.parametrize("name", ["../form.jpg", "/etc/hostname", "sub/form.jpg", "..", "sub\\form.jpg"])
def test_an_attachment_cell_names_a_file_in_the_folder_never_a_path(tmp_path: Path, name: str) -> None:
    inner = tmp_path / "batch"
    (inner / "sub").mkdir(parents=True)
    _files(tmp_path)
    _files(inner / "sub")
    row = ["职工", "关键信息变更", ID, "", "张三", "姓名", "张三", "张四", name]
    result = check_file("change", _sheet(inner / "c.xlsx", [row]), region=REGISTRY.region("410000"), today=TODAY)
    assert [p.code for p in result.rows[0].problems if p.is_error] == ["attachment_not_found", "attachment_missing"]
