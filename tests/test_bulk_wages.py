"""Wages read in bulk give the fen, or the refusal, the roster reader gives: every form of text,
on the byte-level path (digits, a dot and two decimals) and off it, in blocks and across them."""

from __future__ import annotations

from decimal import InvalidOperation

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")

from medins_core.bulk._arrow import BLOCK_ROWS
from medins_core.bulk._read import parse_batch
from medins_core.errors import InputError
from medins_core.model import MAX_WAGE
from medins_core.money import to_money

DIGITS = st.text("0123456789", min_size=1, max_size=15)
#: Mostly the usual form, and every near miss of it the byte-level reader must leave alone.
WAGE = st.one_of(
    st.builds(lambda i, f: f"{i}.{f}", DIGITS, st.text("0123456789", min_size=2, max_size=2)),
    st.builds(lambda i, f: f"{i}.{f}", DIGITS, st.text("0123456789", min_size=0, max_size=4)),
    DIGITS,
    st.sampled_from(["", " ", "5,737.50", " 12.50", "12.50 ", "-1.00", "+1.00", "1.2.3", ".50", "50.", "1e5",
                     "１２.００", "12:30", "12/30", "0.00", "0.01", "9999999999999999.99", "abc.de", "0005.00",
                     "1,234567.00", "-1234567.00", "x12345678.00", " 1234567.00", "1,000,000.00"]),
    st.text(min_size=0, max_size=18),
)


def expected(texts: list[str]) -> list[int] | tuple[str, int]:
    """The fen of each wage as the reference reads it, or (code, row) of the first refused."""
    values = []
    for i, text in enumerate(texts, start=2):  # the header is row 1
        if not text.strip():
            return ("missing_field", i)
        try:
            amount = to_money(text, field="wage")
        except InputError:
            return ("invalid_wage", i)
        try:
            fen = amount.scaleb(2)
            exact = fen == fen.to_integral_value()
        except InvalidOperation:
            return ("invalid_wage", i)
        if amount < 0 or not exact or fen >= MAX_WAGE.scaleb(2):
            return ("invalid_wage", i)
        values.append(int(fen))
    return values


def read(texts: list[str], before: list[str] | None = None) -> list[int] | tuple[str, int]:
    """What the bulk reader makes of the wages of a roster (a table: no file checks); with
    ``before``, of a slice of a longer table (its values' bytes follow others')."""
    before = before or []
    certs = [f"32050619850312{i:04d}" for i in range(len(before) + len(texts))]
    batch = pa.RecordBatch.from_pydict({"cert_no": certs, "name": ["张三"] * len(certs), "wage": before + texts})
    batch = batch.slice(len(before))
    try:
        rows = parse_batch(batch, 1)
    except InputError as exc:
        assert exc.field == "wage"
        assert exc.row is not None
        return (exc.code, exc.row)
    return [int(v) for v in rows.wage]


@settings(max_examples=400, deadline=None)
@given(st.lists(WAGE, min_size=1, max_size=40))
def test_wages_are_read_as_the_reference_reads_them(texts: list[str]) -> None:
    assert read(texts) == expected(texts)


@settings(max_examples=100, deadline=None)
@given(st.lists(WAGE, min_size=1, max_size=10), st.lists(st.sampled_from(["1.00", "12345678901.25", "7"]), min_size=1, max_size=3))
def test_wages_of_a_slice_are_read_as_the_reference_reads_them(texts: list[str], before: list[str]) -> None:
    assert read(texts, before) == expected(texts)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.builds(lambda i, f: f"{i}.{f:02d}", st.integers(0, 10**13 - 1), st.integers(0, 99)),
                min_size=1, max_size=5),
       st.integers(0, 2 * BLOCK_ROWS + 5), st.sampled_from(["12.345", "1,000.00", "", "12.3", "x"]))
def test_a_bad_wage_in_a_later_block_is_named_by_its_row(valid: list[str], at: int, bad: str) -> None:
    texts = [valid[i % len(valid)] for i in range(2 * BLOCK_ROWS + 10)]
    assert read(texts) == expected(texts)
    texts[at] = bad
    assert read(texts) == expected(texts)
