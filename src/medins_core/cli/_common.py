"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
from typing import Any

from medins_core.registry import Registry, load_registry, report_problems


def add_params_option(parser: argparse.ArgumentParser) -> None:
    """``--params DIR`` (repeatable): operator parameter files overlaid on the shipped ones."""
    parser.add_argument(
        "--params",
        metavar="DIR",
        action="append",
        default=[],
        help="目录中的 *.toml 参数文件覆盖内置参数 (可重复; 另见环境变量 MEDINS_PARAMS)",
    )


def registry_from(args: argparse.Namespace) -> Registry:
    """The registry with the command line's ``--params`` directories, problems reported."""
    registry = load_registry(getattr(args, "params", []))
    report_problems(registry)
    return registry


def add_format_option(parser: argparse.ArgumentParser, *choices: str) -> None:
    """``--format`` with the given choices, the first being the default."""
    parser.add_argument("--format", choices=choices, default=choices[0], help="输出格式")


Subparsers = Any
