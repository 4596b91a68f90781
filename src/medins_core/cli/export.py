"""``medins export``: an assessment's payment notice or roster as XLSX, as the portals print them."""

from __future__ import annotations

import argparse
import sys

from medins_core.assessment import Parts, PaymentType, assess
from medins_core.cli._common import Subparsers, add_params_option, registry_from
from medins_core.io.export import write_notice_xlsx, write_roster_xlsx
from medins_core.io.roster import RosterError, read_roster
from medins_core.money import format_yuan
from medins_core.period import Period

WRITERS = {"notice": write_notice_xlsx, "roster": write_roster_xlsx}


def register(subparsers: Subparsers) -> None:
    """Add the ``export`` subcommand."""
    parser = subparsers.add_parser(
        "export",
        help="导出缴费通知单 (notice) 或花名册 (roster) 为 .xlsx",
        description="按花名册核定后导出: notice 为缴费通知单 (险种行、小计、核定征集总额及大写), "
        "roster 为每人每险种每月一行的明细及汇总。ROSTER 的列同 medins assess。",
    )
    parser.add_argument("what", choices=sorted(WRITERS), metavar="WHAT", help="notice 或 roster")
    parser.add_argument("roster", metavar="ROSTER", help="花名册文件 (.csv 或 .xlsx)")
    parser.add_argument("--region", required=True, help="统筹区代码, 如 320500")
    parser.add_argument("--period", required=True, help="费款所属期 (起), 如 2022-08")
    parser.add_argument("--to", help="费款所属期 (止), 默认同 --period")
    parser.add_argument(
        "--type", choices=[t.value for t in PaymentType], default="regular", help="缴费类型"
    )
    parser.add_argument("--lines", help="只核定这些险种, 逗号分隔, 如 310,330")
    parser.add_argument(
        "--parts",
        choices=[p.value for p in Parts],
        default="both",
        help="核定单位部分、个人部分或两者",
    )
    parser.add_argument("--unit-name", default="", help="单位名称")
    parser.add_argument("--unit-no", default="", help="单位编号")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.xlsx", help="输出文件")
    add_params_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Assess the roster and write the file; nothing is written unless the assessment succeeds."""
    rules = registry_from(args).region(args.region)
    start = Period.parse(args.period, field="--period")
    end = Period.parse(args.to, field="--to") if args.to else start
    try:
        roster = read_roster(args.roster, rules=rules)
    except RosterError as exc:
        for problem in exc.problems[:50]:
            print(f"medins: {problem}", file=sys.stderr)
        if len(exc.problems) > 50:
            print(f"medins: …共 {len(exc.problems)} 处错误", file=sys.stderr)
        return 2
    for message in roster.warnings:
        print(f"medins: 注意 {message}", file=sys.stderr)
    lines = [c.strip() for c in args.lines.split(",") if c.strip()] if args.lines else None
    result = assess(
        roster.members, rules, start, end,
        payment_type=PaymentType(args.type), lines=lines, parts=Parts(args.parts),
    )  # fmt: skip
    WRITERS[args.what](result, args.output, unit_name=args.unit_name, unit_no=args.unit_no)
    for warning in result.warnings:
        print(f"medins: 注意 [{warning.code}] {warning.message}", file=sys.stderr)
    print(
        f"已写入 {args.output}: {result.persons} 人, 核定征集总额 {format_yuan(result.total)} ({result.total_upper})"
    )
    return 0
