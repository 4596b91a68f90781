"""Every hostile input of the test corpus, each command in its own process: peak memory and time.

The limits the hostile-input suite (tests/test_hostile_cli.py) states are 1 GB of peak memory
and 30 s for reading any input; the suite itself runs in process, where neither can be told
apart per case. Here each case runs as ``python -m medins_core.cli …`` in a fresh process and
its peak resident memory (``ru_maxrss`` of the child) and wall time are reported, worst first,
beside the comparator: the same command on the good 3-row roster.

    python benchmarks/bench_hostile.py [--limit N]      # on demand; a few minutes for the corpus
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_hostile_cli as corpus  # noqa: E402 - the tests' own generator of the corpus

MEMORY_LIMIT = 1 << 30
TIME_LIMIT = 30.0


def run(argv: list[str], folder: Path) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in bytes and exit code of one command in a fresh process."""
    start = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "medins_core.cli", *argv], cwd=folder,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "TMPDIR": str(folder.parent)},
    )  # fmt: skip
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest so far
    child.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss * 1024, child.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N cases")
    args = parser.parse_args()
    cases = corpus.CASES[: args.limit or None]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "c"
        folder.mkdir()
        corpus._write_corpus(folder)
        baseline, _, _ = run(["assess", str(folder / "good.csv"), *corpus.ASSESS], folder)
        rows = []
        for case in cases:
            argv = [a.replace("{dir}", str(folder)) for a in case.argv]
            seconds, peak, code = run(argv, folder)
            rows.append((seconds, peak, code, case.name))
            for leftover in ("out.xlsx", "fail.xlsx", "add.xlsx"):
                (folder / leftover).unlink(missing_ok=True)
    peak_all = max(p for _, p, _, _ in rows)
    slowest = max(rows)
    print(f"{len(rows)} hostile cases, each in its own process")
    print(f"comparator: assess of the good 3-row roster {baseline * 1000:.0f} ms")
    print(f"slowest: {slowest[3]} {slowest[0]:.2f} s ({slowest[0] / baseline:.1f}× the comparator; limit {TIME_LIMIT:.0f} s)")
    print(f"highest peak memory: {peak_all / 2**20:.0f} MB (limit {MEMORY_LIMIT / 2**20:.0f} MB)")
    print("the ten slowest:")
    for seconds, _, code, name in sorted(rows, reverse=True)[:10]:
        print(f"  {seconds:6.2f} s  exit {code}  {name}")
    over = [r for r in rows if r[0] > TIME_LIMIT or r[1] > MEMORY_LIMIT]
    print(f"over a limit: {len(over)}" + "".join(f"\n  {r[3]}" for r in over))
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
