"""Parameter files: validated on load with file and key named; overlays; sources everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from medins_core.datafile import PARAMETERS, Status, parse_region_file
from medins_core.errors import DataFileError
from medins_core.period import Period
from medins_core.registry import load_registry

REGISTRY = load_registry(use_env=False)


def test_every_shipped_value_has_a_source_and_a_status() -> None:
    for rules in (region.rules for region in REGISTRY):
        assert rules.name and rules.documents and rules.rounding_source
        for values in rules.values.values():
            for value in values:
                assert value.source.split(" ")[0] in rules.documents or value.source.startswith(rules.documents)
                assert value.status in (Status.VERIFIED, Status.PROVISIONAL)
                assert value.parameter in PARAMETERS


def test_regions_the_sources_give_no_rates_for_ship_none() -> None:
    assert not REGISTRY.region("410000").rules.has_rates()
    assert not REGISTRY.region("210200").rules.has_rates()
    assert REGISTRY.region("210200").rules.default_lines == ("310", "330", "510")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "region.toml"
    path.write_text(text, encoding="utf-8")
    return path


HEADER = '[region]\ncode = "320500"\nname = "苏州市"\n'


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('[[values]]\nline = "310"\nfrom = "202208"\nunit_rate = 0.06\nsource = "s"\nstatus = "verified"\n', "0.06"),
        ('[[values]]\nline = "310"\nfrom = "202208"\nunit_rate = "abc"\nsource = "s"\nstatus = "verified"\n', "abc"),
        ('[[values]]\nline = "310"\nfrom = "2022-13"\nunit_rate = "0.06"\nsource = "s"\nstatus = "verified"\n', "2022-13"),
        ('[[values]]\nline = "310"\nfrom = "202208"\nunit_rate = "0.06"\nsource = "s"\nstatus = "sure"\n', "sure"),
        ('[[values]]\nline = "310"\nfrom = "202208"\nunit_rat = "0.06"\nsource = "s"\nstatus = "verified"\n', "unit_rat"),
    ],
)
def test_a_bad_value_names_file_key_and_value(tmp_path: Path, body: str, needle: str) -> None:
    path = write(tmp_path, HEADER + body)
    with pytest.raises(DataFileError) as caught:
        parse_region_file(path)
    assert str(path) in str(caught.value)
    assert "values" in caught.value.message and needle in caught.value.message


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('[[values]]\nline = "999"\nfrom = "202208"\nunit_rate = "0.06"\nsource = "s"\nstatus = "verified"\n', "values[0].line"),
        ('[[values]]\nline = "310"\nfrom = "202208"\nunit_rate = "1.5"\nsource = "s"\nstatus = "verified"\n', "values[0].unit_rate"),
        ('[[values]]\nline = "310"\nfrom = "202208"\nunit_rate = "0.06"\nsource = " "\nstatus = "verified"\n', "values[0].source"),
        ('[[values]]\nline = "310"\nfrom = "202208"\nuntil = "202201"\nunit_rate = "0.06"\nsource = "s"\nstatus = "verified"\n', "values[0].until"),
        ('[[values]]\nline = "310"\nfrom = "202208"\nsource = "s"\nstatus = "verified"\n', "values[0]"),
        (
            (
                '[[values]]\nline = "310"\nfrom = "202208"\nunit_rate = "0.06"\nsource = "s"\nstatus = "verified"\n'
                '[[values]]\nline = "310"\nfrom = "202212"\nunit_rate = "0.07"\nsource = "s"\nstatus = "verified"\n'
            ),
            "values[1].unit_rate",
        ),
    ],
)
def test_a_bad_entry_names_its_key(tmp_path: Path, body: str, field: str) -> None:
    with pytest.raises(DataFileError) as caught:
        parse_region_file(write(tmp_path, HEADER + body))
    assert caught.value.field == field


def test_a_shipped_file_needs_a_name(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as caught:
        parse_region_file(write(tmp_path, '[region]\ncode = "320500"\n'))
    assert caught.value.field == "region.name"


def test_overlay_supplies_rates_the_sources_lack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "dalian.toml").write_text(
        '[region]\ncode = "210200"\n\n[[values]]\nline = "310"\nfrom = "202301"\nunit_rate = "0.08"\n'
        'person_rate = "0.02"\nunit_fixed = "0"\nperson_fixed = "0"\nsource = "大连市医保局文件 (operator)"\n'
        'status = "provisional"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("MEDINS_PARAMS", str(tmp_path))
    rules = load_registry().region("210200").rules
    value = rules.value("310", "unit_rate", Period(2023, 5))
    assert value is not None and str(value.value) == "0.08" and value.file.endswith("dalian.toml")
    assert rules.value("310", "unit_rate", Period(2022, 12)) is None
    assert rules.files[0].endswith("dalian.toml")


def test_overlay_wins_over_shipped_values_for_its_periods(tmp_path: Path) -> None:
    (tmp_path / "suzhou.toml").write_text(
        '[region]\ncode = "320500"\n\n[[values]]\nline = "510"\nfrom = "202301"\nunit_rate = "0.01"\n'
        'source = "operator"\nstatus = "provisional"\n',
        encoding="utf-8",
    )
    rules = load_registry([tmp_path], use_env=False).region("320500").rules
    assert str(rules.require("510", "unit_rate", Period(2023, 1)).value) == "0.01"
    assert str(rules.require("510", "unit_rate", Period(2022, 12)).value) == "0.008"


def test_overlay_for_an_unknown_region_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text('[region]\ncode = "999999"\n', encoding="utf-8")
    with pytest.raises(Exception) as caught:
        load_registry([tmp_path], use_env=False)
    assert getattr(caught.value, "code", "") == "unknown_region"


def test_a_quantum_finer_than_the_fen_is_refused(tmp_path: Path) -> None:
    body = 'rounding = { mode = "half_up", quantum = "0.001", stage = "per_line" }\n'
    with pytest.raises(DataFileError) as caught:
        parse_region_file(write(tmp_path, HEADER + body))
    assert caught.value.field == "region.rounding.quantum"


def test_two_overlay_files_giving_the_same_value_are_an_error_naming_both(tmp_path: Path) -> None:
    entry = '[region]\ncode = "210200"\n\n[[values]]\nline = "310"\nfrom = "{start}"\nunit_rate = "0.08"\n' \
            'source = "operator"\nstatus = "provisional"\n'
    (tmp_path / "a.toml").write_text(entry.format(start="202201"), encoding="utf-8")
    (tmp_path / "b.toml").write_text(entry.format(start="202301"), encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_registry([tmp_path], use_env=False)
    assert caught.value.file == str(tmp_path / "b.toml")
    assert str(tmp_path / "a.toml") in caught.value.message
    assert caught.value.field == "values[0].unit_rate"
    (tmp_path / "b.toml").write_text(entry.replace('from = "{start}"', 'from = "202001"\nuntil = "202112"'),
                                     encoding="utf-8")
    rules = load_registry([tmp_path], use_env=False).region("210200").rules  # months apart: both load
    assert len(rules.values[("310", "unit_rate")]) == 2


@pytest.mark.parametrize("depth", [33, 100_000])
def test_a_file_nested_too_deep_is_refused_with_a_code_not_a_recursion_error(tmp_path: Path, depth: int) -> None:
    path = write(tmp_path, HEADER + "x = " + "[" * depth + "]" * depth + "\n")
    with pytest.raises(DataFileError) as caught:
        parse_region_file(path, overlay=True)
    assert caught.value.code == "input_too_deep" and caught.value.file == str(path)


def test_a_file_nested_to_the_limit_is_read_as_usual(tmp_path: Path) -> None:
    path = write(tmp_path, "x = " + "[" * 31 + "]" * 31 + "\n" + HEADER)  # 32 levels with the document
    with pytest.raises(DataFileError) as caught:  # the unknown key x, not the nesting
        parse_region_file(path, overlay=True)
    assert caught.value.code == "invalid_data_file" and "x" in caught.value.message
