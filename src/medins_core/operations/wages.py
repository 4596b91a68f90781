"""Wage declaration (缴费工资申报): docs/operations/wage_declaration.md."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from medins_core.operations._common import (
    RegionLike,
    _identity,
    _missing,
    _rule,
    _unit_no,
    same_unit,
)
from medins_core.operations.problems import Problem, _error, _warning
from medins_core.operations.requests import CheckContext, WageDeclarationRequest
from medins_core.params import RegionRules
from medins_core.period import Period

_WAGE_LABELS = {
    "unit_no": "单位编号",
    "person_no": "人员编号",
    "cert_type": "证件类型",
    "name": "人员姓名",
    "cert_no": "证件号码",
    "retired_status": "退休状态",
    "start": "开始年月",
    "end": "结束年月",
    "old_wage": "原工资",
    "wage": "工资",
}
_WAGE_REQUIRED = ("cert_no", "start", "end", "wage")


def check_wage_declaration(
    request: WageDeclarationRequest,
    *,
    region: RegionLike,
    today: date,
    context: CheckContext = CheckContext(),
) -> list[Problem]:
    """Every problem of one row of a wage declaration in ``rules``' region.

    A row whose 单位编号 names another unit than ``declaring_unit`` (the unit the declaration
    is made for) is refused. Region rules read: ``wage_required_fields``,
    ``wage_base_year_start_month``, ``unit_no_prefix``, ``wage_batch_declaration_period_only``
    with ``wage_declaration_months`` or ``context.declaration_open`` (batch rows); base limits
    (``[[base_limits]]``) turn a wage outside them into a warning; then the hooks.
    """
    rules = region.rules
    extra = tuple(_rule(rules, "wage_required_fields") or ())
    required = tuple(f for f in _WAGE_LABELS if f in _WAGE_REQUIRED or f in extra)
    problems = _missing(request, required, _WAGE_LABELS) + _unit_no(rules, request.unit_no)
    if request.declaring_unit and request.unit_no and not same_unit(
        request.unit_no, request.declaring_unit, rules
    ):
        # the file's 单位编号 names another unit than the one declaring (liaoning 4.8.1 常见失败原因)
        message = "单位编号与选择的单位不一致，未查询到人员职工基本险有效参保信息。"
        problems.append(_error("unit_mismatch", "unit_no", message))
    problems += _identity(request.cert_type, request.cert_no, today)[0]
    if context.covers is not None and not any(
        c.kind == "unit" and c.unit_no == request.unit_no for c in context.covers
    ):
        problems.append(_error("not_active_here", "cert_no", "未查询到人员职工基本险有效参保信息"))
    for field in ("old_wage", "wage"):
        amount = getattr(request, field)
        if amount is not None and amount <= 0:
            problems.append(_error("invalid_wage", field, f"{_WAGE_LABELS[field]}应大于0"))
    start, end = request.start, request.end
    if start is not None and end is not None:
        if end < start:
            problems.append(_error("period_order", "end", "开始年月不能晚于结束年月"))
        first_month = _rule(rules, "wage_base_year_start_month")
        if first_month is not None and start.base_year(int(first_month)) != end.base_year(
            int(first_month)
        ):
            last_month = (int(first_month) + 10) % 12 + 1
            problems.append(
                _warning(
                    "outside_base_year",
                    "end",
                    f"开始年月与结束年月不在同一缴费年度({int(first_month)}月至次年{last_month}月)内",
                )
            )
    if request.batch and _rule(rules, "wage_batch_declaration_period_only"):
        problems += _declaration_period(rules, today, context)
    if request.wage is not None and request.wage > 0 and start is not None:
        problems += _base_limits(
            rules, request.wage, start, end if end is not None and end >= start else start
        )
    return problems + region.hook_problems("wage_declaration", request, today=today, context=context)


def _declaration_period(rules: RegionRules, today: date, context: CheckContext) -> list[Problem]:
    """The yearly declaration module is open only in the declaration period.

    The sources give no dates: the period is known from ``context.declaration_open`` (what the
    portal shows) or from an operator's ``wage_declaration_months``; unknown, nothing is said.
    """
    months = _rule(rules, "wage_declaration_months")
    is_open = context.declaration_open
    if is_open is None and months is not None:
        is_open = today.month in {int(m) for m in months}
    if is_open is None or is_open:
        return []
    return [_error("declaration_closed", "start", "工资年度申报模块,仅在年度申报时期开放相应模块功能")]


def _base_limits(rules: RegionRules, wage: Decimal, start: Period, end: Period) -> list[Problem]:
    problems = []
    seen = []
    for period in Period.range(start, end):
        limit = rules.base_limit(period)
        if limit is None or limit in seen:
            continue
        seen.append(limit)
        base = limit.clamp(wage)
        if base == wage:
            continue
        if limit.floor is not None and wage < limit.floor:
            code, what = "wage_below_floor", f"低于缴费基数下限{limit.floor}"
        else:
            code, what = "wage_above_ceiling", f"高于缴费基数上限{limit.ceiling}"
        problems.append(
            _warning(code, "wage", f"申报工资{wage}{what},自{period}起按{base}核定缴费基数")
        )
    return problems
