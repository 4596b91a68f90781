"""``medins params``: the overlay file an assessment needs (skeleton), and checking overlays."""

from __future__ import annotations

import argparse
import json
import sys

from medins_core.cli._common import (
    Subparsers,
    add_format_option,
    add_insurance_option,
    registry_from,
)


def register(subparsers: Subparsers) -> None:
    """Add the ``params`` subcommand and its ``skeleton`` and ``check``."""
    parser = subparsers.add_parser("params", help="写出核定所需参数文件的骨架 (skeleton), 检查参数文件 (check)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    skeleton = actions.add_parser(
        "skeleton",
        help="写出核定所需而数据中没有的每个参数, 留空待填",
        description="按统筹区、费款所属期和险种, 写出一份参数文件: 核定需要而内置数据没有的每个值都"
        "留空并注明含义。填好后用 medins params check 检查, 用 --params 目录 核定。",
    )
    skeleton.add_argument("--region", required=True, help="统筹区代码, 如 210200")
    skeleton.add_argument("--period", required=True, help="起始费款所属期, 如 2023-01")
    skeleton.add_argument("--to", help="终止费款所属期 (默认同 --period)")
    add_insurance_option(skeleton, "只核定这些险种, 逗号分隔 (默认为统筹区的默认险种)")
    skeleton.add_argument("--parts", choices=["both", "unit", "person"], default="both", help="单位、个人或两者")
    skeleton.add_argument("-o", "--output", metavar="FILE.toml", help="写入文件 (默认打印)")
    skeleton.set_defaults(func=run_skeleton)

    check = actions.add_parser(
        "check",
        help="检查一个目录中的参数文件 (退出码 0 全部可用, 2 有错误)",
        description="逐个检查 DIR 中的 *.toml, 再合在一起按 --params 的方式加载: 报告每个文件的错误。",
    )
    check.add_argument("directory", metavar="DIR", help="参数文件目录")
    add_format_option(check, "table", "json")
    check.set_defaults(func=run_check)


def run_skeleton(args: argparse.Namespace) -> int:
    """Print or write the skeleton; a note on stderr when nothing is missing."""
    from medins_core.codes import split_lines
    from medins_core.io.output import atomic_output
    from medins_core.overlays import skeleton

    region = registry_from(args).region(args.region)
    insurance = list(split_lines(args.insurance)) or None
    text = skeleton(region, args.period, args.to, insurance, args.parts)
    if not text:
        print(f"medins: {region.name}({region.code}) 该核定所需的参数均已知, 无需参数文件", file=sys.stderr)
        return 0
    if args.output is None:
        sys.stdout.write(text)
        return 0
    with atomic_output(args.output) as out:
        out.write(text.encode("utf-8"))
    print(f"已写入 {args.output}", file=sys.stderr)
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Report each file: 0 when all load and apply, 2 when any does not."""
    from medins_core.overlays import check_directory

    verdicts = check_directory(args.directory)
    if args.format == "json":
        found = [
            {
                "file": v.file,
                "region": v.region,
                "ok": v.error is None,
                "error": None if v.error is None else {
                    "code": v.error.code, "message": v.error.message, "field": v.error.field,
                },
            }
            for v in verdicts
        ]  # fmt: skip
        print(json.dumps({"directory": args.directory, "files": found}, ensure_ascii=False, indent=2))
    else:
        for v in verdicts:
            print(f"{v.file}: " + ("可用" if v.error is None else str(v.error)))
        if not verdicts:
            print(f"medins: 目录 {args.directory} 中没有 *.toml 参数文件", file=sys.stderr)
    return 2 if any(v.error is not None for v in verdicts) else 0
