"""Printed documents: rendered to PDF, read back with pdftotext, figures compared to the fen.

The Suzhou notice of 2022-08 (jiangsu-suzhou-unit-hall-training.txt PART4.2) is printed from a
book holding the 1480 persons of tests/test_assessment_figures.py and must show every figure
of the seed; the Hebei notice (hebei-qianan-unit-hall-procedures.txt) is printed from its 12
persons of 202104-202106. Certificates and the year statement run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime
import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from test_book import SUSPEND_HEADER, UNIT, db_url, enroll_file, opened, person_id, pg_server, registry  # noqa: F401

from medins_core import book, documents
from medins_core.assessment import PaymentType
from medins_core.book.models import NoticeRow
from medins_core.ids import mask_cert_no
from medins_core.money import rmb_upper
from medins_core.period import Period
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id

D = Decimal
SUZHOU = "12320500MB00000004"  # 12: 事业单位, as the seed's certificate (差额拨款事业单位)
HEBEI = "91130283MA0000001E"
PRINTED = datetime.date(2022, 9, 5)  # the seed notice's 制表日期
ENROLL_HEADER = ["证件类型", "证件号码", "姓名", "性别", "民族", "出生日期", "国家地区代码", "申报工资", "本次参保日期", "手机号码"]

# The seed notice as printed (PART4.2 征集缴费通知单): line → 缴费类型, 个人缴费金额,
# 单位缴费金额, 利息, 滞纳金, 其他缴费金额, 金额. The portal drops trailing zeros (7400.0);
# figures are compared as amounts.
SEED_ROWS = {
    "大额医疗费用补助": ("正常应缴", "7400.0", "0.0", "0.0", "0.0", "0.0", "7400.0"),
    "生育保险": ("正常应缴", "0.0", "105521.65", "0.0", "0.0", "0.0", "105521.65"),
    "职工基本医疗保险": ("正常应缴", "263806.06", "791418.18", "0.0", "0.0", "0.0", "1055224.24"),
    "地方补充医疗保险": ("正常应缴", "0.0", "131903.03", "0.0", "0.0", "0.0", "131903.03"),
}
SEED_SUBTOTAL = ("271206.06", "1028842.86", "0.0", "0.0", "0.0", "1300048.92")


def tools_or_skip() -> None:
    """WeasyPrint and poppler's pdftotext/pdftoppm are needed; CI installs them and never skips."""
    missing = [n for n in ("pdftotext", "pdftoppm") if shutil.which(n) is None]
    if importlib.util.find_spec("weasyprint") is None:
        missing.append("weasyprint")
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {', '.join(missing)} missing: the documents must be tested")
        pytest.skip(f"{', '.join(missing)} not installed")


def pdf_text(pdf: bytes, folder: Path) -> str:
    tools_or_skip()
    path = folder / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def row_of(text: str, first: str) -> list[str]:
    """The cells of the text line that starts with ``first`` (after its index, if any)."""
    for line in text.splitlines():
        cells = line.split()
        if first in cells[:2]:
            return cells[cells.index(first) + 1 :]
    raise AssertionError(f"no row {first!r} in:\n{text}")


def enroll(b: book.Book, uscc: str, path: Path, wages: list[int], start: str, county: str, today: datetime.date) -> None:
    rows = [ENROLL_HEADER] + [
        ["居民身份证(户口簿)", make_resident_id(county, datetime.date(1975, 1, 1) + datetime.timedelta(days=7 * i), 2 * (i % 400) + 1),
         f"职工{i + 1}", "", "", "", "", str(w), start, f"139{i:08d}"]
        for i, w in enumerate(wages)
    ]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows(rows)
    outcome = book.apply_file(b, "enroll", path, uscc, today=today)
    assert len(outcome.changes) == len(wages) and not outcome.result.failed


