"""Opening a book: the database URL, the engine, and the migrations applied on open.

The default is the SQLite file ``medins.db`` in the working directory, or the URL in
``MEDINS_DB``; PostgreSQL through ``postgresql+psycopg://user@host/db``. The schema is kept by
the Alembic migrations shipped in ``medins_core/book/migrations`` and applied here, so no
``alembic.ini`` is needed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, OperationalError

from medins_core.errors import InputError

MIGRATIONS = Path(__file__).parent / "migrations"
DEFAULT_URL = "sqlite:///medins.db"


def database_url(url: str | None = None) -> str:
    """``url``, else ``MEDINS_DB``, else the SQLite file ``medins.db``."""
    return url or os.environ.get("MEDINS_DB") or DEFAULT_URL


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # pysqlite's own transaction handling off: the "begin" hook below starts every transaction
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # writers queue at BEGIN instead of failing at their first write inside a stale snapshot
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_book_engine(url: str | None = None) -> Engine:
    """An engine for the book at ``url`` (see :func:`database_url`); nothing is created yet."""
    url = database_url(url)
    try:
        engine = create_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise InputError("invalid_db_url", f"无法使用数据库地址 {url!r}: {exc}", field="--db") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str | None:
    """The newest migration shipped with this version of medins."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def migrate(engine: Engine) -> None:
    """Bring the book's schema to the newest migration (nothing to do when it is there)."""
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            connection.rollback()
        if current == head():
            return
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise InputError(
            "db_unavailable", f"无法打开数据库 {engine.url!r}: {exc.orig}", field="--db"
        ) from None
