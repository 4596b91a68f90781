"""The bulk engine's reading, writing and integer rounding: exact, and the same as the rest of medins."""

from __future__ import annotations

import datetime
import decimal
import gzip
import io
import itertools
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
import pyarrow.parquet as pq

from medins_core.assessment import assess
from medins_core.bulk import (
    LINE_SCHEMA,
    LineCsvWriter,
    assess_file,
    assess_table,
    file_rows,
    to_members,
)
from medins_core.bulk._arrow import is_utf8
from medins_core.bulk._certs import cert_codes, decode_cert
from medins_core.bulk._read import parse_batch
from medins_core.bulk._rounding import MODES, round_div
from medins_core.errors import InputError, ParameterError
from medins_core.io.roster import read_roster
from medins_core.money import to_money
from medins_core.period import Period
from medins_core.registry import load_registry
from medins_core.render import write_lines_csv

D = Decimal
REGISTRY = load_registry(use_env=False)
SUZHOU = REGISTRY.region("320500").rules
HUAIAN = REGISTRY.region("320800").rules
EXAMPLE = Path(__file__).parents[1] / "src" / "medins_core" / "examples" / "suzhou_unit.csv"


def valid_id(first17: str) -> str:
    """A resident ID number with a right check character."""
    from stdnum.cn import ric

    return first17 + ric.calc_check_digit(first17 + "0")


def batch(**columns: Any) -> Any:
    base = {"cert_no": [f"32050619850312{i:04d}" for i in range(len(next(iter(columns.values()))))]}
    base["name"] = ["张三"] * len(base["cert_no"])
    base.update(columns)
    return pa.RecordBatch.from_pydict(base)


# --- integer rounding -------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(
    n=st.integers(-(10**30), 10**30) | st.integers(-1000, 1000),
    exponent=st.integers(0, 8),
    twos=st.integers(0, 3),
    fives=st.integers(0, 2),
    mode=st.sampled_from(sorted(MODES)),
)
@example(n=5, exponent=0, twos=1, fives=0, mode=decimal.ROUND_HALF_UP)  # ties
@example(n=150, exponent=2, twos=0, fives=0, mode=decimal.ROUND_HALF_UP)
@example(n=15, exponent=0, twos=0, fives=1, mode=decimal.ROUND_HALF_UP)
def test_round_div_is_decimal_quantize(n: int, exponent: int, twos: int, fives: int, mode: str) -> None:
    d = 10**exponent * 2**twos * 5**fives  # a terminating decimal, so Decimal's division is exact
    with decimal.localcontext() as context:
        context.prec = 100
        expected = int((Decimal(n) / Decimal(d)).quantize(Decimal(1), rounding=mode))
    assert int(round_div(np.array([n], dtype=object), d, mode)[0]) == expected
    if abs(n) < 2**60:
        assert int(round_div(np.array([n], dtype=np.int64), d, mode)[0]) == expected
    if n >= 0:  # the fast paths for amounts known to be non-negative, in a new array or in n
        for dtype in (object, np.int64) if n < 2**60 else (object,):
            given_n = np.array([n], dtype=dtype)
            assert int(round_div(given_n, d, mode, nonnegative=True)[0]) == expected and given_n[0] == n
            assert int(round_div(given_n, d, mode, nonnegative=True, owned=True)[0]) == expected


def test_an_unsupported_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported rounding mode"):
        round_div(np.array([1]), 3, "ROUND_SIDEWAYS")


