"""The operation requests and the :class:`CheckContext` a check reads (what the portal would look up)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import attrs

from medins_core.codes import RESIDENT_ID
from medins_core.deprecated import renamed
from medins_core.money import to_money
from medins_core.operations.change_records import ChangeRequest
from medins_core.period import Period

_Day = date  # for annotations inside a class whose field is named ``date``


def _optional_period(value: Period | str | int | date | None) -> Period | None:
    if type(value) is Period:  # the batch's rows: already a period
        return value
    return None if value is None or value == "" else Period.parse(value)


def _period(value: Period | str | int | date) -> Period:
    return Period.parse(value)


def _lines(value: Iterable[str]) -> tuple[str, ...]:
    # a plain string would otherwise become a tuple of characters
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _optional_money(value: Decimal | int | str | None) -> Decimal | None:
    if type(value) is Decimal and value.is_finite():  # what to_money answers for it
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return to_money(value, field="wage")


COVER_KINDS = ("unit", "flexible", "resident")
"""What an :class:`ActiveCover` may be: a unit's employee cover, flexible employment (灵活就业)
or resident insurance (城乡居民医保)."""


@attrs.frozen
class ActiveCover:
    """An active (正常参保) cover of the person, as the portal would find it.

    ``kind`` is one of :data:`COVER_KINDS`; ``unit_no`` names the unit of a ``"unit"`` cover.
    """

    kind: str = attrs.field(validator=attrs.validators.in_(COVER_KINDS))
    insurance: str = "310"
    unit_no: str | None = None


@attrs.frozen
class Arrear:
    """One person's unpaid month (欠费) in this unit."""

    period: Period = attrs.field(converter=_period)
    cert_no: str


@attrs.frozen
class MonthChange:
    """A month of the business period that has changes (变动); ``additions_only`` if only 增员."""

    period: Period = attrs.field(converter=_period)
    additions_only: bool = False


def _covers(value: Iterable[ActiveCover] | None) -> tuple[ActiveCover, ...] | None:
    return None if value is None else tuple(value)


def _arrears(value: Iterable[Arrear] | None) -> tuple[Arrear, ...] | None:
    return None if value is None else tuple(value)


def _changes(value: Iterable[MonthChange] | None) -> tuple[MonthChange, ...] | None:
    return None if value is None else tuple(value)


@attrs.frozen
class CheckContext:
    """What the portal knows beside the request. ``None`` means "not known": checks that need
    it are skipped; an empty tuple means "known: there is none".

    * ``covers``: the person's active covers, in this unit and elsewhere.
    * ``arrears``: the unit's unpaid months per person, the current month included if unpaid.
    * ``business_period``: the month the portal is processing (业务期); default today's month.
    * ``changes``: months of the business period with changes (增减变动).
    * ``paid_through``: the last month assessed and paid (缴费到账).
    * ``declaration_open``: whether the portal's yearly wage declaration period (年度申报时期)
      is open today.
    """

    covers: tuple[ActiveCover, ...] | None = attrs.field(default=None, converter=_covers)
    arrears: tuple[Arrear, ...] | None = attrs.field(default=None, converter=_arrears)
    business_period: Period | None = attrs.field(default=None, converter=_optional_period)
    changes: tuple[MonthChange, ...] | None = attrs.field(default=None, converter=_changes)
    paid_through: Period | None = attrs.field(default=None, converter=_optional_period)
    declaration_open: bool | None = None


@attrs.frozen
class EnrollmentRequest:
    """A single person's enrollment (职工参保登记 / 参保人员增员申报).

    ``start`` is 本次参保日期 (its month counts); ``insurance`` the chosen line codes;
    ``birth`` and ``gender`` (``"1"``/``"2"``/``"男"``/``"女"``) as declared, read from the ID
    number when the document is a resident ID. ``person_type`` is 人员类型 when the unit chose one.
    ``ethnicity`` (民族), ``first_work_date`` (参加工作日期) and the bank block (``bank_name``
    开户行名称, ``bank_holder`` 银行户名, ``bank_account`` 银行账号) are fields of the single form;
    ``batch`` is true for a row of a batch template, which has no such columns.
    """

    unit_no: str
    cert_no: str
    name: str
    start: Period | None = attrs.field(converter=_optional_period)
    insurance: tuple[str, ...] = attrs.field(default=(), converter=_lines)
    cert_type: str = RESIDENT_ID
    birth: date | None = None
    gender: str | None = None
    mobile: str | None = None
    wage: Decimal | None = attrs.field(default=None, converter=_optional_money)
    person_type: str | None = None
    government_unit: bool = False
    ethnicity: str | None = None
    first_work_date: date | None = None
    bank_name: str | None = None
    bank_holder: str | None = None
    bank_account: str | None = None
    batch: bool = False


