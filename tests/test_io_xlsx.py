"""The XLSX writer: values come back as written, strings never become formulas, writes are atomic."""

from __future__ import annotations

import datetime
import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from medins_core.io.table import CalamineWorkbook, read_table
from medins_core.io.xlsx import Column, Kind, Sheet, Value, column_letter, write_xlsx

COLUMNS = (
    Column("证件类型", choices=("居民身份证(户口簿)", "护照")),
    Column("证件号码"),
    Column("姓名"),
    Column("日期", Kind.DATE),
    Column("工资", Kind.MONEY),
)
DANGEROUS = ['=HYPERLINK("http://x","y")', "+1+2", "-3+4", "@SUM(A1)", "=cmd|' /C calc'!A0"]


def _formula_elements(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and re.search(rb"<f[ >/]", archive.read(name))
        ]


def test_strings_that_look_like_formulas_stay_text(tmp_path: Path) -> None:
    rows: list[Sequence[Value]] = [[c.title for c in COLUMNS]]
    rows += [["护照", text, text, None, None] for text in DANGEROUS]
    path = tmp_path / "a.xlsx"
    write_xlsx(path, [Sheet("人员", rows, COLUMNS)])
    assert _formula_elements(path) == []
    sheet = openpyxl.load_workbook(path).worksheets[0]
    for number, text in enumerate(DANGEROUS, start=2):
        cell = sheet.cell(number, 2)
        assert (cell.value, cell.data_type) == (text, "s")
    assert [row[1] for _, row in read_table(path).rows] == DANGEROUS


def test_ids_and_phones_stay_text_and_values_keep_their_types(tmp_path: Path) -> None:
    rows: list[Sequence[Value]] = [
        [c.title for c in COLUMNS],
        [
            "居民身份证(户口簿)",
            "012345678901234567",
            "张三",
            datetime.date(2022, 9, 1),
            Decimal("6000.50"),
        ],
        ["", "13812345678", " 前后空格 ", None, 7],
        ["", "a\x01b<&>", "", "", ""],
    ]
    path = tmp_path / "b.xlsx"
    write_xlsx(path, [Sheet("人员", rows, COLUMNS)])
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet["B2"].value == "012345678901234567" and sheet["B2"].number_format == "@"
    assert (
        sheet["D2"].value == datetime.datetime(2022, 9, 1)
        and sheet["D2"].number_format == "yyyy/mm/dd"
    )
    assert sheet["E2"].value == 6000.5 and sheet["E2"].number_format == "0.00"
    assert sheet["B3"].value == "13812345678"
    assert sheet["C3"].value == " 前后空格 "
    # a control character XML cannot carry is written as OOXML's _x0001_, which Excel decodes
    if CalamineWorkbook is not None:
        assert read_table(path, engine="calamine").rows[2] == (4, ("", "a\x01b<&>"))
    assert sheet["E3"].value == 7
    assert sheet.freeze_panes == "A2"
    assert read_table(path).rows[0] == (
        2,
        ("居民身份证(户口簿)", "012345678901234567", "张三", "2022-09-01", "6000.5"),
    )


def test_drop_down_lists_live_on_a_hidden_sheet(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    write_xlsx(path, [Sheet("人员", [[c.title for c in COLUMNS]], COLUMNS)])
    book = openpyxl.load_workbook(path)
    assert [(s.title, s.sheet_state) for s in book.worksheets] == [
        ("人员", "visible"),
        ("选项", "hidden"),
    ]
    (validation,) = book.worksheets[0].data_validations.dataValidation
    assert (validation.type, str(validation.sqref), validation.formula1) == (
        "list",
        "A2:A1048576",
        "medins_list_1",
    )
    assert book.defined_names["medins_list_1"].attr_text == "'选项'!$A$1:$A$2"
    assert [c.value for c in book["选项"]["A"]] == ["居民身份证(户口簿)", "护照"]
    # an empty column keeps its format for what the user types in later (XlsxWriter writes
    # neighbouring columns of the same format and width as one <col min max> range)
    (column_b,) = (d for d in book.worksheets[0].column_dimensions.values() if d.min <= 2 <= d.max)
    assert column_b.number_format == "@"


def test_a_float_is_refused_and_the_target_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    path.write_bytes(b"old content")
    with pytest.raises(TypeError):
        write_xlsx(path, [Sheet("人员", [["工资"], [6000.5]])])
    assert path.read_bytes() == b"old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.xlsx"]


def test_a_failure_half_way_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def rows() -> Iterator[Sequence[Value]]:
        yield ["证件号码"]
        for i in range(50_000):
            yield [f"{i:018d}"]
        raise RuntimeError("the source broke at row 50,001")

    scratch = tmp_path / "tmp"  # where XlsxWriter keeps the rows written so far
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(RuntimeError):
        write_xlsx(folder / "e.xlsx", [Sheet("人员", rows())])
    assert list(folder.iterdir()) == [] and list(scratch.iterdir()) == []


@pytest.mark.parametrize(
    "value",
    [Decimal("0.12345678901234567"), 2**53 + 1, "长" * 32_768],
    ids=["digits", "int", "text"],
)
def test_a_value_the_file_cannot_hold_exactly_is_refused(tmp_path: Path, value: Value) -> None:
    # XlsxWriter writes 16 significant digits and cuts text at Excel's 32,767 characters
    with pytest.raises(ValueError):
        write_xlsx(tmp_path / "h.xlsx", [Sheet("人员", [["值"], [value]])])
    assert list(tmp_path.iterdir()) == []


def test_bad_sheet_names_are_refused(tmp_path: Path) -> None:
    for name in ("", "a" * 32, "a/b", "[x]"):
        with pytest.raises(ValueError):
            write_xlsx(tmp_path / "f.xlsx", [Sheet(name, [])])
    with pytest.raises(ValueError):
        write_xlsx(tmp_path / "f.xlsx", [Sheet("a", []), Sheet("a", [])])


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702, 16383)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD",
    ]  # fmt: skip


def test_wrapped_text_gets_a_row_tall_enough(tmp_path: Path) -> None:
    # LibreOffice and WPS do not fit row heights themselves
    columns = (Column("说明", Kind.WRAP, 12),)
    write_xlsx(tmp_path / "g.xlsx", [Sheet("说明", [["说明"], ["很长的说明" * 10], ["短"]], columns)])
    sheet = openpyxl.load_workbook(tmp_path / "g.xlsx").worksheets[0]
    assert sheet.row_dimensions[2].height == 15 * 10  # 100 units of text in 11 per line
    assert sheet.row_dimensions[3].height is None
