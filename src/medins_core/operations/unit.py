"""Unit insurance registration (单位参保登记): docs/operations/unit_registration.md."""

from __future__ import annotations

import re
from datetime import date

from medins_core.errors import InputError
from medins_core.ids import parse_uscc
from medins_core.operations._common import (
    RegionLike,
    _blank,
    _identity,
    _missing,
    _mobile,
    _rule,
    _unknown_insurance,
)
from medins_core.operations.enrollment import _government_lines
from medins_core.operations.problems import Problem, _error
from medins_core.operations.requests import CheckContext, UnitRegistrationRequest
from medins_core.params import RegionRules

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
    "legal_person_type": "法人类型",
    "legal_address": "法人地址",
    "approval_authority": "批准成立部门",
    "bank_account": "银行账号",
    "bank_holder": "银行户名",
}

_FORMAT_CODES = {"account": "account_format", "password": "password_format"}
_KINDS = {"digit": ("数字", str.isdigit), "letter": ("字母", str.isalpha)}
_LETTERS_DIGITS = re.compile(r"[A-Za-z0-9]+", re.ASCII)


def check_unit_registration(
    request: UnitRegistrationRequest,
    *,
    region: RegionLike,
    today: date,
    context: CheckContext = CheckContext(),
) -> list[Problem]:
    """Every problem of a unit's registration in ``rules``' region.

    Region rules read: ``unit_required_fields``, ``unit_account_length``,
    ``unit_account_must_contain``, ``unit_password_length``, ``unit_password_must_contain``,
    ``unit_password_letters_digits_only``, ``unit_district_in_region``,
    ``government_required_lines``; then the hooks.
    """
    rules = region.rules
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
    problems += _unknown_insurance(rules, request.insurance)
    if _rule(rules, "unit_district_in_region"):
        problems += _district(request, rules.code)
    if request.government_unit:
        problems += _government_lines(rules, set(request.insurance))
    return problems + region.hook_problems("unit_registration", request, today=today, context=context)


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


def _district(request: UnitRegistrationRequest, region_code: str) -> list[Problem]:
    """所属行政区 must lie in 医保区划: its code begins with the region code's non-zero part."""
    region = request.region.strip() if request.region.strip().isdigit() else region_code
    district = request.district.strip()
    if not district:
        return []
    while region.endswith("00"):
        region = region[:-2]
    if district.isdigit() and len(district) == 6 and district.startswith(region):
        return []
    return [_error("district_outside_region", "district", "所属行政区必须与医保区划一致")]
