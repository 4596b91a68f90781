"""Attachments (附件材料): the scanned stamped forms a business uploads, checked by their bytes.

henan-unit-hall-guide.txt (职工参保登记, 职工中断参保, 关键信息变更): "将盖章的纸质表扫描或拍照,
修改为jpg或png格式的图片文件 … 作为附件材料上传至系统中。登记表、申请表等均为必传材料". A file is
judged by its content (magic bytes), never by its name: a PDF renamed ``form.jpg`` is refused.
Width and height are read from the PNG and JPEG headers here (no image library).

Which formats a region takes and which attachments an operation needs are region rules
(``attachment_formats``, ``attachments_required``). The sources give no size or pixel limit:
``attachment_max_bytes``, ``attachment_max_side`` and ``attachment_min_side`` are for the
operator to supply, and without them medins applies only its own safety limits
(:data:`~medins_core.io.limits.MAX_ATTACHMENT_BYTES`,
:data:`~medins_core.io.limits.MAX_ATTACHMENT_PIXELS`), which are not the portals'.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePath

import attrs

from medins_core.ids import mask_text
from medins_core.io.limits import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_PIXELS
from medins_core.operations._common import _rule
from medins_core.operations.change_records import Attachment
from medins_core.operations.problems import Problem, _error
from medins_core.params import RegionRules

__all__ = [
    "FORMATS",
    "PURPOSES",
    "ImageInfo",
    "check_attachment",
    "check_attachments",
    "image_info",
    "required_attachments",
    "sniff",
]

#: What the files are, by content: format → its Chinese name. Only jpeg and png are images
#: whose size medins reads; the others are recognised so that a refusal can name them.
FORMATS = {
    "jpeg": "JPEG(jpg)图片", "png": "PNG图片", "pdf": "PDF文档", "gif": "GIF图片",
    "bmp": "BMP图片", "webp": "WebP图片", "tiff": "TIFF图片", "heic": "HEIC图片(手机照片)",
    "zip": "ZIP压缩包或Office文档",
}  # fmt: skip

#: What an attachment may be needed for: the keys of the ``attachments_required`` rule.
PURPOSES = ("enrollment", "suspension", "unit_key", "unit_non_key", "person_key", "person_non_key")

_KIND_NAMES = {"stamped_form": "盖章的纸质表(扫描件或照片)", "material": "附件材料"}

_EXTENSIONS = {
    ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".png": "png", ".pdf": "pdf",
    ".gif": "gif", ".bmp": "bmp", ".webp": "webp", ".tif": "tiff", ".tiff": "tiff",
    ".heic": "heic", ".heif": "heic", ".zip": "zip", ".docx": "zip", ".xlsx": "zip",
}  # fmt: skip

_PNG = b"\x89PNG\r\n\x1a\n"


@attrs.frozen
class ImageInfo:
    """An image's format and size in pixels, as its header states them."""

    format: str
    width: int
    height: int


