"""The conformance kit: it passes the shipped provinces and the example, and names each fault."""

from __future__ import annotations

import importlib
import itertools
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from medins_core.cli import main
from medins_core.registry import load_registry
from medins_core.testing import run_cases, run_kit

ROOT = Path(__file__).parent.parent
CASES = Path(__file__).parent / "cases"
EXAMPLE = ROOT / "examples" / "medins-rules-example"
_names = itertools.count()

REGION = """\
[region]
code = "{code}"
name = "测试市"
province = "测试省"
default_lines = ["310", "510"]
{through}
[[values]]
line = "310"
from = "202201"
unit_rate = "0.07"
person_rate = "0.02"
source = "{source}"
status = "verified"
{more}
"""
LINE_510 = """
[[values]]
line = "510"
from = "202201"
unit_rate = "0.01"
source = "test figures"
status = "verified"
"""
HOOKS = '''
from medins_core.plugin import hookimpl, package_data_files


@hookimpl
def medins_region_files():
    return package_data_files(__name__)
'''
RAISING = '''

@hookimpl
def medins_check(operation, request, rules, today, context):
    if rules.code != "990100":
        return []
    raise RuntimeError("boom")
'''


def make_plugin(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    file: str = "990100",
    code: str = "990100",
    source: str = "test figures",
    more: str = LINE_510,
    hooks: str = "",
    through: str = 'data_through = "202212"\ndata_through_source = "test figures"\n',
) -> str:
    """A plugin package in ``tmp_path``, importable; returns its module name."""
    name = f"medins_rules_kit{next(_names)}"
    package = tmp_path / name
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text(HOOKS + hooks, encoding="utf-8")
    text = REGION.format(code=code, source=source, more=more, through=through)
    (package / "data" / f"{file}.toml").write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def kit(name: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["test", "--module", name, "--plugin", name])
    return code, capsys.readouterr().out


def test_the_shipped_provinces_and_their_seed_cases_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(CASES)]) == 0
    assert "全部通过" in capsys.readouterr().err


def test_a_correct_plugin_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert kit(make_plugin(tmp_path, monkeypatch), capsys) == (0, "")


def test_a_region_code_differing_from_its_file_name_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = kit(make_plugin(tmp_path, monkeypatch, file="990200"), capsys)
    assert code == 1 and "load" in out and "990200" in out and "990100" in out


def test_a_default_line_without_values_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = kit(make_plugin(tmp_path, monkeypatch, more=""), capsys)
    assert code == 1 and "990100.toml: region.default_lines.510:" in out


def test_a_region_with_amounts_but_no_data_through_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = kit(make_plugin(tmp_path, monkeypatch, through=""), capsys)
    assert code == 1 and "990100.toml: region.data_through:" in out


def test_a_value_without_a_source_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = kit(make_plugin(tmp_path, monkeypatch, source=" "), capsys)
    # refused at load, which the kit reports with the file and the key
    assert code == 1 and "990100.toml" in out and "values[0].source" in out


def test_a_hook_that_raises_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = kit(make_plugin(tmp_path, monkeypatch, hooks=RAISING), capsys)
    assert code == 1 and "medins_check[990100]" in out and "boom" in out


def test_a_hook_answering_for_a_foreign_region_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    greedy = RAISING.replace('if rules.code != "990100":\n        return []\n    raise RuntimeError("boom")',
                             'from medins_core.plugin import Problem\n    return [Problem("x", "f", "m")]')
    code, out = kit(make_plugin(tmp_path, monkeypatch, hooks=greedy), capsys)
    assert code == 1 and "对他省统筹区答复了" in out


def test_a_misspelled_rule_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = '\n[[rules]]\nname = "enrol_backdate_months"\nvalue = 3\nsource = "test"\nstatus = "verified"\n'
    code, out = kit(make_plugin(tmp_path, monkeypatch, more=LINE_510 + rule), capsys)
    assert code == 1 and "enrol_backdate_months" in out


def test_a_rule_of_the_wrong_type_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = '\n[[rules]]\nname = "enroll_backdate_months"\nvalue = "three"\nsource = "test"\nstatus = "verified"\n'
    code, out = kit(make_plugin(tmp_path, monkeypatch, more=LINE_510 + rule), capsys)
    assert code == 1 and "enroll_backdate_months" in out


def test_a_wrong_figure_in_a_case_file_fails_naming_file_and_key(tmp_path: Path) -> None:
    text = (CASES / "jiangsu.toml").read_text(encoding="utf-8").replace('"1300048.92"', '"1300048.93"')
    case = tmp_path / "wrong.toml"
    case.write_text(text, encoding="utf-8")
    failures = run_cases(load_registry(use_env=False), [case])
    assert [(f.file, f.key) for f in failures] == [(str(case), "case[0].expect.total")]


def test_a_case_with_an_unknown_key_fails(tmp_path: Path) -> None:
    case = tmp_path / "bad.toml"
    case.write_text('[[case]]\nregion = "320500"\nperiod = "2022-08"\nbasis = [[5000, 1]]\n', encoding="utf-8")
    failures = run_cases(load_registry(use_env=False), [case])
    assert [(f.key, f.message) for f in failures] == [("case[0].basis", "未知的键")]


def test_the_example_plugin_passes_the_kit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    module = importlib.import_module("medins_rules_example")
    registry = load_registry(plugins=[module], use_env=False)
    assert run_kit(registry, "medins_rules_example") == []
    assert registry.region("990100").template("enroll").name == "示例增员模板"


def test_the_pytest_plugin_runs_the_kit_and_the_cases(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--medins-plugin", "jiangsu",
         "--medins-cases", str(CASES), str(tmp_path)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout  # the kit of jiangsu and three case files
