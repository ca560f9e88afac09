"""The review queue: possible duplicates that importers could not decide, waiting for a person."""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.db import Graph

STATUSES = ("pending", "accepted", "rejected")

# One item as people read it: the waiting record (its fields as imported) beside the actor it may be.
_ITEM: LiteralString = f"""
OPTIONAL MATCH (r)-[:{R.CANDIDATE}]->(s:{L.SOURCE_RECORD})
OPTIONAL MATCH (r)-[:{R.CANDIDATE}]->(a:{L.ACTOR})
OPTIONAL MATCH (s)-[:{R.DESCRIBES}]->(d:{L.ACTOR})
RETURN r {{
  .id, .score, .reasons, .status,
  created_at: toString(r.created_at), decided_at: toString(r.decided_at),
  record: s {{.key, .source, .record_id, .fields}},
  candidate: a {{.id, .name, .org_number, .municipality_code, .locality, .website}},
  actor_id: d.id
}} AS item
"""

_LIST: LiteralString = (
    f"""
MATCH (r:{L.REVIEW_ITEM}) WHERE $status IS NULL OR r.status = $status
WITH r ORDER BY r.created_at, r.id SKIP $skip LIMIT $limit
"""
    + _ITEM
)

_COUNT: LiteralString = f"""
MATCH (r:{L.REVIEW_ITEM}) WHERE $status IS NULL OR r.status = $status
RETURN count(r) AS total
"""

_GET: LiteralString = f"MATCH (r:{L.REVIEW_ITEM} {{id: $id}})" + _ITEM

# Setting the status first takes the item's write lock, so two people deciding the same item at
# once are serialised: the second sees the first one's decision.
_LOCK: LiteralString = f"""
MATCH (r:{L.REVIEW_ITEM} {{id: $id}})
SET r.status = r.status
WITH r
OPTIONAL MATCH (r)-[:{R.CANDIDATE}]->(s:{L.SOURCE_RECORD})
OPTIONAL MATCH (r)-[:{R.CANDIDATE}]->(a:{L.ACTOR})
RETURN r.status AS status, s.key AS record_key, s.source AS source, s.fields AS fields, a.id AS candidate_id
"""

_DECIDE: LiteralString = f"""
MATCH (r:{L.REVIEW_ITEM} {{id: $id}})
MATCH (r)-[:{R.CANDIDATE}]->(s:{L.SOURCE_RECORD})
MATCH (a:{L.ACTOR} {{id: $actor_id}})
SET r.status = $status, r.decided_at = datetime()
MERGE (s)-[:{R.DESCRIBES}]->(a)
"""


class ReviewDao:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def list(self, *, status: str | None, skip: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """A page of items (oldest first) and how many there are in all."""
        count = self.graph.read_one(_COUNT, status=status)
        rows = self.graph.read(_LIST, status=status, skip=skip, limit=limit)
        return (int(count["total"]) if count else 0), [r["item"] for r in rows]

    def get(self, item_id: str) -> dict[str, Any] | None:
        row = self.graph.read_one(_GET, id=item_id)
        return row["item"] if row else None

    @staticmethod
    def lock(tx: ManagedTransaction, item_id: str) -> dict[str, Any] | None:
        record = tx.run(_LOCK, id=item_id).single()
        return record.data() if record else None

    @staticmethod
    def decide(tx: ManagedTransaction, item_id: str, *, status: str, actor_id: str) -> None:
        tx.run(_DECIDE, id=item_id, status=status, actor_id=actor_id).consume()
