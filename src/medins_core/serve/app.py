"""The ASGI application of ``medins serve``: the routes, the error answers, health, the guard.

``create_app(settings)`` builds it; ``app_from_env()`` is what each server worker loads (the
command line passes its options through the environment, see
:class:`~medins_core.serve.state.Settings`). See docs/serve.md.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from sqlalchemy import text

from medins_core.io.limits import MAX_BYTES
from medins_core.serve import errors, reports, stateless, units
from medins_core.serve.middleware import Guard, log
from medins_core.serve.schemas import Status
from medins_core.serve.state import Server, Settings, server

#: The largest request body: an upload of MAX_BYTES and its multipart envelope.
MAX_BODY = MAX_BYTES + 64 * 1024

DESCRIPTION = """\
职工医保单位业务规则引擎的 HTTP 接口: 与 `medins` 命令行相同的计算、相同的 JSON、相同的错误代码。

* 无状态接口 (统筹区、费率、核定、检查、模板、退休年龄) 不需要密钥, 除非服务以 `--require-key` 启动;
* 账簿接口 (`/v1/units/{uscc}/…`, `/v1/assessments/…`, `/v1/notices/…`) 需要
  `Authorization: Bearer KEY` (`medins book key add --unit USCC`), 密钥只能访问自己的单位,
  其他单位的路径回答 404;
* 每个错误都是 JSON `{code, message, field?, row?}`; 金额一律是字符串, 精确到分。
"""


def _logging() -> None:
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def _warm_up() -> None:
    """Import the engine before the first request, in each worker: else the first requests of
    a worker wait a second or more for numpy, Arrow and the columnar kernel to load."""
    import importlib

    for name in ("medins_core.io.roster", "medins_core.serialize", "medins_core.bulk", "medins_core.operations"):
        try:
            importlib.import_module(name)
        except ImportError:  # the bulk extra is optional: assess() then needs none of it
            continue


def create_app(settings: Settings = Settings()) -> Any:
    """The application, wrapped in the body limit, the timeout and the request log."""
    _logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _warm_up()
        yield
        app.state.medins.close()  # graceful shutdown: requests in flight are done by now

    app = FastAPI(
        title="medins", version="1", description=DESCRIPTION, lifespan=lifespan,
        docs_url=None, redoc_url=None,
    )  # fmt: skip
    app.state.medins = Server(settings)
    errors.install(app)
    app.include_router(stateless.router, tags=["stateless"])
    app.include_router(units.router, tags=["book"])
    app.include_router(reports.router, tags=["book"])

    @app.get("/healthz", response_model=Status, tags=["health"], summary="进程存活")
    def healthz() -> Any:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz", response_model=Status, tags=["health"], responses=errors.responses(503), summary="数据库可用")
    def readyz(request: Request) -> Any:
        """The book's database answers a query (503 ``db_unavailable`` when it does not)."""
        try:
            with server(request).book().engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure of the database means not ready
            message = f"数据库不可用 ({type(exc).__name__})"
            return JSONResponse({"code": "db_unavailable", "message": message}, status_code=503)
        return {"status": "ready"}

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return Guard(app, max_body=MAX_BODY, timeout=settings.timeout)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The framework's document, with the errors as this API answers them: a malformed request
    is 400 :class:`~medins_core.serve.errors.ApiError` (not the framework's 422), any request
    may time out (503) and any body may be too large (413)."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        error = errors.responses(400, 413, 503)
        error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                if "stateless" in operation.get("tags", ()) and operation.get("security"):
                    operation["security"] = [{}, *operation["security"]]  # a key only with --require-key
                answers = operation["responses"]
                if "HTTPValidationError" in str(answers.get("422", "")):
                    del answers["422"]
                wanted = [503] + ([413] if method in ("post", "put") else []) + ([400] if operation.get("parameters") or method == "post" else [])
                for status in wanted:
                    answers.setdefault(str(status), {"description": error[status]["description"], "content": error_ref})
        schemas = document.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = document
    return app.openapi_schema


def app_from_env() -> Any:
    """The application with the settings ``medins serve`` put in the environment."""
    return create_app(Settings.from_env())
