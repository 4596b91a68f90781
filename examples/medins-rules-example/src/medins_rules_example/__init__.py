"""Example (示例省): the fictional region 990100, to show a plugin's parts.

References:
    none: the region is fictional, so it carries no rates (unknown is not zero).
Checked with:
    ``medins test --plugin example`` (the conformance kit).
Limitations:
    everything; copy this folder and replace the data with your sources.
"""

from __future__ import annotations

from datetime import date

import attrs

from medins_core.plugin import (
    GENERIC,
    CheckContext,
    EnrollmentRequest,
    Problem,
    Readable,
    RegionRules,
    Request,
    Template,
    hookimpl,
    package_data_files,
)

#: The regions of this plugin's data files; hooks answer only for these.
REGIONS = frozenset({"990100"})


@hookimpl
def medins_region_files() -> list[Readable]:
    """The region files shipped in ``data/``."""
    return package_data_files(__name__)


@hookimpl
def medins_check(
    operation: str, request: Request, rules: RegionRules, today: date, context: CheckContext
) -> list[Problem]:
    """Logic peculiar to the region (numbers belong in ``[[rules]]`` of the data file)."""
    if rules.code not in REGIONS or not isinstance(request, EnrollmentRequest):
        return []
    if request.unit_no.startswith("X"):
        return [Problem("example_unit", "unit_no", "示例: 以 X 开头的单位编号不能网办增员")]
    return []


@hookimpl
def medins_template(kind: str, rules: RegionRules) -> Template | None:
    """The enrollment template, renamed as the (fictional) portal prints it."""
    if rules.code not in REGIONS or kind != "enroll":
        return None
    return attrs.evolve(GENERIC["enroll"], name="示例增员模板", source="示例: 虚构门户")
