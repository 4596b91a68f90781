"""Key and non-key information changes: which fields changed, whether each may, what it needs."""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from _images import PDF, jpeg, png
from hypothesis import given
from hypothesis import strategies as st

from medins_core.datafile import Rule, Status
from medins_core.operations import (
    Attachment,
    ChangeRequest,
    PersonRecord,
    UnitRecord,
    accepted,
    changed_fields,
    check_change,
)
from medins_core.params import RegionRules
from medins_core.region import Region
from medins_core.registry import load_registry

REGISTRY = load_registry(use_env=False)
TODAY = date(2024, 3, 1)
ID = "11010519491231002X"
USCC = "91350100M000100Y43"
PERSON = PersonRecord(cert_no=ID, name="张三", mobile="13812345678", education="大学本科")
UNIT = UnitRecord(uscc=USCC, name="某某有限公司", account="abc12345", address="郑州市")
FORM = Attachment("变更表.jpg", jpeg(1240, 1754))


def region(code: str, **values: object) -> Region:
    """A fresh region of this test, with extra rules (an operator's overlay)."""
    found = load_registry(use_env=False).region(code)
    found.rules.rules.update({n: (Rule(n, v, "test", Status.VERIFIED),) for n, v in values.items()})
    return found


def codes(request: ChangeRequest, where: Region) -> list[str]:
    return [p.code for p in where.check(request, today=TODAY)]


def test_changed_fields_lists_each_differing_field_in_record_order_with_its_labels() -> None:
    new = attrs.evolve(PERSON, mobile="13912345678", education=" 硕士研究生 ", name=" 张三 ")
    found = changed_fields(ChangeRequest(PERSON, new), rules=REGISTRY.region("320500").rules)
    assert [(c.field, c.label, c.old, c.new) for c in found] == [
        ("mobile", "手机号码", "13812345678", "13912345678"),
        ("education", "学历", "大学本科", " 硕士研究生 "),
    ]  # blanks around a value are not a change
    assert {c.verdict for c in found} == {"unknown"} and all(c.allowed for c in found)


def test_nothing_changed_is_a_warning_only() -> None:
    problems = check_change(ChangeRequest(PERSON, PERSON), region=REGISTRY.region("320500"), today=TODAY)
    assert [p.code for p in problems] == ["nothing_changed"] and accepted(problems)


def test_a_region_without_change_rules_lets_any_field_change_and_asks_for_no_form() -> None:
    new = attrs.evolve(PERSON, name="张四", education="硕士研究生")
    for code in ("320500", "130200", "210200"):
        assert codes(ChangeRequest(PERSON, new, kind="key"), REGISTRY.region(code)) == []
        assert codes(ChangeRequest(PERSON, new), REGISTRY.region(code)) == ["change_kind_unknown"]


def test_henan_refuses_changing_the_uscc_or_the_account() -> None:
    henan = REGISTRY.region("410000")
    for field, value in (("uscc", "91350100M000100Y43".replace("Y", "X")), ("account", "abc99999")):
        request = ChangeRequest(UNIT, attrs.evolve(UNIT, **{field: value}), kind="key", attachments=(FORM,))
        problems = henan.check(request, today=TODAY)
        refused = [p for p in problems if p.is_error]
        assert [(p.code, p.field) for p in refused] == [("field_not_editable", field)]
        assert refused[0].message.endswith("不可修改")
    # the same change elsewhere is free, and the bad check character then counts
    bad = ChangeRequest(UNIT, attrs.evolve(UNIT, uscc=USCC[:-1] + "X"), kind="non_key")
    assert codes(bad, REGISTRY.region("320500")) == ["invalid_uscc"]
    assert changed_fields(bad, rules=henan.rules)[0].verdict == "not_editable"


