"""Regenerate the page images of docs/documents.md from a throwaway book.

Run ``python docs/gen_documents.py`` (needs ``medins[documents]`` and poppler's ``pdftoppm``).
The book holds the Suzhou unit of the 2022-08 notice: 1480 persons whose bases total
13,190,303.00 (as tests/test_assessment_figures.py), enrolled from 2022-08, assessed and
noticed; 40 more join in October and the rest of the year is assessed. The August notice and
the year statement are printed to PDF and their first pages to PNG.
"""

from __future__ import annotations

import csv
import datetime
import subprocess
import tempfile
from pathlib import Path

from medins_core import book, documents
from medins_core.period import Period
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id

IMAGES = Path(__file__).parent / "images"
USCC = "12320500MB00000004"
HEADER = ["证件类型", "证件号码", "姓名", "性别", "民族", "出生日期", "国家地区代码", "申报工资", "本次参保日期", "手机号码"]


def enroll(b: book.Book, folder: Path, wages: list[int], first: int, start: str, today: datetime.date) -> None:
    """Enroll persons ``first``, ``first + 1``… with these wages through the enrollment template."""
    path = folder / f"enroll-{first}.csv"
    rows = [HEADER]
    for i, wage in enumerate(wages, start=first):
        cert_no = make_resident_id("320506", datetime.date(1975, 1, 1) + datetime.timedelta(days=7 * i), 2 * (i % 400) + 1)
        rows.append(["居民身份证(户口簿)", cert_no, f"职工{i + 1}", "", "", "", "", str(wage), start, f"139{i:08d}"])
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows(rows)
    book.apply_file(b, "enroll", path, USCC, today=today)


def suzhou_book(folder: Path) -> book.Book:
    """The Suzhou unit: 2022-08 assessed and noticed; 40 more persons from October; September
    to December assessed month by month."""
    b = book.Book(f"sqlite:///{folder / 'book.db'}", actor="省单位网厅", registry=load_registry(use_env=False))
    b.add_unit(USCC, "苏州示例医院", "320500", "3205990000000117")
    bases = [8910] * 1286 + [8913] * 193
    bases.append(13190303 - sum(bases))
    enroll(b, folder, bases, 0, "2022/08/01", datetime.date(2022, 8, 15))
    book.assess_unit(b, USCC, Period(2022, 8))
    book.notice(b, USCC)
    enroll(b, folder, [9000] * 40, len(bases), "2022/10/01", datetime.date(2022, 10, 12))
    for month in range(9, 13):
        book.assess_unit(b, USCC, Period(2022, month))
    return b


def main() -> None:
    """Write docs/images/notice-suzhou.png and statement-suzhou.png."""
    IMAGES.mkdir(exist_ok=True)
    printed = datetime.date(2022, 9, 5)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        b = suzhou_book(folder)
        pages = {
            "notice-suzhou": documents.payment_notice(b, USCC, printed=printed),
            "statement-suzhou": documents.year_statement(b, USCC, 2022, printed=printed),
        }
        for name, document in pages.items():
            pdf = folder / f"{name}.pdf"
            documents.write_document(document, pdf=pdf)
            subprocess.run(["pdftoppm", "-png", "-r", "72", "-singlefile", "-f", "1", "-l", "1", str(pdf), str(IMAGES / name)], check=True)
        b.close()


if __name__ == "__main__":
    main()
