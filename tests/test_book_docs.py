"""docs/book.md is run: its files are written, its commands run in order, their output compared.

On SQLite and on PostgreSQL. ``MEDINS_UPDATE_DOCS=1`` writes the actual output (SQLite) back
into the page instead of comparing.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from test_book import db_url, pg_server  # noqa: F401

from medins_core.cli import main

PAGE = Path(__file__).parent.parent / "docs" / "book.md"
FENCE = re.compile(r"^```(\w+)(?: file=(\S+))?\n(.*?)^```\n", re.M | re.S)
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00)?")


def _normal(text: str, url: str) -> str:
    return TIME.sub("<time>", text.replace(url, "sqlite:///medins.db")).rstrip()


def _console(block: str) -> list[tuple[str, str]]:
    """``(command, documented output)`` of each ``$`` line."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return [(command, "\n".join(out)) for command, out in steps]


def run_page(
    page: Path, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],  # noqa: F811
    checked: Callable[[str], bool] = lambda command: True,
) -> list[tuple[str, int, str]]:  # fmt: skip
    """Write the page's files and run its commands in order, comparing the output of each
    ``checked`` one with the page's; ``MEDINS_UPDATE_DOCS=1`` writes the actual output back
    instead (SQLite). Each medins command's (command, exit code, stderr)."""
    text = page.read_text(encoding="utf-8")
    update = os.environ.get("MEDINS_UPDATE_DOCS") == "1"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MEDINS_DB", db_url)
    monkeypatch.delenv("MEDINS_PARAMS", raising=False)
    pieces, done, ran = [], 0, []
    for match in FENCE.finditer(text):
        kind, name, body = match.groups()
        if name:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(body, encoding="utf-8")
            continue
        if kind != "console":
            continue
        answered = []
        for command, documented in _console(body):
            words = shlex.split(command)
            if words[0] == "export":
                key, value = words[1].split("=", 1)
                monkeypatch.setenv(key, value)
                answered.append(f"$ {command}")
                continue
            assert words[0] == "medins"
            code = main(words[1:])
            out, err = capsys.readouterr()
            ran.append((command, code, err))
            if not checked(command):
                answered.append(f"$ {command}")
                continue
            actual = _normal(out + err, db_url)
            if not update:
                assert actual == _normal(documented, db_url), command
            answered.append(f"$ {command}" + (f"\n{actual}" if actual else ""))
        pieces.append(text[done : match.start()] + "```console\n" + "\n".join(answered) + "\n```\n")
        done = match.end()
    if update and db_url.startswith("sqlite"):
        page.write_text("".join(pieces) + text[done:], encoding="utf-8")
    return ran


def test_the_walkthrough_runs_as_documented(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    ran = run_page(PAGE, db_url, tmp_path, monkeypatch, capsys)
    for command, code, err in ran:
        assert (code == 2) == ("medins: [" in err), command
    assert len(ran) >= 20
