"""Relationships benchmark: ~1,000,000 relationships over 250,000 actors; depth-2 networks, welfare
gaps per county and brokers per municipality.

Loads `bench.generator.actors(n, seed)` and `bench.relationships_generator.generate(n, seed)` into
a Neo4j of its own (the local launcher in `var/bench/neo4j-PORT`, or NEO4J_URI if set: its actors
and collaboration data are replaced), then measures from one client, after a warm-up:

  a) `NetworkDao.ego(depth=2)` around well-connected actors (drawn from the best-connected 1%),
     and the same through the API (`GET /api/v1/actors/{id}/network?depth=2`, in-process client);
  b) `AnalysisDao.welfare_gaps(county_code=...)` for every county;
  c) `AnalysisDao.brokers(municipality_code=...)` for sampled municipalities and the largest three.

    .venv/bin/python -m bench.relationships_bench --actors 250000 --bolt-port 7901
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, LiteralString

from bench.database import add_database_arguments, open_database, progress, save_results, wipe, write_in_chunks
from bench.generator import actors
from bench.relationships_generator import Dataset, generate, iter_rows
from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from graph_schema.migrate import migrate
from graph_schema.refdata import counties, municipalities
from registry.app import create_app
from registry.dao.actors import ActorDao
from registry.dao.analyses import AnalysisDao
from registry.dao.arenas import ArenaDao
from registry.dao.challenges import ChallengeDao
from registry.dao.network import NetworkDao
from registry.dao.relationships import RelationshipDao
from registry.db import Graph
from registry.demo import to_record

_COUNTS: LiteralString = f"""
RETURN COUNT {{ (:{L.ACTOR}) }} AS actors,
       COUNT {{ ()-[r:{R.DEPENDS_ON}|{R.FUNDS}|{R.PERCEIVES}|{R.PARTICIPATES_IN}|{R.ENGAGED_IN}|{R.MEMBER_OF}]->() }}
         AS relationships
"""
_WIPE: LiteralString = f"""
MATCH (n) WHERE n:{L.ACTOR} OR n:{L.ARENA} OR n:{L.MEETING} OR n:{L.CHALLENGE} OR n:{L.AGREEMENT}
   OR n:{L.CONTACT_PERSON}
CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 5000 ROWS
"""
_DEGREES: LiteralString = f"""
MATCH (a:{L.ACTOR})
WITH a, COUNT {{ (a)-[:{R.DEPENDS_ON}|{R.FUNDS}|{R.PERCEIVES}|{R.MEMBER_OF}|{R.PARTICIPATES_IN}|{R.ENGAGED_IN}]-() }}
  AS degree