@pytest.mark.parametrize(
    ("old", "new"),
    [(PERSON, attrs.evolve(PERSON, name="张四")), (UNIT, attrs.evolve(UNIT, address="开封市"))],
)
def test_a_henan_key_change_needs_its_stamped_form(old: PersonRecord | UnitRecord, new: PersonRecord | UnitRecord) -> None:
    henan = REGISTRY.region("410000")
    without = ChangeRequest(old, new, kind="key")
    assert codes(without, henan) == ["editable_fields_unknown", "attachment_missing"]
    with_form = attrs.evolve(without, attachments=(FORM,))
    assert codes(with_form, henan) == ["editable_fields_unknown"] and accepted(henan.check(with_form, today=TODAY))
    # a PDF renamed .jpg is no stamped form: refused for its content
    renamed = attrs.evolve(without, attachments=(Attachment("变更表.jpg", PDF),))
    assert codes(renamed, henan) == ["editable_fields_unknown", "attachment_type_mismatch", "attachment_format"]
    # no key list: the declared kind decides, and names the form
    assert [(c.verdict, c.attachments) for c in changed_fields(with_form, rules=henan.rules)] == [
        ("key", ("stamped_form",))
    ]


def test_henan_non_key_changes_a_person_uploads_nothing_a_unit_uploads_material() -> None:
    henan = REGISTRY.region("410000")
    person = ChangeRequest(PERSON, attrs.evolve(PERSON, education="硕士研究生"), kind="non_key")
    assert codes(person, henan) == []
    unit = ChangeRequest(UNIT, attrs.evolve(UNIT, address="开封市"), kind="non_key")
    assert codes(unit, henan) == ["attachment_missing"]
    material = Attachment("材料.png", png(800, 600), kind="material")
    assert codes(attrs.evolve(unit, attachments=(material,)), henan) == []


def test_without_a_kind_henan_cannot_tell_which_service_and_checks_no_attachment() -> None:
    henan = REGISTRY.region("410000")
    request = ChangeRequest(PERSON, attrs.evolve(PERSON, name="张四"))
    assert codes(request, henan) == ["change_kind_unknown", "editable_fields_unknown"]


def test_operator_lists_decide_editable_and_key_fields() -> None:
    henan = region(
        "410000",
        change_person_editable_fields=["name", "mobile", "education"],
        change_person_key_fields=["name", "cert_no"],
    )
    name = ChangeRequest(PERSON, attrs.evolve(PERSON, name="张四"))
    [change] = changed_fields(name, rules=henan.rules)
    assert (change.verdict, change.needs_approval, change.attachments) == ("key", True, ("stamped_form",))
    assert codes(name, henan) == ["attachment_missing"]  # told key by the data: the form is required
    assert codes(attrs.evolve(name, attachments=(FORM,)), henan) == []
    assert codes(attrs.evolve(name, kind="non_key"), henan) == ["key_field_in_non_key_change"]
    mobile = ChangeRequest(PERSON, attrs.evolve(PERSON, mobile="13912345678"))
    assert changed_fields(mobile, rules=henan.rules)[0].verdict == "non_key"
    assert codes(mobile, henan) == []  # a person's non-key change needs nothing
    # the ID number is key but not editable: not editable wins, and it is not validated
    cert = ChangeRequest(PERSON, attrs.evolve(PERSON, cert_no="110105194912310021"), kind="key", attachments=(FORM,))
    found = henan.check(cert, today=TODAY)
    assert [(p.code, p.field) for p in found] == [("field_not_editable", "cert_no")]
    assert "铅笔图标" in found[0].message


def test_changed_identity_and_contact_values_are_checked() -> None:
    suzhou = REGISTRY.region("320500")
    bad_id = ChangeRequest(PERSON, attrs.evolve(PERSON, cert_no="110105194912310021"), kind="key")
    assert codes(bad_id, suzhou) == ["invalid_cert_no"]
    bad_mobile = ChangeRequest(PERSON, attrs.evolve(PERSON, mobile="1381234567"), kind="non_key")
    assert codes(bad_mobile, suzhou) == ["invalid_mobile"]
    legal = ChangeRequest(UNIT, attrs.evolve(UNIT, legal_rep_cert_no="110105194912310021", legal_rep_mobile="123"), kind="key")
    assert codes(legal, suzhou) == ["invalid_cert_no", "invalid_mobile"]
    # an unchanged bad value is the record's, not this change's
    old = attrs.evolve(PERSON, mobile="123")
    assert codes(ChangeRequest(old, attrs.evolve(old, education="硕士研究生"), kind="non_key"), suzhou) == []


