"""The ``medins`` command.

Each subcommand lives in its own module in this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable taking the
parsed arguments and returning the exit code. Modules are discovered, so adding a command
means adding a module.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import signal
import sys
import threading
from collections.abc import Iterator, Sequence

from medins_core.errors import FileProblems, Interrupted, MedinsError
from medins_core.ids import mask_text
from medins_core.io.output import cleanup, inputs_scope


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="medins",
        description="职工医保单位业务规则引擎 — employee medical insurance rules for units.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(subparsers)
    return parser


def print_problems(error: FileProblems, limit: int = 50) -> None:
    """Every problem of a file on stderr, one a line, at most ``limit`` of them."""
    for problem in error.problems[:limit]:
        print(f"medins: {problem}", file=sys.stderr)
    if len(error.problems) > limit:
        print(f"medins: …共 {len(error.problems)} 处错误", file=sys.stderr)


#: Exit codes: done, some rows failed (``check`` only), any error, interrupted.
EXIT_OK, EXIT_FAILED_ROWS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`Interrupted`, so every ``finally`` runs
    (temporary files removed, the target untouched); further signals are ignored meanwhile."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        for other in _SIGNALS:
            signal.signal(other, signal.SIG_IGN)
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, stop) for sig in _SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _fail(code: str, message: str) -> int:
    print(f"medins: [{code}] {mask_text(message)}", file=sys.stderr)
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    0 done; 1 only when ``check`` refused some rows; 2 any error (a coded Chinese message on
    stderr, no traceback); 130 interrupted (Ctrl-C, SIGTERM, SIGHUP), with no output file or
    temporary file left behind. Set ``MEDINS_DEBUG=1`` to see the traceback of an internal
    error.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with inputs_scope(), _interruptible():
            try:
                code: int = args.func(args)
            finally:
                cleanup()
    except FileProblems as exc:
        print_problems(exc)
        return EXIT_ERROR
    except Interrupted as exc:
        print(f"medins: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("medins: [interrupted] 已中断", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MedinsError as exc:
        print(f"medins: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except RecursionError:
        return _fail("input_too_deep", "输入嵌套过深，已拒绝")
    except MemoryError:
        return _fail("out_of_memory", "内存不足，已停止")
    except OSError as exc:
        return _fail("os_error", f"系统错误: {exc.strerror or type(exc).__name__}")
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        if os.environ.get("MEDINS_DEBUG"):
            raise
        return _fail("internal_error", f"内部错误 ({type(exc).__name__}: {exc})；请报告此问题")
    return code
