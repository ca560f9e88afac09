"""Societal challenges (samhällsutmaningar) and the actors engaged in them, stage by stage.

A challenge concerns interest areas, affects target groups and lies in municipalities or
counties. Actors engage in it through ENGAGED_IN relationships (written through the
relationships DAO) whose stage history shows how far the collaboration has come, and which
steps of the relationship base it skipped.

Each write takes its `writer` (required) and records its audit event in the same transaction, with the
challenge's fields and links before and after; a deletion's event is also about the engaged
actors, whose ENGAGED_IN relationships go with it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.dao.arenas import AREA_FILTERS, check_references
from registry.dao.items import ItemDao, Reads, audit, created_count, link_each, lock, lock_statement, lock_version
from registry.dao.relationships import node_summary, parse_history, plain
from registry.domain.relationships import (
    STAGES,
    InvalidError,
    is_valid_at,
    moved_back,
    skipped_stages,
)
from registry.identity import Writer

CHALLENGE_FIELDS = ("name", "description")

NOT_FOUND = "Samhällsutmaningen finns inte / Challenge not found."
_CREATE: LiteralString = f"""
CREATE (c:{L.CHALLENGE} {{id: $id}})
SET c += $props, c.version = 1, c.created_at = datetime(), c.created_by = $by
"""

# Only the link kinds that were given are replaced.
_LINKS: LiteralString = f"""
MATCH (c:{L.CHALLENGE} {{id: $id}})
CALL (c) {{
  WITH c WHERE $interest_areas IS NOT NULL
  OPTIONAL MATCH (c)-[old:{R.CONCERNS}]->()
  DELETE old
}}
{link_each("c", "coalesce($interest_areas, [])", L.INTEREST_AREA, "id", R.CONCERNS)}CALL (c) {{
  WITH c WHERE $target_groups IS NOT NULL
  OPTIONAL MATCH (c)-[old:{R.AFFECTS}]->()
  DELETE old
}}
{link_each("c", "coalesce($target_groups, [])", L.TARGET_GROUP, "id", R.AFFECTS)}CALL (c) {{
  WITH c WHERE $municipality_codes IS NOT NULL OR $county_codes IS NOT NULL
  OPTIONAL MATCH (c)-[old:{R.IN_AREA}]->()
  DELETE old
}}
{link_each("c", "coalesce($municipality_codes, [])", L.MUNICIPALITY, "code", R.IN_AREA)}
{link_each("c", "coalesce($county_codes, [])", L.COUNTY, "code", R.IN_AREA)}
RETURN c.id AS id
"""

_VIEW: LiteralString = f"""
RETURN properties(c) AS props,
       [(c)-[:{R.CONCERNS}]->(t:{L.INTEREST_AREA}) | {{id: t.id, sv: t.label_sv, en: t.label_en}}] AS interest_areas,
       [(c)-[:{R.AFFECTS}]->(t:{L.TARGET_GROUP}) | {{id: t.id, sv: t.label_sv, en: t.label_en}}] AS target_groups,
       [(c)-[:{R.IN_AREA}]->(m:{L.MUNICIPALITY}) | {{code: m.code, name: m.name}}] AS municipalities,
       [(c)-[:{R.IN_AREA}]->(k:{L.COUNTY}) | {{code: k.code, name: k.name}}] AS counties,
       [(a:{L.ACTOR})-[r:{R.ENGAGED_IN}]->(c) | {{rel: properties(r), actor: {node_summary("a")}}}] AS engagements
"""

_GET: LiteralString = f"MATCH (c:{L.CHALLENGE} {{id: $id}}) {_VIEW}"

_SEARCH_WHERE: LiteralString = f"""
MATCH (c:{L.CHALLENGE})
WHERE ($municipality IS NULL OR EXISTS {{ (c)-[:{R.IN_AREA}]->(:{L.MUNICIPALITY} {{code: $municipality}}) }}
       OR EXISTS {{
         (c)-[:{R.IN_AREA}]->(:{L.COUNTY})<-[:{R.IN_COUNTY}]-(:{L.MUNICIPALITY} {{code: $municipality}})
       }})
  AND ($county IS NULL OR EXISTS {{ (c)-[:{R.IN_AREA}]->(:{L.COUNTY} {{code: $county}}) }}
       OR EXISTS {{ (c)-[:{R.IN_AREA}]->(:{L.MUNICIPALITY})-[:{R.IN_COUNTY}]->(:{L.COUNTY} {{code: $county}}) }})
  AND ($interest_area IS NULL OR EXISTS {{
        (c)-[:{R.CONCERNS}]->(:{L.INTEREST_AREA})-[:{R.BROADER}*0..]->(:{L.INTEREST_AREA} {{id: $interest_area}})
      }})
  AND ($target_group IS NULL OR EXISTS {{
        (c)-[:{R.AFFECTS}]->(:{L.TARGET_GROUP})-[:{R.BROADER}*0..]->(:{L.TARGET_GROUP} {{id: $target_group}})
      }})
  AND ($actor IS NULL OR EXISTS {{ (:{L.ACTOR} {{id: $actor}})-[:{R.ENGAGED_IN}]->(c) }})
