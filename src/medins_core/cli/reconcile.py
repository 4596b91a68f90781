"""``medins reconcile``: compare the unit's staff list with the persons insured here (人员信息比对).

Exit codes: 0 the lists agree, 1 there are persons to add or remove, names that differ or
rows that could not be used, 2 a file cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys

from medins_core.ids import mask_text
from medins_core.cli._common import Subparsers, add_format_option, add_params_option, registry_from
from medins_core.ids import mask_cert_no
from medins_core.io.reconcile import Listed, Reconciliation, read_people, reconcile
from medins_core.io.template_files import write_template
from medins_core.io.templates import template_for
from medins_core.render import table


def register(subparsers: Subparsers) -> None:
    """Add the ``reconcile`` subcommand."""
    parser = subparsers.add_parser(
        "reconcile",
        help="人员信息比对: 按证件号码比对职工名单与参保名单, 给出增员名单与减员名单",
        description="STAFF 为本单位职工名单, --roster 为在本单位参保的人员名单 (花名册导出); 两者均需"
        "「证件号码」与「姓名」列, 其他列忽略; 花名册有「参保状态」列时只计正常参保的人员。",
    )
    parser.add_argument("staff", metavar="STAFF", help="职工名单 (.xlsx 或 .csv)")
    parser.add_argument("--roster", required=True, help="参保人员名单 / 花名册 (.xlsx 或 .csv)")
    parser.add_argument(
        "--region", help="统筹区代码: 与 --add-out/--remove-out 一起, 按该地模板写出名单"
    )
    parser.add_argument(
        "--add-out", metavar="FILE.xlsx", help="把增员名单写成增员模板 (已填证件与姓名)"
    )
    parser.add_argument(
        "--remove-out", metavar="FILE.xlsx", help="把减员名单写成减员模板 (已填证件与姓名)"
    )
    add_params_option(parser)
    add_format_option(parser, "table", "json")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compare, print, and write the lists as templates when asked."""
    region = registry_from(args).region(args.region) if args.region else None
    result = reconcile(read_people(args.staff), read_people(args.roster, insured_only=True))
    for kind, people, path in (
        ("enroll", result.add, args.add_out),
        ("suspend", result.remove, args.remove_out),
    ):
        if path:
            rows = [
                {"cert_type": p.cert_type, "cert_no": p.cert_no, "name": p.name} for p in people
            ]
            write_template(template_for(kind, region), path, rows)
            print(f"medins: 已写入 {len(rows)} 人: {path}", file=sys.stderr)
    if args.format == "json":
        # dumps, not dump: only the one-shot encoder is in C (seconds for 100,000 rows)
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    else:
        print(mask_text(render(result)))  # a name cell may hold a number: the table is a message
    return 0 if result.agrees else 1


def _people(title: str, people: tuple[Listed, ...]) -> list[str]:
    rows = [[str(p.row), p.name, mask_cert_no(p.cert_no)] for p in people]
    return (
        ["", f"{title} ({len(people)} 人):", table(["行", "姓名", "证件号码"], rows)]
        if people
        else []
    )


def render(result: Reconciliation) -> str:
    """The answer for a person; certificate numbers masked (use --format json for full ones)."""
    out = [
        f"职工名单 {result.staff_file}: {result.staff} 人; 参保名单 {result.roster_file}: {result.insured} 人",
        f"增员 {len(result.add)} 人, 减员 {len(result.remove)} 人, 姓名不一致 {len(result.mismatches)} 人",
    ]
    out += _people("增员名单 (在职工名单中、未在本单位参保: 请办理参保登记)", result.add)
    out += _people("减员名单 (在本单位参保、不在职工名单中: 请办理暂停参保)", result.remove)
    if result.mismatches:
        rows = [
            [
                mask_cert_no(m.staff.cert_no),
                f"{m.staff.name} (第 {m.staff.row} 行)",
                f"{m.roster.name} (第 {m.roster.row} 行)",
            ]
            for m in result.mismatches
        ]
        out += [
            "",
            f"姓名不一致 ({len(rows)} 人):",
            table(["证件号码", "职工名单", "参保名单"], rows),
        ]
    for problem in result.problems:
        out.append(f"注意 {problem}")
    return "\n".join(out)
