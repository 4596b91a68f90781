"""Back-pay (补缴): docs/operations/backpay.md."""

from __future__ import annotations

from datetime import date

from medins_core.codes import RESIDENT_ID
from medins_core.operations._common import (
    RegionLike,
    _identity,
    _line_name,
    _missing,
    _rule,
    _unknown_insurance,
)
from medins_core.operations.problems import Problem, _error
from medins_core.operations.requests import BackpayRequest, CheckContext
from medins_core.period import Period

_BACKPAY_LABELS = {"start": "开始期号", "end": "结束期号", "insurance": "险种类型"}


def check_backpay(
    request: BackpayRequest,
    *,
    region: RegionLike,
    today: date,
    context: CheckContext = CheckContext(),
) -> list[Problem]:
    """Every problem of a back-pay (补缴/补收) request in ``rules``' region on ``today``.

    Region rules read: ``personal_backpay_excluded_lines``; the order of months (Liaoning
    arrears, Hebei business period) is in the ``medins_check`` hooks.
    """
    rules = region.rules
    problems = [] if request.person_months else _missing(request, ("start", "end"), _BACKPAY_LABELS)
    if request.start is not None and request.end is not None and request.end < request.start:
        problems.append(_error("period_order", "end", "开始期号不能晚于结束期号"))
    for entry in sorted(request.person_months, key=lambda e: (e.period, e.cert_no)):
        if (request.start is not None and entry.period < request.start) or (
            request.end is not None and entry.period > request.end
        ):
            problems.append(
                _error("period_order", "person_months", f"补缴月份{entry.period}不在开始期号至结束期号之间")
            )
    if any(month > Period.of(today) for month in request.months()):
        problems.append(_error("period_in_future", "end", "不能补缴当前月份之后的月份"))
    problems += _unknown_insurance(rules, request.insurance)
    if request.cert_no is not None:
        problems += _identity(RESIDENT_ID, request.cert_no, today)[0]
        problems += [
            _error(
                "excluded_insurance",
                "insurance",
                f"个人补收勾选险种时不能勾选“{_line_name(rules, line)}”",
            )
            for line in _rule(rules, "personal_backpay_excluded_lines") or ()
            if line in request.insurance
        ]
    return problems + region.hook_problems("backpay", request, today=today, context=context)
