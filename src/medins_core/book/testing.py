"""A throwaway PostgreSQL server on loopback, for tests of the book on PostgreSQL.

:func:`postgres_url` answers ``MEDINS_TEST_PG_URL`` when it is set (``.ci/run`` starts a server
and sets it); otherwise :func:`throwaway_postgres` starts one with the machine's ``initdb`` and
``pg_ctl`` in a temporary directory, on a free port, and stops it afterwards. PostgreSQL
refuses to run as root, so as root the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

URL_ENV = "MEDINS_TEST_PG_URL"
_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")


def postgres_binaries() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl``, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    for directory in _BIN_DIRS:
        if (Path(directory) / "initdb").exists():
            return Path(directory)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a private server (trust authentication, loopback only); yields its URL."""
    binaries = postgres_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL (initdb, pg_ctl) is not installed")
    root = Path(tempfile.mkdtemp(prefix="medins-pg-"))
    data, port = root / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")

    def run(*command: str) -> None:
        subprocess.run(_as_server_user(list(command)), check=True, stdout=subprocess.DEVNULL)

    try:
        run(str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off"
        run(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start")
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
