"""Meeting arenas (arenor för möten) and their meetings, with the report's meeting checklist.

An arena meets in a municipality, concerns interest areas and has participants (actors with a
PARTICIPATES_IN relationship, written through the relationships DAO). A meeting belongs to one
arena (HELD_AT), lists the actors who attended (ATTENDED) and records which checklist items were
done, so it can show which are still open.

Each write takes its `writer` (required) and records its audit event in the same transaction, with
the arena's or meeting's fields and links before and after; events about a meeting are also about its
arena and the actors whose attendance it added or removed, and an arena's deletion is also about
its participants, whose PARTICIPATES_IN relationships go with it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from graph_schema.refdata import counties, municipalities
from registry.dao.items import (
    ItemDao,
    Page,
    Reads,
    audit,
    created_count,
    link_each,
    lock,
    lock_statement,
    lock_version,
    one,
    page,
)
from registry.dao.relationships import node_summary, plain
from registry.db import Graph
from registry.domain.relationships import (
    MEETING_CHECKLIST,
    InvalidError,
    is_valid_at,
)
from registry.identity import Writer

ARENA_NOT_FOUND = "Arenan finns inte / Arena not found."
MEETING_NOT_FOUND = "Mötet finns inte / Meeting not found."
_TERMS: LiteralString = f"""
RETURN [t IN $interest_areas WHERE NOT EXISTS {{ MATCH (:{L.INTEREST_AREA} {{id: t}}) }}] AS interest_areas,
       [t IN $target_groups WHERE NOT EXISTS {{ MATCH (:{L.TARGET_GROUP} {{id: t}}) }}] AS target_groups,
       [a IN $actors WHERE NOT EXISTS {{ MATCH (x:{L.ACTOR} {{id: a}}) WHERE NOT coalesce(x.archived, false) }}]
         AS actors
"""


# The search keywords arenas and challenges share -> their statements' parameters.
AREA_FILTERS = {
    "municipality_code": "municipality",
    "county_code": "county",
    "interest_area": "interest_area",
    "actor": "actor",
}


def check_references(
    graph: Graph,
    *,
    interest_areas: list[str] | None = None,
    target_groups: list[str] | None = None,
    municipality_codes: list[str] | None = None,
    county_codes: list[str] | None = None,
    actors: list[str] | None = None,
) -> None:
    """Raises InvalidError naming every taxonomy term, place or actor that does not exist."""
    errors: dict[str, list[str]] = {}
    unknown_m = [c for c in municipality_codes or [] if c not in municipalities()]
    if unknown_m:
        errors["municipality_codes"] = [f"Okänd kommunkod / Unknown municipality code: {', '.join(unknown_m)}"]
    unknown_c = [c for c in county_codes or [] if c not in counties()]
    if unknown_c:
        errors["county_codes"] = [f"Okänd länskod / Unknown county code: {', '.join(unknown_c)}"]
    if interest_areas or target_groups or actors:
        row = graph.read_one(
            _TERMS, interest_areas=interest_areas or [], target_groups=target_groups or [], actors=actors or []
        )
        assert row is not None
        if row["interest_areas"]:
            errors["interest_areas"] = [
                f"Okänt verksamhetsområde / Unknown interest area: {', '.join(row['interest_areas'])}"
            ]
        if row["target_groups"]:
            errors["target_groups"] = [f"Okänd målgrupp / Unknown target group: {', '.join(row['target_groups'])}"]
        if row["actors"]:
            errors["participants"] = [f"Aktören finns inte / Actor not found: {', '.join(row['actors'])}"]
    if errors:
        raise InvalidError("Okända referenser / Unknown references.", errors)


ARENA_FIELDS = ("name", "description", "municipality_code", "cadence")
MEETING_FIELDS = ("date", "purpose", "notes", "decisions", "next_steps", *MEETING_CHECKLIST.ids)

_CREATE_ARENA: LiteralString = f"""
CREATE (ar:{L.ARENA} {{id: $id}})
SET ar += $props, ar.version = 1, ar.created_at = datetime(), ar.created_by = $by
"""

_ARENA_LINKS: LiteralString = f"""
MATCH (ar:{L.ARENA} {{id: $id}})
CALL (ar) {{
  OPTIONAL MATCH (ar)-[old:{R.LOCATED_IN}|{R.CONCERNS}]->()
  DELETE old
}}
CALL (ar) {{
  MATCH (m:{L.MUNICIPALITY} {{code: ar.municipality_code}})
  MERGE (ar)-[:{R.LOCATED_IN}]->(m)
}}
{link_each("ar", "$interest_areas", L.INTEREST_AREA, "id", R.CONCERNS)}"""

_ARENA_VIEW: LiteralString = f"""
RETURN properties(ar) AS props,
       [(ar)-[:{R.LOCATED_IN}]->(m:{L.MUNICIPALITY}) | {{code: m.code, name: m.name}}][0] AS municipality,
       [(ar)-[:{R.CONCERNS}]->(t:{L.INTEREST_AREA}) | {{id: t.id, sv: t.label_sv, en: t.label_en}}] AS interest_areas,
       [(a:{L.ACTOR})-[r:{R.PARTICIPATES_IN}]->(ar) | {{rel: properties(r), actor: {node_summary("a")}}}]
         AS participants,
       COUNT {{ (:{L.MEETING})-[:{R.HELD_AT}]->(ar) }} AS meetings,
       [(mt:{L.MEETING})-[:{R.HELD_AT}]->(ar) | mt.date] AS meeting_dates