@pytest.fixture(scope="module")
def suzhou(tmp_path_factory: pytest.TempPathFactory) -> Iterator[book.Book]:
    """A Suzhou unit with the 1480 persons of the 2022-08 notice, assessed and noticed."""
    folder = tmp_path_factory.mktemp("suzhou")
    b = book.Book(f"sqlite:///{folder / 'book.db'}", actor="省单位网厅", registry=load_registry(use_env=False))
    b.add_unit(SUZHOU, "苏州示例医院", "320500", "3205990000000117")
    bases = [8910] * 1286 + [8913] * 193
    bases.append(13190303 - sum(bases))  # as tests/test_assessment_figures.py: rounds to 105521.65
    enroll(b, SUZHOU, folder / "enroll.csv", bases, "2022/08/01", "320506", datetime.date(2022, 8, 15))
    assert book.assess_unit(b, SUZHOU, Period(2022, 8)).document["total"] == "1300048.92"
    assert book.notice(b, SUZHOU)["id"] == 1
    yield b
    b.close()


def test_suzhou_notice_2022_08_prints_every_figure_of_the_seed(suzhou: book.Book, tmp_path: Path) -> None:
    document = documents.payment_notice(suzhou, SUZHOU, printed=PRINTED)
    assert document.layout == "notice_collection"  # chosen by 320500's notice_layout rule
    text = pdf_text(documents.render_pdf(document), tmp_path)
    assert "征集缴费通知单" in text
    assert row_of(text, "单位编号:")[0] == "3205990000000117" and "费用所属期: 202208" in text
    assert row_of(text, "单位名称:")[0] == "苏州示例医院" and "通知单据号: 1" in text
    header = "序号 险种类型 缴费类型 个人缴费金额 单位缴费金额 利息 滞纳金 其他缴费金额 金额".split()
    assert row_of(text, "序号") == header[1:]
    for name, (kind, *amounts) in SEED_ROWS.items():
        cells = row_of(text, name)
        assert cells[0] == kind
        assert [D(c) for c in cells[1:]] == [D(a) for a in amounts], name
    assert [D(c) for c in row_of(text, "小计:")] == [D(a) for a in SEED_SUBTOTAL]
    assert len(re.findall(r"正常应缴", text)) == 4  # 410 and 大病 have nothing due, as on the seed
    assert "核定征集总额: 1300048.92" in text
    assert "核定征集总额(大写): 壹佰叁拾万零肆拾捌圆玖角贰分" in text
    assert "制表日期: 2022-09-05" in text


def test_a_notice_page_converts_to_png(suzhou: book.Book, tmp_path: Path) -> None:
    pdf = tmp_path / "notice.pdf"
    written = documents.write_document(documents.payment_notice(suzhou, SUZHOU, printed=PRINTED), pdf=pdf)
    assert written == [str(pdf)]
    tools_or_skip()
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    png = (tmp_path / "page.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (585, 414)  # A4 landscape (297 × 210 mm) at 50 dpi
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)  # the notice fits one page


def test_suzhou_unit_certificate_lists_each_line_since_its_first_month(suzhou: book.Book, tmp_path: Path) -> None:
    document = documents.unit_certificate(suzhou, SUZHOU, printed=PRINTED)
    text = pdf_text(documents.render_pdf(document), tmp_path)
    assert "单位参保证明表" in text
    assert row_of(text, "单位编号")[:3] == ["3205990000000117", "单位名称", "苏州示例医院"]
    assert row_of(text, "单位类型") == ["事业单位"] and row_of(text, "统一信用代码") == [SUZHOU]
    for name in ("职工基本医疗保险", "大额医疗费用补助", "地方补充医疗保险", "生育保险", "长期照护保险", "职工大病医疗保险"):
        assert row_of(text, name) == ["参保缴费", "2022-08-01", "苏州市"]
    assert "经办人: 省单位网厅" in text and "制表日期: 2022-09-05" in text


