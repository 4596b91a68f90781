"""The ``medins`` command.

Each subcommand lives in its own module in this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable taking the
parsed arguments and returning the exit code. Modules are discovered, so adding a command
means adding a module.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from medins_core.errors import FileProblems, MedinsError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="medins",
        description="职工医保单位业务规则引擎 — employee medical insurance rules for units.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(subparsers)
    return parser


def print_problems(error: FileProblems, limit: int = 50) -> None:
    """Every problem of a file on stderr, one a line, at most ``limit`` of them."""
    for problem in error.problems[:limit]:
        print(f"medins: {problem}", file=sys.stderr)
    if len(error.problems) > limit:
        print(f"medins: …共 {len(error.problems)} 处错误", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 refused rows, 2 unusable input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except FileProblems as exc:
        print_problems(exc)
        return 2
    except MedinsError as exc:
        print(f"medins: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return code
