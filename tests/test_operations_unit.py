"""Unit registration (单位注册 / 单位参保登记): account, password, USCC and required fields."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc

from medins_core.operations import Problem, UnitRegistrationRequest, check_unit_registration
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id

REGISTRY = load_registry(use_env=False)
ALL_REGIONS = ["130200", "210200", "320500", "320700", "320800", "410000"]
TODAY = date(2022, 9, 15)
BODY = "91320506MA1N2P3Q4"
USCC = BODY + uscc.calc_check_digit(BODY)
COMPLETE = UnitRegistrationRequest(
    uscc=USCC,
    name="大连某某有限公司",
    account="abc12345",
    password="pass1234",
    region="210200",
    management_type="01",
    unit_type="01",
    contact_name="李四",
    contact_phone="0411-88888888",
    district="210202",
    address="大连市中山区某路1号",
    legal_rep_name="赵六",
    legal_rep_cert_type="居民身份证",
    legal_rep_cert_no=make_resident_id("210202", "19700101", 7),
    legal_rep_mobile="13912345678",
    insurance=("310", "330", "510"),
    start=date(2022, 9, 1),
    collection_method="税务征收",
    medical_category="统帐结合",
    collection_rule="默认",
    base_rule="默认",
    legal_person_type="企业法人",
    legal_address="大连市中山区某路1号",
    approval_authority="市场监督管理局",
    bank_account="0406000000000000001",
    bank_holder="大连某某有限公司",
)


def problems(code: str, **changes: Any) -> list[Problem]:
    req = attrs.evolve(COMPLETE, **changes)
    return check_unit_registration(req, region=REGISTRY.region(code), today=TODAY)


def codes(found: list[Problem]) -> list[str]:
    return [p.code for p in found]


@pytest.mark.parametrize("region", ALL_REGIONS)
def test_a_complete_registration_is_accepted(region: str) -> None:
    assert problems(region) == []


@pytest.mark.parametrize("region", ALL_REGIONS)
def test_the_uscc_check_character_is_checked_everywhere(region: str) -> None:
    wrong = USCC[:-1] + ("0" if USCC[-1] != "0" else "1")
    found = problems(region, uscc=wrong)
    assert codes(found) == ["invalid_uscc"] and wrong not in found[0].message
    assert problems(region, uscc="") == [
        Problem("missing_field", "uscc", "统一社会信用代码不能为空")
    ]


# --- Henan ------------------------------------------------------------------------------------


@pytest.mark.parametrize("account", ["abc12345", "12345678", "a" * 19 + "1"])
def test_henan_accounts_of_8_to_20_letters_and_digits_with_a_digit(account: str) -> None:
    assert problems("410000", account=account) == []


@pytest.mark.parametrize(
    "account", ["abc1234", "a" * 20 + "1", "abcdefgh", "abc_12345", "账号12345678"]
)
def test_henan_refuses_other_accounts(account: str) -> None:
    found = problems("410000", account=account)
    assert [(p.code, p.message) for p in found] == [
        ("account_format", "单位账号应为8-20位由字母和数字组成,且须含数字")
    ]


@pytest.mark.parametrize("password", ["pass1234", "12345678", "p@ss-w0rd!", "a" * 19 + "1"])
def test_henan_passwords_of_8_to_20_characters_with_a_digit(password: str) -> None:
    assert problems("410000", password=password) == []


@pytest.mark.parametrize("password", ["pass123", "password", "a" * 20 + "1"])
def test_henan_refuses_other_passwords_without_echoing_them(password: str) -> None:
    found = problems("410000", password=password)
    assert [(p.code, p.message) for p in found] == [
        ("password_format", "密码应为8-20位字符,且须含数字")
    ]


def test_henan_requires_account_and_password() -> None:
    assert codes(problems("410000", account="", password="")) == ["missing_field", "missing_field"]


# --- Hebei ------------------------------------------------------------------------------------


def test_hebei_suggests_the_uscc_with_an_a_as_the_account() -> None:
    digits_only = "123456789012345678"
    assert codes(problems("130200", account=digits_only)) == ["account_format"]
    assert problems("130200", account=digits_only + "a") == []
    assert problems("130200", account=USCC) == []


@pytest.mark.parametrize("account", ["abcd123", "a" * 20 + "1", "abcd-1234"])
def test_hebei_refuses_accounts_outside_8_to_20_letters_and_digits(account: str) -> None:
    found = problems("130200", account=account)
    assert [p.message for p in found] == ["单位账号应为8-20位由字母和数字组成,且须含字母、数字"]


@pytest.mark.parametrize("password", ["abcd1234", "a" * 15 + "1"])
def test_hebei_passwords_of_8_to_16_letters_and_digits(password: str) -> None:
    assert problems("130200", password=password) == []


@pytest.mark.parametrize(
    "password", ["abcd123", "a" * 16 + "1", "abcd-1234", "12345678", "abcdefgh"]
)
def test_hebei_refuses_other_passwords(password: str) -> None:
    found = problems("130200", password=password)
    assert [(p.code, p.message) for p in found] == [
        ("password_format", "密码应为8-16位由字母和数字组成,且须含字母、数字")
    ]
    assert password not in found[0].message


@pytest.mark.parametrize("region", ["210200", "320500"])
def test_no_account_rules_where_the_sources_give_none(region: str) -> None:
    assert problems(region, account="", password="x") == []


# --- Liaoning ---------------------------------------------------------------------------------

LIAONING_REQUIRED = [
    ("region", "医保区划"),
    ("management_type", "单位管理类型"),
    ("unit_type", "单位类型"),
    ("name", "单位名称"),
    ("contact_name", "联系人姓名"),
    ("contact_phone", "联系电话"),
    ("district", "所属行政区"),
    ("address", "单位详细地址"),
    ("legal_rep_name", "法定代表人姓名"),
    ("legal_rep_cert_type", "法定代表人证件类型"),
    ("legal_rep_cert_no", "法定代表人证件号码"),
    ("legal_rep_mobile", "法定代表人移动电话"),
    ("insurance", "险种选择"),
    ("start", "参保日期"),
    ("collection_method", "征收方式"),
    ("medical_category", "医疗保险类别"),
    ("collection_rule", "征缴规则"),
    ("base_rule", "基数核定规则"),
]


@pytest.mark.parametrize(("field", "label"), LIAONING_REQUIRED)
def test_liaoning_required_fields(field: str, label: str) -> None:
    empty: object = () if field == "insurance" else None if field == "start" else ""
    assert problems("210200", **{field: empty}) == [
        Problem("missing_field", field, f"{label}不能为空")
    ]
    assert problems("320500", **{field: empty}) == []  # Jiangsu's manual prints no such form


def test_liaoning_government_units_must_choose_320() -> None:
    found = problems("210200", government_unit=True)
    assert found == [
        Problem("requires_insurance", "insurance", "机关事业单位需要选择“公务员医疗补助”险种")
    ]
    assert problems("210200", government_unit=True, insurance=("310", "320", "330", "510")) == []
    assert problems("320500", government_unit=True) == []


def test_the_legal_representative_is_checked_and_masked() -> None:
    found = problems(
        "210200", legal_rep_mobile="12345678901", legal_rep_cert_no="210202197001010000"
    )
    assert codes(found) == ["invalid_cert_no", "invalid_mobile"]
    assert all(
        "210202197001010000" not in p.message and "12345678901" not in p.message for p in found
    )


@given(
    name=st.text(min_size=1, max_size=10).filter(str.strip),
    address=st.text(min_size=1).filter(str.strip),
)
def test_an_accepted_registration_stays_accepted_when_name_or_address_change(
    name: str, address: str
) -> None:
    for region in ALL_REGIONS:
        assert problems(region, name=name, address=address) == []


HEBEI_STARRED = [
    "region", "management_type", "unit_type", "uscc", "name", "contact_name", "contact_phone",
    "district", "address", "legal_rep_name", "legal_rep_cert_type", "legal_rep_cert_no",
    "legal_rep_mobile", "legal_person_type", "legal_address", "approval_authority",
    "bank_account", "bank_holder",
]


def test_hebei_refuses_a_registration_of_only_uscc_account_and_password() -> None:
    bare = UnitRegistrationRequest(uscc=USCC, account="abc12345", password="pass1234", legal_rep_cert_type="")
    found = check_unit_registration(bare, region=REGISTRY.region("130200"), today=TODAY)
    assert {p.field for p in found if p.code == "missing_field"} == set(HEBEI_STARRED) - {"uscc"}
    assert "批准成立部门不能为空" in [p.message for p in found]


@pytest.mark.parametrize("field", HEBEI_STARRED[1:])
def test_each_starred_hebei_field_is_required_alone(field: str) -> None:
    blank = None if field == "start" else ""
    assert [(p.code, p.field) for p in problems("130200", **{field: blank})] == [("missing_field", field)]


@pytest.mark.parametrize("field", ["start", "collection_method", "medical_category", "base_rule"])
def test_fields_without_a_star_in_hebei_stay_optional(field: str) -> None:
    blank = None if field == "start" else ""
    assert problems("130200", **{field: blank}) == []


@pytest.mark.parametrize(
    ("region", "district", "refused"),
    [
        ("210200", "210202", False),  # 中山区 in 大连市
        ("210200", "210200", False),  # the default: the region itself
        ("210200", "210102", True),  # 沈阳市和平区
        ("210200", "2102", True),
        ("", "210202", False),  # no 医保区划 given: the region's own code
        ("", "130283", True),
    ],
)
def test_dalian_district_must_lie_in_the_region(region: str, district: str, refused: bool) -> None:
    found = problems("210200", region=region, district=district)
    assert ("district_outside_region" in codes(found)) is refused
    if refused:
        assert [p.message for p in found if p.code == "district_outside_region"] == ["所属行政区必须与医保区划一致"]


def test_the_district_rule_is_dalian_only() -> None:
    assert problems("130200", district="210102") == []


def test_the_new_dalian_unit_number_is_derived_from_the_old() -> None:
    from medins_core.operations import full_unit_no, same_unit  # noqa: PLC0415

    dalian, suzhou = REGISTRY.region("210200").rules, REGISTRY.region("320500").rules
    assert full_unit_no("00000000000123", dalian) == "21000021020000000000000123"
    assert full_unit_no("21000021020000000000000123", dalian) == "21000021020000000000000123"
    assert full_unit_no("00000000000123", suzhou) == "00000000000123"
    assert same_unit("00000000000123", "21000021020000000000000123", dalian)
    assert not same_unit("00000000000123", "21000021020000000000000123", suzhou)