def test_suzhou_year_statement(suzhou: book.Book, tmp_path: Path) -> None:
    document = documents.year_statement(suzhou, SUZHOU, 2022, printed=PRINTED)
    text = pdf_text(documents.render_pdf(document), tmp_path)
    assert "2022年度单位缴费对账单" in text
    assert row_of(text, "202208") == ["1480", "1055224.24", "7400.00", "131903.03", "105521.65", "1028842.86", "271206.06", "1300048.92"]
    assert row_of(text, "202207") == ["-"] * 8
    assert row_of(text, "全年合计") == ["1055224.24", "7400.00", "131903.03", "105521.65", "1028842.86", "271206.06", "1300048.92"]
    html = documents.render_html(document)
    assert html.count('fill="#8fb3d9"/>') == 13  # twelve months' bars and the legend's
    assert html.count("<circle") == 2  # August's headcount and the legend's
    chart = document.data["chart"]
    august = chart["bars"][7]
    assert (august["y"], august["h"]) == (chart["top"], chart["bottom"] - chart["top"])  # the tallest bar


def test_hebei_levy_notice_202104_to_202106(tmp_path: Path) -> None:
    # hebei-qianan-unit-hall-procedures.txt 河北省医疗保障基金征缴通知单: 补欠(预)缴费 202104-202106,
    # 12 persons, 个人实缴金额 3860.64 (2% × 3 × 64344; the seed prints the base as 64244.00, which
    # would give 3854.64) and 396.00 (11 × 12 × 3) in the unit column; 当期应缴 rows are dashes.
    b = book.Book(f"sqlite:///{tmp_path / 'book.db'}", registry=load_registry(use_env=False))
    b.add_unit(HEBEI, "迁安示例有限公司", "130283", "130200113028311970")
    bases = [5362] * 11
    bases.append(64344 - sum(bases))
    enroll(b, HEBEI, tmp_path / "enroll.csv", bases, "2021/04/01", "130283", datetime.date(2021, 7, 1))
    book.assess_unit(b, HEBEI, Period(2021, 4), Period(2021, 6), payment_type=PaymentType.BACKPAY)
    book.notice(b, HEBEI)
    document = documents.payment_notice(b, HEBEI, printed=datetime.date(2021, 7, 1))
    assert document.layout == "notice_levy"
    text = pdf_text(documents.render_pdf(document), tmp_path)
    assert "河北省医疗保障基金征缴通知单" in text and "打印时间: 2021年07月01日" in text
    assert "征集批次号: 1" in text and re.search(rf"统一信用代码\s+{HEBEI}\s+单位编号\s+130200113028311970", text)
    assert row_of(text, "缴费类型") == ["费款所属期", "缴费人数", "单位缴费基数", "单位应缴金额", "个人缴费基数", "个人实缴金额"]
    rows = [line.split() for line in text.splitlines() if line.split()[:1] in (["当期应缴"], ["补欠(预)缴费"])]
    total = D(document.data["total"])
    assert rows[0] == rows[2] == ["当期应缴"] + ["-"] * 6
    assert rows[1][:4] == ["补欠(预)缴费", "202104-202106", "12", "64344.00"] and rows[1][6] == "3860.64"
    assert rows[3] == ["补欠(预)缴费", "202104-202106", "12", "0.00", "396.00", "0.00", "0.00"]
    assert D(rows[1][4]) + D("3860.64") + D("396.00") == total
    assert row_of(text, "应缴总额") == [str(total)]
    assert row_of(text, "应缴金额总计(大写)") == [rmb_upper(total)]
    assert rmb_upper(total).startswith("壹万玖仟叁佰")  # as far as the seed's capitals are legible


# --- the Dalian walk-through of docs/book.md, on SQLite and PostgreSQL ------------------------


def dalian_month(b: book.Book, tmp_path: Path) -> None:
    """Three persons at 6,000 from January 2023; Jan-Mar assessed and noticed; a back-pay of
    January revoked on the same notice; 3,600 paid (January and February); April assessed."""
    outcome = book.apply_file(b, "enroll", enroll_file(tmp_path / "e.csv", [(0, "6000"), (1, "6000"), (2, "6000")]),
                              UNIT, today=datetime.date(2023, 1, 10))  # fmt: skip
    assert len(outcome.changes) == 3
    book.assess_unit(b, UNIT, Period(2023, 1), Period(2023, 3))
    mistake = book.assess_unit(b, UNIT, Period(2023, 1), payment_type=PaymentType.BACKPAY)
    book.revoke(b, mistake.id, "重复")
    assert book.notice(b, UNIT)["total"] == "5400.00"
    book.pay(b, 1, "3600", datetime.date(2023, 3, 5))
    book.assess_unit(b, UNIT, Period(2023, 4))


