"""Attachments: judged by their bytes (not their names), their size and their pixels."""

from __future__ import annotations

import attrs
import pytest
from _images import PDF, jpeg, png
from hypothesis import given
from hypothesis import strategies as st

from medins_core.datafile import Rule, Status
from medins_core.io.limits import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_PIXELS
from medins_core.operations import Attachment, check_attachment, check_attachments
from medins_core.operations.attachments import PURPOSES, image_info, required_attachments, sniff
from medins_core.params import RegionRules
from medins_core.registry import load_registry

REGISTRY = load_registry(use_env=False)
HENAN = REGISTRY.region("410000").rules
SUZHOU = REGISTRY.region("320500").rules


def with_rules(rules: RegionRules, **values: object) -> RegionRules:
    extra = {name: (Rule(name, value, "test", Status.VERIFIED),) for name, value in values.items()}
    return attrs.evolve(rules, rules={**rules.rules, **extra})


def codes(attachment: Attachment, rules: RegionRules = HENAN) -> list[str]:
    return [p.code for p in check_attachment(attachment, rules=rules)]


@pytest.mark.parametrize("content", [png(2480, 3508), jpeg(2480, 3508), jpeg(800, 600, sof=0xC2)])
@pytest.mark.parametrize("name", ["登记表.jpg", "登记表.PNG", "scan", ""])
def test_a_henan_scan_passes_whatever_image_extension_it_has_if_its_content_agrees(
    content: bytes, name: str
) -> None:
    found = codes(Attachment(name, content))
    suffix_format = {".jpg": "jpeg", ".png": "png"}.get(name[-4:].lower())
    if suffix_format is None or suffix_format == sniff(content):
        assert found == []
    else:  # a PNG named .jpg is still a mismatch, though Henan takes both
        assert found == ["attachment_type_mismatch"]


def test_a_pdf_renamed_jpg_is_refused_for_its_content_in_every_region() -> None:
    renamed = Attachment("登记表.jpg", PDF)
    assert codes(renamed) == ["attachment_type_mismatch", "attachment_format"]
    assert codes(renamed, SUZHOU) == ["attachment_type_mismatch"]  # no format rule: the name still lies
    message = check_attachment(renamed, rules=HENAN)[0].message
    assert "PDF" in message and ".jpg" in message
    # an honest PDF is refused in Henan (jpg or png only) and accepted where no rule says
    assert codes(Attachment("登记表.pdf", PDF)) == ["attachment_format"]
    assert codes(Attachment("登记表.pdf", PDF), SUZHOU) == []


def test_unknown_content_and_empty_files() -> None:
    assert codes(Attachment("a.jpg", b"hello world")) == ["attachment_type_mismatch", "attachment_format"]
    assert codes(Attachment("a.jpg", b"")) == ["attachment_empty"]
    assert codes(Attachment("a.jpg", b""), SUZHOU) == ["attachment_empty"]


def test_a_damaged_header_is_unreadable() -> None:
    assert codes(Attachment("a.png", png(100, 100)[:20])) == ["attachment_unreadable"]
    assert codes(Attachment("a.jpg", b"\xff\xd8\xff\xd9")) == ["attachment_unreadable"]
    assert codes(Attachment("a.jpg", jpeg(0, 10))) == ["attachment_unreadable"]


def test_size_is_medins_safety_limit_unless_the_operator_states_one() -> None:
    head = png(1000, 1000)
    at_limit = Attachment("a.png", head, size=MAX_ATTACHMENT_BYTES)
    assert codes(at_limit) == []
    over = attrs.evolve(at_limit, size=MAX_ATTACHMENT_BYTES + 1)
    found = check_attachment(over, rules=HENAN)
    assert [p.code for p in found] == ["attachment_too_large"]
    assert "medins 安全上限" in found[0].message  # never presented as the portal's
    operator = with_rules(HENAN, attachment_max_bytes=2048)
    assert codes(attrs.evolve(at_limit, size=2048), operator) == []
    refused = check_attachment(attrs.evolve(at_limit, size=2049), rules=operator)
    assert refused[0].code == "attachment_too_large" and "河南省规定 2048" in refused[0].message


