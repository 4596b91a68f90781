"""Typed rules: every [[rules]] entry is checked against the catalogue when its file loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from medins_core.datafile import parse_region_file
from medins_core.errors import DataFileError
from medins_core.registry import load_registry
from medins_core.rule_catalogue import RULES

HEADER = '[region]\ncode = "990100"\nname = "测试市"\ndefault_lines = ["310"]\n'


def _file(tmp_path: Path, name: str, value: str) -> Path:
    path = tmp_path / "990100.toml"
    path.write_text(
        HEADER + f'\n[[rules]]\nname = "{name}"\nvalue = {value}\nsource = "test"\nstatus = "verified"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("name", "value", "key", "words"),
    [
        ("enrol_backdate_months", "3", "rules[0].name", "未知的规则名"),
        ("enroll_backdate_months", '"three"', "rules[0].value", "应为整数"),
        ("enroll_backdate_months", "-3", "rules[0].value", "应在 0 与 120 之间"),
        ("enroll_required_fields", '["wgae"]', "rules[0].value", "不是 EnrollmentRequest 的字段"),
        ("suspend_retired_refused", '"yes"', "rules[0].value", "应为 true 或 false"),
        ("unit_password_length", "[16, 8]", "rules[0].value", "下限高于上限"),
        ("enroll_required_with", '{ "330" = [] }', "rules[0].value", "列表应有 1"),
        ("messages", '{ no_such_code = "x" }', "rules[0].value", "未知的问题代码"),
        ("notice_layout", '"fancy"', "rules[0].value", "应为 collection、levy、generic 之一"),
    ],
)
def test_a_wrong_rule_fails_at_load_naming_file_key_and_value(
    tmp_path: Path, name: str, value: str, key: str, words: str
) -> None:
    path = _file(tmp_path, name, value)
    with pytest.raises(DataFileError) as caught:
        parse_region_file(path)
    error = caught.value
    assert error.code == "invalid_data_file"
    assert error.file == str(path) and error.field == key
    assert words in error.message and "值:" in error.message


@pytest.mark.parametrize(
    ("name", "value"),
    [("enroll_backdate_months", "0"), ("enroll_backdate_months", "120"), ("suspend_date_month_ends", "[-1, 0]"),
     ("enroll_required_fields", '["mobile", "wage"]'), ("unit_account_length", "[8, 20]"),
     ("notice_layout", '"levy"')],
)
def test_a_rule_at_its_bounds_loads(tmp_path: Path, name: str, value: str) -> None:
    assert parse_region_file(_file(tmp_path, name, value)).rules[0].name == name


def test_every_rule_a_shipped_region_states_is_declared() -> None:
    stated = {name for region in load_registry(use_env=False) for name in region.rules.rules}
    assert stated <= set(RULES)
    assert stated  # the shipped provinces do state rules


def test_docs_list_every_rule_from_the_catalogue() -> None:
    import runpy

    root = Path(__file__).resolve().parents[1]
    generator = runpy.run_path(str(root / "docs" / "gen_tables.py"))
    page = (root / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert generator["render"]("parameters.md", page) == page, "docs/parameters.md is stale: run python docs/gen_tables.py"
    assert all(f"`{name}`" in page for name in RULES)


def test_the_fields_a_rule_may_name_are_the_fields_of_the_request_classes() -> None:
    # written out so that loading a region file does not import the operations
    import attrs

    from medins_core import operations
    from medins_core.rule_catalogue import REQUEST_FIELDS

    for name, fields in REQUEST_FIELDS.items():
        assert fields == tuple(f.name for f in attrs.fields(getattr(operations, name))), name
    named = {s.allowed.removeprefix("fields of ") for s in RULES.values() if s.allowed.startswith("fields of ")}
    assert named == set(REQUEST_FIELDS)
