"""``medins book``: the unit book — units, enrollments, wages, assessments, notices, payments.

Every subcommand takes ``--db URL`` (default ``MEDINS_DB`` or ``sqlite:///medins.db``),
``--actor NAME`` (recorded in the log) and ``--format json``. Refusals exit 2 with a code.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from typing import Any

from medins_core import book
from medins_core.assessment import Parts, PaymentType
from medins_core.cli._common import (
    Subparsers,
    add_format_option,
    add_insurance_option,
    add_params_option,
    registry_from,
)
from medins_core.cli.check import render as render_batch
from medins_core.errors import InputError
from medins_core.io.batch import BatchOptions
from medins_core.period import Period


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", help="数据库地址, 默认环境变量 MEDINS_DB 或 sqlite:///medins.db")
    parser.add_argument("--actor", default="cli", help="经办人, 记入日志")
    add_params_option(parser)
    add_format_option(parser, "table", "json")


def register(subparsers: Subparsers) -> None:
    """Add ``book`` and its subcommands."""
    parser = subparsers.add_parser("book", help="单位账簿: 增减员、工资、核定、撤销、通知单、缴费、欠费")
    commands = parser.add_subparsers(dest="book_command", metavar="COMMAND", required=True)

    def command(name: str, help: str, func: Any, target: Any = commands) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = target.add_parser(name, help=help, description=help)
        _common(sub)
        sub.set_defaults(func=func)
        return sub

    command("init", "创建或升级账簿数据库", _init)
    unit = commands.add_parser("unit", help="单位").add_subparsers(dest="unit_command", metavar="COMMAND", required=True)
    sub = command("add", "登记单位", _unit_add, unit)
    sub.add_argument("--uscc", required=True, help="统一社会信用代码")
    sub.add_argument("--name", required=True, help="单位名称")
    sub.add_argument("--region", required=True, help="统筹区代码")
    sub.add_argument("--unit-no", default="", help="单位编号")
    for name, help in (("enroll", "批量增员"), ("suspend", "批量减员 (暂停参保)"), ("wages", "批量申报工资")):
        sub = command(name, f"{help}: 读取与 medins check 相同的模板, 通过的行一次写入账簿", _batch)
        sub.add_argument("file", metavar="FILE", help="已填写的模板 (.xlsx 或 .csv)")
        sub.add_argument("--unit", required=True, help="单位的统一社会信用代码")
        sub.add_argument("--today", help="办理日期 YYYY-MM-DD, 默认今天")
        sub.add_argument("--dry-run", action="store_true", help="只显示将要写入的变动, 不写入")
        add_insurance_option(sub, "本批参保险种, 逗号分隔 (增员), 默认统筹区的默认险种")
        sub.add_argument("--start", help="工资申报开始年月, 用于模板中没有该列时")
        sub.add_argument("--end", help="工资申报结束年月, 用于模板中没有该列时")
    sub = command("assess", "按账簿核定 (同一单位、期间、类型只核定一次; 账簿变动后只补差额)", _assess)
    which = sub.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", help="单位的统一社会信用代码")
    which.add_argument("--all", action="store_true", help="核定账簿中的每个单位 (分组提交; 某单位被拒不影响其他单位)")
    sub.add_argument("--period", required=True, help="费款所属期 (起), 如 2023-01")
    sub.add_argument("--to", help="费款所属期 (止), 默认同 --period")
    sub.add_argument("--type", choices=[t.value for t in PaymentType], default="regular", help="缴费类型")
    sub.add_argument("--parts", choices=[p.value for p in Parts], default="both", help="核定单位部分、个人部分或两者")
    sub = command("revoke", "撤销尚未生成通知单且未缴费的核定 (写入冲销行)", _revoke)
    sub.add_argument("assessment", type=int, metavar="ASSESSMENT_ID")
    sub.add_argument("--reason", required=True, help="撤销原因, 记入日志")
    sub = command("notice", "生成缴费通知单: 汇总尚未生成通知单的核定", _notice)
    sub.add_argument("--unit", required=True, help="单位的统一社会信用代码")
    sub = command("pay", "登记缴费到账", _pay)
    sub.add_argument("notice", type=int, metavar="NOTICE_ID")
    sub.add_argument("--amount", required=True, help="金额 (元)")
    sub.add_argument("--date", help="到账日期 YYYY-MM-DD, 默认今天")
    sub = command("arrears", "欠费 (已通知未缴), 按期间和人员", _arrears)
    sub.add_argument("--unit", required=True, help="单位的统一社会信用代码")
    sub = command("explain", "核定明细: 每行的基数、费率或定额、舍入及其出处", _explain)
    sub.add_argument("assessment", type=int, metavar="ASSESSMENT_ID")
    sub.add_argument("--cert-no", help="只看此人")
    sub = command("log", "单位的业务日志", _log)
    sub.add_argument("--unit", required=True, help="单位的统一社会信用代码")
    key = commands.add_parser("key", help="medins serve 的 API 密钥").add_subparsers(dest="key_command", metavar="COMMAND", required=True)
    sub = command("add", "为单位生成 API 密钥 (只显示一次, 账簿只存其散列值)", _key_add, key)
    sub.add_argument("--unit", required=True, help="单位的统一社会信用代码")
    sub.add_argument("--label", default="", help="标签, 用此密钥的写入以它为经办人记入日志")
    from medins_core.cli._book_documents import register as register_documents

    register_documents(commands, command)  # notice --pdf/--html, certificate, statement
    from medins_core.cli import _book_query  # the queries and the bill check live there

    _book_query.register(commands, command)


def _open(args: argparse.Namespace) -> book.Book:
    return book.Book(args.db, actor=args.actor, registry=registry_from(args))


def _date(text: str | None, field: str) -> datetime.date:
    if text is None:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise InputError("invalid_date", f"日期格式不正确: {text!r}，应为 YYYY-MM-DD", field=field) from None


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        print(text)


def _init(args: argparse.Namespace) -> int:
    opened = _open(args)
    url = opened.engine.url.render_as_string(hide_password=True)
    opened.close()
    _print(args, {"db": url}, f"账簿已就绪: {url}")
    return 0


def _unit_add(args: argparse.Namespace) -> int:
    unit = _open(args).add_unit(args.uscc, args.name, args.region, args.unit_no)
    data = {"uscc": unit.uscc, "name": unit.name, "region": unit.region, "unit_no": unit.unit_no}
    _print(args, data, f"已登记单位 {unit.name} ({unit.uscc}), 统筹区 {unit.region}")
    return 0


def _batch(args: argparse.Namespace) -> int:
    insurance = tuple(c.strip() for c in args.insurance.split(",") if c.strip()) if args.insurance else ()
    options = BatchOptions(
        insurance=insurance,
        start=Period.parse(args.start, field="--start") if args.start else None,
        end=Period.parse(args.end, field="--end") if args.end else None,
    )
    outcome = book.apply_file(
        _open(args), args.book_command, args.file, args.unit, today=_date(args.today, "--today"),
        options=options, dry_run=args.dry_run,
    )  # fmt: skip
    verb = "将写入" if args.dry_run else "已写入"
    _print(args, outcome.to_json(), f"{render_batch(outcome.result)}\n\n{verb}账簿: {len(outcome.changes)} 行")
    return 0 if not outcome.result.failed else 1


KINDS = {"original": "新核定", "existing": "已有核定 (未重复核定)", "supplementary": "补差核定"}


def _assess(args: argparse.Namespace) -> int:
    start = Period.parse(args.period, field="--period")
    end = Period.parse(args.to, field="--to") if args.to else start
    if args.all:
        return _assess_all(args, start, end)
    found = book.assess_unit(
        _open(args), args.unit, start, end, payment_type=PaymentType(args.type), parts=Parts(args.parts)
    )
    kind = KINDS[found.kind]
    extra = f", 补充核定单 {found.supplements}" if found.supplements else ""
    text = f"核定单 {found.id}: {kind}{extra}\n合计 {found.document['total']} 元 ({found.document['total_upper']})"
    _print(args, found.to_json(), text)
    return 0


def _assess_all(args: argparse.Namespace, start: Period, end: Period) -> int:
    """Every unit of the book; exit 1 when some unit was refused (each one is named)."""
    from tqdm import tqdm

    opened = _open(args)
    with tqdm(unit="单位", disable=None, file=sys.stderr) as bar:
        found = book.assess_units(
            opened, None, start, end, payment_type=PaymentType(args.type), parts=Parts(args.parts),
            progress=bar.update,
        )  # fmt: skip
    opened.close()
    units, lines = [], []
    for uscc, made in found.items():
        if isinstance(made, book.BookAssessment):
            units.append({"unit": uscc, **made.to_json()})
            lines.append(f"{uscc}  核定单 {made.id}: {KINDS[made.kind]}  合计 {made.document['total']} 元")
        else:
            units.append({"unit": uscc, "error": {"code": made.code, "message": made.message}})
            lines.append(f"{uscc}  未核定 [{made.code}] {made.message}")
    refused = sum("error" in unit for unit in units)
    lines.append(f"共 {len(units)} 个单位: 核定 {len(units) - refused}, 未核定 {refused}")
    _print(args, {"units": units, "assessed": len(units) - refused, "refused": refused}, "\n".join(lines))
    return 1 if refused else 0


def _revoke(args: argparse.Namespace) -> int:
    found = book.revoke(_open(args), args.assessment, args.reason)
    _print(args, found.to_json(), f"已撤销核定单 {args.assessment}: 冲销记录 {found.id}, 合计 {found.document['total']} 元")
    return 0


def _notice(args: argparse.Namespace) -> int:
    made = book.notice(_open(args), args.unit)
    ids = "、".join(str(i) for i in made["assessments"])
    _print(args, made, f"缴费通知单 {made['id']}: 核定单 {ids}, 合计 {made['total']} 元 ({made['total_upper']})")
    return 0


def _pay(args: argparse.Namespace) -> int:
    paid = book.pay(_open(args), args.notice, args.amount, _date(args.date, "--date"))
    _print(args, paid, f"缴费通知单 {paid['notice']}: 到账 {paid['paid']} 元, 尚欠 {paid['due']} 元")
    return 0


def _arrears(args: argparse.Namespace) -> int:
    from medins_core.ids import mask_cert_no

    rows = book.arrears_of(_open(args), args.unit)
    text = "\n".join(f"{r['period']}  {mask_cert_no(r['cert_no'])}" for r in rows) or "没有欠费"
    _print(args, rows, text)
    return 0


def _explain(args: argparse.Namespace) -> int:
    from medins_core.ids import mask_cert_no

    lines = book.explain(_open(args), args.assessment, args.cert_no)
    out = []
    for ln in lines:
        out.append(f"{mask_cert_no(ln['cert_no'])} {ln['name']} {ln['insurance']} {ln['period']}: "
                   f"单位 {ln['unit_amount']} 个人 {ln['person_amount']} (基数 {ln.get('base')}, 工资 {ln.get('wage')})")  # fmt: skip
        for value in ln.get("values", []):
            out.append(f"    {value['parameter']} = {value['value']} 自 {value['from']} [{value['status']}] {value['source']}")
        limit = ln.get("base_limit")
        if limit:
            out.append(f"    基数上下限 {limit['floor']}–{limit['ceiling']} [{limit['status']}] {limit['source']}")
        if ln.get("rounding"):
            r = ln["rounding"]
            out.append(f"    舍入 {r['mode']} {r['quantum']} {r['stage']} {r['source']}")
    _print(args, lines, "\n".join(out) or "没有明细")
    return 0


def _log(args: argparse.Namespace) -> int:
    events = _open(args).events(args.unit)
    text = "\n".join(f"{e['at']}  {e['actor']}  {e['what']}  {e['detail']}  {e['why']}".rstrip() for e in events)
    _print(args, events, text)
    return 0


def _key_add(args: argparse.Namespace) -> int:
    from medins_core.book.keys import add_key

    made, key = add_key(_open(args), args.unit, args.label)
    data = {"id": made.id, "unit": made.unit.uscc, "label": made.label, "key": key}
    _print(args, data, f"{key}\n(单位 {made.unit.uscc} 的 API 密钥 {made.id}「{made.label}」: 只显示这一次, 请妥善保存)")
    return 0