# --- reading ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("5737", 573700),
        ("5,737.00", 573700),
        (" 12.5 ", 1250),
        ("+7", 700),
        ("0", 0),
        ("-0.00", 0),
        ("05737.1", 573710),
        ("5737.100", 573710),
        ("1,300,048.92", 130004892),
    ],
)
def test_wage_text_is_read_exactly_as_to_money_reads_it(text: str, fen: int) -> None:
    assert to_money(text) * 100 == fen
    rows = parse_batch(batch(wage=[text, "1.00"]))  # with another value: the slow path
    alone = parse_batch(batch(wage=[text]))  # alone: the fast path when it is plain digits
    assert rows.wage.tolist() == [fen, 100] and alone.wage.tolist() == [fen]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("-3.00", "invalid_wage"),  # negative
        ("5737.123", "invalid_wage"),  # finer than a fen
        ("abc", "invalid_wage"),
        ("1e3", "invalid_wage"),
        ("5.", "invalid_wage"),
        (".5", "invalid_wage"),
        ("1.2.3", "invalid_wage"),
        ("1,23", "invalid_wage"),
        ("", "missing_field"),
    ],
)
def test_bad_wages_are_refused_naming_the_row(text: str, code: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_batch(batch(wage=["100", text]), first_row=7)
    # data row 8 is file row 9 (the header is row 1), as the reference path numbers it
    assert caught.value.code == code and caught.value.row == 9 and caught.value.field == "wage"


def test_wage_columns_other_than_text() -> None:
    fen = parse_batch(batch(wage_fen=pa.array([573700, 0], pa.int64())))
    assert fen.wage.tolist() == [573700, 0]
    dec = parse_batch(batch(wage=pa.array([D("5737.5"), D("0")], pa.decimal128(12, 3))))
    assert dec.wage.tolist() == [573750, 0]
    with pytest.raises(InputError):
        parse_batch(batch(wage=pa.array([D("5737.125")], pa.decimal128(12, 3))))
    with pytest.raises(TypeError, match="float"):
        parse_batch(batch(wage=pa.array([5737.5])))
    with pytest.raises(InputError, match="wage_fen"):
        parse_batch(batch(wage=pa.array([5737])))  # yuan or fen? refused, not guessed
    with pytest.raises(InputError):
        parse_batch(batch(wage=["1"], wage_fen=[100]))
    with pytest.raises(InputError) as caught:
        parse_batch(batch(wage=["1", None]))
    assert caught.value.code == "missing_field" and caught.value.row == 3


def test_periods_in_every_form_medins_reads() -> None:
    rows = parse_batch(
        batch(wage=["1"] * 6, start=["202208", "2022-08", "2022/8", "2022-08-15", "", None], end=[None] * 6)
    )
    assert rows.start[:4].tolist() == [Period(2022, 8).index] * 4
    assert rows.start[4] == rows.start[5] < 0  # open
    ints = parse_batch(batch(wage=["1"], start=pa.array([202208], pa.int32())))
    assert ints.start.tolist() == [Period(2022, 8).index]
    with pytest.raises(InputError) as caught:
        parse_batch(batch(wage=["1", "1"], end=["202213", "202212"]))
    assert caught.value.code == "invalid_period" and caught.value.row == 2 and caught.value.field == "end"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["", "202208", "190001", "999912", "202213", "2022-8", "20228", "2022080", "20220x", "2022081", "99912"]),
        min_size=1,
        max_size=30,
    )
)
@example(["2022081", "", "99912"])  # twelve bytes that would read as two good cells
def test_period_cells_read_in_place_as_period_parse_reads_them(cells: list[str]) -> None:
    """Empty and YYYYMM cells are read from the bytes in place; any other cell sends the
    column to the general path: the same indices, or the same error at the same row."""
    expected: list[int] | tuple[str, int] = []
    for row, cell in enumerate(cells, start=2):
        try:
            expected.append(Period.parse(cell).index if cell else -1)
        except InputError as exc:
            expected = (exc.code, row)
            break
    try:
        start = parse_batch(batch(wage=["1"] * len(cells), start=cells)).start.tolist()
        found: list[int] | tuple[str, int] = [max(k, -1) for k in start]
    except InputError as exc:
        found = (exc.code, exc.row or 0)
    assert found == expected


def test_certificate_numbers_are_cleaned_as_the_roster_reader_does() -> None:
    rows = parse_batch(
        pa.RecordBatch.from_pydict({"证件号码": [" 32050619850312011x ", "p123"], "姓名": ["张三 ", "李四"], "缴费工资": ["1", "2"]})
    )
    assert rows.cert.to_pylist() == ["32050619850312011X", "P123"]
    assert rows.clean_names().name.to_pylist() == ["张三", "李四"]
    with pytest.raises(InputError, match="证件号码"):
        parse_batch(batch(wage=["1"], cert_no=[" "]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(r"[0-9]{17}[0-9X]", fullmatch=True) | st.text(max_size=20), min_size=2, max_size=30))
