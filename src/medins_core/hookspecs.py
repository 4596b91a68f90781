"""The pluggy contract between the engine and province plugins.

A province plugin is a module (or object) with functions marked ``@hookimpl`` whose names
match the specifications below, registered under the entry-point group ``medins.rules``::

    [project.entry-points."medins.rules"]
    zhejiang = "medins_rules_zhejiang"

The built-in provinces are loaded exactly this way. Numbers (rates, limits, windows) belong in
the plugin's data files; hooks carry what is logic.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files

import pluggy

from medins_core.params import Readable

PROJECT = "medins"
ENTRY_POINT_GROUP = "medins.rules"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def medins_region_files() -> Sequence[Readable]:
    """Return the region data files (TOML) this plugin provides.

    Each file describes one pooling region: its code, name, default insurance lines, rounding,
    effective-dated parameters with sources, and non-rate rules (see ``docs/parameters.md``).
    Every plugin's answer is collected; a region claimed by two plugins is an error for that
    region. Most plugins return :func:`package_data_files` of their own package.
    """
    raise NotImplementedError  # pragma: no cover - a specification, never called


def package_data_files(package: str) -> list[Readable]:
    """The ``data/*.toml`` files shipped inside ``package``, in name order."""
    folder = files(package) / "data"
    return sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
