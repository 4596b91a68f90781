"""What the book reports, scoped to the key's unit: a notice as JSON, PDF or HTML, the portals'
five queries (JSON or XLSX) and the check of the portal's bill.

Each answers what the command of the same name prints with ``--format json`` (``medins book
notice --reprint``, ``medins book query …``, ``medins book compare``), computed by the same
functions; ``format=xlsx`` is the file ``--xlsx`` writes. Printing needs the ``documents``
extra: without it a PDF or HTML is refused ``documents_unavailable`` (501), before any work.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from enum import Enum
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from medins_core.book import compare as bill_check
from medins_core.book import queries
from medins_core.book.book import Book
from medins_core.book.keys import ApiKey
from medins_core.book.models import NoticeRow
from medins_core.io.portal_bill import read_portal_bill
from medins_core.period import Period
from medins_core.retirement import RetirementGroup
from medins_core.serialize import to_json
from medins_core.serve import report_schemas as out
from medins_core.serve.auth import own_unit, unit_key
from medins_core.serve.errors import ApiRefusal, responses
from medins_core.serve.schemas import NoticeOut
from medins_core.serve.stateless import XLSX, today_from, xlsx_bytes
from medins_core.serve.units import ID, notice_of, owned, scoped_book
from medins_core.serve.uploads import FILE_BODY, read_file

router = APIRouter(prefix="/v1")
PDF, HTML = "application/pdf", "text/html"
#: What an ``Accept`` media type asks for; ``*/*`` (or none) is JSON.
ACCEPTED = {"application/json": "json", PDF: "pdf", HTML: "html", "application/*": "json", "text/*": "html", "*/*": "json"}
_NOTICE_EXAMPLE = {
    "id": 1, "unit": out.SUZHOU, "assessments": [1], "total": "1300048.92",
    "total_upper": "壹佰叁拾万零肆拾捌圆玖角贰分", "paid": "0.00", "due": "1300048.92",
}  # fmt: skip


class DocumentFormat(str, Enum):
    """json (the notice's figures), pdf or html (the printed notice)."""

    json = "json"
    pdf = "pdf"
    html = "html"


class TableFormat(str, Enum):
    """json, or xlsx: the tables the command line prints, as ``--xlsx`` writes them."""

    json = "json"
    xlsx = "xlsx"


def negotiated(accept: str | None) -> str:
    """The format an ``Accept`` header prefers (highest q, then the order given); 406 when it
    accepts none of JSON, PDF and HTML."""
    if not accept or not accept.strip():
        return "json"
    best: tuple[float, str] | None = None
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        found = ACCEPTED.get(media.lower())
        if found is not None and quality > 0 and (best is None or quality > best[0]):
            best = (quality, found)
    if best is None:
        raise ApiRefusal(406, "not_acceptable", "只能提供 application/json、application/pdf 或 text/html", field="Accept")
    return best[1]


def _printed(opened: Book, uscc: str, notice_id: int, kind: str, day: datetime.date) -> bytes:
    """The notice printed (imported here: the ``documents`` extra is optional)."""
    from medins_core.documents import payment_notice, render_html, render_pdf
    from medins_core.documents.render import check_available

    check_available(pdf=kind == "pdf")  # documents_unavailable (501) before the book is read
    document = payment_notice(opened, uscc, notice_id, printed=day)
    return render_pdf(document) if kind == "pdf" else render_html(document).encode()


@router.get(
    "/notices/{id}", response_model=NoticeOut, summary="缴费通知单: JSON, 或打印的 PDF/HTML",
    responses={
        **responses(400, 401, 404, 406, 422, 501),
        200: {"description": "缴费通知单: JSON, 或 format=pdf / Accept: application/pdf 时为打印的通知单",
              "content": {"application/json": {"example": _NOTICE_EXAMPLE},
                          PDF: {"schema": {"type": "string", "format": "binary"}},
                          HTML: {"schema": {"type": "string"}}}},
    },
)  # fmt: skip
async def get_notice(
    request: Request,
    id: int = ID,
    format: DocumentFormat | None = Query(None, description="json, pdf 或 html; 未给出时按 Accept 请求头"),
    date: str | None = Query(None, description="制表日期 YYYY-MM-DD, 默认今天 (PDF/HTML)"),
    key: ApiKey = Depends(unit_key),
) -> Any:
    """A notice: as JSON its assessments, total, what is paid and due; as PDF or HTML the
    notice printed in its region's layout (``medins book notice --reprint ID --pdf``).

    ``format`` wins over ``Accept``. The Suzhou notice of 2022-08 totals 1300048.92.
    """
    kind = format.value if format is not None else negotiated(request.headers.get("accept"))
    day = today_from(date, "date")
    await run_in_threadpool(owned, request, key, NoticeRow, id, "unknown_notice")
    opened = scoped_book(request, key)
    if kind == "json":
        return JSONResponse(await run_in_threadpool(notice_of, opened, id))
    data = await run_in_threadpool(_printed, opened, key.unit.uscc, id, kind, day)
    if kind == "pdf":
        return Response(data, media_type=PDF, headers={"Content-Disposition": f'inline; filename="notice-{id}.pdf"'})
    return Response(data, media_type=f"{HTML}; charset=utf-8")


def _answer(result: Any, listings: Sequence[queries.Listing], format: TableFormat, name: str, **more: Any) -> Response:
    """The result as JSON (``--format json``), or its tables as XLSX (``--xlsx``)."""
    if format is TableFormat.xlsx:
        data = xlsx_bytes(lambda path: queries.write_listings(path, listings))
        return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return JSONResponse({**to_json(result), **more})


def _table_responses(model: type[Any], *statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        **responses(400, 401, 404, *statuses),
        200: {"model": model, "description": "JSON, 或 format=xlsx 时为表格 (.xlsx)", "content": {XLSX: {}}},
    }


def _month(text: str | None, field: str, default: Period | None = None) -> Period:
    return Period.parse(text, field=field) if text else default or Period.of(datetime.date.today())


def _day(text: str | None, field: str) -> datetime.date | None:
    return today_from(text, field) if text else None


Format = Query(TableFormat.json, description="json, 或 xlsx: 与 --xlsx 相同的表格")


@router.get("/units/{uscc}/queries/persons", response_model=out.PersonsOut, responses=_table_responses(out.PersonsOut),
            summary="参保人员查询 (medins book query persons)")  # fmt: skip
def query_persons(
    request: Request,
    uscc: str,
    date: str | None = Query(None, description="查询年月 YYYY-MM (或日期), 默认本月", examples=["2022-08"]),
    status: str = Query("active", pattern="^(active|suspended|all)$", description="参保状态: active 正常参保, suspended, all"),
    line: str | None = Query(None, description="只看此险种, 如 310", max_length=40),
    format: TableFormat = Format,
    key: ApiKey = Depends(unit_key),
) -> Any:
    """The unit's persons by cover status, line and month."""
    own_unit(key, uscc)
    found = queries.persons(scoped_book(request, key), uscc, _month(date, "date"), status=status, line=line)
    return _answer(found, [found.listing()], format, f"persons-{uscc}")


@router.get("/units/{uscc}/queries/contributions", response_model=out.ContributionsOut,
            responses=_table_responses(out.ContributionsOut), summary="缴费查询 (medins book query contributions)")  # fmt: skip
def query_contributions(
    request: Request,
    uscc: str,
    period: str = Query(description="费款所属期 (起) YYYY-MM", examples=["2022-08"]),
    to: str | None = Query(None, description="费款所属期 (止), 默认同 period"),
    cert_no: str | None = Query(None, description="只看此人的证件号码", max_length=40),
    format: TableFormat = Format,
    key: ApiKey = Depends(unit_key),
) -> Any:
    """What the book assessed over the fee periods, every revision netted: per unit and per person."""
    own_unit(key, uscc)
    start = _month(period, "period")
    found = queries.contributions(scoped_book(request, key), uscc, start, _month(to, "to", start), cert_no=cert_no)
    return _answer(found, found.listings(), format, f"contributions-{uscc}")


@router.get("/units/{uscc}/queries/retiring", response_model=out.RetiringOut, responses=_table_responses(out.RetiringOut),
            summary="退休到龄查询 (medins book query retiring)")  # fmt: skip
def query_retiring(
    request: Request,
    uscc: str,
    start: str = Query(alias="from", description="开始年月 YYYY-MM", examples=["2025-01"]),
    to: str = Query(description="结束年月 YYYY-MM", examples=["2025-12"]),
    female_group: RetirementGroup = Query(RetirementGroup.FEMALE50, description="女职工的原退休年龄组别 (female50 或 female55)"),
    format: TableFormat = Format,
    key: ApiKey = Depends(unit_key),
) -> Any:
    """Working persons who reach the statutory retirement age within the range (2025 reform)."""
    own_unit(key, uscc)
    if female_group is RetirementGroup.MALE60:
        raise ApiRefusal(400, "invalid_request", "female_group 只能是 female50 或 female55", field="female_group")
    found = queries.retiring(scoped_book(request, key), uscc, _month(start, "from"), _month(to, "to"), female_group=female_group)
    return _answer(found, [found.listing()], format, f"retiring-{uscc}")


@router.get("/units/{uscc}/queries/arrears", response_model=out.ArrearsOut, responses=_table_responses(out.ArrearsOut),
            summary="欠费查询 (medins book query arrears)")  # fmt: skip
def query_arrears(
    request: Request,
    uscc: str,
    start: str | None = Query(None, alias="from", description="开始年月 YYYY-MM"),
    to: str | None = Query(None, description="结束年月 YYYY-MM"),
    format: TableFormat = Format,
    key: ApiKey = Depends(unit_key),
) -> Any:
    """Noticed minus paid, per fee period."""
    own_unit(key, uscc)
    first = Period.parse(start, field="from") if start else None
    last = Period.parse(to, field="to") if to else None
    found = queries.arrears(scoped_book(request, key), uscc, first, last)
    return _answer(found, [found.listing()], format, f"arrears-{uscc}")


@router.get("/units/{uscc}/queries/business", response_model=out.BusinessOut, responses=_table_responses(out.BusinessOut),
            summary="待办/已办业务查询 (medins book query business)")  # fmt: skip
def query_business(
    request: Request,
    uscc: str,
    status: str = Query("all", pattern="^(pending|done|all)$", description="pending 待办, done 已办结, all"),
    start: str | None = Query(None, alias="from", description="开始日期 YYYY-MM-DD"),
    to: str | None = Query(None, description="结束日期 YYYY-MM-DD"),
    what: str | None = Query(None, description="只看此业务, 如 enroll_batch、assess、notice", max_length=40),
    format: TableFormat = Format,
    key: ApiKey = Depends(unit_key),
) -> Any:
    """The book's log (done) and the next steps awaited (pending)."""
    own_unit(key, uscc)
    found = queries.business(scoped_book(request, key), uscc, status=status, start=_day(start, "from"), end=_day(to, "to"), what=what)
    return _answer(found, [found.listing()], format, f"business-{uscc}")


def _compare(request: Request, key: ApiKey, data: bytes, name: str) -> bill_check.Comparison:
    return bill_check.compare_bill(scoped_book(request, key), key.unit.uscc, read_portal_bill(data, name=name))


@router.post(
    "/units/{uscc}/compare", response_model=out.ComparisonOut, openapi_extra=FILE_BODY,
    responses=_table_responses(out.ComparisonOut, 413, 415, 422), summary="核对门户账单 (medins book compare)",
)  # fmt: skip
async def compare(request: Request, uscc: str, format: TableFormat = Format, key: ApiKey = Depends(unit_key)) -> Any:
    """Compare the portal's bill (multipart ``file``: its 单位缴费明细 export or 缴费通知单) with
    the book, line by line and person by person.

    200 whether or not it agrees: ``agrees`` says (the command line's exit status 0 or 1). A bill
    that cannot be read is 400, past the limits 413, another unit's or for periods the book has
    not assessed 422 (``unit_mismatch``, ``not_assessed``).
    """
    own_unit(key, uscc)
    data, name = await read_file(request)
    found = await run_in_threadpool(_compare, request, key, data, name)
    counts = {s: sum(1 for c in found.lines + found.persons if c.status == s) for s in bill_check.STATUS_ZH}
    return await run_in_threadpool(_answer, found, found.listings(), format, f"compare-{uscc}", agrees=found.agrees, counts=counts)
