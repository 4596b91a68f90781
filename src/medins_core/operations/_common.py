"""Helpers shared by the operation checks: required fields, identity, mobile, line codes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, Protocol

from medins_core.codes import is_resident_id_type
from medins_core.errors import InputError
from medins_core.ids import Gender, parse_mobile, parse_resident_id
from medins_core.operations.problems import Problem, _error, _warning
from medins_core.operations.requests import CheckContext, Request
from medins_core.params import RegionRules
from medins_core.period import Period


class RegionLike(Protocol):
    """What a check needs of a region: its data and its plugin's ``medins_check`` answers.

    :class:`medins_core.region.Region` is one; the checks take this protocol so that this
    package never imports the registry.
    """

    @property
    def rules(self) -> RegionRules:
        """The region's data."""

    def hook_problems(
        self, operation: str, request: Request, *, today: date, context: CheckContext
    ) -> list[Problem]:
        """The problems the region's plugin finds (its ``medins_check`` hook)."""


#: Rule values already looked up, per rules object (held, so its id is not reused): a batch
#: checks every row against the same rules and reads the same few rules for each.
_RULE_VALUES: dict[int, tuple[RegionRules, dict[str, Any]]] = {}


def _per_rules(rules: RegionRules) -> dict[Any, Any]:
    """The memo of ``rules``: rule values by name, answers of :func:`_memo` by key."""
    entry = _RULE_VALUES.get(id(rules))
    if entry is None or entry[0] is not rules:
        if len(_RULE_VALUES) >= 32:
            _RULE_VALUES.clear()
        entry = _RULE_VALUES[id(rules)] = (rules, {})
    return entry[1]


def _rule(rules: RegionRules, name: str) -> Any:
    """The value of a region rule, or None when the region does not have it."""
    values = _per_rules(rules)
    if name not in values:
        rule = rules.rule(name)
        values[name] = None if rule is None else rule.value
    return values[name]


def _memo(rules: RegionRules, key: tuple[Any, ...], problems: Callable[[], list[Problem]]) -> list[Problem]:
    """``problems()``, worked out once for ``rules`` and ``key`` (what the problems depend
    on besides the rules: a batch's rows share their unit, insurance and start month)."""
    memo = _per_rules(rules)
    found = memo.get(key)
    if found is None:
        found = memo[key] = tuple(problems())
    return list(found)


@functools.lru_cache(maxsize=64)
def _month_of(day: date) -> Period:
    """The period of ``day`` (the same few days are asked about for every row)."""
    return Period.of(day)


def _blank(value: object) -> bool:
    return value is None or value == () or (isinstance(value, str) and not value.strip())


def _missing(request: object, fields: Iterable[str], labels: dict[str, str]) -> list[Problem]:
    problems = []
    for field in fields:
        value = getattr(request, field)
        if value and (not isinstance(value, str) or value.strip()):
            continue  # filled: most fields of most rows
        if _blank(value):
            problems.append(_error("missing_field", field, f"{labels.get(field, field)}不能为空"))
    return problems


def _line_name(rules: RegionRules, code: str) -> str:
    line = rules.lines.get(code)
    return line.name if line is not None else code


def _unknown_insurance(rules: RegionRules, insurance: Sequence[str]) -> list[Problem]:
    if isinstance(insurance, tuple):
        return _memo(rules, ("unknown_insurance", insurance), lambda: _unknown_codes(rules, insurance))
    return _unknown_codes(rules, insurance)


def _unknown_codes(rules: RegionRules, insurance: Sequence[str]) -> list[Problem]:
    return [
        _error("unknown_insurance", "insurance", f"{rules.name}没有险种代码“{code}”")
        for code in insurance
        if code not in rules.lines
    ]


def _age(birth: date, today: date) -> int:
    """Completed years (周岁) on ``today``: reached on the birthday itself.

    Someone born on 29 February reaches a new year on 1 March in other years.
    """
    had_birthday = (today.month, today.day) >= (birth.month, birth.day)
    return today.year - birth.year - (0 if had_birthday else 1)


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
    declared_gender = _declared_gender(gender)
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


def _declared_gender(gender: str | None) -> Gender | None:
    if not gender:
        return None
    try:
        return Gender.parse(gender)
    except ValueError:
        return None


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


def full_unit_no(unit_no: str, rules: RegionRules) -> str:
    """The unit number as the region's portal now writes it: ``unit_no_prefix`` + the old number.

    Dalian: "医保新单位编号规则为：210000210200+旧单位编号"; a number already in the new form, or
    a region without the rule, is returned as given.
    """
    prefix = _rule(rules, "unit_no_prefix")
    number = unit_no.strip()
    if prefix is None or not number or number.startswith(str(prefix)):
        return number
    return f"{prefix}{number}"


def same_unit(a: str, b: str, rules: RegionRules) -> bool:
    """Whether two unit numbers name one unit, old and new forms alike."""
    return full_unit_no(a, rules) == full_unit_no(b, rules)


def _unit_no(rules: RegionRules, unit_no: str, field: str = "unit_no") -> list[Problem]:
    """A unit number of the new form's length that does not begin with the region's prefix."""
    return _memo(rules, ("unit_no", unit_no, field), lambda: _unit_no_problems(rules, unit_no, field))


def _unit_no_problems(rules: RegionRules, unit_no: str, field: str) -> list[Problem]:
    prefix = _rule(rules, "unit_no_prefix")
    length = _rule(rules, "unit_no_length")
    number = unit_no.strip()
    if prefix is None or length is None or len(number) != int(length) or not number.isdigit():
        return []
    if number.startswith(str(prefix)):
        return []
    return [
        _error(
            "invalid_unit_no",
            field,
            f"{int(length)}位单位编号应为{prefix}+旧单位编号, 而不是以{number[:len(str(prefix))]}开头",
        )
    ]
