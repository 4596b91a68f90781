"""One row of a batch template turned into its operation's request, each bad cell a problem."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from medins_core.codes import RESIDENT_ID, is_resident_id_type
from medins_core.errors import InputError
from medins_core.io.attachment_files import attachment_limit
from medins_core.io.change_rows import change_request
from medins_core.io.template_files import parse_date
from medins_core.io.templates import Template
from medins_core.money import to_money
from medins_core.operations import (
    EnrollmentRequest,
    Problem,
    Request,
    Severity,
    SuspensionRequest,
    WageDeclarationRequest,
)
from medins_core.params import RegionRules
from medins_core.period import Period

if TYPE_CHECKING:  # the batch module imports this one
    from medins_core.io.batch import BatchOptions


class RowParser:
    """Turns a row's cells into the operation's request, with a problem for each bad cell.

    Dates, months and amounts repeat down a column (one start date for the whole batch), so
    their parses are cached for the batch.
    """

    def __init__(
        self,
        kind: str,
        template: Template,
        columns: Mapping[str, int],
        rules: RegionRules,
        today: datetime.date,
        options: BatchOptions,
    ) -> None:
        self.kind = kind
        self.template = template
        self.columns = dict(columns)
        self.today = today
        self.options = options
        defaults = {"today": today.strftime("%Y/%m/%d"), "this_month": str(Period.of(today))}
        self.defaults = {
            c.field: defaults.get(c.default, c.default) for c in template.columns if c.default
        }
        self.choices = {
            c.field: (c.title, frozenset(c.choices))
            for c in template.columns
            if c.choices and c.field in columns
        }
        self.titles = {c.field: c.title for c in template.columns}
        self.dates: dict[str, datetime.date | None] = {}
        self.months: dict[str, Period | None] = {}
        self.amounts: dict[str, Decimal | None] = {}
        self.periods: dict[datetime.date, Period] = {}
        self.build: Callable[[Callable[[str], str], list[Problem]], Request] = {
            "enroll": self._enrollment,
            "suspend": self._suspension,
            "wages": self._wage_declaration,
            "change": self._change,
        }[kind]
        self.attachment_limit = attachment_limit(rules)

    def parse(self, cells: Sequence[str], bad: set[str]) -> tuple[Request | None, list[Problem]]:
        """The row's request (None when the row is not one) and the problems of its cells."""
        # a field's text: its cell, else the template's default, else ""
        values: defaultdict[str, str] = defaultdict(str, self.defaults)
        width = len(cells)
        for field, index in self.columns.items():
            if index < width and cells[index]:
                values[field] = cells[index]
        get = values.__getitem__

        skip = self.template.blank_skips
        if skip and skip in self.columns and not get(skip):
            title = self.titles[skip]
            return None, [
                Problem("not_declared", skip, f"{title}未填写，本行不作申报", Severity.WARNING)
            ]
        problems: list[Problem] = []
        for field, (title, allowed) in self.choices.items():
            value = get(field)
            if value and value not in allowed and field not in bad:
                if field == "cert_type" and is_resident_id_type(value):
                    continue
                problems.append(
                    Problem(
                        "invalid_choice", field, f"{title}「{value}」不是可选值，请从下拉列表中选择"
                    )
                )
        # a cell already reported (a number that lost its digits) is not parsed again
        for field in bad:
            values[field] = ""
        return self.build(get, problems), problems

    # -- typed cells, each bad one a problem --

    def _date(
        self, get: Callable[[str], str], field: str, problems: list[Problem]
    ) -> datetime.date | None:
        text = get(field)
        if not text:
            return None
        if text not in self.dates:
            self.dates[text] = parse_date(text)
        day = self.dates[text]
        if day is None:
            problems.append(
                Problem(
                    "invalid_date",
                    field,
                    f"{self.titles[field]}格式不正确: {text}，应为 YYYY/MM/DD",
                )
            )
        return day

    def _month(
        self, get: Callable[[str], str], field: str, problems: list[Problem]
    ) -> Period | None:
        text = get(field)
        if not text:
            return None
        if text not in self.months:
            try:
                self.months[text] = Period.parse(text)
            except InputError:
                self.months[text] = None
        month = self.months[text]
        if month is None:
            problems.append(
                Problem(
                    "invalid_period", field, f"{self.titles[field]}格式不正确: {text}，应为 YYYYMM"
                )
            )
        return month

    def _amount(
        self, get: Callable[[str], str], field: str, problems: list[Problem]
    ) -> Decimal | None:
        text = get(field)
        if not text:
            return None
        if text not in self.amounts:
            try:
                self.amounts[text] = to_money(text, field=field)
            except InputError:
                self.amounts[text] = None
        amount = self.amounts[text]
        if amount is None:
            problems.append(
                Problem("invalid_amount", field, f"{self.titles[field]}格式不正确: {text}")
            )
        elif amount != amount.quantize(Decimal("0.01")):
            problems.append(
                Problem("invalid_amount", field, f"{self.titles[field]}最多两位小数: {text}")
            )
        return amount

    def _period_of(self, day: datetime.date) -> Period:
        month = self.periods.get(day)
        if month is None:
            month = self.periods[day] = Period.of(day)
        return month

    # -- requests --

    def _enrollment(self, get: Callable[[str], str], problems: list[Problem]) -> Request:
        start = self._date(get, "start", problems)
        return EnrollmentRequest(
            unit_no=self.options.unit_no,
            cert_no=get("cert_no").upper(),
            name=get("name"),
            start=None if start is None else self._period_of(start),
            insurance=self.options.insurance,
            cert_type=get("cert_type") or RESIDENT_ID,
            birth=self._date(get, "birth", problems),
            gender=get("gender") or None,
            mobile=get("mobile") or None,
            wage=self._amount(get, "wage", problems),
            government_unit=self.options.government_unit,
            batch=True,
        )

    def _suspension(self, get: Callable[[str], str], problems: list[Problem]) -> Request:
        return SuspensionRequest(
            unit_no=self.options.unit_no,
            cert_no=get("cert_no").upper(),
            date=None,  # 变更时间: the portal fills in the day of the upload
            end_date=self._date(get, "end_date", problems),
            name=get("name"),
            cert_type=get("cert_type") or RESIDENT_ID,
            reason=get("reason"),
            batch=True,
        )

    def _wage_declaration(self, get: Callable[[str], str], problems: list[Problem]) -> Request:
        this_month = Period.of(self.today)
        start = (
            self._month(get, "start", problems)
            if "start" in self.columns
            else self.options.start or this_month
        )
        end = (
            self._month(get, "end", problems)
            if "end" in self.columns
            else self.options.end or this_month
        )
        return WageDeclarationRequest(
            unit_no=get("unit_no") or self.options.unit_no,
            person_no=get("person_no"),
            cert_type=get("cert_type") or RESIDENT_ID,
            name=get("name"),
            cert_no=get("cert_no").upper(),
            retired_status=get("retired_status"),
            start=start,
            end=end,
            old_wage=self._amount(get, "old_wage", problems),
            wage=self._amount(get, "wage", problems),
            declaring_unit=self.options.unit_no,
            batch=True,
        )

    def _change(self, get: Callable[[str], str], problems: list[Problem]) -> Request:
        return change_request(
            get,
            unit_no=self.options.unit_no,
            attachments_dir=self.options.attachments_dir,
            max_bytes=self.attachment_limit,
            problems=problems,
        )


# --- rows that depend on each other -------------------------------------------------------
