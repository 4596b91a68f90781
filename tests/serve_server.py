"""A real ``medins serve`` on a loopback port, as a subprocess, for the HTTP tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from medins_core.book.testing import URL_ENV


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Running:
    """A started server: its base URL, its process and where its log goes."""

    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url, self.process, self.log = url, process, log

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def log_lines(self) -> list[dict[str, object]]:
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def medins(*argv: str, env: dict[str, str] | None = None) -> str:
    """Run the command line (a book command, say); its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "medins_core.cli", *argv], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def serve(db: str, tmp: Path, *extra: str, env: dict[str, str] | None = None) -> Iterator[Running]:
    """Start ``medins serve --db DB`` on a free port and wait until it answers; stop it after."""
    port = free_port()
    log = tmp / f"serve-{port}.log"
    environment = {k: v for k, v in (env or os.environ).items() if k != URL_ENV}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "medins_core.cli", "serve", "--db", db, "--port", str(port), *extra],
            stdout=out, stderr=out, env=environment,
        )  # fmt: skip
    running = Running(f"http://127.0.0.1:{port}", process, log)
    try:
        for _ in range(600):  # until it listens (bounded: 60 s), or until it has died
            if process.poll() is not None:
                raise RuntimeError(f"medins serve exited: {log.read_text(encoding='utf-8')}")
            try:
                if httpx.get(f"{running.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield running
    finally:
        running.stop()
