"""Every command over a corpus of hostile inputs, generated here: each ends cleanly.

For every case: the exit code is one the case allows (0 done, 1 rows refused by ``check``,
2 error), an error is a coded ``[code]`` message, there is no traceback and no internal
error, no full ID or mobile number in any message, no CSV cell that a spreadsheet would run
as a formula, every input file is byte for byte unchanged, and no temporary file is left.
Data outputs (JSON/CSV lines, exported workbooks) may carry the roster's own ID numbers in
full: they are the data; any other full number is a leak.

The CLI runs in process (``medins_core.cli.main``) with captured streams, to keep the suite
quick; the signal tests are in tests/test_hostile_signals.py.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import json
import os
import random
import re
import stat
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
import xlsxwriter  # type: ignore[import-untyped]

from medins_core.cli import main
from medins_core.render import FORMULA_PREFIXES
from medins_core.testing import make_resident_id

pa = pytest.importorskip("pyarrow")
import pyarrow.parquet as pq  # noqa: E402

ID_RE = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")
MOBILE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ID = make_resident_id(sequence=11)
ID2 = make_resident_id(birth="19900707", sequence=22)
FUTURE_ID = make_resident_id(birth="20990101", sequence=33)
MOBILE = "13812345678"
HEADER = "证件号码,姓名,缴费工资"


def _csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def _xlsx(rows: list[list[object]], *, hidden_first: list[list[object]] | None = None) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    if hidden_first is not None:
        hidden = book.add_worksheet("旧")
        for r, row in enumerate(hidden_first):
            hidden.write_row(r, 0, row)
    sheet = book.add_worksheet("花名册")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, str(value))
    if hidden_first is not None:
        sheet.activate()
        book.worksheets()[0].hide()
    book.close()
    return out.getvalue()


def _rewrite(data: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info)))
    return out.getvalue()


GOOD_ROWS = [["证件号码", "姓名", "缴费工资"], [ID, "张伟", "8500"], [ID2, "王芳", "6000"]]

#: Roster-like inputs: name → (bytes, suffix, whether it is a good roster).
ROSTERS: dict[str, tuple[bytes, str, bool]] = {
    "good": (_csv(HEADER, f"{ID},张伟,8500", f"{ID2},王芳,6000"), ".csv", True),
    "bom": (b"\xef\xbb\xbf" + _csv(HEADER, f"{ID},张伟,8500"), ".csv", True),
    "gb18030": (_csv(HEADER, f"{ID},张伟,8500", encoding="gb18030"), ".csv", True),
    "thousands": (_csv(HEADER, f"{ID},张伟,8,500"), ".csv", False),
    "fewer_cells": (_csv(HEADER, f"{ID},张伟"), ".csv", False),
    "header_only": (_csv(HEADER), ".csv", False),
    "empty": (b"", ".csv", False),
    "blank_lines": (b"\n\n\n", ".csv", False),
    "mixed_encoding": (_csv(HEADER, f"{ID},张伟,8500") + "王".encode("gbk") + b",x,1\n", ".csv", False),
    "utf16": (_csv(HEADER, f"{ID},张伟,8500").decode().encode("utf-16"), ".csv", False),
    "nul_bytes": (_csv(HEADER, f"{ID},张\x00伟,8500"), ".csv", False),
    "huge_field": (_csv(HEADER, f'{ID},"{"长" * 140_000}",8500'), ".csv", False),
    "long_name": (_csv(HEADER, f"{ID},{'名' * 40_000},8500"), ".csv", False),
    "unbalanced_quote": (_csv(HEADER, f'{ID},"张伟,8500'), ".csv", False),
    "wage_zero": (_csv(HEADER, f"{ID},张伟,0"), ".csv", False),
    "wage_negative": (_csv(HEADER, f"{ID},张伟,-8500"), ".csv", False),
    "wage_text": (_csv(HEADER, f"{ID},张伟,八千"), ".csv", False),
    "wage_exponent": (_csv(HEADER, f"{ID},张伟,1e3"), ".csv", False),
    "wage_is_id": (_csv(HEADER, f"{ID},张伟,{ID2}"), ".csv", False),
    "wage_is_mobile": (_csv(HEADER, f"{ID},张伟,{MOBILE}"), ".csv", False),
    "not_an_id": (_csv(HEADER, "not-an-id,张伟,5000"), ".csv", False),
    "bad_check_digit": (_csv(HEADER, f"{ID[:-1]}{'0' if ID[-1] != '0' else '1'},张伟,5000"), ".csv", False),
    "future_birth": (_csv(HEADER, f"{FUTURE_ID},张伟,5000"), ".csv", False),
    "duplicate": (_csv(HEADER, f"{ID},张伟,8500", f"{ID},张伟,8500"), ".csv", False),
    "unknown_column": (_csv(HEADER + ",备注", f"{ID},张伟,8500,x"), ".csv", False),
    "missing_column": (_csv("证件号码,姓名", f"{ID},张伟"), ".csv", False),
    "period_is_id": (_csv(HEADER + ",参保开始年月", f"{ID},张伟,8500,{ID2}"), ".csv", False),
    "lines_is_id": (_csv(HEADER + ",险种", f"{ID},张伟,8500,{ID2}"), ".csv", False),
    "name_formula": (_csv(HEADER, f"{ID},=1+1,8500", f"{ID2},\"=cmd|' /C calc'!A0\",6000"), ".csv", True),
    "name_plus_at": (_csv(HEADER, f"{ID},+张伟,8500", f"{ID2},@王芳,6000"), ".csv", True),
    "name_minus_tab": (_csv(HEADER, f"{ID},-张伟,8500", f'{ID2},"\t王芳",6000'), ".csv", True),
    "name_mobile": (_csv(HEADER, f"{ID},{MOBILE},8500"), ".csv", True),
    "random_bytes": (random.Random(1).randbytes(3000), ".csv", False),
    "xlsx_good": (_xlsx(GOOD_ROWS), ".xlsx", True),
    "xlsx_hidden_first": (
        _xlsx(GOOD_ROWS, hidden_first=[["证件号码", "姓名", "缴费工资"], [ID, "张伟", "99999"]]),
        ".xlsx",
        True,
    ),
    "xlsx_no_refs": (
        _rewrite(_xlsx(GOOD_ROWS), lambda n, d: re.sub(rb' r="[A-Z]+[0-9]+"', b"", d) if "sheet" in n else d),
        ".xlsx",
        True,
    ),
    "xlsx_wide_no_refs": (  # 16,384 empty cells a row: read, trailing blanks dropped
        _rewrite(
            _xlsx(GOOD_ROWS),
            lambda n, d: re.sub(rb' r="[A-Z]+[0-9]+"', b"", d).replace(b"</row>", b"<c/>" * 16_384 + b"</row>")
            if "worksheets/sheet" in n else d,
        ),
        ".xlsx",
        True,
    ),
    "xlsx_many_wide_rows_no_refs": (  # 3.3 million cells without r=: refused before reading
        _rewrite(
            _xlsx(GOOD_ROWS),
            lambda n, d: re.sub(rb' r="[A-Z]+[0-9]+"', b"", d).replace(
                b"</sheetData>", (b"<row>" + b"<c/>" * 16_384 + b"</row>") * 200 + b"</sheetData>"
            )
            if "worksheets/sheet" in n else d,
        ),
        ".xlsx",
        False,
    ),
    "xlsx_long_shared_string": (
        _rewrite(_xlsx(GOOD_ROWS), lambda n, d: d.replace("王芳".encode(), "王".encode() * 300_000) if "sharedStrings" in n else d),
        ".xlsx",
        False,
    ),
    "xlsx_huge_extent": (
        _rewrite(_xlsx(GOOD_ROWS), lambda n, d: d.replace(b'r="C3"', b'r="XFD1048576"') if "worksheets/sheet" in n else d),
        ".xlsx",
        False,
    ),
    "xlsx_truncated": (_xlsx(GOOD_ROWS)[:700], ".xlsx", False),
    "xlsx_junk": (b"PK\x03\x04" + random.Random(2).randbytes(2000), ".xlsx", False),
    "xls": (b"\xd0\xcf\x11\xe0" + bytes(500), ".xls", False),
    "txt": (b"hello", ".txt", False),
}

#: Inputs only the bulk engine reads.
BULK_ONLY: dict[str, bytes] = {
    "gz_good.csv.gz": gzip.compress(_csv(HEADER, f"{ID},张伟,8500")),
    "gz_truncated.csv.gz": gzip.compress(_csv(HEADER, *[f"{ID},张伟,8500"] * 200))[:-40],
    "gz_junk.csv.gz": b"\x1f\x8b" + random.Random(3).randbytes(1000),
    "gz_long_line.csv.gz": gzip.compress(b"a" * 50_000_000),
    "junk.parquet": random.Random(4).randbytes(2000),
    "empty.parquet": b"",
}


def _parquet(**columns: object) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue()


BULK_ONLY["float_wage.parquet"] = _parquet(证件号码=[ID], 姓名=["张伟"], 缴费工资=[8500.0])
BULK_ONLY["good.parquet"] = _parquet(证件号码=[ID], 姓名=["张伟"], 缴费工资=["8500"])
BULK_ONLY["no_columns.parquet"] = _parquet(x=[1])

ASSESS = ["--region", "320500", "--period", "2022-08"]


@attrs.frozen
class Case:
    name: str
    argv: tuple[str, ...]  # with {dir} for the case's folder
    codes: frozenset[int]
    data_out: bool = False  # stdout is data (JSON or CSV lines)


def _cases() -> Iterator[Case]:
    for name, (_, suffix, good) in ROSTERS.items():
        f = f"{{dir}}/{name}{suffix}"
        ok = frozenset({0}) if good else frozenset({2})
        either = frozenset({0, 1, 2})  # reconcile: 1 when the lists differ
        yield Case(f"assess-table-{name}", ("assess", f, *ASSESS), ok)
        yield Case(f"assess-json-{name}", ("assess", f, *ASSESS, "--format", "json"), ok, True)
        yield Case(f"assess-csv-{name}", ("assess", f, *ASSESS, "--format", "csv"), ok, True)
        bulk_ok = ok if suffix == ".csv" else frozenset({2})  # the bulk engine reads no xlsx
        yield Case(f"assess-bulk-{name}", ("assess", f, *ASSESS, "--engine", "bulk", "--format", "csv"), bulk_ok, True)
        yield Case(f"export-roster-{name}", ("export", "roster", f, *ASSESS, "-o", "{dir}/out.xlsx"), ok)
        yield Case(f"export-notice-self-{name}", ("export", "notice", f, *ASSESS, "-o", f), frozenset({2}))
        yield Case(f"check-{name}", ("check", "enroll", f, "--region", "320500", "--failures", "{dir}/fail.xlsx"),
                   frozenset({0, 1, 2}))
        yield Case(f"check-self-{name}", ("check", "enroll", f, "--region", "320500", "--failures", f),
                   frozenset({1, 2}) if not good else frozenset({0, 1, 2}))
        yield Case(f"reconcile-{name}", ("reconcile", f, "--roster", "{dir}/good.csv", "--region", "320500",
                                         "--add-out", "{dir}/add.xlsx"), either)
    for name in BULK_ONLY:
        good = name.startswith("g") and "good" in name
        yield Case(f"bulk-{name}", ("assess", f"{{dir}}/{name}", *ASSESS, "--engine", "bulk"),
                   frozenset({0}) if good else frozenset({2}))
    good = "{dir}/good.csv"
    for target, label in (
        ("{dir}/missing/out.xlsx", "missing-dir"), ("{dir}", "directory"), ("", "empty"), (" ", "blank"),
        ("{dir}/full", "device-full"), ("{dir}/null", "device-null"), ("{dir}/fifo", "fifo"), ("{dir}/link.xlsx", "symlink"),
        ("{dir}/hardlink.csv", "hardlink-to-input"), ("{dir}/./good.csv", "input-other-spelling"),
    ):
        yield Case(f"export-out-{label}", ("export", "roster", good, *ASSESS, "-o", target), frozenset({2}))
        yield Case(f"check-out-{label}", ("check", "enroll", good, "--region", "320500", "--failures", target),
                   frozenset({2}))
        if "input" not in label:  # template reads nothing: any regular file may be replaced
            yield Case(f"template-out-{label}", ("template", "enroll", "--region", "320500", "-o", target),
                       frozenset({2}))
    yield Case("reconcile-add-out-is-staff", ("reconcile", good, "--roster", "{dir}/xlsx_good.xlsx",
                                              "--region", "320500", "--add-out", good), frozenset({2}))
    yield Case("reconcile-add-out-is-roster", ("reconcile", good, "--roster", "{dir}/xlsx_good.xlsx",
                                               "--region", "320500", "--add-out", "{dir}/xlsx_good.xlsx"), frozenset({2}))
    for period in ("2999-12", "0000-01", "2022-13", ID, "20228", "", "2022-08-01x"):
        yield Case(f"period-{period or 'empty'}", ("assess", good, "--region", "320500", "--period", period), frozenset({2}))
    for region in ("999999", ID, "", "../../etc"):
        yield Case(f"region-{region or 'empty'}", ("assess", good, "--region", region, "--period", "2022-08"),
                   frozenset({2}))
    yield Case("params-deep-toml", ("assess", good, *ASSESS, "--params", "{dir}/deep"), frozenset({2}))
    yield Case("params-junk-toml", ("assess", good, *ASSESS, "--params", "{dir}/junk"), frozenset({0, 2}))
    yield Case("missing-input", ("assess", "{dir}/nope.csv", *ASSESS), frozenset({2}))
    yield Case("input-is-directory", ("assess", "{dir}", *ASSESS), frozenset({2}))


CASES = list(_cases())


def _write_corpus(folder: Path) -> None:
    for name, (data, suffix, _) in ROSTERS.items():
        (folder / f"{name}{suffix}").write_bytes(data)
    for name, data in BULK_ONLY.items():
        (folder / name).write_bytes(data)
    os.mkfifo(folder / "fifo")
    for name, minor in (("null", 3), ("full", 7)):
        _device(folder / name, minor)
    elsewhere = folder.parent / f"{folder.name}-elsewhere.xlsx"
    elsewhere.write_bytes(b"not to be replaced")
    (folder / "link.xlsx").symlink_to(elsewhere)
    os.link(folder / "good.csv", folder / "hardlink.csv")
    (folder / "deep").mkdir()
    (folder / "deep" / "deep.toml").write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    (folder / "junk").mkdir()
    (folder / "junk" / "junk.toml").write_bytes(random.Random(5).randbytes(500))


def _device(path: Path, minor: int) -> None:
    """A private copy of /dev/null or /dev/full (a FIFO where mknod is not allowed): a refused
    output must be refused without the test ever aiming at the machine's own device nodes."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except PermissionError:
        os.mkfifo(path)


