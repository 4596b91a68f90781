"""docs/queries.md is run as docs/book.md is: files written, commands run in order, output compared.

On SQLite and on PostgreSQL. ``MEDINS_UPDATE_DOCS=1`` writes the actual output (SQLite) back
into the page instead of comparing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_book import db_url, pg_server  # noqa: F401
from test_book_docs import run_page

PAGE = Path(__file__).parent.parent / "docs" / "queries.md"


def test_the_queries_walkthrough_runs_as_documented(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    # the setup's output is book.md's to check
    ran = run_page(PAGE, db_url, tmp_path, monkeypatch, capsys,
                   checked=lambda command: "book unit add" not in command and "book enroll" not in command)  # fmt: skip
    codes = [code for _, code, _ in ran]
    # every query answers; the three bills: equal, different, refused
    assert codes[:-3] == [0] * (len(codes) - 3) and codes[-3:] == [0, 1, 2]
