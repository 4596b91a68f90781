"""Checks of the business operations a unit submits in the portals, as a library.

One function per operation: :func:`check_enrollment`, :func:`check_suspension`,
:func:`check_wage_declaration`, :func:`check_backpay` and :func:`check_unit_registration`.
Each takes the request, the region's :class:`~medins_core.params.RegionRules`, the
:class:`~medins_core.registry.Registry` (for the province hooks), ``today`` and a
:class:`Context`, and returns **every** problem it finds; an empty list means accepted.
Nothing here reads the clock or a database: whatever the portal would look up (the person's
other covers, the unit's arrears, the business period) comes in through :class:`Context`.

Where a rule is generic with a number or a list (an age limit, a back-date window, password
lengths) the number is a ``[[rules]]`` entry of the region file and the check is here; where a
rule is peculiar logic (an order of months) it is a ``medins_check`` hook of the province
plugin. The rule names each check reads are listed in ``docs/operations/``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from medins_core.codes import PersonCategory, is_resident_id_type
from medins_core.errors import InputError
from medins_core.ids import Gender, parse_mobile, parse_resident_id, parse_uscc
from medins_core.money import to_money
from medins_core.params import RegionRules
from medins_core.period import Period
from medins_core.registry import Registry

__all__ = [
    "COVER_KINDS",
    "OPERATIONS",
    "ActiveCover",
    "Arrear",
    "BackpayLine",
    "BackpayRequest",
    "Context",
    "EnrollmentRequest",
    "MonthChange",
    "Problem",
    "Request",
    "Severity",
    "SuspensionRequest",
    "UnitRegistrationRequest",
    "WageDeclarationRequest",
    "accepted",
    "check",
    "check_backpay",
    "check_enrollment",
    "check_suspension",
    "check_unit_registration",
    "check_wage_declaration",
    "enrollment_person_type",
    "plugin_problems",
]


# --- results --------------------------------------------------------------------------


class Severity(str, enum.Enum):
    """How bad a problem is: an error refuses the request, a warning only informs."""

    ERROR = "error"
    WARNING = "warning"


@attrs.frozen
class Problem:
    """One reason a request is refused (or a warning about it).

    ``code`` is stable English (listed in ``docs/codes.md``), ``field`` the request field it
    concerns, ``message`` Chinese as the portals word it, with personal data masked.
    """

    code: str
    field: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        """Whether this problem refuses the request."""
        return self.severity is Severity.ERROR


def _error(code: str, field: str, message: str) -> Problem:
    return Problem(code, field, message, Severity.ERROR)


def _warning(code: str, field: str, message: str) -> Problem:
    return Problem(code, field, message, Severity.WARNING)


def accepted(problems: Iterable[Problem]) -> bool:
    """Whether a request with these problems is accepted: it has no error (warnings are fine)."""
    return not any(p.is_error for p in problems)


# --- inputs ---------------------------------------------------------------------------


def _optional_period(value: Period | str | int | date | None) -> Period | None:
    return None if value is None or value == "" else Period.parse(value)


def _period(value: Period | str | int | date) -> Period:
    return Period.parse(value)


def _lines(value: Iterable[str]) -> tuple[str, ...]:
    # a plain string would otherwise become a tuple of characters
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _optional_money(value: Decimal | int | str | None) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return to_money(value, field="wage")


COVER_KINDS = ("unit", "flexible", "resident")
"""What an :class:`ActiveCover` may be: a unit's employee cover, flexible employment (灵活就业)
or resident insurance (城乡居民医保)."""


@attrs.frozen
class ActiveCover:
    """An active (正常参保) cover of the person, as the portal would find it.

    ``kind`` is one of :data:`COVER_KINDS`; ``unit_no`` names the unit of a ``"unit"`` cover.
    """

    kind: str = attrs.field(validator=attrs.validators.in_(COVER_KINDS))
    insurance: str = "310"
    unit_no: str | None = None


@attrs.frozen
class Arrear:
    """One person's unpaid month (欠费) in this unit."""

    period: Period = attrs.field(converter=_period)
    cert_no: str


