"""``medins book query …`` and ``medins book compare``: the portals' queries and the bill check.

Registered by :mod:`medins_core.cli.book`. Tables print ID numbers masked; ``--format json``
and ``--xlsx FILE`` carry them in full, as the portals' own exports do.
"""

from __future__ import annotations

import argparse
import datetime
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from medins_core import book
from medins_core.book import compare as bill_check
from medins_core.book import queries
from medins_core.errors import InputError
from medins_core.ids import mask_cert_no
from medins_core.io.output import check_output, note_input
from medins_core.money import format_yuan
from medins_core.period import Period
from medins_core.serialize import to_json

Command = Callable[..., argparse.ArgumentParser]


def register(commands: Any, command: Command) -> None:
    """Add ``query`` (with its five queries) and ``compare`` to ``medins book``."""
    query = commands.add_parser("query", help="业务查询: 参保人员、缴费、退休到龄、欠费、待办/已办业务")
    kinds = query.add_subparsers(dest="query_command", metavar="QUERY", required=True)
    sub = _query(command, kinds, "persons", "参保人员查询: 按参保状态、险种和年月", _persons)
    sub.add_argument("--date", help="查询年月 YYYY-MM (或日期), 默认本月")
    sub.add_argument("--status", choices=queries.STATUSES, default="active", help="参保状态, 默认 active (正常参保)")
    sub.add_argument("--line", help="只看此险种, 如 310")
    sub = _query(command, kinds, "contributions", "缴费查询: 按单位和人员, 费款所属期范围内账簿核定的金额", _contributions)
    sub.add_argument("--period", required=True, help="费款所属期 (起), 如 2023-01")
    sub.add_argument("--to", help="费款所属期 (止), 默认同 --period")
    sub.add_argument("--cert-no", help="只看此人")
    sub = _query(command, kinds, "retiring", "退休到龄查询: 在职人员在期间内达到法定退休年龄 (2025 年起的规定)", _retiring)
    sub.add_argument("--from", dest="start", required=True, help="开始年月, 如 2025-01")
    sub.add_argument("--to", required=True, help="结束年月, 如 2025-12")
    sub.add_argument("--female-group", choices=["female50", "female55"], default="female50",
                     help="女职工的原退休年龄组别 (账簿不记岗位), 默认 female50, 同门户的查询")  # fmt: skip
    sub = _query(command, kinds, "arrears", "欠费查询: 按费款所属期, 已通知未缴的金额和人数", _arrears)
    sub.add_argument("--from", dest="start", help="开始年月")
    sub.add_argument("--to", help="结束年月")
    sub = _query(command, kinds, "business", "待办/已办业务查询: 业务日志, 及待生成通知单的核定、未缴清的通知单", _business)
    sub.add_argument("--status", choices=["pending", "done", "all"], default="all", help="pending 待办, done 已办结")
    sub.add_argument("--from", dest="start", help="开始日期 YYYY-MM-DD")
    sub.add_argument("--to", help="结束日期 YYYY-MM-DD")
    sub.add_argument("--what", help="只看此业务, 如 enroll_batch、assess、notice")
    sub = command("compare", "核对门户账单: 导入门户的缴费明细或缴费通知单, 与账簿的核定逐行、逐人比对", _compare)
    sub.add_argument("file", metavar="FILE", help="门户导出的单位缴费明细或缴费通知单 (.xlsx 或 .csv)")
    sub.add_argument("--unit", required=True, help="单位的统一社会信用代码")
    sub.add_argument("--xlsx", metavar="FILE", help="同时导出比对结果为 XLSX")


