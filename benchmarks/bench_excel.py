"""Benchmark the Excel path: a 100,000-row enrollment upload checked end to end, and templates written.

Run: ``python benchmarks/bench_excel.py [--rows 100000] [--compare]``. Prints, for each step,
wall seconds, CPU seconds of the process (steadier on a shared machine) and rows per wall second; ``--compare`` also times openpyxl (read-only and write-only modes)
and XlsxWriter called directly (the cost of medins_core.io.xlsx's checks on top of it), for the
ratios in docs/excel.md. Not a timed test: the target (the whole check under 2.5 s on a 2-core
machine, and within 3× of the bare calamine read of the same file) is read off the output.
"""

from __future__ import annotations

import argparse
import datetime
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook

from medins_core.io import table as table_module
from medins_core.io import xlsx_guard
from medins_core.io.batch import check_file, write_failures
from medins_core.io.table import read_table
from medins_core.io.template_files import write_template
from medins_core.io.templates import template_for
from medins_core.io.xlsx import Column, Sheet, write_xlsx
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id

REGION = "320500"
TODAY = datetime.date(2022, 9, 15)


def rows(count: int) -> Iterator[dict[str, str]]:
    """Enrollment rows of distinct valid persons, one in a thousand with a bad mobile number."""
    first = datetime.date(1975, 1, 1)
    for i in range(count):
        birth = first + datetime.timedelta(days=i % 9000)
        yield {
            "cert_type": "居民身份证(户口簿)",
            "cert_no": make_resident_id("320506", birth, 1 + 2 * (i // 9000)),
            "name": f"职工{i}",
            "wage": str(4000 + i % 5000),
            "start": "2022/09/01",
            "mobile": f"138{i:08d}" if i % 1000 else "1380000",
        }


def timed(label: str, count: int, work: Callable[[], object]) -> tuple[float, float]:
    """Run ``work`` once; print and return its (wall, CPU) seconds."""
    started, cpu = time.perf_counter(), time.process_time()
    work()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{label:<48} {seconds:7.2f} s  cpu {cpu:6.2f} s  {count / seconds:>10,.0f} rows/s")
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--compare", action="store_true", help="also time the alternatives")
    args = parser.parse_args()
    n = args.rows
    registry = load_registry(use_env=False)
    region = registry.region(REGION)
    template = template_for("enroll", region)
    data = list(rows(n))
    with tempfile.TemporaryDirectory() as folder:
        upload = Path(folder) / "upload.xlsx"
        print(f"{n:,} rows, {template.name}, {region.name} ({REGION})")
        timed(
            "write template with rows (XlsxWriter)",
            n,
            lambda: write_template(template, upload, data),
        )
        print(f"{'':<48} file {upload.stat().st_size / 1e6:.1f} MB")
        bare = timed(
            "  bare calamine read (the comparator)",
            n,
            lambda: CalamineWorkbook.from_path(str(upload)).get_sheet_by_index(0).to_python(),
        )
        timed(
            "  archive guard (sizes, sheet extent)", n, lambda: xlsx_guard.check_archive(upload)
        )
        timed(
            "  read_table, calamine (guard + read + text)",
            n,
            lambda: read_table(upload, engine="calamine"),
        )
        results = []

        def check() -> None:
            results.append(
                check_file("enroll", upload, region=region, today=TODAY)
            )

        total = timed("check end to end (read + every row + related)", n, check)
        result = results[0]
        failures = Path(folder) / "failures.xlsx"
        timed(f"  write failure list ({len(result.failed)} rows)", len(result.failed) or 1,
              lambda: write_failures(result, failures))  # fmt: skip
        print(f"{'':<48} passed {len(result.passed):,}, failed {len(result.failed):,}; "
              f"{total[0] / bare[0]:.1f}× the bare read (cpu {total[1] / bare[1]:.1f}×)")  # fmt: skip
        met = total[1] < 2.5 and total[1] <= 3 * bare[1]
        print(f"{'':<48} target < 2.5 s and ≤ 3× the read, in CPU seconds: "
              f"{'met' if met else 'NOT met'}")  # fmt: skip
        if args.compare:
            compare(upload, data, n, Path(folder))


def compare(upload: Path, data: list[dict[str, str]], n: int, folder: Path) -> None:
    """The same read and write with the other libraries."""
    print("comparison")
    timed(
        "  read_table, openpyxl read-only (guard + read)",
        n,
        lambda: read_table(upload, engine="openpyxl"),
    )
    fields = ("cert_type", "cert_no", "name", "wage", "start", "mobile")

    def medins_write() -> None:
        table = [list(fields), *([row[f] for f in fields] for row in data)]
        write_xlsx(folder / "medins.xlsx", [Sheet("人员", table, tuple(Column(f) for f in fields))])

    timed("  write (io.xlsx, the same text cells)", n, medins_write)

    def openpyxl_write() -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        book = Workbook(write_only=True)
        sheet = book.create_sheet("人员")
        sheet.append(list(fields))
        for row in data:
            cells = []
            for field in fields:
                cell = WriteOnlyCell(sheet, row[field])
                cell.data_type = "s"  # a str starting with = would otherwise be a formula
                cells.append(cell)
            sheet.append(cells)
        book.save(folder / "openpyxl.xlsx")

    timed("  write (openpyxl write-only, typed cells)", n, openpyxl_write)

    def xlsxwriter_write() -> None:
        book = xlsxwriter.Workbook(
            str(folder / "xw.xlsx"), {"constant_memory": True, "strings_to_formulas": False}
        )
        sheet = book.add_worksheet("人员")
        for column, field in enumerate(fields):
            sheet.write_string(0, column, field)
        for number, row in enumerate(data, start=1):
            for column, field in enumerate(fields):
                sheet.write_string(number, column, row[field])
        book.close()

    timed("  write (XlsxWriter alone, constant_memory)", n, xlsxwriter_write)


if __name__ == "__main__":
    main()