@attrs.frozen
class MonthChange:
    """A month of the business period that has changes (变动); ``additions_only`` if only 增员."""

    period: Period = attrs.field(converter=_period)
    additions_only: bool = False


def _covers(value: Iterable[ActiveCover] | None) -> tuple[ActiveCover, ...] | None:
    return None if value is None else tuple(value)


def _arrears(value: Iterable[Arrear] | None) -> tuple[Arrear, ...] | None:
    return None if value is None else tuple(value)


def _changes(value: Iterable[MonthChange] | None) -> tuple[MonthChange, ...] | None:
    return None if value is None else tuple(value)


@attrs.frozen
class Context:
    """What the portal knows beside the request. ``None`` means "not known": checks that need
    it are skipped; an empty tuple means "known: there is none".

    * ``covers``: the person's active covers, in this unit and elsewhere.
    * ``arrears``: the unit's unpaid months per person, the current month included if unpaid.
    * ``business_period``: the month the portal is processing (业务期); default today's month.
    * ``changes``: months of the business period with changes (增减变动).
    * ``paid_through``: the last month assessed and paid (缴费到账).
    """

    covers: tuple[ActiveCover, ...] | None = attrs.field(default=None, converter=_covers)
    arrears: tuple[Arrear, ...] | None = attrs.field(default=None, converter=_arrears)
    business_period: Period | None = attrs.field(default=None, converter=_optional_period)
    changes: tuple[MonthChange, ...] | None = attrs.field(default=None, converter=_changes)
    paid_through: Period | None = attrs.field(default=None, converter=_optional_period)


@attrs.frozen
class EnrollmentRequest:
    """A single person's enrollment (职工参保登记 / 参保人员增员申报).

    ``start`` is 本次参保日期 (its month counts); ``insurance`` the chosen line codes;
    ``birth`` and ``gender`` (``"1"``/``"2"``/``"男"``/``"女"``) as declared, read from the ID
    number when the document is a resident ID. ``person_type`` is 人员类型 when the unit chose one.
    """

    unit_no: str
    cert_no: str
    name: str
    start: Period | None = attrs.field(converter=_optional_period)
    insurance: tuple[str, ...] = attrs.field(default=(), converter=_lines)
    cert_type: str = "居民身份证"
    birth: date | None = None
    gender: str | None = None
    mobile: str | None = None
    wage: Decimal | None = attrs.field(default=None, converter=_optional_money)
    person_type: str | None = None
    government_unit: bool = False


@attrs.frozen
class SuspensionRequest:
    """A person's suspension (停保 / 减员 / 暂停参保) on ``date`` (变更时间 / 暂停参保时间)."""

    unit_no: str
    cert_no: str
    date: date | None
    name: str = ""
    cert_type: str = "居民身份证"
    person_type: str = "在职"
    reason: str = ""


@attrs.frozen
class WageDeclarationRequest:
    """One row of a wage declaration (缴费工资申报): a person's wage from ``start`` to ``end``.

    The fields are the Liaoning template's columns; ``wage`` is 申报工资, ``old_wage`` 原工资,
    ``retired_status`` 退休状态.
    """

    unit_no: str = ""
    person_no: str = ""
    cert_type: str = "居民身份证"
    name: str = ""
    cert_no: str = ""
    retired_status: str = ""
    start: Period | None = attrs.field(default=None, converter=_optional_period)
    end: Period | None = attrs.field(default=None, converter=_optional_period)
    old_wage: Decimal | None = attrs.field(default=None, converter=_optional_money)
    wage: Decimal | None = attrs.field(default=None, converter=_optional_money)


@attrs.frozen
class BackpayLine:
    """One person's month in a back-pay request."""

    period: Period = attrs.field(converter=_period)
    cert_no: str


def _backpay_lines(value: Iterable[BackpayLine]) -> tuple[BackpayLine, ...]:
    return tuple(value)


