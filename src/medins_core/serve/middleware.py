"""What every request goes through before the routes: the body limit, the timeout, the log.

One plain ASGI wrapper around the application, outside the framework, so that its answers
(413, 503) are sent before any route runs or instead of one that took too long:

* a body larger than ``max_body`` is refused with 413 (``body_too_large``) whether it declares
  its length or streams it;
* a request that takes longer than ``timeout`` seconds is answered 503 (``timeout``);
* every request is logged as one JSON line: request ID, method, path (ID and mobile numbers
  masked), status, duration, and the unit and actor of its key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from medins_core.ids import mask_text

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("medins.serve")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class _TooLarge(Exception):
    pass


async def _answer(send: Send, status: int, code: str, message: str, request_id: str) -> None:
    body = json.dumps({"code": code, "message": message}, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
    ]  # fmt: skip
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, Message | None]:
    """The whole body (at most ``limit`` bytes), or the disconnect message that cut it short."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", message
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), None


class Guard:
    """The ASGI wrapper described in the module docstring."""

    def __init__(self, app: ASGIApp, *, max_body: int, timeout: float) -> None:
        self.app, self.max_body, self.timeout = app, max_body, timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        given = headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        status = 0

        async def tracked(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > self.max_body:
                raise _TooLarge
            body, cut = await _read_body(receive, self.max_body)
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if cut is not None:
                    return cut
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()  # after the body: only a disconnect comes

            await asyncio.wait_for(self.app(scope, replay, tracked), self.timeout)
        except _TooLarge:
            if not status:
                mb = self.max_body / (1024 * 1024)
                await _answer(tracked, 413, "body_too_large", f"请求体超过 {mb:g} MB 上限", request_id)
        except (TimeoutError, asyncio.TimeoutError):
            if not status:
                await _answer(tracked, 503, "timeout", f"请求超过 {self.timeout:g} 秒，已停止等待", request_id)
        finally:
            log.info(json.dumps({
                "request_id": request_id, "method": scope.get("method"), "path": mask_text(scope.get("path", "")),
                "status": status, "duration_ms": round((time.perf_counter() - started_at) * 1000, 2),
                "unit": state.get("unit"), "actor": state.get("actor"),
            }, ensure_ascii=False))  # fmt: skip
