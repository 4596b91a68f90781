"""Reading spreadsheets safely: both XLSX readers agree, and hostile files are refused."""

from __future__ import annotations

import datetime
import struct
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medins_core.errors import InputError
from medins_core.io import cells as cells_module
from medins_core.io import table as table_module
from medins_core.io import xlsx_guard
from medins_core.io.table import read_table

HAS_CALAMINE = table_module.CalamineWorkbook is not None
ENGINES = ["calamine", "openpyxl"] if HAS_CALAMINE else ["openpyxl"]


def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["证件号码", "姓名", "申报工资", "本次参保日期", "手机号码"])
    ws.append(["320506198503120116", "张伟", 6000, datetime.date(2022, 9, 1), "13812345678"])
    ws.append([None, None, None, None, None])  # a blank row is not data
    ws.append(["0123", " 李四 ", 5737.5, "2022/09/01", 13912345678])
    wb.save(path)
    return path


@pytest.mark.parametrize("engine", ENGINES)
def test_xlsx_cells_come_back_as_text_with_row_numbers(tmp_path: Path, engine: str) -> None:
    table = read_table(_workbook(tmp_path / "a.xlsx"), engine=engine)
    assert table.header == ("证件号码", "姓名", "申报工资", "本次参保日期", "手机号码")
    assert table.rows == (
        (2, ("320506198503120116", "张伟", "6000", "2022-09-01", "13812345678")),
        (4, ("0123", "李四", "5737.5", "2022/09/01", "13912345678")),
    )


def test_csv_in_utf8_and_gb18030(tmp_path: Path) -> None:
    text = "证件号码,姓名\n320506198503120116,张伟\n\n0123,李四\n"
    for encoding in ("utf-8-sig", "gb18030"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        table = read_table(path)
        assert table.rows == ((2, ("320506198503120116", "张伟")), (4, ("0123", "李四")))


@pytest.mark.parametrize("engine", ENGINES)
def test_an_id_typed_as_a_number_fails_its_cell_not_silently(tmp_path: Path, engine: str) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["证件号码", "姓名"])
    wb.active.append([320506198503120116, "张伟"])
    wb.active.append(["320506198503120116", "王芳"])
    wb.save(tmp_path / "n.xlsx")
    with pytest.raises(InputError) as raised:
        read_table(tmp_path / "n.xlsx", engine=engine)
    assert (raised.value.code, raised.value.row, raised.value.column) == (
        "number_as_text",
        2,
        "证件号码",
    )
    table = read_table(tmp_path / "n.xlsx", engine=engine, collect_cell_errors=True)
    assert [(p.code, p.row, p.column) for p in table.problems] == [
        ("number_as_text", 2, "证件号码")
    ]
    assert table.rows[1] == (3, ("320506198503120116", "王芳"))


def test_limits_on_size_and_rows(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("证件号码,姓名\n" + "".join(f"{i},x\n" for i in range(10)), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_table(path, max_bytes=50)
    assert raised.value.code == "file_too_large"
    with pytest.raises(InputError) as raised:
        read_table(path, max_rows=5)
    assert (raised.value.code, raised.value.row) == ("too_many_rows", 7)
    assert len(read_table(path, max_rows=10).rows) == 10


def test_not_a_spreadsheet(tmp_path: Path) -> None:
    for name, data in (("a.xlsx", b"not a zip"), ("a.xls", b"\xd0\xcf"), ("a.txt", b"a,b")):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InputError) as raised:
            read_table(tmp_path / name)
        assert raised.value.code == "unsupported_format"


@pytest.mark.parametrize("engine", ENGINES)
def test_formulas_are_not_evaluated(tmp_path: Path, engine: str) -> None:
    # the cached value is read; a formula without one reads as empty, never as its result
    path = _workbook(tmp_path / "f.xlsx")
    _rewrite_sheet(
        path,
        lambda xml: xml.replace(
            b"</sheetData>",
            b'<row r="5"><c r="A5"><f>1+2</f><v>7</v></c><c r="B5"><f>1+2</f></c></row></sheetData>',
        ),
    )
    table = read_table(path, engine=engine)
    assert table.rows[-1] == (5, ("7",))


def _rewrite_sheet(path: Path, change, *, declared_size: int | None = None) -> None:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = change(parts[sheet])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    if declared_size is not None:
        _lie_about_size(path, sheet, declared_size)


def _lie_about_size(path: Path, name: str, size: int) -> None:
    """Patch the uncompressed size of ``name`` in the local and central headers."""
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    struct.pack_into("<I", raw, info.header_offset + 22, size)
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46 : at + 46 + length] == name.encode():
            struct.pack_into("<I", raw, at + 24, size)
        at = raw.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(raw))


