"""Benchmark of the reference engine: a 2,000-person unit assessed for 12 months, all lines.

Run on demand: ``python benchmarks/bench_assess.py [--persons N] [--months M] [--repeat R]``.
Prints lines per second and the time per person-month; it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import random
import time
from decimal import Decimal

from medins_core.assessment import assess
from medins_core.registry import load_registry
from medins_core.testing import roster_with_bases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--region", default="320500")
    parser.add_argument("--start", default="2022-08")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    rng = random.Random(20221)
    bases = [Decimal(rng.randrange(300000, 3000000)) / 100 for _ in range(args.persons)]
    members = roster_with_bases(bases)
    rules = load_registry(use_env=False).region(args.region)
    from medins_core.period import Period

    start = Period.parse(args.start)
    best = float("inf")
    for _ in range(args.repeat):
        began = time.perf_counter()
        result = assess(members, rules, start, start + (args.months - 1))
        best = min(best, time.perf_counter() - began)
    lines = len(result.lines)
    person_months = args.persons * args.months
    print(f"reference engine, region {args.region}: {args.persons} persons × {args.months} months, "
          f"{len(rules.default_lines)} lines")
    print(f"  {lines} lines in {best * 1000:.0f} ms (best of {args.repeat}): "
          f"{lines / best:,.0f} lines/s, {person_months / best:,.0f} person-months/s")
    print(f"  total {result.total} ({result.total_upper})")


if __name__ == "__main__":
    main()
