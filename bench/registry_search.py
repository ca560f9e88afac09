"""Registry search benchmark: the three area searches through the HTTP API under gunicorn, and the same Cypher raw.

Loads `bench.generator.actors(n, seed)` into a Neo4j of its own (the local launcher in
`var/bench/neo4j-PORT`, or NEO4J_URI if set: it is emptied of actors first), gives every actor
synthetic coordinates (see `synthetic_location`), starts gunicorn on the app, and measures:

  a) municipality + interest area   GET /api/v1/actors?municipality=CODE&interest_area=ID
  b) county + full text             GET /api/v1/actors?county=CODE&q=WORD
  c) near + radius                  GET /api/v1/actors?near=LAT,LON&radius_km=10

each with the default page (20), total and facet counts, as latency percentiles and requests/s
with concurrent keep-alive clients, and the raw driver time of the same statement
(`ActorDao.search_query`) from one client. Query values are drawn deterministically:
municipalities and counties uniformly (every officer asks about their own area), terms from the
taxonomy and words that occur in the data.

    .venv/bin/python -m bench.registry_search --actors 25000 --bolt-port 7700
    .venv/bin/python -m bench.registry_search --actors 250000 --bolt-port 7700
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, LiteralString
from urllib.parse import urlencode

from bench.database import add_database_arguments, open_database, save_results, wipe, write_in_chunks
from bench.generator import actors
from graph_schema.contract import Label as L
from graph_schema.migrate import migrate
from graph_schema.refdata import counties, municipalities
from registry.config import PROJECT_ROOT
from registry.dao.actors import ActorDao, search_query
from registry.db import Graph
from registry.demo import to_record
from registry.domain.actor import ActorFilter, text_query

WORDS = ("pensionär", "idrott", "kultur", "hembygd", "kör", "seniorer", "byalag", "anhörig", "scout", "fotboll")
AREAS = ("sports", "culture", "pensioners", "social-support", "children-youth", "health", "local-development")
SCENARIOS = ("municipality+interest_area", "county+q", "near+radius")

_ACTOR_COUNT: LiteralString = f"MATCH (a:{L.ACTOR}) RETURN count(a) AS n"
_WIPE: LiteralString = f"MATCH (a:{L.ACTOR}) CALL (a) {{ DETACH DELETE a }} IN TRANSACTIONS OF 10000 ROWS"

# Sweden's populated band; a municipality's synthetic centre lies in it, its actors around it.
_LAT, _LON = (55.4, 63.8), (11.9, 20.5)
_SPREAD_KM = 8.0


def municipality_centre(code: str) -> tuple[float, float]:
    """A deterministic stand-in for a municipality's centre (the product ships no coordinates)."""
    digest = hashlib.sha256(f"centre:{code}".encode()).digest()
    u, v = int.from_bytes(digest[:4], "big") / 2**32, int.from_bytes(digest[4:8], "big") / 2**32
    return _LAT[0] + u * (_LAT[1] - _LAT[0]), _LON[0] + v * (_LON[1] - _LON[0])


def synthetic_location(key: str, code: str) -> dict[str, float]:
    """Normally scattered around the municipality's centre (σ = 8 km), deterministic per actor."""
    rng = random.Random(f"location:{key}")
    lat, lon = municipality_centre(code)
    dlat = rng.gauss(0, _SPREAD_KM) / 111.0
    dlon = rng.gauss(0, _SPREAD_KM) / (111.0 * math.cos(math.radians(lat)))
    return {"lat": round(lat + dlat, 6), "lon": round(lon + dlon, 6)}


def _records(n: int, seed: int) -> Iterator[dict[str, Any]]:
    for actor in actors(n, seed):
        record = to_record(actor)
        record["props"]["sources"] = ["bench"]
        record["props"]["location"] = synthetic_location(actor["key"], actor["municipality"])
        yield record


def load(graph: Graph, n: int, seed: int) -> float:
    started = time.perf_counter()
    wipe(graph, _WIPE)
    write_in_chunks(_records(n, seed), ActorDao(graph).insert_many, n, "loaded")
    graph.driver.execute_query("CALL db.awaitIndexes(600)", database_=graph.database)
    return time.perf_counter() - started


@dataclass(frozen=True)
class Query:
    scenario: str
    params: dict[str, str]
    filter: ActorFilter


