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
from datetime import date
from importlib.resources import files
from typing import TYPE_CHECKING

import pluggy

from medins_core.params import Readable, RegionRules

if TYPE_CHECKING:  # operations imports the registry, which imports this module
    from medins_core.io.templates import Template
    from medins_core.operations import Context, Problem, Request

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


@hookspec
def medins_check(
    operation: str, request: Request, rules: RegionRules, today: date, context: Context
) -> list[Problem]:
    """Return the problems a province finds in a business operation, beyond the engine's checks.

    ``operation`` is one of ``medins_core.operations.OPERATIONS`` (``"enrollment"``,
    ``"suspension"``, ``"wage_declaration"``, ``"backpay"``, ``"unit_registration"``) and
    ``request`` the matching request. Every plugin is asked, so an implementation must answer
    ``[]`` unless ``rules`` is one of its own regions (``rules.code``; ``rules.plugin`` names
    the plugin that provides the region) and the rule applies to that region. Put logic here;
    numbers belong in the region's ``[[rules]]``, which the engine's generic checks read.
    Every answer is collected (not ``firstresult``): the problems of all plugins are joined.
    """
    raise NotImplementedError  # pragma: no cover - a specification, never called


@hookspec(firstresult=True)
def medins_template(kind: str, rules: RegionRules) -> Template | None:
    """Return the batch template (批量模板) of ``kind`` that the region's portal prints, or None.

    ``kind`` is one of ``medins_core.io.templates.KINDS`` (``"enroll"``, ``"suspend"``,
    ``"wages"``, ``"reconcile"``). Answer ``None`` unless ``rules`` is one of your own regions
    (``rules.code``) and its portal's document prints that template; when no plugin answers,
    the engine uses ``medins_core.io.templates.GENERIC``. Build the template from the public
    columns of :mod:`medins_core.io.templates`, with a source on the template and every column.
    A region has one template per kind, so this is ``firstresult``: the first answer that is
    not None wins (pluggy asks the plugins registered last first).
    """
    raise NotImplementedError  # pragma: no cover - a specification, never called


def package_data_files(package: str) -> list[Readable]:
    """The ``data/*.toml`` files shipped inside ``package``, in name order."""
    folder = files(package) / "data"
    return sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
