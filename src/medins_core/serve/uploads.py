"""What a batch endpoint receives: a template file (multipart) or its rows as JSON.

Both come to :func:`read_upload` as a :class:`~medins_core.io.table.Table`, the same as a file
read by ``medins check``: the same limits (docs/limits.md), the same header matching, the same
row numbers (the first data row is row 2), so one verdict per input whichever way it came.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from medins_core.io.limits import MAX_BYTES, MAX_CELL_CHARS, MAX_COLUMNS
from medins_core.io.table import Table, read_table
from medins_core.io.templates import Template
from medins_core.serve.errors import ApiRefusal
from medins_core.serve.schemas import RowsBody

#: The OpenAPI request body of a batch endpoint: a file, or rows.
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "已填写的模板文件 (multipart 字段 file, .xlsx 或 .csv, 不超过 10 MB), 或 JSON 行",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/json": {"schema": RowsBody.model_json_schema()},
        },
    }
}
#: The OpenAPI request body of an endpoint that takes a file only (the portal's bill).
FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "门户导出的单位缴费明细或缴费通知单 (multipart 字段 file, .xlsx 或 .csv, 不超过 10 MB)",
        "content": {"multipart/form-data": UPLOAD_BODY["requestBody"]["content"]["multipart/form-data"]},
    }
}


def rows_table(rows: Sequence[Mapping[str, object]], template: Template, name: str = "<rows>") -> Table:
    """A table from JSON rows: keys are template fields (``cert_no``) or column titles."""
    def title(key: str) -> str:
        column = template.column(key)
        return column.header if column is not None else key

    keys = list(dict.fromkeys(key for row in rows for key in row))
    if len(keys) > MAX_COLUMNS:
        raise ApiRefusal(413, "too_many_columns", f"行的字段超过 {MAX_COLUMNS} 个上限")
    header = tuple(title(key) for key in keys)
    cells = []
    for number, row in enumerate(rows, start=2):
        values = tuple("" if row.get(key) is None else str(row.get(key)).strip() for key in keys)
        if any(len(v) > MAX_CELL_CHARS for v in values):
            raise ApiRefusal(413, "cell_too_long", f"第 {number} 行有超过 {MAX_CELL_CHARS} 个字符的值")
        if any(values):  # a blank row is not data, as in a file
            cells.append((number, values))
    return Table(name, header, tuple(cells))


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_file(request: Request) -> tuple[bytes, str]:
    """The bytes and name of the multipart field ``file`` (at most one byte past the limit,
    so that the reader refuses it as ``file_too_large``); 415 for any other body."""
    if _media_type(request) != "multipart/form-data":
        raise ApiRefusal(415, "unsupported_media_type", "请上传 multipart/form-data 文件 (字段 file)")
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise ApiRefusal(400, "missing_file", "缺少上传文件 (multipart 字段 file)", field="file")
    data = await upload.read(MAX_BYTES + 1)
    return data, (upload.filename or "upload").replace("/", "_")[-200:]


async def read_upload(request: Request, template_of: Any) -> Table:
    """The table a batch endpoint was sent; ``template_of()`` gives the template for JSON rows."""
    kind = _media_type(request)
    if kind == "multipart/form-data":
        data, name = await read_file(request)
        return await run_in_threadpool(read_table, data, collect_cell_errors=True, name=name)
    if kind == "application/json":
        try:
            body = RowsBody.model_validate(json.loads(await request.body()))
        except ValidationError as exc:
            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
        except ValueError:
            raise ApiRefusal(400, "invalid_request", "请求体不是有效的 JSON") from None
        return rows_table(body.rows, await run_in_threadpool(template_of))
    raise ApiRefusal(415, "unsupported_media_type", "请上传 multipart/form-data 文件或 application/json 行")
