"""``medins retirement``: statutory retirement age and month under the 2025 reform.

``medins retirement --birth 1965-01 --group male60`` or ``medins retirement CERT_NO [--group G]``
(birth month and gender read from a resident ID number; men need no group).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from medins_core.errors import InputError
from medins_core.ids import mask_cert_no, parse_resident_id
from medins_core.render import display_width, pad
from medins_core.retirement import Retirement, RetirementGroup, format_age, group_for, retirement


def register(subparsers: Any) -> None:
    """Add the ``retirement`` subcommand."""
    groups = ", ".join(g.value for g in RetirementGroup)
    parser = subparsers.add_parser(
        "retirement",
        help="法定退休年龄（2025 渐进式延迟退休） — statutory retirement age",
        description="按 2025 年渐进式延迟法定退休年龄办法计算退休年龄和退休年月。",
    )
    parser.add_argument("cert_no", nargs="?", metavar="CERT_NO", help="18 位居民身份证号码")
    parser.add_argument("--birth", metavar="YYYY-MM", help="出生年月（不给证件号码时）")
    parser.add_argument("--group", help=f"退休年龄组别: {groups}（男性证件号码可省略）")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute and print one person's retirement; errors are raised for ``main`` to report."""
    cert_no: str | None = args.cert_no
    if cert_no is not None and args.birth is not None:
        raise InputError("conflicting_fields", "证件号码和 --birth 只能给出其一", field="birth")
    if cert_no is not None:
        resident = parse_resident_id(cert_no)
        result = retirement(resident.birth, group_for(resident.gender, args.group))
    elif args.birth is not None:
        if args.group is None:
            groups = "、".join(g.value for g in RetirementGroup)
            raise InputError(
                "missing_field", f"须指定退休年龄组别 --group（{groups}）", field="group"
            )
        result = retirement(args.birth, args.group)
    else:
        raise InputError("missing_field", "须给出证件号码或 --birth 出生年月", field="birth")
    if args.format == "json":
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        masked = None if cert_no is None else mask_cert_no(cert_no)
        print("\n".join(_table(result, masked)))
    return 0


def _table(result: Retirement, masked_cert_no: str | None) -> list[str]:
    rows = [
        ("出生年月", "birth", result.birth.iso),
        ("组别", "group", f"{result.group.value} {result.group.zh}"),
        ("原退休年龄", "original age", format_age(result.original_age_months)),
        ("延迟", "delay", f"{result.delay_months}个月"),
        ("新退休年龄", "retirement age", format_age(result.retirement_age_months)),
        ("退休年月", "retirement month", str(result.retirement_month)),
    ]
    if masked_cert_no is not None:
        rows.insert(0, ("证件号码", "cert no", masked_cert_no))
    zh_width = max(display_width(zh) for zh, _, _ in rows)
    en_width = max(len(en) for _, en, _ in rows)
    return [f"{pad(zh, zh_width)}  {en:<{en_width}}  {value}" for zh, en, value in rows]
