"""Fuzzing every reader and both engines: success or a coded MedinsError, never anything else.

Random bytes, random CSV cells and byte mutations of valid CSV and XLSX files go to
``read_table`` (both XLSX engines), ``read_roster``, the bulk reader and both assessments.
Where both engines read a CSV roster, they give one verdict: the same total, or the same
error code on the same row.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medins_core.assessment import assess
from medins_core.errors import MedinsError
from medins_core.io.roster import read_roster, roster_from_rows
from medins_core.io.table import read_table
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id

pytest.importorskip("pyarrow")
from medins_core.bulk import assess_file  # noqa: E402

SUZHOU = load_registry().region("320500")
IDS = [make_resident_id(sequence=n) for n in (1, 2, 3)]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
GOOD_CSV = ("证件号码,姓名,缴费工资\n" + "".join(f"{c},张{i},{5000 + i}\n" for i, c in enumerate(IDS))).encode()


def _good_xlsx() -> bytes:
    import xlsxwriter  # type: ignore[import-untyped]

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate(csv.reader(io.StringIO(GOOD_CSV.decode()))):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return out.getvalue()


GOOD_XLSX = _good_xlsx()


def _coded(error: MedinsError) -> None:
    assert re.fullmatch(r"[a-z_]+", error.code), error.code
    assert not re.search(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])", str(error)), str(error)


def _read_everything(data: bytes, suffix: str, folder: Path) -> None:
    for engine in ("calamine", "openpyxl"):
        try:
            read_table(data, name=f"x{suffix}", engine=engine)
        except MedinsError as exc:
            _coded(exc)
    try:
        read_roster(data, name=f"x{suffix}", rules=SUZHOU)
    except MedinsError as exc:
        _coded(exc)
    if suffix == ".csv":
        path = folder / "fuzz.csv"
        path.write_bytes(data)
        try:
            assess_file(path, SUZHOU, "202208")
        except MedinsError as exc:
            _coded(exc)


@SETTINGS
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_random_bytes(tmp_path: Path, data: bytes, suffix: str) -> None:
    _read_everything(data, suffix, tmp_path)


@SETTINGS
@given(
    original=st.sampled_from([(GOOD_CSV, ".csv"), (GOOD_XLSX, ".xlsx")]),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.none() | st.integers(0, 10**6),
)
def test_mutations_of_valid_files(tmp_path: Path, original: tuple[bytes, str], edits: list[tuple[int, int]],
                                  cut: int | None) -> None:
    data = bytearray(original[0])
    for at, value in edits:
        data[at % len(data)] = value
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    _read_everything(bytes(data), original[1], tmp_path)


CELLS = st.one_of(
    st.sampled_from(["", " ", "0", "-1", "8,500", "1e3", "5000.001", "abc", "=1+1", "１２３", "9" * 12, *IDS,
                     IDS[0].lower(), IDS[0][:-1] + "0", "not-an-id", make_resident_id(birth="20990101")]),
    st.text(max_size=12),
    st.decimals(min_value=-10, max_value=100_000, places=2).map(str),
)


def _verdict(run: object) -> tuple[str, object]:
    try:
        return "ok", run()  # type: ignore[operator]
    except MedinsError as exc:
        _coded(exc)
        return exc.code, exc.row


# A row of empty cells is skipped by the reference reader and refused (missing_field) by the
# bulk reader, which cannot drop a row without renumbering the rest: a known difference
# (docs/limits.md), stricter on the bulk side, so such rows are left out here.
ROW = st.tuples(CELLS, CELLS, CELLS).filter(lambda row: any(cell.strip() for cell in row))


@SETTINGS
@given(rows=st.lists(ROW, min_size=1, max_size=5))
def test_both_engines_give_one_verdict(tmp_path: Path, rows: list[tuple[str, str, str]]) -> None:
    path = tmp_path / "roster.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["证件号码", "姓名", "缴费工资"])
        writer.writerows(rows)
    reference = _verdict(lambda: assess(read_roster(path, rules=SUZHOU).members, SUZHOU, "202208").total)
    bulk = _verdict(lambda: assess_file(path, SUZHOU, "202208").to_assessment().total)
    api = _verdict(lambda: assess(roster_from_rows(
        [{"证件号码": c, "姓名": n, "缴费工资": w} for c, n, w in rows], rules=SUZHOU).members, SUZHOU, "202208").total)
    assert reference == bulk, (reference, bulk)
    if reference[0] not in ("bad_csv", "row_width", "mixed_encoding"):  # file-level: rows have no bytes
        assert reference[0] == api[0], (reference, api)
