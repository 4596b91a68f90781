"""The book's endpoints, each scoped to the unit of the caller's key (another unit's: 404).

Every write goes through the same functions as ``medins book`` (same checks, same refusal
codes, same idempotence), written with the key's label as the actor in the book's log.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from medins_core import book
from medins_core.assessment import Parts, PaymentType
from medins_core.book.book import yuan
from medins_core.book.keys import ApiKey
from medins_core.book.models import AssessmentRow, NoticeRow, PaymentRow, UnitRow
from medins_core.book.regions import region_of
from medins_core.io.batch import BatchOptions
from medins_core.money import format_yuan, rmb_upper
from medins_core.period import Period
from medins_core.serve.auth import own_unit, unit_key
from medins_core.serve.errors import ApiRefusal, responses
from medins_core.serve.schemas import (
    BatchOut,
    BookAssessBody,
    BookAssessmentOut,
    NoticeOut,
    PaymentBody,
    PaymentOut,
    RevokeBody,
)
from medins_core.serve.state import server
from medins_core.serve.stateless import insurance_from, month, today_from
from medins_core.serve.uploads import UPLOAD_BODY, read_upload

router = APIRouter(prefix="/v1")
ID = Path(ge=1, le=2**31 - 1, description="编号")
#: path → (batch kind, what the portal calls it)
BATCHES = {"enrollments": ("enroll", "批量增员"), "suspensions": ("suspend", "批量减员"), "wages": ("wages", "批量申报工资")}


def scoped_book(request: Request, key: ApiKey) -> book.Book:
    """The process's book, writing as the key's label (a copy: the engine is shared)."""
    scoped = copy.copy(server(request).book())
    scoped.actor = key.label
    return scoped


def owned(request: Request, key: ApiKey, model: type[AssessmentRow] | type[NoticeRow], id: int, code: str) -> None:
    """404 unless the assessment or notice ``id`` is the key's unit's."""
    with server(request).book().transaction() as session:
        unit_id = session.scalar(select(model.unit_id).where(model.id == id))
    if unit_id != key.unit.id:
        what = "核定单" if model is AssessmentRow else "缴费通知单"
        raise ApiRefusal(404, code, f"账簿中没有{what} {id}")


def notice_of(opened: book.Book, notice_id: int) -> dict[str, Any]:
    """A notice as JSON: its assessments, total (in capitals), what is paid and what is due."""
    with opened.transaction() as session:
        row = session.get(NoticeRow, notice_id)
        if row is None:
            raise ApiRefusal(404, "unknown_notice", f"账簿中没有缴费通知单 {notice_id}")
        uscc = session.scalar(select(UnitRow.uscc).where(UnitRow.id == row.unit_id))
        ids = list(session.scalars(select(AssessmentRow.id).where(AssessmentRow.notice_id == row.id).order_by(AssessmentRow.id)))
        paid = int(session.scalar(select(func.coalesce(func.sum(PaymentRow.amount_fen), 0)).where(PaymentRow.notice_id == row.id)) or 0)
    total = yuan(row.total_fen)
    upper = rmb_upper(total) if total >= 0 else "负" + rmb_upper(-total)
    return {
        "id": row.id, "unit": uscc, "assessments": ids, "total": format_yuan(total), "total_upper": upper,
        "paid": format_yuan(yuan(paid)), "due": format_yuan(total - yuan(paid)),
    }  # fmt: skip


def _batch_route(path: str, kind: str, title: str) -> None:
    @router.post(
        f"/units/{{uscc}}/{path}", response_model=BatchOut, responses=responses(400, 401, 404, 413, 415, 422),
        summary=f"{title} (medins book {kind})",
        openapi_extra=UPLOAD_BODY, name=f"book_{kind}",
    )  # fmt: skip
    async def batch(
        request: Request,
        uscc: str,
        key: ApiKey = Depends(unit_key),
        today: str | None = Query(None, description="办理日期 YYYY-MM-DD, 默认今天"),
        insurance: str | None = Query(None, description="本批参保险种 (增员), 逗号分隔"),
        lines: str | None = Query(None, description="insurance 的旧名 (已弃用)", deprecated=True),
        start: str | None = Query(None, description="工资申报开始年月 YYYY-MM"),
        end: str | None = Query(None, description="工资申报结束年月 YYYY-MM"),
        dry_run: bool = Query(False, description="只显示将要写入的变动, 不写入"),
    ) -> Any:
        """Check a filled template (multipart ``file``) or JSON rows and write the passing rows in one transaction."""
        own_unit(key, uscc)
        options = BatchOptions(
            insurance=insurance_from(insurance, lines), start=month(start, "start"), end=month(end, "end")
        )
        day = today_from(today)
        opened = scoped_book(request, key)
        table = await read_upload(request, lambda: region_of(opened.registry, key.unit.region).template(kind))
        outcome = await run_in_threadpool(
            book.apply_table, opened, kind, table, uscc, today=day, options=options, dry_run=dry_run
        )
        return JSONResponse(outcome.to_json())


for _path, (_kind, _title) in BATCHES.items():
    _batch_route(_path, _kind, _title)


@router.post(
    "/units/{uscc}/assessments", response_model=BookAssessmentOut, status_code=201,
    responses={**responses(400, 401, 404, 409, 422), 200: {"model": BookAssessmentOut, "description": "已有核定 (existing): 同一期间、类型只核定一次"}},
    summary="按账簿核定 (medins book assess)",
)  # fmt: skip
def assess_unit(request: Request, uscc: str, body: BookAssessBody, key: ApiKey = Depends(unit_key)) -> Any:
    """Assess the unit from the book: 201 a new original or supplementary revision, 200 the existing one."""
    own_unit(key, uscc)
    start = Period.parse(body.period, field="period")
    end = Period.parse(body.to, field="to") if body.to else start
    found = book.assess_unit(
        scoped_book(request, key), uscc, start, end, payment_type=PaymentType(body.type.value), parts=Parts(body.parts.value)
    )
    return JSONResponse(found.to_json(), status_code=200 if found.kind == "existing" else 201)


@router.post(
    "/assessments/{id}/revoke", response_model=BookAssessmentOut, status_code=201,
    responses=responses(400, 401, 404, 409), summary="撤销核定 (medins book revoke)",
)  # fmt: skip
def revoke(request: Request, body: RevokeBody, id: int = ID, key: ApiKey = Depends(unit_key)) -> Any:
    """Write the reversal of an assessment that is on no notice and unpaid."""
    owned(request, key, AssessmentRow, id, "unknown_assessment")
    return JSONResponse(book.revoke(scoped_book(request, key), id, body.reason).to_json(), status_code=201)


@router.post(
    "/units/{uscc}/notices", response_model=NoticeOut, status_code=201,
    responses=responses(401, 404, 409), summary="生成缴费通知单 (medins book notice)",
)  # fmt: skip
def make_notice(request: Request, uscc: str, key: ApiKey = Depends(unit_key)) -> Any:
    """A payment notice gathering exactly the unit's assessments not yet on one."""
    own_unit(key, uscc)
    opened = scoped_book(request, key)
    made = book.notice(opened, uscc)
    return JSONResponse(notice_of(opened, made["id"]), status_code=201)


@router.post(
    "/notices/{id}/payments", response_model=PaymentOut, status_code=201,
    responses=responses(400, 401, 404, 422), summary="登记缴费到账 (medins book pay)",
)  # fmt: skip
def pay(request: Request, body: PaymentBody, id: int = ID, key: ApiKey = Depends(unit_key)) -> Any:
    """Record a payment against a notice; answers what remains due on it."""
    owned(request, key, NoticeRow, id, "unknown_notice")
    paid = book.pay(scoped_book(request, key), id, body.amount, today_from(body.date, "date"))
    return JSONResponse(paid, status_code=201)