@attrs.frozen
class BackpayRequest:
    """A back-pay (补缴 / 补收) or assessment of months ``start`` to ``end``.

    With ``cert_no`` it is one person's back-pay (个人补收), else the unit's. ``lines`` lists the
    persons per month when the request names them; empty means every person owing in the range.
    """

    unit_no: str
    start: Period | None = attrs.field(converter=_optional_period)
    end: Period | None = attrs.field(converter=_optional_period)
    insurance: tuple[str, ...] = attrs.field(default=(), converter=_lines)
    cert_no: str | None = None
    lines: tuple[BackpayLine, ...] = attrs.field(default=(), converter=_backpay_lines)

    def months(self) -> tuple[Period, ...]:
        """The months requested: from the lines when given, else ``start`` to ``end``."""
        if self.lines:
            return tuple(sorted({line.period for line in self.lines}))
        if self.start is None or self.end is None or self.end < self.start:
            return ()
        return Period.range(self.start, self.end)


@attrs.frozen
class UnitRegistrationRequest:
    """A unit's registration (单位注册 / 单位参保登记): portal account and insured-unit data.

    Fields a portal does not ask for may stay empty; which are required is region data.
    """

    uscc: str
    name: str = ""
    account: str = ""
    password: str = ""
    region: str = ""
    management_type: str = ""
    unit_type: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    district: str = ""
    address: str = ""
    legal_rep_name: str = ""
    legal_rep_cert_type: str = "居民身份证"
    legal_rep_cert_no: str = ""
    legal_rep_mobile: str = ""
    insurance: tuple[str, ...] = attrs.field(default=(), converter=_lines)
    start: date | None = None
    collection_method: str = ""
    medical_category: str = ""
    collection_rule: str = ""
    base_rule: str = ""
    government_unit: bool = False


Request = (
    EnrollmentRequest
    | SuspensionRequest
    | WageDeclarationRequest
    | BackpayRequest
    | UnitRegistrationRequest
)
"""Any operation's request."""


# --- helpers --------------------------------------------------------------------------


def _rule(rules: RegionRules, name: str) -> Any:
    """The value of a region rule, or None when the region does not have it."""
    rule = rules.rule(name)
    return None if rule is None else rule.value


def _blank(value: object) -> bool:
    return value is None or value == () or (isinstance(value, str) and not value.strip())


def _missing(request: object, fields: Iterable[str], labels: dict[str, str]) -> list[Problem]:
    return [
        _error("missing_field", field, f"{labels.get(field, field)}不能为空")
        for field in fields
        if _blank(getattr(request, field))
    ]


def _line_name(rules: RegionRules, code: str) -> str:
    line = rules.lines.get(code)
    return line.name if line is not None else code


def _unknown_lines(rules: RegionRules, lines: Sequence[str]) -> list[Problem]:
    return [
        _error("unknown_insurance", "insurance", f"{rules.name}没有险种代码“{code}”")
        for code in lines
        if code not in rules.lines
    ]


def plugin_problems(
    registry: Registry,
    operation: str,
    request: Request,
    rules: RegionRules,
    today: date,
    context: Context,
) -> list[Problem]:
    """The problems the province plugins' ``medins_check`` hooks find, in plugin order."""
    answers = registry.plugin_manager.hook.medins_check(
        operation=operation, request=request, rules=rules, today=today, context=context
    )
    return [problem for answer in answers for problem in answer]


def _age(birth: date, today: date) -> int:
    """Completed years (周岁) on ``today``: reached on the birthday itself.

    Someone born on 29 February reaches a new year on 1 March in other years.
    """
    had_birthday = (today.month, today.day) >= (birth.month, birth.day)
    return today.year - birth.year - (0 if had_birthday else 1)


_GENDERS = {"1": Gender.MALE, "男": Gender.MALE, "2": Gender.FEMALE, "女": Gender.FEMALE}


