"""``Authorization: Bearer KEY``: a key made by ``medins book key add`` opens its own unit only.

Book endpoints always need a key; the stateless ones only when the server runs with
``--require-key``. The key's unit and label go to the request's log line, and the label is
the actor of every write.
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from medins_core.book.keys import ApiKey, find_key
from medins_core.serve.errors import ApiRefusal
from medins_core.serve.state import server

bearer = HTTPBearer(auto_error=False, scheme_name="apiKey", description="medins book key add --unit USCC 生成的密钥")


def _check(request: Request, credentials: HTTPAuthorizationCredentials | None) -> ApiKey:
    if credentials is None:
        raise ApiRefusal(401, "missing_key", "需要 API 密钥: Authorization: Bearer KEY")
    found = find_key(server(request).book(), credentials.credentials)
    if found is None:
        raise ApiRefusal(401, "invalid_key", "API 密钥无效")
    request.state.unit, request.state.actor = found.unit.uscc, found.label
    return found


def unit_key(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> ApiKey:
    """The caller's key (401 without a valid one)."""
    return _check(request, credentials)


def optional_key(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> ApiKey | None:
    """The caller's key when one is sent or the server requires one; else None."""
    if credentials is None and not server(request).settings.require_key:
        return None
    return _check(request, credentials)


def own_unit(key: ApiKey, uscc: str) -> None:
    """404 for any unit but the key's: another unit's paths do not exist for this key."""
    if uscc != key.unit.uscc:
        raise ApiRefusal(404, "unknown_unit", f"没有统一社会信用代码为 {uscc} 的单位")
