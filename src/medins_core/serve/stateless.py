"""The stateless endpoints: regions, rates, assessment of rows, checks, templates, retirement.

Each answers what the command of the same name prints with ``--format json``, computed by the
same functions.
"""

from __future__ import annotations

import argparse
import datetime
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from medins_core.assessment import Parts, PaymentType, assess
from medins_core.cli.assess import periods_from
from medins_core.cli.rates import rates_json
from medins_core.cli.regions import region_rows
from medins_core.codes import split_lines
from medins_core.errors import InputError
from medins_core.io.batch import CHECK_KINDS, BatchOptions, check_table, write_failures
from medins_core.io.roster import roster_from_rows
from medins_core.io.template_files import write_template
from medins_core.io.templates import check_kind
from medins_core.period import Period
from medins_core.retirement import RetirementGroup, retirement
from medins_core.serve.auth import optional_key
from medins_core.serve.errors import ApiRefusal, responses
from medins_core.serve.schemas import AssessBody, AssessmentOut, CheckOut, RatesOut, RegionOut, RetirementOut
from medins_core.serve.state import server
from medins_core.serve.uploads import UPLOAD_BODY, read_upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
router = APIRouter(prefix="/v1", dependencies=[Depends(optional_key)])


def today_from(text: str | None, field: str = "today") -> datetime.date:
    """``YYYY-MM-DD``, default today."""
    if not text:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise InputError("invalid_date", f"日期格式不正确: {text!r}，应为 YYYY-MM-DD", field=field) from None


def month(text: str | None, field: str) -> Period | None:
    """An optional ``YYYY-MM``."""
    return Period.parse(text, field=field) if text else None


def insurance_from(insurance: list[str] | str | None, lines: list[str] | str | None) -> tuple[str, ...]:
    """The insurance codes asked for (``310,330`` or a list), from ``insurance`` or its old name
    ``lines`` (deprecated, same meaning); both given is refused (422)."""
    if insurance is not None and lines is not None:
        raise ApiRefusal(422, "insurance_twice", "insurance 与其旧名 lines 不能同时给出, 请只用 insurance", field="insurance")
    given = insurance if insurance is not None else lines
    return split_lines(",".join(given) if isinstance(given, list) else given)


def xlsx_bytes(write: Any) -> bytes:
    """What ``write(path)`` writes (atomically, as every output), read back."""
    with tempfile.TemporaryDirectory(prefix="medins-serve-") as folder:
        path = Path(folder) / "out.xlsx"
        write(path)
        return path.read_bytes()


@router.get("/regions", response_model=list[RegionOut], responses=responses(401), summary="统筹区列表 (medins regions)")
def regions(request: Request) -> Any:
    """Every region the loaded plugins provide: plugin, data years, status, default lines."""
    return region_rows(server(request).registry)


@router.get(
    "/regions/{code}/rates", response_model=RatesOut, responses=responses(400, 401, 404),
    summary="某统筹区某期的费率、定额及其来源 (medins rates)",
)  # fmt: skip
def rates(request: Request, code: str, period: str = Query(description="费款所属期 YYYY-MM", examples=["2022-08"])) -> Any:
    """The rates, fixed amounts and base limits in force, each with its source and status."""
    rules = server(request).registry.region(code).rules
    return rates_json(rules, Period.parse(period, field="period"))


def _assess(request: Request, body: AssessBody) -> dict[str, object]:
    rules = server(request).registry.region(body.region).rules
    # the command's own check of --period/--to (format, and no later than next year)
    start, end = periods_from(argparse.Namespace(period=body.period, to=body.to))
    insurance = list(insurance_from(body.insurance, body.lines)) or None
    rows = [row.model_dump(exclude_unset=True) for row in body.rows]
    roster = roster_from_rows(rows, rules=rules, today=datetime.date.today())
    result = assess(
        roster.members, rules, start, end,
        payment_type=PaymentType(body.type.value), insurance=insurance, parts=Parts(body.parts.value),
    )  # fmt: skip
    return result.to_json()