def queries(scenario: str, count: int, seed: int) -> list[Query]:
    rng = random.Random(f"{scenario}:{seed}")
    codes, county_codes = sorted(municipalities()), sorted(counties())
    result = []
    for _ in range(count):
        if scenario == "municipality+interest_area":
            code, area = rng.choice(codes), rng.choice(AREAS)
            params = {"municipality": code, "interest_area": area}
            f = ActorFilter(municipalities=(code,), interest_areas=(area,))
        elif scenario == "county+q":
            county, word = rng.choice(county_codes), rng.choice(WORDS)
            params = {"county": county, "q": word}
            f = ActorFilter(counties=(county,), text=text_query(word))
        else:
            lat, lon = municipality_centre(rng.choice(codes))
            params = {"near": f"{lat:.5f},{lon:.5f}", "radius_km": "10"}
            f = ActorFilter(near=(float(f"{lat:.5f}"), float(f"{lon:.5f}")), radius_km=10.0)
        result.append(Query(scenario, params, f))
    return result


def _sort_for(f: ActorFilter) -> str:
    return "relevance" if f.text else "distance" if f.near else "name"


@dataclass
class Figures:
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    per_second: float | None = None
    mean_total: float | None = None


def _figures(latencies: list[float], elapsed: float | None = None, totals: list[int] | None = None) -> Figures:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)], 2)

    return Figures(
        pct(50),
        pct(95),
        pct(99),
        len(ordered),
        round(len(ordered) / elapsed, 1) if elapsed else None,
        round(statistics.mean(totals), 1) if totals else None,
    )


def raw_driver(graph: Graph, batch: list[Query]) -> Figures:
    latencies, totals = [], []
    for q in batch:
        query, params = search_query(q.filter, sort=_sort_for(q.filter), skip=0, limit=20, facets=True)
        started = time.perf_counter()
        records, _, _ = graph.driver.execute_query(query, parameters_=params, database_=graph.database)
        latencies.append(time.perf_counter() - started)
        totals.append(int(records[0]["total"]))
    return _figures(latencies, totals=totals)


def http_load(port: int, batch: list[Query], concurrency: int) -> Figures:
    paths = [f"/api/v1/actors?{urlencode(q.params)}" for q in batch]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    cursor = iter(range(len(paths)))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                break
            started = time.perf_counter()
            conn.request("GET", paths[i])
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                if response.status != 200:
                    errors.append(f"{response.status} {paths[i]}")
                latencies.append(elapsed)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. {errors[:3]}")
    return _figures(latencies, elapsed)


def _wait_http(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer on port {port}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--actors", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=20261127)
    add_database_arguments(parser, 7690, "reload even if the actor count matches")
    parser.add_argument("--http-port", type=int, default=5790)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--requests", type=int, default=1000, help="HTTP requests per scenario")
    parser.add_argument("--raw", type=int, default=200, help="raw driver queries per scenario")
    args = parser.parse_args(argv)

    db = open_database(args.bolt_port)
    graph = db.graph()
    migrate(graph.driver, graph.database)
    count = graph.read_one(_ACTOR_COUNT)
    load_seconds = None
    if args.reload or not count or count["n"] != args.actors:
        print(f"loading {args.actors} actors ...", file=sys.stderr)
        load_seconds = round(load(graph, args.actors, args.seed), 1)
        print(f"  {load_seconds} s", file=sys.stderr)

    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
    env = db.env()
    server = subprocess.Popen(
        [
            gunicorn,
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--bind",
            f"127.0.0.1:{args.http_port}",
            "--log-level",
            "warning",
            "registry.wsgi:app",
        ],
        env=env,
        cwd=PROJECT_ROOT,
    )
    results: dict[str, Any] = {
        "actors": args.actors,
        "seed": args.seed,
        "load_seconds": load_seconds,
        "workers": args.workers,
        "threads": args.threads,
        "concurrency": args.concurrency,
        "scenarios": {},
    }
    try:
        _wait_http(args.http_port)
        for scenario in SCENARIOS:
            batch = queries(scenario, args.requests, args.seed)
            warm = queries(scenario, 100, args.seed + 1)
            raw_driver(graph, warm)
            raw = raw_driver(graph, batch[: args.raw])
            http_load(args.http_port, warm, args.concurrency)
            served = http_load(args.http_port, batch, args.concurrency)
            single = http_load(args.http_port, batch[: args.raw], 1)
            results["scenarios"][scenario] = {
                "raw_driver": asdict(raw),
                "http_concurrent": asdict(served),
                "http_single_client": asdict(single),
            }
            print(
                f"{scenario:28} raw p50 {raw.p50_ms:7.2f} ms | http x{args.concurrency}: p50 {served.p50_ms:7.2f} "
                f"p95 {served.p95_ms:7.2f} p99 {served.p99_ms:7.2f} ms, {served.per_second} req/s | "
                f"1 client p50 {single.p50_ms:7.2f} ms | mean total {raw.mean_total}",
                file=sys.stderr,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
        graph.close()
        db.finish(stop=args.stop)
    save_results(args.out, f"registry-search-{args.actors}.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
