"""A region carries its plugin's hooks; plugins fail safe; the plugin contract is one module."""

from __future__ import annotations

import ast
import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest

import medins_core
from medins_core.errors import RegionError
from medins_core.operations import BackpayRequest, EnrollmentRequest, Problem, Severity
from medins_core.plugin import RegionRules, hookimpl
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id

TODAY = datetime.date(2022, 9, 15)
SRC = Path(medins_core.__file__).parent.parent


def enrollment() -> EnrollmentRequest:
    return EnrollmentRequest(
        unit_no="U1",
        cert_no=make_resident_id("320506", "19850312", 1),
        name="张三",
        start="202209",
        insurance=("310",),
        mobile="13812345678",
        wage="6000",
        ethnicity="汉族",
        first_work_date=datetime.date(2008, 7, 1),
        person_type="职工在职",
        bank_name="中国工商银行苏州分行",
        bank_holder="张三",
        bank_account="6222020000000000001",
    )


class RaisingCheck:
    """A plugin providing one region, whose medins_check raises."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl
    def medins_region_files(self) -> list[Path]:
        path = self.folder / "330100.toml"
        path.write_text('[region]\ncode = "330100"\nname = "杭州市"\nprovince = "浙江省"\n', encoding="utf-8")
        return [path]

    @hookimpl
    def medins_check(self, operation: str, rules: RegionRules) -> list[Problem]:
        raise RuntimeError("boom in check")

    @hookimpl
    def medins_template(self, kind: str, rules: RegionRules) -> None:
        raise RuntimeError("boom in template")


def test_region_holds_its_data_and_answers_checks_and_templates() -> None:
    region = load_registry(use_env=False).region("320500")
    assert (region.code, region.name) == ("320500", "苏州市")
    assert isinstance(region.rules, RegionRules) and region.rules.code == "320500"
    assert region.template("enroll").same_start  # Jiangsu's own template
    assert region.check(enrollment(), today=TODAY) == []


def test_a_raising_hook_is_reported_once_and_other_regions_keep_working(tmp_path: Path) -> None:
    registry = load_registry(plugins=[RaisingCheck(tmp_path)], use_env=False)
    hangzhou = registry.region("330100")
    for _ in range(2):
        found = hangzhou.check(enrollment(), today=TODAY)
        assert "plugin_failed" in [p.code for p in found]
        assert all(p.is_error for p in found if p.code == "plugin_failed")
    assert hangzhou.template("suspend").kind == "suspend"  # generic, the failure reported
    assert len([p for p in registry.problems if "medins_check" in p.message]) == 1
    assert len([p for p in registry.problems if "medins_template" in p.message]) == 1
    # the other plugins' regions are untouched, their own hooks still answer
    assert registry.region("320500").check(enrollment(), today=TODAY) == []
    backpay = BackpayRequest(unit_no="U1", start="202101", end="202102", insurance=("310",))
    assert "business_period_closed" in [
        p.code for p in registry.region("130200").check(backpay, today=TODAY)
    ]


def test_a_severity_as_text_is_converted_and_a_wrong_one_refused() -> None:
    assert Problem("x", "f", "m", "error").severity is Severity.ERROR  # type: ignore[arg-type]
    assert Problem("x", "f", "m", "error").is_error  # type: ignore[arg-type]
    assert not Problem("x", "f", "m", "warning").is_error  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="severity"):
        Problem("x", "f", "m", "fatal")  # type: ignore[arg-type]


class MisnamedFile:
    """A plugin whose 320500.toml declares another region."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl
    def medins_region_files(self) -> list[Path]:
        path = self.folder / "330200.toml"
        path.write_text('[region]\ncode = "330700"\nname = "宁波市"\nprovince = "浙江省"\n', encoding="utf-8")
        return [path]


def test_a_region_file_named_for_another_region_is_refused(tmp_path: Path) -> None:
    registry = load_registry(plugins=[MisnamedFile(tmp_path)], use_env=False)
    assert any("330700" in p.message and "330200" in p.message for p in registry.problems)
    with pytest.raises(RegionError):
        registry.region("330700")


def test_medins_regions_exits_2_when_a_plugin_failed_and_still_lists_the_rest(tmp_path: Path) -> None:
    # a plugin that cannot be imported, on the entry-point path through a dist-info of its own
    dist = tmp_path / "broken_medins_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-medins-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[medins.rules]\nbroken = no_such_module_for_medins\n")
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "medins_core.cli", "regions", "--format", "json"],
        capture_output=True, text=True, env=env, check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "broken" in done.stderr
    assert "320500" in [r["code"] for r in json.loads(done.stdout)]


def test_plugins_import_nothing_from_the_engine_but_the_plugin_module() -> None:
    for package in ("medins_rules_henan", "medins_rules_hebei", "medins_rules_jiangsu", "medins_rules_liaoning"):
        for path in (SRC / package).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("medins_core"):
                    assert node.module == "medins_core.plugin", (path.name, node.module)


def test_operations_and_templates_do_not_import_the_registry() -> None:
    for path in [*(SRC / "medins_core" / "operations").glob("*.py"), SRC / "medins_core" / "io" / "templates.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.module not in {"medins_core.registry", "medins_core.region"}, path.name


def test_a_plugin_passed_in_that_is_also_installed_is_loaded_once() -> None:
    import medins_rules_hebei

    registry = load_registry(plugins=[medins_rules_hebei], use_env=False)
    assert registry.problems == [] and registry.region("130200").plugin == "hebei"
