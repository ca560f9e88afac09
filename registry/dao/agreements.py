"""Agreements (lagrum and structure): IOPs, local agreements, policies, contracts and action plans.

Actors become parties through PARTY_TO relationships written by the relationships DAO; an
agreement lists its parties and whether it is in force on a day. Each write takes its `writer`
(required) and records its audit event in the same transaction; a deletion's event is also about the
parties, whose PARTY_TO relationships go with it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.dao.items import ItemDao, Reads, audit, check_dates, created_count, lock, lock_statement, lock_version
from registry.dao.relationships import node_summary, plain
from registry.domain.relationships import is_valid_at
from registry.identity import Writer

NOT_FOUND = "Överenskommelsen finns inte / Agreement not found."
AGREEMENT_FIELDS = ("kind", "title", "description", "valid_from", "valid_to", "url")

_CREATE: LiteralString = f"""
CREATE (g:{L.AGREEMENT} {{id: $id}})
SET g += $props, g.version = 1, g.created_at = datetime(), g.created_by = $by
RETURN properties(g) AS props
"""
_VIEW: LiteralString = f"""
RETURN properties(g) AS props,
       [(a:{L.ACTOR})-[r:{R.PARTY_TO}]->(g) | {{rel: properties(r), actor: {node_summary("a")}}}] AS parties
"""
_GET: LiteralString = f"MATCH (g:{L.AGREEMENT} {{id: $id}}) {_VIEW}"
_SEARCH_WHERE: LiteralString = f"""
MATCH (g:{L.AGREEMENT})
WHERE ($kind IS NULL OR g.kind = $kind)
  AND ($actor IS NULL OR EXISTS {{ (:{L.ACTOR} {{id: $actor}})-[:{R.PARTY_TO}]->(g) }})
  AND ($municipality IS NULL OR EXISTS {{ (a:{L.ACTOR})-[:{R.PARTY_TO}]->(g)
                                          WHERE a.municipality_code = $municipality }})
  AND ($at IS NULL OR ((g.valid_from IS NULL OR g.valid_from <= $at) AND (g.valid_to IS NULL OR $at < g.valid_to)))
"""
_COUNT: LiteralString = f"{_SEARCH_WHERE} RETURN count(g) AS total"
_SEARCH: LiteralString = f"{_SEARCH_WHERE} WITH g ORDER BY g.title, g.id SKIP $skip LIMIT $limit {_VIEW}"
_LOCK = lock_statement(f"MATCH (g:{L.AGREEMENT} {{id: $id}})", "g", "properties(g) AS props, g.version AS version")
_UPDATE: LiteralString = f"""
MATCH (g:{L.AGREEMENT} {{id: $id}})
SET g += $props, g.version = g.version + 1, g.updated_at = datetime(), g.updated_by = $by
RETURN properties(g) AS props
"""
_DELETE: LiteralString = f"""
MATCH (g:{L.AGREEMENT} {{id: $id}})
WITH g, properties(g) AS props, [(a:{L.ACTOR})-[:{R.PARTY_TO}]->(g) | a.id] AS parties
DETACH DELETE g
RETURN props, parties
"""
_UPSERT: LiteralString = f"""
UNWIND $rows AS row
OPTIONAL MATCH (old:{L.AGREEMENT} {{id: row.id}})
WITH row, old IS NULL AS created
MERGE (g:{L.AGREEMENT} {{id: row.id}})
ON CREATE SET g += row.props, g.version = 1, g.created_at = datetime(), g.created_by = $by
RETURN sum(CASE WHEN created THEN 1 ELSE 0 END) AS created
"""


def _audit_view(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in plain(props).items() if k in AGREEMENT_FIELDS}


def _agreement(row: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    props = plain(row["props"])
    today = today or dt.date.today()
    parties = []
    for p in row["parties"]:
        rel = plain(p["rel"])
        parties.append(
            {
                "relationship_id": rel.get("id"),
                "actor": p["actor"],
                "valid_from": rel.get("valid_from"),
                "valid_to": rel.get("valid_to"),
                "current": is_valid_at(rel.get("valid_from"), rel.get("valid_to"), today),
            }
        )
    parties.sort(key=lambda p: p["actor"]["name"] or "")
    return {
        **{k: props.get(k) for k in ("id", *AGREEMENT_FIELDS)},
        "in_force": is_valid_at(props.get("valid_from"), props.get("valid_to"), today),
        "parties": parties,
        **{k: props.get(k) for k in ("version", "created_at", "created_by", "updated_at", "updated_by")},
    }


class AgreementDao(ItemDao):
    """Agreements: `get`, `search(kind=, actor=, municipality_code=, valid_at=)` and the writes."""

    reads = Reads(
        NOT_FOUND,
        _GET,
        _COUNT,
        _SEARCH,
        _agreement,
        {"kind": "kind", "actor": "actor", "municipality_code": "municipality", "valid_at": "at"},
    )

    def create(
        self,
        data: dict[str, Any],
        by: str,
        *,
        agreement_id: str | None = None,
        writer: Writer,
    ) -> dict[str, Any]:
        props = {k: data[k] for k in AGREEMENT_FIELDS if data.get(k) is not None}
        check_dates(props)
        new_id = agreement_id or str(uuid.uuid4())

        def work(tx: ManagedTransaction) -> None:
            row = tx.run(_CREATE, id=new_id, props=props, by=by).single(strict=True)
            audit(tx, writer, "agreement.create", L.AGREEMENT, new_id, None, _audit_view(row["props"]))

        self.graph.write_tx(work)
        return self.get(new_id)

    def update(
        self,
        agreement_id: str,
        expected_version: int,
        changes: dict[str, Any],
        by: str,
        *,
        writer: Writer,
    ) -> dict[str, Any]:
        props = {k: changes[k] for k in AGREEMENT_FIELDS if k in changes}

        def work(tx: ManagedTransaction) -> None:
            now = plain(lock_version(tx, _LOCK, NOT_FOUND, expected_version, id=agreement_id)["props"])
            check_dates({k: v for k, v in {**now, **props}.items() if v is not None})
            row = tx.run(_UPDATE, id=agreement_id, props=props, by=by).single(strict=True)
            before, after = _audit_view(now), _audit_view(row["props"])
            audit(tx, writer, "agreement.update", L.AGREEMENT, agreement_id, before, after)

        self.graph.write_tx(work)
        return self.get(agreement_id)

    def delete(self, agreement_id: str, *, writer: Writer) -> None:
        """Deletes the agreement and the party relationships to it."""

        def work(tx: ManagedTransaction) -> None:
            row = lock(tx, _DELETE, NOT_FOUND, id=agreement_id)
            before = {**_audit_view(row["props"]), "parties": sorted(row["parties"])}
            parties = row["parties"]
            audit(tx, writer, "agreement.delete", L.AGREEMENT, agreement_id, before, None, also_about=parties)

        self.graph.write_tx(work)

    def upsert_many(self, rows: list[dict[str, Any]], by: str) -> int:
        """Trusted agreements (demo data) merged by id; returns how many were new."""
        return created_count(self.graph, _UPSERT, rows=rows, by=by)
