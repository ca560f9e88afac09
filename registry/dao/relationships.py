"""Relationships of the collaboration model: create, read, update, end and delete, with their rules.

Every relationship written here carries an `id` (uuid) so the API can address it, a `version`
for ETags, provenance (`source`, `confidence`, `created_by`, `created_at`, `note`) and a
half-open validity (`valid_from` inclusive, `valid_to` the first day it no longer holds).
Mutual dependency kinds (symbiotic, competition) are stored once, in the direction they were
first recorded, and read from both ends.

Every create, update, end and delete takes its `Writer` (required) and records its audit event in
the same transaction, about the relationship and both of its ends; `upsert_many` is the trusted
bulk loader of demo data and generators, which records none.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from typing import Any, LiteralString

import neo4j.time
from neo4j import ManagedTransaction

from graph_schema.contract import RELATIONSHIPS
from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from graph_schema.relationship_types import BY_TYPE, NETWORK, WRITABLE, RelationshipType
from registry.dao.items import Page, audit, check_dates, created_count, lock, lock_statement, lock_version
from registry.db import Graph
from registry.domain.relationships import (
    MUTUAL_KINDS,
    NETWORK_TYPES,
    RELATIONSHIP_TYPES,
    REQUIRED_PROPERTIES,
    STAGES,
    ConflictError,
    InvalidError,
    NotFoundError,
    moved_back,
    skipped_stages,
)
from registry.identity import Writer

# Fixed Cypher fragments: a label or type chosen at run time is looked up here, never spliced in.
LABELS: dict[str, LiteralString] = {
    L.ACTOR: L.ACTOR,
    L.AGREEMENT: L.AGREEMENT,
    L.ARENA: L.ARENA,
    L.CHALLENGE: L.CHALLENGE,
}
# Every type the network views follow, from the declarations (their names are literals).
TYPES: dict[str, LiteralString] = {d.type: d.type for d in NETWORK}


def _identity(d: RelationshipType) -> LiteralString:
    """What makes another relationship `r` of the type the same as `me` (ends aside): equal identity
    properties, an absent optional one equal to another absent one."""
    parts: list[LiteralString] = [
        f"r.{p.name} = me.{p.name}" if p.required else f"coalesce(r.{p.name}, '') = coalesce(me.{p.name}, '')"
        for p in d.stored
        if p.identity
    ]
    return " AND ".join(parts) if parts else "true"


_IDENTITY: dict[str, LiteralString] = {d.type: _identity(d) for d in WRITABLE}


def type_pattern(types: Iterable[str]) -> LiteralString:
    """`DEPENDS_ON|FUNDS|...` for a relationship pattern, from the fixed fragments only."""
    chosen: list[LiteralString] = [TYPES[t] for t in dict.fromkeys(types)]
    if not chosen:
        raise InvalidError("Ange minst en relationstyp / Give at least one relationship type.")
    return "|".join(chosen)


# Validity of a collaboration relationship `r` at `$at` (half-open), and of a membership, whose
# dates come from the actor registry and importers as dates or ISO strings: compared as text.
VALID_AT: LiteralString = "((r.valid_from IS NULL OR r.valid_from <= $at) AND (r.valid_to IS NULL OR $at < r.valid_to))"
MEMBERSHIP_VALID_AT: LiteralString = (
    "((r.since IS NULL OR toString(r.since) <= toString($at)) "
    "AND (r.until IS NULL OR toString($at) < toString(r.until)))"
)
EDGE_VALID_AT: LiteralString = f"CASE type(r) WHEN '{R.MEMBER_OF}' THEN {MEMBERSHIP_VALID_AT} ELSE {VALID_AT} END"


def node_summary(var: LiteralString) -> LiteralString:
    return (
        f"{{id: {var}.id, label: head(labels({var})), name: coalesce({var}.name, {var}.title), "
        f"sector: {var}.sector, kind: {var}.kind, municipality_code: {var}.municipality_code}}"
    )


def plain(value: Any) -> Any:
    """Neo4j temporal values to Python's, recursively, so everything above the DAO sees plain data."""
    if isinstance(value, neo4j.time.Date | neo4j.time.DateTime):
        return value.to_native()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


