"""Benchmark of ``medins serve``: POST /v1/assess for a 200-person unit, over loopback.

Run on demand: ``python benchmarks/bench_serve.py [--persons 200] [--clients 50]
[--requests 1000] [--workers 1]``. Starts a real server on a free loopback port, sends the
same Suzhou roster as rows from ``--clients`` concurrent clients (``--requests`` in all, and
never for longer than ``--seconds``), and prints p50/p99 latency and requests per second;
then one client alone (the server's own overhead), against the same work done in process
(rows → roster → ``assess()`` → JSON). It asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from serve_server import serve  # noqa: E402

from medins_core.assessment import assess  # noqa: E402
from medins_core.io.roster import roster_from_rows  # noqa: E402
from medins_core.registry import load_registry  # noqa: E402
from medins_core.testing import roster_with_bases  # noqa: E402


def quantiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(samples)
    return ordered[len(ordered) // 2] * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


async def load(url: str, body: dict[str, object], clients: int, requests: int, seconds: float) -> tuple[list[float], float]:
    """``clients`` concurrent clients sending ``requests`` in all (or until ``seconds`` pass)."""
    samples: list[float] = []
    left = requests
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:

        async def client() -> None:
            nonlocal left
            while left > 0 and time.perf_counter() < stop:
                left -= 1
                began = time.perf_counter()
                answer = await http.post("/v1/assess", json=body)
                samples.append(time.perf_counter() - began)
                assert answer.status_code == 200, answer.text

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return samples, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(20228)
    bases = [Decimal(rng.randrange(300000, 3000000)) / 100 for _ in range(args.persons)]
    rows = [{"cert_no": m.person.cert_no, "name": m.person.name, "wage": str(m.wages[0].wage)} for m in roster_with_bases(bases)]
    body: dict[str, object] = {"region": "320500", "period": "2022-08", "rows": rows}
    rules = load_registry(use_env=False).region("320500").rules

    in_process: list[float] = []
    engine_only: list[float] = []
    assess(roster_from_rows(rows, rules=rules, today=datetime.date.today()).members, rules, "2022-08")  # warm up
    for _ in range(50):
        began = time.perf_counter()
        roster = roster_from_rows(rows, rules=rules, today=datetime.date.today())
        middle = time.perf_counter()
        result = assess(roster.members, rules, "2022-08")
        engine_only.append(time.perf_counter() - middle)
        json.dumps(result.to_json(), ensure_ascii=False)
        in_process.append(time.perf_counter() - began)

    with tempfile.TemporaryDirectory() as folder:
        with serve(f"sqlite:///{folder}/bench.db", Path(folder), "--workers", str(args.workers)) as running:
            with httpx.Client(base_url=running.url, timeout=120) as http:
                for _ in range(5):  # warm up
                    http.post("/v1/assess", json=body)
                alone = []
                for _ in range(50):
                    began = time.perf_counter()
                    http.post("/v1/assess", json=body).raise_for_status()
                    alone.append(time.perf_counter() - began)
            samples, elapsed = asyncio.run(load(running.url, body, args.clients, args.requests, args.seconds))

    print(f"POST /v1/assess, Suzhou 2022-08, {args.persons} persons ({len(result.lines)} lines), "
          f"{args.workers} worker(s), loopback")  # fmt: skip
    p50, p99 = quantiles(in_process)
    print(f"  in process (rows → roster → assess → JSON): p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
          f"assess() alone p50 {statistics.median(engine_only) * 1000:.1f} ms")  # fmt: skip
    a50, a99 = quantiles(alone)
    print(f"  one client:  p50 {a50:.1f} ms, p99 {a99:.1f} ms — overhead at p50 {a50 - p50:.1f} ms")
    c50, c99 = quantiles(samples)
    print(f"  {args.clients} clients: {len(samples)} requests in {elapsed:.1f} s, {len(samples) / elapsed:.1f} req/s, "
          f"p50 {c50:.0f} ms, p99 {c99:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
