"""What an information change (信息变更) is made of: the record before and after, and attachments.

A unit's or a person's insurance record as the portals' maintenance pages show it
(:class:`UnitRecord`, :class:`PersonRecord`; every field text, as typed), an
:class:`Attachment` (a scanned stamped form, by its bytes) and the :class:`ChangeRequest`
that joins the old record, the new one and the attachments. The check is in
:mod:`medins_core.operations.change`, the attachment checks in
:mod:`medins_core.operations.attachments`.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from medins_core.codes import RESIDENT_ID

#: The kinds of change the portals offer (关键信息变更 / 非关键信息变更); None: not said.
CHANGE_KINDS = ("key", "non_key")

#: What an attachment may be: the stamped paper form (盖章的纸质表) or another material (材料).
ATTACHMENT_KINDS = ("stamped_form", "material")


@attrs.frozen
class UnitRecord:
    """A unit's insurance record (单位参保信息), the fields of unit registration and maintenance."""

    uscc: str = ""
    name: str = ""
    account: str = ""
    address: str = ""
    unit_type: str = ""
    management_type: str = ""
    district: str = ""
    region: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    legal_rep_name: str = ""
    legal_rep_cert_type: str = RESIDENT_ID
    legal_rep_cert_no: str = ""
    legal_rep_mobile: str = ""
    bank_name: str = ""
    bank_account_name: str = ""
    bank_account: str = ""


@attrs.frozen
class PersonRecord:
    """A person's insurance record (人员参保信息): 人员信息, 户籍与联系信息 and 银行信息.

    The fields of jiangsu-unit-hall-user-manual.txt 3.5.2 (参保人员信息维护), with the
    enrollment fields before them.
    """

    cert_type: str = RESIDENT_ID
    cert_no: str = ""
    name: str = ""
    gender: str = ""
    birth: str = ""
    ethnicity: str = ""
    person_type: str = ""
    first_work_date: str = ""
    mobile: str = ""
    education: str = ""
    political_status: str = ""
    marital_status: str = ""
    health: str = ""
    admin_post: str = ""
    school: str = ""
    tech_title: str = ""
    vocational_level: str = ""
    household_book_no: str = ""
    hukou_type: str = ""
    hukou_district: str = ""
    hukou_address: str = ""
    hukou_postcode: str = ""
    residence_district: str = ""
    residence_address: str = ""
    residence_postcode: str = ""
    email: str = ""
    bank_name: str = ""
    bank_account_name: str = ""
    bank_account: str = ""


#: The Chinese name of each record field, as the portals' pages title it.
UNIT_LABELS = {
    "uscc": "统一社会信用代码", "name": "单位名称", "account": "单位账号", "address": "单位通讯地址",
    "unit_type": "单位类型", "management_type": "单位管理类型", "district": "所属行政区",
    "region": "医保区划", "contact_name": "联系人姓名", "contact_phone": "联系电话",
    "legal_rep_name": "法定代表人姓名", "legal_rep_cert_type": "法定代表人证件类型",
    "legal_rep_cert_no": "法定代表人证件号码", "legal_rep_mobile": "法定代表人手机号",
    "bank_name": "开户行名称", "bank_account_name": "银行户名", "bank_account": "银行账号",
}  # fmt: skip
PERSON_LABELS = {
    "cert_type": "证件类型", "cert_no": "证件号码", "name": "姓名", "gender": "性别",
    "birth": "出生日期", "ethnicity": "民族", "person_type": "人员类型",
    "first_work_date": "首次工作日期", "mobile": "手机号码", "education": "学历",
    "political_status": "政治面貌", "marital_status": "婚姻状况", "health": "健康状况",
    "admin_post": "行政职务", "school": "毕业院校", "tech_title": "专业技术职务等级",
    "vocational_level": "国家职业资格等级", "household_book_no": "户口簿编号",
    "hukou_type": "户口性质", "hukou_district": "户口所在行政区", "hukou_address": "户口所在地址",
    "hukou_postcode": "户口所在地邮编", "residence_district": "居住地行政区",
    "residence_address": "居住地址", "residence_postcode": "居住地邮编", "email": "电子邮箱",
    "bank_name": "开户行名称", "bank_account_name": "银行户名", "bank_account": "银行账号",
}  # fmt: skip

Record = UnitRecord | PersonRecord
"""A unit's or a person's record."""


def labels_of(record: Record | type[Record]) -> dict[str, str]:
    """Field → Chinese name for a record (or record class)."""
    cls = record if isinstance(record, type) else type(record)
    return UNIT_LABELS if cls is UnitRecord else PERSON_LABELS


@attrs.frozen
class Attachment:
    """A file attached to a business (附件材料): its name as uploaded, its bytes and what it is.

    ``size`` is the file's size when ``content`` holds only its beginning (a reader that
    stops at a limit); None means ``len(content)``.
    """

    name: str
    content: bytes = attrs.field(repr=False)
    kind: str = attrs.field(
        default="stamped_form", validator=attrs.validators.in_(ATTACHMENT_KINDS)
    )
    size: int | None = None

    @property
    def byte_size(self) -> int:
        """The file's size in bytes."""
        return len(self.content) if self.size is None else self.size


def _attachments(value: Iterable[Attachment]) -> tuple[Attachment, ...]:
    return tuple(value)


def _same_subject(
    instance: ChangeRequest, attribute: attrs.Attribute[Record], value: Record
) -> None:
    if type(value) is not type(instance.old):
        old, new = type(instance.old).__name__, type(value).__name__
        raise TypeError(f"ChangeRequest.new must be a {old} like old, not {new}")


@attrs.frozen
class ChangeRequest:
    """An information change (信息变更) of a unit or a person: the record before and after.

    ``kind`` is the service chosen, ``"key"`` (关键信息变更) or ``"non_key"`` (非关键信息变更);
    None lets the check tell it from the region's key fields. ``attachments`` are the files
    uploaded with it (the stamped form of a key change).
    """

    old: Record = attrs.field(
        validator=attrs.validators.instance_of((UnitRecord, PersonRecord))
    )
    new: Record = attrs.field(validator=_same_subject)
    kind: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.in_(CHANGE_KINDS))
    )
    unit_no: str = ""
    attachments: tuple[Attachment, ...] = attrs.field(default=(), converter=_attachments)

    @property
    def subject(self) -> str:
        """``"unit"`` or ``"person"``: whose record changes."""
        return "unit" if isinstance(self.old, UnitRecord) else "person"