def test_cert_codes_keep_equality_and_order(certs: list[str]) -> None:
    codes = cert_codes(pa.array(certs, pa.string())).tolist()
    for a, ca in zip(certs, codes):
        for b, cb in zip(certs, codes):
            if ca >= 0 and cb >= 0:
                assert (ca == cb) == (a == b) and (ca < cb) == (a < b)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.from_regex(r"[0-9]{17}[0-9X]", fullmatch=True), st.booleans(), st.integers(0, 17), st.sampled_from("/:0Xx 9A")),
        min_size=1,
        max_size=40,
    )
)
def test_cert_codes_are_given_to_resident_id_numbers_only(people: list[tuple[str, bool, int, str]]) -> None:
    """All 18-character numbers, all resident ID numbers (read at once) or some not (read
    row by row): a code exactly for seventeen digits and a digit or X, and it decodes."""
    certs = [cert[:at] + char + cert[at + 1 :] if spoil else cert for cert, spoil, at, char in people]
    for cert, code in zip(certs, cert_codes(pa.array(certs, pa.string())).tolist()):
        if re.fullmatch(r"[0-9]{17}[0-9X]", cert):
            assert decode_cert(code) == cert
        else:
            assert code == -1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dates(datetime.date(1890, 1, 1), datetime.date(2040, 12, 31)).map(lambda d: d.strftime("%Y%m%d"))
            | st.from_regex(r"(18|19|20)[0-9]{2}[0-3][0-9][0-3][0-9]", fullmatch=True)
            | st.from_regex(r"[0-9A-Z:/]{8}", fullmatch=True),  # no date: no resident ID number
            st.from_regex(r"[0-9]{3}", fullmatch=True),
            st.sampled_from([None, *"0123456789X"]),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_plausible_resident_ids_are_the_valid_ones(people: list[tuple[str, str, str | None]]) -> None:
    """The vectorised check (check character, birth date read from the bytes, not after today)
    passes exactly the numbers parse_resident_id accepts, born from 1900 to today; other
    18-character numbers fail it."""
    from medins_core.bulk._resident import plausible_ids
    from medins_core.ids import parse_resident_id

    today = datetime.date(2026, 12, 7)
    certs = [valid_id("320506" + birth + seq) if check is None and birth.isdigit() else "320506" + birth + seq + (check or "0")
             for birth, seq, check in people]
    array = pa.array(certs, pa.string())
    plausible = plausible_ids(array, cert_codes(array), today).tolist()
    for cert, passed in zip(certs, plausible):
        try:
            valid = parse_resident_id(cert).birth <= today
        except InputError:
            valid = False
        assert passed == valid, cert


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dates(datetime.date(1890, 1, 1), datetime.date(2040, 12, 31)).map(lambda d: d.strftime("%Y%m%d"))
            | st.from_regex(r"(18|19|20)[0-9]{2}[0-3][0-9][0-3][0-9]", fullmatch=True),
            st.from_regex(r"[0-9]{3}", fullmatch=True),
            st.sampled_from([None, None, *"0123456789X"]),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 8),
    st.none() | st.tuples(st.integers(0, 39), st.integers(0, 17), st.sampled_from("/:x X0@\x7f\x00")),
)
@example([("19800101", "123", None)], 1, (0, 17, "x"))
@example([("19800101", "123", None)], 1, (0, 16, ":"))
@example([("19800101", "123", None)], 1, (0, 3, "/"))
def test_resident_ids_read_in_one_pass_are_read_as_apart(
    people: list[tuple[str, str, str | None]], block: int, spoiled: tuple[int, int, str] | None
) -> None:
    """The one pass over a file's resident ID numbers (codes and plausibility at once, block
    by block) gives what the two separate passes give; a number that is not seventeen digits
    and a digit or X leaves it to them."""
    from medins_core.bulk import _resident

    today = datetime.date(2026, 12, 7)
    certs = [valid_id("320506" + birth + seq) if check is None else "320506" + birth + seq + check
             for birth, seq, check in people]
    if spoiled is not None and spoiled[0] < len(certs):
        row, at, byte = spoiled
        certs[row] = certs[row][:at] + byte + certs[row][at + 1 :]
    array = pa.array(certs, pa.string())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_resident, "BLOCK_ROWS", block)  # several blocks
        found = _resident.checked_ids(array, today)
    if not all(re.fullmatch(r"[0-9]{17}[0-9X]", c) for c in certs):
        assert found is None
        return
    assert found is not None
    codes = cert_codes(array)
    assert found[1].tolist() == codes.tolist()
    assert found[2].tolist() == _resident.plausible_ids(array, codes, today).tolist()


