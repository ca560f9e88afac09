"""Actors: whole-record writes with place, taxonomy links, memberships and contacts; reads, search, facets,
export. The search statement is compiled in `registry.dao.actor_search`."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any, LiteralString, NoReturn

from neo4j import ManagedTransaction
from neo4j.exceptions import ConstraintError
from neo4j.spatial import Point, WGS84Point
from neo4j.time import Date, DateTime

from graph_schema.contract import CONFIRMED_MEMBERSHIP
from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from graph_schema.refdata import DERIVED_PRECISIONS, locate
from registry.dao.actor_search import SearchResult, match_query, search_query, without_point_query
from registry.dao.audit import record_audit
from registry.dao.items import link_each, lock_statement
from registry.dao.term_mirrors import interest_area_mirror, target_group_mirror, term_mirrors
from registry.db import Graph
from registry.domain.actor import DERIVATION_VERSION, ActorFilter, ActorWrite, derived_fields
from registry.domain.normalize import name_key
from registry.domain.provenance import describe
from registry.identity import Writer


def _replace_terms(rel: LiteralString, label: LiteralString, field: LiteralString) -> LiteralString:
    """The actor's links to one taxonomy's terms replaced by the ids in `row.<field>`."""
    return f"""
CALL (a, row) {{
  OPTIONAL MATCH (a)-[old:{rel}]->(:{label})
  DELETE old
  WITH DISTINCT a, row
  UNWIND row.{field} AS term
  MATCH (t:{label} {{id: term}})
  MERGE (a)-[:{rel}]->(t)
}}
"""


# Relationships of an actor that its record describes in full: a write replaces each list it is given.
_LINKS: dict[str, LiteralString] = {
    "municipality": f"""
CALL (a, row) {{
  OPTIONAL MATCH (a)-[old:{R.LOCATED_IN}]->(:{L.MUNICIPALITY})
  DELETE old
  WITH DISTINCT a, row
  MATCH (m:{L.MUNICIPALITY} {{code: row.municipality}})
  MERGE (a)-[:{R.LOCATED_IN}]->(m)
}}
""",
    "active_in": f"""
CALL (a, row) {{
  OPTIONAL MATCH (a)-[old:{R.ACTIVE_IN}]->(:{L.MUNICIPALITY})
  DELETE old
  WITH DISTINCT a, row
  UNWIND row.active_in AS code
  MATCH (m:{L.MUNICIPALITY} {{code: code}})
  MERGE (a)-[:{R.ACTIVE_IN}]->(m)
}}
""",
    "interest_areas": _replace_terms(R.WORKS_ON, L.INTEREST_AREA, "interest_areas") + interest_area_mirror("a"),
    "target_groups": _replace_terms(R.SERVES, L.TARGET_GROUP, "target_groups") + target_group_mirror("a"),
    "contacts": f"""
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
""",
}
_ALL_LINKS: LiteralString = (
    _LINKS["municipality"]
    + _LINKS["active_in"]
    + _LINKS["interest_areas"]
    + _LINKS["target_groups"]
    + _LINKS["contacts"]
)

# Properties are replaced from the record and relationships made to match it exactly. A content
# hash of the record skips actors whose record has not changed, so loading the same records
# twice writes nothing and leaves `updated_at` alone.
_UPSERT: LiteralString = (
    f"""
UNWIND $rows AS row
MERGE (a:{L.ACTOR} {{id: row.id}})
ON CREATE SET a.created_at = datetime(), a.version = 0, a.archived = false
WITH a, row, a.content_hash IS NULL AS created
WHERE a.content_hash IS NULL OR a.content_hash <> row.hash
SET a += row.props, a.content_hash = row.hash, a.updated_at = datetime(), a.version = a.version + 1
WITH a, row, created
"""
    + _ALL_LINKS
    + """
RETURN sum(CASE WHEN created THEN 1 ELSE 0 END) AS created, sum(CASE WHEN created THEN 0 ELSE 1 END) AS updated
"""
)

# For records known to be new (a first load): CREATE instead of MERGE, nothing to delete first.
_INSERT: LiteralString = f"""
UNWIND $rows AS row
CREATE (a:{L.ACTOR} {{id: row.id}})
SET a += row.props, a.content_hash = row.hash, a.created_at = datetime(), a.updated_at = datetime(),
    a.version = 1, a.archived = false
