"""The ``medins`` command.

Each subcommand lives in its own module in this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable taking the
parsed arguments and returning the exit code. Modules are discovered, so adding a command
means adding a module.

Only the chosen subcommand's module is imported: the others appear in ``medins --help`` by
the ``help=`` text of their ``add_parser`` call, read from their source without importing them
(the imports of a subcommand are most of the time of a short command).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import importlib.util
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence

from medins_core.errors import FileProblems, Interrupted, MedinsError


def commands() -> list[str]:
    """The subcommands: the public modules of this package, by name."""
    import pkgutil  # only to list them all: a chosen command is found by name

    return sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))


def summary(name: str) -> str:
    """The ``help=`` text that module ``name`` gives its subcommand, read without importing it
    (else the first line of its docstring)."""
    import ast  # only for the top-level help

    spec = importlib.util.find_spec(f"{__name__}.{name}")
    if spec is None or spec.origin is None:
        return ""
    with open(spec.origin, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_parser":
            for keyword in node.keywords:
                if keyword.arg == "help" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return (ast.get_docstring(tree) or "").split("\n")[0]


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser. Without ``argv`` every subcommand is registered; with it, only the
    subcommand ``argv`` chooses (or, when it chooses none, the others by name and help)."""
    parser = argparse.ArgumentParser(
        prog="medins",
        description="职工医保单位业务规则引擎 — employee medical insurance rules for units.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = None if argv is None else next((a for a in argv if not a.startswith("-")), None)
    if chosen is not None and _is_command(chosen):  # the others are neither parsed nor listed
        importlib.import_module(f"{__name__}.{chosen}").register(subparsers)
        return parser
    for name in commands():
        if argv is None:
            importlib.import_module(f"{__name__}.{name}").register(subparsers)
        else:
            subparsers.add_parser(name, help=summary(name))
    return parser


def _is_command(name: str) -> bool:
    """Whether ``name`` is one of :func:`commands`, found without listing them all."""
    if not name.isidentifier() or name.startswith("_"):
        return False
    spec = importlib.util.find_spec(f"{__name__}.{name}")
    return spec is not None and spec.origin is not None  # not a folder without __init__.py


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
    from medins_core.ids import mask_text

    print(f"medins: [{code}] {mask_text(message)}", file=sys.stderr)
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    0 done; 1 only when ``check`` refused some rows; 2 any error (a coded Chinese message on
    stderr, no traceback); 130 interrupted (Ctrl-C, SIGTERM, SIGHUP), with no output file or
    temporary file left behind. Set ``MEDINS_DEBUG=1`` to see the traceback of an internal
    error. Without ``argv`` (the ``medins`` command) it also freezes the garbage collector's
    view of what the imports made (:func:`gc.freeze`); a program passing ``argv`` keeps its
    collector as it was.
    """
    whole_process = argv is None  # run as the medins command, not called by a program
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if whole_process:
        # what is imported lives as long as the process: no collection, nor the one at exit,
        # need walk it again (about a tenth of a short command)
        gc.freeze()
    from medins_core.io.output import cleanup, inputs_scope  # after parsing: --help needs neither

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
