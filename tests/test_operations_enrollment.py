"""Enrollment (职工参保登记): every rule from the portal manuals, at its boundaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medins_core.operations import (
    ActiveCover,
    CheckContext,
    EnrollmentRequest,
    Problem,
    Severity,
    accepted,
    check_enrollment,
    enrollment_person_type,
)
from medins_core.params import RegionRules
from medins_core.period import Period
from medins_core.plugin import hookimpl
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id

REGISTRY = load_registry(use_env=False)
NO_CONTEXT = CheckContext()
ALL_REGIONS = ["130200", "210200", "320500", "320700", "320800", "410000"]
JIANGSU = ["320500", "320700", "320800"]
TODAY = date(2022, 9, 15)
MAN = make_resident_id("320506", "19850312", 1)
WOMAN = make_resident_id("320506", "19850312", 2)


def request(region: str, today: date = TODAY, **changes: Any) -> EnrollmentRequest:
    """A request every region accepts on ``today``, with ``changes`` applied."""
    rules = REGISTRY.region(region).rules
    base = EnrollmentRequest(
        unit_no="U1",
        cert_no=MAN,
        name="张三",
        start=Period.of(today),
        insurance=rules.default_lines or ("310",),
        mobile="13812345678",
        wage=Decimal(6000),
        ethnicity="汉族",
        first_work_date=date(2008, 7, 1),
        person_type="职工在职" if region in JIANGSU else None,  # chosen on Jiangsu's form
        bank_name="中国工商银行苏州分行",
        bank_holder="张三",
        bank_account="6222020000000000001",
    )
    return attrs.evolve(base, **changes)


def problems(
    region: str, today: date = TODAY, context: CheckContext = NO_CONTEXT, **changes: Any
) -> list[Problem]:
    req = request(region, today, **changes)
    return check_enrollment(
        req, region=REGISTRY.region(region), today=today, context=context
    )


def codes(found: list[Problem]) -> list[str]:
    return [p.code for p in found]


@pytest.mark.parametrize("region", ALL_REGIONS)
def test_a_complete_request_is_accepted_everywhere(region: str) -> None:
    assert problems(region, context=CheckContext(covers=())) == []


# --- identity -------------------------------------------------------------------------


def test_a_wrong_check_digit_is_refused_and_the_number_is_masked() -> None:
    bad = MAN[:-1] + ("0" if MAN[-1] != "0" else "1")
    found = problems("320500", cert_no=bad)
    assert codes(found) == ["invalid_cert_no"]
    assert bad not in found[0].message and "3205**********" in found[0].message


def test_declared_birth_and_gender_must_match_the_id_number() -> None:
    found = problems("210200", birth=date(1985, 3, 13), gender="女")
    assert codes(found) == ["cert_birth_mismatch", "cert_gender_mismatch"]
    assert problems("210200", birth=date(1985, 3, 12), gender="男") == []
    assert problems("210200", birth=date(1985, 3, 12), gender="1") == []


def test_an_unknown_county_is_only_a_warning() -> None:
    found = problems("320500", cert_no=make_resident_id("329999", "19850312", 1))
    assert codes(found) == ["unknown_county"]
    assert found[0].severity is Severity.WARNING and accepted(found)


def test_a_birth_date_after_today_is_refused() -> None:
    future = make_resident_id("320506", "20220916", 1)
    assert "birth_in_future" in codes(problems("410000", cert_no=future))
    assert "birth_in_future" not in codes(
        problems("410000", cert_no=make_resident_id("320506", "20220915", 1))
    )


def test_other_documents_need_a_declared_birth_date_and_gender() -> None:
    found = problems("210200", cert_type="护照", cert_no="E12345678")
    assert [(p.code, p.field) for p in found] == [
        ("missing_field", "birth"),
        ("missing_field", "gender"),
    ]
    assert (
        problems(
            "210200", cert_type="护照", cert_no="E12345678", birth=date(1980, 1, 1), gender="女"
        )
        == []
    )


def test_an_invalid_mobile_is_refused_masked() -> None:
    found = problems("410000", mobile="1381234567")
    assert codes(found) == ["invalid_mobile"]
    assert "1381234567" not in found[0].message


# --- Jiangsu: online age limit ----------------------------------------------------------


@pytest.mark.parametrize("region", JIANGSU)
def test_jiangsu_refuses_women_from_their_50th_birthday(region: str) -> None:
    woman = make_resident_id("320506", "19720915", 2)
    assert problems(region, date(2022, 9, 14), cert_no=woman) == []
    found = problems(region, date(2022, 9, 15), cert_no=woman)
    assert [(p.code, p.message) for p in found] == [
        ("age_limit", "处理失败! 女性50周岁不允许网办参保, 请去统筹区医保局办理")
    ]


@pytest.mark.parametrize("region", JIANGSU)
def test_jiangsu_refuses_men_from_their_60th_birthday(region: str) -> None:
    man = make_resident_id("320506", "19620915", 1)
    assert problems(region, date(2022, 9, 14), cert_no=man) == []
    found = problems(region, date(2022, 9, 15), cert_no=man)
    assert [p.message for p in found] == [
        "处理失败! 男性60周岁不允许网办参保, 请去统筹区医保局办理"
    ]
    # a woman of 59 is not under the men's limit
    assert (
        problems(region, date(2022, 9, 15), cert_no=make_resident_id("320506", "19630101", 2))[
            0
        ].code
        == "age_limit"
    )


def test_someone_born_on_29_february_reaches_the_age_on_1_march() -> None:
    woman = make_resident_id("320506", "19720229", 2)
    assert problems("320500", date(2022, 2, 28), cert_no=woman, start=Period(2022, 2)) == []
    assert codes(problems("320500", date(2022, 3, 1), cert_no=woman, start=Period(2022, 3))) == [
        "age_limit"
    ]


@pytest.mark.parametrize("region", ["130200", "210200", "410000"])
def test_other_provinces_have_no_online_age_limit(region: str) -> None:
    woman = make_resident_id("320506", "19720915", 2)
    assert problems(region, date(2022, 9, 15), cert_no=woman) == []


# --- back-date windows ------------------------------------------------------------------


@pytest.mark.parametrize("region", JIANGSU)
def test_jiangsu_back_pay_reaches_at_most_6_months_back(region: str) -> None:
    assert problems(region, start=Period(2022, 3)) == []
    found = problems(region, start=Period(2022, 2))
    assert codes(found) == ["start_too_early"] and "6个月" in found[0].message


def test_liaoning_start_reaches_at_most_3_months_back() -> None:
    assert problems("210200", start=Period(2022, 6)) == []
    found = problems("210200", start=date(2022, 5, 31))
    assert codes(found) == ["start_too_early"] and "3个月" in found[0].message


@pytest.mark.parametrize("region", ["130200", "410000"])
def test_regions_without_a_window_accept_an_old_start(region: str) -> None:
    assert problems(region, start=Period(2020, 1)) == []


# --- Suzhou declaration window ----------------------------------------------------------

SETTLEMENT = "处理失败!当月结算期之前,参保日期不可选择为下个月!"


@pytest.mark.parametrize("day", [1, 6, 7, 10])
def test_suzhou_next_month_is_refused_before_the_11th(day: int) -> None:
    found = problems("320500", date(2022, 8, day), start=Period(2022, 9))
    assert [(p.code, p.message) for p in found] == [("start_not_open", SETTLEMENT)]


@pytest.mark.parametrize("day", [11, 31])
def test_suzhou_next_month_is_open_from_the_11th(day: int) -> None:
    assert problems("320500", date(2022, 8, day), start=Period(2022, 9)) == []


def test_suzhou_refuses_a_start_two_months_ahead() -> None:
    assert codes(problems("320500", date(2022, 8, 20), start=Period(2022, 10))) == [
        "start_not_open"
    ]


@pytest.mark.parametrize("region", ["320800", "320700", "210200"])
def test_the_declaration_window_is_suzhou_only(region: str) -> None:
    assert problems(region, date(2022, 8, 1), start=Period(2022, 9)) == []


# --- insurance lines --------------------------------------------------------------------


def test_liaoning_330_requires_310_in_the_same_enrollment() -> None:
    found = problems("210200", insurance=("330", "510"))
    assert [(p.code, p.message) for p in found] == [
        ("requires_insurance", "缴纳“大额医疗费用补助”时必须同时缴纳“职工基本医疗保险”")
    ]
    assert problems("210200", insurance=("310", "330")) == []


@pytest.mark.parametrize("region", ["320500", "130200"])
def test_330_alone_is_not_refused_where_the_rule_is_not_stated(region: str) -> None:
    assert "requires_insurance" not in codes(problems(region, insurance=("330",)))


def test_liaoning_government_units_must_choose_320() -> None:
    found = problems("210200", government_unit=True)
    assert codes(found) == ["requires_insurance"] and "公务员医疗补助" in found[0].message
    assert problems("210200", government_unit=True, insurance=("310", "320", "330", "510")) == []
    assert problems("210200", government_unit=False) == []


def test_jiangsu_government_units_may_choose_320_and_it_sets_the_person_type() -> None:
    region = REGISTRY.region("320500")
    without = request("320500", government_unit=True)
    with_320 = attrs.evolve(without, insurance=(*without.insurance, "320"))
    assert problems("320500", government_unit=True) == []
    assert check_enrollment(with_320, region=region, today=TODAY) == []
    assert enrollment_person_type(without, region.rules) == "职工在职"
    assert enrollment_person_type(with_320, region.rules) == "公务员在职"


def test_person_type_defaults_per_region() -> None:
    assert enrollment_person_type(request("210200"), REGISTRY.region("210200").rules) == "在职"
    assert (
        enrollment_person_type(request("410000", person_type="职工在职"), REGISTRY.region("410000").rules)
        == "职工在职"
    )


def test_an_unknown_insurance_code_is_refused() -> None:
    assert codes(problems("130200", insurance=("310", "999"))) == ["unknown_insurance"]


# --- required fields and wage -------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "refused"), [("320500", True), ("210200", False), ("130200", False)]
)
def test_jiangsu_requires_a_mobile_number(region: str, refused: bool) -> None:
    found = problems(region, mobile=None)
    assert (found == [Problem("missing_field", "mobile", "手机号码不能为空")]) is refused
    assert found == [] or refused


@pytest.mark.parametrize("region", ["320500", "210200"])
def test_the_declared_wage_is_required_where_the_portal_marks_it(region: str) -> None:
    assert problems(region, wage=None) == [Problem("missing_field", "wage", "申报工资不能为空")]


def test_the_wage_must_be_positive() -> None:
    assert codes(problems("130200", wage=Decimal(0))) == ["invalid_wage"]


def test_every_problem_is_reported_at_once() -> None:
    woman = make_resident_id("320506", "19700101", 2)
    found = problems(
        "320500",
        date(2022, 8, 3),
        CheckContext(covers=(ActiveCover("flexible"),)),
        cert_no=woman,
        start=Period(2022, 9),
        mobile=None,
    )
    assert codes(found) == ["missing_field", "age_limit", "start_not_open", "active_elsewhere"]


# --- active cover elsewhere ---------------------------------------------------------------


@pytest.mark.parametrize("region", ALL_REGIONS)
def test_active_cover_elsewhere_is_refused_in_every_province(region: str) -> None:
    flexible = problems(region, context=CheckContext(covers=(ActiveCover("flexible"),)))
    assert [(p.code, p.message) for p in flexible] == [
        ("active_elsewhere", "处理失败!该人员存在灵活就业参保。请先办理停保!")
    ]
    other = problems(region, context=CheckContext(covers=(ActiveCover("unit", unit_no="U2"),)))
    assert codes(other) == ["active_elsewhere"]
    resident = problems(region, context=CheckContext(covers=(ActiveCover("resident", "390"),)))
    assert codes(resident) == ["active_elsewhere"]
    here = problems(region, context=CheckContext(covers=(ActiveCover("unit", unit_no="U1"),)))
    assert codes(here) == ["already_active"]


def test_unknown_covers_are_not_checked() -> None:
    assert problems("320500", context=CheckContext(covers=None)) == []


def test_a_cover_kind_must_be_known() -> None:
    with pytest.raises(ValueError):
        ActiveCover("pension")


# --- hooks ------------------------------------------------------------------------------


class Extra:
    """A plugin that refuses every Suzhou enrollment, to show hook answers are joined in."""

    @hookimpl
    def medins_check(self, operation: str, rules: RegionRules) -> list[Problem]:
        if operation == "enrollment" and rules.code == "320500":
            return [Problem("extra", "name", "测试")]
        return []


def test_plugin_hooks_answer_for_their_own_regions() -> None:
    registry = load_registry(plugins=[Extra()], use_env=False)
    for region, expected in (("320500", ["extra"]), ("320800", [])):
        req = request(region)
        assert (
            codes(
                check_enrollment(req, region=registry.region(region), today=TODAY)
            )
            == expected
        )


# --- properties -------------------------------------------------------------------------

names = st.text(alphabet="张王李赵刘陈杨黄周吴伟芳娜敏静", min_size=1, max_size=4)
mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(name=names, mobile=mobiles, wage=st.decimals(min_value=1, max_value=100000, places=2))
def test_an_accepted_request_stays_accepted_when_an_unrelated_field_changes(
    name: str, mobile: str, wage: Decimal
) -> None:
    for region in ALL_REGIONS:
        assert problems(region, name=name, mobile=mobile, wage=wage) == []


@given(order=st.permutations(["310", "330", "510", "320"]), region=st.sampled_from(ALL_REGIONS))
def test_problems_do_not_depend_on_the_order_of_the_lines(order: list[str], region: str) -> None:
    first = problems(region, insurance=("310", "330", "510", "320"), government_unit=True)
    assert problems(region, insurance=tuple(order), government_unit=True) == first


@given(
    birth=st.dates(min_value=date(1930, 1, 1), max_value=date(2004, 12, 31)),
    sequence=st.integers(0, 999),
)
def test_jiangsu_age_limit_matches_the_birthday_rule(birth: date, sequence: int) -> None:
    cert_no = make_resident_id("320506", birth, sequence)
    limit = 60 if sequence % 2 else 50
    reached = (TODAY.year - birth.year, TODAY.month, TODAY.day) >= (
        limit,
        birth.month,
        birth.day,
    ) or (TODAY.year - birth.year > limit)
    assert ("age_limit" in codes(problems("320800", cert_no=cert_no))) is reached


JIANGSU_SINGLE = [
    ("ethnicity", "民族"),
    ("first_work_date", "参加工作日期"),
    ("person_type", "人员类型"),
    ("bank_name", "开户行名称"),
    ("bank_holder", "银行户名"),
    ("bank_account", "银行账号"),
]


@pytest.mark.parametrize("region", JIANGSU)
@pytest.mark.parametrize(("field", "label"), JIANGSU_SINGLE)
def test_jiangsu_single_form_requires_its_starred_fields(region: str, field: str, label: str) -> None:
    found = problems(region, context=CheckContext(covers=()), **{field: None})
    assert found == [Problem("missing_field", field, f"{label}不能为空")]
    # a batch row has no such columns: the same request from a template is accepted
    assert problems(region, context=CheckContext(covers=()), batch=True, **{field: None}) == []


def test_the_bank_block_is_not_required_outside_jiangsu() -> None:
    blank = {field: None for field, _ in JIANGSU_SINGLE}
    for region in ("130200", "210200", "410000"):
        assert problems(region, context=CheckContext(covers=()), **blank) == []