NOT_FOUND = "Relationen finns inte / Relationship not found."
STALE = "Relationen har ändrats sedan du läste den / The relationship changed since you read it."


def written_by(writer: Writer) -> str:
    """What `created_by` / `updated_by` record: the role and token over the API (as before the
    writer was required), the CLI user's name on the command line."""
    principal = writer.principal
    if principal.token_id:
        return f"{principal.role.value}:{principal.token_id}"
    return principal.name or principal.role.value


def etag_version(relationship: dict[str, Any]) -> int:
    return int(relationship.get("version") or 0)


# One node by id among the labels a relationship may join (`nid`): a union, as a label cannot be a parameter.
_END_BY_ID: LiteralString = "\n  UNION ".join(f"MATCH (n:{label} {{id: nid}}) RETURN n" for label in LABELS.values())

_FIND_ENDS: LiteralString = f"""
UNWIND $ids AS nid
CALL (nid) {{
  {_END_BY_ID}
}}
RETURN nid AS id, head(labels(n)) AS label, coalesce(n.archived, false) AS archived
"""

# Neo4j 5 no longer takes exclusive node locks for every relationship it creates, so two
# transactions could each create one of a mutual pair (a->b, b->a) and each see no twin. Writing
# to both ends first (in id order, so two writers never wait on each other crosswise) serialises
# creations between the same two nodes; the twin check after it then sees the other's commit.
_LOCK_ENDS = lock_statement(
    f"""
UNWIND $ids AS nid
CALL (nid) {{
  {_END_BY_ID}
}}
WITH n ORDER BY n.id
""",
    "n",
    "n.id AS id",
)

_RETURN_REL: LiteralString = f"""
RETURN r.id AS id, type(r) AS type, properties(r) AS props,
       {node_summary("a")} AS from, {node_summary("b")} AS to
"""

_BY_ID: LiteralString = (
    "CALL () {\n  "
    + "\n  UNION ".join(f"MATCH (a)-[r:{d.type} {{id: $id}}]->(b) RETURN a, r, b" for d in WRITABLE)
    + "\n}\n"
    + _RETURN_REL
)


def _create_query(start: LiteralString, rel: LiteralString, end: LiteralString) -> LiteralString:
    return f"""
MATCH (a:{start} {{id: $from}}), (b:{end} {{id: $to}})
CREATE (a)-[r:{rel}]->(b)
SET r = $props, r.id = $id, r.version = 1, r.created_at = datetime(), r.created_by = $by
RETURN properties(r) AS props
"""


def _duplicate_query(rel: LiteralString) -> LiteralString:
    # Run after the write in the same transaction: the write locked both ends, so a concurrent
    # twin waits for this transaction and then sees its relationship here.
    return f"""
MATCH (a)-[me:{rel} {{id: $id}}]->(b)
MATCH (a)-[r:{rel}]-(b)
WHERE r <> me AND (startNode(r) = a OR r.kind IN $mutual) AND {_IDENTITY[rel]}
  AND (r.valid_from IS NULL OR me.valid_to IS NULL OR r.valid_from < me.valid_to)
  AND (me.valid_from IS NULL OR r.valid_to IS NULL OR me.valid_from < r.valid_to)
RETURN r.id AS id LIMIT 1
"""


def _lock_query(rel: LiteralString) -> LiteralString:
    # The write lock (registry.dao.items), so the version read next is the latest.
    return lock_statement(f"MATCH ()-[r:{rel} {{id: $id}}]->()", "r", "properties(r) AS props, r.version AS version")


def _update_query(rel: LiteralString) -> LiteralString:
    return f"""
MATCH ()-[r:{rel} {{id: $id}}]->()
SET r += $set, r.version = r.version + 1, r.updated_at = datetime(), r.updated_by = $by
RETURN properties(r) AS props, startNode(r).id AS from_id, endNode(r).id AS to_id
"""


def _delete_query(rel: LiteralString) -> LiteralString:
    return f"""
MATCH (a)-[r:{rel} {{id: $id}}]->(b)
WITH a, b, r, properties(r) AS props
DELETE r
RETURN props, a.id AS from_id, b.id AS to_id
"""


