"""Enrollment (参保登记/增员) of a single person: docs/operations/enrollment.md."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from medins_core.codes import is_resident_id_type
from medins_core.ids import Gender
from medins_core.operations._common import (
    RegionLike,
    _age,
    _identity,
    _line_name,
    _memo,
    _missing,
    _mobile,
    _month_of,
    _rule,
    _unit_no,
    _unknown_insurance,
)
from medins_core.operations.problems import Problem, _error
from medins_core.operations.requests import ActiveCover, CheckContext, EnrollmentRequest
from medins_core.params import RegionRules
from medins_core.period import Period

_ENROLLMENT_LABELS = {
    "unit_no": "单位编号",
    "cert_no": "证件号码",
    "name": "姓名",
    "start": "本次参保日期",
    "insurance": "参保险种",
    "cert_type": "证件类型",
    "birth": "出生日期",
    "gender": "性别",
    "mobile": "手机号码",
    "wage": "申报工资",
    "person_type": "人员类型",
    "ethnicity": "民族",
    "first_work_date": "参加工作日期",
    "bank_name": "开户行名称",
    "bank_holder": "银行户名",
    "bank_account": "银行账号",
}
_ENROLLMENT_REQUIRED = ("cert_no", "name", "start", "insurance")


def check_enrollment(
    request: EnrollmentRequest,
    *,
    region: RegionLike,
    today: date,
    context: CheckContext = CheckContext(),
) -> list[Problem]:
    """Every problem of a single person's enrollment in ``rules``' region on ``today``.

    Region rules read: ``enroll_required_fields``, ``enroll_single_required_fields`` (the
    single form only, not a batch row), ``enroll_age_limit_female``,
    ``enroll_age_limit_male``, ``enroll_backdate_months``, ``enroll_next_month_from_day``,
    ``enroll_required_with``, ``government_required_lines``; then the ``medins_check`` hooks.
    """
    rules = region.rules
    extra = tuple(_rule(rules, "enroll_required_fields") or ())
    if not request.batch:  # the batch template has no columns for the single form's extra fields
        extra += tuple(_rule(rules, "enroll_single_required_fields") or ())
    required = tuple(dict.fromkeys(_ENROLLMENT_REQUIRED + extra))
    problems = _missing(request, required, _ENROLLMENT_LABELS) + _unit_no(rules, request.unit_no)

    found, birth, gender = _identity(
        request.cert_type, request.cert_no, today, birth=request.birth, gender=request.gender
    )
    problems += found
    if not is_resident_id_type(request.cert_type):
        # other documents carry no birth date or gender: the portals ask for both
        problems += _missing(request, ("birth", "gender"), _ENROLLMENT_LABELS)
    problems += _mobile(request.mobile, "mobile")
    if request.wage is not None and request.wage <= 0:
        problems.append(_error("invalid_wage", "wage", "申报工资应大于0"))
    problems += _unknown_insurance(rules, request.insurance)

    problems += _enrollment_age(rules, birth, gender, today)
    if request.start is not None:
        start = request.start
        problems += _memo(rules, ("enrollment_start", start, today), lambda: _enrollment_start(rules, start, today))
    problems += _memo(
        rules,
        ("enrollment_lines", request.insurance, request.government_unit),
        lambda: _enrollment_lines(rules, request),
    )
    if context.covers is not None:
        problems += _active_elsewhere(request.unit_no, context.covers)
    return problems + region.hook_problems("enrollment", request, today=today, context=context)


def _enrollment_age(
    rules: RegionRules, birth: date | None, gender: Gender | None, today: date
) -> list[Problem]:
    if birth is None or gender is None:
        return []
    name = "enroll_age_limit_male" if gender is Gender.MALE else "enroll_age_limit_female"
    limit = _rule(rules, name)
    if limit is None or _age(birth, today) < int(limit):
        return []
    return [
        _error(
            "age_limit",
            "birth",
            f"处理失败! {'男性' if gender is Gender.MALE else '女性'}{int(limit)}周岁不允许网办参保, "
            "请去统筹区医保局办理",
        )
    ]


def _enrollment_start(rules: RegionRules, start: Period, today: date) -> list[Problem]:
    problems = []
    current = _month_of(today)
    backdate = _rule(rules, "enroll_backdate_months")
    if backdate is not None and start < current - int(backdate):
        problems.append(
            _error(
                "start_too_early",
                "start",
                f"处理失败!本次参保日期最多允许往前选择{int(backdate)}个月"
                f"(不早于{(current - int(backdate)).iso}),如需再往前请到经办机构窗口办理",
            )
        )
    open_day = _rule(rules, "enroll_next_month_from_day")
    if open_day is not None:
        if start > current + 1:
            problems.append(
                _error("start_not_open", "start", "处理失败!本次参保时间请如实填写,不可提前申报!")
            )
        elif start == current + 1 and today.day < int(open_day):
            problems.append(
                _error(
                    "start_not_open", "start", "处理失败!当月结算期之前,参保日期不可选择为下个月!"
                )
            )
    return problems


def _enrollment_lines(rules: RegionRules, request: EnrollmentRequest) -> list[Problem]:
    problems = []
    chosen = set(request.insurance)
    required_with: dict[str, list[str]] = _rule(rules, "enroll_required_with") or {}
    for line, needed in sorted(required_with.items()):
        if line not in chosen:
            continue
        for other in needed:
            if other not in chosen:
                problems.append(
                    _error(
                        "requires_insurance",
                        "insurance",
                        f"缴纳“{_line_name(rules, line)}”时必须同时缴纳“{_line_name(rules, other)}”",
                    )
                )
    if request.government_unit:
        problems += _government_lines(rules, chosen)
    return problems


def _government_lines(rules: RegionRules, chosen: set[str]) -> list[Problem]:
    return [
        _error(
            "requires_insurance",
            "insurance",
            f"机关事业单位需要选择“{_line_name(rules, line)}”险种",
        )
        for line in _rule(rules, "government_required_lines") or ()
        if line not in chosen
    ]


def _active_elsewhere(unit_no: str, covers: Sequence[ActiveCover]) -> list[Problem]:
    # one active employee cover per person: every portal refuses while another is active
    problems = []
    for cover in covers:
        if cover.kind == "unit" and cover.unit_no == unit_no:
            message = "处理失败!该人员在本单位已正常参保,不允许重复新增!"
            problems.append(_error("already_active", "cert_no", message))
        elif cover.kind == "unit":
            message = "处理失败!该人员在其他单位下存在正常参保的险种,不允许新增!"
            problems.append(_error("active_elsewhere", "cert_no", message))
        elif cover.kind == "flexible":
            message = "处理失败!该人员存在灵活就业参保。请先办理停保!"
            problems.append(_error("active_elsewhere", "cert_no", message))
        else:
            message = "处理失败!该人员存在城乡居民医保参保。请先办理停保!"
            problems.append(_error("active_elsewhere", "cert_no", message))
    # one problem per kind of cover is enough
    return list(dict.fromkeys(problems))


def enrollment_person_type(request: EnrollmentRequest, rules: RegionRules) -> str:
    """The person type (人员类型) the enrollment results in.

    A line listed in the region rule ``enroll_person_types`` (Jiangsu: 320 → 公务员在职) decides
    it when chosen; else the type the unit chose, else ``enroll_default_person_type``, else 在职.
    """
    by_line: dict[str, str] = _rule(rules, "enroll_person_types") or {}
    for line in request.insurance:
        if line in by_line:
            return str(by_line[line])
    if request.person_type:
        return request.person_type
    return str(_rule(rules, "enroll_default_person_type") or "在职")
