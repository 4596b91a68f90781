"""Every error of the HTTP API as one JSON object, ``{code, message, field?, row?, ...}``.

The codes are the command line's (an unknown region is ``unknown_region``, a bad roster cell
``invalid_wage`` naming its row); the status says who must act: 400 a malformed request, 401 no
or a bad key, 404 nothing there (or not this key's), 409 the book's state refuses, 413 past a
limit, 422 the business checks refuse (or a portal bill is not the unit's), 501 this server
cannot print documents, 503 the database is down or the request timed out.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from medins_core.book.errors import BookRefusal
from medins_core.errors import FileProblems, InputError, MedinsError, RegionError
from medins_core.ids import mask_text
from medins_core.io.limits import MAX_ROWS


class Problem(BaseModel):
    """One problem of a file or of rows: its code, message and where it is."""

    model_config = ConfigDict(extra="forbid")
    code: str
    message: str
    field: str | None = None
    row: int | None = None
    column: str | None = None


class ApiError(BaseModel):
    """The body of every error answer. ``problems`` lists every bad cell of a file or rows."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"code": "invalid_wage", "message": "缴费工资须大于0且小于1000000元: -1", "field": "wage", "row": 3, "column": "wage"}]}
    )
    code: str
    message: str
    field: str | None = None
    row: int | None = None
    column: str | None = None
    problems: list[Problem] | None = None


class ApiRefusal(Exception):
    """An error answer raised by the API itself (no key, not found, too large…)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


NOT_FOUND = {"unknown_unit", "unknown_assessment", "unknown_notice", "unknown_template", "unknown_kind", "unknown_region"}
CONFLICT = {
    "already_noticed", "already_paid", "already_revoked", "cannot_revoke_reversal",
    "nothing_to_assess", "nothing_to_notice", "busy", "unit_exists",
}  # fmt: skip
TOO_LARGE = {"cell_too_long", "file_too_large", "too_many_rows", "too_many_columns", "too_many_cells", "body_too_large", "archive_too_large"}
UNAVAILABLE = {"db_unavailable"}
#: The renderer of printed documents is not installed (the ``documents`` extra): this server cannot.
NOT_IMPLEMENTED = {"documents_unavailable"}
#: A portal bill read well but not this unit's, or for periods the book has not assessed.
REFUSED = {"unit_mismatch", "not_assessed"}

#: Every status an endpoint may answer with an error, and what it means (for the OpenAPI document).
STATUSES = {
    400: "请求格式不正确 (malformed request: body, parameter, period)",
    401: "缺少或无效的 API 密钥 (Authorization: Bearer KEY)",
    404: "不存在, 或不属于此密钥的单位 (not found, or another unit's)",
    409: "账簿状态不允许 (the book's state refuses: already noticed, nothing to assess…)",
    413: "超过上限 (body, file or rows past the limits of docs/limits.md)",
    406: "无法提供所要的格式 (Accept: application/json, application/pdf or text/html)",
    415: "请求体类型不支持 (send multipart/form-data or application/json)",
    422: "业务检查未通过 (the business checks or the roster checks refuse)",
    501: "此服务未安装打印组件 (documents_unavailable: install medins[documents])",
    503: "数据库不可用或请求超时 (database unavailable, or the request timed out)",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: each error status with :class:`ApiError`."""
    return {status: {"model": ApiError, "description": STATUSES[status]} for status in statuses}


def _field(field: str | None) -> str | None:
    return None if field is None else field.lstrip("-").replace("-", "_")


def status_of(error: MedinsError) -> int:
    """The HTTP status of a medins error, by its code and kind."""
    if error.code in NOT_FOUND or isinstance(error, RegionError):
        return 404
    if error.code in TOO_LARGE:
        return 413
    if error.code in UNAVAILABLE:
        return 503
    if error.code in NOT_IMPLEMENTED:
        return 501
    if error.code in CONFLICT:
        return 409
    if isinstance(error, (BookRefusal, FileProblems)) or error.code in REFUSED:
        return 422
    return 400


def error_body(error: MedinsError) -> dict[str, Any]:
    """The JSON of a medins error (``problems`` for a file's or rows' every problem)."""
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    for name, value in (("field", _field(error.field)), ("row", error.row), ("column", error.column)):
        if value is not None:
            body[name] = value
    if isinstance(error, FileProblems):
        if "field" not in body and error.problems and error.problems[0].field:
            body["field"] = error.problems[0].field
        body["problems"] = [
            {k: v for k, v in error_body(p).items() if k != "problems"} for p in error.problems
        ]
    elif isinstance(error, BookRefusal) and error.problems:
        body["problems"] = [
            {"code": p.code, "message": mask_text(p.message), "field": p.field or None}
            for p in error.problems if p.is_error
        ]  # fmt: skip
    return body


def _too_many_rows(exc: RequestValidationError) -> bool:
    return any(e.get("type") == "too_long" and tuple(e.get("loc", ()))[-1:] == ("rows",) for e in exc.errors())


def _validation(exc: RequestValidationError) -> dict[str, Any]:
    if _too_many_rows(exc):
        return {"code": "too_many_rows", "message": f"数据行超过 {MAX_ROWS} 行上限", "field": "rows"}
    errors = list(exc.errors())
    first = errors[0] if errors else {"loc": (), "msg": "请求不正确"}
    if first.get("type") == "json_invalid":
        return {"code": "invalid_request", "message": "请求体不是有效的 JSON"}
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
    body: dict[str, Any] = {
        "code": "invalid_request",
        "message": mask_text(f"请求不正确: {'.'.join(loc) or '请求体'}: {first.get('msg', '')}"),
    }
    if loc:
        body["field"] = ".".join(loc)
    if len(loc) > 1 and loc[0] == "rows" and loc[1].isdigit():
        body["row"] = int(loc[1]) + 2  # as a file's rows are numbered: the first is row 2
    return body


def install(app: FastAPI) -> None:
    """Answer every error as :class:`ApiError` JSON, never a traceback."""

    @app.exception_handler(MedinsError)
    async def medins_error(_request: Request, exc: MedinsError) -> JSONResponse:
        return JSONResponse(error_body(exc), status_code=status_of(exc))

    @app.exception_handler(ApiRefusal)
    async def refusal(_request: Request, exc: ApiRefusal) -> JSONResponse:
        body = {"code": exc.code, "message": exc.message, **({"field": exc.field} if exc.field else {})}
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(body, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_validation(exc), status_code=413 if _too_many_rows(exc) else 400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = {
            400: ("invalid_request", "请求体无法解析 (JSON 或 multipart 格式不正确)"),
            404: ("not_found", "没有这个地址"),
            405: ("method_not_allowed", "此地址不支持该请求方法"),
        }.get(exc.status_code, ("http_error", str(exc.detail)))
        return JSONResponse({"code": code, "message": message}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(UnicodeDecodeError)
    async def undecodable(_request: Request, _exc: UnicodeDecodeError) -> JSONResponse:
        return JSONResponse({"code": "invalid_request", "message": "请求不是 UTF-8 文本"}, status_code=400)

    @app.exception_handler(RecursionError)
    async def too_deep(_request: Request, _exc: RecursionError) -> JSONResponse:
        return JSONResponse({"code": "input_too_deep", "message": "输入嵌套过深，已拒绝"}, status_code=400)

    @app.exception_handler(Exception)
    async def internal(_request: Request, exc: Exception) -> JSONResponse:
        message = mask_text(f"内部错误 ({type(exc).__name__})；请报告此问题")
        return JSONResponse({"code": "internal_error", "message": message}, status_code=500)

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> JSONResponse:
        return await medins_error(request, exc)