def test_line_names_and_separators() -> None:
    table = pa.table(
        {"cert_no": ["A1", "A2", "A3"], "name": ["x", "y", "z"], "wage": ["5000", "6000", "7000"],
         "险种": ["职工基本医疗保险、生育保险", "310;*", None]}
    )
    result = assess_table(table, SUZHOU, "202208").to_assessment()
    assert result == assess(to_members(table, SUZHOU), SUZHOU, "202208", engine="reference")
    assert {ln.insurance for ln in result.lines if ln.cert_no == "A1"} == {"310", "510"}


# --- files -----------------------------------------------------------------------------


def test_the_example_roster_gives_what_the_command_line_gives() -> None:
    members = read_roster(EXAMPLE, rules=SUZHOU).members
    for period in ("202208", "202301"):
        reference = assess(members, SUZHOU, period, Period.parse(period) + 11, engine="reference")
        bulk = assess_file(EXAMPLE, SUZHOU, period, Period.parse(period) + 11, chunk_rows=5)
        assert bulk.to_assessment() == reference
        assert bulk.to_json() == reference.to_json()


def test_csv_gzip_and_parquet_in_chunks_with_progress(tmp_path: Path) -> None:
    persons = 3000
    table = pa.table(
        {
            # real ID numbers: a file gets the roster reader's checks
            "cert_no": [valid_id(f"3208021980{1 + i // 1000:02d}{1 + i % 28:02d}{i % 1000:03d}") for i in range(persons)],
            "name": [f"职工{i}" for i in range(persons)],
            "wage": [f"{2000 + i * 37 % 30000}.{i % 100:02d}" for i in range(persons)],
            "start": ["202103" if i % 10 == 0 else "" for i in range(persons)],
            "end": ["202110" if i % 7 == 0 else "" for i in range(persons)],
            "person_no": [str(i) if i % 3 else "" for i in range(persons)],
        }
    )
    expected = assess(to_members(table), HUAIAN, "202101", "202112", engine="reference")
    csv_path, gz_path, parquet_path = tmp_path / "r.csv", tmp_path / "r.csv.gz", tmp_path / "r.parquet"
    import pyarrow.csv as pa_csv

    pa_csv.write_csv(table, csv_path)
    gz_path.write_bytes(gzip.compress(csv_path.read_bytes()))
    pq.write_table(table, parquet_path, row_group_size=700)
    assert file_rows(parquet_path) == persons and file_rows(csv_path) is None
    for path in (csv_path, gz_path, parquet_path):
        seen: list[int] = []
        result = assess_file(path, HUAIAN, "202101", "202112", progress=seen.append, chunk_rows=1000)
        assert result.to_assessment() == expected
        assert seen[-1] == persons and seen == sorted(seen) and len(seen) > 1


def test_errors_in_a_file_name_the_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("证件号码,姓名,缴费工资\n320506198503120116,张伟,8500\n320505199007070226,王芳,85.001\n", "utf-8")
    with pytest.raises(InputError) as caught:
        assess_file(path, SUZHOU, "202208")
    assert caught.value.file == str(path) and caught.value.row == 3  # line 3 of the file, as the reference
    with pytest.raises(InputError, match="不支持"):
        assess_file(tmp_path / "roster.xlsx", SUZHOU, "202208")


@pytest.mark.parametrize("column", ["name", "wage", "cert_no"])
def test_a_byte_of_another_encoding_past_the_first_megabyte_is_refused(tmp_path: Path, column: str) -> None:
    """Text is checked to be UTF-8 after reading (in whichever column): the file is refused
    as mixed_encoding, as the reference path refuses it."""
    rows = [f"{valid_id(f'3205061980{1 + i // 1000 % 12:02d}{1 + i % 28:02d}{i % 1000:03d}')},张三,5000.00" for i in range(40000)]
    cells = rows[-1].split(",")
    cells[["cert_no", "name", "wage"].index(column)] += "\udcd5"  # a lone GBK lead byte
    rows[-1] = ",".join(cells)
    path = tmp_path / "r.csv"
    path.write_bytes("\n".join(["cert_no,name,wage", *rows, ""]).encode("utf-8", "surrogateescape"))
    assert path.stat().st_size > 1 << 20  # past what is looked at before reading
    with pytest.raises(InputError) as reference:
        read_roster(path, rules=SUZHOU)
    with pytest.raises(InputError) as bulk:
        assess_file(path, SUZHOU, "202208")
    assert bulk.value.code == reference.value.code == "mixed_encoding"


