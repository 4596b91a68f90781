"""Henan (河南省): the provincial unit hall, region 410000.

References:
    henan-unit-hall-guide.txt (河南省医保单位网厅操作指南).
Checked with:
    nothing numeric: the guide has no contribution figures.
Limitations:
    rates, fixed amounts, default lines and base limits are not in the source; an assessment
    asks the operator to supply them in a parameter file.
"""

from __future__ import annotations

from medins_core.plugin import (
    Readable,
    hookimpl,
    package_data_files,
)


@hookimpl
def medins_region_files() -> list[Readable]:
    """The Henan region files shipped in ``data/``."""
    return package_data_files(__name__)
