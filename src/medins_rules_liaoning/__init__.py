"""Liaoning (辽宁省): Dalian 210200.

References:
    liaoning-dalian-unit-hall-user-manual.txt (大连市医保单位网厅用户手册).
Checked with:
    nothing numeric: the manual has no contribution figures.
Limitations:
    rates, fixed amounts and base limits are not in the source; an assessment asks the operator
    to supply them in a parameter file.
"""

from __future__ import annotations

from medins_core.hookspecs import hookimpl, package_data_files
from medins_core.params import Readable


@hookimpl
def medins_region_files() -> list[Readable]:
    """The Liaoning region files shipped in ``data/``."""
    return package_data_files(__name__)