"""

_ARENA_INTEREST_AREAS: LiteralString = (
    f"MATCH (:{L.ARENA} {{id: $id}})-[:{R.CONCERNS}]->(t:{L.INTEREST_AREA}) RETURN t.id AS id"
)
_GET_ARENA: LiteralString = f"MATCH (ar:{L.ARENA} {{id: $id}}) {_ARENA_VIEW}"

_SEARCH_ARENAS_WHERE: LiteralString = f"""
MATCH (ar:{L.ARENA})
WHERE ($municipality IS NULL OR ar.municipality_code = $municipality)
  AND ($county IS NULL OR ar.municipality_code STARTS WITH $county)
  AND ($interest_area IS NULL OR EXISTS {{
        (ar)-[:{R.CONCERNS}]->(:{L.INTEREST_AREA})-[:{R.BROADER}*0..]->(:{L.INTEREST_AREA} {{id: $interest_area}})
      }})
  AND ($actor IS NULL OR EXISTS {{ (:{L.ACTOR} {{id: $actor}})-[:{R.PARTICIPATES_IN}]->(ar) }})
"""
_COUNT_ARENAS: LiteralString = f"{_SEARCH_ARENAS_WHERE} RETURN count(ar) AS total"
_SEARCH_ARENAS: LiteralString = (
    f"{_SEARCH_ARENAS_WHERE} WITH ar ORDER BY ar.name, ar.id SKIP $skip LIMIT $limit {_ARENA_VIEW}"
)

_LOCK_ARENA = lock_statement(f"MATCH (ar:{L.ARENA} {{id: $id}})", "ar", "ar.version AS version")
_UPDATE_ARENA: LiteralString = f"""
MATCH (ar:{L.ARENA} {{id: $id}})
SET ar += $props, ar.version = ar.version + 1, ar.updated_at = datetime(), ar.updated_by = $by
"""
_DELETE_ARENA: LiteralString = f"""
MATCH (ar:{L.ARENA} {{id: $id}})
OPTIONAL MATCH (mt:{L.MEETING})-[:{R.HELD_AT}]->(ar)
DETACH DELETE mt, ar
RETURN count(*) AS n
"""

_CREATE_MEETING: LiteralString = f"""
MATCH (ar:{L.ARENA} {{id: $arena}})
CREATE (mt:{L.MEETING} {{id: $id}})-[:{R.HELD_AT}]->(ar)
SET mt += $props, mt.version = 1, mt.created_at = datetime(), mt.created_by = $by
"""
_MEETING_PARTICIPANTS: LiteralString = f"""
MATCH (mt:{L.MEETING} {{id: $id}})
CALL (mt) {{
  OPTIONAL MATCH (:{L.ACTOR})-[old:{R.ATTENDED}]->(mt)
  DELETE old
}}
CALL (mt) {{
  UNWIND $participants AS pid
  MATCH (a:{L.ACTOR} {{id: pid}})
  MERGE (a)-[:{R.ATTENDED}]->(mt)
}}
"""
_MEETING_VIEW: LiteralString = f"""
RETURN properties(mt) AS props, ar.id AS arena_id, ar.name AS arena_name,
       [(a:{L.ACTOR})-[:{R.ATTENDED}]->(mt) | {node_summary("a")}] AS participants