WITH a, row
CALL (a, row) {{
  MATCH (m:{L.MUNICIPALITY} {{code: row.municipality}})
  CREATE (a)-[:{R.LOCATED_IN}]->(m)
}}
{link_each("a", "row.active_in", L.MUNICIPALITY, "code", R.ACTIVE_IN, scope="a, row", verb="CREATE")}
{link_each("a", "row.interest_areas", L.INTEREST_AREA, "id", R.WORKS_ON, scope="a, row", verb="CREATE")}
{link_each("a", "row.target_groups", L.TARGET_GROUP, "id", R.SERVES, scope="a, row", verb="CREATE")}
{term_mirrors("a")}CALL (a, row) {{
  UNWIND row.contacts AS contact
  CREATE (c:{L.CONTACT_PERSON})
  SET c = contact
  CREATE (a)-[:{R.HAS_CONTACT}]->(c)
}}
RETURN count(a) AS created
"""

_UPSERT_MEMBERSHIPS: LiteralString = f"""
UNWIND $rows AS row
MATCH (m:{L.ACTOR} {{id: row.member}}), (u:{L.ACTOR} {{id: row.umbrella}})
MERGE (m)-[r:{R.MEMBER_OF}]->(u)
SET r.since = row.since, r.role = row.role, r.source = row.source
"""

_CREATE: LiteralString = (
    f"""
WITH $row AS row
CREATE (a:{L.ACTOR} {{id: row.id}})
SET a += row.props, a.created_at = datetime(), a.updated_at = datetime(), a.version = 1, a.archived = false
WITH a, row
"""
    + _ALL_LINKS
    + "RETURN a.id AS id"
)

# The actor's write lock (registry.dao.items), then the version it guards: two concurrent editors
# are serialised here, and the second one sees the first one's version and fails its If-Match check.
_LOCK = lock_statement(f"MATCH (a:{L.ACTOR} {{id: $id}})", "a", "a.version AS version")

_SET_PROPS: LiteralString = f"""
MATCH (a:{L.ACTOR} {{id: $id}})
SET a += $props, a.updated_at = datetime(), a.version = a.version + 1
"""

_ARCHIVE: LiteralString = f"""
MATCH (a:{L.ACTOR} {{id: $id}})
WITH a, coalesce(a.archived, false) <> $archived AS changes
SET a.archived = CASE WHEN changes THEN $archived ELSE a.archived END,
    a.archived_at = CASE WHEN NOT changes THEN a.archived_at WHEN $archived THEN datetime() ELSE null END,
    a.updated_at = CASE WHEN changes THEN datetime() ELSE a.updated_at END,
    a.version = CASE WHEN changes THEN a.version + 1 ELSE a.version END