ORDER BY degree DESC, a.id LIMIT $limit
RETURN a.id AS id, a.municipality_code AS municipality, degree
"""


def _records(n: int, seed: int) -> Iterator[dict[str, Any]]:
    for actor in actors(n, seed):
        record = to_record(actor)
        record["props"]["sources"] = ["bench"]
        yield record


def load(graph: Graph, n: int, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    wipe(graph, _WIPE)
    actor_dao = ActorDao(graph)
    write_in_chunks(_records(n, seed), actor_dao.upsert_many, n, "actors")
    actors_seconds = time.perf_counter() - started

    started = time.perf_counter()
    data: Dataset = generate(n, seed)
    generate_seconds = time.perf_counter() - started

    started = time.perf_counter()
    ArenaDao(graph).upsert_many(data.arenas, data.meetings, "bench")
    ChallengeDao(graph).upsert_many(data.challenges, "bench")
    memberships = data.relationships.pop("MEMBER_OF", [])
    for start in range(0, len(memberships), 10_000):
        actor_dao.upsert_memberships(memberships[start : start + 10_000])
    rel_dao = RelationshipDao(graph)
    done = len(memberships)
    total = data.total + len(memberships)
    for rel_type, rows in iter_rows(data, 10_000):
        rel_dao.upsert_many(rel_type, rows)
        done += len(rows)
        progress("relationships", done, total)
    print(file=sys.stderr)
    graph.driver.execute_query("CALL db.awaitIndexes(600)", database_=graph.database)
    return {
        "actors_seconds": round(actors_seconds, 1),
        "generate_seconds": round(generate_seconds, 1),
        "relationships_seconds": round(time.perf_counter() - started, 1),
        "relationships_by_type": {**data.counts(), "MEMBER_OF": len(memberships)},
    }


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)], 1)

    return {"n": len(ordered), "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99), "max_ms": pct(100)}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def bench_ego(graph: Graph, app_client: Any, n: int, rounds: int, seed: int) -> dict[str, Any]:
    top = graph.read(_DEGREES, limit=max(20, n // 100))
    rng = random.Random(f"ego:{seed}")
    chosen = rng.sample(top, min(20, len(top)))
    dao = NetworkDao(graph)
    sizes = []
    for row in chosen:  # warm-up, and the size of what is measured
        network = dao.ego(row["id"], depth=2)
        sizes.append((len(network.nodes), len(network.edges)))
    samples = [timed(lambda row=row: dao.ego(row["id"], depth=2))[0] for _ in range(rounds) for row in chosen]
    http = []
    for _ in range(max(1, rounds // 5)):
        for row in chosen:
            elapsed, response = timed(
                lambda row=row: app_client.get(f"/api/v1/actors/{row['id']}/network", query_string={"depth": 2})
            )
            assert response.status_code == 200, response.get_json()
            http.append(elapsed)
    hub = top[0]
    hub_network = dao.ego(hub["id"], depth=2)
    hub_samples = [timed(lambda: dao.ego(hub["id"], depth=2))[0] for _ in range(20)]
    return {
        "actors": len(chosen),
        "degree_range": [min(r["degree"] for r in chosen), max(r["degree"] for r in chosen)],
        "nodes_median": statistics.median(s[0] for s in sizes),
        "edges_median": statistics.median(s[1] for s in sizes),
        "nodes_max": max(s[0] for s in sizes),
        "dao": percentiles(samples),
        "http_in_process": percentiles(http),
        "best_connected": {
            "degree": hub["degree"],
            "nodes": len(hub_network.nodes),
            "edges": len(hub_network.edges),
            "truncated_from": hub_network.truncated_from,
            "dao": percentiles(hub_samples),
        },
    }


def bench_welfare_gaps(graph: Graph, rounds: int) -> dict[str, Any]:
    dao = AnalysisDao(graph)
    per_county: dict[str, dict[str, Any]] = {}
    for code in sorted(counties()):
        dao.welfare_gaps(county_code=code)
        samples = []
        civil = 0
        for _ in range(rounds):
            elapsed, result = timed(lambda code=code: dao.welfare_gaps(county_code=code))
            samples.append(elapsed)
            civil = result["civil_actors"]
        per_county[code] = {
            "name": counties()[code].name,
            "civil_actors": civil,
            "median_ms": _ms(samples),
            "max_ms": round(1000 * max(samples), 1),
        }
    medians = [c["median_ms"] for c in per_county.values()]
    largest = max(per_county, key=lambda c: per_county[c]["civil_actors"])
    return {
        "counties": len(per_county),
        "median_of_counties_ms": round(statistics.median(medians), 1),
        "max_of_medians_ms": max(medians),
        "largest": {"code": largest, **per_county[largest]},
        "orebro": per_county["18"],
        "per_county": per_county,
    }


def bench_brokers(graph: Graph, rounds: int, seed: int) -> dict[str, Any]:
    dao = AnalysisDao(graph)
    sizes = {r["m"]: r["n"] for r in graph.read(f"MATCH (a:{L.ACTOR}) RETURN a.municipality_code AS m, count(*) AS n")}
    rng = random.Random(f"brokers:{seed}")
    sampled = rng.sample(sorted(municipalities()), 20)
    largest = sorted(sizes, key=lambda m: -sizes[m])[:3]
    per_municipality: dict[str, dict[str, Any]] = {}
    for code in [*sampled, *[c for c in largest if c not in sampled]]:
        dao.brokers(municipality_code=code)
        samples = []
        result: dict[str, Any] = {}
        for _ in range(rounds):
            elapsed, result = timed(lambda code=code: dao.brokers(municipality_code=code))
            samples.append(elapsed)
        per_municipality[code] = {
            "name": municipalities()[code].name,
            "actors": result["actors"],
            "edges": result["edges"],
            "public_sources": result["public_sources"],
            "sampled_sources": result["sampled_sources"],
            "median_ms": _ms(samples),
            "max_ms": round(1000 * max(samples), 1),
        }
    sampled_medians = [per_municipality[c]["median_ms"] for c in sampled]
    return {
        "sampled": len(sampled),
        "median_of_sampled_ms": round(statistics.median(sampled_medians), 1),
        "max_of_sampled_ms": max(sampled_medians),
        "largest": {c: per_municipality[c] for c in largest},
        "per_municipality": per_municipality,
    }


def _ms(samples: list[float]) -> float:
    return round(1000 * statistics.median(samples), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--actors", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=20261127)
    add_database_arguments(parser, 7901, "reload even if the counts look right")
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--pagecache", default="2g")
    parser.add_argument("--rounds", type=int, default=25, help="rounds of the ego queries")
    parser.add_argument("--analysis-rounds", type=int, default=7, help="rounds of each welfare-gap and broker area")
    args = parser.parse_args(argv)

    db = open_database(args.bolt_port, args.heap, args.pagecache)
    graph = db.graph()
    migrate(graph.driver, graph.database)
    counts = graph.read_one(_COUNTS) or {}
    results: dict[str, Any] = {"actors": args.actors, "seed": args.seed, "heap": args.heap, "pagecache": args.pagecache}
    if args.reload or counts.get("actors") != args.actors or not counts.get("relationships"):
        print(f"loading {args.actors:,} actors and their relationships ...", file=sys.stderr)
        results["load"] = load(graph, args.actors, args.seed)
        counts = graph.read_one(_COUNTS) or {}
    results["graph"] = counts
    print(f"graph: {counts}", file=sys.stderr)
    app = create_app(db.config())
    try:
        results["ego_depth2"] = bench_ego(graph, app.test_client(), args.actors, args.rounds, args.seed)
        ego = results["ego_depth2"]
        print(
            f"ego depth 2: {ego['dao']} (nodes median {ego['nodes_median']}); api {ego['http_in_process']}",
            file=sys.stderr,
        )
        results["welfare_gaps_county"] = bench_welfare_gaps(graph, args.analysis_rounds)
        gaps = results["welfare_gaps_county"]
        print(
            f"welfare gaps per county: median {gaps['median_of_counties_ms']} ms, "
            f"slowest county {gaps['max_of_medians_ms']} ms",
            file=sys.stderr,
        )
        results["brokers_municipality"] = bench_brokers(graph, args.analysis_rounds, args.seed)
        brokers = results["brokers_municipality"]
        print(
            f"brokers per municipality: median {brokers['median_of_sampled_ms']} ms, "
            f"max sampled {brokers['max_of_sampled_ms']} ms",
            file=sys.stderr,
        )
    finally:
        app.extensions["graph"].close()
        graph.close()
        db.finish(stop=args.stop)
    save_results(args.out, f"relationships-{args.actors}.json", results, ensure_ascii=False, show=False)
    print(json.dumps({k: v for k, v in results.items() if k != "load"}, indent=2, ensure_ascii=False)[:4000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
