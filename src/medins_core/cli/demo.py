"""``medins demo``: assess the bundled example unit and print its payment notice."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from medins_core.assessment import assess
from medins_core.cli._common import Subparsers, add_format_option, registry_from
from medins_core.cli.assess import emit
from medins_core.io.roster import read_roster
from medins_core.resources import package_folder

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

DEMO_REGION = "320500"
DEMO_PERIOD = "2022-08"


def register(subparsers: Subparsers) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser("demo", help="示例: 核定内置示例单位 (苏州, 2022-08) 并打印缴费通知单")
    add_format_option(parser, "table", "json", "csv")
    parser.set_defaults(func=run, params=[])


def run(args: argparse.Namespace) -> int:
    """Assess the example roster shipped in the package."""
    rules = registry_from(args).region(DEMO_REGION).rules
    roster_file = package_folder("medins_core") / "examples" / "suzhou_unit.csv"
    with _as_file(roster_file) as path:
        roster = read_roster(path, rules=rules)
        if args.format == "table":
            print(f"示例花名册: {path.name}, {len(roster.members)} 人, {rules.name}({rules.code}), {DEMO_PERIOD}\n")
    emit(assess(roster.members, rules, DEMO_PERIOD), args.format, unit_name="示例科技有限公司")
    return 0


def _as_file(location: Traversable) -> contextlib.AbstractContextManager[Path]:
    """A path on disk for ``location``: itself when it is one (importlib.resources.as_file
    answers it the same), else a temporary copy as_file makes."""
    if isinstance(location, Path):
        return contextlib.nullcontext(location)
    from importlib.resources import as_file

    return as_file(location)
