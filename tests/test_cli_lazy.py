"""The command line imports only the chosen subcommand's module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import medins_core
from medins_core.cli import build_parser, commands

ROSTER = Path(medins_core.__file__).parent / "examples" / "suzhou_unit.csv"


def imported_after(*argv: str, prefix: str = "medins_core") -> set[str]:
    code = (
        "import sys\nfrom medins_core.cli import main\n"
        f"try:\n    main({list(argv)!r})\nexcept SystemExit:\n    pass\n"
        f"print(' '.join(m for m in sys.modules if m.startswith({prefix!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.strip().splitlines()[-1].split())


def test_help_lists_every_command_as_the_full_parser_does() -> None:
    full = build_parser().format_help()
    assert build_parser(["--help"]).format_help() == full
    assert all(name in full for name in commands())


def test_help_imports_no_subcommand() -> None:
    loaded = imported_after("--help")
    assert not any(f"medins_core.cli.{name}" in loaded for name in commands())
    assert "medins_core.assessment" not in loaded


def test_a_command_imports_only_its_module() -> None:
    loaded = imported_after("regions", "--format", "json")
    others = {f"medins_core.cli.{name}" for name in commands()} - {"medins_core.cli.regions"}
    assert "medins_core.cli.regions" in loaded and not others & loaded


def test_a_small_assessment_imports_no_workbook_writer_stdnum_or_numpy() -> None:
    # each was a large part of a short command's time: XlsxWriter (only writing a workbook
    # needs it), stdnum (its package imports ssl; its county table is read directly) and the
    # columnar engine's numpy and pyarrow (below 64 person-months the reference engine is as fast)
    loaded = imported_after("demo", "--format", "json", prefix="")
    assert not {"xlsxwriter", "stdnum", "numpy", "pyarrow"} & loaded
    assert "medins_core.assessment" in loaded
    # the demo's roster is found in the package without importlib.resources (resources.py)
    assert not {"importlib.resources", "tempfile"} & loaded


NOT_FOR_AN_ASSESSMENT = {
    # the operation checks and the templates (plugin.py and the provinces import them on use;
    # the field-name rules are checked against rule_catalogue.REQUEST_FIELDS)
    "medins_core.operations",
    "medins_core.io.templates",
    "medins_core.io.xlsx",
    # importlib.metadata (email, csv, zipfile): entry_points.py reads the dist-info folders
    "importlib.metadata",
    "email",
    # importlib.resources (tempfile, zipfile): package_data_files answers the same Path
    "importlib.resources",
    "zipfile",
    "tempfile",
    # a CSV roster needs no XLSX reader or guard, a table answer no json, a period no
    # calendar, a chosen command no list of commands
    "medins_core.io.xlsx_guard",
    "python_calamine",
    "json",
    "calendar",
    "pkgutil",
}


def test_a_csv_assessment_imports_no_operation_checks_templates_or_package_metadata() -> None:
    loaded = imported_after("assess", str(ROSTER), "--region", "320500", "--period", "2022-08", prefix="")
    assert "medins_core.assessment" in loaded and "cattrs" in loaded  # it did run
    assert not NOT_FOR_AN_ASSESSMENT & loaded, NOT_FOR_AN_ASSESSMENT & loaded


def test_the_command_freezes_what_it_imported_and_a_calling_program_keeps_its_collector() -> None:
    # as the medins command (argv from sys.argv) the imports leave the collector's sight; a
    # program calling main() with its own arguments (these tests too) keeps every object in it
    code = (
        "import gc, sys\nfrom medins_core.cli import main\n"
        f"sys.argv = ['medins', 'assess', {str(ROSTER)!r}, '--region', '320500', '--period', '2022-08']\n"
        "called = main(sys.argv[1:]), gc.get_freeze_count()\n"
        "whole = main(), gc.get_freeze_count()\n"
        "print(*called, *whole, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    called, frozen_called, whole, frozen_whole = map(int, done.stderr.split()[-4:])
    assert (called, whole) == (0, 0)
    assert frozen_called == 0 and frozen_whole > 1000
