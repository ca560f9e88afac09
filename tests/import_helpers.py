"""Shared by the import tests: fixture paths, running an import, and a comparable picture of the graph.

Also a pytest plugin (registered in tests/conftest.py) for the import fixtures the tests ask for by name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from importers.engine import ImportOptions, run_import
from importers.report import Report
from registry.db import Graph

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "registers"
KUMLA = "1881"

# Bookkeeping that differs between two runs that wrote the same data.
_VOLATILE = {"created_at", "updated_at", "imported_at", "decided_at"}


def run(graph: Graph, path: Path, **options: Any) -> Report:
    options.setdefault("kind", "register")
    return run_import(graph, ImportOptions(path=path, **options))


def counts(report: Report) -> dict[str, int]:
    return {k: int(v) for k, v in report.to_json()["counts"].items()}


def _key(labels: list[str], props: dict[str, Any]) -> str:
    label = sorted(labels)[0]
    for name in ("id", "key", "code"):
        if name in props:
            return f"{label}:{props[name]}"
    raise AssertionError(f"node without a key: {labels} {props}")


def snapshot(graph: Graph) -> dict[str, Any]:
    """Every node and relationship an import writes, keyed by their keys, without timestamps.

    Import runs (one node per run, and which run last wrote a record) are left out: a run
    that was interrupted and then finished by a second run is two runs by design. So are audit
    events (each names its run, and has an id and a time of its own): `audit_events` counts them,
    and import sources (the binding of a source name, which names the file's format). The time of
    each seat claim (`seat_claims`) is left out like the other timestamps.
    """
    nodes = graph.read(
        "MATCH (n) WHERE NOT n:Municipality AND NOT n:County AND NOT n:SchemaMigration AND NOT n:ImportRun "
        "AND NOT n:InterestArea AND NOT n:TargetGroup AND NOT n:AuditEvent AND NOT n:ImportSource "
        "RETURN labels(n) AS labels, properties(n) AS props"
    )
    rels = graph.read(
        "MATCH (a)-[r]->(b) WHERE NOT type(r) IN ['FROM_RUN', 'IN_COUNTY', 'BROADER', 'ABOUT'] "
        "RETURN labels(a) AS la, properties(a) AS pa, type(r) AS type, properties(r) AS props, "
        "labels(b) AS lb, properties(b) AS pb"
    )
    picture: dict[str, Any] = {"nodes": {}, "relationships": set()}
    for row in nodes:
        props = {k: _plain(v) for k, v in row["props"].items() if k not in _VOLATILE}
        if "seat_claims" in props:
            claims = json.loads(props["seat_claims"])
            for claim in claims["claims"].values():
                claim.pop("at", None)
            props["seat_claims"] = claims
        picture["nodes"][_key(row["labels"], row["props"])] = props
    for row in rels:
        props = tuple(sorted((k, repr(_plain(v))) for k, v in row["props"].items() if k not in _VOLATILE))
        picture["relationships"].add((_key(row["la"], row["pa"]), row["type"], _key(row["lb"], row["pb"]), props))
    return picture


def audit_events(graph: Graph) -> dict[str, int]:
    """Import audit events per action, each about the actor it names."""
    rows = graph.read(
        "MATCH (e:AuditEvent {channel: 'import'})-[:ABOUT]->(a:Actor) WHERE a.id = e.subject_id "
        "RETURN e.action AS action, count(e) AS n"
    )
    return {row["action"]: row["n"] for row in rows}


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


def actor_by_name(graph: Graph, name: str) -> dict[str, Any]:
    row = graph.read_one(
        "MATCH (a:Actor {name: $name}) RETURN a {.*, "
        "seat: [(a)-[:LOCATED_IN]->(m) | m.code], "
        "active_in: [(a)-[:ACTIVE_IN]->(m) | m.code], "
        "works_on: [(a)-[:WORKS_ON]->(t) | t.id], "
        "serves: [(a)-[:SERVES]->(t) | t.id], "
        "contacts: [(a)-[:HAS_CONTACT]->(c) | c {.*}], "
        "records: [(s:SourceRecord)-[:DESCRIBES]->(a) | s.key]} AS actor",
        name=name,
    )
    assert row is not None, f"no actor named {name!r}"
    return row["actor"]


@pytest.fixture
def batched_register(tmp_path: Path) -> Path:
    """60 rows in six batches, with merges and review items that reach back across batches."""
    rows = ["Id;Föreningsnamn;Organisationsnummer;Postnummer;Ort;Telefon;Hemsida"]
    org_numbers = ["802000-0009", "802000-0017", "802000-0025", "802000-0033", "802000-0041"]
    for i in range(1, 41):
        org = org_numbers[i - 1] if i <= 5 else ""
        rows.append(f"R{i};Kumla Förening {i:02d};{org};692 3{i % 8};Kumla;031390{i:04d};forening{i}.example")
    for i in range(41, 46):  # the same organisation numbers as rows 1-5: merged across batches
        rows.append(f"R{i};Avdelning {i};{org_numbers[i - 41]};692 31;Kumla;;")
    for i in range(46, 51):  # the names and phones of rows 6-10 in Hallsberg: waiting for review
        rows.append(f"R{i};Kumla Förening {i - 40:02d};;694 31;Hallsberg;031390{i - 40:04d};")
    for i in range(51, 61):  # the names of rows 11-20 again in Kumla: merged by name
        rows.append(f"R{i};KUMLA FÖRENING {i - 40:02d};;692 31;Kumla;031399{i:04d};")
    path = tmp_path / "register.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path
