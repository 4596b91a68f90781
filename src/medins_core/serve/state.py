"""What one server process holds: its settings, the registry, and the book (opened on first use)."""

from __future__ import annotations

import os
import threading

import attrs
from fastapi import Request

from medins_core.book import Book
from medins_core.registry import Registry, load_registry, report_problems

#: The environment variables that carry ``medins serve``'s options to every worker process.
ENV_DB, ENV_REQUIRE_KEY, ENV_TIMEOUT, ENV_PARAMS = "MEDINS_DB", "MEDINS_SERVE_REQUIRE_KEY", "MEDINS_SERVE_TIMEOUT", "MEDINS_PARAMS"


@attrs.frozen
class Settings:
    """The server's options: database URL, whether stateless endpoints need a key, the timeout."""

    db: str | None = None
    require_key: bool = False
    timeout: float = 30.0
    params: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> Settings:
        """The settings ``medins serve`` put in the environment of its workers."""
        return cls(
            db=os.environ.get(ENV_DB) or None,
            require_key=os.environ.get(ENV_REQUIRE_KEY) == "1",
            timeout=float(os.environ.get(ENV_TIMEOUT) or 30.0),
        )


class Server:
    """The registry (loaded once) and the book (opened, and migrated, on first use)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.registry: Registry = load_registry(list(settings.params))
        report_problems(self.registry)
        self._book: Book | None = None
        self._lock = threading.Lock()

    def book(self) -> Book:
        """The book; a database that cannot be opened is ``db_unavailable`` (503), retried next time."""
        with self._lock:
            if self._book is None:
                self._book = Book(self.settings.db, actor="api", registry=self.registry)
            return self._book

    def close(self) -> None:
        """Release the database connections."""
        with self._lock:
            if self._book is not None:
                self._book.close()
                self._book = None


def server(request: Request) -> Server:
    """The process's :class:`Server`."""
    found: Server = request.app.state.medins
    return found
