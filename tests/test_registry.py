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


def _found(entries: object) -> list[tuple[str, str, str]]:
    return [(e.name, e.value, e.group) for e in entries]  # type: ignore[attr-defined]


def test_entry_points_are_found_as_importlib_metadata_finds_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.metadata

    from medins_core.entry_points import entry_points

    # two path entries with one project each (the first hides the second), a comment, a
    # section of another group, and an egg-info
    for folder, dist, text in [
        ("a", "Some_Plugin-1.0.dist-info", "# c\n[medins.rules]\n first = mod_a : obj.attr \n[x]\ny = z\n"),
        ("b", "some.plugin-2.0.dist-info", "[medins.rules]\nhidden = mod_b\n"),
        ("b", "other-1.egg-info", "[medins.rules]\nother = mod_c\n"),
    ]:
        (tmp_path / folder / dist).mkdir(parents=True)
        (tmp_path / folder / dist / "entry_points.txt").write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "b"))
    monkeypatch.syspath_prepend(str(tmp_path / "a"))
    groups = {e.group for d in importlib.metadata.distributions() for e in d.entry_points}
    for group in groups:
        assert _found(entry_points(group)) == _found(importlib.metadata.entry_points(group=group)), group
    found = _found(entry_points("medins.rules"))
    assert ("first", "mod_a : obj.attr", "medins.rules") in found and ("other", "mod_c", "medins.rules") in found
    assert "hidden" not in {name for name, _, _ in found}


def test_an_entry_point_the_reader_does_not_know_is_left_to_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.metadata

    from medins_core import entry_points as module

    dist = tmp_path / "odd-1.0.dist-info"
    dist.mkdir()
    (dist / "entry_points.txt").write_text("[medins.rules]\nodd = not a module name\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(module._Unusual):
        module._plain_entry_points("medins.rules")
    found = module.entry_points("medins.rules")
    assert _found(found) == _found(importlib.metadata.entry_points(group="medins.rules"))
    assert "odd" in {e.name for e in found}


def test_package_folder_is_what_importlib_resources_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.resources import files

    from medins_core.resources import package_folder

    for package in ("medins_core", "medins_rules_jiangsu"):
        assert package_folder(package) == files(package)
    # a namespace package (no __init__.py) is left to importlib.resources
    (tmp_path / "medins_ns_package" / "data").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(tmp_path))
    folder = package_folder("medins_ns_package")
    assert not isinstance(folder, Path) and [f.name for f in folder.iterdir()] == ["data"]
