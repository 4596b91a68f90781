"""Reading attachment files (scanned stamped forms) for :mod:`medins_core.operations.attachments`.

A file larger than the limit in force is not read whole: its first :data:`HEAD_BYTES` (enough
for the format and the image header) and its real size are kept, so the check refuses it for
its size and still says what it is.
"""

from __future__ import annotations

from pathlib import Path

from medins_core.errors import InputError
from medins_core.io.limits import MAX_ATTACHMENT_BYTES
from medins_core.io.output import note_input
from medins_core.operations.change_records import Attachment
from medins_core.params import RegionRules

__all__ = ["HEAD_BYTES", "attachment_limit", "read_attachment"]

#: How much of an over-limit file is read: JPEG frame headers follow EXIF segments of up to
#: 64 KB each, so a few of them fit.
HEAD_BYTES = 1024 * 1024


def attachment_limit(rules: RegionRules | None) -> int:
    """The size limit in force: the region's ``attachment_max_bytes``, else medins's own."""
    rule = None if rules is None else rules.rule("attachment_max_bytes")
    return MAX_ATTACHMENT_BYTES if rule is None else int(rule.value)


def read_attachment(
    path: str | Path, *, kind: str = "stamped_form", max_bytes: int = MAX_ATTACHMENT_BYTES
) -> Attachment:
    """The :class:`Attachment` of the file at ``path`` (its name is the file's own name).

    A missing file is ``file_not_found``, a folder ``not_a_file``, an unreadable one
    ``file_unreadable`` (:class:`~medins_core.errors.InputError`, naming the file).
    """
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise InputError("file_not_found", "附件文件不存在", file=file)
    if not path.is_file():
        raise InputError("not_a_file", "附件不是普通文件", file=file)
    try:
        size = path.stat().st_size
        note_input(path)
        with path.open("rb") as stream:
            content = stream.read(max_bytes + 1 if size <= max_bytes else HEAD_BYTES)
    except OSError as exc:
        raise InputError("file_unreadable", f"无法读取附件: {exc.strerror}", file=file) from None
    return Attachment(path.name, content, kind=kind, size=max(size, len(content)))
