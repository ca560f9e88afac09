"""HSDS export benchmark: N generated actors as HSDS (NDJSON and the tabular package) against today's JSON export.

Loads `bench.generator.actors(n, seed)` into a Neo4j of its own (the local launcher in
`var/bench/neo4j-PORT`, or NEO4J_URI if set: its actors are replaced), then times, `--runs`
times each and in turns, the code each export route runs, from the same streamed query
(`ActorDao.export`, every actor in name order) into a byte-counting sink:

  json          today's /api/v1/actors/export?format=json (marshmallow dump of each actor)
  hsds          /api/v1/actors/export?format=hsds (one HSDS organization per NDJSON line)
  hsds-tabular  the tabular package (`registry export hsds`, and the zip's spool), CSVs in a temp folder

Each run is a child process of its own, so its peak resident memory (ru_maxrss) is that form's
alone; `--sizes` repeats the whole at smaller counts (a prefix of the same actors, by filter-free
LIMIT in the child) to show whether memory grows with N. Figures: median and p90 seconds, actors/s,
peak RSS; the HSDS/JSON time ratio is the target (at most 2x).

    .venv/bin/python -m bench.hsds_export --actors 25000 --runs 5 --bolt-port 7726
    .venv/bin/python -m bench.hsds_export --actors 250000 --runs 3 --bolt-port 7726
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any, LiteralString

from bench.database import add_database_arguments, open_database, save_results
from bench.registry_search import load
from graph_schema.contract import Label as L
from graph_schema.migrate import migrate
from registry.config import PROJECT_ROOT
from registry.dao.actors import ActorDao
from registry.db import Graph
from registry.domain.actor import ActorFilter
from registry.identity import ANONYMOUS

FORMS = ("json", "hsds", "hsds-tabular")
_ACTOR_COUNT: LiteralString = f"MATCH (a:{L.ACTOR}) RETURN count(a) AS n"


def _graph_from_env() -> Graph:
    return Graph(
        os.environ["NEO4J_URI"],
        os.environ.get("NEO4J_USER", "neo4j"),
        os.environ["NEO4J_PASSWORD"],
        os.environ.get("NEO4J_DATABASE", "neo4j"),
    )


def child(form: str, limit: int) -> dict[str, Any]:
    """One export of the first `limit` actors (in the export's order) in this process; its figures."""
    from registry.api.actors import _json_lines
    from registry.dao.hsds import HsdsDao
    from registry.hsds.export import ndjson_lines, write_package

    graph = _graph_from_env()
    try:
        terms = HsdsDao(graph).terms()
        started = time.perf_counter()
        rows: Iterator[dict[str, Any]] = islice(ActorDao(graph).export(ActorFilter()), limit)
        size = 0
        if form == "json":
            for chunk in _json_lines(rows, ANONYMOUS):
                size += len(chunk.encode())
        elif form == "hsds":
            for chunk in ndjson_lines(rows, lambda _view: False):
                size += len(chunk.encode())
        else:
            with tempfile.TemporaryDirectory(prefix="bench-hsds-") as tmp:
                write_package(rows, terms, Path(tmp), lambda _view: False, ndjson=False)
                size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        seconds = time.perf_counter() - started
    finally:
        graph.close()
    return {
        "form": form,
        "actors": limit,
        "seconds": round(seconds, 3),
        "bytes": size,
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _run_child(form: str, limit: int, env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.hsds_export", "--child", form, "--actors", str(limit)],
        env=env,
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--actors", type=int, default=25_000)
    parser.add_argument("--sizes", type=int, nargs="*", default=[], help="also export only this many (memory vs N)")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--runs", type=int, default=5)
    add_database_arguments(parser, 7726, "reload even if the actor count matches")
    parser.add_argument("--child", choices=FORMS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.actors)))
        return 0

    db = open_database(args.bolt_port)
    graph = db.graph()
    env = db.env()
    results: dict[str, Any] = {"actors": args.actors, "seed": args.seed, "runs": args.runs, "sizes": {}}
    try:
        migrate(graph.driver, graph.database)
        count = graph.read_one(_ACTOR_COUNT)
        if args.reload or not count or count["n"] != args.actors:
            print(f"loading {args.actors} actors ...", file=sys.stderr)
            results["load_seconds"] = round(load(graph, args.actors, args.seed), 1)
        for size in [args.actors, *args.sizes]:
            _run_child("json", min(size, 1000), env)  # warm the page cache and the query plan
            runs: dict[str, list[dict[str, Any]]] = {form: [] for form in FORMS}
            for i in range(args.runs):
                for form in FORMS:
                    figures = _run_child(form, size, env)
                    runs[form].append(figures)
                    print(f"  {size} run {i + 1} {form:13} {figures}", file=sys.stderr)
            summary: dict[str, Any] = {}
            for form, figures in runs.items():
                seconds = [f["seconds"] for f in figures]
                summary[form] = {
                    "median_s": round(statistics.median(seconds), 2),
                    "p90_s": round(_pct(seconds, 0.9), 2),
                    "min_s": round(min(seconds), 2),
                    "actors_per_s": round(size / statistics.median(seconds)),
                    "mb": round(figures[0]["bytes"] / 1e6, 1),
                    "max_rss_mb": max(f["max_rss_mb"] for f in figures),
                }
            json_median = summary["json"]["median_s"]
            for form in ("hsds", "hsds-tabular"):
                summary[form]["vs_json"] = round(summary[form]["median_s"] / json_median, 2)
            results["sizes"][str(size)] = summary
            print(json.dumps({size: summary}, indent=2), file=sys.stderr)
    finally:
        graph.close()
        db.finish(stop=args.stop)
    save_results(args.out, f"hsds-export-{args.actors}.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
