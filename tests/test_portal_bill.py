"""Reading a portal's bill: any file gives a bill or a coded error naming where, never a traceback."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_book_compare import NOTICE_FOOT, NOTICE_HEAD, NOTICE_ROWS

from medins_core.errors import InputError, MedinsError
from medins_core.io.portal_bill import PortalBill, read_portal_bill

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _csv(rows: list[list[str]]) -> bytes:
    width = max(len(r) for r in rows)
    out = io.StringIO()
    csv.writer(out).writerows([r + [""] * (width - len(r)) for r in rows])
    return out.getvalue().encode("utf-8")


GOOD = _csv(NOTICE_HEAD + NOTICE_ROWS + NOTICE_FOOT)


def _read(data: bytes, folder: Path) -> PortalBill | None:
    path = folder / "bill.csv"
    path.write_bytes(data)
    try:
        return read_portal_bill(path)
    except MedinsError as error:
        assert re.fullmatch(r"[a-z_]+", error.code), error.code
        return None


def test_the_suzhou_notice_reads_as_printed(tmp_path: Path) -> None:
    bill = _read(GOOD, tmp_path)
    assert bill is not None and (bill.layout, bill.units, bill.total) == ("suzhou_notice", ("32059900000000000117",), Decimal("1300048.92"))
    assert [(line.label, str(line.start), line.amount) for line in bill.lines][2] == ("职工基本医疗保 险", "202208", Decimal("1055224.24"))


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes(tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    _read(data, tmp_path_factory.mktemp("b"))


@SETTINGS
@given(st.integers(0, len(NOTICE_ROWS) - 1), st.integers(0, 8), st.text(max_size=12))
def test_any_cell_of_the_notice(tmp_path_factory, row: int, column: int, text: str) -> None:  # type: ignore[no-untyped-def]
    rows = [list(r) for r in NOTICE_ROWS]
    rows[row][column] = text
    bill = _read(_csv(NOTICE_HEAD + rows + NOTICE_FOOT), tmp_path_factory.mktemp("c"))
    if bill is None:
        return
    assert len(bill.lines) in (len(NOTICE_ROWS) - 1, len(NOTICE_ROWS))  # a row of nothing printed is no line


@SETTINGS
@given(st.integers(0, len(GOOD) - 1), st.binary(min_size=1, max_size=4))
def test_byte_mutations(tmp_path_factory, at: int, junk: bytes) -> None:  # type: ignore[no-untyped-def]
    _read(GOOD[:at] + junk + GOOD[at + len(junk) :], tmp_path_factory.mktemp("m"))


def test_an_unreadable_amount_names_its_row_and_column(tmp_path: Path) -> None:
    rows = [list(r) for r in NOTICE_ROWS]
    rows[1][4] = "十万"
    path = tmp_path / "bill.csv"
    path.write_bytes(_csv(NOTICE_HEAD + rows + NOTICE_FOOT))
    try:
        read_portal_bill(path)
    except InputError as error:
        assert (error.code, error.row, error.column) == ("invalid_amount", 5, "单位缴费金额")
    else:
        raise AssertionError("no error")
