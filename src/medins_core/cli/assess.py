"""``medins assess``: assess a unit's roster and print the totals, notice, JSON or CSV lines."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import sys
from collections.abc import Iterator, Sequence
from typing import IO

from medins_core.assessment import Assessment, AssessmentWarning, Parts, PaymentType, assess
from medins_core.cli._common import (
    Subparsers,
    add_format_option,
    add_insurance_option,
    add_params_option,
    registry_from,
)
from medins_core.codes import split_lines
from medins_core.errors import InputError
from medins_core.io.limits import MAX_YEARS_AHEAD
from medins_core.io.output import atomic_output, check_output, note_input
from medins_core.io.roster import read_roster
from medins_core.period import Period
from medins_core.render import notice, warnings, write_lines_csv

ROSTER_HELP = (
    "ROSTER 为 CSV 或 XLSX, 第 1 行为表头: 证件号码/cert_no, 姓名/name, 缴费工资(申报工资, 工资)/wage 必填; "
    "证件类型, 人员类型, 人员编号, 险种, 参保开始年月, 参保结束年月 选填。"
)


#: Roster rows per chunk of the bulk engine here: small enough that computing a chunk's
#: lines stays well under 400 MB (benchmarks/bench_stream.py), large enough to be fast.
STREAM_CHUNK_ROWS = 1 << 16


def register(subparsers: Subparsers) -> None:
    """Add the ``assess`` subcommand."""
    parser = subparsers.add_parser(
        "assess", help="单位应收核定: 按花名册计算应缴金额并输出缴费通知单", description=ROSTER_HELP
    )
    add_assessment_arguments(parser)
    parser.add_argument(
        "--engine",
        choices=["reference", "bulk"],
        default="reference",
        help="reference: 逐人核对花名册 (默认); bulk: 列式引擎, 用于大文件 (.csv/.csv.gz/.parquet, "
        "需 pip install 'medins[bulk]'), 校验、错误代码与行号同 reference, 结果相同到分",
    )
    parser.add_argument(
        "--threads", type=threads_count, metavar="N",
        help="bulk: 所用线程数, 其一读文件, 其余核定 (默认: 可用 CPU 数, 至多 4); 1: 不另开线程",
    )
    add_format_option(parser, "table", "json", "csv")
    parser.add_argument(
        "-o", "--output", metavar="FILE",
        help="写入文件 (默认打印); 整个核定成功后才出现, 出错时不留半个文件",
    )
    parser.set_defaults(func=run)


def threads_count(text: str) -> int:
    """``--threads``: a whole number from 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"线程数应为不小于 1 的整数, 而不是 {text!r}")
    return int(text)


def add_assessment_arguments(parser: argparse.ArgumentParser) -> None:
    """The roster, region, periods and options of an assessment (shared with ``export``)."""
    parser.add_argument("roster", metavar="ROSTER", help="花名册文件 (.csv 或 .xlsx)")
    parser.add_argument("--region", required=True, help="统筹区代码, 如 320500")
    parser.add_argument("--period", required=True, help="费款所属期 (起), 如 2022-08")
    parser.add_argument("--to", help="费款所属期 (止), 默认同 --period")
    parser.add_argument("--type", choices=[t.value for t in PaymentType], default="regular", help="缴费类型")
    add_insurance_option(parser, "只核定这些险种, 逗号分隔, 如 310,330")
    parser.add_argument(
        "--parts", choices=[p.value for p in Parts], default="both", help="核定单位部分、个人部分或两者"
    )
    parser.add_argument("--unit-name", default="", help="单位名称, 印在缴费通知单上")
    parser.add_argument("--unit-no", default="", help="单位编号, 印在缴费通知单上")
    add_params_option(parser)


def periods_from(args: argparse.Namespace) -> tuple[Period, Period]:
    """``--period`` and ``--to``; one more than MAX_YEARS_AHEAD years after today's is refused."""
    start = Period.parse(args.period, field="--period")
    end = Period.parse(args.to, field="--to") if args.to else start
    last = datetime.date.today().year + MAX_YEARS_AHEAD
    for option, period in (("--period", start), ("--to", end)):
        if period.year > last:
            raise InputError(
                "period_too_late",
                f"费款所属期 {period} 晚于 {last} 年，请检查年份（上限见 docs/limits.md）",
                field=option,
            )
    return start, end


