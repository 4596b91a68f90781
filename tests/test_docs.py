"""The docs stay true to the code: province pages list exactly the shipped data."""

from __future__ import annotations

import runpy
from pathlib import Path

DOCS = Path(__file__).parent.parent / "docs"


def test_province_pages_list_the_shipped_values_and_rules() -> None:
    generator = runpy.run_path(str(DOCS / "gen_provinces.py"))
    assert generator["main"](check=True) == 0, "run: python docs/gen_provinces.py"


def test_every_plugin_has_a_province_page() -> None:
    from medins_core.registry import load_registry

    plugins = {r.plugin for r in load_registry(use_env=False)}
    assert plugins == {p.stem for p in (DOCS / "provinces").glob("*.md")}
