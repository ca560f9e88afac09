"""How long a request waits when Neo4j is away: the app pointed at a port nobody listens on.

Needs no database (that is the point); runs requests one after another and concurrently (as a
gunicorn worker's threads would) and prints the median, 95th percentile and maximum time to the
503 per path:

    .venv/bin/python -m bench.db_down [--requests 20] [--threads 10]
"""

from __future__ import annotations

import argparse
import logging
import socket
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from registry.app import create_app

PATHS = ("/api/v1/actors?q=kumla", "/api/v1/actors/export", "/api/v1/arenas", "/")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description="Time to a 503 with Neo4j away.")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--threads", type=int, default=10)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # every request logs the database being away
    app = create_app({"RATELIMIT_ENABLED": False, "NEO4J_URI": f"bolt://127.0.0.1:{_closed_port()}"})

    def one(path: str) -> tuple[int, float]:
        started = time.monotonic()
        status = app.test_client().get(path).status_code
        return status, time.monotonic() - started

    print(f"{'path':<28} {'mode':<12} {'n':>4} {'status':>7} {'median':>8} {'p95':>8} {'max':>8}")
    for path in PATHS:
        for mode, threads in (("sequential", 1), (f"{args.threads} threads", args.threads)):
            with ThreadPoolExecutor(max_workers=threads) as pool:
                results = list(pool.map(one, [path] * args.requests))
            times = [t for _, t in results]
            statuses = sorted({s for s, _ in results})
            print(
                f"{path:<28} {mode:<12} {len(times):>4} {','.join(map(str, statuses)):>7} "
                f"{statistics.median(times):>7.2f}s {_percentile(times, 0.95):>7.2f}s {max(times):>7.2f}s"
            )


if __name__ == "__main__":
    main()
