"""Actors: writes of whole actor records with their place, taxonomy links, memberships and contacts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, LiteralString

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.db import Graph

# Properties are replaced from the record and relationships made to match it exactly. A content
# hash of the record skips actors whose record has not changed, so loading the same records
# twice writes nothing and leaves `updated_at` alone.
_UPSERT: LiteralString = f"""
UNWIND $rows AS row
MERGE (a:{L.ACTOR} {{id: row.id}})
ON CREATE SET a.created_at = datetime(), a.version = 0, a.archived = false
WITH a, row, a.content_hash IS NULL AS created
WHERE a.content_hash IS NULL OR a.content_hash <> row.hash
SET a += row.props, a.content_hash = row.hash, a.updated_at = datetime(), a.version = a.version + 1
WITH a, row, created
CALL (a) {{
  OPTIONAL MATCH (a)-[old:{R.LOCATED_IN}|{R.ACTIVE_IN}|{R.WORKS_ON}|{R.SERVES}]->()
  DELETE old
}}
CALL (a, row) {{
  MATCH (m:{L.MUNICIPALITY} {{code: row.municipality}})
  MERGE (a)-[:{R.LOCATED_IN}]->(m)
}}
CALL (a, row) {{
  UNWIND row.active_in AS code
  MATCH (m:{L.MUNICIPALITY} {{code: code}})
  MERGE (a)-[:{R.ACTIVE_IN}]->(m)
}}
CALL (a, row) {{
  UNWIND row.interest_areas AS term
  MATCH (t:{L.INTEREST_AREA} {{id: term}})
  MERGE (a)-[:{R.WORKS_ON}]->(t)
}}
CALL (a, row) {{
  UNWIND row.target_groups AS term
  MATCH (t:{L.TARGET_GROUP} {{id: term}})
  MERGE (a)-[:{R.SERVES}]->(t)
}}
CALL (a, row) {{
  OPTIONAL MATCH (a)-[:{R.HAS_CONTACT}]->(c:{L.CONTACT_PERSON})
  WHERE NOT c.id IN [x IN row.contacts | x.id]
  DETACH DELETE c
}}
CALL (a, row) {{
  UNWIND row.contacts AS contact
  MERGE (c:{L.CONTACT_PERSON} {{id: contact.id}})
  SET c += contact
  MERGE (a)-[:{R.HAS_CONTACT}]->(c)
}}
RETURN sum(CASE WHEN created THEN 1 ELSE 0 END) AS created, sum(CASE WHEN created THEN 0 ELSE 1 END) AS updated
"""

_UPSERT_MEMBERSHIPS: LiteralString = f"""
UNWIND $rows AS row
MATCH (m:{L.ACTOR} {{id: row.member}}), (u:{L.ACTOR} {{id: row.umbrella}})
MERGE (m)-[r:{R.MEMBER_OF}]->(u)
SET r.since = row.since, r.role = row.role, r.source = row.source
"""


@dataclass(frozen=True)
class WriteResult:
    created: int
    updated: int
    unchanged: int


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


class ActorDao:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def upsert_many(self, records: list[dict[str, Any]]) -> WriteResult:
        """Writes actor records (see `registry.demo` for the shape) in one transaction."""
        rows = [
            {
                "id": r["id"],
                "hash": record_hash(r),
                "props": r["props"],
                "municipality": r["props"].get("municipality_code"),
                "active_in": r.get("active_in", []),
                "interest_areas": r.get("interest_areas", []),
                "target_groups": r.get("target_groups", []),
                "contacts": r.get("contacts", []),
            }
            for r in records
        ]
        result = self.graph.write(_UPSERT, rows=rows)
        created, updated = int(result[0]["created"]), int(result[0]["updated"])
        return WriteResult(created, updated, len(rows) - created - updated)

    def upsert_memberships(self, rows: list[dict[str, Any]]) -> None:
        self.graph.write(_UPSERT_MEMBERSHIPS, rows=rows)
