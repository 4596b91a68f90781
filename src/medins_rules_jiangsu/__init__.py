"""Jiangsu (江苏省): Suzhou 320500, Huai'an 320800, Lianyungang 320700.

References:
    jiangsu-unit-hall-user-manual.txt (江苏医保单位网厅用户手册),
    jiangsu-suzhou-unit-hall-training.txt (苏州单位网厅业务培训, 2022).
Checked with:
    the Suzhou payment notice of 2022-08, the Huai'an person and unit lines of 2021-2022 and the
    Huai'an one-off back-pay lines printed in those documents (tests/test_assessment_figures.py).
Limitations:
    base floor and ceiling are not in the sources; Huai'an and Lianyungang rates are derived
    from printed lines (provisional); periods before the first evidenced one are unknown.
Templates:
    enrollment with the portal's headers and wage declaration, in ``templates.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medins_core.plugin import (
    Readable,
    RegionRules,
    hookimpl,
    package_data_files,
)

if TYPE_CHECKING:  # the templates are built when asked for: an assessment never asks
    from medins_core.plugin import Template

#: The regions of this plugin's data files; hooks answer only for these.
REGIONS = frozenset({"320500", "320700", "320800"})


@hookimpl
def medins_region_files() -> list[Readable]:
    """The Jiangsu region files shipped in ``data/``."""
    return package_data_files(__name__)


@hookimpl
def medins_template(kind: str, rules: RegionRules) -> Template | None:
    """The Jiangsu portal's template of ``kind``, if its manual prints one."""
    from medins_rules_jiangsu.templates import TEMPLATES

    return TEMPLATES.get(kind) if rules.code in REGIONS else None
