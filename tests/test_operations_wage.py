"""Wage declaration (缴费工资申报): the Liaoning template's columns and the base limits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medins_core.operations import (
    ActiveCover,
    CheckContext,
    Problem,
    Severity,
    WageDeclarationRequest,
    accepted,
    check_wage_declaration,
)
from medins_core.params import RegionRules
from medins_core.period import Period
from medins_core.registry import Registry, load_registry
from medins_core.testing import make_resident_id

REGISTRY = load_registry(use_env=False)
NO_CONTEXT = CheckContext()
ALL_REGIONS = ["130200", "210200", "320500", "320700", "320800", "410000"]
TODAY = date(2022, 7, 10)
ROW = WageDeclarationRequest(
    unit_no="210000210200000001",
    person_no="210200000000000001",
    cert_type="居民身份证(户口簿)",
    name="王五",
    cert_no=make_resident_id("210202", "19880808", 5),
    retired_status="在职",
    start=Period(2022, 7),
    end=Period(2023, 6),
    old_wage=Decimal(5000),
    wage=Decimal(6000),
)


def problems(
    region: str, context: CheckContext = NO_CONTEXT, loaded: Registry = REGISTRY, **changes: Any
) -> list[Problem]:
    req = attrs.evolve(ROW, **changes)
    return check_wage_declaration(req, region=loaded.region(region), today=TODAY, context=context)


def codes(found: list[Problem]) -> list[str]:
    return [p.code for p in found]


@pytest.mark.parametrize("region", ALL_REGIONS)
def test_a_complete_row_is_accepted(region: str) -> None:
    assert problems(region) == []


def test_the_manuals_own_example_row_is_accepted() -> None:
    assert problems("210200", start="202112", end="202112") == []


@pytest.mark.parametrize(
    ("field", "message"),
    [("start", "开始年月不能为空"), ("end", "结束年月不能为空"), ("wage", "工资不能为空")],
)
@pytest.mark.parametrize("region", ALL_REGIONS)
def test_the_failure_reasons_of_the_liaoning_manual(region: str, field: str, message: str) -> None:
    changes: dict[str, Any] = {field: None}
    assert problems(region, **changes) == [Problem("missing_field", field, message)]


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("unit_no", "单位编号"),
        ("person_no", "人员编号"),
        ("cert_type", "证件类型"),
        ("name", "人员姓名"),
        ("retired_status", "退休状态"),
        ("old_wage", "原工资"),
    ],
)
def test_every_liaoning_template_column_is_required(field: str, label: str) -> None:
    changes: dict[str, Any] = {field: None if field == "old_wage" else ""}
    assert problems("210200", **changes) == [Problem("missing_field", field, f"{label}不能为空")]
    assert problems("320500", **changes) == []


def test_the_start_may_not_be_after_the_end() -> None:
    assert codes(problems("130200", start="202208", end="202207")) == ["period_order"]
    assert problems("130200", start="202208", end="202208") == []


@pytest.mark.parametrize("wage", ["0", "-1"])
def test_the_wage_must_be_positive(wage: str) -> None:
    assert codes(problems("320500", wage=wage)) == ["invalid_wage"]


def test_liaoning_declares_for_one_base_year_july_to_june() -> None:
    found = problems("210200", start="202206", end="202207")
    assert codes(found) == ["outside_base_year"] and found[0].severity is Severity.WARNING
    assert "7月至次年6月" in found[0].message and accepted(found)
    assert problems("210200", start="202207", end="202306") == []
    assert problems("320500", start="202206", end="202207") == []


def test_a_person_not_insured_in_the_unit_is_refused() -> None:
    found = problems("210200", CheckContext(covers=(ActiveCover("unit", unit_no="other"),)))
    assert found == [Problem("not_active_here", "cert_no", "未查询到人员职工基本险有效参保信息")]
    assert problems("210200", CheckContext(covers=(ActiveCover("unit", unit_no=ROW.unit_no),))) == []


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    folder: Path = tmp_path_factory.mktemp("params")
    (folder / "dalian.toml").write_text(
        '[region]\ncode = "210200"\n\n'
        '[[base_limits]]\nfrom = "202207"\nuntil = "202306"\nfloor = "4000"\nceiling = "20000"\n'
        'source = "operator"\nstatus = "provisional"\n\n'
        '[[base_limits]]\nfrom = "202307"\nfloor = "4200"\nceiling = "21000"\n'
        'source = "operator"\nstatus = "provisional"\n',
        encoding="utf-8",
    )
    return load_registry(params_dirs=[folder], use_env=False)


def test_a_wage_below_the_floor_warns_with_the_base_used(limited: Registry) -> None:
    found = problems("210200", loaded=limited, wage="3000")
    assert [(p.code, p.severity) for p in found] == [("wage_below_floor", Severity.WARNING)]
    assert "4000" in found[0].message and "按4000核定" in found[0].message


def test_a_wage_above_the_ceiling_warns_with_the_base_used(limited: Registry) -> None:
    found = problems("210200", loaded=limited, wage="25000")
    assert codes(found) == ["wage_above_ceiling"] and "按20000核定" in found[0].message


def test_the_limits_of_each_period_apply(limited: Registry) -> None:
    found = problems("210200", loaded=limited, wage="4100", start="202306", end="202307")
    assert [p.code for p in found] == ["outside_base_year", "wage_below_floor"]
    assert "202307" in found[1].message and "按4200核定" in found[1].message


def test_without_limits_there_is_no_warning() -> None:
    assert problems("210200", wage="1") == []


@given(wage=st.decimals(min_value=4000, max_value=20000, places=2))
def test_a_wage_within_the_limits_is_accepted_silently(limited: Registry, wage: Decimal) -> None:
    assert problems("210200", loaded=limited, wage=wage) == []


@given(wage=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3999.99"), places=2))
def test_any_wage_below_the_floor_gets_one_warning_naming_the_floor(
    limited: Registry, wage: Decimal
) -> None:
    found = problems("210200", loaded=limited, wage=wage)
    assert codes(found) == ["wage_below_floor"] and "按4000核定" in found[0].message


def test_rules_come_from_the_region(limited: Registry) -> None:
    rules: RegionRules = limited.region("210200").rules
    assert rules.rule("wage_base_year_start_month") is not None
    assert rules.base_limit(Period(2022, 7)) is not None


OLD = "00000000000123"  # a 14-digit old unit number: 210000210200 + 14 digits = 26
NEW = "210000210200" + OLD


@pytest.mark.parametrize(
    ("row_unit", "declaring", "refused"),
    [
        ("U2", "U1", True),  # the file names another unit
        ("U1", "U1", False),
        (NEW, OLD, False),  # the new number of the old one: one unit
        (OLD, NEW, False),
        (NEW, "00000000000124", True),
        ("U2", "", False),  # a row checked alone: no declaring unit to compare
        ("", "U1", False),  # no 单位编号 in the row: missing_field says so
    ],
)
def test_a_row_for_another_unit_is_refused(row_unit: str, declaring: str, refused: bool) -> None:
    found = problems("210200", unit_no=row_unit, declaring_unit=declaring)
    assert ("unit_mismatch" in [p.code for p in found]) is refused
    if refused:
        assert [p.message for p in found if p.code == "unit_mismatch"] == [
            "单位编号与选择的单位不一致，未查询到人员职工基本险有效参保信息。"
        ]


@pytest.mark.parametrize(
    ("unit_no", "refused"),
    [(NEW, False), (OLD, False), ("310000210200" + OLD, True), ("2100002102000000000000012", False)],
)
def test_a_26_digit_dalian_unit_number_begins_with_the_prefix(unit_no: str, refused: bool) -> None:
    found = problems("210200", unit_no=unit_no)
    assert ("invalid_unit_no" in [p.code for p in found]) is refused
    assert "invalid_unit_no" not in [p.code for p in problems("320800", unit_no="310000210200" + OLD)]


def test_the_command_refuses_a_file_row_for_another_unit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from medins_core.cli import main  # noqa: PLC0415 - the command only here

    header = "单位编号,人员编号,证件类型,人员姓名,证件号码,退休状态,开始年月,结束年月,原工资,申报工资\n"
    cert = make_resident_id("210202", "19880808", 5)
    path = tmp_path / "wages.csv"
    path.write_text(header + f"U2,P1,居民身份证(户口簿),王五,{cert},在职,202207,202306,5000,6000\n", encoding="utf-8")
    status = main(["check", "wages", str(path), "--region", "210200", "--unit-no", "U1", "--today", "2022-07-10", "--format", "json"])
    out = capsys.readouterr().out
    assert status != 0 and "unit_mismatch" in out


@pytest.mark.parametrize("region", ["320500", "320700", "320800"])
@pytest.mark.parametrize(
    ("batch", "is_open", "months", "refused"),
    [
        (True, False, None, True),  # the portal shows the period closed
        (True, True, None, False),
        (True, None, None, False),  # unknown: the sources give no dates, nothing is said
        (True, None, [7], False),  # an operator's months: July is in them (TODAY is 2022-07-10)
        (True, None, [5, 6], True),
        (True, True, [5, 6], False),  # what the portal shows wins over the operator's months
        (False, False, None, False),  # the single change (3.3) is not limited by the sources
    ],
)
def test_jiangsu_batch_wages_only_in_the_declaration_period(
    tmp_path: Path, region: str, batch: bool, is_open: bool | None, months: list[int] | None, refused: bool
) -> None:
    loaded = REGISTRY
    if months is not None:  # an operator's parameter file names the months
        (tmp_path / "months.toml").write_text(
            f'[region]\ncode = "{region}"\n\n[[rules]]\nname = "wage_declaration_months"\n'
            f'value = {months}\nsource = "operator"\nstatus = "provisional"\n',
            encoding="utf-8",
        )
        loaded = load_registry(params_dirs=[tmp_path], use_env=False)
    found = problems(
        region, CheckContext(declaration_open=is_open), loaded, batch=batch,
        unit_no="", person_no="", retired_status="", old_wage=None,
    )  # fmt: skip
    assert ("declaration_closed" in [p.code for p in found]) is refused


def test_other_regions_have_no_declaration_period_rule() -> None:
    for region in ("210200", "130200", "410000"):
        found = problems(region, CheckContext(declaration_open=False), batch=True)
        assert "declaration_closed" not in [p.code for p in found]


@pytest.mark.parametrize(("period", "status"), [("closed", 1), ("open", 0), (None, 0)])
def test_the_command_takes_the_declaration_period(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], period: str | None, status: int
) -> None:
    from medins_core.cli import main  # noqa: PLC0415 - the command only here

    path = tmp_path / "wages.csv"
    cert = make_resident_id("320826", "19940126", 1)
    path.write_text(
        "人员编号,证件类型,证件号码,人员姓名,人员状态,工资(若有变动请修改)\n"
        f"1,居民身份证(户口簿),{cert},高,在职,7000\n",
        encoding="utf-8",
    )
    argv = ["check", "wages", str(path), "--region", "320800", "--today", "2022-07-10", "--format", "json"]
    argv += [] if period is None else ["--declaration-period", period]
    assert main(argv) == status
    assert ("declaration_closed" in capsys.readouterr().out) is (status == 1)
