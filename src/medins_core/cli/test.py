"""``medins test [PATHS] [--plugin NAME] [--module MODULE]``: the conformance kit and case files.

Runs the kit (:mod:`medins_core.testing.kit`) on each plugin named (every loaded plugin when
none is) and the ``[[case]]`` files in PATHS (files or folders). Prints one line per failure,
naming file and key. Exit 0 when everything passes, 1 when anything fails, 2 when a named
plugin is not loaded at all.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from medins_core.cli._common import Subparsers, add_format_option, add_params_option
from medins_core.registry import load_registry
from medins_core.testing import case_files, run_cases, run_kit


def register(subparsers: Subparsers) -> None:
    """Add the ``test`` subcommand."""
    parser = subparsers.add_parser("test", help="插件一致性检查与声明式用例 (conformance kit)")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="用例文件或目录 (*.toml, [[case]])")
    parser.add_argument(
        "--plugin", action="append", default=[], metavar="NAME",
        help="要检查的插件名 (entry point 名或模块名; 可重复; 默认全部)",
    )
    parser.add_argument(
        "--module", action="append", default=[], metavar="MODULE",
        help="加载尚未安装的插件模块 (开发中; 可重复)",
    )
    add_params_option(parser)
    add_format_option(parser, "text", "json")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the kit and the cases; print failures."""
    try:
        modules = [importlib.import_module(name) for name in args.module]
    except ImportError as exc:
        print(f"medins: 无法导入插件模块: {exc}", file=sys.stderr)
        return 2
    registry = load_registry(args.params, plugins=modules)
    loaded = {r.plugin for r in registry} | {p.plugin for p in registry.problems}
    names = args.plugin or sorted(loaded)
    unknown = [name for name in names if name not in loaded]
    if unknown:
        print(f"medins: 未加载插件 {', '.join(unknown)}；已加载: {', '.join(sorted(loaded))}", file=sys.stderr)
        return 2
    failures = [f for name in names for f in run_kit(registry, name)]
    failures += run_cases(registry, case_files(args.paths))
    if args.format == "json":
        print(json.dumps(
            {"plugins": names, "failures": [{"file": f.file, "key": f.key, "message": f.message} for f in failures]},
            ensure_ascii=False, indent=2,
        ))
    else:
        for failure in failures:
            print(failure)
        print(f"medins test: 插件 {', '.join(names)}；{len(failures)} 处不符" if failures
              else f"medins test: 插件 {', '.join(names)} 全部通过", file=sys.stderr)
    return 1 if failures else 0
