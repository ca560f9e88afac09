"""Register import benchmark: `registry import register` against Neo4j's own LOAD CSV on the same file.

    .venv/bin/python -m bench.import_register --rows 25000 250000

For each size the deterministic register CSV of `bench.generator` (`;`, UTF-8, Swedish headers)
is written once under var/bench/. Every measurement gets a fresh local Neo4j of its own
(data directory under var/bench/, Bolt on --port), migrated like production (constraints,
indexes, reference data, taxonomy), then either

* the importer, `registry import register FILE` as a subprocess: wall time, rows/s, its
  phases (validate, write) from the report, and its peak resident memory (`wait4`); then the
  same command again on the same database (the re-import: every row known and unchanged, the
  recovery after an interrupted run), its wall time and rows/s; or
* `LOAD CSV ... CALL { ... } IN TRANSACTIONS OF 1000 ROWS` with the equivalent MERGE of the
  same file (actor by id with its properties, seat, interest area, target groups, a source
  record describing it), without normalisation or entity resolution: wall time, rows/s.

Then the Neo4j is stopped and its directory removed. With `--repeat N` each side is measured
N times, alternating (importer, LOAD CSV, importer, ...), and the table shows the medians; every
run, with the load average of the machine before and after it, goes to
var/bench/import-register-*.json and to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, LiteralString

from bench.database import PASSWORD
from bench.generator import actors, write_csv
from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from graph_schema.migrate import migrate
from registry.config import PROJECT_ROOT, LocalNeo4jSettings
from registry.db import Graph
from registry.localdb import LocalNeo4j

OUT = PROJECT_ROOT / "var" / "bench"

# The same rows as the importer writes them, without its normalisation and resolution.
LOAD_CSV: LiteralString = f"""
LOAD CSV WITH HEADERS FROM $url AS row FIELDTERMINATOR ';'
CALL (row) {{
  MERGE (a:{L.ACTOR} {{id: row.Id}})
  SET a.name = row.`Föreningsnamn`,
      a.org_number = CASE WHEN row.Organisationsnummer = '' THEN null ELSE row.Organisationsnummer END,
      a.activities = row.Verksamhet, a.street_address = row.Gatuadress, a.postal_code = row.Postnummer,
      a.locality = row.Ort, a.emails = split(row.`E-post`, ', '),
      a.member_count = toInteger(row.`Antal medlemmar`), a.founded_year = toInteger(row.Bildad),
      a.sector = 'civil', a.kind = 'association', a.sources = ['bench'],
      a.created_at = datetime(), a.updated_at = datetime(), a.version = 1, a.archived = false
  WITH a, row
  MATCH (m:{L.MUNICIPALITY} {{name: row.Kommun}})
  SET a.municipality_code = m.code, a.county_code = m.county_code
  MERGE (a)-[:{R.LOCATED_IN}]->(m)
  WITH a, row
  CALL (a, row) {{
    MATCH (t:{L.INTEREST_AREA} {{label_sv: row.Kategori}})
    MERGE (a)-[:{R.WORKS_ON}]->(t)
  }}
  CALL (a, row) {{
    UNWIND split(row.`Målgrupp`, ', ') AS label
    MATCH (t:{L.TARGET_GROUP} {{label_sv: label}})
    MERGE (a)-[:{R.SERVES}]->(t)
  }}
  MERGE (s:{L.SOURCE_RECORD} {{key: 'bench:' + row.Id}})
  SET s.source = 'bench', s.record_id = row.Id, s.imported_at = datetime()
  MERGE (s)-[:{R.DESCRIBES}]->(a)
}} IN TRANSACTIONS OF 1000 ROWS
"""

_COUNT: LiteralString = f"MATCH (a:{L.ACTOR}) RETURN count(a) AS n"


def register_csv(rows: int, seed: int) -> Path:
    path = OUT / f"register-{rows}-{seed}.csv"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        write_csv(actors(rows, seed), tmp)
        tmp.replace(path)
    return path


class FreshNeo4j:
    """A local Neo4j in a directory of its own, migrated, removed again afterwards."""

    def __init__(self, label: str, port: int, heap: str, pagecache: str) -> None:
        home = OUT / f"neo4j-{label}"
        shutil.rmtree(home, ignore_errors=True)
        self.settings = LocalNeo4jSettings(
            home=home, port=port, heap=heap, pagecache=pagecache, import_dir=home / "import"
        )
        self.local = LocalNeo4j(self.settings, "neo4j", PASSWORD)

    def __enter__(self) -> FreshNeo4j:
        self.local.start()
        self.graph = Graph(self.settings.uri, "neo4j", PASSWORD, "neo4j")
        try:
            migrate(self.graph.driver, "neo4j")
        except BaseException:
            self.__exit__()  # `with` calls __exit__ only after __enter__ returned
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.graph.close()
        self.local.stop()
        shutil.rmtree(self.settings.home, ignore_errors=True)

    def env(self) -> dict[str, str]:
        return {**os.environ, "NEO4J_URI": self.settings.uri, "NEO4J_USER": "neo4j", "NEO4J_PASSWORD": PASSWORD}

    def actors(self) -> int:
        row = self.graph.read_one(_COUNT)
        return int(row["n"]) if row else 0


def run_importer(db: FreshNeo4j, csv_path: Path, rows: int) -> dict[str, Any]:
    """The import, then the re-import of the same file (every row known and unchanged)."""
    first = _import_once(db, csv_path, rows, "first")
    again = _import_once(db, csv_path, rows, "again")
    return {
        **first,
        "reimport_seconds": again["seconds"],
        "reimport_rows_per_s": again["rows_per_s"],
        "reimport_peak_rss_mb": again["peak_rss_mb"],
        "reimport_counts": again["counts"],
        "reimport_actors": again["actors"],
    }


def _import_once(db: FreshNeo4j, csv_path: Path, rows: int, label: str) -> dict[str, Any]:
    report_path = OUT / f"report-{rows}-{label}.json"
    registry = str(Path(sys.executable).with_name("registry"))
    started = time.monotonic()
    proc = subprocess.Popen(
        [registry, "import", "register", str(csv_path), "--report", str(report_path)],
        env=db.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - started
    if proc.stderr:
        proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the import failed (exit {os.waitstatus_to_exitcode(status)})")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return {
        "seconds": round(elapsed, 1),
        "rows_per_s": round(rows / elapsed),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),  # ru_maxrss is in KiB on Linux
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),  # the importer's own CPU, Neo4j's apart
        "validate_s": report["timings"].get("validate_s"),
        "write_s": report["timings"].get("write_s"),
        "counts": report["counts"],
        "actors": db.actors(),
    }


def run_first_import(db: FreshNeo4j, csv_path: Path, rows: int) -> dict[str, Any]:
    """The import alone (`--first-only`): for comparing trees run in turns, where the re-import adds time."""
    return _import_once(db, csv_path, rows, "first")


def run_load_csv(db: FreshNeo4j, csv_path: Path, rows: int) -> dict[str, Any]:
    db.settings.import_dir.mkdir(parents=True, exist_ok=True)
    target = db.settings.import_dir / csv_path.name
    shutil.copyfile(csv_path, target)
    started = time.monotonic()
    with db.graph.driver.session(database="neo4j") as session:
        # CALL ... IN TRANSACTIONS needs an implicit (auto-commit) transaction.
        session.run(LOAD_CSV, url=f"file:///{csv_path.name}").consume()
    elapsed = time.monotonic() - started
    return {"seconds": round(elapsed, 1), "rows_per_s": round(rows / elapsed), "actors": db.actors()}


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])
    except OSError:
        return "?"


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the runs (the counts are the same in every run)."""
    out: dict[str, Any] = dict(runs[0])
    keys = (
        "seconds",
        "rows_per_s",
        "peak_rss_mb",
        "cpu_s",
        "validate_s",
        "write_s",
        "reimport_seconds",
        "reimport_rows_per_s",
    )
    for key in keys:
        values = [r[key] for r in runs if isinstance(r.get(key), int | float)]
        if values:
            out[key] = round(statistics.median(values), 1)
    out["runs"] = runs
    return out


