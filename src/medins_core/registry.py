"""Finds province plugins and resolves a region code to its :class:`~medins_core.region.Region`.

Plugins come from the entry-point group ``medins.rules`` (the built-in provinces too) and from
objects passed in by the caller. A plugin that fails to import or whose hook raises is reported
in :attr:`Registry.problems` and skipped; the others still load. Two plugins claiming one region
is an error for that region, never a silent last-wins.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import cast

import attrs
import pluggy

from medins_core import plugin as contract
from medins_core.datafile import Readable, RegionFile, iter_toml_files, parse_region_file
from medins_core.entry_points import entry_points
from medins_core.errors import MedinsError, RegionError
from medins_core.ids import mask_text
from medins_core.params import RegionRules
from medins_core.region import PluginProblem, Region

#: Environment variable with operator parameter directories, separated like PATH.
PARAMS_ENV = "MEDINS_PARAMS"


@attrs.define
class Registry:
    """The regions every loaded plugin provides, with operator overlays applied."""

    plugin_manager: pluggy.PluginManager
    regions: dict[str, RegionRules]
    aliases: dict[str, str]
    conflicts: dict[str, list[str]]
    problems: list[PluginProblem]

    def region(self, code: str) -> Region:
        """Region ``code`` with its data and its plugin's hooks (an alias such as a county
        resolves to its pooling region)."""
        code = str(code).strip()
        if code in self.conflicts:
            raise RegionError(
                "region_conflict",
                f"统筹区 {code} 同时由多个插件提供: {', '.join(self.conflicts[code])}",
                field="region",
            )
        code = self.aliases.get(code, code)
        try:
            return Region(self.regions[code], self.plugin_manager, self.problems)
        except KeyError:
            known = ", ".join(sorted(self.regions))
            raise RegionError(
                "unknown_region", f"未知的统筹区代码 {code!r}；可用: {known}", field="region"
            ) from None

    def __iter__(self) -> Iterator[Region]:
        return iter(self.region(code) for code in sorted(self.regions))


def _plugin_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(contract.PROJECT)
    manager.add_hookspecs(contract)
    return manager


def load_registry(
    params_dirs: Sequence[str | Path] = (),
    *,
    plugins: Sequence[object] = (),
    use_entry_points: bool = True,
    use_env: bool = True,
) -> Registry:
    """Load every plugin and overlay the operator's parameter directories.

    ``params_dirs`` come after those in the ``MEDINS_PARAMS`` environment variable (when
    ``use_env``), so an explicit argument wins. ``plugins`` are extra plugin objects (a module
    or any object with hook functions), registered beside the entry points.
    """
    manager = _plugin_manager()
    problems: list[PluginProblem] = []
    if use_entry_points:
        for entry in entry_points(group=contract.ENTRY_POINT_GROUP):
            try:
                manager.register(entry.load(), name=entry.name)
            except Exception as exc:  # noqa: BLE001 - a broken plugin must not take the others down
                problems.append(PluginProblem(entry.name, f"cannot load: {exc!r}"))
    for plugin in plugins:
        if not manager.is_registered(plugin):  # also installed: its entry point loaded it already
            manager.register(plugin)

    regions: dict[str, RegionRules] = {}
    claims: dict[str, list[str]] = {}
    for impl in manager.hook.medins_region_files.get_hookimpls():
        try:
            files = cast("Sequence[Readable]", impl.function())
            loaded = _load(files, impl.plugin_name)
        except Exception as exc:  # noqa: BLE001 - reported, and the other plugins still load
            problems.append(PluginProblem(impl.plugin_name, str(exc)))
            continue
        for rules in loaded:
            for code in (rules.code, *rules.aliases):
                claims.setdefault(code, []).append(impl.plugin_name)
            regions[rules.code] = rules

    conflicts = {code: names for code, names in claims.items() if len(names) > 1}
    for code in conflicts:
        regions.pop(code, None)
    aliases = {
        alias: rules.code for rules in regions.values() for alias in rules.aliases if alias not in conflicts
    }
    registry = Registry(manager, regions, aliases, conflicts, problems)
    for directory in _params_dirs(params_dirs, use_env):
        for path in iter_toml_files(Path(directory)):
            data = parse_region_file(path, overlay=True)
            try:
                registry.region(data.region.code).rules.overlay(data)
            except MedinsError as exc:  # an unknown region names no file by itself
                exc.file = exc.file or mask_text(str(path))
                raise
    return registry


def _load(files: Sequence[Readable], plugin: str) -> list[RegionRules]:
    """A plugin's region files, each with the shared province file it extends.

    A file whose ``[region] code`` is not its file name is refused, and so is an ``extends``
    that names no shared file of the same plugin.
    """
    parsed = [_parse(file) for file in files]
    shared = {data.region.code: data for data in parsed if data.region.shared}
    regions = []
    for data in parsed:
        if data.region.shared:
            continue
        province = None
        if data.region.extends:
            province = shared.get(data.region.extends)
            if province is None:
                raise RegionError(
                    "region_extends_unknown",
                    f"{data.file}: extends = {data.region.extends!r}, 插件 {plugin} 没有这个省级共用文件",
                    field="region.extends",
                )
        regions.append(RegionRules.from_file(data, plugin, province))
    return regions


def _parse(file: Readable) -> RegionFile:
    data = parse_region_file(file)
    stem = Path(str(getattr(file, "name", ""))).stem
    if stem and stem != data.region.code:
        raise RegionError(
            "region_file_name",
            f"{data.file}: [region] code = {data.region.code!r} 与文件名 {stem!r} 不一致",
            field="region.code",
        )
    return data


def _params_dirs(explicit: Sequence[str | Path], use_env: bool) -> list[str | Path]:
    from_env = os.environ.get(PARAMS_ENV, "") if use_env else ""
    return [d for d in from_env.split(os.pathsep) if d] + list(explicit)


def report_problems(registry: Registry) -> None:
    """Print plugin problems to stderr (the command line calls this once)."""
    for problem in registry.problems:
        print(f"medins: 插件 {problem.plugin} 未能加载: {problem.message}", file=sys.stderr)
    for code, names in registry.conflicts.items():
        print(f"medins: 统筹区 {code} 同时由多个插件提供: {', '.join(names)}", file=sys.stderr)