_CREATE: dict[tuple[str, str, str], LiteralString] = {
    (t, s, e): _create_query(LABELS[s], TYPES[t], LABELS[e])
    for t in RELATIONSHIP_TYPES.ids
    for s in RELATIONSHIPS[t].start
    for e in RELATIONSHIPS[t].end
}
_DUPLICATE: dict[str, LiteralString] = {t: _duplicate_query(TYPES[t]) for t in RELATIONSHIP_TYPES.ids}
_LOCK: dict[str, LiteralString] = {t: _lock_query(TYPES[t]) for t in RELATIONSHIP_TYPES.ids}
_UPDATE: dict[str, LiteralString] = {t: _update_query(TYPES[t]) for t in RELATIONSHIP_TYPES.ids}
_DELETE: dict[str, LiteralString] = {t: _delete_query(TYPES[t]) for t in RELATIONSHIP_TYPES.ids}

_LIST_FILTERS: LiteralString = """
WHERE ($kind IS NULL OR r.kind = $kind)
  AND ($at IS NULL OR ((r.valid_from IS NULL OR r.valid_from <= $at) AND (r.valid_to IS NULL OR $at < r.valid_to)))
  AND ($from_sector IS NULL
       OR (a.sector = $from_sector AND b.sector = $to_sector)
       OR (r.kind IN $mutual AND a.sector = $to_sector AND b.sector = $from_sector))
"""


def _list_query(pattern: LiteralString, *, by_actor: bool, count: bool) -> LiteralString:
    if by_actor:
        match: LiteralString = (
            f"MATCH (x:{L.ACTOR} {{id: $actor}})-[r:{pattern}]-(o) WITH r, startNode(r) AS a, endNode(r) AS b"
        )
    else:
        match = f"MATCH (a)-[r:{pattern}]->(b)"
    if count:
        return f"{match} {_LIST_FILTERS} RETURN count(r) AS total"
    return f"""{match} {_LIST_FILTERS}
WITH a, r, b ORDER BY type(r), coalesce(a.name, a.title), coalesce(b.name, b.title), r.id SKIP $skip LIMIT $limit
{_RETURN_REL}"""


_ACTOR_EXISTS: LiteralString = f"MATCH (a:{L.ACTOR} {{id: $id}}) RETURN a.id AS id"


def _actor_relationships_query(pattern: LiteralString) -> LiteralString:
    return f"""
MATCH (x:{L.ACTOR} {{id: $id}})-[r:{pattern}]-(o)
WHERE $at IS NULL OR {EDGE_VALID_AT}
WITH x, r, o, startNode(r) AS a, endNode(r) AS b
ORDER BY type(r), coalesce(o.name, o.title)
RETURN r.id AS id, type(r) AS type, properties(r) AS props,
       {node_summary("a")} AS from, {node_summary("b")} AS to
"""


_ACTOR_RELATIONSHIPS = _actor_relationships_query(type_pattern(NETWORK_TYPES.ids))