#: Pieces of values: whole characters of one to four bytes, and bytes that are no character.
_PIECES = [b"a", "张".encode(), "é".encode(), "😀".encode(), b"\xe5", b"\xbc\xa0", b"\x80", b"\xf0\x9f", b"\xff", b"\xc0\xaf", b"\xed\xa0\x80"]


@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=4).map(b"".join), max_size=12), st.integers(0, 3))
@example([b"\xe5", b"\xbc\xa0"], 0)  # a character cut between two values: the bytes at once are valid
@example(["张".encode(), b""], 0)
def test_utf8_check_of_a_whole_column_is_each_values(values: list[bytes], skip: int) -> None:
    """is_utf8 (the bytes validated at once) says what validating each value says."""
    array = pa.array(values, type=pa.binary()).slice(min(skip, len(values)))
    try:
        array.cast(pa.string())
        expected = True
    except pa.ArrowInvalid:
        expected = False
    assert is_utf8(array.view(pa.string())) is expected


@pytest.mark.parametrize("at", [0, 1, 700, 2999])
def test_a_row_longer_than_a_block_is_read_with_bigger_blocks(tmp_path: Path, at: int) -> None:
    """A block holds a few rows of a small chunk; a longer row (a name of 20,000 characters)
    makes the reader start again with bigger blocks, from the row it stopped at."""
    rows = [f"{valid_id(f'3205061980{1 + i // 1000 % 12:02d}{1 + i % 28:02d}{i % 1000:03d}')},张{i},{5000 + i}.00" for i in range(3000)]
    rows[at] = rows[at].replace(",张", ",张" + "三" * 20000)
    path = tmp_path / "r.csv"
    path.write_text("\n".join(["cert_no,name,wage", *rows, ""]), "utf-8")
    reference = assess(read_roster(path, rules=SUZHOU).members, SUZHOU, "202208", engine="reference")
    for chunk in (5, 1000):
        result = assess_file(path, SUZHOU, "202208", chunk_rows=chunk)
        assert result.rows == 3000 and result.to_assessment() == reference


def test_line_writer_writes_what_the_command_line_writes(tmp_path: Path) -> None:
    table = pa.table(
        {"cert_no": ["320506198503120116", "A2", "A3"], "name": ["张伟", 'O"Neil, Jr', "x"],
         "wage": ["8500", "6523.45", "12000"], "person_no": ["1", None, "3"]}
    )
    reference = assess(to_members(table), HUAIAN, "202101", "202103", engine="reference")
    expected = io.StringIO()
    write_lines_csv(reference, expected)
    out = tmp_path / "lines.csv"
    with LineCsvWriter(out) as writer:
        result = assess_table(table, HUAIAN, "202101", "202103", keep_lines=False, on_lines=writer, chunk_rows=2)
    assert result.lines is None and result.totals == reference.totals
    written = out.read_text("utf-8").splitlines()
    assert written[0] == expected.getvalue().splitlines()[0]
    assert sorted(written[1:]) == sorted(expected.getvalue().splitlines()[1:])
    assert not (tmp_path / "lines.csv.part").exists()


def test_a_failed_run_leaves_no_line_file(tmp_path: Path) -> None:
    table = pa.table({"cert_no": ["A1"], "name": ["x"], "wage": ["8500"]})
    out = tmp_path / "lines.csv"
    with pytest.raises(ParameterError), LineCsvWriter(out) as writer:
        assess_table(table, HUAIAN, "202012", "202101", keep_lines=False, on_lines=writer)
    assert not out.exists() and not (tmp_path / "lines.csv.part").exists()


def test_lines_stream_to_a_binary_stream() -> None:
    table = pa.table({"cert_no": ["A1"], "name": ["x"], "wage": ["8500"]})
    sink = io.BytesIO()
    with LineCsvWriter(sink) as writer:
        assess_table(table, SUZHOU, "202208", keep_lines=False, on_lines=writer)
    text = sink.getvalue().decode()
    assert text.startswith(",".join(LINE_SCHEMA.names) + "\n") and text.count("\n") == 7


