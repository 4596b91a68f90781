"""Start-up of the command line, against bare Python, in one run.

    python benchmarks/bench_cli.py [--repeat 15]

Prints the best of ``--repeat`` runs, wall-clock and CPU seconds (user + system, which a
busy machine inflates less), of: ``python -c pass`` (the comparator), ``medins --help`` (only
the parser, no subcommand imported), the same help built with every subcommand imported (what
``medins --help`` cost before), ``medins assess`` of the 12-person demo roster and ``medins
demo`` (the same assessment, its roster found in the package). Targets (issue: the everyday
path): ``--help`` under 80 ms, ``medins assess`` of the demo roster under 150 ms.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import medins_core

ROSTER = Path(medins_core.__file__).parent / "examples" / "suzhou_unit.csv"

RUNS = {
    "python -c pass (comparator)": [sys.executable, "-c", "pass"],
    "medins --help": [sys.executable, "-m", "medins_core.cli", "--help"],
    "help with every subcommand imported": [
        sys.executable, "-c", "from medins_core.cli import build_parser; build_parser().format_help()",
    ],
    "medins assess (demo roster)": [
        sys.executable, "-m", "medins_core.cli", "assess", str(ROSTER), "--region", "320500", "--period", "2022-08",
    ],
    "medins demo": [sys.executable, "-m", "medins_core.cli", "demo"],
}


def best(command: list[str], repeat: int) -> tuple[float, float]:
    """The shortest wall-clock and CPU seconds of ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    base = None
    for label, command in RUNS.items():
        wall, cpu = best(command, args.repeat)
        base = base or wall
        print(f"{label:40s} {wall * 1000:7.1f} ms   {wall / base:5.1f}× python -c pass   CPU {cpu * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
