"""The HSDS API's reads: a page of actors under the search's own filters (plus modified-after), the taxonomies' terms.

Candidates come from `registry.dao.actors`' search (the same MATCH and WHERE the actor search
builds), so an HSDS client and the registry's own API find the same actors for the same filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from graph_schema.contract import CONFIRMED_MEMBERSHIP
from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.dao.actor_search import MAX_SKIP, match_query
from registry.dao.actors import _actor_view
from registry.db import Graph
from registry.domain.actor import ActorFilter

# The actor as `ActorDao.get` projects it (the mapping reads the same view), for a page of `a`s.
_PROJECTION: LiteralString = f"""a {{
  .*,
  active_in: [(a)-[:{R.ACTIVE_IN}]->(x:{L.MUNICIPALITY}) | x.code],
  interest_areas: [(a)-[:{R.WORKS_ON}]->(t:{L.INTEREST_AREA}) | t {{.id, .label_sv, .label_en}}],
  target_groups: [(a)-[:{R.SERVES}]->(t:{L.TARGET_GROUP}) | t {{.id, .label_sv, .label_en}}],
  member_of: [(a)-[r:{R.MEMBER_OF}]->(u:{L.ACTOR}) WHERE {CONFIRMED_MEMBERSHIP} | {{
    id: u.id, name: u.name, since: r.since, until: r.until, role: r.role
  }}],
  contacts: [(a)-[:{R.HAS_CONTACT}]->(c:{L.CONTACT_PERSON}) | c {{.id, .name, .role, .email, .phone}}]
}}"""

_MODIFIED: dict[bool, LiteralString] = {
    True: "WITH a WHERE a.updated_at >= $modified_after\n",
    False: "WITH a\n",
}

_PAGE: LiteralString = (
    """WITH a ORDER BY a.name_sort ASC, a.id ASC
WITH collect(a) AS hits
CALL (hits) {
  UNWIND hits[$skip..($skip + $limit)] AS a
  RETURN collect("""
    + _PROJECTION
    + """) AS items
}
RETURN size(hits) AS total, items
"""
)

_TERMS: dict[str, LiteralString] = {
    "interest_areas": f"""
MATCH (t:{L.INTEREST_AREA})
RETURN t {{.id, .label_sv, .label_en, broader: head([(t)-[:{R.BROADER}]->(b:{L.INTEREST_AREA}) | b.id])}} AS term
ORDER BY t.id
""",
    "target_groups": f"""
MATCH (t:{L.TARGET_GROUP})
RETURN t {{.id, .label_sv, .label_en, broader: head([(t)-[:{R.BROADER}]->(b:{L.TARGET_GROUP}) | b.id])}} AS term
ORDER BY t.id
""",
}

# An actor's terms, for the graph files' node columns (GraphML/GEXF).
_ACTOR_TERMS: LiteralString = f"""
UNWIND $ids AS id
MATCH (a:{L.ACTOR} {{id: id}})
RETURN a.id AS id,
  [(a)-[:{R.WORKS_ON}]->(t:{L.INTEREST_AREA}) | t.id] AS interest_areas,
  [(a)-[:{R.SERVES}]->(t:{L.TARGET_GROUP}) | t.id] AS target_groups
"""


@dataclass(frozen=True)
class ActorPage:
    total: int
    items: list[dict[str, Any]]


class HsdsDao:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def page(self, f: ActorFilter, *, modified_after: datetime | None, skip: int, limit: int) -> ActorPage:
        """Actors matching `f` (and changed at or after `modified_after`), in name order, one page of them."""
        match, params = match_query(f)
        query: LiteralString = match + _MODIFIED[modified_after is not None] + _PAGE
        row = self.graph.read_one(query, **params, modified_after=modified_after, skip=min(skip, MAX_SKIP), limit=limit)
        if row is None:
            return ActorPage(0, [])
        return ActorPage(int(row["total"]), [_actor_view(item) for item in row["items"]])

    def terms(self) -> dict[str, list[dict[str, Any]]]:
        """Every interest area and target group ({id, label_sv, label_en, broader}), by id."""
        return {kind: [r["term"] for r in self.graph.read(query)] for kind, query in _TERMS.items()}

    def actor_terms(self, ids: list[str]) -> dict[str, dict[str, list[str]]]:
        """Interest-area and target-group ids of each of these actors (others are left out)."""
        rows = self.graph.read(_ACTOR_TERMS, ids=ids) if ids else []
        return {r["id"]: {"interest_areas": r["interest_areas"], "target_groups": r["target_groups"]} for r in rows}
