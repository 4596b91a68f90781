"""Plugins: loaded like third-party ones, conflicts refused, broken ones reported."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from medins_core import plugin
from medins_core.errors import RegionError
from medins_core.plugin import hookimpl
from medins_core.registry import load_registry


def test_the_four_provinces_load_through_entry_points() -> None:
    registry = load_registry(use_env=False)
    assert registry.problems == []
    assert {r.plugin for r in registry} == {"henan", "hebei", "jiangsu", "liaoning"}
    assert [r.code for r in registry] == ["130200", "210200", "320500", "320700", "320800", "410000"]
    assert registry.region("130283").code == "130200"


def test_unknown_region_lists_the_known_ones() -> None:
    with pytest.raises(RegionError) as caught:
        load_registry(use_env=False).region("999999")
    assert caught.value.code == "unknown_region" and "320500" in caught.value.message


class Duplicate:
    """A plugin claiming Suzhou again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl
    def medins_region_files(self) -> list[Path]:
        path = self.folder / "320500.toml"
        path.write_text('[region]\ncode = "320500"\nname = "苏州"\n', encoding="utf-8")
        return [path]


class Broken:
    """A plugin whose hook raises."""

    @hookimpl
    def medins_region_files(self) -> list[Path]:
        raise RuntimeError("boom")


def test_two_plugins_claiming_one_region_is_an_error_for_that_region(tmp_path: Path) -> None:
    registry = load_registry(plugins=[Duplicate(tmp_path)], use_env=False)
    with pytest.raises(RegionError) as caught:
        registry.region("320500")
    assert caught.value.code == "region_conflict"
    assert registry.region("320800").name == "淮安市"  # the others still load


def test_a_broken_plugin_is_reported_not_fatal() -> None:
    registry = load_registry(plugins=[Broken()], use_env=False)
    assert [p.message for p in registry.problems] == ["boom"]
    assert registry.region("320500").name == "苏州市"


def test_every_hookspec_is_documented() -> None:
    specs = [f for name, f in inspect.getmembers(plugin, inspect.isfunction) if name.startswith("medins_")]
    assert specs
    for spec in specs:
        assert spec.__doc__ and len(spec.__doc__.strip()) > 40, spec.__name__
