"""Start-up of the command line, against bare Python, in one run.

    python benchmarks/bench_cli.py [--repeat 15]

Prints the best of ``--repeat`` runs of: ``python -c pass`` (the comparator), ``medins --help``
(only the parser, no subcommand imported), the same help built with every subcommand
imported (what ``medins --help`` cost before), and ``medins demo`` (a whole assessment of
the 12-person demo unit). Targets (issue: the everyday path): ``--help`` under 80 ms, the
demo under 150 ms.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

RUNS = {
    "python -c pass (comparator)": [sys.executable, "-c", "pass"],
    "medins --help": [sys.executable, "-m", "medins_core.cli", "--help"],
    "help with every subcommand imported": [
        sys.executable, "-c", "from medins_core.cli import build_parser; build_parser().format_help()",
    ],
    "medins demo": [sys.executable, "-m", "medins_core.cli", "demo"],
}


def best(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    base = None
    for label, command in RUNS.items():
        seconds = best(command, args.repeat)
        base = base or seconds
        print(f"{label:40s} {seconds * 1000:7.1f} ms   {seconds / base:5.1f}× python -c pass")


if __name__ == "__main__":
    main()
