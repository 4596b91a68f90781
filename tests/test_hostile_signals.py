"""SIGTERM, SIGHUP and SIGINT at random moments of a long export leave nothing behind.

A real ``medins export roster`` runs as a subprocess on a roster that takes a few seconds;
a signal is sent at a random moment (the seed is in the test id, so a failure can be
replayed). Afterwards neither the target, nor a ``*.tmp`` beside it, nor a ``medins-*``
scratch folder in ``$TMPDIR`` may exist, and the exit code is 130.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from medins_core.testing import make_resident_id

SIGNALS = [signal.SIGTERM, signal.SIGHUP, signal.SIGINT]


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("signals") / "roster.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["证件号码", "姓名", "缴费工资"])
        for i in range(2500):
            birth = f"19{70 + i % 30}{1 + i % 12:02d}{1 + i % 28:02d}"
            writer.writerow([make_resident_id(birth=birth, sequence=i % 1000), f"职工{i}", 5000 + i])
    return path


def _started(process: subprocess.Popen[bytes], scratch: Path, out: Path) -> bool:
    """Whether the export has begun writing (its temporary folder or file exists)."""
    return any(scratch.glob("medins-*")) or any(out.parent.glob(".*.tmp"))


@pytest.mark.parametrize(("sig", "seed"), [(s, n) for s in SIGNALS for n in (1, 2)],
                         ids=[f"{s.name}-{n}" for s in SIGNALS for n in (1, 2)])
def test_a_signal_during_export_leaves_nothing(roster: Path, tmp_path: Path, sig: signal.Signals, seed: int) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "out" / "roster.xlsx"
    out.parent.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    process = subprocess.Popen(
        [sys.executable, "-m", "medins_core.cli", "export", "roster", str(roster), "--region", "320500",
         "--period", "2022-08", "--to", "2022-12", "-o", str(out)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    # wait for the command to be running (imports done, handlers installed), then a random moment
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if _started(process, scratch, out) or time.monotonic() > deadline - 55:
            break
        time.sleep(0.02)
    time.sleep(random.Random(seed * 31 + sig).uniform(0.0, 1.5))
    assert process.poll() is None, "the export ended before the signal: make the roster larger"
    process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err.decode()
    assert b"Traceback" not in err and b"[interrupted]" in err
    assert not out.exists()
    assert not list(out.parent.iterdir())  # no *.tmp beside the target
    assert not list(scratch.iterdir())  # no medins-xlsx-* with personal data