def test_huge_wages_fall_back_to_python_ints() -> None:
    """The largest wage (just under 10**10 yuan) at a rate of nine digits overflows int64: still exact."""
    import attrs

    from medins_core.datafile import ParamValue, Status

    values = {k: list(v) for k, v in SUZHOU.values.items()}
    values[("310", "unit_rate")].insert(
        0, ParamValue("310", "unit_rate", Period(2022, 8), D("0.123456789"), "test", Status.VERIFIED)
    )
    rules = attrs.evolve(SUZHOU, values=values)
    table = pa.table({"cert_no": ["A1", "A2"], "name": ["x", "y"], "wage": ["9999999999.99", "5000.05"]})
    bulk = assess_table(table, rules, "202208", "202209").to_assessment()
    assert bulk == assess(to_members(table), rules, "202208", "202209", engine="reference")
    assert bulk.lines[0].unit_amount == (D("9999999999.99") * D("0.123456789")).quantize(
        D("0.01"), rounding=decimal.ROUND_HALF_UP
    )


def test_a_quantum_finer_than_a_fen_is_refused() -> None:
    import attrs

    from medins_core.money import RoundingPolicy

    rules = attrs.evolve(SUZHOU, rounding=RoundingPolicy(quantum=D("0.001")))
    with pytest.raises(ValueError, match="fen"):
        assess_table(pa.table({"cert_no": ["A"], "name": ["x"], "wage": ["1"]}), rules, "202208")


def test_parquet_read_ahead_stops_with_its_reader(tmp_path: Path) -> None:
    import threading

    from medins_core.bulk._source import read_file

    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({"cert_no": [f"A{i}" for i in range(5000)], "name": ["x"] * 5000, "wage": ["1"] * 5000}), path)
    reader = read_file(path, chunk_rows=100, read_ahead=True)
    assert next(reader).num_rows == 100
    assert any(t.name == "medins-prefetch" for t in threading.enumerate())
    reader.close()  # the consumer stops early: the thread ends, nothing hangs
    assert not any(t.name == "medins-prefetch" for t in threading.enumerate())


def test_a_lines_cell_splits_as_the_roster_reader_splits_it() -> None:
    from medins_core.bulk._read import parse_lines
    from medins_core.codes import split_lines

    for cell in ("310；510", "310;510", "职工基本医疗保险、生育保险", "310, 330，510"):
        assert parse_lines(cell) == split_lines(cell) and len(parse_lines(cell)) >= 2
    assert parse_lines("") == ("*",)


@settings(max_examples=80, deadline=None)
@given(
    people=st.lists(st.sampled_from(["11010519491231002X", "320506198503120116", "P1234567", "X7654321", ""]), min_size=2, max_size=9),
    bad=st.one_of(st.none(), st.integers(0, 8)),
    chunk=st.integers(1, 4),
)
def test_a_person_listed_in_two_chunks_is_refused_at_the_row_the_reference_names(
    tmp_path_factory: pytest.TempPathFactory, people: list[str], bad: int | None, chunk: int
) -> None:
    """Within a chunk or across chunks, before or after another bad row or blank rows
    (not data, but numbered): one verdict."""
    rows = [
        ",,," if not cert else f"{cert},张{i},{'0' if i == bad else '8500'},{'居民身份证' if cert[0].isdigit() else '护照'}"
        for i, cert in enumerate(people)
    ]
    path = tmp_path_factory.mktemp("dup") / "roster.csv"
    path.write_text("证件号码,姓名,缴费工资,证件类型\n" + "".join(f"{row}\n" for row in rows), "utf-8")
    try:
        read_roster(path, rules=SUZHOU.rules)
        expected = None
    except InputError as exc:  # the reference counts the other bad rows after the first
        expected = (exc.code, exc.row, exc.message.split("（另有")[0])
    verdicts = []
    for keep_lines, threads in itertools.product((True, False), (1, 3)):  # lines chunk by chunk, or totals only
        try:
            result = assess_file(path, SUZHOU, "202208", chunk_rows=chunk, keep_lines=keep_lines, threads=threads)
            verdicts.append(None)
        except InputError as exc:
            verdicts.append((exc.code, exc.row, exc.message))
        else:
            if expected is None:  # and the same amounts
                assert result.total == assess(read_roster(path, rules=SUZHOU.rules).members, SUZHOU, "202208").total
    found = verdicts[0]
    assert verdicts[1:] == [found] * 3
    if expected is None or expected[0] != "duplicate_person":
        assert found is None or found[0] != "duplicate_person" or expected is not None
        if expected is not None:
            assert found is not None and found[:2] == expected[:2]
        return
    assert found == expected


