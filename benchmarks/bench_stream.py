"""Peak memory and time of ``medins assess --engine bulk --format csv|json`` on a big roster.

Run on demand (it measures, never asserts speed)::

    python benchmarks/bench_stream.py                        # 1,000,000 persons × 12 months, CSV
    python benchmarks/bench_stream.py --persons 20000 --format json
    python benchmarks/bench_stream.py --src /tmp/old/src     # the same command from another source tree

The roster is bench_bulk.py's synthetic one (Suzhou, six lines; 1M persons × 12 months is
72M lines, some 6.5 GB of CSV). The command runs as a child process writing to /dev/null;
its peak RSS is the child's own ``ru_maxrss`` from ``os.wait4``, its time the wall clock.
``--src`` puts another checkout's ``src`` first on PYTHONPATH (e.g. the code before the lines
were streamed, from ``git archive``), to measure before and after on the same file.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

sys.path.insert(0, str(Path(__file__).parent))
from bench_bulk import roster as bulk_roster  # noqa: E402

WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)])


def certs(persons: int) -> pa.Array:
    """Distinct resident ID numbers the command line accepts (real birth dates, check digits)."""
    i = np.arange(persons)
    days = np.datetime64("1960-01-01") + (i // 1000).astype("timedelta64[D]")
    dates = np.char.replace(np.datetime_as_string(days, unit="D"), "-", "")
    bodies = np.char.add(np.char.add("320506", dates), np.char.zfill((i % 1000).astype(str), 3))
    digits = np.frombuffer("".join(bodies.tolist()).encode(), dtype=np.uint8).reshape(persons, 17) - ord("0")
    check = (12 - (digits * WEIGHTS).sum(axis=1) % 11) % 11
    tail = np.where(check == 10, "X", check.astype(str))
    return pa.array(np.char.add(bodies, tail).tolist(), pa.string())


def write(path: Path, persons: int, months: int) -> None:
    """bench_bulk.py's synthetic roster with ID numbers the roster checks accept."""
    table = bulk_roster(persons, months)
    table = table.set_column(0, "cert_no", certs(persons))
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="none"))


def measure(roster: Path, months: int, fmt: str, src: str | None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit status of one run of the command."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    end = f"2023{months - 4:02d}" if months > 5 else f"2022{7 + months:02d}"
    command = [
        sys.executable, "-m", "medins_core.cli", "assess", str(roster), "--region", "320500",
        "--period", "202208", "--to", end, "--engine", "bulk", "--format", fmt,
    ]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if status:
        print(errors.decode(errors="replace"), file=sys.stderr)
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=12, choices=range(1, 13))
    parser.add_argument("--format", choices=["csv", "json"], default="csv")
    parser.add_argument("--src", help="run the command from this source tree instead")
    parser.add_argument("--dir", help="keep the roster in this folder (reused if present)")
    parser.add_argument("--write-to", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_to:
        write(Path(args.write_to), args.persons, args.months)
        return
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.dir or scratch)
        roster = folder / f"roster-{args.persons}x{args.months}.csv"
        if not roster.exists():
            # in a child: the command's ru_maxrss counts this process's memory at fork time,
            # which the roster's tables would fill (648 MB measured for 1M × 12 instead of 327)
            subprocess.run([sys.executable, __file__, "--write-to", str(roster), "--persons", str(args.persons),
                            "--months", str(args.months)], check=True)
        seconds, peak, code = measure(roster, args.months, args.format, args.src)
    lines = args.persons * args.months * 6
    print(
        f"{args.persons:,} persons × {args.months} months, --format {args.format}: "
        f"{seconds:.1f} s, peak RSS {peak:,.0f} MB, exit {code} (about {lines:,} lines)"
    )


if __name__ == "__main__":
    main()
