"""Streamed lines of the bulk engine: the same bytes as the kept lines, in the documented order."""

from __future__ import annotations

import datetime
import io
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")

from medins_core.bulk import LineCsvWriter, LineSpool, assess_file, assess_table, write_lines
from medins_core.bulk import _spool
from medins_core.registry import load_registry

REGISTRY = load_registry(use_env=False)
SUZHOU = REGISTRY.region("320500")
HUAIAN = REGISTRY.region("320800")


def certs(persons: int) -> list[str]:
    """Distinct resident ID numbers with right check characters."""
    from stdnum.cn import ric

    first = datetime.date(1960, 1, 1)
    bodies = [f"320506{first + datetime.timedelta(days=i // 1000):%Y%m%d}{i % 1000:03d}" for i in range(persons)]
    return [body + ric.calc_check_digit(body + "0") for body in bodies]


def roster(persons: int, seed: int = 7) -> Any:
    """Persons in shuffled order, some joining or leaving inside the range, odd names."""
    rng = random.Random(seed)
    certs = globals()["certs"](persons)
    rng.shuffle(certs)
    names = ["张伟", 'O"Neil, Jr', "=1+1", "李\\强", "王\t芳", "赵磊"]
    return pa.table({
        "cert_no": certs,
        "name": [rng.choice(names) for _ in certs],
        "wage": [f"{rng.randint(2000, 40000)}.{rng.randint(0, 99):02d}" for _ in certs],
        "person_no": pa.array([None if rng.random() < 0.5 else str(i) for i in range(persons)], pa.string()),
        "start": [rng.choice(["", "", "202210", "202301"]) for _ in certs],
        "end": [rng.choice(["", "", "", "202211"]) for _ in certs],
    })


def kept_and_streamed(table: Any, rules: Any, chunk_rows: int, fmt: str) -> tuple[bytes, bytes]:
    """What the command line printed with every line kept, and what it prints streamed."""
    span = ("202208", "202301") if rules is SUZHOU else ("202101", "202103")
    kept = assess_table(table, rules, *span, chunk_rows=chunk_rows)
    before = io.BytesIO()
    if fmt == "csv":
        with LineCsvWriter(before) as write:
            write(kept.lines)
    else:
        before.write((json.dumps(kept.to_json(), ensure_ascii=False, indent=2) + "\n").encode())
    after = io.BytesIO()
    with LineSpool() as spool:
        result = assess_table(table, rules, *span, chunk_rows=chunk_rows, keep_lines=False, on_lines=spool)
        count = write_lines(result, spool, fmt, after)
    assert count == kept.lines.num_rows
    return before.getvalue(), after.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("chunk_rows", [7, 64, 1000])
def test_streamed_lines_are_the_kept_lines_byte_for_byte(
    fmt: str, chunk_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_spool, "BLOCK_ROWS", 5)  # many blocks and runs to merge
    monkeypatch.setattr(_spool, "OUT_ROWS", 11)
    before, after = kept_and_streamed(roster(300), SUZHOU, chunk_rows, fmt)
    assert after == before
    assert before.count(b"\n") > 300 * 6


def test_json_without_lines_and_with_unknown_transfers() -> None:
    for table in (roster(0).slice(0, 0), roster(3).drop_columns(["start", "end"])):
        before, after = kept_and_streamed(table, HUAIAN, 2, "json")
        assert after == before
        assert json.loads(after)["lines"] == json.loads(before)["lines"]


def test_the_spool_is_removed() -> None:
    spool = LineSpool()
    folder = Path(spool._path).parent
    assert folder.is_dir()
    spool.close()
    assert not folder.exists()


def medins(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "medins_core.cli", *args], capture_output=True, check=False)


ASSESS = ("--region", "320500", "--period", "202208", "--to", "202301", "--engine", "bulk")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_command_line_prints_and_writes_the_same_bytes(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    table = roster(50)
    path.write_text("cert_no,name,wage\n" + "".join(
        f"{c},{n},{w}\n" for c, n, w in zip(table["cert_no"].to_pylist(), ["张伟"] * 50, table["wage"].to_pylist())
    ), "utf-8")
    printed = medins("assess", str(path), *ASSESS, "--format", fmt)
    assert printed.returncode == 0, printed.stderr.decode()
    out = tmp_path / f"lines.{fmt}"
    written = medins("assess", str(path), *ASSESS, "--format", fmt, "-o", str(out))
    assert written.returncode == 0 and written.stdout == b""
    assert out.read_bytes() == printed.stdout
    reference = medins("assess", str(path), *ASSESS[:-2], "--format", fmt)
    if fmt == "json":
        assert json.loads(printed.stdout) == json.loads(reference.stdout)
    else:
        assert printed.stdout == reference.stdout


def test_a_refused_row_after_the_first_lines_prints_and_writes_nothing(tmp_path: Path) -> None:
    """A bad row in a later chunk is found after lines were computed: still no output."""
    path = tmp_path / "roster.csv"
    rows = [f"{cert},张伟,8000" for cert in certs(300_000)] + ["bad,张伟,8000"]
    path.write_text("cert_no,name,wage\n" + "\n".join(rows) + "\n", "utf-8")
    out = tmp_path / "lines.csv"
    out.write_bytes(b"kept")
    for extra in ((), ("-o", str(out))):
        done = medins("assess", str(path), *ASSESS, "--to", "202208", "--format", "csv", *extra)
        assert done.returncode == 2 and done.stdout == b""
        assert b"300002" in done.stderr
    assert out.read_bytes() == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lines.csv", "roster.csv"]


@pytest.mark.parametrize("engine", ["reference", "bulk"])
def test_the_output_may_not_be_the_roster(engine: str, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("cert_no,name,wage\n" + "".join(f"{c},张伟,8000\n" for c in certs(3)), "utf-8")
    before = path.read_bytes()
    done = medins("assess", str(path), *ASSESS[:-1], engine, "--format", "csv", "-o", str(path))
    assert done.returncode == 2 and b"output_is_input" in done.stderr
    assert path.read_bytes() == before