def test_a_compressed_bomb_is_refused_before_expansion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_guard, "MAX_UNZIPPED_BYTES", 1_000_000)
    path = _workbook(tmp_path / "bomb.xlsx")
    padding = b"<!--" + b" " * 2_000_000 + b"-->"
    _rewrite_sheet(path, lambda xml: xml.replace(b"<sheetData>", padding + b"<sheetData>"))
    assert path.stat().st_size < 100_000
    with pytest.raises(InputError) as raised:
        read_table(path)
    assert raised.value.code == "file_too_large"


@pytest.mark.parametrize("engine", ENGINES)
def test_an_entry_larger_than_declared_is_refused(tmp_path: Path, engine: str) -> None:
    # a bomb that lies about its size: both readers stop at the declared size
    path = _workbook(tmp_path / "lie.xlsx")
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (i, i)
        for i in range(5, 50_000)
    )
    _rewrite_sheet(
        path, lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>"), declared_size=1000
    )
    with pytest.raises(InputError) as raised:
        read_table(path, engine=engine)
    assert raised.value.code == "unsupported_format"


def test_a_sheet_spanning_the_whole_grid_is_refused_at_once(tmp_path: Path) -> None:
    # 5 KB with A1 and XFD1048576: a dense reader would ask for half a terabyte
    wb = openpyxl.Workbook()
    wb.active["A1"] = "证件号码"
    wb.active["XFD1048576"] = "x"
    wb.save(tmp_path / "sparse.xlsx")
    started = time.perf_counter()
    with pytest.raises(InputError) as raised:
        read_table(tmp_path / "sparse.xlsx")
    assert raised.value.code == "file_too_large"
    assert time.perf_counter() - started < 5


def test_cells_without_references_are_read_by_the_streaming_reader(tmp_path: Path) -> None:
    # <c> without r= cannot be bounded cheaply, so openpyxl (which streams) reads the file
    path = _workbook(tmp_path / "plain.xlsx")
    _rewrite_sheet(path, lambda xml: xml.replace(b'<c r="B2"', b"<c"))
    assert xlsx_guard.check_archive(path) is False
    assert read_table(path).rows[0] == (
        2,
        ("320506198503120116", "张伟", "6000", "2022-09-01", "13812345678"),
    )
    if HAS_CALAMINE:
        with pytest.raises(InputError) as raised:
            read_table(path, engine="calamine")
        assert raised.value.code == "unsupported_format"


def test_sheet_extent() -> None:
    extent = xlsx_guard._sheet_extent
    assert extent(b'<sheetData><row r="1"><c r="A1"/><c r="J1"/></row></sheetData>') == (9, 10)
    assert extent(b'<sheetData><row r="123456"><c r="AB123456"/></row></sheetData>') == (123456, 28)
    assert extent(b"<sheetData></sheetData>") == (0, 0)
    assert extent(b'<x:sheetData><x:row r="1"><x:c r="A1"/></x:row></x:sheetData>') is None
    assert extent(b'<sheetData><row><c t="s"><v>0</v></c></row></sheetData>') is None


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.integers(0, 40), max_size=12),
    limit=st.integers(1, 30),
)
def test_a_long_text_is_found_wherever_it_lies(pieces: list[int], limit: int) -> None:
    # runs of the given lengths between "<": the guard's block search against a plain split
    entry = b"<".join(b"x" * n for n in pieces)
    longest = max((len(p) for p in entry.split(b"<")), default=0)
    assert xlsx_guard._has_long_text(entry, limit) is (longest > limit)