"""
_GET_MEETING: LiteralString = (
    f"MATCH (mt:{L.MEETING} {{id: $id}})-[:{R.HELD_AT}]->(ar:{L.ARENA} {{id: $arena}}) {_MEETING_VIEW}"
)
_COUNT_MEETINGS: LiteralString = (
    f"MATCH (mt:{L.MEETING})-[:{R.HELD_AT}]->(ar:{L.ARENA} {{id: $arena}}) RETURN count(mt) AS total"
)
_LIST_MEETINGS: LiteralString = f"""
MATCH (mt:{L.MEETING})-[:{R.HELD_AT}]->(ar:{L.ARENA} {{id: $arena}})
WITH mt, ar ORDER BY mt.date DESC, mt.id SKIP $skip LIMIT $limit
{_MEETING_VIEW}
"""
_LOCK_MEETING = lock_statement(
    f"MATCH (mt:{L.MEETING} {{id: $id}})-[:{R.HELD_AT}]->(:{L.ARENA} {{id: $arena}})", "mt", "mt.version AS version"
)
_UPDATE_MEETING: LiteralString = f"""
MATCH (mt:{L.MEETING} {{id: $id}})
SET mt += $props, mt.version = mt.version + 1, mt.updated_at = datetime(), mt.updated_by = $by
"""
_DELETE_MEETING: LiteralString = f"""
MATCH (mt:{L.MEETING} {{id: $id}})-[:{R.HELD_AT}]->(:{L.ARENA} {{id: $arena}})
DETACH DELETE mt
RETURN count(*) AS n
"""


# What an audit event shows of an arena or a meeting: its own fields and its links, as ids.
_ARENA_STATE: LiteralString = f"""
MATCH (ar:{L.ARENA} {{id: $id}})
RETURN properties(ar) AS props,
       [(ar)-[:{R.CONCERNS}]->(t:{L.INTEREST_AREA}) | t.id] AS interest_areas,
       [(a:{L.ACTOR})-[:{R.PARTICIPATES_IN}]->(ar) | a.id] AS participants,
       [(mt:{L.MEETING})-[:{R.HELD_AT}]->(ar) | mt.id] AS meetings
