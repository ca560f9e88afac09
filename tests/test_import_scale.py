"""The import lookup scales with the batch: a re-import of a register whose rows are all known
(a batch of 1,000 known records) succeeds at the default batch size, and a transaction that
runs out of Neo4j's transaction memory is retried in smaller batches instead of failing."""

from __future__ import annotations

from pathlib import Path
from typing import Any, LiteralString

import pytest
from neo4j import ManagedTransaction

from bench.generator import actors, write_csv
from importers.engine import DEFAULT_BATCH
from registry.dao.imports import ImportDao, _with_props
from registry.db import Graph
from tests.import_helpers import counts, run

ROWS = 1000


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "register.csv"
    write_csv(actors(ROWS, seed=7), path)
    return path


def test_reimport_at_default_batch_size(graph: Graph, register: Path) -> None:
    first = run(graph, register, batch_size=DEFAULT_BATCH)
    assert first.outcome == "imported", first.message
    second = run(graph, register, batch_size=DEFAULT_BATCH)
    assert second.outcome == "imported", second.message
    assert counts(second)["unchanged"] == ROWS


# The lookup as it was before it scaled: the known records carried into a UNION, whose memory
# grows with the square of the batch. With 1,000 known records it needs more than the test
# Neo4j's 1 GiB of transaction memory (a real MemoryPoolOutOfMemoryError); with 500 it does not.
_QUADRATIC_LOOKUP: LiteralString = """
CALL () {
  UNWIND $keys AS key
  MATCH (s:SourceRecord {key: key})
  OPTIONAL MATCH (s)-[:DESCRIBES]->(a:Actor)
  OPTIONAL MATCH (r:ReviewItem {status: 'pending'})-[:CANDIDATE]->(s)
  RETURN collect({key: key, hash: s.hash, fields: s.fields, actor_id: a.id, review_id: r.id}) AS known
}
CALL (known) {
  CALL (known) {
    UNWIND [k IN known WHERE k.actor_id IS NOT NULL | k.actor_id] AS id
    MATCH (a:Actor {id: id})
    RETURN a
    UNION
    UNWIND $org_numbers AS org
    MATCH (a:Actor {org_number: org})
    RETURN a
    UNION
    UNWIND $blocks AS block
    MATCH (a:Actor {name_key: block.name_key, county_code: block.county})
    RETURN a
  }
  RETURN collect({
    id: a.id, props: [key IN $props | a[key]],
    active_in: [(a)-[:ACTIVE_IN]->(m:Municipality) | m.code],
    interest_areas: [(a)-[:WORKS_ON]->(t:InterestArea) | t.id],
    target_groups: [(a)-[:SERVES]->(t:TargetGroup) | t.id],
    contacts: [(a)-[:HAS_CONTACT]->(c:ContactPerson) | c {.id, .name, .role, .email, .phone}]
  }) AS states
}
RETURN known, states
"""


def _quadratic_lookup(
    tx: ManagedTransaction, keys: list[str], org_numbers: list[str], blocks: list[dict[str, Any]], props: Any
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    row = tx.run(_QUADRATIC_LOOKUP, keys=keys, org_numbers=org_numbers, blocks=blocks, props=list(props)).single(
        strict=True
    )
    return {k["key"]: k for k in row["known"]}, [_with_props(s, props) for s in row["states"]]


@pytest.mark.parametrize("dry_run", [False, True])
def test_out_of_memory_halves_the_batch(
    graph: Graph, register: Path, monkeypatch: pytest.MonkeyPatch, dry_run: bool
) -> None:
    first = run(graph, register, batch_size=DEFAULT_BATCH)
    assert first.outcome == "imported", first.message
    batches: list[int] = []
    monkeypatch.setattr(ImportDao, "lookup", staticmethod(_quadratic_lookup))
    again = run(
        graph,
        register,
        batch_size=DEFAULT_BATCH,
        dry_run=dry_run,
        checkpoint=lambda stage, number: batches.append(number) if stage == "committed" else None,
    )
    assert again.outcome == ("dry-run" if dry_run else "imported"), again.message
    assert counts(again)["unchanged"] == ROWS
    # The batch of 1,000 ran as two of 500, numbered as they ran; the run says so.
    assert batches == [1, 2]
    assert any("500 rader per transaktion" in note for note in again.notes)
    if not dry_run:
        assert graph.read_one("MATCH (r:ImportRun) WHERE r.status <> 'finished' RETURN count(r) AS n") == {"n": 0}
