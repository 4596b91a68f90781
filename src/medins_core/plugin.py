"""The whole contract between the engine and a province plugin, in one module.

A province plugin is a module (or object) with functions marked ``@hookimpl`` whose names
match the specifications below, registered under the entry-point group ``medins.rules``::

    [project.entry-points."medins.rules"]
    zhejiang = "medins_rules_zhejiang"

The built-in provinces are loaded exactly this way, and import nothing from ``medins_core``
but this module. Numbers (rates, limits, windows) belong in the plugin's data files; hooks
carry what is logic. Everything a hook receives or returns is importable from here: the
request types, :class:`Problem` and :class:`Severity`, :class:`RegionRules`, the template
columns, :func:`package_data_files`. See ``docs/plugins.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import pluggy

from medins_core._lazy import lazy_names
from medins_core.datafile import Readable
from medins_core.ids import mask_cert_no
from medins_core.params import RegionRules
from medins_core.period import Period
from medins_core.resources import package_folder

# The request types and the template columns are imported on first use (PEP 562): loading
# the plugins for an assessment needs neither, and they are most of this module's imports.
_LAZY = {
    **dict.fromkeys(
        (
            "CERT_NO_COLUMN", "CERT_TYPE_COLUMN", "GENERIC", "KINDS", "MONEY_FMT", "MONTH_FMT",
            "NAME_COLUMN", "PERSON_STATES", "TEXT_FMT", "Template", "TemplateColumn",
        ),
        "medins_core.io.templates",
    ),
    "Kind": "medins_core.io.xlsx",
    **dict.fromkeys(
        (
            "OPERATIONS", "ActiveCover", "Arrear", "BackpayLine", "BackpayRequest", "CheckContext",
            "EnrollmentRequest", "MonthChange", "Problem", "Request", "Severity", "SuspensionRequest",
            "UnitRegistrationRequest", "WageDeclarationRequest",
        ),
        "medins_core.operations",
    ),
}


__getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY)


if TYPE_CHECKING:  # what the type checker sees: the same names, imported eagerly
    from medins_core.io.templates import (
        CERT_NO_COLUMN,
        CERT_TYPE_COLUMN,
        GENERIC,
        KINDS,
        MONEY_FMT,
        MONTH_FMT,
        NAME_COLUMN,
        PERSON_STATES,
        TEXT_FMT,
        Template,
        TemplateColumn,
    )
    from medins_core.io.xlsx import Kind
    from medins_core.operations import (
        OPERATIONS,
        ActiveCover,
        Arrear,
        BackpayLine,
        BackpayRequest,
        CheckContext,
        EnrollmentRequest,
        MonthChange,
        Problem,
        Request,
        Severity,
        SuspensionRequest,
        UnitRegistrationRequest,
        WageDeclarationRequest,
    )

__all__ = [
    "CERT_NO_COLUMN",
    "CERT_TYPE_COLUMN",
    "ENTRY_POINT_GROUP",
    "GENERIC",
    "KINDS",
    "MONEY_FMT",
    "MONTH_FMT",
    "NAME_COLUMN",
    "OPERATIONS",
    "PERSON_STATES",
    "PROJECT",
    "TEXT_FMT",
    "ActiveCover",
    "Arrear",
    "BackpayLine",
    "BackpayRequest",
    "CheckContext",
    "EnrollmentRequest",
    "Kind",
    "MonthChange",
    "Period",
    "Problem",
    "Readable",
    "RegionRules",
    "Request",
    "Severity",
    "SuspensionRequest",
    "Template",
    "TemplateColumn",
    "UnitRegistrationRequest",
    "WageDeclarationRequest",
    "hookimpl",
    "hookspec",
    "mask_cert_no",
    "medins_check",
    "medins_region_files",
    "medins_template",
    "package_data_files",
]

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
    operation: str, request: Request, rules: RegionRules, today: date, context: CheckContext
) -> list[Problem]:
    """Return the problems a province finds in a business operation, beyond the engine's checks.

    ``operation`` is one of ``medins_core.operations.OPERATIONS`` (``"enrollment"``,
    ``"suspension"``, ``"wage_declaration"``, ``"backpay"``, ``"unit_registration"``,
    ``"change"``) and ``request`` the matching request. ``Region.check`` asks the plugin that provides the
    region and add-on plugins that provide none; plugins of other regions are not asked.
    Still answer ``[]`` unless ``rules`` is one of your own regions (``rules.code``): the
    conformance kit (``medins test``) asks with foreign regions and fails on an answer. Put logic here;
    numbers belong in the region's ``[[rules]]``, which the engine's generic checks read.
    A hook that raises is reported once (``Registry.problems``) and answers a
    ``plugin_failed`` error for that region; other regions keep working.
    """
    raise NotImplementedError  # pragma: no cover - a specification, never called


@hookspec(firstresult=True)
def medins_template(kind: str, rules: RegionRules) -> Template | None:
    """Return the batch template (批量模板) of ``kind`` that the region's portal prints, or None.

    ``kind`` is one of ``medins_core.io.templates.KINDS`` (``"enroll"``, ``"suspend"``,
    ``"wages"``, ``"reconcile"``). Answer ``None`` unless ``rules`` is one of your own regions
    (``rules.code``) and its portal's document prints that template; when no plugin answers,
    the engine uses ``medins_core.io.templates.GENERIC``. Build the template from the public
    columns re-exported here, with a source on the template and every column.
    A region has one template per kind, so this is ``firstresult``: the first answer that is
    not None wins (pluggy asks the plugins registered last first).
    """
    raise NotImplementedError  # pragma: no cover - a specification, never called


def package_data_files(package: str) -> list[Readable]:
    """The ``data/*.toml`` files shipped inside ``package``, in name order."""
    folder = package_folder(package) / "data"
    return sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
