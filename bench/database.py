"""The Neo4j a benchmark measures, and where its figures go.

NEO4J_URI's database when set, else the benchmark's own local Neo4j in `var/bench/neo4j-PORT`
(started here, stopped at the end only when asked: reloading a large graph takes minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, LiteralString

from registry.config import PROJECT_ROOT, LocalNeo4jSettings
from registry.db import Graph
from registry.localdb import LocalNeo4j

PASSWORD = "registry-bench-password"  # noqa: S105 (a loopback-only benchmark database)


@dataclass(frozen=True)
class BenchDatabase:
    uri: str
    user: str
    password: str
    database: str
    local: LocalNeo4j | None

    def graph(self) -> Graph:
        return Graph(self.uri, self.user, self.password, self.database)

    def config(self) -> dict[str, str]:
        """For `create_app` and child processes' environments."""
        return {
            "NEO4J_URI": self.uri,
            "NEO4J_USER": self.user,
            "NEO4J_PASSWORD": self.password,
            "NEO4J_DATABASE": self.database,
        }

    def env(self) -> dict[str, str]:
        return {**os.environ, **self.config()}

    def finish(self, *, stop: bool) -> None:
        if self.local is not None and stop:
            self.local.stop()


def add_database_arguments(parser: argparse.ArgumentParser, bolt_port: int, reload_help: str) -> None:
    """The options every benchmark on a loaded graph takes: its Neo4j, reloading, stopping, where figures go."""
    parser.add_argument("--bolt-port", type=int, default=bolt_port, help="local Neo4j for the benchmark")
    parser.add_argument("--reload", action="store_true", help=reload_help)
    parser.add_argument("--stop", action="store_true", help="stop the benchmark's local Neo4j at the end")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench" / "out")


def open_database(bolt_port: int, heap: str = "1g", pagecache: str = "1g") -> BenchDatabase:
    database = os.environ.get("NEO4J_DATABASE", "neo4j")
    uri = os.environ.get("NEO4J_URI")
    if uri:
        user, password = os.environ.get("NEO4J_USER", "neo4j"), os.environ["NEO4J_PASSWORD"]
        return BenchDatabase(uri, user, password, database, None)
    home = PROJECT_ROOT / "var" / "bench" / f"neo4j-{bolt_port}"
    settings = LocalNeo4jSettings(home, bolt_port, heap, pagecache, home / "import")
    local = LocalNeo4j(settings, "neo4j", PASSWORD)
    local.start()
    return BenchDatabase(settings.uri, "neo4j", PASSWORD, database, local)


def wipe(graph: Graph, statement: LiteralString) -> None:
    # CALL ... IN TRANSACTIONS needs an auto-commit transaction: session.run, not execute_query.
    with graph.driver.session(database=graph.database) as session:
        session.run(statement).consume()


def write_in_chunks(
    records: Iterable[dict[str, Any]], write: Callable[[list[dict[str, Any]]], object], total: int, label: str
) -> None:
    """Writes the records a thousand at a time, with progress on stderr."""
    chunk: list[dict[str, Any]] = []
    done = 0
    for record in records:
        chunk.append(record)
        if len(chunk) == 1000:
            write(chunk)
            done += len(chunk)
            chunk = []
            progress(label, done, total)
    if chunk:
        write(chunk)
    print(file=sys.stderr)


def progress(label: str, done: int, total: int) -> None:
    print(f"\r  {label} {done:,}/{total:,}", end="", file=sys.stderr, flush=True)


def save_results(out_dir: Path, name: str, results: Any, *, ensure_ascii: bool = True, show: bool = True) -> None:
    """Writes the figures to out_dir/name (and, with `show`, to stdout)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, ensure_ascii=ensure_ascii)
    (out_dir / name).write_text(text + "\n", encoding="utf-8")
    if show:
        print(text)
