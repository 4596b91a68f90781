"""``medins rates``: the parameters in force for a region and period, with their sources."""

from __future__ import annotations

import argparse
import json
from typing import Any

from medins_core.cli._common import Subparsers, add_format_option, add_params_option, registry_from
from medins_core.datafile import PARAMETERS
from medins_core.params import RegionRules
from medins_core.period import Period
from medins_core.render import table


def register(subparsers: Subparsers) -> None:
    """Add the ``rates`` subcommand."""
    parser = subparsers.add_parser("rates", help="显示某统筹区某期的费率、定额及其来源")
    parser.add_argument("--region", required=True, help="统筹区代码, 如 320500")
    parser.add_argument("--period", required=True, help="费款所属期, 如 2022-08")
    add_params_option(parser)
    add_format_option(parser, "table", "json")
    parser.set_defaults(func=run)


def rates_json(rules: RegionRules, period: Period) -> dict[str, Any]:
    """What is in force in ``period``, as ``--format json`` prints it (and ``GET /v1/regions/{code}/rates``)."""
    found: list[dict[str, Any]] = []
    local = (code for code, line in rules.lines.items() if not line.national)
    for code in dict.fromkeys((*rules.default_lines, *rules.optional_lines, *local)):
        for parameter in PARAMETERS:
            value = rules.value(code, parameter, period)
            found.append(
                {
                    "insurance": code,
                    "name": rules.lines[code].name,
                    "parameter": parameter,
                    "value": None if value is None else str(value.value),
                    "status": None if value is None else value.status.value,
                    "source": None if value is None else value.source,
                }
            )
    limit = rules.base_limit(period)
    return {
        "region": rules.code, "name": rules.name, "period": str(period), "values": found,
        "base_limit": None if limit is None else {
            "floor": None if limit.floor is None else str(limit.floor),
            "ceiling": None if limit.ceiling is None else str(limit.ceiling),
            "source": limit.source, "status": limit.status.value,
        },
    }


def run(args: argparse.Namespace) -> int:
    """Print what is in force."""
    rules = registry_from(args).region(args.region).rules
    period = Period.parse(args.period, field="--period")
    data = rates_json(rules, period)
    found, limit = data["values"], rules.base_limit(period)
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"{rules.name}({rules.code}) {period}")
    rows = [[f["insurance"], f["name"], f["parameter"], f["value"] or "未知", f["status"] or "-", f["source"] or "-"]
            for f in found]
    print(table(["险种", "名称", "参数", "值", "状态", "来源"], rows))
    if limit is None:
        print("缴费基数上下限: 未知 (源文件未给出)")
    else:
        print(f"缴费基数上下限: {limit.floor} – {limit.ceiling} ({limit.status.value}; {limit.source})")
    if rules.notes:
        print(f"说明: {rules.notes}")
    return 0
