"""The everyday API in one import: every exported name resolves, and the README example runs."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

import medins_core
from medins_core import _EXPORTS
from medins_core.bulk import assess_table
from medins_core.testing import make_resident_id

ROOT = Path(__file__).resolve().parents[1]


def test_every_exported_name_is_the_defining_modules_object() -> None:
    assert medins_core.__all__ == sorted(_EXPORTS)
    for name, module in _EXPORTS.items():
        assert getattr(medins_core, name) is getattr(importlib.import_module(module), name), name


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        medins_core.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("no AttributeError")


def test_context_is_only_the_deprecated_name_of_check_context() -> None:
    from medins_core import operations

    assert "Context" not in operations.__all__
    with pytest.deprecated_call(match="use CheckContext"):
        assert operations.Context is operations.CheckContext
    with pytest.raises(AttributeError, match="no_such_name"):
        operations.no_such_name  # noqa: B018


def test_importing_the_package_imports_no_engine_module() -> None:
    code = "import medins_core, sys; print(sorted(m for m in sys.modules if m.startswith('medins_core.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['medins_core._lazy']"  # the helper of the lazy names alone


def test_the_readme_example_uses_one_import_and_gives_the_suzhou_total(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", readme, re.S)
    assert example is not None
    code = example.group(1)
    assert [line for line in code.splitlines() if line.startswith(("import ", "from "))] == [
        "import medins_core as medins"
    ]
    roster = ROOT / "src/medins_core/examples"
    csv = next(roster.glob("*.csv"))
    (tmp_path / "roster.csv").write_bytes(csv.read_bytes())
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    total, upper = out.split()
    assert upper.endswith(("整", "分", "角"))
    assert total == str(medins_core.assess(
        medins_core.read_roster(csv, rules=medins_core.load_registry().region("320500").rules).members,
        medins_core.load_registry().region("320500"), "2022-08").total)


def test_a_duplicate_person_in_the_api_is_named_masked_by_both_engines() -> None:
    cert = make_resident_id()
    members = [medins_core.Member.simple(cert, "张三", Decimal("5000"))] * 2
    region = medins_core.load_registry(use_env=False).region("320500")
    with pytest.raises(medins_core.InputError) as caught:
        medins_core.assess(members, region, "2022-08")
    assert caught.value.code == "duplicate_person"
    assert cert not in caught.value.message and cert[:4] in caught.value.message
    assert cert[-4:] in caught.value.message
    table = pa.table({"cert_no": [cert, cert], "name": ["张三", "张三"], "wage": ["5000", "5000"]})
    with pytest.raises(medins_core.InputError) as bulk:
        assess_table(table, region.rules, "2022-08")
    assert bulk.value.code == "duplicate_person"