@router.post(
    "/assess", response_model=AssessmentOut, responses=responses(400, 401, 404, 413, 422),
    summary="单位应收核定: 按花名册的行计算 (medins assess)",
)  # fmt: skip
def assess_rows(request: Request, body: AssessBody) -> Any:
    """Assess a roster sent as rows; the rows get every check of a roster file (422 lists them).

    The answer is ``medins assess --format json`` (docs/json.md). The Suzhou notice of 2022-08
    (1480 persons) totals 1300048.92, 壹佰叁拾万零肆拾捌圆玖角贰分.
    """
    return JSONResponse(_assess(request, body))


@router.post(
    "/check/{kind}", response_model=CheckOut, responses=responses(400, 401, 404, 413, 415, 422),
    summary="检查批量上传文件 (medins check)", openapi_extra=UPLOAD_BODY,
    response_description="每行通过或未通过及其原因; format=xlsx 时为失败数据 (.xlsx, 带失败原因列)",
)  # fmt: skip
async def check(
    request: Request,
    kind: str,
    region: str = Query(description="统筹区代码", examples=["320500"]),
    today: str | None = Query(None, description="办理日期 YYYY-MM-DD, 默认今天"),
    insurance: str | None = Query(None, description="本批参保险种 (增员), 逗号分隔"),
    lines: str | None = Query(None, description="insurance 的旧名 (已弃用)", deprecated=True),
    unit_no: str = Query("", description="单位编号", max_length=40),
    government_unit: bool = Query(False, description="机关事业单位"),
    start: str | None = Query(None, description="工资申报开始年月 YYYY-MM"),
    end: str | None = Query(None, description="工资申报结束年月 YYYY-MM"),
    format: str = Query("json", pattern="^(json|xlsx)$", description="json, 或 xlsx: 未通过的行写入模板"),
) -> Any:
    """Check a filled template (multipart ``file``) or its rows (JSON), row by row, as the portal would."""
    if kind not in CHECK_KINDS:
        raise InputError("unknown_kind", f"无法检查 {kind!r}；可检查: {', '.join(CHECK_KINDS)}", field="kind")
    found = server(request).registry.region(region)
    codes = insurance_from(insurance, lines)
    for code in codes:
        found.rules.line(code)
    options = BatchOptions(
        unit_no=unit_no, insurance=codes, government_unit=government_unit,
        start=month(start, "start"), end=month(end, "end"),
    )  # fmt: skip
    day = today_from(today)
    table = await read_upload(request, lambda: found.template(kind))
    result = await run_in_threadpool(check_table, kind, table, region=found, today=day, options=options)
    if format == "xlsx":
        data = await run_in_threadpool(xlsx_bytes, lambda path: write_failures(result, path))
        return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{kind}-failures.xlsx"'})
    return JSONResponse(result.to_json())


@router.get(
    "/templates/{kind}", responses={**responses(400, 401, 404), 200: {"content": {XLSX: {}}, "description": "模板 (.xlsx)"}},
    response_class=Response, summary="下载批量模板 (medins template)",
)  # fmt: skip
def template(request: Request, kind: str, region: str = Query(description="统筹区代码", examples=["320500"])) -> Response:
    """The region's batch template of ``kind`` (enroll, suspend, wages, reconcile) as XLSX."""
    check_kind(kind)
    found = server(request).registry.region(region)
    rules = found.rules
    data = xlsx_bytes(lambda path: write_template(found.template(kind), path, region=f"{rules.name} {rules.code}"))
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{kind}-{rules.code}.xlsx"'})


@router.get("/retirement", response_model=RetirementOut, responses=responses(400, 401), summary="法定退休年龄 (medins retirement)")
def retirement_of(
    birth: str = Query(description="出生年月 YYYY-MM", examples=["1966-01"]),
    group: RetirementGroup = Query(description="退休年龄组别"),
) -> Any:
    """The statutory retirement age and month under the 2025 reform."""
    return retirement(birth, group).to_json()

