"""``medins params skeleton|check``: the overlay an assessment needs, and checking overlays."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medins_core.cli import main
from medins_core.overlays import check_directory, missing_values, skeleton
from medins_core.period import Period
from medins_core.registry import load_registry

REGISTRY = load_registry(use_env=False)


def filled(text: str, value: str = "0.01") -> str:
    """A skeleton with every empty value and source filled in, as an operator would."""
    text = re.sub(r'^(\w+_(rate|fixed)) = ""', rf'\1 = "{value}"', text, flags=re.M)
    return text.replace('source = ""', 'source = "operator document"')


def test_a_skeleton_lists_every_missing_value_and_is_refused_until_filled(tmp_path: Path) -> None:
    text = skeleton(REGISTRY.region("210200"), "202301", "202303")
    assert text.count("[[values]]") == 3 and 'from = "202301"' in text and 'until = "202303"' in text
    (tmp_path / "210200.toml").write_text(text, encoding="utf-8")
    [verdict] = check_directory(tmp_path)
    assert verdict.error is not None and verdict.error.code == "invalid_data_file"
    assert "values[0].unit_rate" in verdict.error.message
    (tmp_path / "210200.toml").write_text(filled(text), encoding="utf-8")
    assert [v.error for v in check_directory(tmp_path)] == [None]
    overlaid = load_registry([tmp_path], use_env=False).region("210200")
    assert missing_values(overlaid, "202301", "202303") == []


@settings(max_examples=25, deadline=None)
@given(
    region=st.sampled_from(["320500", "320800", "130200", "210200"]),
    start=st.integers(Period(2008, 1).index, Period(2024, 12).index),
    months=st.integers(0, 30),
    parts=st.sampled_from(["both", "unit", "person"]),
)
def test_a_filled_skeleton_supplies_exactly_what_was_missing(
    tmp_path_factory: pytest.TempPathFactory, region: str, start: int, months: int, parts: str
) -> None:
    first, last = Period.from_index(start), Period.from_index(start + months)
    text = skeleton(REGISTRY.region(region), first, last, parts=parts)
    if not text:
        assert missing_values(REGISTRY.region(region), first, last, parts=parts) == []
        return
    folder = tmp_path_factory.mktemp("ops")
    (folder / f"{region}.toml").write_text(filled(text), encoding="utf-8")
    overlaid = load_registry([folder], use_env=False).region(region)
    assert missing_values(overlaid, first, last, parts=parts) == []
    # and it gives nothing the shipped data already had
    shipped = REGISTRY.region(region).rules
    for entry in missing_values(REGISTRY.region(region), first, last, parts=parts):
        for parameter in entry.parameters:
            assert shipped.value(entry.line, parameter, entry.start) is None


def test_the_cli_writes_a_skeleton_and_checks_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ops" / "210200.toml"
    out.parent.mkdir()
    assert main(["params", "skeleton", "--region", "210200", "--period", "2023-01", "--insurance", "310", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").count("[[values]]") == 1
    assert main(["params", "check", str(out.parent), "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["files"][0]["ok"] is False and "unit_rate" in report["files"][0]["error"]["message"]
    out.write_text(filled(out.read_text(encoding="utf-8")), encoding="utf-8")
    assert main(["params", "check", str(out.parent)]) == 0
    assert main(["params", "skeleton", "--region", "320500", "--period", "2022-08"]) == 0
    assert "无需参数文件" in capsys.readouterr().err


def test_every_bad_file_is_reported_and_two_files_for_the_same_months_are_named(tmp_path: Path) -> None:
    good = filled(skeleton(REGISTRY.region("210200"), "202301", "202312", insurance=["310"]))
    (tmp_path / "a.toml").write_text(good, encoding="utf-8")
    (tmp_path / "b.toml").write_text(good, encoding="utf-8")
    (tmp_path / "c.toml").write_text("[region]\ncode = 1\n", encoding="utf-8")
    (tmp_path / "d.toml").write_text("not toml [", encoding="utf-8")
    verdicts = {Path(v.file).name: v.error for v in check_directory(tmp_path)}
    assert verdicts["a.toml"] is None and verdicts["b.toml"] is None  # each is fine alone
    assert verdicts["c.toml"] is not None and verdicts["d.toml"] is not None
    (tmp_path / "c.toml").unlink()
    (tmp_path / "d.toml").unlink()
    verdicts = {Path(v.file).name: v.error for v in check_directory(tmp_path)}
    error = verdicts["b.toml"]
    assert error is not None and "a.toml" in error.message  # together they conflict, both named


def test_an_overlay_for_a_region_nobody_provides_is_refused_naming_its_file_only(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(filled(skeleton(REGISTRY.region("210200"), "202301", insurance=["310"])), encoding="utf-8")
    (tmp_path / "x.toml").write_text('[region]\ncode = "990900"\n', encoding="utf-8")
    verdicts = {Path(v.file).name: v.error for v in check_directory(tmp_path)}
    error = verdicts["x.toml"]
    assert error is not None and error.code == "unknown_region" and error.file == str(tmp_path / "x.toml")
    assert verdicts["a.toml"] is None
