"""Hebei (河北省): Tangshan 130200, with Qian'an 130283 resolving to it.

References:
    hebei-qianan-unit-hall-procedures.txt (迁安市医保单位网厅操作流程).
Checked with:
    the back-pay notice 202104-202106 for 12 persons (personal 3860.64, fixed amount 396.00).
Limitations:
    basic medical and maternity are one 7.8% unit rate on the notice; the split is not in the
    source. Base floor and ceiling are not in the source.
Operation checks:
    the rolling business period (业务期) of back-pay and assessment is logic, here; the number
    of open months and the lines personal back-pay may not include are region rules (data).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from medins_core.plugin import (
    Period,
    Readable,
    RegionRules,
    hookimpl,
    package_data_files,
)

if TYPE_CHECKING:  # imported where a check asks: loading the plugin for an assessment needs none
    from medins_core.plugin import BackpayRequest, CheckContext, Problem, Request

#: The regions of this plugin's data files; hooks answer only for these.
REGIONS = frozenset({"130200"})


@hookimpl
def medins_region_files() -> list[Readable]:
    """The Hebei region files shipped in ``data/``."""
    return package_data_files(__name__)


@hookimpl
def medins_check(
    operation: str, request: Request, rules: RegionRules, today: date, context: CheckContext
) -> list[Problem]:
    """Hebei's logic: back-pay and assessment follow the rolling business period."""
    from medins_core.plugin import BackpayRequest

    if rules.code not in REGIONS or not isinstance(request, BackpayRequest):
        return []
    return business_period_problems(request, rules, today, context)


def business_period_problems(
    request: BackpayRequest, rules: RegionRules, today: date, context: CheckContext
) -> list[Problem]:
    """The rolling business period (业务期, 滚动申报制).

    Only the ``business_period_open_months`` months before the business period may be
    processed (business period 7 → April–June). A month with changes other than additions needs
    the previous open month assessed and paid first, so it cannot share an assessment with it;
    a month of additions only need not wait (hebei-qianan-unit-hall-procedures.txt 一 2).
    """
    from medins_core.plugin import Problem

    rule = rules.rule("business_period_open_months")
    if rule is None:
        return []
    business = context.business_period or Period.of(today)
    first, last = business - int(rule.value), business - 1
    months = request.months()
    problems = []
    if any(not first <= month <= last for month in months):
        problems.append(
            Problem(
                "business_period_closed",
                "start",
                f"当前为{business}业务期,只允许办理{first}-{last}的业务,{business}的业务暂不能办理",
            )
        )
    if context.changes is None or request.cert_no is not None:
        return problems
    for change in sorted(context.changes, key=lambda c: c.period):
        previous = change.period - 1
        if change.additions_only or change.period not in months or previous < first:
            continue
        if context.paid_through is None or context.paid_through < previous:
            problems.append(
                Problem(
                    "assessment_order",
                    "start",
                    f"{change.period}有变动,需先核定{previous}并缴费到账后,再办理{change.period}的变动",
                )
            )
    return problems
