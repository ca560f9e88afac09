"""ActorDao's bulk writes: a first load by insert_many stores exactly what upsert_many would."""

from __future__ import annotations

from typing import LiteralString

from registry.dao.actors import ActorDao
from registry.db import Graph
from registry.demo import load_demo_records, to_record

_SNAPSHOT: LiteralString = """
MATCH (a:Actor)
RETURN a.id AS id, properties(a) AS props,
  [(a)-[r]->(x) | type(r) + ':' + coalesce(x.id, x.code, '')] AS links
ORDER BY id
"""


def _snapshot(graph: Graph) -> list[dict[str, object]]:
    rows = graph.read(_SNAPSHOT)
    for row in rows:
        for volatile in ("created_at", "updated_at"):
            row["props"].pop(volatile)
        row["links"] = sorted(row["links"])
    return rows


def test_insert_many_equals_upsert_many(graph: Graph) -> None:
    records = [to_record(a) for a in load_demo_records()]
    dao = ActorDao(graph)
    assert dao.insert_many(records) == len(records)
    inserted = _snapshot(graph)
    again = dao.upsert_many(records)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(records))
    graph.write("MATCH (a:Actor) DETACH DELETE a")
    graph.write("MATCH (c:ContactPerson) DETACH DELETE c")
    dao.upsert_many(records)
    assert _snapshot(graph) == inserted
    assert any("search_place" in row["props"] for row in inserted)
