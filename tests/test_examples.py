"""The examples run and print the figures of the source documents."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from openpyxl import load_workbook

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_assess_unit_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLES / "assess_unit.py"))["main"](tmp_path)
    out = capsys.readouterr().out
    assert "310 职工基本医疗保险: 个人 3860.64" in out
    assert "330 大额医疗费用补助: 个人 0.00, 单位 396.00" in out
    text = " ".join(str(c) for row in load_workbook(tmp_path / "notice.xlsx").active.iter_rows(values_only=True)
                    for c in row if c is not None)
    assert "玖仟叁佰壹拾陆圆叁角柒分" in text
