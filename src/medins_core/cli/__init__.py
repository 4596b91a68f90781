"""The ``medins`` command.

Each subcommand lives in its own module in this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable taking the
parsed arguments and returning the exit code. Modules are discovered, so adding a command
means adding a module.

Only the chosen subcommand's module is imported: the others appear in ``medins --help`` by
the ``help=`` text of their ``add_parser`` call, read from their source without importing them
(the imports of a subcommand are most of the time of a short command).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Sequence

from medins_core.errors import FileProblems, MedinsError


def commands() -> list[str]:
    """The subcommands: the public modules of this package, by name."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))


def summary(name: str) -> str:
    """The ``help=`` text that module ``name`` gives its subcommand, read without importing it
    (else the first line of its docstring)."""
    spec = importlib.util.find_spec(f"{__name__}.{name}")
    if spec is None or spec.origin is None:
        return ""
    with open(spec.origin, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_parser":
            for keyword in node.keywords:
                if keyword.arg == "help" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return (ast.get_docstring(tree) or "").split("\n")[0]


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser. Without ``argv`` every subcommand is registered; with it, only the
    subcommand ``argv`` chooses (the others are listed by name and help)."""
    parser = argparse.ArgumentParser(
        prog="medins",
        description="职工医保单位业务规则引擎 — employee medical insurance rules for units.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    names = commands()
    chosen = None if argv is None else next((a for a in argv if not a.startswith("-")), None)
    for name in names:
        if argv is None or name == chosen:
            importlib.import_module(f"{__name__}.{name}").register(subparsers)
        else:
            subparsers.add_parser(name, help=summary(name))
    return parser


def print_problems(error: FileProblems, limit: int = 50) -> None:
    """Every problem of a file on stderr, one a line, at most ``limit`` of them."""
    for problem in error.problems[:limit]:
        print(f"medins: {problem}", file=sys.stderr)
    if len(error.problems) > limit:
        print(f"medins: …共 {len(error.problems)} 处错误", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 refused rows, 2 unusable input)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
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
