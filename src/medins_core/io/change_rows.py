"""One row of the ``change`` template as a :class:`~medins_core.operations.ChangeRequest`.

A row names one item (变更项目) of one unit or person, its old value (原值) and its new one
(新值): the request's old record holds the old value and the new record the new one, every
other field alike, so the check sees exactly that one field change. Attachments (附件) are
file names (no paths), read from the batch file's folder or the one given.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from medins_core.codes import RESIDENT_ID
from medins_core.errors import InputError
from medins_core.ids import mask_text
from medins_core.io.attachment_files import read_attachment
from medins_core.operations import ChangeRequest, PersonRecord, Problem, UnitRecord
from medins_core.operations.change_records import labels_of

__all__ = ["change_request", "item_field"]

# the template's drop-down choices
_SUBJECTS: dict[str, type[UnitRecord] | type[PersonRecord]] = {"单位": UnitRecord, "职工": PersonRecord}
_KINDS = {"关键信息变更": "key", "非关键信息变更": "non_key"}
_SEPARATORS = re.compile(r"[;；、\n]")


def _with(record: UnitRecord | PersonRecord, field: str, value: str) -> UnitRecord | PersonRecord:
    changes: dict[str, Any] = {field: value}
    return attrs.evolve(record, **changes)


def item_field(record: type[UnitRecord] | type[PersonRecord], item: str) -> str | None:
    """The record field a 变更项目 cell names (its Chinese label or its field name), or None."""
    labels = labels_of(record)
    text = item.strip()
    if text in labels:
        return text
    return next((field for field, label in labels.items() if label == text), None)


def change_request(
    get: Callable[[str], str],
    *,
    unit_no: str,
    attachments_dir: Path | None,
    max_bytes: int,
    problems: list[Problem],
) -> ChangeRequest:
    """The request of one row (``get`` reads a cell by field); a row that names no record or
    no known item raises :class:`~medins_core.errors.InputError` (that row's answer)."""
    subject = get("subject").strip()
    record = _SUBJECTS.get(subject)
    if record is None:
        if not subject:
            raise InputError("missing_field", "变更对象不能为空", field="subject")
        message = f"变更对象「{mask_text(subject)}」应为单位或职工"
        raise InputError("invalid_choice", message, field="subject")
    field = item_field(record, get("item"))
    if field is None:
        raise InputError(
            "unknown_change_item",
            f"变更项目「{mask_text(get('item'))}」不是{'单位' if record is UnitRecord else '职工'}信息的指标项",
            field="item",
        )
    if record is UnitRecord:
        uscc = get("uscc").strip().upper()
        base: UnitRecord | PersonRecord = UnitRecord(uscc=uscc, name=get("name"))
        identity = "uscc"
    else:
        base = PersonRecord(
            cert_type=get("cert_type") or RESIDENT_ID,
            cert_no=get("cert_no").strip().upper(),
            name=get("name"),
        )
        identity = "cert_no"
    if not getattr(base, identity) and field != identity:
        label = labels_of(record)[identity]
        problems.append(Problem("missing_field", identity, f"{label}不能为空"))
    kind = _KINDS.get(get("kind").strip()) if get("kind").strip() else None
    names = [n.strip() for n in _SEPARATORS.split(get("attachments")) if n.strip()]
    attachment_kind = "material" if kind == "non_key" else "stamped_form"
    files = []
    for name in names:
        # a cell names a file in the folder, never a path elsewhere on the machine
        if name not in (".", "..") and "/" not in name and "\\" not in name:
            path = (attachments_dir or Path()) / name
            try:
                files.append(read_attachment(path, kind=attachment_kind, max_bytes=max_bytes))
                continue
            except InputError:
                pass
        message = f"找不到附件文件「{mask_text(name)}」(应为与模板同一文件夹中的文件名)"
        problems.append(Problem("attachment_not_found", "attachments", message))
    return ChangeRequest(
        old=_with(base, field, get("old")),
        new=_with(base, field, get("new")),
        kind=kind,
        unit_no=unit_no,
        attachments=tuple(files),
    )