def _hashes(folder: Path) -> dict[str, str]:
    hashes = {}
    for path in sorted(folder.parent.glob(f"{folder.name}*")) + sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.name not in ("out.xlsx", "fail.xlsx", "add.xlsx"):
            hashes[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def test_the_corpus_is_large_and_covers_every_command() -> None:
    assert len(CASES) >= 250
    assert {case.argv[0] for case in CASES} >= {"assess", "export", "check", "reconcile", "template"}


@contextlib.contextmanager
def _streams() -> Iterator[tuple[io.TextIOWrapper, io.TextIOWrapper]]:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        yield out, err
    finally:
        sys.stdout, sys.stderr = saved


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    return stream.buffer.getvalue().decode("utf-8", errors="replace")  # type: ignore[attr-defined]


def _leaks(text: str, allowed: set[str]) -> list[str]:
    return [m for m in ID_RE.findall(text) + MOBILE_RE.findall(text) if m not in allowed]


def _workbook_text(path: Path) -> str:
    with zipfile.ZipFile(path) as book:
        return "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist() if n.endswith(".xml"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_ends_cleanly(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    _write_corpus(folder)
    monkeypatch.chdir(folder)  # relative targets (" ") land in the case's folder
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.delenv("MEDINS_PARAMS", raising=False)
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = _hashes(folder)
    argv = [a.replace("{dir}", str(folder)) for a in case.argv]
    with _streams() as (out, err):
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse refusing an argument
            status = int(exc.code or 0)
        stdout, stderr = _text(out), _text(err)
    assert status in case.codes, (status, stderr[:500])
    assert "Traceback" not in stdout + stderr and "internal_error" not in stderr, stderr[:2000]
    if status == 2 and not stderr.startswith("usage:"):
        assert re.search(r"\[[a-z_]+\]", stderr), stderr[:500]
    # the inputs' own numbers may be in data outputs (they are the data); never in messages
    data = set()
    for arg in argv:
        if Path(arg).is_file():
            text = Path(arg).read_bytes().decode("utf-8", "replace")
            data |= set(ID_RE.findall(text) + MOBILE_RE.findall(text)) | {ID, ID2}
    assert not _leaks(stderr, set()), stderr[:500]
    assert not _leaks(stdout, data if case.data_out else set()), stdout[:500]
    if case.data_out and "--format" in argv and argv[argv.index("--format") + 1] == "csv" and status == 0:
        for row in list(csv.reader(io.StringIO(stdout)))[1:]:
            assert not any(cell.startswith(FORMULA_PREFIXES) for cell in row[:5]), row
            assert all(cell.replace(".", "").replace("-", "").isdigit() or not cell for cell in row[5:]), row
    for written in (folder / "out.xlsx", folder / "fail.xlsx", folder / "add.xlsx"):
        if written.exists():
            assert not _leaks(_workbook_text(written), data)
    assert _hashes(folder) == before  # every input unchanged, nothing replaced
    assert (folder / "link.xlsx").is_symlink()
    leftovers = [p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".part"))]
    leftovers += [p.name for p in tmp_path.iterdir() if p.name.startswith("medins-")]
    assert not leftovers


def test_a_hidden_first_sheet_is_not_assessed(tmp_path: Path) -> None:
    path = tmp_path / "hidden.xlsx"
    path.write_bytes(ROSTERS["xlsx_hidden_first"][0])
    with _streams() as (out, _):
        assert main(["assess", str(path), *ASSESS, "--format", "json"]) == 0
        data = json.loads(_text(out))
    assert data["persons"] == 2  # the visible sheet's two persons, not the hidden sheet's one


def test_both_engines_refuse_with_the_reference_codes_and_rows(tmp_path: Path) -> None:
    verdicts = {}
    for name in ("thousands", "wage_zero", "not_an_id", "header_only", "future_birth", "duplicate", "wage_text"):
        path = tmp_path / f"{name}.csv"
        path.write_bytes(ROSTERS[name][0])
        for engine in ("reference", "bulk"):
            with _streams() as (_, err):
                assert main(["assess", str(path), *ASSESS, "--engine", engine]) == 2
                verdicts[name, engine] = re.findall(r"\[([a-z_]+)\][^:]*?第 (\d+) 行", _text(err))[:1]
        assert verdicts[name, "reference"] == verdicts[name, "bulk"] != [], name
