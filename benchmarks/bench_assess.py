"""Benchmark of assess(): a 2,000-person unit assessed for 12 months, all lines, on each engine.

Run on demand: ``python benchmarks/bench_assess.py [--persons N] [--months M] [--repeat R] [--cpu]``.
Times, best of ``--repeat``:

* ``assess()`` as a portal calls it (the columnar engine, lines kept as columns), then
  ``to_json()`` of its result and building its ``lines`` objects;
* the same on the per-person Decimal reference engine (``engine="reference"``, one run:
  it is slow);
* :func:`medins_core.bulk.assess_table` on the same roster as an Arrow table, and its
  ``to_json()``;
* a small unit (``--small`` persons, one month) on both engines.

Ratios are against the reference engine and against the bulk path; the time to build the
JSON line dicts one by one from ready columns is printed beside ``to_json()``. Needs the
``bulk`` extra. It asserts nothing about speed; it checks that every engine gives the same
total.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pyarrow as pa

from medins_core.assessment import assess
from medins_core.bulk import assess_table
from medins_core.bulk._columns import json_rows
from medins_core.period import Period
from medins_core.registry import load_registry
from medins_core.testing import roster_with_bases


CLOCK = time.perf_counter


def best(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs in seconds, and the last result."""
    fastest, result = float("inf"), None
    for _ in range(repeat):
        began = CLOCK()
        result = run()
        fastest = min(fastest, CLOCK() - began)
    return fastest, result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--small", type=int, default=50, help="persons of the small unit (one month)")
    parser.add_argument("--region", default="320500")
    parser.add_argument("--start", default="2022-08")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cpu", action="store_true", help="time on the process's CPU clock (a busy machine)")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.cpu else time.perf_counter

    rng = random.Random(20221)
    bases = [Decimal(rng.randrange(300000, 3000000)) / 100 for _ in range(args.persons)]
    members = roster_with_bases(bases)
    rules = load_registry(use_env=False).region(args.region).rules
    start = Period.parse(args.start)
    end = start + (args.months - 1)
    repeat = args.repeat

    assess(members[:10], rules, start)  # imports and caches out of the timings
    fast, result = best(lambda: assess(members, rules, start, end), repeat)
    fast_json, _ = best(result.to_json, repeat)
    objects, _ = best(lambda: assess(members, rules, start, end).lines, max(1, repeat // 2))
    columns = [list(column) for column in zip(*(row.values() for row in result.to_json()["lines"]))]
    floor, _ = best(lambda: json_rows(*columns), repeat)  # the dicts alone, from ready columns
    reference, expected = best(lambda: assess(members, rules, start, end, engine="reference"), 1)
    reference_json, _ = best(expected.to_json, 1)
    assert result.total == expected.total and result.line_count == len(expected.lines)

    lines = len(expected.lines)
    print(f"region {args.region}: {args.persons} persons × {args.months} months, "
          f"{len(rules.default_lines)} lines: {lines} lines, total {expected.total}")
    print(f"  assess() columnar, lines as columns  {ms(fast)}   "
          f"{reference / fast:6.0f}× the reference, {lines / fast:,.0f} lines/s")
    print(f"  to_json() of it                      {ms(fast_json)}   "
          f"{reference_json / fast_json:6.0f}× the reference")
    print(f"  ({lines} dicts built one by one      {ms(floor)}, from ready columns)")
    print(f"  assess() and .lines as objects       {ms(objects)}")
    print(f"  assess(engine='reference')           {ms(reference)}")
    print(f"  to_json() of it                      {ms(reference_json)}")

    table = pa.table({
        "cert_no": [m.person.cert_no for m in members],
        "name": [m.person.name for m in members],
        "wage": [str(m.wages[0].wage) for m in members],
    })
    bulk, bulk_result = best(lambda: assess_table(table, rules, start, end), repeat)
    bulk_json, _ = best(bulk_result.to_json, repeat)
    assert bulk_result.total == expected.total
    print(f"  bulk assess_table (Arrow roster)     {ms(bulk)}   assess() takes {fast / bulk:.2f}× its time")
    print(f"  bulk to_json()                       {ms(bulk_json)}   "
          f"to_json() takes {fast_json / bulk_json:.2f}× its time")

    small = members[: args.small]
    unit, small_result = best(lambda: assess(small, rules, start), repeat * 4)
    unit_json, _ = best(small_result.to_json, repeat * 4)
    unit_reference, _ = best(lambda: assess(small, rules, start, engine="reference"), repeat)
    print(f"small unit: {args.small} persons × 1 month")
    print(f"  assess() columnar                    {ms(unit)}   {unit_reference / unit:6.1f}× the reference")
    print(f"  to_json() of it                      {ms(unit_json)}")
    print(f"  assess(engine='reference')           {ms(unit_reference)}")


if __name__ == "__main__":
    main()
