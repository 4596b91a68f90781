"""The unit book: monthly assessment of many units, one large unit, and an existing assessment.

    python benchmarks/bench_book.py                          # 1,000 units × 200 persons, SQLite
    python benchmarks/bench_book.py --backend postgresql     # a throwaway PostgreSQL on loopback
    python benchmarks/bench_book.py --units 20 --persons 50  # a quick look

Each figure is printed with its comparator, measured in the same run: the in-memory engine
(``assess``) on the same persons and wages. The book is filled through its batch files (the
same path as ``medins book enroll``), which is not timed. Every unit is assessed with
``assess_units`` (``medins book assess --all``), the in-memory comparator with ``assess`` unit
by unit. Dalian (210200) is used with the
operator overlay of docs/book.md, since the sources give Dalian no rates.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import resource
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from medins_core import Member, assess, load_registry
from medins_core.book import Book, apply_file, assess_unit, assess_units
from medins_core.book.testing import throwaway_postgres
from medins_core.period import Period
from medins_core.testing import make_resident_id

OVERLAY = """\
[region]
code = "210200"
default_lines = ["310"]

[[values]]
line = "310"
from = "202201"
unit_rate = "0.08"
person_rate = "0.02"
unit_fixed = "0"
person_fixed = "0"
source = "示例: 运营方提供的参数文件 (非源文件数字)"
status = "provisional"
"""
HEADER = ["证件类型", "证件号码", "姓名", "性别", "民族", "出生日期", "国家地区代码", "申报工资", "本次参保日期", "手机号码"]
PERIOD = Period(2023, 1)
TODAY = datetime.date(2023, 1, 10)


def cert_no(i: int) -> str:
    """A distinct valid resident ID per ``i`` (to 13 million): year, day and sequence vary."""
    day = i // 40 % 336
    return make_resident_id("210202", f"{1966 + i % 40}{day // 28 + 1:02d}{day % 28 + 1:02d}", i // 13440 + 1)


def uscc(u: int) -> str:
    return f"9121020{u:010d}X"


def enroll_file(path: Path, first: int, persons: int) -> list[Member]:
    members, rows = [], [HEADER]
    for i in range(first, first + persons):
        wage = str(4000 + i % 5000)
        rows.append(["居民身份证(户口簿)", cert_no(i), f"职工{i}", "", "", "", "", wage, "2023/01/01", f"138{i % 10**8:08d}"])
        members.append(Member.simple(cert_no(i), f"职工{i}", Decimal(wage)))
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows(rows)
    return members


@contextlib.contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'book.db'}"
    else:
        with throwaway_postgres() as url:
            yield url


def timed(work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - start


def cpu(work: object) -> float:
    """CPU seconds of this process (the database's work too, for SQLite; not PostgreSQL's)."""
    start = time.process_time()
    work()  # type: ignore[operator]
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--persons", type=int, default=200)
    parser.add_argument("--large", type=int, default=2000, help="persons of the one large unit")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name, database(args.backend, Path(name)) as url:
        folder = Path(name)
        (folder / "params").mkdir()
        (folder / "params" / "dalian.toml").write_text(OVERLAY, encoding="utf-8")
        registry = load_registry([folder / "params"], use_env=False)
        region = registry.region("210200")
        book = Book(url, actor="bench", registry=registry)
        rosters: dict[str, list[Member]] = {}
        sizes = [args.large] + [args.persons] * args.units
        first = 0
        for u, persons in enumerate(sizes):
            book.add_unit(uscc(u), f"单位{u}", "210200")
            rosters[uscc(u)] = enroll_file(folder / "e.csv", first, persons)
            outcome = apply_file(book, "enroll", folder / "e.csv", uscc(u), today=TODAY)
            assert not outcome.result.failed, outcome.result.failed[:1]
            first += persons
        large, many = uscc(0), [uscc(u) for u in range(1, len(sizes))]

        one_memory = timed(lambda: assess(rosters[large], region, PERIOD))  # the engine's imports, once
        one_memory = min(timed(lambda: assess(rosters[large], region, PERIOD)) for _ in range(3))
        one = timed(lambda: assess_unit(book, large, PERIOD))
        existing = min(timed(lambda: assess_unit(book, large, PERIOD)) for _ in range(5))
        start, cpu_start = time.perf_counter(), time.process_time()
        found = assess_units(book, many, PERIOD)
        all_book, all_book_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        assert all(made.kind == "original" for made in found.values())  # type: ignore[union-attr]
        start, cpu_start = time.perf_counter(), time.process_time()
        for u in many:
            assess(rosters[u], region, PERIOD)
        all_memory, all_memory_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        book.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    months = args.units * args.persons
    print(f"backend {args.backend}; {args.units} units × {args.persons} persons = {months:,} person-months")
    print(f"every unit's month from the book  {all_book:8.2f} s   in memory {all_memory:6.2f} s   "
          f"ratio {all_book / all_memory:5.1f}×   (target: under 20 s and within 3×)")
    print(f"  the same in CPU seconds         {all_book_cpu:8.2f} s   in memory {all_memory_cpu:6.2f} s   "
          f"ratio {all_book_cpu / all_memory_cpu:5.1f}×   (this process only)")
    print(f"one {args.large}-person unit          {one * 1000:8.0f} ms  in memory {one_memory * 1000:6.0f} ms  "
          f"ratio {one / one_memory:5.1f}×   (target: under 300 ms)")
    print(f"an existing assessment returned   {existing * 1000:8.1f} ms  (target: under 20 ms)")
    print(f"peak memory of this process       {peak:8.0f} MB  (target: under 1 GB)")


if __name__ == "__main__":
    main()