# Each side: its key in the results, its --only value, its database's name, its run and its log name.
_SIDES: tuple[tuple[str, str, str, Callable[[FreshNeo4j, Path, int], dict[str, Any]], str], ...] = (
    ("importer", "importer", "import", run_importer, "importer"),
    ("load_csv", "load-csv", "loadcsv", run_load_csv, "LOAD CSV"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, nargs="+", default=[25_000, 250_000])
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--port", type=int, default=7899)
    parser.add_argument("--heap", default="1g")
    parser.add_argument("--pagecache", default="512m")
    parser.add_argument("--only", choices=("importer", "load-csv"), help="measure one side only")
    parser.add_argument("--repeat", type=int, default=1, help="runs per side; the table shows medians")
    parser.add_argument("--first-only", action="store_true", help="the importer's first import only, no re-import")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    for rows in args.rows:
        csv_path = register_csv(rows, args.seed)
        print(f"{rows} rows: {csv_path} ({csv_path.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
        result: dict[str, Any] = {"rows": rows}
        sides: dict[str, list[dict[str, Any]]] = {"importer": [], "load_csv": []}
        for _ in range(args.repeat):
            for side, option, home, run, shown in _SIDES:
                if args.only in (None, option):
                    load = _loadavg()
                    if args.first_only and run is run_importer:
                        run = run_first_import
                    with FreshNeo4j(f"{home}-{rows}", args.port, args.heap, args.pagecache) as db:
                        measured = run(db, csv_path, rows)
                    sides[side].append({**measured, "loadavg_before": load, "loadavg_after": _loadavg()})
                    print(f"  {shown}: {sides[side][-1]}", file=sys.stderr)
        for side, runs in sides.items():
            if runs:
                result[side] = _median(runs)
        results.append(result)
        out = OUT / f"import-register-{args.only or 'both'}.json"
        out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(
        "| rows | importer s | importer rows/s | validate s | write s | peak RSS MB "
        "| re-import s | re-import rows/s | LOAD CSV s | LOAD CSV rows/s | ratio |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    blank: dict[str, Any] = dict.fromkeys(
        ("seconds", "rows_per_s", "validate_s", "write_s", "peak_rss_mb", "reimport_seconds", "reimport_rows_per_s"),
        "–",
    )
    for r in results:
        # A --first-only run has no re-import figures: those cells stay blank.
        i, c = {**blank, **r.get("importer", {})}, {**blank, **r.get("load_csv", {})}
        ratio = f"{i['rows_per_s'] / c['rows_per_s']:.2f}" if "importer" in r and "load_csv" in r else "–"
        print(
            f"| {r['rows']:,} | {i['seconds']} | {i['rows_per_s']} | {i['validate_s']} | {i['write_s']} | "
            f"{i['peak_rss_mb']} | {i['reimport_seconds']} | {i['reimport_rows_per_s']} | "
            f"{c['seconds']} | {c['rows_per_s']} | {ratio} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