"""
_MEETING_STATE: LiteralString = f"""
MATCH (mt:{L.MEETING} {{id: $id}})
RETURN properties(mt) AS props, [(a:{L.ACTOR})-[:{R.ATTENDED}]->(mt) | a.id] AS participants
"""


def _arena_state(tx: ManagedTransaction, arena_id: str) -> dict[str, Any]:
    row = tx.run(_ARENA_STATE, id=arena_id).single(strict=True)
    props = plain(row["props"])
    return {
        **{k: props[k] for k in ARENA_FIELDS if k in props},
        "interest_areas": sorted(row["interest_areas"]),
        "participants": sorted(row["participants"]),
        "meetings": sorted(row["meetings"]),
    }


def _meeting_state(tx: ManagedTransaction, meeting_id: str) -> dict[str, Any]:
    row = tx.run(_MEETING_STATE, id=meeting_id).single(strict=True)
    props = plain(row["props"])
    return {**{k: props[k] for k in MEETING_FIELDS if k in props}, "participants": sorted(row["participants"])}


def _arena_fields(state: dict[str, Any]) -> dict[str, Any]:
    # Participants and meetings are written elsewhere (and audited there): an arena's own event
    # compares only what the arena's write changes.
    return {k: v for k, v in state.items() if k not in ("participants", "meetings")}


def _arena(row: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    props = plain(row["props"])
    today = today or dt.date.today()
    participants = []
    for p in row["participants"]:
        rel = plain(p["rel"])
        participants.append(
            {
                "relationship_id": rel.get("id"),
                "actor": p["actor"],
                "role": rel.get("role"),
                "since": rel.get("since"),
                "valid_from": rel.get("valid_from"),
                "valid_to": rel.get("valid_to"),
                "current": is_valid_at(rel.get("valid_from"), rel.get("valid_to"), today),
            }
        )
    participants.sort(key=lambda p: (not p["current"], p["role"] != "convener", p["actor"]["name"] or ""))
    dates = sorted(d for d in plain(row["meeting_dates"]) if d is not None)
    return {
        "id": props["id"],
        "name": props.get("name"),
        "description": props.get("description"),
        "municipality_code": props.get("municipality_code"),
        "municipality": row["municipality"],
        "cadence": props.get("cadence"),
        "interest_areas": sorted(row["interest_areas"], key=lambda t: t["id"]),
        "participants": participants,
        "meeting_count": int(row["meetings"]),
        "last_meeting": max((d for d in dates if d <= today), default=None),
        "next_meeting": min((d for d in dates if d > today), default=None),
        **_record(props),
    }


def _record(props: dict[str, Any]) -> dict[str, Any]:
    return {k: props.get(k) for k in ("version", "created_at", "created_by", "updated_at", "updated_by")}


def _meeting(row: dict[str, Any]) -> dict[str, Any]:
    props = plain(row["props"])
    checklist = {item: bool(props.get(item)) for item in MEETING_CHECKLIST.ids}
    return {
        "id": props["id"],
        "arena_id": row["arena_id"],
        "arena_name": row["arena_name"],
        "date": props.get("date"),
        "purpose": props.get("purpose"),
        "notes": props.get("notes"),
        "decisions": props.get("decisions") or [],
        "next_steps": props.get("next_steps") or [],
        "participants": sorted(row["participants"], key=lambda a: a["name"] or ""),
        "checklist": checklist,
        "open_items": [MEETING_CHECKLIST[i].to_dict() for i, done in checklist.items() if not done],
        "checklist_done": sum(checklist.values()),
        **_record(props),
    }


# A meeting is read with its arena's id too (`$arena`), and listed by arena.
_MEETINGS = Reads(MEETING_NOT_FOUND, _GET_MEETING, _COUNT_MEETINGS, _LIST_MEETINGS, _meeting, {"arena": "arena"})


class ArenaDao(ItemDao):
    """Arenas: `get`, `search(municipality_code=, county_code=, interest_area=, actor=)` and the
    writes; and their meetings."""

    reads = Reads(ARENA_NOT_FOUND, _GET_ARENA, _COUNT_ARENAS, _SEARCH_ARENAS, _arena, AREA_FILTERS)

    # -- arenas ---------------------------------------------------------------------------
    def create(
        self,
        data: dict[str, Any],
        by: str,
        *,
        arena_id: str | None = None,
        writer: Writer,
    ) -> dict[str, Any]:
        interest_areas = list(data.get("interest_areas") or [])
        check_references(self.graph, interest_areas=interest_areas, municipality_codes=[data["municipality_code"]])
        new_id = arena_id or str(uuid.uuid4())
        props = {k: data[k] for k in ARENA_FIELDS if data.get(k) is not None}

        def work(tx: ManagedTransaction) -> None:
            tx.run(_CREATE_ARENA, id=new_id, props=props, by=by).consume()
            tx.run(_ARENA_LINKS, id=new_id, interest_areas=interest_areas).consume()
            after = _arena_fields(_arena_state(tx, new_id))
            audit(tx, writer, "arena.create", L.ARENA, new_id, None, after)

        self.graph.write_tx(work)
        return self.get(new_id)

    def update(
        self,
        arena_id: str,
        expected_version: int,
        changes: dict[str, Any],
        by: str,
        *,
        writer: Writer,
    ) -> dict[str, Any]:
        """Changes the given fields (None clears an optional one); `interest_areas`, when given,
        replaces the list."""
        interest_areas = changes.get("interest_areas")
        if changes.get("municipality_code") is not None or interest_areas:
            check_references(
                self.graph,
                interest_areas=interest_areas or [],
                municipality_codes=[changes["municipality_code"]] if changes.get("municipality_code") else [],
            )
        props = {k: changes[k] for k in ARENA_FIELDS if k in changes}

        def work(tx: ManagedTransaction) -> None:
            lock_version(tx, _LOCK_ARENA, ARENA_NOT_FOUND, expected_version, id=arena_id)
            before = _arena_fields(_arena_state(tx, arena_id))
            tx.run(_UPDATE_ARENA, id=arena_id, props=props, by=by).consume()
            if interest_areas is not None or "municipality_code" in props:
                current = interest_areas
                if current is None:
                    current = [r["id"] for r in tx.run(_ARENA_INTEREST_AREAS, id=arena_id).data()]
                tx.run(_ARENA_LINKS, id=arena_id, interest_areas=current).consume()
            after = _arena_fields(_arena_state(tx, arena_id))
            audit(tx, writer, "arena.update", L.ARENA, arena_id, before, after)

        self.graph.write_tx(work)
        return self.get(arena_id)

    def delete(self, arena_id: str, *, writer: Writer) -> None:
        """Deletes the arena with its meetings and participations."""

        def work(tx: ManagedTransaction) -> None:
            lock(tx, _LOCK_ARENA, ARENA_NOT_FOUND, id=arena_id)
            before = _arena_state(tx, arena_id)
            tx.run(_DELETE_ARENA, id=arena_id).consume()
            participants = before["participants"]
            audit(tx, writer, "arena.delete", L.ARENA, arena_id, before, None, also_about=participants)

        self.graph.write_tx(work)

    # -- meetings -------------------------------------------------------------------------
    def create_meeting(
        self,
        arena_id: str,
        data: dict[str, Any],
        by: str,
        *,
        meeting_id: str | None = None,
        writer: Writer,
    ) -> dict[str, Any]:
        self.get(arena_id)
        participants = list(dict.fromkeys(data.get("participants") or []))
        check_references(self.graph, actors=participants)
        new_id = meeting_id or str(uuid.uuid4())
        props = {k: data[k] for k in MEETING_FIELDS if data.get(k) is not None}

        def work(tx: ManagedTransaction) -> None:
            tx.run(_CREATE_MEETING, arena=arena_id, id=new_id, props=props, by=by).consume()
            tx.run(_MEETING_PARTICIPANTS, id=new_id, participants=participants).consume()
            after = _meeting_state(tx, new_id)
            about = [arena_id, *after["participants"]]
            audit(tx, writer, "meeting.create", L.MEETING, new_id, None, after, also_about=about)

        self.graph.write_tx(work)
        return self.get_meeting(arena_id, new_id)

    def get_meeting(self, arena_id: str, meeting_id: str) -> dict[str, Any]:
        return _meeting(one(self.graph, _MEETINGS.get, MEETING_NOT_FOUND, arena=arena_id, id=meeting_id))

    def meetings(self, arena_id: str, *, skip: int = 0, limit: int = 50) -> Page:
        self.get(arena_id)
        return page(self.graph, _MEETINGS, {"arena": arena_id}, skip=skip, limit=limit)

    def update_meeting(
        self,
        arena_id: str,
        meeting_id: str,
        expected_version: int,
        changes: dict[str, Any],
        by: str,
        *,
        writer: Writer,
    ) -> dict[str, Any]:
        participants = changes.get("participants")
        if participants:
            participants = list(dict.fromkeys(participants))
            check_references(self.graph, actors=participants)
        props = {k: changes[k] for k in MEETING_FIELDS if k in changes}

        def work(tx: ManagedTransaction) -> None:
            lock_version(tx, _LOCK_MEETING, MEETING_NOT_FOUND, expected_version, id=meeting_id, arena=arena_id)
            before = _meeting_state(tx, meeting_id)
            tx.run(_UPDATE_MEETING, id=meeting_id, props=props, by=by).consume()
            if participants is not None:
                tx.run(_MEETING_PARTICIPANTS, id=meeting_id, participants=participants).consume()
            after = _meeting_state(tx, meeting_id)
            moved = sorted(set(before["participants"]) ^ set(after["participants"]))
            audit(
                tx,
                writer,
                "meeting.update",
                L.MEETING,
                meeting_id,
                before,
                after,
                also_about=[arena_id, *moved],
            )

        self.graph.write_tx(work)
        return self.get_meeting(arena_id, meeting_id)

    def delete_meeting(self, arena_id: str, meeting_id: str, *, writer: Writer) -> None:
        def work(tx: ManagedTransaction) -> None:
            lock(tx, _LOCK_MEETING, MEETING_NOT_FOUND, id=meeting_id, arena=arena_id)
            before = _meeting_state(tx, meeting_id)
            tx.run(_DELETE_MEETING, id=meeting_id, arena=arena_id).consume()
            about = [arena_id, *before["participants"]]
            audit(tx, writer, "meeting.delete", L.MEETING, meeting_id, before, None, also_about=about)

        self.graph.write_tx(work)

    def upsert_many(self, arenas: list[dict[str, Any]], meetings: list[dict[str, Any]], by: str) -> int:
        """Trusted arenas and meetings (demo data) merged by id; returns how many arenas were new."""
        created = created_count(self.graph, _UPSERT_ARENAS, rows=arenas, by=by)
        self.graph.write(_UPSERT_MEETINGS, rows=meetings, by=by)
        return created


_UPSERT_ARENAS: LiteralString = f"""
UNWIND $rows AS row
OPTIONAL MATCH (old:{L.ARENA} {{id: row.id}})
WITH row, old IS NULL AS created
MERGE (ar:{L.ARENA} {{id: row.id}})
ON CREATE SET ar += row.props, ar.version = 1, ar.created_at = datetime(), ar.created_by = $by
WITH ar, row, created
CALL (ar) {{
  MATCH (m:{L.MUNICIPALITY} {{code: ar.municipality_code}})
  MERGE (ar)-[:{R.LOCATED_IN}]->(m)
}}
{link_each("ar", "row.interest_areas", L.INTEREST_AREA, "id", R.CONCERNS, scope="ar, row")}
RETURN sum(CASE WHEN created THEN 1 ELSE 0 END) AS created
"""

_UPSERT_MEETINGS: LiteralString = f"""
UNWIND $rows AS row
MATCH (ar:{L.ARENA} {{id: row.arena}})
MERGE (mt:{L.MEETING} {{id: row.id}})
ON CREATE SET mt += row.props, mt.version = 1, mt.created_at = datetime(), mt.created_by = $by
MERGE (mt)-[:{R.HELD_AT}]->(ar)
WITH mt, row
CALL (mt, row) {{
  UNWIND row.participants AS pid
  MATCH (a:{L.ACTOR} {{id: pid}})
  MERGE (a)-[:{R.ATTENDED}]->(mt)
}}
"""
