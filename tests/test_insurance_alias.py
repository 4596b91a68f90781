"""The selection of insurance lines is ``insurance``; the old name ``lines`` works for one release.

Keyword ``lines=`` warns (DeprecationWarning) and means ``insurance=``; both is a TypeError.
``--lines`` is a hidden alias of ``--insurance`` with a note on stderr; a case file's
``lines = [...]`` warns. (The HTTP field and query parameter: tests/test_serve.py.)
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from medins_core.assessment import assess
from medins_core.bulk import assess_table
from medins_core.cli import main
from medins_core.io.batch import BatchOptions
from medins_core.model import DEFAULT_LINES, Member
from medins_core.overlays import missing_values, skeleton
from medins_core.plan import Plan
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id, roster_with_bases, run_cases

REGISTRY = load_registry(use_env=False)
HUAIAN = REGISTRY.region("320800")
CERT = make_resident_id("320826", "19900101", 3)


def test_lines_keyword_warns_and_selects_as_insurance_does() -> None:
    members = roster_with_bases([5464, 6226])
    new = assess(members, HUAIAN, "2022-02", insurance=["310"])
    with pytest.deprecated_call(match=r"assess\(lines=\.\.\.\)"):
        old = assess(members, HUAIAN, "2022-02", lines=["310"])
    assert old == new and [t.insurance for t in new.totals] == ["310"]
    assert new.total != assess(members, HUAIAN, "2022-02").total  # the selection mattered
    table = pa.table({"cert_no": [CERT], "name": ["张三"], "wage": ["5464"]})
    with pytest.deprecated_call(match="assess_table"):
        bulk = assess_table(table, HUAIAN, "2022-02", lines=["310"])
    assert [t.insurance for t in bulk.totals] == ["310"]


def test_both_names_together_are_refused() -> None:
    members = roster_with_bases([5000])
    with pytest.raises(TypeError, match="both 'insurance' and its deprecated name 'lines'"):
        assess(members, HUAIAN, "2022-02", insurance=["310"], lines=["310"])
    with pytest.raises(TypeError):
        Plan(HUAIAN, "2022-02", None, ["310"], lines=["310"])
    with pytest.raises(TypeError):
        Member.simple(CERT, "张三", Decimal(5000), insurance=("310",), lines=("330",))
    with pytest.raises(TypeError):
        BatchOptions(insurance=("310",), lines=("310",))


def test_the_other_public_functions_take_the_old_keyword_with_a_warning() -> None:
    with pytest.deprecated_call(match="Plan"):
        assert Plan(HUAIAN, "2022-02", lines=["310", "310"]).selected == ("310",)
    with pytest.deprecated_call(match="Member.simple"):
        member = Member.simple(CERT, "张三", Decimal(5000), lines=("310",))
    assert [c.insurance for c in member.coverages] == ["310"]
    assert [c.insurance for c in Member.simple(CERT, "张三", Decimal(5000)).coverages] == [DEFAULT_LINES]
    with pytest.deprecated_call(match="roster_with_bases"):
        assert [c.insurance for c in roster_with_bases([5000], lines=["330"])[0].coverages] == ["330"]
    with pytest.deprecated_call(match="BatchOptions"):
        assert BatchOptions(lines=("310",)).insurance == ("310",)
    dalian = REGISTRY.region("210200")
    with pytest.deprecated_call(match="missing_values"):
        old = missing_values(dalian, "202301", lines=["310"])
    assert old == missing_values(dalian, "202301", insurance=["310"]) and {m.line for m in old} == {"310"}
    with pytest.deprecated_call(match="skeleton"):
        assert skeleton(dalian, "202301", lines=["310"]) == skeleton(dalian, "202301", None, ["310"])


def _roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(f"证件号码,姓名,缴费工资\n{CERT},张三,5464\n", encoding="utf-8")
    return path


def test_the_cli_alias_prints_a_note_and_the_same_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["assess", str(_roster(tmp_path)), "--region", "320800", "--period", "2022-02", "--format", "json"]
    assert main([*argv, "--insurance", "310"]) == 0
    new, new_err = capsys.readouterr()
    assert main([*argv, "--lines", "310"]) == 0
    old, old_err = capsys.readouterr()
    assert json.loads(old) == json.loads(new)
    assert [t["insurance"] for t in json.loads(new)["totals"]] == ["310"]
    assert new_err == "" and old_err.splitlines() == ["medins: 注意 --lines 已改名为 --insurance, 旧名将在下一版本移除"]


@pytest.mark.parametrize("order", [("--insurance", "--lines"), ("--lines", "--insurance")])
def test_the_cli_refuses_both_names(tmp_path: Path, capsys: pytest.CaptureFixture[str], order: tuple[str, str]) -> None:
    argv = ["assess", str(_roster(tmp_path)), "--region", "320800", "--period", "2022-02"]
    with pytest.raises(SystemExit) as stopped:
        main([*argv, order[0], "310", order[1], "310"])
    assert stopped.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and "--insurance 与其旧名 --lines 不能同时使用" in err


def test_the_old_name_is_hidden_from_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["assess"], ["check"], ["params", "skeleton"], ["book", "enroll"]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        shown = capsys.readouterr().out
        assert "--insurance" in shown and "--lines" not in shown, command


CASE = """[[case]]
name = "淮安 310 only"
source = "test"
region = "320800"
period = "2022-02"
{selection}
bases = [[5464, 1]]

[case.expect]
total = "{total}"
"""


def test_a_case_file_may_still_say_lines(tmp_path: Path) -> None:
    total = assess(roster_with_bases([5464]), HUAIAN, "2022-02", insurance=["310"]).total
    assert total != assess(roster_with_bases([5464]), HUAIAN, "2022-02").total
    new, old, both = (tmp_path / "new.toml", tmp_path / "old.toml", tmp_path / "both.toml")
    new.write_text(CASE.format(selection='insurance = ["310"]', total=total), encoding="utf-8")
    old.write_text(CASE.format(selection='lines = ["310"]', total=total), encoding="utf-8")
    both.write_text(CASE.format(selection='insurance = ["310"]\nlines = ["310"]', total=total), encoding="utf-8")
    assert run_cases(REGISTRY, [new]) == []
    with pytest.deprecated_call(match="insurance"):
        assert run_cases(REGISTRY, [old]) == []
    assert [(f.key, f.message) for f in run_cases(REGISTRY, [both])] == [("case[0].lines", "insurance 与其旧名 lines 不能同时给出")]