RETURN changes
"""

_FULL_PROJECTION: LiteralString = f"""
a {{
  .*,
  active_in: [(a)-[:{R.ACTIVE_IN}]->(x:{L.MUNICIPALITY}) | x.code],
  interest_areas: [(a)-[w:{R.WORKS_ON}]->(t:{L.INTEREST_AREA}) |
    t {{.id, .label_sv, .label_en, provenance: w {{.how, .field, .text, .rule}}}}],
  target_groups: [(a)-[w:{R.SERVES}]->(t:{L.TARGET_GROUP}) |
    t {{.id, .label_sv, .label_en, provenance: w {{.how, .field, .text, .rule}}}}],
  member_of: [(a)-[r:{R.MEMBER_OF}]->(u:{L.ACTOR}) WHERE {CONFIRMED_MEMBERSHIP} | {{
    id: u.id, name: u.name, since: r.since, until: r.until, role: r.role
  }}],
  contacts: [(a)-[:{R.HAS_CONTACT}]->(c:{L.CONTACT_PERSON}) | c {{.id, .name, .role, .email, .phone}}]
}} AS actor
"""

_GET: LiteralString = f"MATCH (a:{L.ACTOR} {{id: $id}}) RETURN " + _FULL_PROJECTION

# Provenance: every source record that describes the actor, oldest first.
_PROVENANCE: LiteralString = f"""
MATCH (s:{L.SOURCE_RECORD})-[:{R.DESCRIBES}]->(:{L.ACTOR} {{id: $id}})
RETURN s.key AS key, s.source AS source, s.record_id AS record_id, s.fields AS fields, s.imported_at AS imported_at
ORDER BY imported_at, key
"""

_EXISTS: LiteralString = f"MATCH (a:{L.ACTOR} {{id: $id}}) RETURN a.id AS id, coalesce(a.archived, false) AS archived"

_BY_ORG_NUMBER: LiteralString = f"MATCH (a:{L.ACTOR} {{org_number: $org_number}}) RETURN a.id AS id"

_EXPORT_TAIL: LiteralString = "WITH a ORDER BY a.name_sort ASC, a.id ASC\nRETURN " + _FULL_PROJECTION

# Properties used only by the database (search, sorting, change detection): never shown.
_INTERNAL = frozenset(
    {
        "search_name",
        "search_text",
        "search_place",
        "alt_names_text",
        "name_sort",
        "content_hash",
        "name_key",
        "match_keys",
        "interest_area_ids",
        "target_group_ids",
        "seat_claims",
        "terms_text",
    }
)


class DuplicateOrgNumberError(Exception):
    def __init__(self, org_number: str, existing_id: str | None) -> None:
        super().__init__(org_number)
        self.org_number = org_number
        self.existing_id = existing_id


@dataclass(frozen=True)
class WriteResult:
    created: int
    updated: int
    unchanged: int


def record_hash(record: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def plain(value: Any) -> Any:
    """Neo4j values as JSON-ready Python: datetimes and dates as ISO text, points as {lat, lon}."""
    if isinstance(value, DateTime):
        return value.to_native().astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(value, Date):
        return value.iso_format()
    if isinstance(value, Point):
        return {"lat": value[1], "lon": value[0]}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _actor_view(raw: dict[str, Any]) -> dict[str, Any]:
    view = {k: plain(v) for k, v in raw.items() if k not in _INTERNAL}
    view["coordinates"] = view.pop("location", None)
    view["coordinates_precision"] = view.pop("location_precision", None) if view["coordinates"] else None
    view["contacts"] = sorted(view.get("contacts") or [], key=lambda c: (c.get("name") or "", c["id"]))
    for scheme in ("interest_areas", "target_groups"):
        terms = [{**t, "provenance": describe(t.get("provenance"))} for t in view.get(scheme) or []]
        view[scheme] = sorted(terms, key=lambda t: t["id"])
    view["active_in"] = sorted(view.get("active_in") or [])
    view["member_of"] = sorted(view.get("member_of") or [], key=lambda m: m["id"])
    return view


# What a source record's stored fields show as provenance: contact persons are personal data
# (the actor's `contacts` shows them to those allowed); the rest is bookkeeping.
_NOT_PROVENANCE = frozenset({"contacts", "seat_basis", "record_id"})


def _used(actor: Mapping[str, Any], stated: Mapping[str, Any]) -> list[str]:
    """The fields whose value on the actor is what this record says (for a list: all it lists)."""
    used = []
    for name, value in stated.items():
        current = actor.get(name)
        if name in _NOT_PROVENANCE or current is None or isinstance(value, dict):
            continue
        if isinstance(value, list):
            if value and isinstance(current, list) and all(v in current for v in value):
                used.append(name)
        elif name == "activities":
            items = {i.strip() for i in str(current).split(",")}
            if all(i.strip() in items for i in str(value).split(",")):
                used.append(name)
        elif current == value:
            used.append(name)
    return sorted(used)


def _provenance(actor: Mapping[str, Any], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seat_claims = actor.get("seat_claims")
    chosen = json.loads(seat_claims).get("chosen") if seat_claims else None
    entries = []
    for r in records:
        stated = json.loads(r["fields"]) if r.get("fields") else {}
        entries.append(
            {
                "name": r["source"],
                "record_id": r.get("record_id"),
                "imported_at": plain(r.get("imported_at")),
                "seat": r["key"] == chosen,
                "seat_basis": stated.get("seat_basis"),
                "stated": {k: v for k, v in stated.items() if k not in _NOT_PROVENANCE},
                "used": _used(actor, stated),
            }
        )
    return entries


def source_entries(view: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The actor's `sources` as the API shows them: each source record (which source said what,
    when, and whether the seat is its), then the sources without records (`api`, `demo`)."""
    entries = list(view.get("provenance") or [])
    recorded = {e["name"] for e in entries}
    entries += [{"name": name} for name in view.get("sources") or [] if name not in recorded]
    return entries


def _name_key(props: Mapping[str, Any]) -> dict[str, Any]:
    """The importers' matching key (as importers.actor_fields stores it), so a later import finds this actor."""
    return {"name_key": name_key(str(props["name"]))} if props.get("name") else {}


def _graph_props(props: Mapping[str, Any], active_in: list[str]) -> dict[str, Any]:
    """Stored properties with derived fields added and coordinates ({lat, lon}) as a Neo4j point."""
    result = {**props, **derived_fields(props, active_in), **_name_key(props)}
    location = result.get("location")
    if isinstance(location, Mapping):
        result["location"] = WGS84Point((float(location["lon"]), float(location["lat"])))
        # A point someone gave is taken as the address's; derived points say how coarse they are.
        result.setdefault("location_precision", "address")
    elif "location" in result and location is None:
        result["location_precision"] = None
    return result


