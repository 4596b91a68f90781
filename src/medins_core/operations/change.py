"""Key and non-key information changes (关键/非关键信息变更): docs/operations/change.md.

henan-unit-hall-guide.txt, services 13–16 (单位/职工参保关键信息变更, 单位/职工参保非关键信息变更):
"仅可修改末尾有'铅笔图标'的指标项"; a key change prints the form, which is stamped (加盖公章) and
uploaded as an attachment. Which fields may change and which are key is region data; the
check compares the old record with the new one field by field.
"""

from __future__ import annotations

from datetime import date

import attrs

from medins_core.errors import InputError
from medins_core.ids import parse_uscc
from medins_core.operations._common import RegionLike, _identity, _mobile, _rule
from medins_core.operations.attachments import check_attachments
from medins_core.operations.change_records import (
    ChangeRequest,
    PersonRecord,
    UnitRecord,
    labels_of,
)
from medins_core.operations.problems import Problem, _error, _warning
from medins_core.operations.requests import CheckContext
from medins_core.params import RegionRules

#: What :func:`changed_fields` says of one field: it may not change online, it is key
#: information (review and the stamped form), it is not, or the region's data does not say.
VERDICTS = ("not_editable", "key", "non_key", "unknown")

_SUBJECT_NAMES = {"unit": "单位", "person": "职工"}


@attrs.frozen
class FieldChange:
    """One field that differs between the old and the new record, and what it takes."""

    field: str
    label: str
    old: str
    new: str
    verdict: str
    #: attachment kinds the region requires for a change of this field's kind
    attachments: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """Whether the field may change online at all."""
        return self.verdict != "not_editable"

    @property
    def needs_approval(self) -> bool:
        """A key change is reviewed by the agency (待审核) before it takes effect."""
        return self.verdict == "key"


def _fields(rules: RegionRules, subject: str, which: str) -> frozenset[str] | None:
    value = _rule(rules, f"change_{subject}_{which}_fields")
    return None if value is None else frozenset(str(f) for f in value)


def changed_fields(request: ChangeRequest, *, rules: RegionRules) -> list[FieldChange]:
    """The fields whose value differs between ``request.old`` and ``request.new``, in record order.

    Region rules read: ``change_<subject>_fixed_fields``, ``change_<subject>_editable_fields``,
    ``change_<subject>_key_fields`` (subject ``unit`` or ``person``) and ``attachments_required``.
    A field of the request's declared ``kind`` counts as that kind when the region lists no
    key fields.
    """
    subject = request.subject
    fixed = _fields(rules, subject, "fixed") or frozenset()
    editable = _fields(rules, subject, "editable")
    key = _fields(rules, subject, "key")
    required = _rule(rules, "attachments_required") or {}
    labels = labels_of(request.old)
    found: list[FieldChange] = []
    for field in attrs.fields(type(request.old)):
        old, new = getattr(request.old, field.name), getattr(request.new, field.name)
        if old.strip() == new.strip():
            continue
        if field.name in fixed or (editable is not None and field.name not in editable):
            verdict = "not_editable"
        elif key is not None:
            verdict = "key" if field.name in key else "non_key"
        else:
            verdict = request.kind or "unknown"
        needs = tuple(str(k) for k in required.get(f"{subject}_{verdict}", ()))
        found.append(FieldChange(field.name, labels[field.name], old, new, verdict, needs))
    return found


def change_kind(request: ChangeRequest, changes: list[FieldChange]) -> str | None:
    """The kind of change this is: as declared, else key when a key field changes, else
    non-key when the region lists its key fields; None when neither tells."""
    if request.kind is not None:
        return request.kind
    if any(c.verdict == "key" for c in changes):
        return "key"
    if any(c.verdict == "non_key" for c in changes):
        return "non_key"
    return None


def check_change(
    request: ChangeRequest,
    *,
    region: RegionLike,
    today: date,
    context: CheckContext = CheckContext(),
) -> list[Problem]:
    """Every problem of a unit's or a person's information change in ``region``.

    Region rules read: those of :func:`changed_fields`, ``change_marked_fields_only``, and
    the attachment rules (``attachment_formats`` …); then the ``medins_check`` hooks.
    """
    rules = region.rules
    subject = request.subject
    changes = changed_fields(request, rules=rules)
    kind = change_kind(request, changes)
    problems: list[Problem] = []
    if not changes:
        problems.append(_warning("nothing_changed", "", "新旧信息相同，没有需要变更的指标项"))
    fixed = _fields(rules, subject, "fixed") or frozenset()
    for change in changes:
        if change.verdict == "not_editable":
            why = "" if change.field in fixed else "：仅可修改页面上标为可修改(铅笔图标)的指标项"
            problems.append(_error("field_not_editable", change.field, f"{change.label}不可修改{why}"))
        elif change.verdict == "key" and request.kind == "non_key":
            problems.append(
                _error(
                    "key_field_in_non_key_change",
                    change.field,
                    f"{change.label}是关键信息，须通过{_SUBJECT_NAMES[subject]}参保关键信息变更办理",
                )
            )
    if changes and kind is None:
        problems.append(
            _warning(
                "change_kind_unknown",
                "kind",
                f"{rules.name}的关键信息项不在源文件中：请注明是关键信息变更还是非关键信息变更",
            )
        )
    marked = {str(k) for k in _rule(rules, "change_marked_fields_only") or ()}
    kinds = {kind} if kind is not None else {"key", "non_key"}
    if (
        changes
        and _fields(rules, subject, "editable") is None
        and any(f"{subject}_{k}" in marked for k in kinds)
    ):
        problems.append(
            _warning(
                "editable_fields_unknown",
                "",
                f"{rules.name}仅可修改末尾有“铅笔图标”的指标项，源文件未列出是哪些，无法核对；"
                "可在参数文件中给出可修改的指标项",
            )
        )
    problems += _new_values(request, {c.field for c in changes if c.allowed}, today)
    purpose = f"{subject}_{kind}" if kind is not None else None
    problems += check_attachments(request.attachments, rules=rules, purpose=purpose)
    return problems + region.hook_problems("change", request, today=today, context=context)


def _new_values(request: ChangeRequest, changed: set[str], today: date) -> list[Problem]:
    """The national format checks of the changed identity and contact values."""
    new = request.new
    problems: list[Problem] = []
    if isinstance(new, PersonRecord):
        if changed & {"cert_no", "cert_type"} and new.cert_no.strip():
            problems += _identity(new.cert_type, new.cert_no, today)[0]
        if "mobile" in changed:
            problems += _mobile(new.mobile, "mobile")
    elif isinstance(new, UnitRecord):
        if "uscc" in changed and new.uscc.strip():
            try:
                parse_uscc(new.uscc)
            except InputError as exc:
                problems.append(_error(exc.code, "uscc", exc.message))
        if changed & {"legal_rep_cert_no", "legal_rep_cert_type"} and new.legal_rep_cert_no.strip():
            problems += _identity(
                new.legal_rep_cert_type, new.legal_rep_cert_no, today, field="legal_rep_cert_no"
            )[0]
        if "legal_rep_mobile" in changed:
            problems += _mobile(new.legal_rep_mobile, "legal_rep_mobile")
    return problems