_VALUES = st.one_of(
    st.sampled_from(["", " 张三 ", "abc", "toolongtext", "=1+1"]),
    st.none(),
    st.booleans(),
    st.integers(-10, 10**6),
    st.sampled_from([4000.0, 4000.5, 1e15, 3.2050619700101e17, -2.5, 0.1]),
    st.sampled_from([datetime.date(2022, 9, 1), datetime.datetime(2022, 9, 1, 8, 30)]),
)


def _row_by_row(grid: list[list[object]], problems: list[InputError] | None) -> list[tuple[int, list[str]]]:
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    for number, values in enumerate(grid, start=1):
        cells = [
            v.strip() if type(v) is str else cells_module.cell_text(v, "f.xlsx", number, header, i, problems)
            for i, v in enumerate(values)
        ]
        header = cells if header is None else header
        cells_module.check_lengths(cells, "f.xlsx", number)
        rows.append((number, cells))
    return rows


def _outcome(read: Callable[[], object]) -> object:
    try:
        return read()
    except InputError as exc:
        return (exc.code, exc.row, exc.column, exc.message)


@settings(max_examples=200, deadline=None)
@given(width=st.integers(0, 4), data=st.data(), collect=st.booleans())
def test_a_sheet_read_by_columns_is_read_as_row_by_row(width: int, data: st.DataObject, collect: bool) -> None:
    # calamine gives a rectangular grid; cells over 5 characters are "too long" here
    grid = data.draw(st.lists(st.lists(_VALUES, min_size=width, max_size=width), min_size=1, max_size=8))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cells_module, "MAX_CELL_CHARS", 5)
        by_rows: list[InputError] = []
        by_columns: list[InputError] = []
        expected = _outcome(lambda: _row_by_row(grid, by_rows if collect else None))
        got = _outcome(
            lambda: [(n, list(c)) for n, c in cells_module.grid_rows(grid, "f.xlsx", by_columns if collect else None)]
        )
    assert got == expected
    assert [(e.code, e.row, e.column) for e in by_columns] == [(e.code, e.row, e.column) for e in by_rows]


def _extent_by_counts(data: bytes) -> tuple[int, int] | None:
    """The sheet extent as first written (byte counts), the reference for the faster scan."""
    if b":c " in data or b":c>" in data or b":row" in data:
        return None
    cells = data.count(b"<c ") + data.count(b"<c>") + data.count(b"<c/")
    if cells != data.count(b'<c r="'):
        return None
    if not cells:
        return 0, 0
    columns = max(xlsx_guard._column_number(c) for c in set(xlsx_guard._CELL_LETTERS.findall(data)))
    big = xlsx_guard._BIG_ROWS.findall(data)
    if big:
        return max(int(r) for r in big), columns
    digits = next((d for d in range(5, 0, -1) if xlsx_guard._ROW_DIGITS[d].search(data)), 0)
    return 10**digits - 1, columns


_XML_PIECES = st.sampled_from(
    [b'<c r="A1">', b'<c r="AB12"/>', b'<c r="C1234567">', b"<c>", b"<c/>", b"<c t='s'>", b"<c  r=",
     b"<c r='A1'>", b"<x:c r=\"A1\">", b"<x:row>", b'<row r="3">', b"<cols>", b"<col ", b"</c>", b"x:c>", b"<v>1</v>"]
)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_XML_PIECES, max_size=10))
def test_the_sheet_extent_scan_answers_as_byte_counts_did(pieces: list[bytes]) -> None:
    data = b"<sheetData>" + b"".join(pieces) + b"</sheetData>"
    assert xlsx_guard._sheet_extent(data) == _extent_by_counts(data)
