"""``medins export``: an assessment's payment notice or roster as XLSX, as the portals print them."""

from __future__ import annotations

import argparse
import sys

from medins_core.cli._common import Subparsers
from medins_core.cli.assess import add_assessment_arguments, assessment_from
from medins_core.io.export import write_notice_xlsx, write_roster_xlsx
from medins_core.money import format_yuan

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
    add_assessment_arguments(parser)
    parser.add_argument("-o", "--output", required=True, metavar="OUT.xlsx", help="输出文件")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Assess the roster and write the file; nothing is written unless the assessment succeeds."""
    result = assessment_from(args)
    WRITERS[args.what](result, args.output, unit_name=args.unit_name, unit_no=args.unit_no)
    for warning in result.warnings:
        print(f"medins: 注意 [{warning.code}] {warning.message}", file=sys.stderr)
    print(
        f"已写入 {args.output}: {result.persons} 人, 核定征集总额 {format_yuan(result.total)} ({result.total_upper})"
    )
    return 0