def test_an_unknown_column_is_refused_in_parquet_as_in_csv(tmp_path: Path) -> None:
    columns = {"证件号码": ["320506198503120116"], "姓名": ["张伟"], "缴费工资": ["8500"], "备注": ["x"]}
    pq.write_table(pa.table(columns), tmp_path / "roster.parquet")
    (tmp_path / "roster.csv").write_text("证件号码,姓名,缴费工资,备注\n320506198503120116,张伟,8500,x\n", "utf-8")
    for name in ("roster.parquet", "roster.csv"):
        with pytest.raises(InputError) as caught:
            assess_file(tmp_path / name, SUZHOU, "202208")
        assert (caught.value.code, caught.value.row, caught.value.column) == ("unknown_column", 1, "备注")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from(range(8)), max_size=6), min_size=1, max_size=5), st.booleans())
def test_persons_listed_again_are_named_with_the_first_chunk_listing_them(chunks: list[list[int]], checked: bool) -> None:
    """Duplicates.between: every number listed twice (in one chunk or two) and the first chunk
    listing it, whether chunks come sorted (lines) or as read (totals only)."""
    from medins_core.bulk._partial import Duplicates

    people = [valid_id(f"3205061985031201{k}") for k in range(8)]
    duplicates = Duplicates()
    for number, chunk in enumerate(chunks):
        if not chunk:
            continue
        rows = parse_batch(pa.RecordBatch.from_pydict(
            {"cert_no": [people[k] for k in chunk], "name": ["张三"] * len(chunk), "wage": ["1"] * len(chunk)}
        ))
        (duplicates.within if checked else duplicates.record)(rows, number)
    expected: dict[str, int] = {}
    seen: dict[int, int] = {}
    for number, chunk in enumerate(chunks):
        for k in chunk:
            if k in seen and (not checked or seen[k] != number):  # within() flags a chunk's own repeats
                expected.setdefault(people[k], seen[k])
            seen.setdefault(k, number)
    assert duplicates.between() == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 10**17), max_size=8), min_size=1, max_size=5), st.booleans())
@example([[5, 21], [37]], True)  # hashes alike in the weak hash, codes not
@example([[5, 21], [37, 5]], True)
def test_repeated_codes_are_found_exactly(runs: list[list[int]], weak: bool) -> None:
    """any_repeat (a sort of 32-bit hashes, then of the codes in buckets where a hash repeats)
    says whether a code repeats, also when many hashes collide (a weak hash)."""
    from medins_core.bulk import _partial

    arrays = [np.array(run, dtype=np.int64) for run in runs]
    with pytest.MonkeyPatch.context() as patch:
        if weak:  # every code alike modulo 16 hashes alike
            patch.setattr(_partial, "_hash", lambda codes: (codes % 16).astype(np.uint32) << np.uint32(28))
        found = _partial.any_repeat(arrays)
    flat = [code for run in runs for code in run]
    assert found == (len(set(flat)) < len(flat))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([None, "", "a", " ", "张"]), st.sampled_from([None, "", "5"]), st.sampled_from([None, 1])),
             min_size=1, max_size=12),
    st.integers(0, 3),
    st.booleans(),
)
def test_blank_rows_are_the_rows_of_empty_or_null_cells(rows: list[tuple[Any, Any, Any]], skip: int, dictionary: bool) -> None:
    """blank_rows (empty text read from the offsets) flags the rows whose every cell is empty
    or null, in sliced, dictionary and integer columns too."""
    from medins_core.bulk._arrow import blank_rows

    names, wages, numbers = (list(column) for column in zip(*rows))
    name = pa.array(names, pa.string())
    batch = pa.RecordBatch.from_arrays(
        [name.dictionary_encode() if dictionary else name, pa.array(wages, pa.large_string()), pa.array(numbers, pa.int64())],
        names=["name", "wage", "n"],
    ).slice(min(skip, len(rows)))
    expected = [all(cell in (None, "") for cell in row) for row in rows[min(skip, len(rows)) :]]
    assert blank_rows(batch).tolist() == expected