def test_a_change_is_one_subject_and_a_known_kind() -> None:
    with pytest.raises(TypeError):
        ChangeRequest(PERSON, UNIT)
    with pytest.raises(ValueError):
        ChangeRequest(PERSON, PERSON, kind="minor")
    assert ChangeRequest(UNIT, UNIT).subject == "unit" and ChangeRequest(PERSON, PERSON).subject == "person"


FIELDS = [f.name for f in attrs.fields(PersonRecord)]


@given(
    st.dictionaries(st.sampled_from(FIELDS), st.text(alphabet="abc测试 ", max_size=4), max_size=8),
    st.sets(st.sampled_from(FIELDS), max_size=10),
    st.sets(st.sampled_from(FIELDS), max_size=10),
)
def test_each_changed_field_is_refused_exactly_when_not_editable(
    changes: dict[str, str], editable: set[str], key: set[str]
) -> None:
    rules: RegionRules = attrs.evolve(
        REGISTRY.region("320500").rules,
        rules={
            "change_person_editable_fields": (Rule("change_person_editable_fields", sorted(editable), "t", Status.VERIFIED),),
            "change_person_key_fields": (Rule("change_person_key_fields", sorted(key), "t", Status.VERIFIED),),
        },
    )
    old = PersonRecord(cert_type="护照")  # no ID format to trip over
    new = attrs.evolve(old, **changes)
    request = ChangeRequest(old, new, kind="non_key")
    differing = {f for f in FIELDS if getattr(old, f).strip() != getattr(new, f).strip()}
    found = changed_fields(request, rules=rules)
    assert {c.field for c in found} == differing
    verdicts = {c.field: c.verdict for c in found}
    assert {f for f, v in verdicts.items() if v == "not_editable"} == differing - editable
    assert {f for f, v in verdicts.items() if v == "key"} == differing & editable & key
    fake = Region(rules, REGISTRY.plugin_manager, [])
    problems = check_change(request, region=fake, today=TODAY)
    refused = {(p.code, p.field) for p in problems if p.code != "invalid_mobile"}
    assert refused == {("field_not_editable", f) for f in differing - editable} | {
        ("key_field_in_non_key_change", f) for f in differing & editable & key
    } | ({("nothing_changed", "")} if not differing else set())


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("change_person_editable_fields", '["mobil"]', "不是 PersonRecord 的字段"),
        ("change_unit_key_fields", '["cert_no"]', "不是 UnitRecord 的字段"),
        ("change_marked_fields_only", '["unit"]', "应为 unit_key"),
        ("attachments_required", '{ change = ["stamped_form"] }', "应为 enrollment"),
        ("attachments_required", '{ unit_key = [] }', "列表应有 1"),
        ("attachment_formats", '["pdf"]', "应为 jpeg、png 之一"),
        ("attachment_max_bytes", "1023", "应在 1024 与"),
        ("attachment_min_side", "0", "应在 1 与 65535"),
    ],
)
def test_a_wrong_change_or_attachment_rule_fails_at_load(tmp_path: object, name: str, value: str, words: str) -> None:
    from pathlib import Path

    from medins_core.datafile import parse_region_file
    from medins_core.errors import DataFileError

    path = Path(str(tmp_path)) / "990100.toml"
    path.write_text(
        '[region]\ncode = "990100"\nname = "测试市"\ndefault_lines = ["310"]\n'
        f'\n[[rules]]\nname = "{name}"\nvalue = {value}\nsource = "test"\nstatus = "verified"\n',
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as caught:
        parse_region_file(path)
    assert caught.value.field == "rules[0].value" and words in caught.value.message


def test_the_change_page_names_every_record_field_with_its_label() -> None:
    from pathlib import Path

    from medins_core.operations.change_records import PERSON_LABELS, UNIT_LABELS

    page = (Path(__file__).parent.parent / "docs" / "operations" / "change.md").read_text(encoding="utf-8")
    for record, labels in ((UnitRecord, UNIT_LABELS), (PersonRecord, PERSON_LABELS)):
        assert list(labels) == [f.name for f in attrs.fields(record)]
        assert all(f"`{field}` {label}" in page for field, label in labels.items())
