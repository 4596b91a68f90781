"""Liaoning (辽宁省): Dalian 210200.

References:
    liaoning-dalian-unit-hall-user-manual.txt (大连市医保单位网厅用户手册).
Checked with:
    nothing numeric: the manual has no contribution figures.
Limitations:
    rates, fixed amounts and base limits are not in the source; an assessment asks the operator
    to supply them in a parameter file.
Operation checks:
    the order in which arrears are paid is logic, here; the back-date window, the lines that
    require others, the suspension month and the required fields are region rules (data).
Templates:
    wage declaration, in ``templates.py``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from medins_core.plugin import (
    Period,
    Readable,
    RegionRules,
    hookimpl,
    mask_cert_no,
    package_data_files,
)

if TYPE_CHECKING:
    # the request types and templates are imported where a check or a template is asked
    # for: loading the plugin for an assessment needs neither
    from medins_core.plugin import BackpayRequest, CheckContext, Problem, Request, Template

#: The regions of this plugin's data files; hooks answer only for these.
REGIONS = frozenset({"210200"})


@hookimpl
def medins_region_files() -> list[Readable]:
    """The Liaoning region files shipped in ``data/``."""
    return package_data_files(__name__)


@hookimpl
def medins_check(
    operation: str, request: Request, rules: RegionRules, today: date, context: CheckContext
) -> list[Problem]:
    """Liaoning's logic: the order in which a unit's arrears are paid."""
    from medins_core.plugin import BackpayRequest

    if (
        rules.code not in REGIONS
        or not isinstance(request, BackpayRequest)
        or context.arrears is None
    ):
        return []
    return arrears_order_problems(request, today, context)


@hookimpl
def medins_template(kind: str, rules: RegionRules) -> Template | None:
    """The Dalian portal's template of ``kind``, if its manual prints one."""
    from medins_rules_liaoning.templates import TEMPLATES

    return TEMPLATES.get(kind) if rules.code in REGIONS else None


def arrears_order_problems(request: BackpayRequest, today: date, context: CheckContext) -> list[Problem]:
    """Arrears are paid current month first, then newest month first, a month for all its persons.

    liaoning-dalian-unit-hall-user-manual.txt 4.9.2: 1 欠费补缴时需要先缴纳当月费用; 2 补缴时优先补
    最近一个月欠费; 3 必须补缴欠费当月所有员工的欠费 (one person alone only at the counter).
    ``context.arrears`` lists every unpaid month per person, the current month included.
    """
    from medins_core.plugin import BackpayLine, Problem

    owed: dict[Period, set[str]] = {}
    for arrear in context.arrears or ():
        owed.setdefault(arrear.period, set()).add(arrear.cert_no)
    named_months = request.person_months
    if not named_months and request.cert_no is not None:
        named_months = tuple(BackpayLine(month, request.cert_no) for month in request.months())
    months = set(request.months())
    problems = []
    for month in sorted(months - owed.keys()):
        problems.append(Problem("no_arrears", "start", f"{month}没有欠费,无需补缴"))
    requested = sorted(months & owed.keys(), reverse=True)
    newest_first = sorted(owed, reverse=True)
    if requested and requested != newest_first[: len(requested)]:
        skipped = [m for m in newest_first if m > requested[-1] and m not in months]
        if Period.of(today) in skipped:
            message = f"欠费补缴时需要先缴纳当月({Period.of(today)})费用"
        else:
            message = f"补缴时优先补最近一个月欠费,请先补缴{skipped[0]}的欠费"
        problems.append(Problem("backpay_order", "start", message))
    if named_months:
        for month in requested:
            named = {entry.cert_no for entry in named_months if entry.period == month}
            for cert_no in sorted(named - owed[month]):
                problems.append(
                    Problem("no_arrears", "person_months", f"{mask_cert_no(cert_no)}在{month}没有欠费")
                )
            left_out = len(owed[month] - named)
            if left_out:
                problems.append(
                    Problem(
                        "backpay_whole_month",
                        "person_months",
                        f"通过单位网厅补缴时必须补缴欠费当月所有员工的欠费({month}还有{left_out}人未包含),"
                        "单独补缴某一位员工请到各区窗口办理",
                    )
                )
    return problems
