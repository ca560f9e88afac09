"""What authentication and compare-and-set cost: HMAC check, token lookup per request, contention.

Loads the demo data and creates tokens in the database it is pointed at, so point it at a
scratch Neo4j only:

    NEO4J_URI=bolt://127.0.0.1:8100 NEO4J_PASSWORD=registry-test-password \\
        .venv/bin/python -m bench.auth_overhead [--requests 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from collections.abc import Callable

from flask.testing import FlaskClient

from registry.app import create_app
from registry.dao.tokens import TokenDao
from registry.db import Graph
from registry.demo import demo_id, load_demo
from registry.identity import Channel, Principal, Role, Writer
from registry.tokens import digest, generate, matches

SECRET = "bench-secret-for-the-token-hmac-0123456789"  # noqa: S105 (a throwaway bench key)
UMBRELLA = demo_id("bergslagens-foreningsrad")
MEMBER = demo_id("kumla-pensionarsforening-linden")


def _token(graph: Graph, role: Role, actor_id: str | None = None) -> str:
    new = generate()
    TokenDao(graph).create(
        token_id=new.id,
        token_hash=digest(SECRET.encode(), new.plaintext),
        role=str(role),
        actor_id=actor_id,
        name="bench",
        writer=Writer(Principal(Role.ADMIN, name="bench"), Channel.CLI),
    )
    return new.plaintext


def _median_ms(call: Callable[[], object], n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _contention(client: FlaskClient, tokens: list[str]) -> tuple[float, int]:
    path = f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}"
    attempts: list[int] = []
    start_line = threading.Barrier(len(tokens))

    def client_run(i: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[i]}"}
        start_line.wait()
        for attempt in range(1, 500):
            current = client.get(path, headers=headers)
            body = {"activities": f"{current.get_json()['activities']}, b{i}"}
            result = client.patch(path, json=body, headers={**headers, "If-Match": current.headers["ETag"]})
            if result.status_code == 200:
                attempts.append(attempt)
                return

    threads = [threading.Thread(target=client_run, args=(i,)) for i in range(len(tokens))]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, sum(attempts)


def main() -> None:
    parser = argparse.ArgumentParser(description="Authentication and compare-and-set costs.")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    app = create_app(
        {
            "NEO4J_URI": os.environ["NEO4J_URI"],
            "NEO4J_PASSWORD": os.environ.get("NEO4J_PASSWORD", ""),
            "REGISTRY_TOKEN_SECRET": SECRET,
            "RATELIMIT_ENABLED": False,
        }
    )
    graph: Graph = app.extensions["graph"]
    load_demo(graph)
    reader = _token(graph, Role.READER)
    client = app.test_client()
    path = f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}"

    hmac_us = _median_ms(lambda: matches(SECRET.encode(), reader, digest(SECRET.encode(), reader)), 10_000) * 1000
    client.get(path)  # warm the driver's pool
    anonymous = _median_ms(lambda: client.get(path), args.requests)
    with_token = _median_ms(lambda: client.get(path, headers={"Authorization": f"Bearer {reader}"}), args.requests)
    tokens = [_token(graph, Role.UMBRELLA, UMBRELLA) for _ in range(20)]
    seconds, total = _contention(client, tokens)
    print(f"HMAC-SHA256 check of one token: {hmac_us:.1f} µs (median of 10,000)")
    print(f"GET one member, anonymous: {anonymous:.2f} ms; with a bearer token: {with_token:.2f} ms (medians)")
    print(f"20 clients each appending to one member with retry on 412: {seconds:.2f} s, {total} PATCH attempts")


if __name__ == "__main__":
    main()
