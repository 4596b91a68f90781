"""``medins book notice --pdf/--html``, ``certificate`` and ``statement``: outputs, JSON, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_book import UNIT, enroll_file, person_id, write_params
from test_documents import pdf_text

from medins_core.cli import main


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MEDINS_DB", f"sqlite:///{tmp_path / 'book.db'}")
    monkeypatch.setenv("MEDINS_PARAMS", str(write_params(tmp_path / "params")))

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def assessed(cli, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A Dalian unit with two persons assessed for January-February 2023, no notice yet."""
    assert cli("book", "unit", "add", "--uscc", UNIT, "--name", "大连示例", "--region", "210200", "--unit-no", "21020001")[0] == 0
    path = enroll_file(tmp_path / "e.csv", [(0, "6000"), (1, "7000")])
    assert cli("book", "enroll", str(path), "--unit", UNIT, "--today", "2023-01-10")[0] == 0
    assert cli("book", "assess", "--unit", UNIT, "--period", "2023-01", "--to", "2023-02")[0] == 0
    return cli


def test_notice_makes_the_notice_and_prints_it(assessed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf, html = tmp_path / "n.pdf", tmp_path / "n.html"
    code, out, err = assessed("book", "notice", "--unit", UNIT, "--pdf", str(pdf), "--html", str(html), "--date", "2023-03-01")
    assert (code, err) == (0, "")
    assert out.splitlines() == ["缴费通知单 1: 合计 2600.00 元 (贰仟陆佰圆整)", f"已写出: {pdf}", f"已写出: {html}"]
    text = pdf_text(pdf.read_bytes(), tmp_path)
    assert "核定征集总额: 2600.00" in text and "制表日期: 2023-03-01" in text
    assert "<h1>缴费通知单</h1>" in html.read_text(encoding="utf-8")
    # printed again from the book, not made again
    again = tmp_path / "again.pdf"
    code, out, _ = assessed("book", "notice", "--unit", UNIT, "--reprint", "1", "--pdf", str(again), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["written"] == [str(again)] and data["document"]["total"] == "2600.00"
    assert "id" not in data  # nothing new was made
    code, _, err = assessed("book", "notice", "--unit", UNIT)
    assert code == 2 and "[nothing_to_notice]" in err


def test_notice_without_outputs_answers_as_before(assessed) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = assessed("book", "notice", "--unit", UNIT, "--format", "json")
    assert code == 0 and json.loads(out) == {
        "id": 1, "unit": UNIT, "assessments": [1], "total": "2600.00", "total_upper": "贰仟陆佰圆整"
    }  # fmt: skip


def test_a_bad_output_is_refused_before_the_notice_is_made(assessed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = assessed("book", "notice", "--unit", UNIT, "--pdf", str(tmp_path / "missing" / "n.pdf"))
    assert (code, out) == (2, "") and "[output_dir_missing]" in err and "Traceback" not in err
    code, out, _ = assessed("book", "notice", "--unit", UNIT, "--format", "json")
    assert code == 0 and json.loads(out)["id"] == 1  # the refused command made no notice


def test_certificates_and_statement(assessed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    unit_pdf, person_pdf, year_pdf = tmp_path / "u.pdf", tmp_path / "p.pdf", tmp_path / "y.pdf"
    code, out, _ = assessed("book", "certificate", "--unit", UNIT, "--pdf", str(unit_pdf), "--date", "2023-03-01")
    assert code == 0 and out.splitlines()[0] == "单位参保证明表: 大连示例, 1 个险种"
    assert "职工基本医疗保险" in pdf_text(unit_pdf.read_bytes(), tmp_path)
    code, out, _ = assessed("book", "certificate", "--unit", UNIT, "--cert-no", person_id(1), "--pdf", str(person_pdf), "--format", "json")
    document = json.loads(out)["document"]
    assert code == 0 and document["kind"] == "person_certificate" and person_id(1) not in out
    assert [(ln["paid"], ln["unpaid"]) for ln in document["lines"]] == [([], ["202301-202302"])]
    code, out, _ = assessed("book", "statement", "--unit", UNIT, "--year", "2023", "--pdf", str(year_pdf))
    assert code == 0 and out.splitlines()[0] == "2023年度单位缴费对账单: 合计 2600.00 元"
    assert "202302" in pdf_text(year_pdf.read_bytes(), tmp_path)


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (("certificate", "--unit", "91210200MA0000009X"), "unknown_unit"),
        (("certificate", "--unit", UNIT, "--cert-no", "110101199003071234"), "not_insured_here"),
        (("statement", "--unit", UNIT, "--year", "2022"), "nothing_assessed"),
        (("notice", "--unit", UNIT, "--reprint", "7"), "unknown_notice"),
    ],
)
def test_refusals_write_nothing(assessed, tmp_path: Path, argv: tuple[str, ...], code: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.pdf"
    status, out, err = assessed("book", *argv, "--pdf", str(target))
    assert (status, out) == (2, "") and f"[{code}]" in err and "Traceback" not in err
    assert not target.exists() and "110101199003071234" not in err


def test_a_document_must_go_somewhere(assessed) -> None:  # type: ignore[no-untyped-def]
    code, _, err = assessed("book", "statement", "--unit", UNIT, "--year", "2023")
    assert code == 2 and "[missing_output]" in err
    code, out, _ = assessed("book", "statement", "--unit", UNIT, "--year", "2023", "--format", "json")
    assert code == 0 and json.loads(out)["document"]["totals"]["amount"] == "2600.00"
