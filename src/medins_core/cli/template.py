"""``medins template``: write a region's batch template (批量模板) as XLSX."""

from __future__ import annotations

import argparse

from medins_core.cli._common import Subparsers, add_params_option, registry_from
from medins_core.io.template_files import write_template
from medins_core.io.templates import KINDS


def register(subparsers: Subparsers) -> None:
    """Add the ``template`` subcommand."""
    parser = subparsers.add_parser(
        "template",
        help="下载批量模板: 增员 enroll / 减员 suspend / 工资申报 wages / 人员比对 reconcile",
        description="按统筹区门户的列名写出批量模板 (.xlsx): 第 1 行为表头, 从第 2 行填写; "
        "枚举列带下拉列表, 证件号码、手机号码为文本格式, 日期为 YYYY/MM/DD; 第二页为填写说明。",
    )
    parser.add_argument("kind", choices=KINDS, metavar="KIND", help=f"模板类型: {', '.join(KINDS)}")
    parser.add_argument("--region", required=True, help="统筹区代码, 如 320500")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.xlsx", help="输出文件")
    add_params_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the template; the file appears only when complete."""
    region = registry_from(args).region(args.region)
    rules = region.rules
    template = region.template(args.kind)
    write_template(template, args.output, region=f"{rules.name} {rules.code}")
    print(
        f"已写入 {template.name}（{rules.name} {rules.code}，{len(template.columns)} 列）: {args.output}"
    )
    return 0
