"""Hebei (河北省): Tangshan 130200, with Qian'an 130283 resolving to it.

References:
    hebei-qianan-unit-hall-procedures.txt (迁安市医保单位网厅操作流程).
Checked with:
    the back-pay notice 202104-202106 for 12 persons (personal 3860.64, fixed amount 396.00).
Limitations:
    basic medical and maternity are one 7.8% unit rate on the notice; the split is not in the
    source. Base floor and ceiling are not in the source.
"""

from __future__ import annotations

from medins_core.hookspecs import hookimpl, package_data_files
from medins_core.params import Readable


@hookimpl
def medins_region_files() -> list[Readable]:
    """The Hebei region files shipped in ``data/``."""
    return package_data_files(__name__)
