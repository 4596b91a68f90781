"""``bench_bulk.py --compare``: the kernel against the polars queries and bare numpy of
:mod:`bulk_comparators`, in process and from the CSV file (what each query does is in
bench_bulk.py's docstring).

Bulk runs twice: in one thread, whose CPU seconds are the work done (compared with polars's
CPU seconds, all its threads); and in its default threads, whose wall seconds are what a
caller waits (compared with polars's wall seconds, all cores in use)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from bench_bulk import REGION, START, best_cpu, in_subprocess, roster, write
from bulk_comparators import check, check_verdicts, medins_totals, numpy_totals, parsed_columns, plan_spec, polars_totals

from medins_core.bulk import assess_table, default_threads
from medins_core.registry import load_registry


def big_roster(persons: int, months: int, chunk: int = 1_000_000) -> Any:
    """The roster :func:`write` writes, as one in-memory table."""
    return pa.concat_tables(
        [roster(min(chunk, persons - lo), months, seed=20240 + i) for i, lo in enumerate(range(0, persons, chunk))]
    )


def compare_in_process(rules: Any, spec: Any, persons: int, months: int, repeat: int) -> Any:
    """Bulk, polars and bare numpy from columns already loaded; returns medins's totals."""
    import polars as pl

    end = START + (months - 1)
    table = big_roster(persons, months)
    frame = pl.from_arrow(table)
    wage, first, last = parsed_columns(table, spec[0], spec[1])
    c_one, w_one, result = best_cpu(lambda: assess_table(table, rules, START, end, keep_lines=False, threads=1), repeat)
    ours = medins_totals(result)
    c_bulk, w_bulk, result = best_cpu(lambda: assess_table(table, rules, START, end, keep_lines=False), repeat)
    check("bulk in threads", medins_totals(result), ours)
    c_pl, w_pl, theirs = best_cpu(lambda: polars_totals(spec, frame), repeat)
    check("polars", theirs, ours)
    c_ck, w_ck, theirs = best_cpu(lambda: polars_totals(spec, frame, checked=True), repeat)
    check("polars with the checks", theirs, ours)
    c_np, w_np, bare = best_cpu(lambda: numpy_totals(spec, wage, first, last), repeat)
    check("numpy", bare, ours)
    print(f"  {persons:,} persons × {months} months, in process from columns already loaded:")
    print(f"    bulk assess_table, one thread (CPU)             {c_one:7.3f} s  ({w_one:.3f})")
    print(f"    bulk assess_table, {default_threads()} threads (wall)           {c_bulk:7.3f} s  ({w_bulk:.3f})")
    print(f"    polars, arithmetic only (its DataFrame)         {c_pl:7.3f} s  ({w_pl:.3f})"
          f"   polars ÷ bulk: CPU {c_pl / c_one:5.2f}×, wall {w_pl / w_bulk:5.2f}×  (target ≥ 1)")
    print(f"    polars, with the same duplicate check           {c_ck:7.3f} s  ({w_ck:.3f})"
          f"   polars ÷ bulk: CPU {c_ck / c_one:5.2f}×, wall {w_ck / w_bulk:5.2f}×")
    print(f"    bare numpy (columns already integers)          {c_np:7.3f} s  ({w_np:.3f})"
          f"   bulk ÷ numpy   {c_one / c_np:5.1f}×  (target ≤ 8)")
    return ours


def compare_benchmark(directory: Path, repeat: int) -> None:
    """The kernel against polars and bare numpy, with totals equal to the fen (or it stops)."""
    import polars as pl

    rules = load_registry(use_env=False).region(REGION)
    check_verdicts(rules, START, START + 11)  # the checked query refuses what medins refuses
    directory.mkdir(parents=True, exist_ok=True)
    print(f"\nThe kernel against polars and bare numpy: Suzhou's 6 lines, CPU seconds (all threads), best of {repeat}"
          f" (wall in brackets); polars {pl.__version__}, {pl.thread_pool_size()} threads")
    for persons, months in ((1_000_000, 12), (10_000_000, 1)):
        end = START + (months - 1)
        spec = plan_spec(rules, START, end)
        ours = compare_in_process(rules, spec, persons, months, repeat)
        file = directory / f"roster-{persons}x{months}.csv"
        if not file.exists():
            write(file, persons, months, "csv")
        one = in_subprocess("bulk-cpu", file, months, repeat, threads=1)
        bulk = in_subprocess("bulk-cpu", file, months, repeat)
        polars = in_subprocess("polars", file, months, repeat)
        checked = in_subprocess("polars-checked", file, months, repeat)
        check("polars from CSV", {k: tuple(v) for k, v in polars["totals"].items()}, ours)
        check("checked polars from CSV", {k: tuple(v) for k, v in checked["totals"].items()}, ours)
        for name, found in (("bulk from CSV", one), ("bulk in threads from CSV", bulk)):
            check(name, {k: tuple(v) for k, v in found["totals"].items()}, ours)
        print(f"  the same from the CSV file ({file.stat().st_size / 1e6:,.0f} MB), each in a fresh process:")
        print(f"    bulk assess_file, one thread (CPU)              {one['cpu']:7.3f} s  ({one['seconds']:.3f})"
              f"  peak RSS {one['rss_mb']:5.0f} MB (target < 1,024 at 10M)")
        print(f"    bulk assess_file, {default_threads()} threads (wall)            {bulk['cpu']:7.3f} s  ({bulk['seconds']:.3f})"
              f"  peak RSS {bulk['rss_mb']:5.0f} MB")
        for label, found in (("arithmetic only", polars), ("with the same duplicate check", checked)):
            print(f"    polars read_csv (all text), {label:30s}{found['cpu']:7.3f} s  ({found['seconds']:.3f})"
                  f"  peak RSS {found['rss_mb']:5.0f} MB   polars ÷ bulk: CPU {found['cpu'] / one['cpu']:5.2f}×,"
                  f" wall {found['seconds'] / bulk['seconds']:5.2f}×")
    print("  totals of polars, numpy and bulk equal to the fen in every run")
