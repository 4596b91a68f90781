"""Real processes against one book, on SQLite and on PostgreSQL.

* several processes assessing the same unit and period at once store exactly one assessment
  (the schema's unique constraint and a transaction, no lock file), one unit at a time or
  many units in groups;
* a process killed with SIGKILL in the middle of a batch leaves the book as it was;
* an enrollment committed while processes ask for an assessment gives one supplement, never a
  stale "existing" (the unit's version is written in the enrollment's transaction).
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from test_book import UNIT, count, db_url, enroll_file, pg_server, registry_for  # noqa: F401

from medins_core import book
from medins_core.book.models import AssessmentRow, CoverRow, EventRow, PersonRow
from medins_core.period import Period

WORKER = """
import sys, time, pathlib, datetime
from medins_core import book
from medins_core.period import Period
from medins_core.registry import load_registry
url, params, go, job = sys.argv[1:5]
opened = book.Book(url, actor=job, registry=load_registry([params], use_env=False))
while not pathlib.Path(go).exists():
    time.sleep(0.005)
if job == "assess":
    found = book.assess_unit(opened, "%s", Period(2023, 1), Period(2023, 3))
    print(found.kind, found.id)
elif job == "units":
    for uscc, made in book.assess_units(opened, None, Period(2023, 1), per_transaction=2).items():
        print(uscc, made.kind, made.id)
else:
    def slow(row):
        if row == 50:  # half-way: tell the parent, then wait to be killed
            pathlib.Path(go + ".half").write_text("")
            time.sleep(60)
    book.apply_file(opened, "enroll", job, "%s", today=datetime.date(2023, 1, 10), on_row=slow)
    print("finished")
""" % (UNIT, UNIT)


def _setup(url: str, tmp_path: Path) -> tuple[book.Book, Path]:
    params = tmp_path / "params"
    opened = book.Book(url, registry=registry_for(params))
    opened.add_unit(UNIT, "大连示例", "210200", "21020001")
    return opened, params


def _start(url: str, params: Path, go: Path, job: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, url, str(params), str(go), job],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_processes_assessing_at_once_store_one_assessment(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    opened, params = _setup(db_url, tmp_path)
    path = enroll_file(tmp_path / "e.csv", [(i, "6000") for i in range(30)])
    assert len(book.apply_file(opened, "enroll", path, UNIT, today=datetime.date(2023, 1, 10)).changes) == 30
    go = tmp_path / "go"
    workers = [_start(db_url, params, go, "assess") for _ in range(4)]
    time.sleep(2.0)  # let every worker open the book and wait at the line
    go.write_text("")
    answers = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        answers.append(out.split())
    kinds = sorted(kind for kind, _ in answers)
    assert kinds == ["existing", "existing", "existing", "original"]
    assert len({ident for _, ident in answers}) == 1
    assert count(opened, AssessmentRow) == 1
    with opened.transaction() as s:
        assert s.scalar(sa.select(AssessmentRow.total_fen)) == 30 * 3 * 60000
    opened.close()


def test_processes_assessing_every_unit_at_once_store_one_assessment_each(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    opened, params = _setup(db_url, tmp_path)
    units = [UNIT] + [f"912102000000000{u:02d}X" for u in range(1, 5)]
    for u, uscc in enumerate(units):
        if u:
            opened.add_unit(uscc, f"单位{u}", "210200")
        path = enroll_file(tmp_path / "e.csv", [(20 * u + i, "6000") for i in range(20)])
        assert len(book.apply_file(opened, "enroll", path, uscc, today=datetime.date(2023, 1, 10)).changes) == 20
    go = tmp_path / "go"
    workers = [_start(db_url, params, go, "units") for _ in range(3)]
    time.sleep(2.0)
    go.write_text("")
    kinds: dict[str, list[str]] = {uscc: [] for uscc in units}
    ids: dict[str, set[str]] = {uscc: set() for uscc in units}
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err
        for uscc, kind, ident in (line.split() for line in out.splitlines()):
            kinds[uscc].append(kind)
            ids[uscc].add(ident)
    assert all(sorted(found) == ["existing", "existing", "original"] for found in kinds.values()), kinds
    assert all(len(found) == 1 for found in ids.values())
    assert count(opened, AssessmentRow) == 5
    with opened.transaction() as s:
        assert s.scalar(sa.select(sa.func.sum(AssessmentRow.total_fen))) == 5 * 20 * 60000
    opened.close()


def test_a_batch_killed_half_way_leaves_the_book_as_it_was(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    opened, params = _setup(db_url, tmp_path)
    before = count(opened, EventRow)
    path = enroll_file(tmp_path / "e.csv", [(i, "6000") for i in range(120)])
    go = tmp_path / "go"
    go.write_text("")
    worker = _start(db_url, params, go, str(path))
    deadline = time.monotonic() + 120
    while not Path(str(go) + ".half").exists():
        assert worker.poll() is None, worker.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    # nothing of the batch is in the book, and the book takes the same batch again
    assert (count(opened, CoverRow), count(opened, PersonRow), count(opened, EventRow)) == (0, 0, before)
    again = book.apply_file(opened, "enroll", path, UNIT, today=datetime.date(2023, 1, 10))
    assert len(again.changes) == 120 and count(opened, CoverRow) == 120
    opened.close()


ASKER = """
import sys, time, pathlib, datetime
from medins_core import book
from medins_core.period import Period
from medins_core.registry import load_registry
url, params, go, job = sys.argv[1:5]
opened = book.Book(url, actor="asker", registry=load_registry([params], use_env=False))
while not pathlib.Path(go).exists():
    time.sleep(0.005)
if job == "ask":
    kinds = [book.assess_unit(opened, "%s", Period(2023, 1), Period(2023, 3)).kind for _ in range(25)]
    print(" ".join(kinds))
else:
    time.sleep(0.2)  # the askers are under way
    print(len(book.apply_file(opened, "enroll", job, "%s", today=datetime.date(2023, 1, 10)).changes))
""" % (UNIT, UNIT)


def test_a_late_enrollment_among_processes_asking_is_never_missed(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    # an existing assessment is returned without assessing only while the unit's version is
    # the one it recorded: an enrollment committed among the askers must give one supplement
    opened, params = _setup(db_url, tmp_path)
    book.apply_file(opened, "enroll", enroll_file(tmp_path / "e.csv", [(i, "6000") for i in range(30)]),
                    UNIT, today=datetime.date(2023, 1, 10))  # fmt: skip
    first = book.assess_unit(opened, UNIT, Period(2023, 1), Period(2023, 3))
    late = enroll_file(tmp_path / "late.csv", [(i, "6000") for i in range(30, 35)])
    go = tmp_path / "go"
    jobs = ["ask", "ask", "ask", str(late)]
    workers = [
        subprocess.Popen([sys.executable, "-c", ASKER, db_url, str(params), str(go), job],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for job in jobs
    ]  # fmt: skip
    time.sleep(2.0)
    go.write_text("")
    answers = []
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err
        answers.append(out.split())
    assert answers[-1] == ["5"]
    assert all(set(kinds) <= {"existing", "supplementary"} for kinds in answers[:-1])
    after = book.assess_unit(opened, UNIT, Period(2023, 1), Period(2023, 3))
    again = book.assess_unit(opened, UNIT, Period(2023, 1), Period(2023, 3))
    assert again.kind == "existing" and again.id == after.id != first.id
    assert count(opened, AssessmentRow) == 2  # the original and exactly one supplement
    with opened.transaction() as s:
        assert s.scalar(sa.select(sa.func.sum(AssessmentRow.total_fen))) == 35 * 3 * 60000
    opened.close()
