"""``medins regions``: every region the loaded plugins provide."""

from __future__ import annotations

import argparse
import json
from typing import Any

from medins_core.cli._common import Subparsers, add_format_option, add_params_option, registry_from
from medins_core.registry import Registry
from medins_core.render import table


def register(subparsers: Subparsers) -> None:
    """Add the ``regions`` subcommand."""
    parser = subparsers.add_parser("regions", help="列出所有统筹区及其插件、数据年份和状态")
    add_params_option(parser)
    add_format_option(parser, "table", "json")
    parser.set_defaults(func=run)


def region_rows(registry: Registry) -> list[dict[str, Any]]:
    """Every region as ``--format json`` lists it (and ``GET /v1/regions``)."""
    return [
        {
            "code": r.code,
            "name": r.name,
            "province": r.province,
            "plugin": r.plugin,
            "aliases": r.aliases,
            "data_years": r.data_years(),
            "status": r.status(),
            "default_lines": list(r.default_lines),
        }
        for r in (region.rules for region in registry)
    ]


def run(args: argparse.Namespace) -> int:
    """Print the regions."""
    registry = registry_from(args)
    failed = 2 if registry.problems or registry.conflicts else 0  # the rest is still listed
    rows = region_rows(registry)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return failed
    header = ["代码", "名称", "省份", "插件", "数据年份", "状态", "别名"]
    body = [
        [r["code"], r["name"], r["province"], r["plugin"], r["data_years"] or "-", r["status"],
         " ".join(f"{k} {v}" for k, v in r["aliases"].items())]
        for r in rows
    ]
    print(table(header, body))
    return failed
