"""The request bodies and the documented answers of the HTTP API (pydantic, for OpenAPI 3.1).

The answers themselves are made by the same code as the command line's ``--format json``
(:mod:`medins_core.serialize`, ``to_json`` methods); the models here describe them, field for
field, as docs/json.md does. Money is always a string (``"1300048.92"``): a JSON number would
be a float. Examples are the Suzhou figures of the sources (jiangsu-suzhou-unit-hall-training).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from medins_core.io.limits import MAX_ROWS

SUZHOU_ROWS: list[Any] = [
    {"cert_no": "320506198503120116", "name": "张伟", "wage": "8500.00"},
    {"cert_no": "320505199007070226", "name": "王芳", "wage": "6523.45"},
]


class PaymentTypeName(str, Enum):
    """正常应缴 regular, 补缴 backpay."""

    regular = "regular"
    backpay = "backpay"


class PartsName(str, Enum):
    """单位部分 unit, 个人部分 person, or both."""

    unit = "unit"
    person = "person"
    both = "both"


class RosterRow(BaseModel):
    """One person of a roster, as a roster file's row: the same fields, the same checks.

    Keys may also be the Chinese headers of a roster file (证件号码, 姓名, 缴费工资…); an
    unknown key is refused as an unknown column. Values are text; a wage may be an integer.
    """

    model_config = ConfigDict(extra="allow")
    cert_no: str | None = Field(None, description="证件号码")
    name: str | None = Field(None, description="姓名")
    wage: str | int | None = Field(None, description="缴费工资 (元, 最多两位小数), 如 \"8500.00\"")
    cert_type: str | None = Field(None, description="证件类型, 默认居民身份证")
    person_type: str | None = Field(None, description="人员类型, 默认在职")
    person_no: str | None = Field(None, description="人员编号")
    lines: str | None = Field(None, description="险种, 逗号分隔的代码或名称")
    start: str | None = Field(None, description="参保开始年月 YYYY-MM")
    end: str | None = Field(None, description="参保结束年月 YYYY-MM")


class AssessBody(BaseModel):
    """An assessment of a roster sent as rows: the options of ``medins assess``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"region": "320500", "period": "2022-08", "rows": SUZHOU_ROWS}]},
    )
    region: str = Field(description="统筹区代码, 如 320500", max_length=40)
    period: str = Field(description="费款所属期 (起) YYYY-MM", max_length=40)
    to: str | None = Field(None, description="费款所属期 (止), 默认同 period", max_length=40)
    type: PaymentTypeName = PaymentTypeName.regular
    insurance: list[str] | str | None = Field(None, description="只核定这些险种, 如 [\"310\", \"330\"] 或 \"310,330\"")
    lines: list[str] | str | None = Field(
        None, description="insurance 的旧名 (已弃用, 下一版本移除); 不能与 insurance 同时给出",
        json_schema_extra={"deprecated": True},
    )
    parts: PartsName = PartsName.both
    rows: list[RosterRow] = Field(description="花名册的行: 第一行为第 2 行, 与文件相同", max_length=MAX_ROWS)


class RowsBody(BaseModel):
    """A batch template's rows as JSON: keys are the template's fields or column titles."""

    model_config = ConfigDict(extra="forbid")
    rows: list[dict[str, str | int | None]] = Field(
        description="模板的行, 键为字段名 (cert_no, name, wage…) 或模板列名; 第一行为第 2 行",
        max_length=MAX_ROWS,
    )


