"""Rules dated like rates, a province file of rules its cities extend, and data_through's source."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from medins_core.datafile import parse_region_file
from medins_core.errors import DataFileError
from medins_core.operations import EnrollmentRequest
from medins_core.period import Period
from medins_core.plugin import hookimpl
from medins_core.registry import load_registry
from medins_core.testing.fixtures import make_resident_id

MAN = make_resident_id("330106", "19850312", 1)
PROVINCE = """[region]
code = "330000"
name = "浙江省"
shared = true

[[rules]]
name = "enroll_backdate_months"
value = 3
until = "202312"
source = "province doc A"
status = "verified"

[[rules]]
name = "enroll_backdate_months"
value = 6
from = "202401"
source = "province doc B"
status = "verified"

[[rules]]
name = "suspend_retired_refused"
value = true
source = "province doc C"
status = "verified"
"""

CITY = """[region]
code = "330100"
name = "杭州市"
province = "浙江省"
extends = "330000"
"""

OTHER_CITY = """[region]
code = "330200"
name = "宁波市"
province = "浙江省"
extends = "330000"

[[rules]]
name = "enroll_backdate_months"
value = 1
source = "city doc"
status = "verified"
"""


class Zhejiang:
    """A plugin of this test's own: a province file and two cities that extend it."""

    def __init__(self, folder: Path, files: dict[str, str]) -> None:
        self.paths = []
        for name, text in files.items():
            path = folder / name
            path.write_text(text, encoding="utf-8")
            self.paths.append(path)

    @hookimpl
    def medins_region_files(self) -> list[Path]:
        return self.paths


def registry(tmp_path: Path, files: dict[str, str]):  # type: ignore[no-untyped-def]
    return load_registry(plugins=[Zhejiang(tmp_path, files)], use_entry_points=False, use_env=False)


def backdated(region, today: datetime.date, start: str) -> set[str]:  # type: ignore[no-untyped-def]
    request = EnrollmentRequest(
        unit_no="U1", cert_no=MAN, name="张三", start=start, insurance=("310",), wage="5000",
        mobile="13912345678",
    )  # fmt: skip
    return {p.code for p in region.check(request, today=today)}


def test_a_city_gets_its_provinces_rules_dated_by_the_month_of_the_operation(tmp_path: Path) -> None:
    found = registry(tmp_path, {"330000.toml": PROVINCE, "330100.toml": CITY, "330200.toml": OTHER_CITY})
    assert sorted(found.regions) == ["330100", "330200"]  # the shared file is not a region
    hangzhou = found.region("330100")
    # four months back: over the limit of 3 in force in 2023-12, within the 6 from 2024-01
    assert "start_too_early" in backdated(hangzhou, datetime.date(2023, 12, 15), "202308")
    assert "start_too_early" not in backdated(hangzhou, datetime.date(2024, 4, 15), "202312")
    assert "start_too_early" in backdated(hangzhou, datetime.date(2024, 4, 15), "202309")
    assert hangzhou.rules.rule("enroll_backdate_months", Period(2023, 12)).value == 3  # type: ignore[union-attr]
    assert hangzhou.rules.rule("enroll_backdate_months").value == 6  # type: ignore[union-attr]
    assert hangzhou.rules.as_of(datetime.date(2023, 1, 1)).rules["enroll_backdate_months"][0].value == 3
    assert hangzhou.rules.rule("suspend_retired_refused").source == "province doc C"  # type: ignore[union-attr]
    assert hangzhou.rules.files[-1].endswith("330000.toml")


def test_a_citys_own_rule_replaces_the_provinces_of_that_name(tmp_path: Path) -> None:
    ningbo = registry(tmp_path, {"330000.toml": PROVINCE, "330200.toml": OTHER_CITY}).region("330200")
    assert [r.value for r in ningbo.rules.rules["enroll_backdate_months"]] == [1]
    assert "start_too_early" in backdated(ningbo, datetime.date(2024, 4, 15), "202402")
    assert ningbo.rules.rule("suspend_retired_refused") is not None


def test_an_overlay_rule_wins_where_it_applies(tmp_path: Path) -> None:
    overlay = tmp_path / "ops"
    overlay.mkdir()
    (overlay / "330100.toml").write_text(
        '[region]\ncode = "330100"\n\n[[rules]]\nname = "enroll_backdate_months"\nvalue = 12\n'
        'from = "202501"\nsource = "operator"\nstatus = "provisional"\n',
        encoding="utf-8",
    )
    found = load_registry(
        [overlay], plugins=[Zhejiang(tmp_path, {"330000.toml": PROVINCE, "330100.toml": CITY})],
        use_entry_points=False, use_env=False,
    )  # fmt: skip
    rules = found.region("330100").rules
    assert rules.rule("enroll_backdate_months", Period(2025, 3)).value == 12  # type: ignore[union-attr]
    assert rules.rule("enroll_backdate_months", Period(2024, 3)).value == 6  # type: ignore[union-attr]


def test_extending_a_province_file_the_plugin_lacks_is_refused(tmp_path: Path) -> None:
    found = registry(tmp_path, {"330100.toml": CITY})
    assert not found.regions
    assert any("330000" in p.message and "extends" in p.message for p in found.problems)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (PROVINCE + '\n[[rules]]\nname = "enroll_backdate_months"\nvalue = 4\nfrom = "202312"\n'
         'source = "s"\nstatus = "verified"\n', "rules[3].name"),  # overlaps both dated entries
        (PROVINCE.replace('until = "202312"', 'from = "202312"\nuntil = "202301"'), "rules[0].until"),
        (PROVINCE + '\n[[values]]\nline = "310"\nfrom = "202201"\nunit_rate = "0.06"\n'
         'source = "s"\nstatus = "verified"\n', "values"),
        (PROVINCE.replace('shared = true', 'shared = true\ndefault_lines = ["310"]'), "region.default_lines"),
        (PROVINCE.replace('code = "330000"', 'code = "330100"'), "region.code"),
        (PROVINCE.replace('shared = true', 'shared = true\nextends = "320000"'), "region.extends"),
        (CITY + 'data_through = "202212"\n', "region.data_through_source"),
    ],
)  # fmt: skip
def test_a_bad_dated_rule_or_shared_file_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "330000.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        parse_region_file(path)
    assert caught.value.field == key, caught.value.message
