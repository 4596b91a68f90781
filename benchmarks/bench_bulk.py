"""Benchmark of the bulk engine against the reference engine and DuckDB, and how it scales.

Run on demand (it asserts equality of results, never speed)::

    python benchmarks/bench_bulk.py            # quick (~1 min): a 2,000-person unit, 1M person-months
    python benchmarks/bench_bulk.py --full     # 1M, 2M, 5M, 10M person-months (~10 min, 6 GB for DuckDB)
    python benchmarks/bench_bulk.py --sizes 3000000 --months 12 --format parquet --no-duckdb
    python benchmarks/bench_bulk.py --compare  # the kernel against polars and bare numpy (~5 min)

Each size runs in two shapes: persons × 12 months (a year's assessment) and persons × 1 month
(one row per person-month, the hard case: nothing to share between months). Dask runs the
1-month shape from Parquet with one and with two worker processes.

Data is synthetic (fixed seed), written to a temporary directory: resident-ID-shaped
certificate numbers, Chinese names, wages 2,000.00–39,999.99 as text, 8% of persons joining
and 4% leaving inside the range. Region Suzhou (320500): six default lines, per-line half-up
rounding. Each large run is a fresh subprocess, so its peak RSS is its own (VmHWM).

DuckDB computes the same totals with the SQL a portal developer would write (DECIMAL
arithmetic, ROUND per line, SUM and COUNT(DISTINCT) per line); the script checks that its
totals equal the bulk engine's to the fen.

``--compare`` times the kernel against two polars queries (integer fen, the same rounding;
totals checked equal to the fen) and a bare numpy pass over the same columns already parsed
to integers (:mod:`bulk_comparators`), on 1M persons × 12 months and 10M persons × 1 month: in
process from columns already loaded, then from the CSV file in fresh processes with peak RSS.
Times are CPU seconds of the process (all threads), best of ``--repeat``, with wall time beside;
bulk runs in one thread (its CPU seconds against polars's) and in its default threads (its wall
seconds against polars's, which uses every core).

- "polars, arithmetic only": wage text cast to Decimal(18, 2), periods parsed, the sums. It
  checks nothing: a person listed twice is counted twice, and the cast takes wage text medins
  refuses (``-5``, ``5.``, ``5e3``) and truncates a third decimal (``5000.123`` is 5000.12).
- "polars, with the same duplicate check": the same query, which also refuses a certificate
  number listed twice (``n_unique()`` against the row count: the fastest exact polars check
  measured, ahead of ``is_duplicated().any()``; on the text as written, where medins strips
  and upper-cases it first) and wage text medins refuses (``to_money``'s grammar after
  stripping, at most two decimals but trailing zeros, not negative, below MAX_WAGE; from CSV
  also above 0, as the roster reader wants). Before timing, it is checked to refuse and
  accept the same small rosters as medins (:func:`bulk_comparators.check_verdicts`).

Neither polars query makes the other checks medins makes from a file: resident ID check
characters and birth dates, names, blank rows.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from bulk_comparators import medins_totals, plan_spec, polars_totals

from medins_core.assessment import Parts, assess, line_rates
from medins_core.bulk import assess_file, assess_table, to_members
from medins_core.period import Period
from medins_core.registry import load_registry

REGION = "320500"
START = Period(2022, 8)
NAMES = np.array(["张伟", "王芳", "李强", "刘敏", "陈静", "杨洋", "赵磊", "黄丽", "周杰", "吴霞", "徐明", "孙悦"])


# --- data ------------------------------------------------------------------------------


def roster(persons: int, months: int, seed: int = 20240) -> Any:
    """A synthetic roster of ``persons`` rows (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    cert = resident_ids((seed - 20240) * 1_000_000 + np.arange(persons, dtype=np.int64))
    fen = rng.integers(200_000, 4_000_000, persons)
    wage = pc.binary_join_element_wise(
        pc.cast(pa.array(fen // 100), pa.string()), pc.utf8_lpad(pc.cast(pa.array(fen % 100), pa.string()), 2, "0"), "."
    )
    first, last = START.index, START.index + months - 1

    def when(share: float, lo: int, hi: int) -> Any:
        text = np.array([str(Period.from_index(k)) for k in range(lo, hi + 1)])
        picked = np.where(rng.random(persons) < share, rng.integers(0, len(text), persons), -1)
        return pa.array(np.where(picked >= 0, text[np.maximum(picked, 0)], ""))

    return pa.table(
        {
            "cert_no": cert,
            "name": pa.array(NAMES[rng.integers(0, len(NAMES), persons)]),
            "wage": wage,
            "start": when(0.08, first, last),
            "end": when(0.04, first, last),
        }
    )


def resident_ids(number: Any) -> Any:
    """Valid resident ID numbers (birth date from 1930, check character), distinct for distinct
    ``number`` below 30M and in scrambled order: the roster checks of files accept them."""
    scrambled = (number * 48271 + 12345) % 30_000_000  # 48271 is prime to 30M: a bijection
    born = np.datetime64("1930-01-01") + (scrambled % 30_000).astype("timedelta64[D]")
    month = born.astype("datetime64[M]")
    date = ((month.astype("datetime64[Y]").astype(np.int64) + 1970) * 10_000
            + (month.astype(np.int64) % 12 + 1) * 100 + (born - month).astype(np.int64) + 1)
    body = (320500 * 10**8 + date) * 1000 + scrambled // 30_000  # region, birth date, sequence
    digits = np.zeros((len(number), 18), dtype=np.uint8)
    for j in range(17):
        digits[:, 16 - j] = (body // 10**j) % 10
    weights = np.array([2 ** (17 - i) % 11 for i in range(17)])
    check = np.array([1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2])[(digits[:, :17] @ weights) % 11]
    digits[:, :17] += ord("0")
    digits[:, 17] = np.where(check == 10, ord("X"), ord("0") + check)
    offsets = pa.py_buffer(np.arange(len(number) + 1, dtype=np.int32) * 18)
    return pa.Array.from_buffers(pa.string(), len(number), [None, offsets, pa.py_buffer(digits.tobytes())])


def write(path: Path, persons: int, months: int, fmt: str, chunk: int = 1_000_000) -> None:
    """Write a roster of ``persons`` rows in chunks (so writing big files needs little memory)."""
    if fmt == "parquet":
        writer: Any = None
        for i, lo in enumerate(range(0, persons, chunk)):
            table = roster(min(chunk, persons - lo), months, seed=20240 + i)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=max(1, persons // 8))
        writer.close()
        return
    options = pa_csv.WriteOptions(quoting_style="none")
    with pa_csv.CSVWriter(path, roster(0, months).schema, write_options=options) as writer:
        for i, lo in enumerate(range(0, persons, chunk)):
            writer.write_table(roster(min(chunk, persons - lo), months, seed=20240 + i))


# --- DuckDB ----------------------------------------------------------------------------


def duckdb_sql(source: str, months: int) -> str:
    """Totals per line in SQL: roster × periods × rates, DECIMAL arithmetic, ROUND per line."""
    rules = load_registry(use_env=False).region(REGION).rules
    rows = []
    for period in Period.range(START, START + (months - 1)):
        for line in rules.default_lines:
            r = line_rates(rules, line, period, Parts.BOTH)
            ut = "NULL" if r.unit_transfer_rate is None else r.unit_transfer_rate
            pt = "NULL" if r.person_transfer_rate is None else r.person_transfer_rate
            rows.append(
                f"('{line}', {period}, {r.unit_rate}, {r.person_rate}, {r.unit_fixed}, {r.person_fixed}, {ut}, {pt})"
            )
    dec = "DECIMAL(12, 6)"
    return f"""
    WITH rates AS (
        SELECT line, period, unit_rate::{dec} AS unit_rate, person_rate::{dec} AS person_rate,
               unit_fixed::{dec} AS unit_fixed, person_fixed::{dec} AS person_fixed,
               utr::{dec} AS utr, ptr::{dec} AS ptr
        FROM (VALUES {", ".join(rows)}) r(line, period, unit_rate, person_rate, unit_fixed, person_fixed, utr, ptr)
    ),
    roster AS (
        SELECT cert_no, wage::DECIMAL(18, 2) AS base,
               COALESCE(NULLIF(start, '')::INTEGER, 0) AS first,
               COALESCE(NULLIF("end", '')::INTEGER, 999999) AS last
        FROM {source}
    ),
    lines AS (
        SELECT r.line, p.cert_no, p.base,
               ROUND(p.base * r.unit_rate + r.unit_fixed, 2) AS unit_amount,
               ROUND(p.base * r.person_rate + r.person_fixed, 2) AS person_amount,
               ROUND(p.base * r.utr, 2) + ROUND(p.base * r.ptr, 2) AS transfer,
               r.unit_rate <> 0 AS unit_shown, r.person_rate <> 0 AS person_shown
        FROM roster p JOIN rates r ON r.period BETWEEN p.first AND p.last
    )
    SELECT line, COUNT(DISTINCT cert_no) AS persons,
           SUM(CASE WHEN unit_shown THEN base ELSE 0 END) AS unit_base, SUM(unit_amount) AS unit_amount,
           SUM(CASE WHEN person_shown THEN base ELSE 0 END) AS person_base, SUM(person_amount) AS person_amount,
           SUM(transfer) AS transfer, COUNT(*) AS lines
    FROM lines GROUP BY line
    """


def duckdb_totals(source: str, months: int, roster_table: Any = None) -> dict[str, tuple[Any, ...]]:
    """Run the SQL; ``source`` is a table expression (a file reader or the name ``roster_table``)."""
    import duckdb

    con = duckdb.connect()
    if roster_table is not None:
        con.register("roster_table", roster_table)
    result = con.execute(duckdb_sql(source, months)).fetchall()
    return {row[0]: tuple(row[1:]) for row in result}


def same_totals(ours: Any, theirs: dict[str, tuple[Any, ...]]) -> bool:
    """Whether DuckDB's totals are ours, to the fen (transfers where ours are known)."""
    for t in ours.totals:
        persons, ub, ua, pb, pa_, transfer, _ = theirs[t.insurance]
        mine = (t.persons, t.unit_base, t.unit_amount, t.person_base, t.person_amount)
        if mine != (persons, ub, ua, pb, pa_):
            return False
        if t.account_transfer is not None and t.account_transfer != transfer:
            return False
    return len(theirs) == len(ours.totals)


# --- timing ----------------------------------------------------------------------------


def best_cpu(run: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Least CPU time of the process (all threads) over ``repeat`` runs, the wall time of
    that run, and the last result."""
    found, result = (float("inf"), 0.0), None
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        result = run()
        found = min(found, (time.process_time() - cpu, time.perf_counter() - wall))
    return found[0], found[1], result


def best(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return min(times), result


def unit_benchmark(persons: int, months: int, repeat: int) -> None:
    """A unit: the three engines on the same in-memory roster, and the bulk engine's outputs."""
    rules = load_registry(use_env=False).region(REGION).rules
    table = roster(persons, months)
    members = to_members(table, rules)
    end = START + (months - 1)
    t_totals, totals = best(lambda: assess_table(table, rules, START, end, keep_lines=False), repeat)
    t_lines, _ = best(lambda: assess_table(table, rules, START, end), repeat)
    t_objects, objects = best(lambda: assess_table(table, rules, START, end).to_assessment(), max(1, repeat // 3))
    t_ref, reference = best(lambda: assess(members, rules, START, end, engine="reference"), 1)
    t_duck, duck = best(lambda: duckdb_totals("roster_table", months, table), repeat)
    lines = len(reference.lines)
    print(f"\nA unit: {persons} persons × {months} months × {len(rules.default_lines)} lines = {lines:,} lines")
    print(f"  bulk, totals only            {t_totals * 1000:9.1f} ms  {lines / t_totals:14,.0f} lines/s")
    print(f"  bulk, totals + Arrow lines   {t_lines * 1000:9.1f} ms  {lines / t_lines:14,.0f} lines/s")
    print(f"  bulk, as Assessment objects  {t_objects * 1000:9.1f} ms  {lines / t_objects:14,.0f} lines/s")
    print(f"  reference engine             {t_ref * 1000:9.1f} ms  {lines / t_ref:14,.0f} lines/s")
    print(f"  DuckDB SQL (totals)          {t_duck * 1000:9.1f} ms  {lines / t_duck:14,.0f} lines/s")
    print(f"  ratios: reference / bulk totals {t_ref / t_totals:,.0f}×, with lines {t_ref / t_lines:,.0f}×, "
          f"as objects {t_ref / t_objects:,.1f}×; DuckDB / bulk totals {t_duck / t_totals:,.1f}×")
    print(f"  equal: bulk == reference {objects == reference}, totals {totals.totals == reference.totals}, "
          f"DuckDB == bulk {same_totals(totals, duck)}; target < 50 ms: "
          f"{'met' if t_lines < 0.05 else 'MISSED'} ({t_lines * 1000:.1f} ms with lines)")


def worker(args: argparse.Namespace) -> None:
    """In a fresh process: best of ``--repeat`` runs on a file; print seconds, peak RSS, totals.

    Only the assessment is timed (imports and loading the region's rules are not)."""
    rules = load_registry(use_env=False).region(REGION).rules
    end = START + (args.months - 1)
    if args.worker in ("bulk-cpu", "polars", "polars-checked"):
        spec = plan_spec(rules, START, end)
        if args.worker != "bulk-cpu":
            import polars as pl

            checked = args.worker == "polars-checked"

            def run() -> Any:  # every column as text, as the bulk engine reads a CSV
                frame = pl.read_csv(args.file, infer_schema=False)
                return polars_totals(spec, frame, checked=checked, positive=checked)
        else:
            def run() -> Any:
                result = assess_file(args.file, rules, START, end, keep_lines=False, threads=args.threads)
                return medins_totals(result)
        cpu, wall, found = best_cpu(run, args.repeat)
        print(json.dumps({"cpu": cpu, "seconds": wall, "rss_mb": peak_rss_mb(), "totals": found}))
        return
    if args.worker == "bulk":
        seconds, result = best(lambda: assess_file(args.file, rules, START, end, keep_lines=False), args.repeat)
        totals: Any = [
            [t.insurance, t.persons, str(t.unit_base), str(t.unit_amount), str(t.person_base), str(t.person_amount)]
            for t in result.totals
        ]
    else:
        reader = "read_parquet" if args.file.endswith(".parquet") else "read_csv"
        extra = "" if reader == "read_parquet" else ", header = true, all_varchar = true"
        seconds, found = best(lambda: duckdb_totals(f"{reader}('{args.file}'{extra})", args.months), args.repeat)
        totals = sorted([k, v[0], str(v[1]), str(v[2]), str(v[3]), str(v[4])] for k, v in found.items())
    print(json.dumps({"seconds": seconds, "rss_mb": peak_rss_mb(), "totals": totals}))


def peak_rss_mb() -> float:
    """This process's peak resident memory. On Linux VmHWM, which exec resets; ru_maxrss would
    also count the parent's memory at fork time."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_subprocess(engine: str, file: Path, months: int, repeat: int, threads: int | None = None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", engine, "--file", str(file), "--months", str(months),
               "--repeat", str(repeat), *([] if threads is None else ["--threads", str(threads)])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{engine} run failed:\n{done.stderr}")
    out = done.stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def scale_benchmark(sizes: list[int], months: int, fmt: str, directory: Path, duckdb_too: bool, repeat: int) -> None:
    """Time and peak memory per size, bulk and DuckDB, each in its own process."""
    print(f"\nScaling: {fmt} files, {months}-month range, Suzhou's 6 lines (person-months = persons × months);"
          f" best of {repeat}, assessment only")
    print(f"  {'person-months':>13} {'persons':>10} {'bulk s':>8} {'RSS MB':>7} {'pm/s':>12} {'ns/pm':>6}"
          f" {'DuckDB s':>9} {'RSS MB':>7} {'DuckDB/bulk':>11}  equal")
    for size in sizes:
        persons = max(1, size // months)
        file = directory / f"roster-{persons}x{months}.{fmt}"
        if not file.exists():
            write(file, persons, months, fmt)
        bulk = in_subprocess("bulk", file, months, repeat)
        line = (f"  {size:13,} {persons:10,} {bulk['seconds']:8.2f} {bulk['rss_mb']:7.0f} "
                f"{size / bulk['seconds']:12,.0f} {bulk['seconds'] / size * 1e9:6.0f}")
        if duckdb_too:
            duck = in_subprocess("duckdb", file, months, 1)
            equal = sorted(bulk["totals"]) == duck["totals"]
            line += f" {duck['seconds']:9.2f} {duck['rss_mb']:7.0f} {duck['seconds'] / bulk['seconds']:10.1f}×  {equal}"
        print(line)


def dask_benchmark(size: int, months: int, directory: Path) -> None:
    """The same Parquet roster on a local Dask cluster with one and with two worker processes
    (cluster start-up not timed), against one process reading the same file."""
    try:
        import dask.dataframe as dd
        from distributed import Client, LocalCluster

        from medins_core.bulk.dask import assess_dask
    except ImportError:
        print("\nDask: not installed (pip install 'medins[dask]')")
        return
    persons = max(1, size // months)
    file = directory / f"roster-{persons}x{months}.parquet"
    if not file.exists():
        write(file, persons, months, "parquet")
    rules = load_registry(use_env=False).region(REGION).rules
    t_single, single = best(lambda: assess_file(file, rules, START, START + (months - 1), keep_lines=False), 2)
    print(f"\nDask: {size:,} person-months ({persons:,} persons × {months} months) from Parquet, "
          f"{pq.ParquetFile(file).num_row_groups} partitions; one process without Dask: {t_single:.2f} s")
    times = {}
    for workers in (1, 2):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        with cluster, Client(cluster):
            frame = dd.read_parquet(file, split_row_groups=True, dtype_backend="pyarrow")
            t, result = best(lambda frame=frame: assess_dask(frame, rules, START, START + (months - 1)), 2)
        times[workers] = t
        print(f"  {workers} worker(s): {t:6.2f} s, {size / t:12,.0f} person-months/s, equal to one process: {result == single}")
    print(f"  speed-up with 2 workers: {times[1] / times[2]:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="1M, 2M, 5M, 10M person-months (instead of 1M)")
    parser.add_argument("--sizes", help="person-month counts, comma-separated (default 1000000; --full: 1M,2M,5M,10M)")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--persons", type=int, default=2000, help="persons of the unit benchmark")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-duckdb", action="store_true")
    parser.add_argument("--dir", help="keep data files here (default: a temporary directory)")
    parser.add_argument("--compare", action="store_true", help="only the kernel against polars and bare numpy")
    parser.add_argument(
        "--worker", choices=("bulk", "duckdb", "bulk-cpu", "polars", "polars-checked"), help=argparse.SUPPRESS
    )
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, help=argparse.SUPPRESS)  # of the bulk-cpu worker
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    sizes = [int(float(s)) for s in args.sizes.split(",")] if args.sizes else (
        [1_000_000, 2_000_000, 5_000_000, 10_000_000] if args.full else [1_000_000]
    )
    if args.compare:
        from bench_compare import compare_benchmark

        with tempfile.TemporaryDirectory(prefix="medins-bench-") as temporary:
            compare_benchmark(Path(args.dir or temporary), args.repeat)
        return
    unit_benchmark(args.persons, args.months, args.repeat)
    with tempfile.TemporaryDirectory(prefix="medins-bench-") as temporary:
        directory = Path(args.dir or temporary)
        directory.mkdir(parents=True, exist_ok=True)
        repeat = 2 if args.full else 1
        scale_benchmark(sizes, args.months, args.format, directory, not args.no_duckdb, repeat)
        if args.months != 1:  # the hard shape: one row per person-month, no months to share
            scale_benchmark(sizes, 1, args.format, directory, not args.no_duckdb, repeat)
        dask_benchmark(max(sizes), 1, directory)
    print(f"\nDecimal check: {Decimal('0.1') + Decimal('0.2')} (no float anywhere in the amounts)")


if __name__ == "__main__":
    main()