def test_generic_notice_nets_a_revoked_backpay_away(opened: book.Book, tmp_path: Path) -> None:
    dalian_month(opened, tmp_path)
    document = documents.payment_notice(opened, UNIT, 1, printed=datetime.date(2023, 3, 1))
    assert document.layout == "notice_generic"  # Dalian's data choose no layout
    assert [(r["name"], r["type_name"], r["periods"], r["persons"], r["amount"]) for r in document.data["rows"]] == [
        ("职工基本医疗保险", "正常应缴", "202301-202303", 3, "5400.00")
    ]
    text = pdf_text(documents.render_pdf(document), tmp_path)
    assert row_of(text, "职工基本医疗保险") == ["正常应缴", "202301-202303", "3", "1080.00", "4320.00", "5400.00"]
    assert "核定征集总额: 5400.00" in text and "伍仟肆佰圆整" in text and "补缴" not in text


def test_employee_certificate_paid_and_unpaid_months(opened: book.Book, tmp_path: Path) -> None:
    dalian_month(opened, tmp_path)
    document = documents.person_certificate(opened, UNIT, person_id(1), printed=datetime.date(2023, 4, 20))
    text = pdf_text(documents.render_pdf(document), tmp_path)
    assert "职工参保证明" in text and person_id(1) not in text
    assert row_of(text, "姓名")[:3] == ["职工1", "证件号码", mask_cert_no(person_id(1))]
    assert row_of(text, "职工基本医疗保险") == ["参保缴费", "202301-至今", "202301-202302", "2", "202303-202304"]


def test_unit_certificate_and_a_suspended_line(opened: book.Book, tmp_path: Path) -> None:
    dalian_month(opened, tmp_path)
    document = documents.unit_certificate(opened, UNIT, printed=datetime.date(2023, 4, 20))
    assert [(ln["name"], ln["status"], ln["since"], ln["active"]) for ln in document.data["lines"]] == [
        ("职工基本医疗保险", "参保缴费", "2023-01-01", 3)
    ]
    assert document.data["unit_type"] == "企业"  # 91…: 工商, 企业
    other = "91210200MA0000002J"
    opened.add_unit(other, "大连另一家", "210200")
    assert book.apply_file(opened, "enroll", enroll_file(tmp_path / "o.csv", [(7, "5000")]), other,
                           today=datetime.date(2023, 1, 10)).changes  # fmt: skip
    leave = tmp_path / "s.csv"
    with leave.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows([SUSPEND_HEADER, ["居民身份证(户口簿)", person_id(7), "职工7", "2023/01/31", "终止(解除)劳动关系", ""]])
    assert book.apply_file(opened, "suspend", leave, other, today=datetime.date(2023, 1, 20)).changes
    document = documents.unit_certificate(opened, other, printed=datetime.date(2023, 4, 20))
    assert [(ln["status"], ln["active"]) for ln in document.data["lines"]] == [("暂停参保", 0)]


def test_year_statement_by_month_on_both_backends(opened: book.Book, tmp_path: Path) -> None:
    dalian_month(opened, tmp_path)
    data = documents.year_statement(opened, UNIT, 2023, printed=datetime.date(2023, 4, 20)).data
    months = {m["period"]: (m["persons"], m["by_line"], m["amount"]) for m in data["months"] if m["persons"]}
    assert months == {f"20230{m}": (3, ["1800.00"], "1800.00") for m in range(1, 5)}
    assert data["totals"]["amount"] == "7200.00" and data["totals"]["unit_amount"] == "5760.00"


# --- refusals and safety ------------------------------------------------------------------


