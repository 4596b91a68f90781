"""The documented answers of the book's queries and of the bill check (pydantic, for OpenAPI).

The answers are made by :func:`medins_core.serialize.to_json` from the attrs results of
:mod:`medins_core.book.queries` and :mod:`medins_core.book.compare`, exactly what
``medins book query … --format json`` and ``medins book compare --format json`` print
(docs/queries.md); these models describe them field for field. Money is a string, a period
``YYYYMM``. Examples are the Suzhou figures of 2022-08 (jiangsu-suzhou-unit-hall-training.txt
PART4.2: 1480 persons, 核定征集总额 1300048.92).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SUZHOU = "91320500MA0000000X"


class PersonCoverOut(BaseModel):
    """One person's cover of one line in the month asked about."""

    cert_no: str
    name: str
    person_type: str
    insurance: str
    start: str
    end: str | None
    status: str = Field(description="active 正常参保, suspended 暂停, future 未到参保年月")
    wage: str | None


class PersonsOut(BaseModel):
    """参保人员查询 (``medins book query persons --format json``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "unit": SUZHOU, "period": "202208", "status": "active", "line": "310",
        "persons": [{"cert_no": "320506198503120116", "name": "张伟", "person_type": "在职", "insurance": "310",
                     "start": "202208", "end": None, "status": "active", "wage": "8910.00"}]}]})  # fmt: skip
    unit: str
    period: str
    status: str
    line: str | None
    persons: list[PersonCoverOut]


class NetLineOut(BaseModel):
    """One person's net amounts on one line, payment type and period (every revision netted)."""

    cert_no: str
    name: str
    insurance: str
    period: str
    payment_type: str
    unit_base: str
    unit_amount: str
    person_base: str
    person_amount: str


class ContributionOut(BaseModel):
    """The unit's totals of one period, line and payment type."""

    period: str
    insurance: str
    payment_type: str
    persons: int
    unit_base: str
    unit_amount: str
    person_base: str
    person_amount: str


class ContributionsOut(BaseModel):
    """缴费查询 (``medins book query contributions --format json``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "unit": SUZHOU, "start": "202208", "end": "202208", "lines": [],
        "totals": [{"period": "202208", "insurance": "310", "payment_type": "regular", "persons": 1480,
                    "unit_base": "13190303.00", "unit_amount": "791418.18", "person_base": "13190303.00",
                    "person_amount": "263806.06"}],
        "total": "1300048.92"}]})  # fmt: skip
    unit: str
    start: str
    end: str
    lines: list[NetLineOut]
    totals: list[ContributionOut]
    total: str = Field(description="合计 (元); 苏州 2022-08: 1300048.92")


class RetiringPersonOut(BaseModel):
    """A working person who reaches the statutory retirement age within the range."""

    cert_no: str
    name: str
    birth: str
    group: str
    retirement_age_months: int
    retirement_month: str


class RetiringOut(BaseModel):
    """退休到龄查询 (``medins book query retiring --format json``); ``unknown``: not a resident ID."""

    unit: str
    start: str
    end: str
    female_group: str
    persons: list[RetiringPersonOut]
    unknown: list[str]


class ArrearsPeriodOut(BaseModel):
    """One fee period: noticed, paid, owed and how many persons owe."""

    period: str
    noticed: str
    paid: str
    owed: str
    persons: int


class ArrearsOut(BaseModel):
    """欠费查询 (``medins book query arrears --format json``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "unit": SUZHOU, "periods": [{"period": "202208", "noticed": "1300048.92", "paid": "0.00",
                                     "owed": "1300048.92", "persons": 1480}], "owed": "1300048.92"}]})  # fmt: skip
    unit: str
    periods: list[ArrearsPeriodOut]
    owed: str


class BusinessItemOut(BaseModel):
    """A business done (the book's log) or pending (its next step)."""

    status: str = Field(description="done 已办结, pending 待办")
    at: str
    actor: str
    what: str
    detail: dict[str, Any]
    why: str


class BusinessOut(BaseModel):
    """待办/已办业务查询 (``medins book query business --format json``)."""

    unit: str
    start: str | None
    end: str | None
    items: list[BusinessItemOut]


class FiguresOut(BaseModel):
    """A bill line's (or the book's) figures; null: not printed."""

    persons: int | None = None
    unit_base: str | None = None
    unit_amount: str | None = None
    person_base: str | None = None
    person_amount: str | None = None
    interest: str | None = None
    late_fee: str | None = None
    other: str | None = None
    amount: str | None = None
    unit_rate: str | None = None
    person_rate: str | None = None


class DifferenceOut(BaseModel):
    """A figure that differs: portal − book, and its likely cause."""

    field: str
    portal: str | int | None
    book: str | int | None
    difference: str | int | None
    cause: str = Field(description="person_missing, person_extra, base_outside_limits, base, rounding_stage, rate, late_fee, unexplained")
    explanation: str


class ComparedLineOut(BaseModel):
    """A bill line (or person) and the book's figures for it."""

    status: str = Field(description="equal, different, only_portal, only_book")
    row: int | None
    insurance: str | None
    label: str
    payment_type: str
    start: str
    end: str
    cert_no: str | None
    name: str
    portal: FiguresOut | None
    book: FiguresOut | None
    differences: list[DifferenceOut]


_SUZHOU_LINE: dict[str, Any] = {
    "status": "equal", "row": 6, "insurance": "310", "label": "职工基本医疗保 险", "payment_type": "regular",
    "start": "202208", "end": "202208", "cert_no": None, "name": "",
    "portal": {"person_amount": "263806.06", "unit_amount": "791418.18", "interest": "0.00", "late_fee": "0.00",
               "other": "0.00", "amount": "1055224.24"},
    "book": {"person_amount": "263806.06", "unit_amount": "791418.18", "interest": "0.00", "late_fee": "0.00",
             "other": "0.00", "amount": "1055224.24"},
    "differences": [],
}  # fmt: skip


class ComparisonOut(BaseModel):
    """``medins book compare --format json``: every line and person, the totals, and ``agrees``.

    The answer is 200 whether or not the bill agrees: a difference is a finding, not an error.
    ``agrees`` is true when every line and person is ``equal`` and the printed total (if any)
    is the book's; ``counts`` counts each status.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "file": "notice.csv", "layout": "suzhou_notice", "unit": SUZHOU, "lines": [_SUZHOU_LINE], "persons": [],
        "portal_total": "1300048.92", "book_total": "1300048.92", "agrees": True,
        "counts": {"equal": 4, "different": 0, "only_portal": 0, "only_book": 0}}]})  # fmt: skip
    file: str
    layout: str = Field(description="jiangsu_detail, suzhou_notice, hebei_notice")
    unit: str
    lines: list[ComparedLineOut]
    persons: list[ComparedLineOut]
    portal_total: str | None
    book_total: str
    agrees: bool = Field(description="全部一致 (every line and person equal, and the printed total the book's)")
    counts: dict[str, int]