def test_pixels_beyond_the_safety_limit_and_the_operators_sides() -> None:
    side = int(MAX_ATTACHMENT_PIXELS**0.5)
    assert codes(Attachment("a.png", png(side, side))) == []
    assert codes(Attachment("a.png", png(side + 1, side + 1))) == ["attachment_dimensions"]
    operator = with_rules(HENAN, attachment_max_side=4000, attachment_min_side=600)
    assert codes(Attachment("a.jpg", jpeg(4000, 600)), operator) == []
    assert codes(Attachment("a.jpg", jpeg(4001, 600)), operator) == ["attachment_dimensions"]
    assert codes(Attachment("a.jpg", jpeg(4000, 599)), operator) == ["attachment_dimensions"]


def test_henan_requires_the_stamped_form_where_its_guide_says() -> None:
    form = Attachment("表.jpg", jpeg(800, 1100))
    assert required_attachments(HENAN, "enrollment") == ("stamped_form",)
    assert required_attachments(HENAN, "person_non_key") == ()
    assert check_attachments([form], rules=HENAN, purpose="person_key") == []
    missing = check_attachments([], rules=HENAN, purpose="person_key")
    assert [p.code for p in missing] == ["attachment_missing"]
    other = Attachment("材料.jpg", jpeg(800, 1100), kind="material")
    assert [p.code for p in check_attachments([other], rules=HENAN, purpose="unit_key")] == [
        "attachment_missing"
    ]
    assert check_attachments([other], rules=HENAN, purpose="unit_non_key") == []
    # a region without the rule requires nothing, for every purpose
    assert all(check_attachments([], rules=SUZHOU, purpose=p) == [] for p in PURPOSES)
    with pytest.raises(ValueError):
        required_attachments(HENAN, "change")


@given(st.integers(1, 65535), st.integers(1, 65535))
def test_image_size_reads_back_from_png_and_jpeg_headers(width: int, height: int) -> None:
    for content, kind in ((png(width, height), "png"), (jpeg(width, height), "jpeg")):
        info = image_info(content)
        assert info is not None and (info.format, info.width, info.height) == (kind, width, height)


@given(st.binary(max_size=200), st.sampled_from(["a.jpg", "a.png", "a.pdf", "a", "a.txt"]))
def test_any_bytes_under_any_name_get_an_answer_never_an_exception(content: bytes, name: str) -> None:
    found = check_attachment(Attachment(name, content), rules=HENAN)
    kind = sniff(content)
    assert all(p.is_error for p in found)
    # Henan accepts exactly the readable jpeg and png files whose names do not lie
    readable = kind in ("jpeg", "png") and image_info(content) is not None
    honest = name in ("a", "a.txt") or {"a.jpg": "jpeg", "a.png": "png", "a.pdf": "pdf"}[name] == kind
    assert (found == []) == (readable and honest and bool(content))


@given(st.binary(min_size=1, max_size=64))
def test_a_pdf_is_a_pdf_whatever_follows_its_signature(tail: bytes) -> None:
    assert sniff(b"%PDF-" + tail) == "pdf"
    assert "attachment_type_mismatch" in codes(Attachment("x.jpeg", b"%PDF-" + tail))


def test_attachment_kinds_are_checked() -> None:
    with pytest.raises(ValueError):
        Attachment("a.jpg", b"", kind="photo")


@given(st.binary(max_size=300))
def test_any_bytes_after_a_jpeg_or_png_signature_read_or_fail_cleanly(tail: bytes) -> None:
    for content in (b"\xff\xd8\xff" + tail, b"\x89PNG\r\n\x1a\n" + tail):
        info = image_info(content)
        assert info is None or (0 <= info.width <= 0xFFFFFFFF and 0 <= info.height <= 0xFFFFFFFF)


def test_a_file_named_after_a_person_is_masked_in_every_message() -> None:
    named = Attachment("11010519491231002X_13812345678.jpg", PDF)
    messages = " ".join(p.message for p in check_attachment(named, rules=HENAN))
    assert "11010519491231002X" not in messages and "13812345678" not in messages
    assert "1101" in messages and "5678" in messages
