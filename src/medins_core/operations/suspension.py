"""Suspension (暂停参保/减员): docs/operations/suspension.md."""

from __future__ import annotations

from datetime import date

from medins_core.codes import PersonCategory
from medins_core.operations._common import (
    RegionLike,
    _identity,
    _missing,
    _month_end_label,
    _rule,
    _unit_no,
)
from medins_core.operations.problems import Problem, _error
from medins_core.operations.requests import CheckContext, SuspensionRequest
from medins_core.period import Period

_SUSPENSION_LABELS = {"unit_no": "单位编号", "cert_no": "证件号码", "date": "减员时间", "end_date": "减员时间"}


def check_suspension(
    request: SuspensionRequest,
    *,
    region: RegionLike,
    today: date,
    context: CheckContext = CheckContext(),
) -> list[Problem]:
    """Every problem of a person's suspension in ``rules``' region on ``today``.

    Region rules read: ``suspend_retired_refused``, ``suspend_date_month_ends``,
    ``suspend_arrears_block_after_month``; then the ``medins_check`` hooks.
    """
    rules = region.rules
    if request.batch:  # the template's 中断时间 is 减员时间; 变更时间 is the day of the upload
        required: tuple[str, ...] = ("cert_no", "end_date")
    else:
        required = ("cert_no",) if request.end_date is not None else ("cert_no", "date")
    problems = _missing(request, required, _SUSPENSION_LABELS) + _unit_no(rules, request.unit_no)
    problems += _identity(request.cert_type, request.cert_no, today)[0]
    if context.covers is not None and not any(
        c.kind == "unit" and c.unit_no == request.unit_no for c in context.covers
    ):
        problems.append(_error("not_active_here", "cert_no", "职工未在本单位下正常参保,无法办理!"))
    if _rule(rules, "suspend_retired_refused") and _is_retired(request.person_type):
        problems.append(
            _error("retired_cannot_suspend", "person_type", "处理失败!退休人员不允许停保。")
        )
    offsets = _rule(rules, "suspend_date_month_ends")
    end = request.cover_end()
    if offsets is not None and end is not None:
        # "上月末或本月末": 减员时间 is one of those month ends; 变更时间 alone (the day of the
        # operation, "默认填写为操作时间即可") ends the cover with its month
        ends = sorted(int(k) for k in offsets)
        current = Period.of(today)
        if end not in {(current + k).last_day for k in ends}:
            labels = "或".join(_month_end_label(k) for k in ends)
            field = "end_date" if request.end_date is not None else "date"
            problems.append(
                _error("suspend_date_not_month_end", field, f"减员时间范围是:{labels}!")
            )
    after = _rule(rules, "suspend_arrears_block_after_month")
    owing = any(a.cert_no == request.cert_no for a in context.arrears or ())
    if after is not None and today.month > int(after) and owing:
        problems.append(
            _error(
                "arrears_block_suspension",
                "cert_no",
                f"{int(after)}月份以后,职工在本单位存在欠费时不允许暂停参保,请先补缴欠费",
            )
        )
    return problems + region.hook_problems("suspension", request, today=today, context=context)


def _is_retired(person_type: str) -> bool:
    try:
        return PersonCategory.parse(person_type) is PersonCategory.RETIRED
    except ValueError:
        return False
