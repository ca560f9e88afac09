"""The review queue and the judgements kept in it: possible duplicates waiting for a person, and every decision.

An item pairs one source record with the actor it may describe. Its status is the judgement,
as in nomenklatura: `pending` (nobody has decided), `merged` (the import merged it on its own:
positive), `accepted` (a person said the same: positive), `rejected` (a person said different, or
undid a merge: negative, and resolution keeps the two apart on every later import) or `unsure`
(a person could not tell: the record stands alone for now, the item can still be decided). Each
decision records who (`decided_by`) and when (`decided_at`); an undone merge also `undone_at`.
"""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.dao.items import lock_statement
from registry.db import Graph

STATUSES = ("pending", "merged", "accepted", "rejected", "unsure")
# The statuses a person can still accept or reject, and those whose merge can be undone.
OPEN = ("pending", "unsure")
POSITIVE = ("merged", "accepted")

# One item as people read it: the waiting record (its fields as imported) beside the actor it may be.
_ITEM: LiteralString = f"""
OPTIONAL MATCH (r)-[:{R.CANDIDATE}]->(s:{L.SOURCE_RECORD})
OPTIONAL MATCH (r)-[:{R.CANDIDATE}]->(a:{L.ACTOR})
OPTIONAL MATCH (s)-[:{R.DESCRIBES}]->(d:{L.ACTOR})
RETURN r {{
  .id, .score, .reasons, .status, .decided_by,
  judgement: CASE r.status WHEN 'merged' THEN 'positive' WHEN 'accepted' THEN 'positive'
    WHEN 'rejected' THEN 'negative' WHEN 'unsure' THEN 'unsure' ELSE null END,
  created_at: toString(r.created_at), decided_at: toString(r.decided_at), undone_at: toString(r.undone_at),
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

# The item's write lock (registry.dao.items), so two people deciding the same item at once are
# serialised: the second sees the first one's decision.
_LOCK = lock_statement(
    f"MATCH (r:{L.REVIEW_ITEM} {{id: $id}})",
    "r",
    "r.status AS status, s.key AS record_key, s.source AS source, s.fields AS fields, a.id AS candidate_id, "
    "d.id AS actor_id, r.previous_key AS previous_key",
    then=f"""
WITH r
OPTIONAL MATCH (r)-[:{R.CANDIDATE}]->(s:{L.SOURCE_RECORD})
OPTIONAL MATCH (r)-[:{R.CANDIDATE}]->(a:{L.ACTOR})
OPTIONAL MATCH (s)-[:{R.DESCRIBES}]->(d:{L.ACTOR})
""",
)

# The record then describes actor `a` and no other.
_DESCRIBES_ONLY: LiteralString = f"""
WITH s, a
CALL (s, a) {{
  OPTIONAL MATCH (s)-[old:{R.DESCRIBES}]->(x:{L.ACTOR}) WHERE x <> a
  DELETE old
}}
MERGE (s)-[:{R.DESCRIBES}]->(a)
"""

_DECIDE: LiteralString = (
    f"""
MATCH (r:{L.REVIEW_ITEM} {{id: $id}})
MATCH (r)-[:{R.CANDIDATE}]->(s:{L.SOURCE_RECORD})
MATCH (a:{L.ACTOR} {{id: $actor_id}})
SET r.status = $status, r.decided_at = datetime(), r.decided_by = $by
"""
    + _DESCRIBES_ONLY
)

# Undoing a merge: the item becomes a negative judgement, and the record describes its own actor.
_UNDO: LiteralString = (
    f"""
MATCH (r:{L.REVIEW_ITEM} {{id: $id}})-[:{R.CANDIDATE}]->(s:{L.SOURCE_RECORD})
MATCH (a:{L.ACTOR} {{id: $actor_id}})
SET r.undone_from = r.status, r.status = 'rejected', r.decided_at = datetime(), r.decided_by = $by,
    r.undone_at = datetime()
"""
    + _DESCRIBES_ONLY
)

# A record a rename continued: its successor record holds the register's claims from now on.
_REMOVE_RECORD: LiteralString = f"""
MATCH (s:{L.SOURCE_RECORD} {{key: $key}})
DETACH DELETE s
"""

# The source records an actor is made of, oldest first: what an undo rebuilds it from.
_RECORDS_OF: LiteralString = f"""
MATCH (s:{L.SOURCE_RECORD})-[:{R.DESCRIBES}]->(:{L.ACTOR} {{id: $id}})
RETURN s.key AS key, s.source AS source, s.fields AS fields ORDER BY s.imported_at, s.key
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
    def decide(tx: ManagedTransaction, item_id: str, *, status: str, actor_id: str, by: str | None) -> None:
        """Records the judgement and makes the item's record describe `actor_id`."""
        tx.run(_DECIDE, id=item_id, status=status, actor_id=actor_id, by=by).consume()

    @staticmethod
    def undo(tx: ManagedTransaction, item_id: str, *, actor_id: str, by: str | None) -> None:
        """Turns a merge into a negative judgement; the item's record describes `actor_id` from now on."""
        tx.run(_UNDO, id=item_id, actor_id=actor_id, by=by).consume()

    @staticmethod
    def remove_record(tx: ManagedTransaction, key: str) -> None:
        tx.run(_REMOVE_RECORD, key=key).consume()

    @staticmethod
    def records_of(tx: ManagedTransaction, actor_id: str) -> list[dict[str, Any]]:
        return [r.data() for r in tx.run(_RECORDS_OF, id=actor_id)]
