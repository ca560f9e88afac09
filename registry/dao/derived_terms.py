"""Reading and rewriting actors' derived terms and points (`registry terms rederive`).

Only what an import derived is rewritten: terms whose WORKS_ON / SERVES relationship carries
`how` = category or derived, and points whose `location_precision` is a derived one. Terms a
register stated or a person set, and points someone gave, are left alone. Each changed actor gets
an audit event in the same transaction as its change.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.dao.imports import ImportDao
from registry.dao.term_mirrors import interest_area_mirror, term_mirrors
from registry.db import Graph
from registry.identity import Writer

# One page of actors in id order, with what derivation reads; `imported`: it has a source record
# (only imported actors get derived terms; every actor may get a derived point).
_PAGE: LiteralString = f"""
MATCH (a:{L.ACTOR})
WHERE a.id > $after
  AND ($version IS NULL OR a.vocabulary_version IS NULL OR a.vocabulary_version <> $version)
WITH a ORDER BY a.id LIMIT $limit
RETURN collect({{
  id: a.id, name: a.name,
  imported: EXISTS {{ (:{L.SOURCE_RECORD})-[:{R.DESCRIBES}]->(a) }},
  activities: a.activities, description: a.description,
  postal_code: a.postal_code, locality: a.locality, municipality_code: a.municipality_code,
  has_point: a.location IS NOT NULL, precision: a.location_precision,
  lat: a.location.latitude, lon: a.location.longitude,
  records: [(s:{L.SOURCE_RECORD})-[:{R.DESCRIBES}]->(a) | s.fields],
  interest_areas: [(a)-[w:{R.WORKS_ON}]->(t:{L.INTEREST_AREA}) | w {{id: t.id, .how, .field, .text, .rule}}],
  target_groups: [(a)-[w:{R.SERVES}]->(t:{L.TARGET_GROUP}) | w {{id: t.id, .how, .field, .text, .rule}}]
}}) AS actors
"""

_WRITE: LiteralString = f"""
UNWIND $rows AS row
MATCH (a:{L.ACTOR} {{id: row.id}})
CALL (a, row) {{
  UNWIND row.remove_areas AS term
  MATCH (a)-[w:{R.WORKS_ON}]->(:{L.INTEREST_AREA} {{id: term}})
  WHERE w.how IN ['category', 'derived']
  DELETE w
}}
CALL (a, row) {{
  UNWIND row.remove_groups AS term
  MATCH (a)-[w:{R.SERVES}]->(:{L.TARGET_GROUP} {{id: term}})
  WHERE w.how IN ['category', 'derived']
  DELETE w
}}
CALL (a, row) {{
  UNWIND row.set_areas AS p
  MATCH (t:{L.INTEREST_AREA} {{id: p.term}})
  MERGE (a)-[w:{R.WORKS_ON}]->(t)
  SET w.how = p.how, w.field = p.field, w.text = p.text, w.rule = p.rule
}}
CALL (a, row) {{
  UNWIND row.set_groups AS p
  MATCH (t:{L.TARGET_GROUP} {{id: p.term}})
  MERGE (a)-[w:{R.SERVES}]->(t)
  SET w.how = p.how, w.field = p.field, w.text = p.text, w.rule = p.rule
}}
SET a.location = CASE WHEN row.set_point THEN row.point ELSE a.location END,
    a.location_precision = CASE WHEN row.set_point THEN row.precision ELSE a.location_precision END,
    a.updated_at = CASE WHEN row.changed THEN datetime() ELSE a.updated_at END,
    a.version = CASE WHEN row.changed THEN a.version + 1 ELSE a.version END
WITH a
{term_mirrors("a")}"""

_STAMP: LiteralString = f"""
UNWIND $ids AS id
MATCH (a:{L.ACTOR} {{id: id}})
SET a.vocabulary_version = $version
"""

# Full text reads the terms' search words (set by the reference load): refreshed for every actor.
_REFRESH_TERMS_TEXT: LiteralString = f"""
MATCH (a:{L.ACTOR}) WHERE a.id > $after
WITH a ORDER BY a.id LIMIT $limit
{interest_area_mirror("a")}
RETURN max(a.id) AS last
"""


_COVERAGE: LiteralString = f"""
MATCH (a:{L.ACTOR})
WHERE a.sector = 'civil' AND NOT coalesce(a.archived, false)
  AND ($municipality IS NULL OR a.municipality_code = $municipality)
RETURN count(a) AS actors,
  count(CASE WHEN size(coalesce(a.interest_area_ids, [])) > 0 THEN 1 END) AS with_interest_area,
  count(CASE WHEN size(coalesce(a.target_group_ids, [])) > 0 THEN 1 END) AS with_target_group,
  count(a.location) AS with_coordinates,
  collect(CASE WHEN a.location IS NOT NULL THEN coalesce(a.location_precision, 'address') END) AS precisions
"""


class DerivedTermsDao:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def coverage(self, municipality_code: str | None = None) -> dict[str, Any]:
        """How many civil actors (of a municipality) have an interest area, a target group, a point."""
        row = self.graph.read_one(_COVERAGE, municipality=municipality_code)
        assert row is not None
        precisions = row.pop("precisions")
        return {**row, "by_precision": dict(Counter(precisions))}

    def page(self, after: str, limit: int, version: str | None) -> list[dict[str, Any]]:
        """Imported actors after `after` (by id); with `version`, only those not derived with it."""
        row = self.graph.read_one(_PAGE, after=after, limit=limit, version=version)
        return list(row["actors"]) if row else []

    def write(
        self,
        rows: list[dict[str, Any]],
        stamp: list[str],
        version: str,
        audit: list[dict[str, Any]],
        writer: Writer,
    ) -> None:
        """Applies one page's changes, stamps the page's actors with `version` and writes the audit events."""

        def work(tx: ManagedTransaction) -> None:
            if rows:
                tx.run(_WRITE, rows=rows).consume()
            tx.run(_STAMP, ids=stamp, version=version).consume()
            ImportDao.write_audit(tx, writer, None, audit)

        self.graph.write_tx(work)

    def refresh_terms_text(self, batch: int = 5000) -> None:
        after = ""
        while True:
            rows = self.graph.write(_REFRESH_TERMS_TEXT, after=after, limit=batch)
            last = rows[0]["last"] if rows else None
            if last is None:
                return
            after = last