def _derived_point(props: Mapping[str, Any]) -> dict[str, Any]:
    """A locality-level point and its precision for an actor written without coordinates (refdata.locate)."""
    located = locate(props.get("postal_code"), props.get("locality"), props.get("municipality_code"))
    if located is None:
        return {}
    return {"location": WGS84Point((located.lon, located.lat)), "location_precision": located.precision}


def _record_row(r: Mapping[str, Any]) -> dict[str, Any]:
    active_in = list(dict.fromkeys(r.get("active_in", [])))
    props = _graph_props(r["props"], active_in)
    if props.get("location") is None:
        props.update(_derived_point(props))
    row: dict[str, Any] = {
        "id": r["id"],
        "props": props,
        "municipality": props.get("municipality_code"),
        "active_in": active_in,
        "interest_areas": list(dict.fromkeys(r.get("interest_areas", []))),
        "target_groups": list(dict.fromkeys(r.get("target_groups", []))),
        "contacts": r.get("contacts", []),
    }
    row["hash"] = record_hash({**row, "derivation": DERIVATION_VERSION})
    return row


def _contacts_with_ids(contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**c, "id": c.get("id") or str(uuid.uuid4())} for c in contacts]


class ActorDao:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    # -- bulk writes (demo loader, importers) --------------------------------------------
    def upsert_many(self, records: list[dict[str, Any]]) -> WriteResult:
        """Writes actor records in one transaction; unchanged records are skipped.

        Each record: `id`, `props` (stored properties, already normalised: `name`, `sector`,
        `kind`, `municipality_code`, ...), and optional lists `active_in` (municipality codes),
        `interest_areas`, `target_groups` (taxonomy ids) and `contacts` (dicts with `id`,
        `name`, `role`, `email`, `phone`). The derived search fields are added here.
        """
        rows = [_record_row(r) for r in records]
        result = self.graph.write(_UPSERT, rows=rows)
        created, updated = int(result[0]["created"]), int(result[0]["updated"])
        return WriteResult(created, updated, len(rows) - created - updated)

    def insert_many(self, records: list[dict[str, Any]]) -> int:
        """Writes records of actors that do not exist yet (a first load), faster than `upsert_many`.

        The same record shape and the same stored properties as `upsert_many`, which later finds
        them unchanged. Raises `ConstraintError` if an id or org number exists already.
        """
        result = self.graph.write(_INSERT, rows=[_record_row(r) for r in records])
        return int(result[0]["created"]) if result else 0

    def upsert_memberships(self, rows: list[dict[str, Any]]) -> None:
        self.graph.write(_UPSERT_MEMBERSHIPS, rows=rows)

    # -- single actors (API) --------------------------------------------------------------
    def get(self, actor_id: str) -> dict[str, Any] | None:
        """The whole actor, archived or not, with contacts: the caller decides what to show.

        `provenance` holds what each source record describing it said, and when (see `source_entries`).
        """
        row = self.graph.read_one(_GET, id=actor_id)
        if not row:
            return None
        view = _actor_view(row["actor"])
        view["provenance"] = _provenance(row["actor"], self.graph.read(_PROVENANCE, id=actor_id))
        return view

    def status(self, actor_id: str) -> bool | None:
        """None if there is no such actor, else whether it is archived."""
        row = self.graph.read_one(_EXISTS, id=actor_id)
        return None if row is None else bool(row["archived"])

    def create(self, write: ActorWrite, writer: Writer) -> dict[str, Any]:
        """Creates the actor; the audit event is written in the same transaction."""
        actor_id = str(uuid.uuid4())
        props = _graph_props(write.props, write.links.get("active_in", []))
        if props.get("location") is None:
            props.update(_derived_point(props))
        row = {
            "id": actor_id,
            "props": props,
            "municipality": props.get("municipality_code"),
            "active_in": write.links.get("active_in", []),
            "interest_areas": write.links.get("interest_areas", []),
            "target_groups": write.links.get("target_groups", []),
            "contacts": _contacts_with_ids(write.links.get("contacts", [])),
        }

        def work(tx: ManagedTransaction) -> None:
            tx.run(_CREATE, row=row).consume()
            after = {**write.props, **write.links}
            record_audit(tx, writer.principal, writer.channel, "actor.create", L.ACTOR, actor_id, None, after)

        try:
            self.graph.write_tx(work)
        except ConstraintError as exc:
            self._raise_duplicate(props, exc)
        view = self.get(actor_id)
        assert view is not None
        return view

    def update(
        self,
        actor_id: str,
        write: ActorWrite,
        check: Callable[[dict[str, Any]], None],
        writer: Writer,
    ) -> dict[str, Any] | None:
        """Applies the changes in one transaction after `check(current actor)` passed; None if there is no such actor.

        `check` runs after the actor's write lock is taken and may raise to abort (the If-Match test).
        """

        def work(tx: ManagedTransaction) -> bool:
            locked = tx.run(_LOCK, id=actor_id).single()
            if locked is None:
                return False
            current = tx.run(_GET, id=actor_id).single()
            assert current is not None
            view = _actor_view(current["actor"])
            view["version"] = locked["version"]
            check(view)
            stored = {k: v for k, v in current["actor"].items() if k not in _INTERNAL}
            merged = {**stored, **write.props}
            active_in: list[str] = write.links["active_in"] if "active_in" in write.links else view["active_in"]
            props = {**_graph_props(write.props, active_in), **derived_fields(merged, active_in), **_name_key(merged)}
            place_changed = any(k in write.props for k in ("postal_code", "locality", "municipality_code"))
            derived_before = stored.get("location") is None or stored.get("location_precision") in DERIVED_PRECISIONS
            if place_changed and "location" not in write.props and derived_before:
                # A derived point follows the address; one a person gave stays where they put it.
                props.update(_derived_point(merged) or {"location": None, "location_precision": None})
            tx.run(_SET_PROPS, id=actor_id, props=props).consume()
            row: dict[str, Any] = {"municipality": merged.get("municipality_code")}
            for key, values in write.links.items():
                row[key] = _contacts_with_ids(values) if key == "contacts" else values
            links = [
                "municipality",
                *(k for k in ("active_in", "interest_areas", "target_groups", "contacts") if k in row),
            ]
            for key in links:
                tx.run(f"MATCH (a:{L.ACTOR} {{id: $id}}) WITH a, $row AS row " + _LINKS[key], id=actor_id, row=row)
            before = {k: view.get(k) for k in (*write.props, *write.links)}
            after = {**write.props, **write.links}
            record_audit(tx, writer.principal, writer.channel, "actor.update", L.ACTOR, actor_id, before, after)
            return True

        try:
            found = self.graph.write_tx(work)
        except ConstraintError as exc:
            self._raise_duplicate(write.props, exc)
        return self.get(actor_id) if found else None

    def set_archived(self, actor_id: str, archived: bool, writer: Writer) -> bool | None:
        """Archives or restores; None if there is no such actor, else whether anything changed."""

        def work(tx: ManagedTransaction) -> bool | None:
            row = tx.run(_ARCHIVE, id=actor_id, archived=archived).single()
            if row is None:
                return None
            changed = bool(row["changes"])
            if changed:
                action = "actor.archive" if archived else "actor.restore"
                before, after = {"archived": not archived}, {"archived": archived}
                record_audit(tx, writer.principal, writer.channel, action, L.ACTOR, actor_id, before, after)
            return changed

        return self.graph.write_tx(work)

    def _raise_duplicate(self, props: Mapping[str, Any], exc: ConstraintError) -> NoReturn:
        org_number = props.get("org_number")
        if org_number and "org_number" in (exc.message or ""):
            row = self.graph.read_one(_BY_ORG_NUMBER, org_number=org_number)
            raise DuplicateOrgNumberError(org_number, row["id"] if row else None) from exc
        raise exc

    # -- search and export ----------------------------------------------------------------
    def search(self, f: ActorFilter, *, sort: str, skip: int, limit: int, facets: bool = True) -> SearchResult:
        """One page of the actors matching `f`, the total count and (optionally) the facet counts."""
        query, params = search_query(f, sort=sort, skip=skip, limit=limit, facets=facets)
        row = self.graph.read_one(query, **params)
        assert row is not None
        items = [plain(item) for item in row["items"]]
        result_facets = None
        if row["facets"] is not None:
            result_facets = {
                name: sorted(values, key=lambda v: (-v["count"], str(v["key"])))
                for name, values in row["facets"].items()
            }
        missing = None
        if f.near is not None:
            query, params = without_point_query(f)
            counted = self.graph.read_one(query, **params)
            missing = int(counted["n"]) if counted else 0
        return SearchResult(int(row["total"]), items, result_facets, missing)

    def export(self, f: ActorFilter) -> Iterator[dict[str, Any]]:
        """Every actor matching `f`, in name order, streamed from the database as it is read."""
        match, params = match_query(f)
        query: LiteralString = match + _EXPORT_TAIL
        with self.graph.driver.session(database=self.graph.database, default_access_mode="READ") as session:
            result = session.run(query, params)
            for record in result:
                yield _actor_view(record["actor"])
