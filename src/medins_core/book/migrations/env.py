"""Alembic environment of the unit book: runs on the connection :mod:`medins_core.book.db` gives."""

from __future__ import annotations

from alembic import context

from medins_core.book.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # two processes opening a fresh book at once: one migrates, the other waits and finds it done
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7261001)")
    context.run_migrations()