"""
_COUNT: LiteralString = f"{_SEARCH_WHERE} RETURN count(c) AS total"
_SEARCH: LiteralString = f"{_SEARCH_WHERE} WITH c ORDER BY c.name, c.id SKIP $skip LIMIT $limit {_VIEW}"

_LOCK = lock_statement(f"MATCH (c:{L.CHALLENGE} {{id: $id}})", "c", "c.version AS version")
_UPDATE: LiteralString = f"""
MATCH (c:{L.CHALLENGE} {{id: $id}})
SET c += $props, c.version = c.version + 1, c.updated_at = datetime(), c.updated_by = $by
"""
_DELETE: LiteralString = f"MATCH (c:{L.CHALLENGE} {{id: $id}}) DETACH DELETE c RETURN count(*) AS n"

_UPSERT: LiteralString = f"""
UNWIND $rows AS row
OPTIONAL MATCH (old:{L.CHALLENGE} {{id: row.id}})
WITH row, old IS NULL AS created
MERGE (c:{L.CHALLENGE} {{id: row.id}})
ON CREATE SET c += row.props, c.version = 1, c.created_at = datetime(), c.created_by = $by
WITH c, row, created
{link_each("c", "row.interest_areas", L.INTEREST_AREA, "id", R.CONCERNS, scope="c, row")}
{link_each("c", "row.target_groups", L.TARGET_GROUP, "id", R.AFFECTS, scope="c, row")}
{link_each("c", "row.municipality_codes", L.MUNICIPALITY, "code", R.IN_AREA, scope="c, row")}
RETURN sum(CASE WHEN created THEN 1 ELSE 0 END) AS created
"""


# What an audit event shows of a challenge: its own fields and its links, as ids.
_STATE: LiteralString = f"""
MATCH (c:{L.CHALLENGE} {{id: $id}})
RETURN properties(c) AS props,
       [(c)-[:{R.CONCERNS}]->(t:{L.INTEREST_AREA}) | t.id] AS interest_areas,
       [(c)-[:{R.AFFECTS}]->(t:{L.TARGET_GROUP}) | t.id] AS target_groups,
       [(c)-[:{R.IN_AREA}]->(m:{L.MUNICIPALITY}) | m.code] AS municipality_codes,
       [(c)-[:{R.IN_AREA}]->(k:{L.COUNTY}) | k.code] AS county_codes,
       [(a:{L.ACTOR})-[:{R.ENGAGED_IN}]->(c) | a.id] AS engaged