def test_documents_without_data_are_refused(opened: book.Book, tmp_path: Path) -> None:
    day = datetime.date(2023, 4, 20)
    with pytest.raises(book.BookRefusal) as e:
        documents.payment_notice(opened, UNIT, printed=day)
    assert e.value.code == "unknown_notice"
    with pytest.raises(book.BookRefusal) as e:
        documents.unit_certificate(opened, UNIT, printed=day)
    assert e.value.code == "no_cover"
    with pytest.raises(book.BookRefusal) as e:
        documents.year_statement(opened, UNIT, 2023, printed=day)
    assert e.value.code == "nothing_assessed"
    with pytest.raises(book.BookRefusal) as e:
        documents.person_certificate(opened, UNIT, person_id(0), printed=day)
    assert e.value.code == "not_insured_here" and person_id(0) not in e.value.message
    with pytest.raises(book.BookRefusal) as e:
        documents.unit_certificate(opened, "91210200MA0000009X", printed=day)
    assert e.value.code == "unknown_unit"


def test_a_notice_that_nets_to_nothing_is_not_printed(opened: book.Book, tmp_path: Path) -> None:
    book.apply_file(opened, "enroll", enroll_file(tmp_path / "e.csv", [(0, "6000")]), UNIT, today=datetime.date(2023, 1, 10))
    mistake = book.assess_unit(opened, UNIT, Period(2023, 1))
    book.revoke(opened, mistake.id, "错误")
    book.notice(opened, UNIT)
    with pytest.raises(book.BookRefusal) as e:
        documents.payment_notice(opened, UNIT, printed=datetime.date(2023, 2, 1))
    assert e.value.code == "empty_notice"


def test_markup_in_a_name_prints_as_text(tmp_path: Path) -> None:
    b = book.Book(f"sqlite:///{tmp_path / 'book.db'}", registry=load_registry(use_env=False))
    name = '<img src="file:///etc/passwd">公司&<b>'
    b.add_unit(HEBEI, name, "130283")
    enroll(b, HEBEI, tmp_path / "e.csv", [5000], "2021/04/01", "130283", datetime.date(2021, 7, 1))
    html = documents.render_html(documents.unit_certificate(b, HEBEI, printed=datetime.date(2021, 7, 1)))
    assert "<img" not in html and "&lt;img src=&#34;file:///etc/passwd&#34;&gt;公司&amp;&lt;b&gt;" in html


def test_notice_numbers_belong_to_their_unit(suzhou: book.Book) -> None:
    with suzhou.transaction() as session:
        assert session.get(NoticeRow, 1) is not None
    with pytest.raises(book.BookRefusal) as e:
        documents.payment_notice(suzhou, SUZHOU, 2, printed=PRINTED)
    assert e.value.code == "unknown_notice"


def test_every_layout_the_rule_allows_has_its_template() -> None:
    from importlib.resources import files

    from medins_core.documents.notice import LAYOUTS, TITLES, TYPE_NAMES
    from medins_core.rule_catalogue import RULES

    templates = files("medins_core.documents") / "templates"
    for layout in LAYOUTS:
        assert RULES["notice_layout"].validate(layout) is None
        assert (templates / f"notice_{layout}.html.j2").is_file() and layout in TITLES and layout in TYPE_NAMES
    assert RULES["notice_layout"].validate("other") is not None


def test_a_levy_row_is_a_run_of_months_with_the_same_persons_and_bases() -> None:
    from medins_core.documents.document import NetLine
    from medins_core.documents.notice import TYPE_NAMES, _levy_rows

    def line(person: int, period: str, base: int) -> NetLine:
        return NetLine(person, "310", "backpay", period, base, base * 78 // 1000, base, base * 2 // 100)

    lines = [line(p, m, 500000) for p in (1, 2) for m in ("202104", "202105")]
    lines += [line(1, "202106", 600000), line(2, "202106", 500000), line(1, "202108", 600000), line(2, "202108", 500000)]
    rows = _levy_rows(TYPE_NAMES["levy"], "310", {("310", "backpay"): lines})
    assert rows[0] == {"type_name": "当期应缴", "periods": None}
    assert [(r["periods"], r["persons"], r["unit_base"], r["person_amount"]) for r in rows[1:]] == [
        ("202104-202105", 2, "10000.00", "400.00"),
        ("202106", 2, "11000.00", "220.00"),
        ("202108", 2, "11000.00", "220.00"),  # July is missing: a new run
    ]
