"""API keys of ``medins serve``: each opens exactly one unit of the book.

A key is 32 random bytes (``mk_`` + URL-safe text), shown once when made; the book keeps only
its SHA-256 hash, so a stolen database opens nothing. A random key of that length needs no slow
password hash: there is nothing to guess. The key's label is the actor of every write made
with it.
"""

from __future__ import annotations

import hashlib
import secrets

import attrs
from sqlalchemy import select

from medins_core.book.book import Book, UnitInfo
from medins_core.book.models import ApiKeyRow, UnitRow
from medins_core.errors import InputError

PREFIX = "mk_"


@attrs.frozen
class ApiKey:
    """A key as the book holds it: its id, label and the unit it opens."""

    id: int
    label: str
    unit: UnitInfo


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def add_key(book: Book, uscc: str, label: str = "") -> tuple[ApiKey, str]:
    """A new key for the unit: what is stored, and the key itself (shown once, never kept)."""
    label = label.strip()
    if len(label) > 100:
        raise InputError("invalid_label", "标签不能超过 100 个字符", field="--label")
    key = PREFIX + secrets.token_urlsafe(32)
    with book.transaction() as session:
        unit = book.unit(session, uscc)
        row = ApiKeyRow(unit_id=unit.id, label=label or "api", hash=_hash(key))
        session.add(row)
        session.flush()
        if not label:
            row.label = f"api-key-{row.id}"
        book.log(session, unit, "key_add", {"id": row.id, "label": row.label})
        return ApiKey(row.id, row.label, unit), key


def find_key(book: Book, key: str) -> ApiKey | None:
    """The stored key that ``key`` is, or None (compared by hash, in the database)."""
    if not key.startswith(PREFIX) or len(key) > 200:
        return None
    with book.transaction() as session:
        found = session.execute(
            select(ApiKeyRow, UnitRow).join(UnitRow, UnitRow.id == ApiKeyRow.unit_id)
            .where(ApiKeyRow.hash == _hash(key))
        ).first()  # fmt: skip
        if found is None:
            return None
        row, unit = found
        return ApiKey(row.id, row.label, book.unit(session, unit.uscc))