"""


def _state(tx: ManagedTransaction, challenge_id: str, *, engaged: bool = False) -> dict[str, Any]:
    row = tx.run(_STATE, id=challenge_id).single(strict=True)
    props = plain(row["props"])
    links = (
        "interest_areas",
        "target_groups",
        "municipality_codes",
        "county_codes",
        *(("engaged",) if engaged else ()),
    )
    return {**{k: props[k] for k in CHALLENGE_FIELDS if k in props}, **{k: sorted(row[k]) for k in links}}


def _challenge(row: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    props = plain(row["props"])
    today = today or dt.date.today()
    engagements = []
    for e in row["engagements"]:
        rel = plain(e["rel"])
        history = parse_history(rel.get("history"))
        stages = [h["stage"] for h in history]
        engagements.append(
            {
                "relationship_id": rel.get("id"),
                "actor": e["actor"],
                "stage": rel.get("stage"),
                "anchored": rel.get("anchored") or [],
                "since": rel.get("since"),
                "valid_from": rel.get("valid_from"),
                "valid_to": rel.get("valid_to"),
                "current": is_valid_at(rel.get("valid_from"), rel.get("valid_to"), today),
                "history": history,
                "skipped_stages": skipped_stages(stages),
                "moved_back": moved_back(stages),
            }
        )
    engagements.sort(
        key=lambda e: (
            not e["current"],
            -(STAGES.index(e["stage"]) if e["stage"] in STAGES else -1),
            e["actor"]["name"] or "",
        )
    )
    current = [e for e in engagements if e["current"]]
    stage_counts = {s: sum(1 for e in current if e["stage"] == s) for s in STAGES.ids}
    skipped = sorted({s for e in current for s in e["skipped_stages"]}, key=STAGES.index)
    return {
        "id": props["id"],
        "name": props.get("name"),
        "description": props.get("description"),
        "interest_areas": sorted(row["interest_areas"], key=lambda t: t["id"]),
        "target_groups": sorted(row["target_groups"], key=lambda t: t["id"]),
        "municipalities": sorted(row["municipalities"], key=lambda m: m["code"]),
        "counties": sorted(row["counties"], key=lambda m: m["code"]),
        "engagements": engagements,
        "stage_counts": stage_counts,
        "skipped_stages": skipped,
        "unanchored": [e["actor"] for e in current if not e["anchored"]],
        **{k: props.get(k) for k in ("version", "created_at", "created_by", "updated_at", "updated_by")},
    }


class ChallengeDao(ItemDao):
    """Challenges: `get`, `search(municipality_code=, county_code=, interest_area=, target_group=,
    actor=)` and the writes."""

    reads = Reads(NOT_FOUND, _GET, _COUNT, _SEARCH, _challenge, {**AREA_FILTERS, "target_group": "target_group"})

    def create(
        self,
        data: dict[str, Any],
        by: str,
        *,
        challenge_id: str | None = None,
        writer: Writer,
    ) -> dict[str, Any]:
        links = self._links(data)
        if not (links["municipality_codes"] or links["county_codes"]):
            raise InvalidError(
                "Ange minst en kommun eller ett län / Give at least one municipality or county.",
                {"municipality_codes": ["Kommun eller län krävs / A municipality or county is required."]},
            )
        new_id = challenge_id or str(uuid.uuid4())
        props = {k: data[k] for k in CHALLENGE_FIELDS if data.get(k) is not None}

        def work(tx: ManagedTransaction) -> None:
            tx.run(_CREATE, id=new_id, props=props, by=by).consume()
            tx.run(_LINKS, {"id": new_id, **links}).consume()
            audit(tx, writer, "challenge.create", L.CHALLENGE, new_id, None, _state(tx, new_id))

        self.graph.write_tx(work)
        return self.get(new_id)

    def _links(self, data: dict[str, Any]) -> dict[str, list[str] | None]:
        links: dict[str, list[str] | None] = {
            k: (list(dict.fromkeys(data[k])) if data.get(k) is not None else None)
            for k in ("interest_areas", "target_groups", "municipality_codes", "county_codes")
        }
        check_references(
            self.graph,
            interest_areas=links["interest_areas"],
            target_groups=links["target_groups"],
            municipality_codes=links["municipality_codes"],
            county_codes=links["county_codes"],
        )
        return links

    def update(
        self,
        challenge_id: str,
        expected_version: int,
        changes: dict[str, Any],
        by: str,
        *,
        writer: Writer,
    ) -> dict[str, Any]:
        """Changes the given fields; each list given (interest areas, target groups, area) replaces
        the one stored. The area may not become empty."""
        links = self._links(changes)
        area_given = links["municipality_codes"] is not None or links["county_codes"] is not None
        if area_given and not (links["municipality_codes"] or links["county_codes"]):
            raise InvalidError(
                "Ange minst en kommun eller ett län / Give at least one municipality or county.",
                {"municipality_codes": ["Kommun eller län krävs / A municipality or county is required."]},
            )
        if area_given:
            links["municipality_codes"] = links["municipality_codes"] or []
            links["county_codes"] = links["county_codes"] or []
        props = {k: changes[k] for k in CHALLENGE_FIELDS if k in changes}

        def work(tx: ManagedTransaction) -> None:
            lock_version(tx, _LOCK, NOT_FOUND, expected_version, id=challenge_id)
            before = _state(tx, challenge_id)
            tx.run(_UPDATE, id=challenge_id, props=props, by=by).consume()
            tx.run(_LINKS, {"id": challenge_id, **links}).consume()
            after = _state(tx, challenge_id)
            audit(tx, writer, "challenge.update", L.CHALLENGE, challenge_id, before, after)

        self.graph.write_tx(work)
        return self.get(challenge_id)

    def delete(self, challenge_id: str, *, writer: Writer) -> None:
        """Deletes the challenge and the engagements in it."""

        def work(tx: ManagedTransaction) -> None:
            lock(tx, _LOCK, NOT_FOUND, id=challenge_id)
            before = _state(tx, challenge_id, engaged=True)
            tx.run(_DELETE, id=challenge_id).consume()
            engaged = before["engaged"]
            audit(tx, writer, "challenge.delete", L.CHALLENGE, challenge_id, before, None, also_about=engaged)

        self.graph.write_tx(work)

    def upsert_many(self, rows: list[dict[str, Any]], by: str) -> int:
        """Trusted challenges (demo data) merged by id; returns how many were new."""
        return created_count(self.graph, _UPSERT, rows=rows, by=by)
