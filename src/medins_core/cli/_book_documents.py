"""``medins book notice --pdf/--html``, ``medins book certificate`` and ``medins book statement``.

The documents of the unit book (see docs/documents.md), registered by ``cli/book.py``. Output
files are checked before the book is touched and written atomically; a document without data
is refused (exit 2) rather than printed blank.
"""

from __future__ import annotations

import argparse
from typing import Any

from medins_core.errors import MedinsError


def register(commands: Any, command: Any) -> None:
    """Add the output options to ``book notice`` and the ``certificate`` and ``statement``
    subcommands; ``command`` is cli/book.py's helper that adds a subcommand with the common
    options."""
    notice = commands.choices["notice"]
    _outputs(notice)
    notice.add_argument("--reprint", type=int, metavar="NOTICE_ID", help="重新打印已生成的缴费通知单, 不生成新的")
    notice.set_defaults(func=_notice)
    sub = command("certificate", "参保证明: 单位参保证明表, 或 --cert-no 的职工参保证明 (PDF/HTML)", _certificate)
    sub.add_argument("--unit", required=True, help="单位的统一社会信用代码")
    sub.add_argument("--cert-no", help="职工的证件号码: 出具该职工的参保证明")
    _outputs(sub)
    sub = command("statement", "单位年度缴费对账单: 各月各险种的人数和金额, 附图 (PDF/HTML)", _statement)
    sub.add_argument("--unit", required=True, help="单位的统一社会信用代码")
    sub.add_argument("--year", required=True, type=int, help="年度, 如 2022")
    _outputs(sub)


def _outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pdf", metavar="FILE", help="写出 PDF 文件")
    parser.add_argument("--html", metavar="FILE", help="写出 HTML 文件")
    parser.add_argument("--date", help="制表日期 YYYY-MM-DD, 默认今天")


def _wanted(args: argparse.Namespace) -> None:
    """Check the targets before anything is done; a document must go somewhere."""
    from medins_core.io.output import check_output

    if not (args.pdf or args.html) and args.format != "json":
        raise MedinsError("missing_output", "请用 --pdf 或 --html 指定输出文件 (或 --format json 只看数据)")
    for path in (args.pdf, args.html):
        if path:
            check_output(path)
    if args.pdf or args.html:
        from medins_core.documents.render import check_available

        check_available(pdf=bool(args.pdf))


def _emit(args: argparse.Namespace, document: Any, text: str, extra: dict[str, Any] | None = None) -> int:
    from medins_core.cli.book import _print
    from medins_core.documents import write_document

    written = write_document(document, pdf=args.pdf, html=args.html) if args.pdf or args.html else []
    lines = [text] + [f"已写出: {path}" for path in written]
    _print(args, {**(extra or {}), "document": document.to_json(), "written": written}, "\n".join(lines))
    return 0


def _notice(args: argparse.Namespace) -> int:
    from medins_core import book
    from medins_core.cli.book import _date, _notice as plain, _open
    from medins_core.documents import payment_notice

    if not (args.pdf or args.html or args.reprint is not None):
        return plain(args)
    _wanted(args)
    printed = _date(args.date, "--date")
    opened = _open(args)
    made: dict[str, Any] = {}
    notice_id = args.reprint
    if notice_id is None:
        made = book.notice(opened, args.unit)
        notice_id = made["id"]
    document = payment_notice(opened, args.unit, notice_id, printed=printed)
    data = document.data
    text = f"{document.title} {data['notice']}: 合计 {data['total']} 元 ({data['total_upper']})"
    return _emit(args, document, text, made)


def _certificate(args: argparse.Namespace) -> int:
    from medins_core.cli.book import _date, _open
    from medins_core.documents import person_certificate, unit_certificate
    from medins_core.ids import mask_cert_no

    _wanted(args)
    printed = _date(args.date, "--date")
    if args.cert_no:
        document = person_certificate(_open(args), args.unit, args.cert_no.strip(), printed=printed)
        text = f"{document.title}: {document.data['name']} {mask_cert_no(args.cert_no.strip())}"
    else:
        document = unit_certificate(_open(args), args.unit, printed=printed)
        text = f"{document.title}: {document.data['unit_name']}, {len(document.data['lines'])} 个险种"
    return _emit(args, document, text)


def _statement(args: argparse.Namespace) -> int:
    from medins_core.cli.book import _date, _open
    from medins_core.documents import year_statement

    _wanted(args)
    document = year_statement(_open(args), args.unit, args.year, printed=_date(args.date, "--date"))
    totals = document.data["totals"]
    return _emit(args, document, f"{document.title}: 合计 {totals['amount']} 元")


