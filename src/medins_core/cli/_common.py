"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
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


class _Insurance(argparse.Action):
    """``--insurance``, or its old name ``--lines`` with a note on stderr; never both."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        given = getattr(namespace, "_insurance_option", None)
        if given is not None and given != option_string:
            parser.error("--insurance 与其旧名 --lines 不能同时使用")
        if option_string == "--lines":
            print("medins: 注意 --lines 已改名为 --insurance, 旧名将在下一版本移除", file=sys.stderr)
        namespace._insurance_option = option_string
        setattr(namespace, self.dest, values)


def add_insurance_option(parser: argparse.ArgumentParser, help: str) -> None:
    """``--insurance CODES`` (险种, comma separated) and its hidden deprecated name ``--lines``."""
    parser.add_argument("--insurance", metavar="CODES", action=_Insurance, help=help)
    parser.add_argument("--lines", dest="insurance", action=_Insurance, help=argparse.SUPPRESS)


def add_format_option(parser: argparse.ArgumentParser, *choices: str) -> None:
    """``--format`` with the given choices, the first being the default."""
    parser.add_argument("--format", choices=choices, default=choices[0], help="输出格式")


Subparsers = Any