def relationship_from_row(row: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    """One relationship as the API shows it: ends, type-specific properties, provenance, validity."""
    props = plain(row["props"])
    rel_type = row["type"]
    declared = BY_TYPE.get(rel_type)
    kind = props.get("kind")
    valid_from, valid_to = props.get("valid_from"), props.get("valid_to")
    today = today or dt.date.today()
    result: dict[str, Any] = {
        "id": row.get("id"),
        "type": rel_type,
        "from": row["from"],
        "to": row["to"],
        "mutual": declared is not None and kind in declared.mutual_kinds,
        # Type-specific values travel as JSON scalars: dates as ISO text.
        "properties": {
            k: props[k].isoformat() if isinstance(props[k], dt.date) else props[k]
            for k in _TYPE_PROPERTY_NAMES.get(rel_type, ())
            if props.get(k) is not None
        },
        "source": props.get("source"),
        "confidence": props.get("confidence"),
        "valid_from": valid_from if isinstance(valid_from, dt.date) else None,
        "valid_to": valid_to if isinstance(valid_to, dt.date) else None,
        "note": props.get("note"),
        "created_by": props.get("created_by"),
        "created_at": props.get("created_at"),
        "updated_by": props.get("updated_by"),
        "updated_at": props.get("updated_at"),
        "version": props.get("version"),
        "current": (valid_from is None or not isinstance(valid_from, dt.date) or valid_from <= today)
        and (valid_to is None or not isinstance(valid_to, dt.date) or today < valid_to),
    }
    if declared is not None and declared.stage_history:
        history = parse_history(props.get("history"))
        stages = [h["stage"] for h in history]
        result["history"] = history
        result["skipped_stages"] = skipped_stages(stages)
        result["moved_back"] = moved_back(stages)
    return result


# What an answer's `properties` holds, per type: the declared properties, stored ones only.
_TYPE_PROPERTY_NAMES: dict[str, tuple[str, ...]] = {d.type: d.property_names for d in NETWORK}


def history_entry(stage: str, on: dt.date, by: str) -> str:
    # Stage history is a list of small JSON strings on the relationship itself (a property cannot
    # hold maps): it is written atomically with the stage, read with it, and deleted with it.
    return json.dumps({"stage": stage, "on": on.isoformat(), "by": by}, ensure_ascii=False)


def parse_history(raw: Any) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for item in raw or []:
        try:
            entry = json.loads(item)
        except (TypeError, ValueError):
            continue
        if isinstance(entry, dict) and entry.get("stage") in STAGES:
            entries.append({"stage": entry["stage"], "on": dt.date.fromisoformat(entry["on"]), "by": entry.get("by")})
    return entries


# What an audit event leaves out of a relationship: its address and bookkeeping (the event has its
# own who and when), and the stage history, whose newest entry is the `stage` the event shows.
_NOT_AUDITED = frozenset({"id", "version", "created_at", "created_by", "updated_at", "updated_by", "history"})


def audit_view(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in plain(props).items() if k not in _NOT_AUDITED}


class RelationshipDao:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    # -- reads ----------------------------------------------------------------------------
    def get(self, rel_id: str) -> dict[str, Any]:
        row = self.graph.read_one(_BY_ID, id=rel_id)
        if row is None:
            raise NotFoundError(NOT_FOUND)
        return relationship_from_row(row)

    def search(
        self,
        *,
        types: list[str] | None = None,
        kind: str | None = None,
        actor: str | None = None,
        sectors: tuple[str, str] | None = None,
        valid_at: dt.date | None = None,
        skip: int = 0,
        limit: int = 50,
    ) -> Page:
        pattern = type_pattern(types or RELATIONSHIP_TYPES.ids)
        params: dict[str, Any] = {
            "kind": kind,
            "actor": actor,
            "at": valid_at,
            "from_sector": sectors[0] if sectors else None,
            "to_sector": sectors[1] if sectors else None,
            "mutual": sorted(MUTUAL_KINDS),
        }
        by_actor = actor is not None
        total_row = self.graph.read_one(_list_query(pattern, by_actor=by_actor, count=True), **params)
        total = int(total_row["total"]) if total_row else 0
        rows = self.graph.read(_list_query(pattern, by_actor=by_actor, count=False), skip=skip, limit=limit, **params)
        return Page([relationship_from_row(r) for r in rows], total)

    def for_actor(self, actor_id: str, valid_at: dt.date | None = None) -> dict[str, list[dict[str, Any]]]:
        """Every relationship at an actor, grouped by type; `direction` says which end the actor is."""
        if self.graph.read_one(_ACTOR_EXISTS, id=actor_id) is None:
            raise NotFoundError("Aktören finns inte / Actor not found.")
        grouped: dict[str, list[dict[str, Any]]] = {t: [] for t in NETWORK_TYPES.ids}
        for row in self.graph.read(_ACTOR_RELATIONSHIPS, id=actor_id, at=valid_at):
            item = relationship_from_row(row)
            if item["mutual"]:
                item["direction"] = "mutual"
            else:
                item["direction"] = "out" if row["from"]["id"] == actor_id else "in"
            item["other"] = row["to"] if row["from"]["id"] == actor_id else row["from"]
            grouped[row["type"]].append(item)
        return grouped

    # -- writes ---------------------------------------------------------------------------
    def create(
        self,
        rel_type: str,
        from_id: str,
        to_id: str,
        properties: dict[str, Any],
        meta: dict[str, Any],
        writer: Writer,
        *,
        stage_date: dt.date | None = None,
        rel_id: str | None = None,
    ) -> dict[str, Any]:
        """Validates ends and properties against the schema contract and the vocabulary, then writes.

        Raises InvalidError (unknown type, self-loop, wrong end labels, missing properties,
        archived ends), NotFoundError is not used for ends: a missing end is a 422 on that field.
        ConflictError when the same relationship already holds for overlapping dates.
        """
        if rel_type not in RELATIONSHIP_TYPES:
            raise InvalidError(
                "Okänd relationstyp / Unknown relationship type.",
                {"type": [f"En av / One of: {', '.join(RELATIONSHIP_TYPES.ids)}"]},
            )
        if from_id == to_id:
            raise InvalidError(
                "En relation kan inte gå från en nod till sig själv / A relationship cannot start and end at "
                "the same node.",
                {"to": ["Samma som from / Same as from."]},
            )
        missing = [p for p in REQUIRED_PROPERTIES[rel_type] if properties.get(p) is None]
        if missing:
            raise InvalidError(
                "Obligatoriska egenskaper saknas / Required properties are missing.",
                {"properties": {p: ["Obligatorisk / Required."] for p in missing}},
            )
        by = written_by(writer)
        props = {k: v for k, v in {**properties, **meta}.items() if v is not None}
        check_dates(props)
        rel_id = rel_id or str(uuid.uuid4())
        if BY_TYPE[rel_type].stage_history:
            props["history"] = [history_entry(props["stage"], stage_date or dt.date.today(), by)]
        spec = RELATIONSHIPS[rel_type]

        def work(tx: ManagedTransaction) -> None:
            tx.run(_LOCK_ENDS, ids=sorted({from_id, to_id})).consume()
            ends = {r["id"]: r for r in tx.run(_FIND_ENDS, ids=[from_id, to_id]).data()}
            errors: dict[str, list[str]] = {}
            for field, node_id, allowed in (("from", from_id, spec.start), ("to", to_id, spec.end)):
                end = ends.get(node_id)
                if end is None:
                    errors[field] = ["Finns inte / Not found."]
                elif end["label"] not in allowed:
                    errors[field] = [
                        f"{rel_type} kan inte {'börja' if field == 'from' else 'sluta'} i {end['label']} / "
                        f"{rel_type} cannot {'start' if field == 'from' else 'end'} at {end['label']}; "
                        f"allowed: {', '.join(sorted(allowed))}."
                    ]
                elif end["archived"]:
                    errors[field] = ["Aktören är arkiverad / The actor is archived."]
            if errors:
                raise InvalidError("Relationens ändar är ogiltiga / The relationship's ends are invalid.", errors)
            query = _CREATE[(rel_type, ends[from_id]["label"], ends[to_id]["label"])]
            row = tx.run(query, {"from": from_id, "to": to_id, "props": props, "id": rel_id, "by": by}).single()
            self._refuse_duplicate(tx, rel_type, rel_id)
            if row is not None:
                after = {"from": from_id, "to": to_id, **audit_view(row["props"])}
                audit(tx, writer, "relationship.create", rel_type, rel_id, None, after, also_about=[from_id, to_id])

        self.graph.write_tx(work)
        return self.get(rel_id)

    def _refuse_duplicate(self, tx: ManagedTransaction, rel_type: str, rel_id: str) -> None:
        twin = tx.run(_DUPLICATE[rel_type], id=rel_id, mutual=sorted(MUTUAL_KINDS)).single()
        if twin is not None:
            raise ConflictError(
                "Samma relation finns redan för överlappande datum / The same relationship already exists for "
                "overlapping dates.",
                {"existing_id": twin["id"]},
            )

    def update(
        self,
        rel_id: str,
        expected_version: int,
        properties: dict[str, Any],
        meta: dict[str, Any],
        writer: Writer,
        *,
        stage_date: dt.date | None = None,
        action: str = "relationship.update",
    ) -> dict[str, Any]:
        """Changes properties (a None value removes an optional one); a stage change is appended to
        the history. StaleError when the relationship changed since `expected_version`."""
        current = self.get(rel_id)
        rel_type = current["type"]
        required = REQUIRED_PROPERTIES[rel_type]
        cleared = [p for p in required if p in properties and properties[p] is None]
        if cleared:
            raise InvalidError(
                "Obligatoriska egenskaper kan inte tas bort / Required properties cannot be removed.",
                {"properties": {p: ["Obligatorisk / Required."] for p in cleared}},
            )
        changes = {**properties, **meta}
        by = written_by(writer)

        def work(tx: ManagedTransaction) -> None:
            locked = lock_version(tx, _LOCK[rel_type], NOT_FOUND, expected_version, stale=STALE, id=rel_id)
            now = plain(locked["props"])
            merged = {**now, **changes}
            check_dates({k: v for k, v in merged.items() if v is not None})
            update = dict(changes)
            stage = changes.get("stage")
            if BY_TYPE[rel_type].stage_history and stage is not None and stage != now.get("stage"):
                update["history"] = [
                    *(now.get("history") or []),
                    history_entry(stage, stage_date or dt.date.today(), by),
                ]
            row = tx.run(_UPDATE[rel_type], id=rel_id, set=update, by=by).single(strict=True)
            self._refuse_duplicate(tx, rel_type, rel_id)
            ends = [row["from_id"], row["to_id"]]
            before, after = audit_view(now), audit_view(row["props"])
            audit(tx, writer, action, rel_type, rel_id, before, after, also_about=ends)

        self.graph.write_tx(work)
        return self.get(rel_id)

    def end(self, rel_id: str, valid_to: dt.date, writer: Writer) -> dict[str, Any]:
        """Ends a relationship: `valid_to` is the first day it no longer holds."""
        current = self.get(rel_id)
        if current["valid_to"] is not None and current["valid_to"] <= dt.date.today():
            raise ConflictError("Relationen är redan avslutad / The relationship has already ended.")
        version = int(current["version"] or 0)
        return self.update(rel_id, version, {}, {"valid_to": valid_to}, writer, action="relationship.end")

    def delete(self, rel_id: str, writer: Writer) -> None:
        rel_type = self.get(rel_id)["type"]

        def work(tx: ManagedTransaction) -> None:
            row = lock(tx, _DELETE[rel_type], NOT_FOUND, id=rel_id)
            before = {"from": row["from_id"], "to": row["to_id"], **audit_view(row["props"])}
            ends = [row["from_id"], row["to_id"]]
            audit(tx, writer, "relationship.delete", rel_type, rel_id, before, None, also_about=ends)

        self.graph.write_tx(work)

    def upsert_many(self, rel_type: str, rows: list[dict[str, Any]]) -> int:
        """Writes trusted relationships (demo data, generators) merged by their id: a rerun changes
        nothing. Rows: {id, from, to, props}; ends must exist. Returns how many were created."""
        spec = RELATIONSHIPS[rel_type]
        start, end = sorted(spec.start)[0], sorted(spec.end)[0]
        query = _upsert_query(LABELS[start], TYPES[rel_type], LABELS[end])
        return created_count(self.graph, query, rows=rows)


def _upsert_query(start: LiteralString, rel: LiteralString, end: LiteralString) -> LiteralString:
    return f"""
UNWIND $rows AS row
MATCH (a:{start} {{id: row.from}}), (b:{end} {{id: row.to}})
OPTIONAL MATCH (a)-[old:{rel} {{id: row.id}}]->(b)
WITH a, b, row, old IS NULL AS created
MERGE (a)-[r:{rel} {{id: row.id}}]->(b)
ON CREATE SET r += row.props, r.version = 1, r.created_at = datetime(), r.created_by = row.by
RETURN sum(CASE WHEN created THEN 1 ELSE 0 END) AS created
"""