@attrs.frozen
class SuspensionRequest:
    """A person's suspension (停保 / 减员 / 暂停参保) on ``date`` (变更时间 / 暂停参保时间).

    ``end_date`` is 减员时间 where the form asks for it beside 变更时间 (Jiangsu) and the batch
    template's 中断时间; without it the cover ends with the month of ``date``. ``batch`` is true
    for a row of a batch template, whose 中断时间 is then required.
    """

    unit_no: str
    cert_no: str
    date: date | None
    name: str = ""
    cert_type: str = RESIDENT_ID
    person_type: str = "在职"
    reason: str = ""
    end_date: _Day | None = None
    batch: bool = False

    def cover_end(self) -> _Day | None:
        """The day the cover ends (减员时间): ``end_date``, else the last day of ``date``'s month."""
        if self.end_date is not None:
            return self.end_date
        return None if self.date is None else Period.of(self.date).last_day


@attrs.frozen
class WageDeclarationRequest:
    """One row of a wage declaration (缴费工资申报): a person's wage from ``start`` to ``end``.

    The fields are the Liaoning template's columns; ``wage`` is 申报工资, ``old_wage`` 原工资,
    ``retired_status`` 退休状态. ``declaring_unit`` is the unit the declaration is made for (the
    unit logged in; ``--unit-no``), empty when the row alone is checked; ``batch`` is true for a
    row of an uploaded template (批量缴费申报).
    """

    unit_no: str = ""
    person_no: str = ""
    cert_type: str = RESIDENT_ID
    name: str = ""
    cert_no: str = ""
    retired_status: str = ""
    start: Period | None = attrs.field(default=None, converter=_optional_period)
    end: Period | None = attrs.field(default=None, converter=_optional_period)
    old_wage: Decimal | None = attrs.field(default=None, converter=_optional_money)
    wage: Decimal | None = attrs.field(default=None, converter=_optional_money)
    declaring_unit: str = ""
    batch: bool = False


@attrs.frozen
class BackpayLine:
    """One person's month in a back-pay request."""

    period: Period = attrs.field(converter=_period)
    cert_no: str


def _backpay_lines(value: Iterable[BackpayLine]) -> tuple[BackpayLine, ...]:
    return tuple(value)


@attrs.frozen(init=False)
class BackpayRequest:
    """A back-pay (补缴 / 补收) or assessment of months ``start`` to ``end``.

    With ``cert_no`` it is one person's back-pay (个人补收), else the unit's. ``person_months``
    lists the persons per month when the request names them; empty means every person owing
    in the range. ``lines=`` is its deprecated name (``lines`` mean a result's rows).
    """

    unit_no: str
    start: Period | None = attrs.field(converter=_optional_period)
    end: Period | None = attrs.field(converter=_optional_period)
    insurance: tuple[str, ...] = attrs.field(default=(), converter=_lines)
    cert_no: str | None = None
    person_months: tuple[BackpayLine, ...] = attrs.field(default=(), converter=_backpay_lines)

    def __init__(
        self,
        unit_no: str,
        start: Period | str | int | date | None,
        end: Period | str | int | date | None,
        insurance: Iterable[str] = (),
        cert_no: str | None = None,
        person_months: Iterable[BackpayLine] = (),
        *,
        lines: Iterable[BackpayLine] | None = None,
    ) -> None:
        given = renamed(tuple(person_months) or None, lines, "BackpayRequest", "person_months", "lines") or ()
        self.__attrs_init__(unit_no, start, end, insurance, cert_no, given)

    def months(self) -> tuple[Period, ...]:
        """The months requested: from ``person_months`` when given, else ``start`` to ``end``."""
        if self.person_months:
            return tuple(sorted({entry.period for entry in self.person_months}))
        if self.start is None or self.end is None or self.end < self.start:
            return ()
        return Period.range(self.start, self.end)


@attrs.frozen
class UnitRegistrationRequest:
    """A unit's registration (单位注册 / 单位参保登记): portal account and insured-unit data.

    Fields a portal does not ask for may stay empty; which are required is region data.
    """

    uscc: str
    name: str = ""
    account: str = ""
    password: str = ""
    region: str = ""
    management_type: str = ""
    unit_type: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    district: str = ""
    address: str = ""
    legal_rep_name: str = ""
    legal_rep_cert_type: str = RESIDENT_ID
    legal_rep_cert_no: str = ""
    legal_rep_mobile: str = ""
    insurance: tuple[str, ...] = attrs.field(default=(), converter=_lines)
    start: date | None = None
    collection_method: str = ""
    medical_category: str = ""
    collection_rule: str = ""
    base_rule: str = ""
    government_unit: bool = False
    legal_person_type: str = ""
    legal_address: str = ""
    approval_authority: str = ""
    bank_account: str = ""
    bank_holder: str = ""


Request = (
    EnrollmentRequest
    | SuspensionRequest
    | WageDeclarationRequest
    | BackpayRequest
    | UnitRegistrationRequest
    | ChangeRequest
)
"""Any operation's request."""
