"""Hebei's assessment lines: "险种只选择这三个，必须选的" — 310, 330 and 510 together, or refused.

The rule is region data (``assessment_required_lines``); the plan applies it, so the reference
engine, the columnar engine and the command refuse the same selection with the same code.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from medins_core.assessment import assess
from medins_core.bulk import assess_table
from medins_core.cli import main
from medins_core.errors import InputError
from medins_core.model import Member
from medins_core.plan import Plan
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id

REGISTRY = load_registry(use_env=False)
CERT = make_resident_id("130283", "19800101", 3)


@pytest.mark.parametrize("lines", [["310"], ["310", "330"], ["330", "510"], ["510", "310"]])
def test_a_hebei_assessment_without_all_three_lines_is_refused(lines: list[str]) -> None:
    region = REGISTRY.region("130200")
    member = Member.simple(CERT, "张三", Decimal("5362"))
    table = pa.table({"cert_no": [CERT], "name": ["张三"], "wage": ["5362"]})
    with pytest.raises(InputError) as reference:
        assess([member], region, "202104", "202106", insurance=lines)
    with pytest.raises(InputError) as bulk:
        assess_table(table, region, "202104", "202106", insurance=lines)
    assert reference.value.code == bulk.value.code == "assessment_lines_required"
    assert str(reference.value) == str(bulk.value)
    missing = {"310", "330", "510"} - set(lines)
    assert all(f"({code})" in str(reference.value) for code in missing)


@pytest.mark.parametrize("lines", [None, ["310", "330", "510"], ["510", "330", "310", "310"]])
def test_the_three_lines_or_the_defaults_are_assessed(lines: list[str] | None) -> None:
    region = REGISTRY.region("130200")
    result = assess([Member.simple(CERT, "张三", Decimal("5362"))], region, "202104", insurance=lines)
    # 7.8% of 5362 = 418.236 → 418.24, 2% = 107.24, 11 yuan on the 330 line
    assert {t.insurance: (t.unit_amount, t.person_amount) for t in result.totals} == {
        "310": (Decimal("418.24"), Decimal("107.24")),
        "330": (Decimal("11.00"), Decimal("0.00")),
        "510": (Decimal("0.00"), Decimal("0.00")),
    }


def test_other_regions_have_no_such_rule() -> None:
    for code in ("320500", "320800", "320700"):
        Plan(REGISTRY.region(code), "202208", insurance=["310"])  # no error


def test_the_command_refuses_with_the_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(f"证件号码,姓名,缴费工资\n{CERT},张三,5362\n", encoding="utf-8")
    status = main([
        "assess", str(path), "--region", "130283", "--period", "2021-04", "--insurance", "310", "--format", "json",
    ])
    _, err = capsys.readouterr()
    assert status == 2
    assert "assessment_lines_required" in err and "Traceback" not in err
