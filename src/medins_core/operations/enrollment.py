"""Enrollment (参保登记/增员) of a single person: docs/operations/enrollment.md."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from medins_core.codes import is_resident_id_type
from medins_core.ids import Gender, is_plain_mobile, plain_resident_id
from medins_core.operations._common import (
    RegionLike,
    _age,
    _blank,
    _declared_gender,
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
    # passing_enrollments answers the same for rows of a batch: keep the two in step
    rules = region.rules
    required = _required(rules, request.batch)
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


def _required(rules: RegionRules, batch: bool) -> tuple[str, ...]:
    extra = tuple(_rule(rules, "enroll_required_fields") or ())
    if not batch:  # the batch template has no columns for the single form's extra fields
        extra += tuple(_rule(rules, "enroll_single_required_fields") or ())
    return tuple(dict.fromkeys(_ENROLLMENT_REQUIRED + extra))


#: The fields :func:`passing_enrollments` takes a column of; the others are the same in every row.
ENROLLMENT_COLUMNS = ("cert_type", "cert_no", "name", "start", "birth", "gender", "mobile", "wage")


def passing_enrollments(
    columns: Mapping[str, Sequence[Any]],
    like: EnrollmentRequest,
    *,
    region: RegionLike,
    today: date,
    context: CheckContext = CheckContext(),
) -> list[bool]:
    """For each row of a batch, whether :func:`check_enrollment` surely finds no problem of the
    engine's own (the ``medins_check`` hooks aside: the caller asks them).

    ``columns`` holds a value per row for each of :data:`ENROLLMENT_COLUMNS`, ``like`` every
    other field (the unit, the lines). True is a promise; False only means "check this row":
    anything out of the ordinary (another document type, a number to normalise, a problem)
    is left to :func:`check_enrollment`, the one place that says what is wrong. What is the
    same for many rows (the unit and lines, a start month, a birth date and gender) is worked
    out once.
    """
    rules = region.rules
    rows = len(columns["cert_no"])
    required = _required(rules, like.batch)
    fixed = [field for field in required if field not in ENROLLMENT_COLUMNS]
    if (
        context.covers is not None
        or _missing(like, fixed, _ENROLLMENT_LABELS)
        or _unit_no(rules, like.unit_no)
        or _unknown_insurance(rules, like.insurance)
        or _enrollment_lines(rules, like)
    ):
        return [False] * rows
    resident = {kind: is_resident_id_type(kind) for kind in set(columns["cert_type"])}
    ages: dict[tuple[date, Gender], bool] = {}
    starts: dict[int, bool] = {}

    def passes(
        cert_type: str,
        cert_no: str,
        start: Period | None,
        birth: date | None,
        gender: str | None,
        mobile: str | None,
        wage: Decimal | None,
    ) -> bool:
        facts = plain_resident_id(cert_no) if resident[cert_type] else None
        if facts is None or facts[0] > today or (birth is not None and birth != facts[0]):
            return False
        if gender and _declared_gender(gender) is not facts[1]:
            return False
        if mobile is not None and mobile.strip() and not is_plain_mobile(mobile):
            return False
        if wage is not None and wage <= 0:
            return False
        if facts not in ages:
            ages[facts] = not _enrollment_age(rules, facts[0], facts[1], today)
        if start is None:
            return ages[facts]
        if start.index not in starts:  # by month number: a Period hashes in Python
            starts[start.index] = not _enrollment_start(rules, start, today)
        return ages[facts] and starts[start.index]

    values = zip(*(columns[f] for f in ("cert_type", "cert_no", "start", "birth", "gender", "mobile", "wage")))
    verdicts = [passes(*row) for row in values]
    for field in required:
        if field in ENROLLMENT_COLUMNS:  # filled in every row that passes
            verdicts = list(map(operator.and_, verdicts, _filled(columns[field])))
    return verdicts


def _filled(values: Sequence[Any]) -> Iterable[bool]:
    """Whether each value is filled, as :func:`_missing` reads it (a column of one kind at once)."""
    kinds = set(map(type, values))
    if kinds <= {str}:
        return map(bool, map(str.strip, values))
    if not any(issubclass(kind, (str, tuple)) for kind in kinds):  # dates, amounts, months
        return map(operator.is_not, values, itertools.repeat(None))
    return [not _blank(value) for value in values]


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
