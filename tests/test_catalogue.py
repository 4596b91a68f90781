"""One catalogue of problem codes: docs/codes.md comes from it, every raised code is in it."""

from __future__ import annotations

import datetime
import re
import runpy
from pathlib import Path

import medins_rules_hebei
import medins_rules_liaoning
from medins_core import operations
from medins_core.datafile import Rule, Status
from medins_core.operations import EnrollmentRequest
from medins_core.operations.catalogue import CATALOGUE
from medins_core.registry import load_registry

ROOT = Path(__file__).parent.parent
SOURCES = [
    *sorted(Path(operations.__file__).parent.glob("*.py")),
    Path(operations.__file__).parent.parent / "region.py",
    Path(medins_rules_hebei.__file__),
    Path(medins_rules_liaoning.__file__),
]


def test_codes_md_is_generated_from_the_catalogue() -> None:
    generator = runpy.run_path(str(ROOT / "docs" / "gen_tables.py"))
    page = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")
    assert generator["render"]("codes.md", page) == page, "docs/codes.md is stale: run python docs/gen_tables.py"


def test_every_code_a_check_raises_is_in_the_catalogue_with_its_severity() -> None:
    for source in SOURCES:
        text = source.read_text(encoding="utf-8")
        for helper, code in re.findall(r'(_error|_warning|Problem)\(\s*"([a-z_]+)"', text):
            assert code in CATALOGUE, (source.name, code)
            if helper == "_warning":
                assert CATALOGUE[code].severity.value == "warning", code


def test_a_region_words_a_message_as_its_portal_does() -> None:
    region = load_registry(use_env=False).region("320500")
    wording = Rule("messages", {"missing_field": "请填写必填项"}, "test wording", Status.VERIFIED)
    region.rules.rules["messages"] = (wording,)  # a registry of this test's own
    request = EnrollmentRequest(unit_no="U1", cert_no="", name="", start="202209", insurance=("310",))
    found = region.check(request, today=datetime.date(2022, 9, 15))
    missing = [p for p in found if p.code == "missing_field"]
    assert {p.field for p in missing} >= {"cert_no", "name"}
    assert {p.message for p in missing} == {"请填写必填项"}
    # without the rule the engine's own wording names the field
    plain = load_registry(use_env=False).region("320500").check(request, today=datetime.date(2022, 9, 15))
    assert "姓名不能为空" in [p.message for p in plain]


DOCUMENTS = (
    "henan-unit-hall-guide.txt",
    "hebei-qianan-unit-hall-procedures.txt",
    "jiangsu-unit-hall-user-manual.txt",
    "jiangsu-suzhou-unit-hall-training.txt",
    "liaoning-dalian-unit-hall-user-manual.txt",
)


def test_every_message_either_cites_a_source_or_is_medins_own() -> None:
    from medins_core.operations.catalogue import MEDINS  # noqa: PLC0415

    for entry in CATALOGUE.values():
        if entry.wording == MEDINS:
            assert not entry.message, f"{entry.code}: a fixed portal message needs its source"
            continue
        cited = entry.wording.removeprefix("after ")
        assert cited.startswith(DOCUMENTS), entry.code
        # a document and a place in it, not a document alone
        assert len(cited.split(" ", 1)) == 2 and cited.split(" ", 1)[1].strip(), entry.code


def test_codes_md_says_which_wording_is_whose() -> None:
    page = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")
    assert "| `unit_mismatch` |" in page and "medins’s own |" in page
    assert "liaoning-dalian-unit-hall-user-manual.txt 4.8.1 常见失败原因 |" in page