def sniff(content: bytes) -> str | None:
    """The format of ``content`` by its first bytes (a key of :data:`FORMATS`), or None."""
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content.startswith(_PNG):
        return "png"
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if content.startswith(b"BM") and len(content) >= 26:
        return "bmp"
    if content.startswith(b"RIFF") and content[8:12] == b"WEBP":
        return "webp"
    if content[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if content[4:8] == b"ftyp" and content[8:12] in (b"heic", b"heix", b"hevc", b"mif1", b"msf1"):
        return "heic"
    if content.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def image_info(content: bytes) -> ImageInfo | None:
    """Format, width and height of a PNG or JPEG from its header; None when it cannot be read."""
    kind = sniff(content)
    if kind == "png":
        # the first chunk is IHDR: length, type, then width and height (big-endian)
        if len(content) < 24 or content[12:16] != b"IHDR":
            return None
        return ImageInfo("png", int.from_bytes(content[16:20]), int.from_bytes(content[20:24]))
    if kind == "jpeg":
        size = _jpeg_size(content)
        return None if size is None else ImageInfo("jpeg", *size)
    return None


# start-of-frame markers: every SOFn but DHT (C4), JPG (C8) and DAC (CC)
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's first start-of-frame segment, walking the segments."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # no length
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no frame header came
            return None
        length = int.from_bytes(data[i + 2 : i + 4])
        if length < 2:
            return None
        if marker in _SOF:
            if i + 9 > len(data) or length < 7:
                return None
            height = int.from_bytes(data[i + 5 : i + 7])
            width = int.from_bytes(data[i + 7 : i + 9])
            return (width, height) if width and height else None
        i += 2 + length
    return None


def _named(attachment: Attachment) -> str:
    # a scan is often named after the person: the name is masked like any echoed value
    return f"附件「{mask_text(attachment.name)}」" if attachment.name else "附件"


def _extension_format(name: str) -> str | None:
    return _EXTENSIONS.get(PurePath(name).suffix.lower()) if name else None


def _format_list(formats: Iterable[str]) -> str:
    return "或".join({"jpeg": "jpg"}.get(f, f) for f in formats)


def check_attachment(attachment: Attachment, *, rules: RegionRules) -> list[Problem]:
    """Every problem of one attachment in ``rules``' region: content, name, size, pixels.

    Region rules read: ``attachment_formats``, ``attachment_max_bytes``,
    ``attachment_max_side``, ``attachment_min_side``.
    """
    what = _named(attachment)
    if attachment.byte_size == 0:
        return [_error("attachment_empty", "attachments", f"{what}是空文件")]
    problems: list[Problem] = []
    max_bytes = _rule(rules, "attachment_max_bytes")
    limit = MAX_ATTACHMENT_BYTES if max_bytes is None else int(max_bytes)
    if attachment.byte_size > limit:
        whose = f"{rules.name}规定" if max_bytes is not None else "medins 安全上限"
        problems.append(
            _error(
                "attachment_too_large",
                "attachments",
                f"{what}大小为 {attachment.byte_size} 字节，超过{whose} {limit} 字节",
            )
        )
    found = sniff(attachment.content)
    named = _extension_format(attachment.name)
    shown = FORMATS.get(found or "", "无法识别的文件")
    if named is not None and found != named:
        suffix = PurePath(attachment.name).suffix
        problems.append(
            _error(
                "attachment_type_mismatch",
                "attachments",
                f"{what}的扩展名为 {suffix}，内容却是{shown}；请上传真正的图片，勿只修改文件名",
            )
        )
    formats = _rule(rules, "attachment_formats")
    if formats is not None and found not in formats:
        problems.append(
            _error(
                "attachment_format",
                "attachments",
                f"{what}应为{_format_list(formats)}格式的图片文件，此文件是{shown}",
            )
        )
    if found in ("jpeg", "png"):
        problems += _dimensions(attachment, rules, what)
    return problems


def _dimensions(attachment: Attachment, rules: RegionRules, what: str) -> list[Problem]:
    info = image_info(attachment.content)
    if info is None:
        return [_error("attachment_unreadable", "attachments", f"{what}的图片头部损坏，无法读取尺寸")]
    size = f"{info.width}×{info.height} 像素"
    most, least = _rule(rules, "attachment_max_side"), _rule(rules, "attachment_min_side")
    if info.width * info.height > MAX_ATTACHMENT_PIXELS:
        return [
            _error(
                "attachment_dimensions",
                "attachments",
                f"{what}为 {size}，超过 medins 安全上限 {MAX_ATTACHMENT_PIXELS} 像素",
            )
        ]
    if most is not None and max(info.width, info.height) > int(most):
        return [
            _error(
                "attachment_dimensions",
                "attachments",
                f"{what}为 {size}，长边超过{rules.name}规定的 {int(most)} 像素",
            )
        ]
    if least is not None and min(info.width, info.height) < int(least):
        return [
            _error(
                "attachment_dimensions",
                "attachments",
                f"{what}为 {size}，短边不足{rules.name}规定的 {int(least)} 像素，可能无法辨认",
            )
        ]
    return []


def required_attachments(rules: RegionRules, purpose: str) -> tuple[str, ...]:
    """The attachment kinds ``purpose`` (one of :data:`PURPOSES`) needs in this region."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}; one of {', '.join(PURPOSES)}")
    table = _rule(rules, "attachments_required") or {}
    return tuple(str(kind) for kind in table.get(purpose, ()))


def check_attachments(
    attachments: Iterable[Attachment], *, rules: RegionRules, purpose: str | None = None
) -> list[Problem]:
    """Every problem of the attachments of one business: each file's own, then what is missing.

    With ``purpose`` (:data:`PURPOSES`), each kind the region's ``attachments_required`` names
    for it must be among the attachments (``attachment_missing``).
    """
    attachments = tuple(attachments)
    problems = [p for a in attachments for p in check_attachment(a, rules=rules)]
    if purpose is not None:
        present = {a.kind for a in attachments}
        for kind in required_attachments(rules, purpose):
            if kind not in present:
                problems.append(
                    _error(
                        "attachment_missing",
                        "attachments",
                        f"缺少必传材料: {_KIND_NAMES.get(kind, kind)}",
                    )
                )
    return problems
