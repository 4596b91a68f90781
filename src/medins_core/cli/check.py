"""``medins check``: check a filled batch template row by row, as the portal would.

Exit codes: 0 every row passes, 1 some rows fail, 2 the file itself cannot be used (not a
spreadsheet, too large, too many rows, wrong header). ``medins check attachment FILE…``
checks attachment files instead (:mod:`medins_core.cli._attachment`).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from medins_core.cli import print_problems
from medins_core.cli._common import (
    Subparsers,
    add_format_option,
    add_insurance_option,
    add_params_option,
    registry_from,
)
from medins_core.codes import split_lines
from medins_core.errors import InputError
from medins_core.ids import mask_cert_no, mask_text
from medins_core.io.batch import CHECK_KINDS, BatchOptions, BatchResult, check_file, write_failures
from medins_core.io.table import MAX_ROWS
from medins_core.io.template_files import HeaderError
from medins_core.operations.attachments import PURPOSES
from medins_core.operations.change_records import ATTACHMENT_KINDS
from medins_core.operations.requests import CheckContext
from medins_core.period import Period


def register(subparsers: Subparsers) -> None:
    """Add the ``check`` subcommand."""
    parser = subparsers.add_parser(
        "check",
        help="检查批量上传文件: 逐行给出通过与未通过 (含原因), 可导出失败数据",
        description="读取已填写的批量模板 (.xlsx 或 .csv), 逐行按统筹区的业务规则检查。"
        "退出码: 0 全部通过, 1 有未通过的行, 2 文件本身无法使用 (表头不符、不是表格、过大)。"
        "KIND 为 attachment 时按内容检查附件图片 (可多个), 退出码同上。",
    )
    kinds = (*CHECK_KINDS, "attachment")
    parser.add_argument("kind", choices=kinds, metavar="KIND", help=f"业务类型: {', '.join(kinds)}")
    parser.add_argument(
        "file", metavar="FILE", nargs="+", help="已填写的模板 (.xlsx 或 .csv); attachment: 附件图片, 可多个"
    )
    parser.add_argument("--region", required=True, help="统筹区代码, 如 320500")
    parser.add_argument("--today", help="办理日期 YYYY-MM-DD, 默认今天")
    parser.add_argument(
        "--failures", metavar="OUT.xlsx", help="把未通过的行写入同一模板并加「失败原因」列"
    )
    parser.add_argument("--unit-no", default="", help="单位编号")
    add_insurance_option(parser, "本批参保险种, 逗号分隔 (增员), 默认统筹区的默认险种")
    parser.add_argument("--government-unit", action="store_true", help="机关事业单位")
    parser.add_argument("--start", help="工资申报开始年月, 用于模板中没有该列时, 默认当月")
    parser.add_argument("--end", help="工资申报结束年月, 用于模板中没有该列时, 默认当月")
    parser.add_argument(
        "--declaration-period",
        choices=("open", "closed"),
        help="年度申报时期是否开放 (批量工资申报); 默认未知, 不检查",
    )
    parser.add_argument(
        "--max-rows", type=int, default=MAX_ROWS, help=f"数据行上限, 默认 {MAX_ROWS}"
    )
    parser.add_argument(
        "--attachments", metavar="DIR", help="change: 附件所在目录, 默认模板文件所在目录"
    )
    parser.add_argument(
        "--for", dest="purpose", choices=PURPOSES, help="attachment: 办理的业务, 检查必传材料是否齐全"
    )
    parser.add_argument(
        "--kind", dest="attachment_kind", choices=ATTACHMENT_KINDS, default="stamped_form",
        help="attachment: 附件类型, 默认 stamped_form (盖章的纸质表)",
    )  # fmt: skip
    add_params_option(parser)
    add_format_option(parser, "table", "json")
    parser.set_defaults(func=run)


def _today(text: str | None) -> datetime.date:
    if text is None:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            "invalid_date", f"日期格式不正确: {text!r}，应为 YYYY-MM-DD", field="--today"
        ) from None


def run(args: argparse.Namespace) -> int:
    """Check the file and print the answer; exit 0, 1 or 2 (see the module)."""
    if args.kind == "attachment":
        from medins_core.cli._attachment import run as run_attachment  # noqa: PLC0415 - lazy

        return run_attachment(args)
    if len(args.file) > 1:
        raise InputError("too_many_files", f"{args.kind} 只检查一个文件", field="FILE")
    args.file = args.file[0]
    region = registry_from(args).region(args.region)
    rules = region.rules
    insurance = split_lines(args.insurance)
    for code in insurance:
        rules.line(code)  # an unknown code is an error naming the region
    options = BatchOptions(
        unit_no=args.unit_no,
        insurance=insurance,
        government_unit=args.government_unit,
        start=Period.parse(args.start, field="--start") if args.start else None,
        end=Period.parse(args.end, field="--end") if args.end else None,
        attachments_dir=Path(args.attachments) if args.attachments else None,
        context=CheckContext(
            declaration_open=None if args.declaration_period is None else args.declaration_period == "open"
        ),
    )
    try:
        result = check_file(
            args.kind, args.file, region=region, today=_today(args.today),
            options=options, max_rows=args.max_rows,
        )  # fmt: skip
    except HeaderError as exc:
        print(
            f"medins: 文件 {exc.file} 的表头与{rules.name}的模板不符 (请用 medins template {args.kind} 下载):",
            file=sys.stderr,
        )
        print_problems(exc, limit=len(exc.problems))
        return 2
    if args.failures:
        write_failures(result, args.failures)
    if args.format == "json":
        # dumps, not dump: only the one-shot encoder is in C (seconds for 100,000 rows)
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    else:
        print(render(result))
    if args.failures:
        print(
            f"medins: 已写入 {len(result.failed)} 行未通过的数据: {args.failures}", file=sys.stderr
        )
    return 0 if not result.failed else 1


def ranges(numbers: Sequence[int]) -> str:
    """Row numbers as ranges: ``2-5、7、9-10``."""
    parts: list[str] = []
    start = previous = None
    for n in numbers:
        if previous is not None and n == previous + 1:
            previous = n
            continue
        if start is not None:
            parts.append(f"{start}-{previous}" if start != previous else str(start))
        start = previous = n
    if start is not None:
        parts.append(f"{start}-{previous}" if start != previous else str(start))
    return "、".join(parts)


def render(result: BatchResult) -> str:
    """The answer for a person: a summary, every failed row with its problems, the rest compact."""
    failed, passed = result.failed, result.passed
    out = [
        f"{result.template.name} · {result.region} · {result.file}",
        f"共 {len(result.rows)} 行: 通过 {len(passed)} 行, 未通过 {len(failed)} 行",
    ]
    if failed:
        out += ["", "未通过:"]
    for row in failed:
        values = result.values(row)
        who = "  ".join(
            v for v in (values.get("name", ""), mask_cert_no(values.get("cert_no", ""))) if v
        )
        out.append(f"第 {row.row} 行  {who}".rstrip())
        for p in row.problems:
            mark = "" if p.is_error else "注意 "
            out.append(
                f"    {mark}[{p.code}] {result.column_title(p.field) or p.field}: {mask_text(p.message)}"
            )
    if passed:
        out += ["", f"通过: 第 {ranges([r.row for r in passed])} 行"]
    # warnings of passed rows, one line per code and column, with the first message as example
    grouped: dict[tuple[str, str], tuple[str, list[int]]] = {}
    for row in passed:
        for p in row.problems:
            column = result.column_title(p.field) or p.field
            grouped.setdefault((p.code, column), (p.message, []))[1].append(row.row)
    for (code, column), (message, rows) in grouped.items():
        shown = ranges(rows[:20]) + ("…" if len(rows) > 20 else "")
        message = mask_text(message)
        example = f"{message} 等" if len(rows) > 1 else message
        out.append(f"注意 [{code}] {column}: {example} (共 {len(rows)} 行: 第 {shown} 行)")
    return "\n".join(out)