def _identity(
    cert_type: str,
    cert_no: str,
    today: date,
    *,
    birth: date | None = None,
    gender: str | None = None,
    field: str = "cert_no",
) -> tuple[list[Problem], date | None, Gender | None]:
    """Check a person's document number against the declared birth date and gender.

    Returns the problems and the birth date and gender to use (from the ID when it is a
    resident ID, else as declared; None when unknown).
    """
    problems: list[Problem] = []
    declared_gender = _GENDERS.get(gender.strip()) if gender else None
    if gender and declared_gender is None:
        problems.append(_error("invalid_gender", "gender", f"性别应为男或女，而不是“{gender}”"))
    if not is_resident_id_type(cert_type) or _blank(cert_no):
        if birth is not None and birth > today:
            problems.append(_error("birth_in_future", "birth", "出生日期不能晚于当前日期"))
        return problems, birth, declared_gender
    try:
        rid = parse_resident_id(cert_no, field=field)
    except InputError as exc:
        problems.append(_error(exc.code, field, exc.message))
        return problems, birth, declared_gender
    if not rid.county_known:
        problems.append(
            _warning(
                "unknown_county",
                field,
                f"证件号码的地区码 {rid.county} 不在行政区划代码表中，请核对",
            )
        )
    if rid.birth > today:
        problems.append(_error("birth_in_future", field, "证件号码中的出生日期晚于当前日期"))
    if birth is not None and birth != rid.birth:
        problems.append(_error("cert_birth_mismatch", "birth", "出生日期与证件号码不一致"))
    if declared_gender is not None and declared_gender is not rid.gender:
        problems.append(_error("cert_gender_mismatch", "gender", "性别与证件号码不一致"))
    return problems, rid.birth, rid.gender


def _mobile(value: str | None, field: str) -> list[Problem]:
    if value is None or not value.strip():
        return []
    try:
        parse_mobile(value, field=field)
    except InputError as exc:
        return [_error(exc.code, field, exc.message)]
    return []


def _month_end_label(offset: int) -> str:
    return {-1: "上月末", 0: "本月末", 1: "下月末"}.get(offset, f"{offset:+d}个月的月末")


# --- enrollment -----------------------------------------------------------------------

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
}
_ENROLLMENT_REQUIRED = ("cert_no", "name", "start", "insurance")


def check_enrollment(
    request: EnrollmentRequest,
    *,
    rules: RegionRules,
    registry: Registry,
    today: date,
    context: Context = Context(),
) -> list[Problem]:
    """Every problem of a single person's enrollment in ``rules``' region on ``today``.

    Region rules read: ``enroll_required_fields``, ``enroll_age_limit_female``,
    ``enroll_age_limit_male``, ``enroll_backdate_months``, ``enroll_next_month_from_day``,
    ``enroll_required_with``, ``government_required_lines``; then the ``medins_check`` hooks.
    """
    extra = tuple(_rule(rules, "enroll_required_fields") or ())
    required = _ENROLLMENT_REQUIRED + tuple(f for f in extra if f not in _ENROLLMENT_REQUIRED)
    problems = _missing(request, required, _ENROLLMENT_LABELS)

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
    problems += _unknown_lines(rules, request.insurance)

    problems += _enrollment_age(rules, birth, gender, today)
    if request.start is not None:
        problems += _enrollment_start(rules, request.start, today)
    problems += _enrollment_lines(rules, request)
    if context.covers is not None:
        problems += _active_elsewhere(request.unit_no, context.covers)
    return problems + plugin_problems(registry, "enrollment", request, rules, today, context)


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
    current = Period.of(today)
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


# --- suspension -----------------------------------------------------------------------

_SUSPENSION_LABELS = {"unit_no": "单位编号", "cert_no": "证件号码", "date": "减员时间"}


