"""Readings that are interpretations are `provisional`, each with a note saying why."""

from __future__ import annotations

import pytest

from medins_core.datafile import Status
from medins_core.registry import load_registry

REGISTRY = load_registry(use_env=False)

READINGS = [
    ("320500", "enroll_next_month_from_day", "one example"),  # 8.11–9.6 generalised to the 11th
    ("130200", "unit_account_must_contain", "reading"),  # "a letter and a digit"
    ("130200", "unit_password_must_contain", "reading"),
    ("210200", "suspend_arrears_block_after_month", "2月份以后"),  # read as March on
    ("210200", "government_required_lines", "registration only"),  # extended to enrollment
    ("210200", "unit_district_in_region", "一致"),
    ("320500", "suspend_date_month_ends", "one field or two"),
    ("130200", "unit_required_fields", "批准成立"),
]


@pytest.mark.parametrize(("region", "name", "why"), READINGS)
def test_a_reading_is_provisional_with_its_note(region: str, name: str, why: str) -> None:
    rule = REGISTRY.region(region).rules.rule(name)
    assert rule is not None
    assert rule.status is Status.PROVISIONAL
    assert why in rule.note


@pytest.mark.parametrize("region", ["320700", "320800"])
def test_suzhou_only_rules_are_provisional_in_huaian_and_lianyungang(region: str) -> None:
    rules = [rule for entries in REGISTRY.region(region).rules.rules.values() for rule in entries]
    from_suzhou = [r for r in rules if "jiangsu-suzhou-unit-hall-training" in r.source]
    assert from_suzhou
    assert all(r.status is Status.PROVISIONAL and "Suzhou" in r.note for r in from_suzhou)
    # what the province-wide manual alone states stays verified
    manual = [r for r in rules if r.source.startswith("jiangsu-unit-hall-user-manual.txt")]
    assert manual and all(r.status is Status.VERIFIED for r in manual)


def test_qianan_rules_and_values_are_provisional_for_all_of_tangshan() -> None:
    region = REGISTRY.region("130200").rules
    rules = [rule for entries in region.rules.values() for rule in entries]
    values = [v for found in region.values.values() for v in found]
    assert rules and values
    assert all(r.status is Status.PROVISIONAL and "Qian'an" in r.note for r in rules)
    assert all(v.status is Status.PROVISIONAL and "Qian'an" in v.note for v in values)
