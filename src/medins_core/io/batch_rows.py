"""One row of a batch template turned into its operation's request, each bad cell a problem."""

from __future__ import annotations

import datetime
import decimal
import itertools
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from medins_core.codes import RESIDENT_ID, is_resident_id_type
from medins_core.errors import InputError, MedinsError
from medins_core.io.attachment_files import attachment_limit
from medins_core.io.change_rows import change_request
from medins_core.io.template_files import parse_date
from medins_core.io.templates import Template
from medins_core.money import to_money
from medins_core.operations import (
    CheckContext,
    EnrollmentRequest,
    Problem,
    RegionLike,
    Request,
    Severity,
    SuspensionRequest,
    WageDeclarationRequest,
)
from medins_core.operations.enrollment import ENROLLMENT_COLUMNS, passing_enrollments
from medins_core.params import RegionRules
from medins_core.period import Period

if TYPE_CHECKING:  # the batch module imports this one
    from medins_core.io.batch import BatchOptions

_CENT = Decimal("0.01")


@attrs.frozen
class Passing:
    """What :meth:`RowParser.passing` found: for each row, whether it passes, its certificate
    number and its start month (for the checks across rows)."""

    rows: list[bool]
    cert_nos: list[str]
    starts: list[Period | None]


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

    def request_of(self, cells: Sequence[str]) -> Request | None:
        """The request of a row without bad cells (the parse of a row already found clean)."""
        return self.parse(cells, set())[0]

    def column(self, by_index: Sequence[Sequence[str]], rows: int, field: str) -> list[str]:
        """A field's text in each row, as :meth:`parse` reads it: the cell, else the default.

        ``by_index`` holds the cells by column index (the rows transposed, short rows padded).
        """
        default = self.defaults.get(field, "")
        index = self.columns.get(field)
        if index is None or index >= len(by_index):
            return [default] * rows
        values = by_index[index]
        return [value or default for value in values] if default else list(values)

    def date_of(self, text: str) -> datetime.date | None:
        """The date a non-empty cell holds, or None (kept for the batch)."""
        if text not in self.dates:
            self.dates[text] = parse_date(text)
        return self.dates[text]

    def amount_of(self, text: str) -> Decimal | None:
        """The amount a non-empty cell holds, or None (kept for the batch)."""
        if text not in self.amounts:
            try:
                amount = to_money(text, field="amount")
                amount.quantize(_CENT)  # too many digits to hold with its cents: not an amount
                self.amounts[text] = amount
            except (InputError, decimal.InvalidOperation):
                self.amounts[text] = None
        return self.amounts[text]

    def period_of(self, day: datetime.date) -> Period:
        """The month of a day (kept for the batch)."""
        month = self.periods.get(day)
        if month is None:
            month = self.periods[day] = Period.of(day)
        return month

    # -- typed cells, each bad one a problem --

    def _date(
        self, get: Callable[[str], str], field: str, problems: list[Problem]
    ) -> datetime.date | None:
        text = get(field)
        if not text:
            return None
        day = self.date_of(text)
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
        amount = self.amount_of(text)
        if amount is None:
            problems.append(
                Problem("invalid_amount", field, f"{self.titles[field]}格式不正确: {text}")
            )
        elif amount != amount.quantize(_CENT):
            problems.append(
                Problem("invalid_amount", field, f"{self.titles[field]}最多两位小数: {text}")
            )
        return amount

    # -- requests --

    def _enrollment(self, get: Callable[[str], str], problems: list[Problem]) -> Request:
        # passing() reads the same cells a column at a time: keep the two in step
        start = self._date(get, "start", problems)
        return EnrollmentRequest(
            unit_no=self.options.unit_no,
            cert_no=get("cert_no").upper(),
            name=get("name"),
            start=None if start is None else self.period_of(start),
            insurance=self.options.insurance,
            cert_type=get("cert_type") or RESIDENT_ID,
            birth=self._date(get, "birth", problems),
            gender=get("gender") or None,
            mobile=get("mobile") or None,
            wage=self._amount(get, "wage", problems),
            government_unit=self.options.government_unit,
            batch=True,
        )

    def passing(
        self, rows: Sequence[Sequence[str]], *, region: RegionLike, today: datetime.date, context: CheckContext
    ) -> Passing | None:
        """For each row, whether it surely has no problem of its cells or of the operation's
        checks (the region's hooks aside); None when rows of this kind are not read by columns.

        Reads the cells as :meth:`_enrollment` does, a column at a time: a row the columns
        cannot vouch for is parsed and checked on its own, which says what is wrong.
        """
        if self.kind != "enroll" or self.template.blank_skips:
            return None
        try:
            like = self.request_of(())  # the fields no cell gives: unit, lines
        except MedinsError:
            return None
        assert isinstance(like, EnrollmentRequest)
        by_index = list(itertools.zip_longest(*rows, fillvalue=""))
        text = {f: self.column(by_index, len(rows), f) for f in {*ENROLLMENT_COLUMNS, *self.choices}}
        fine = [True] * len(rows)
        for field, (_, allowed) in self.choices.items():
            fine = [ok and (not v or v in allowed) for ok, v in zip(fine, text[field])]
        dates = {f: [self.date_of(t) if t else None for t in text[f]] for f in ("start", "birth")}
        amounts = [self.amount_of(t) if t else None for t in text["wage"]]
        for column, values in ((text["start"], dates["start"]), (text["birth"], dates["birth"])):
            fine = [ok and (v is not None or not t) for ok, t, v in zip(fine, column, values)]
        fine = [
            ok and (not t or (a is not None and a == a.quantize(_CENT)))
            for ok, t, a in zip(fine, text["wage"], amounts)
        ]
        cert_nos = list(map(str.upper, text["cert_no"]))
        starts = [None if d is None else self.period_of(d) for d in dates["start"]]
        columns: dict[str, Sequence[object]] = {
            "cert_type": [t or RESIDENT_ID for t in text["cert_type"]],
            "cert_no": cert_nos,
            "name": text["name"],
            "start": starts,
            "birth": dates["birth"],
            "gender": [t or None for t in text["gender"]],
            "mobile": [t or None for t in text["mobile"]],
            "wage": amounts,
        }
        passing = passing_enrollments(columns, like, region=region, today=today, context=context)
        return Passing([a and b for a, b in zip(fine, passing)], cert_nos, starts)

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