def assessment_from(args: argparse.Namespace) -> Assessment:
    """Read the roster and assess it; a bad roster raises RosterError listing every bad cell."""
    rules = registry_from(args).region(args.region).rules
    start, end = periods_from(args)
    roster = read_roster(args.roster, rules=rules, today=datetime.date.today())
    for message in roster.warnings:
        print(f"medins: 注意 {message}", file=sys.stderr)
    insurance = list(split_lines(args.insurance)) or None
    return assess(
        roster.members, rules, start, end,
        payment_type=PaymentType(args.type), insurance=insurance, parts=Parts(args.parts),
    )


def run(args: argparse.Namespace) -> int:
    """Assess and print (or write ``--output``); nothing is printed on stdout, and no file
    written, unless the whole assessment succeeds."""
    if args.output is not None:
        note_input(args.roster)
        check_output(args.output)  # a bad path is refused before the work, not after
    if args.engine == "bulk":
        return run_bulk(args)
    if args.threads is not None:
        print("medins: [threads_without_bulk] --threads 只用于 --engine bulk", file=sys.stderr)
        return 2
    result = assessment_from(args)
    if args.output is None:
        emit(result, args.format, unit_name=args.unit_name, unit_no=args.unit_no)
    else:
        with output_stream(args.output) as out:
            out.write(emitted(result, args).encode())
    return 0


@contextlib.contextmanager
def output_stream(path: str | None) -> Iterator[IO[bytes]]:
    """Where the output goes: stdout, or ``path`` written atomically (io/output.py)."""
    if path is None:
        sys.stdout.flush()
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    with atomic_output(path) as out:
        yield out


def run_bulk(args: argparse.Namespace) -> int:
    """The same assessment by the columnar engine, with a progress bar on a terminal."""
    try:
        from medins_core import bulk
    except ImportError as exc:
        print(f"medins: {exc}", file=sys.stderr)
        return 2
    from tqdm import tqdm

    rules = registry_from(args).region(args.region).rules
    start, end = periods_from(args)
    insurance = list(split_lines(args.insurance)) or None
    # lines go to a spool on disk as they are computed and are written, in order, only
    # once the whole roster is assessed: memory stays flat and a refusal prints nothing
    with bulk.LineSpool() as spool:
        with tqdm(total=bulk.file_rows(args.roster), unit="行", disable=None, file=sys.stderr) as bar:
            result = bulk.assess_file(
                args.roster, rules, start, end,
                payment_type=PaymentType(args.type), insurance=insurance, parts=Parts(args.parts),
                progress=lambda done: bar.update(done - bar.n), keep_lines=False,
                on_lines=None if args.format == "table" else spool,
                today=datetime.date.today(), chunk_rows=STREAM_CHUNK_ROWS, threads=args.threads,
            )
        if args.format == "table" and args.output is None:
            emit(result.to_assessment(), "table", unit_name=args.unit_name, unit_no=args.unit_no)
            return 0
        if args.format == "table":
            with output_stream(args.output) as out:
                out.write(emitted(result.to_assessment(), args).encode())
            return 0
        with output_stream(args.output) as out:
            bulk.write_lines(result, spool, args.format, out)
    if args.format == "csv":
        warn_on_stderr(result.warnings)
    return 0


def emitted(result: Assessment, args: argparse.Namespace) -> str:
    """What :func:`emit` prints, as text (warnings of a CSV still go to stderr)."""
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        emit(result, args.format, unit_name=args.unit_name, unit_no=args.unit_no)
    return text.getvalue()


def emit(result: Assessment, fmt: str, *, unit_name: str = "", unit_no: str = "") -> None:
    """Print an assessment in one of the command's formats."""
    if fmt == "json":
        import json  # only for this format

        json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    elif fmt == "csv":
        write_lines_csv(result, sys.stdout)
        warn_on_stderr(result.warnings)
    else:
        print(notice(result, unit_name=unit_name, unit_no=unit_no))
        text = warnings(result)
        if text:
            print()
            print(text)


def warn_on_stderr(found: Sequence[AssessmentWarning]) -> None:
    """Warnings beside a CSV of lines, which has no place for them: on stderr, one a line."""
    for warning in found:
        print(f"medins: 注意 [{warning.code}] {warning.message}", file=sys.stderr)
