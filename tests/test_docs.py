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
    assert plugins == {p.stem for p in (DOCS / "provinces").glob("*.md")} - {"README"}


def test_every_capability_names_each_province_a_status_and_what_shows_it() -> None:
    generator = runpy.run_path(str(DOCS / "gen_provinces.py"))
    root = DOCS.parent
    entries = generator["capabilities"]()
    assert len({e["name"] for e in entries}) == len(entries) > 10
    for entry in entries:
        assert set(entry) == {"name", *generator["PROVINCES"]}, entry["name"]
        for province in generator["PROVINCES"]:
            found = entry[province]
            assert found["status"] in generator["STATUSES"], (entry["name"], province)
            assert set(found) <= {"status", "evidence", "note"}, (entry["name"], province)
            if found["status"] == "not in scope":
                assert found.get("note") and not found.get("evidence"), (entry["name"], province)
                continue
            assert found.get("evidence"), (entry["name"], province)
            if found["status"] == "partial":
                assert found.get("note"), (entry["name"], province)
            for pointer in found["evidence"]:
                path, _, name = pointer.partition("::")
                text = (root / path).read_text(encoding="utf-8")
                defined = (f"def {name}(", f"class {name}(", f"class {name}:")
                assert any(d in text for d in defined), f"{pointer} does not exist"