def _query(command: Command, kinds: Any, name: str, help: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    sub = command(name, help, func, kinds)
    sub.add_argument("--unit", required=True, help="单位的统一社会信用代码")
    sub.add_argument("--xlsx", metavar="FILE", help="同时导出为 XLSX")
    return sub


def _open(args: argparse.Namespace) -> book.Book:
    from medins_core.cli._common import registry_from

    return book.Book(args.db, actor=args.actor, registry=registry_from(args))


def _period(text: str | None, field: str, default: Period | None = None) -> Period:
    if text is None:
        return default or Period.of(datetime.date.today())
    return Period.parse(text, field=field)


def _day(text: str | None, field: str) -> datetime.date | None:
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise InputError("invalid_date", f"日期格式不正确: {text!r}，应为 YYYY-MM-DD", field=field) from None


def _cell(value: object, title: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_yuan(value) if value == value.quantize(Decimal("0.01")) else str(value)
    text = str(value)
    return mask_cert_no(text) if title == "证件号码" and text else text


def render(listings: Sequence[queries.Listing]) -> str:
    """The listings as text tables, ID numbers masked."""
    from medins_core.io.xlsx import Kind
    from medins_core.render import table

    out = []
    for item in listings:
        titles = [c.title for c in item.columns]
        out.append(f"{item.title}: {len(item.rows)} 行")
        if item.rows:
            numeric = [c.kind in (Kind.MONEY, Kind.INTEGER) for c in item.columns]
            out.append(table(titles, [[_cell(v, t) for v, t in zip(row, titles)] for row in item.rows], numeric=numeric))
    return "\n".join(out)


def _answer(args: argparse.Namespace, result: Any, listings: Sequence[queries.Listing], extra: str = "", **more: Any) -> None:
    if args.xlsx:
        check_output(args.xlsx)
        queries.write_listings(args.xlsx, listings)
    if args.format == "json":
        print(json.dumps({**to_json(result), **more}, ensure_ascii=False, indent=1))
        return
    text = render(listings) + (f"\n{extra}" if extra else "")
    print(text + (f"\n已导出: {args.xlsx}" if args.xlsx else ""))


def _persons(args: argparse.Namespace) -> int:
    found = queries.persons(_open(args), args.unit, _period(args.date, "--date"), status=args.status, line=args.line)
    _answer(args, found, [found.listing()])
    return 0


def _contributions(args: argparse.Namespace) -> int:
    start = _period(args.period, "--period")
    found = queries.contributions(_open(args), args.unit, start, _period(args.to, "--to", start), cert_no=args.cert_no)
    _answer(args, found, found.listings(), f"合计 {format_yuan(found.total)} 元")
    return 0


def _retiring(args: argparse.Namespace) -> int:
    found = queries.retiring(_open(args), args.unit, _period(args.start, "--from"), _period(args.to, "--to"),
                             female_group=args.female_group)  # fmt: skip
    extra = f"证件不是居民身份证、无法计算: {', '.join(mask_cert_no(c) for c in found.unknown)}" if found.unknown else ""
    _answer(args, found, [found.listing()], extra)
    return 0


def _arrears(args: argparse.Namespace) -> int:
    start = None if args.start is None else _period(args.start, "--from")
    end = None if args.to is None else _period(args.to, "--to")
    found = queries.arrears(_open(args), args.unit, start, end)
    _answer(args, found, [found.listing()], f"欠费合计 {format_yuan(found.owed)} 元")
    return 0


def _business(args: argparse.Namespace) -> int:
    found = queries.business(_open(args), args.unit, status=args.status, start=_day(args.start, "--from"),
                             end=_day(args.to, "--to"), what=args.what)  # fmt: skip
    _answer(args, found, [found.listing()])
    return 0


def _compare(args: argparse.Namespace) -> int:
    note_input(args.file)  # --xlsx must not overwrite the bill it reads
    found = bill_check.compare_bill(_open(args), args.unit, args.file)
    counts = {s: sum(1 for c in found.lines + found.persons if c.status == s) for s in bill_check.STATUS_ZH}
    summary = "，".join(f"{bill_check.STATUS_ZH[s]} {n}" for s, n in counts.items())
    total = "未印" if found.portal_total is None else f"{format_yuan(found.portal_total)} 元"
    verdict = "一致" if found.agrees else "不一致"
    extra = f"{summary}\n门户合计 {total}，账簿合计 {format_yuan(found.book_total)} 元：{verdict}"
    _answer(args, found, found.listings(), extra, agrees=found.agrees, counts=counts)
    return 0 if found.agrees else 1