def check_suspension(
    request: SuspensionRequest,
    *,
    rules: RegionRules,
    registry: Registry,
    today: date,
    context: Context = Context(),
) -> list[Problem]:
    """Every problem of a person's suspension in ``rules``' region on ``today``.

    Region rules read: ``suspend_retired_refused``, ``suspend_date_month_ends``,
    ``suspend_arrears_block_after_month``; then the ``medins_check`` hooks.
    """
    problems = _missing(request, ("cert_no", "date"), _SUSPENSION_LABELS)
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
    if offsets is not None and request.date is not None:
        # "上月末或本月末": the date is one of those month ends, nothing in between
        ends = sorted(int(k) for k in offsets)
        current = Period.of(today)
        if request.date not in {(current + k).last_day for k in ends}:
            labels = "或".join(_month_end_label(k) for k in ends)
            problems.append(
                _error("suspend_date_not_month_end", "date", f"减员时间范围是:{labels}!")
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
    return problems + plugin_problems(registry, "suspension", request, rules, today, context)


def _is_retired(person_type: str) -> bool:
    try:
        return PersonCategory.parse(person_type) is PersonCategory.RETIRED
    except ValueError:
        return False


# --- wage declaration -----------------------------------------------------------------

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
    rules: RegionRules,
    registry: Registry,
    today: date,
    context: Context = Context(),
) -> list[Problem]:
    """Every problem of one row of a wage declaration in ``rules``' region.

    Region rules read: ``wage_required_fields``, ``wage_base_year_start_month``; base limits
    (``[[base_limits]]``) turn a wage outside them into a warning; then the hooks.
    """
    extra = tuple(_rule(rules, "wage_required_fields") or ())
    required = tuple(f for f in _WAGE_LABELS if f in _WAGE_REQUIRED or f in extra)
    problems = _missing(request, required, _WAGE_LABELS)
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
    if request.wage is not None and request.wage > 0 and start is not None:
        problems += _base_limits(
            rules, request.wage, start, end if end is not None and end >= start else start
        )
    return problems + plugin_problems(registry, "wage_declaration", request, rules, today, context)


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


# --- back-pay -------------------------------------------------------------------------

_BACKPAY_LABELS = {"start": "开始期号", "end": "结束期号", "insurance": "险种类型"}


def check_backpay(
    request: BackpayRequest,
    *,
    rules: RegionRules,
    registry: Registry,
    today: date,
    context: Context = Context(),
) -> list[Problem]:
    """Every problem of a back-pay (补缴/补收) request in ``rules``' region on ``today``.

    Region rules read: ``personal_backpay_excluded_lines``; the order of months (Liaoning
    arrears, Hebei business period) is in the ``medins_check`` hooks.
    """
    problems = [] if request.lines else _missing(request, ("start", "end"), _BACKPAY_LABELS)
    if request.start is not None and request.end is not None and request.end < request.start:
        problems.append(_error("period_order", "end", "开始期号不能晚于结束期号"))
    for line in sorted(request.lines, key=lambda ln: (ln.period, ln.cert_no)):
        if (request.start is not None and line.period < request.start) or (
            request.end is not None and line.period > request.end
        ):
            problems.append(
                _error("period_order", "lines", f"补缴月份{line.period}不在开始期号至结束期号之间")
            )
    if any(month > Period.of(today) for month in request.months()):
        problems.append(_error("period_in_future", "end", "不能补缴当前月份之后的月份"))
    problems += _unknown_lines(rules, request.insurance)
    if request.cert_no is not None:
        problems += _identity("居民身份证", request.cert_no, today)[0]
        problems += [
            _error(
                "excluded_insurance",
                "insurance",
                f"个人补收勾选险种时不能勾选“{_line_name(rules, line)}”",
            )
            for line in _rule(rules, "personal_backpay_excluded_lines") or ()
            if line in request.insurance
        ]
    return problems + plugin_problems(registry, "backpay", request, rules, today, context)


# --- unit registration ----------------------------------------------------------------

_UNIT_LABELS = {
    "uscc": "统一社会信用代码",
    "name": "单位名称",
    "account": "单位账号",
    "password": "密码",
    "region": "医保区划",
    "management_type": "单位管理类型",
    "unit_type": "单位类型",
    "contact_name": "联系人姓名",
    "contact_phone": "联系电话",
    "district": "所属行政区",
    "address": "单位详细地址",
    "legal_rep_name": "法定代表人姓名",
    "legal_rep_cert_type": "法定代表人证件类型",
    "legal_rep_cert_no": "法定代表人证件号码",
    "legal_rep_mobile": "法定代表人移动电话",
    "insurance": "险种选择",
    "start": "参保日期",
    "collection_method": "征收方式",
    "medical_category": "医疗保险类别",
    "collection_rule": "征缴规则",
    "base_rule": "基数核定规则",
}

