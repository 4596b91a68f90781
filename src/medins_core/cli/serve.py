"""``medins serve``: the engine and the unit book over HTTP (needs ``pip install 'medins[serve]'``)."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from medins_core.cli._common import Subparsers, add_params_option


def register(subparsers: Subparsers) -> None:
    """Add the ``serve`` subcommand."""
    parser = subparsers.add_parser(
        "serve",
        help="HTTP 接口: 核定、检查、模板和单位账簿 (需 pip install 'medins[serve]')",
        description="以 HTTP 提供与命令行相同的计算和账簿操作; 接口文档: GET /openapi.json, 见 docs/serve.md。"
        "SIGTERM/Ctrl-C: 处理完进行中的请求后退出 (退出码 0)。",
    )
    parser.add_argument("--db", metavar="URL", help="账簿数据库地址, 默认环境变量 MEDINS_DB 或 sqlite:///medins.db")
    parser.add_argument("--host", default="127.0.0.1", help="监听地址, 默认 127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="端口, 默认 8000")
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="工作进程数, 默认 1")
    parser.add_argument("--require-key", action="store_true", help="无状态接口也需要 API 密钥")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="每个请求的时限, 默认 30 秒")
    add_params_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the server until SIGTERM or Ctrl-C; requests in flight are finished first."""
    try:
        import uvicorn

        from medins_core.serve.state import ENV_DB, ENV_PARAMS, ENV_REQUIRE_KEY, ENV_TIMEOUT
    except ImportError as exc:
        print(f"medins: [missing_extra] 需要安装 medins[serve]: pip install 'medins[serve]' ({exc})", file=sys.stderr)
        return 2
    if args.workers < 1 or not 0 < args.timeout <= 3600 or not 0 <= args.port < 65536:
        print("medins: [invalid_option] --workers 须 ≥ 1, --timeout 须在 0–3600 秒, --port 须在 0–65535", file=sys.stderr)
        return 2
    # every worker process builds the app from the environment (app_from_env)
    if args.db:
        os.environ[ENV_DB] = args.db
    os.environ[ENV_REQUIRE_KEY] = "1" if args.require_key else "0"
    os.environ[ENV_TIMEOUT] = str(args.timeout)
    if args.params:
        os.environ[ENV_PARAMS] = os.pathsep.join(filter(None, [os.environ.get(ENV_PARAMS, ""), *args.params]))
    from medins_core.serve.state import Server, Settings

    Server(Settings.from_env()).book().close()  # a bad --db fails here, once, with its code
    # the server handles SIGINT and SIGTERM itself (finish the requests in flight, then stop)
    # and raises them again once stopped: that is the end of a good run, exit 0, not 130
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    uvicorn.run(
        "medins_core.serve.app:app_from_env", factory=True, host=args.host, port=args.port,
        workers=args.workers, access_log=False, timeout_graceful_shutdown=args.timeout,
        log_level="warning",
    )  # fmt: skip
    return 0
