"""docs/queries.md is run as docs/book.md is: files written, commands run in order, output compared.

On SQLite and on PostgreSQL. ``MEDINS_UPDATE_DOCS=1`` writes the actual output (SQLite) back
into the page instead of comparing.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest
from test_book import db_url, pg_server  # noqa: F401
from test_book_docs import FENCE, _console, _normal

from medins_core.cli import main

PAGE = Path(__file__).parent.parent / "docs" / "queries.md"


def test_the_queries_walkthrough_runs_as_documented(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    text = PAGE.read_text(encoding="utf-8")
    update = os.environ.get("MEDINS_UPDATE_DOCS") == "1"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MEDINS_DB", db_url)
    monkeypatch.delenv("MEDINS_PARAMS", raising=False)
    pieces, done, codes = [], 0, []
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
            code = main(words[1:])
            out, err = capsys.readouterr()
            codes.append(code)
            if "book unit add" in command or "book enroll" in command:
                answered.append(f"$ {command}")  # the setup's output is book.md's
                continue
            actual = _normal(out + err, db_url)
            if not update:
                assert actual == _normal(documented, db_url), command
            answered.append(f"$ {command}" + (f"\n{actual}" if actual else ""))
        pieces.append(text[done : match.start()] + "```console\n" + "\n".join(answered) + "\n```\n")
        done = match.end()
    # every query answers; the three bills: equal, different, refused
    assert codes[:-3] == [0] * (len(codes) - 3) and codes[-3:] == [0, 1, 2]
    if update and db_url.startswith("sqlite"):
        PAGE.write_text("".join(pieces) + text[done:], encoding="utf-8")
