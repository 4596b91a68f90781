"""The operations API as a whole: dispatch, results, the hook and the region data it reads."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import attrs
import pytest

import medins_rules_hebei
import medins_rules_liaoning
from medins_core import operations, plugin
from medins_core.operations import (
    OPERATIONS,
    BackpayRequest,
    EnrollmentRequest,
    Problem,
    Severity,
    SuspensionRequest,
    UnitRegistrationRequest,
    WageDeclarationRequest,
    accepted,
    check,
)
from medins_core.registry import load_registry

REGISTRY = load_registry(use_env=False)
TODAY = date(2022, 9, 15)


def test_there_is_one_check_per_operation() -> None:
    assert sorted(OPERATIONS) == [
        "backpay",
        "enrollment",
        "suspension",
        "unit_registration",
        "wage_declaration",
    ]


@pytest.mark.parametrize(
    "req",
    [
        EnrollmentRequest("U1", "", "", None),
        SuspensionRequest("U1", "", None),
        WageDeclarationRequest(),
        BackpayRequest("U1", None, None),
        UnitRegistrationRequest(""),
    ],
)
def test_check_dispatches_on_the_request_class(req: object) -> None:
    found = check(req, region=REGISTRY.region("210200"), today=TODAY)  # type: ignore[arg-type]
    assert found and all(p.code == "missing_field" for p in found)


def test_check_refuses_other_objects() -> None:
    with pytest.raises(TypeError):
        check(object(), region=REGISTRY.region("210200"), today=TODAY)  # type: ignore[arg-type]


def test_problems_are_frozen_values_and_warnings_do_not_refuse() -> None:
    error = Problem("x", "f", "消息")
    assert error.severity is Severity.ERROR and error.is_error
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        error.code = "y"  # type: ignore[misc]
    assert accepted([]) and accepted([Problem("w", "f", "提示", Severity.WARNING)])
    assert not accepted([error])


def test_requests_refuse_a_float_wage() -> None:
    with pytest.raises(TypeError):
        WageDeclarationRequest(wage=6000.0)  # type: ignore[arg-type]


def test_the_check_hook_is_specified_and_collects_every_answer() -> None:
    assert REGISTRY.plugin_manager.hook.medins_check.spec is not None
    assert not plugin.medins_check.medins_spec["firstresult"]  # type: ignore[attr-defined]


def test_every_shipped_rule_has_a_source_and_a_known_name() -> None:
    known = {
        "enroll_age_limit_female",
        "enroll_age_limit_male",
        "enroll_backdate_months",
        "enroll_required_fields",
        "enroll_person_types",
        "enroll_default_person_type",
        "enroll_next_month_from_day",
        "enroll_required_with",
        "government_required_lines",
        "suspend_retired_refused",
        "suspend_date_month_ends",
        "suspend_arrears_block_after_month",
        "wage_required_fields",
        "wage_base_year_start_month",
        "unit_required_fields",
        "personal_backpay_excluded_lines",
        "business_period_open_months",
        "unit_account_length",
        "unit_account_must_contain",
        "unit_password_length",
        "unit_password_must_contain",
        "unit_password_letters_digits_only",
        "notice_layout",
    }
    for region in REGISTRY:
        for rule in region.rules.rules.values():
            assert rule.name in known and ".txt" in rule.source, (rules.code, rule.name)


def test_jiangsu_wide_rules_are_in_every_jiangsu_region_and_suzhous_window_only_in_suzhou() -> None:
    names = {code: set(REGISTRY.region(code).rules.rules) for code in ("320500", "320700", "320800")}
    assert names["320500"] - names["320800"] == {"enroll_next_month_from_day"}
    assert names["320700"] == names["320800"]


DOCS = Path(__file__).parent.parent / "docs"
SOURCES = [
    *sorted(Path(operations.__file__).parent.glob("*.py")),
    Path(operations.__file__).parent.parent / "region.py",
    Path(medins_rules_hebei.__file__),
    Path(medins_rules_liaoning.__file__),
]


def test_every_problem_code_is_documented() -> None:
    raised_by_ids = {"invalid_cert_no", "invalid_uscc", "invalid_mobile"}
    called, literals = set(raised_by_ids), set(raised_by_ids)
    for source in SOURCES:
        text = source.read_text(encoding="utf-8")
        called |= set(re.findall(r'(?:_error|_warning|Problem)\(\s*"([a-z_]+)"', text))
        literals |= set(re.findall(r'"([a-z]+(?:_[a-z]+)+)"', text))
    codes_md = (DOCS / "codes.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", codes_md, re.MULTILINE))
    # codes built in a variable (account_format, wage_below_floor …) are literals all the same
    assert called <= documented <= literals


def test_every_shipped_rule_is_on_an_operation_page() -> None:
    pages = "".join(p.read_text(encoding="utf-8") for p in (DOCS / "operations").glob("*.md"))
    for region in REGISTRY:
        for name in region.rules.rules:
            assert f"`{name}`" in pages, name