class BookAssessBody(BaseModel):
    """An assessment of a unit from the book: periods, type, parts (``medins book assess``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"period": "2023-01", "to": "2023-03"}]})
    period: str = Field(description="费款所属期 (起) YYYY-MM", max_length=40)
    to: str | None = Field(None, description="费款所属期 (止), 默认同 period", max_length=40)
    type: PaymentTypeName = PaymentTypeName.regular
    parts: PartsName = PartsName.both


class RevokeBody(BaseModel):
    """Why an assessment is revoked (written to the book's log)."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="撤销原因")


class PaymentBody(BaseModel):
    """A payment against a notice."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"amount": "1300048.92", "date": "2022-09-15"}]})
    amount: str = Field(description="金额 (元), 字符串", max_length=40)
    date: str | None = Field(None, description="到账日期 YYYY-MM-DD, 默认今天", max_length=40)


# --- answers -------------------------------------------------------------------------------


class Warning_(BaseModel):
    """A warning that does not stop the assessment."""

    code: str
    message: str


class Line(BaseModel):
    """One person × insurance line × period (docs/json.md)."""

    cert_no: str
    name: str
    person_no: str | None
    insurance: str
    period: str
    unit_base: str
    unit_amount: str
    person_base: str
    person_amount: str
    account_transfer: str | None


class Total(BaseModel):
    """One insurance line's totals."""

    insurance: str
    name: str
    persons: int
    unit_base: str
    unit_amount: str
    person_base: str
    person_amount: str
    account_transfer: str | None


_EXAMPLE: dict[str, Any] = {
    "region": "320500", "region_name": "苏州市", "periods": ["202208"], "payment_type": "regular", "persons": 2,
    "lines": [
        {"cert_no": "320505199007070226", "name": "王芳", "person_no": None, "insurance": "310", "period": "202208",
         "unit_base": "6523.45", "unit_amount": "391.41", "person_base": "6523.45", "person_amount": "130.47",
         "account_transfer": None},
    ],
    "totals": [
        {"insurance": "310", "name": "职工基本医疗保险", "persons": 2, "unit_base": "15023.45", "unit_amount": "901.41",
         "person_base": "15023.45", "person_amount": "300.47", "account_transfer": None},
    ],
    "total": "1482.30", "total_upper": "壹仟肆佰捌拾贰圆叁角整",
    "warnings": [{"code": "base_limits_unknown", "message": "苏州市(320500) 的缴费基数上下限未知，按申报工资计算，未做保底封顶"}],
}  # fmt: skip


class AssessmentOut(BaseModel):
    """``medins assess --format json`` (docs/json.md). The example is shortened to one line."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})
    region: str
    region_name: str
    periods: list[str]
    payment_type: str
    persons: int
    lines: list[Line]
    totals: list[Total]
    total: str = Field(description="合计 (元); 苏州 2022-08 缴费通知单: 1300048.92")
    total_upper: str = Field(description="合计大写, 如 壹佰叁拾万零肆拾捌圆玖角贰分")
    warnings: list[Warning_]


class BookAssessmentOut(AssessmentOut):
    """``medins book assess --format json``: the assessment plus its id, kind and what it supplements."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**_EXAMPLE, "id": 1, "kind": "original", "supplements": None}]})
    id: int
    kind: str = Field(description="original 新核定, existing 已有核定, supplementary 补差, reversal 撤销")
    supplements: int | None


class RegionOut(BaseModel):
    """A region, as ``medins regions --format json`` lists it."""

    code: str
    name: str
    province: str
    plugin: str
    aliases: dict[str, str]
    data_years: str
    status: str
    default_lines: list[str]


class Value(BaseModel):
    """A parameter in force, with its source and status (null: not in the sources)."""

    insurance: str
    name: str
    parameter: str
    value: str | None
    status: str | None
    source: str | None


class BaseLimit(BaseModel):
    """The contribution base's floor and ceiling, with their source."""

    floor: str | None
    ceiling: str | None
    source: str
    status: str


class RatesOut(BaseModel):
    """``medins rates --format json``."""

    region: str
    name: str
    period: str
    values: list[Value]
    base_limit: BaseLimit | None


class RowProblem(BaseModel):
    """A problem of a checked row (warnings included)."""

    code: str
    field: str
    column: str | None
    message: str
    severity: str


class PassedRow(BaseModel):
    """A row without errors."""

    row: int
    values: dict[str, str]
    warnings: list[RowProblem]


class FailedRow(BaseModel):
    """A row with at least one error."""

    row: int
    values: dict[str, str]
    problems: list[RowProblem]


class CheckOut(BaseModel):
    """``medins check --format json``: every row, passed or failed, with problem codes."""

    kind: str
    region: str
    file: str
    rows: int
    passed: list[PassedRow]
    failed: list[FailedRow]


class BatchOut(CheckOut):
    """``medins book enroll|suspend|wages --format json``: the check and what was written."""

    dry_run: bool
    changes: list[dict[str, Any]]


class RetirementOut(BaseModel):
    """``medins retirement --format json``."""

    birth: str
    group: str
    original_age_months: int
    delay_months: int
    retirement_age_months: int
    retirement_month: str


class NoticeOut(BaseModel):
    """A payment notice: the assessments it gathers, its total, what is paid and due."""

    id: int
    unit: str
    assessments: list[int]
    total: str
    total_upper: str
    paid: str
    due: str


class PaymentOut(BaseModel):
    """A payment recorded against a notice, and what remains due."""

    notice: int
    paid: str
    due: str


class Status(BaseModel):
    """Health and readiness."""

    status: str