_FORMAT_CODES = {"account": "account_format", "password": "password_format"}
_KINDS = {"digit": ("数字", str.isdigit), "letter": ("字母", str.isalpha)}
_LETTERS_DIGITS = re.compile(r"[A-Za-z0-9]+", re.ASCII)


def check_unit_registration(
    request: UnitRegistrationRequest,
    *,
    rules: RegionRules,
    registry: Registry,
    today: date,
    context: Context = Context(),
) -> list[Problem]:
    """Every problem of a unit's registration in ``rules``' region.

    Region rules read: ``unit_required_fields``, ``unit_account_length``,
    ``unit_account_must_contain``, ``unit_password_length``, ``unit_password_must_contain``,
    ``unit_password_letters_digits_only``, ``government_required_lines``; then the hooks.
    """
    extra = tuple(_rule(rules, "unit_required_fields") or ())
    problems = _missing(
        request, tuple(f for f in _UNIT_LABELS if f == "uscc" or f in extra), _UNIT_LABELS
    )
    if not _blank(request.uscc):
        try:
            parse_uscc(request.uscc)
        except InputError as exc:
            problems.append(_error(exc.code, "uscc", exc.message))
    problems += _credential(rules, "account", request.account, letters_digits_only=True)
    problems += _credential(
        rules,
        "password",
        request.password,
        letters_digits_only=bool(_rule(rules, "unit_password_letters_digits_only")),
    )
    problems += _identity(
        request.legal_rep_cert_type, request.legal_rep_cert_no, today, field="legal_rep_cert_no"
    )[0]
    problems += _mobile(request.legal_rep_mobile, "legal_rep_mobile")
    problems += _unknown_lines(rules, request.insurance)
    if request.government_unit:
        problems += _government_lines(rules, set(request.insurance))
    return problems + plugin_problems(registry, "unit_registration", request, rules, today, context)


def _credential(
    rules: RegionRules, field: str, value: str, *, letters_digits_only: bool
) -> list[Problem]:
    """The account or password format of ``unit_<field>_length`` and ``unit_<field>_must_contain``."""
    length = _rule(rules, f"unit_{field}_length")
    if length is None:
        return []
    label = _UNIT_LABELS[field]
    if _blank(value):
        return [_error("missing_field", field, f"{label}不能为空")]
    low, high = (int(n) for n in length)
    must = [str(kind) for kind in _rule(rules, f"unit_{field}_must_contain") or ()]
    code = _FORMAT_CODES[field]
    alphabet = "由字母和数字组成" if letters_digits_only else "字符"
    contains = "、".join(_KINDS[kind][0] for kind in must)
    wording = f"{label}应为{low}-{high}位{alphabet}" + (f",且须含{contains}" if contains else "")
    ok = low <= len(value) <= high
    ok = ok and (not letters_digits_only or bool(_LETTERS_DIGITS.fullmatch(value)))
    ok = ok and all(any(_KINDS[kind][1](ch) and ch.isascii() for ch in value) for kind in must)
    # never echo a password; an account is the unit's own login name, shown as typed
    return [] if ok else [_error(code, field, wording)]


# --- dispatch -------------------------------------------------------------------------

Check = Callable[..., list[Problem]]

OPERATIONS: dict[str, tuple[type, Check]] = {
    "enrollment": (EnrollmentRequest, check_enrollment),
    "suspension": (SuspensionRequest, check_suspension),
    "wage_declaration": (WageDeclarationRequest, check_wage_declaration),
    "backpay": (BackpayRequest, check_backpay),
    "unit_registration": (UnitRegistrationRequest, check_unit_registration),
}
"""Each operation's name, request class and check function (the names hooks receive)."""


def check(
    request: Request,
    *,
    rules: RegionRules,
    registry: Registry,
    today: date,
    context: Context = Context(),
) -> list[Problem]:
    """Check any request with its operation's function (chosen by the request's class)."""
    for request_class, function in OPERATIONS.values():
        if isinstance(request, request_class):
            return function(request, rules=rules, registry=registry, today=today, context=context)
    raise TypeError(f"not an operation request: {type(request).__name__}")
