"""The actor search compiler: an `ActorFilter` as one Cypher statement (candidates from the most selective
filter, the rest checked per candidate, cheapest test first), with its page, sort and facets. Every
fragment is a constant `LiteralString`; values travel as parameters. `registry.dao.actors` runs it;
`registry.dao.hsds` pages the HSDS API over the same match."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, LiteralString

from neo4j.spatial import WGS84Point

from graph_schema.contract import CONFIRMED_MEMBERSHIP
from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.domain.actor import ActorFilter

# A search first expands the asked-for interest areas and target groups to their narrower terms
# (`ia`, `tg`: small lists of nodes), then takes candidates from its most selective filter (an
# index or a small node set) and checks the rest per candidate, cheapest test first. Every
# fragment is a constant; values travel as parameters.
_TERMS: LiteralString = f"""
CALL () {{
  OPTIONAL MATCH (b:{L.INTEREST_AREA})<-[:{R.BROADER}*0..]-(t:{L.INTEREST_AREA}) WHERE b.id IN $interest_areas
  RETURN collect(DISTINCT t) AS ia
}}
CALL () {{
  OPTIONAL MATCH (b:{L.TARGET_GROUP})<-[:{R.BROADER}*0..]-(t:{L.TARGET_GROUP}) WHERE b.id IN $target_groups
  RETURN collect(DISTINCT t) AS tg
}}
"""
_NO_TERMS: LiteralString = "WITH [] AS ia, [] AS tg\n"

_START: dict[str, LiteralString] = {
    "text": """
CALL () {
  CALL db.index.fulltext.queryNodes('actor_search', $text) YIELD node, score RETURN node AS a, score
  UNION ALL
  CALL db.index.fulltext.queryNodes('actor_fulltext', $text_sv) YIELD node, score RETURN node AS a, score
}
WITH a, ia, tg, max(score) AS score
""",
    "near": f"""
MATCH (a:{L.ACTOR}) WHERE point.distance(a.location, $point) <= $radius_m
WITH a, 0.0 AS score, ia, tg
""",
    "postal_code": f"""
MATCH (a:{L.ACTOR} {{postal_code: $postal_code}})
WITH a, 0.0 AS score, ia, tg
""",
    "member_of": f"""
MATCH (a:{L.ACTOR})-[r:{R.MEMBER_OF}]->(:{L.ACTOR} {{id: $member_of}})
WHERE (r.until IS NULL OR toString(r.until) > $today) AND {CONFIRMED_MEMBERSHIP}
WITH DISTINCT a, 0.0 AS score, ia, tg
""",
    "municipalities": f"""
MATCH (m:{L.MUNICIPALITY}) WHERE m.code IN $municipalities
MATCH (a:{L.ACTOR})-[:{R.LOCATED_IN}|{R.ACTIVE_IN}]->(m)
WITH DISTINCT a, 0.0 AS score, ia, tg
""",
    "counties": f"""
MATCH (m:{L.MUNICIPALITY}) WHERE m.county_code IN $counties
MATCH (a:{L.ACTOR})-[:{R.LOCATED_IN}|{R.ACTIVE_IN}]->(m)
WITH DISTINCT a, 0.0 AS score, ia, tg
""",
    "interest_areas": f"""
UNWIND ia AS t
MATCH (a:{L.ACTOR})-[:{R.WORKS_ON}]->(t)
WITH DISTINCT a, 0.0 AS score, ia, tg
""",
    "target_groups": f"""
UNWIND tg AS t
MATCH (a:{L.ACTOR})-[:{R.SERVES}]->(t)
WITH DISTINCT a, 0.0 AS score, ia, tg
""",
    "all": f"""
MATCH (a:{L.ACTOR})
WITH a, 0.0 AS score, ia, tg
""",
}

# The seat is also a property (`municipality_code`, `county_code`), so most candidates pass or
# fail a place filter on a property read; only the rest look at their ACTIVE_IN relationships.
_CONDITION: dict[str, LiteralString] = {
    "near": "point.distance(a.location, $point) <= $radius_m",
    "postal_code": "a.postal_code = $postal_code",
    "member_of": f"""EXISTS {{
  (a)-[r:{R.MEMBER_OF}]->(:{L.ACTOR} {{id: $member_of}})
  WHERE (r.until IS NULL OR toString(r.until) > $today) AND {CONFIRMED_MEMBERSHIP}
}}""",
    "municipalities": f"""(a.municipality_code IN $municipalities OR EXISTS {{
  (a)-[:{R.ACTIVE_IN}]->(m:{L.MUNICIPALITY}) WHERE m.code IN $municipalities
}})""",
    "counties": f"""(a.county_code IN $counties OR EXISTS {{
  (a)-[:{R.ACTIVE_IN}]->(m:{L.MUNICIPALITY}) WHERE m.county_code IN $counties
}})""",
    "interest_areas": f"EXISTS {{ (a)-[:{R.WORKS_ON}]->(t) WHERE t IN ia }}",
    "target_groups": f"EXISTS {{ (a)-[:{R.SERVES}]->(t) WHERE t IN tg }}",
    "sectors": "a.sector IN $sectors",
    "kinds": "a.kind IN $kinds",
    "with_org_number": "a.org_number IS NOT NULL",
    "without_org_number": "a.org_number IS NULL",
    "active": "coalesce(a.archived, false) = false",
    "archived": "a.archived = true",
}

# Sort keys offered by the API, mapped to fixed ORDER BY fragments.
SORTS: dict[str, LiteralString] = {
    "relevance": "score DESC, a.name_sort ASC, a.id ASC",
    "name": "a.name_sort ASC, a.id ASC",
    "updated": "a.updated_at DESC, a.id ASC",
    "distance": "distance ASC, a.name_sort ASC, a.id ASC",
}

_WITH_DISTANCE: LiteralString = "WITH a, score, point.distance(a.location, $point) AS distance\n"
_WITHOUT_DISTANCE: LiteralString = "WITH a, score, null AS distance\n"

_SUMMARY: LiteralString = f"""x {{
  .id, .name, .sector, .kind, .org_number, .locality, .postal_code, .municipality_code, .website,
  .updated_at, .archived,
  active_in: [(x)-[:{R.ACTIVE_IN}]->(m:{L.MUNICIPALITY}) | m.code],
  interest_areas: [(x)-[:{R.WORKS_ON}]->(t:{L.INTEREST_AREA}) | t.id],
  target_groups: [(x)-[:{R.SERVES}]->(t:{L.TARGET_GROUP}) | t.id],
  score: score, distance_m: distance
}}"""

_PAGE: LiteralString = (
    """
WITH collect({a: a, score: score, distance: distance}) AS hits
CALL (hits) {
  UNWIND hits[$skip..($skip + $limit)] AS h
  WITH h.a AS x, h.score AS score, h.distance AS distance
  RETURN collect("""
    + _SUMMARY
    + """) AS items
}
"""
)


def _term_facet(rel: LiteralString, label: LiteralString, name: LiteralString) -> LiteralString:
    """A taxonomy's facet: each term with the hits linked to it or to a narrower term, counted once."""
    return f"""CALL (hits) {{
  UNWIND hits AS h
  WITH h.a AS x
  MATCH (x)-[:{rel}]->(d:{label})
  WITH d, collect(x) AS xs
  MATCH (d)-[:{R.BROADER}*0..]->(t:{label})
  UNWIND xs AS x
  WITH t, count(DISTINCT x) AS n
  RETURN collect({{key: t.id, label_sv: t.label_sv, label_en: t.label_en, count: n}}) AS {name}
}}
"""


_FACETS: LiteralString = (
    """
CALL (hits) {
  UNWIND hits AS h
  WITH h.a.sector AS key, count(*) AS n
  RETURN collect({key: key, count: n}) AS sector
}
CALL (hits) {
  UNWIND hits AS h
  WITH h.a.kind AS key, count(*) AS n
  RETURN collect({key: key, count: n}) AS kind
}
"""
    + _term_facet(R.WORKS_ON, L.INTEREST_AREA, "interest_area")
    + _term_facet(R.SERVES, L.TARGET_GROUP, "target_group")
    + f"""CALL (hits) {{
  UNWIND hits AS h
  WITH h.a AS x
  MATCH (x)-[:{R.LOCATED_IN}|{R.ACTIVE_IN}]->(m:{L.MUNICIPALITY})
  WITH m, count(DISTINCT x) AS n
  RETURN collect({{key: m.code, label_sv: m.name, label_en: m.name, count: n}}) AS municipality
}}
RETURN size(hits) AS total, items,
  {{sector: sector, kind: kind, interest_area: interest_area, target_group: target_group,
    municipality: municipality}} AS facets
"""
)

_NO_FACETS: LiteralString = "RETURN size(hits) AS total, items, null AS facets"

# The near= hint: actors that pass every filter but `near` and have no point to measure from.
_WITHOUT_POINT: LiteralString = "WITH a WHERE a.location IS NULL RETURN count(a) AS n"

# Cypher list slices take 32-bit integers; a page beyond every possible result is simply empty.
MAX_SKIP = 2**30


@dataclass
class SearchResult:
    total: int
    items: list[dict[str, Any]]
    facets: dict[str, list[dict[str, Any]]] | None = None
    # With `near`: how many actors match every other filter but have no point, so cannot be near anything.
    without_coordinates: int | None = None


def search_query(
    f: ActorFilter, *, sort: str, skip: int, limit: int, facets: bool
) -> tuple[LiteralString, dict[str, Any]]:
    """The one Cypher statement of a search and its parameters (the benchmark times it raw, too)."""
    match, params = match_query(f)
    query: LiteralString = match + "WITH a, score, distance ORDER BY " + SORTS[sort] + "\n" + _PAGE
    query += _FACETS if facets else _NO_FACETS
    return query, {**params, "skip": min(skip, MAX_SKIP), "limit": limit}


def without_point_query(f: ActorFilter) -> tuple[LiteralString, dict[str, Any]]:
    """The near= hint's count: actors that pass every filter but `near` and have no point."""
    match, params = match_query(replace(f, near=None))
    return match + _WITHOUT_POINT, params


def match_query(f: ActorFilter) -> tuple[LiteralString, dict[str, Any]]:
    """The MATCH ... WHERE part of a search: candidates from the most selective filter, then the rest."""
    params: dict[str, Any] = {"today": datetime.now(UTC).date().isoformat()}
    present: dict[str, bool] = {
        "near": f.near is not None,
        "postal_code": f.postal_code is not None,
        "member_of": f.member_of is not None,
        "municipalities": bool(f.municipalities),
        "counties": bool(f.counties),
        "interest_areas": bool(f.interest_areas),
        "target_groups": bool(f.target_groups),
        "sectors": bool(f.sectors),
        "kinds": bool(f.kinds),
    }
    if f.text is not None:
        text = f.text.within(f.municipalities, f.counties)
        params["text"], params["text_sv"] = text.folded, text.swedish
    if f.near is not None:
        params["point"] = WGS84Point((f.near[1], f.near[0]))
        params["radius_m"] = f.radius_km * 1000.0
    params.update(
        postal_code=f.postal_code,
        member_of=f.member_of,
        municipalities=list(f.municipalities),
        counties=list(f.counties),
        interest_areas=list(f.interest_areas),
        target_groups=list(f.target_groups),
        sectors=list(f.sectors),
        kinds=list(f.kinds),
    )
    order = ("near", "postal_code", "member_of", "municipalities", "counties", "interest_areas", "target_groups")
    start = "text" if f.text is not None else next((k for k in order if present[k]), "all")
    conditions: list[LiteralString] = [_CONDITION["archived" if f.archived else "active"]]
    for key in (*order, "sectors", "kinds"):
        if present[key] and key != start:
            conditions.append(_CONDITION[key])
    if f.has_org_number is not None:
        conditions.append(_CONDITION["with_org_number" if f.has_org_number else "without_org_number"])
    terms = _TERMS if f.interest_areas or f.target_groups else _NO_TERMS
    query: LiteralString = terms + _START[start] + "WITH a, score, ia, tg WHERE " + " AND ".join(conditions) + "\n"
    query += _WITH_DISTANCE if f.near is not None else _WITHOUT_DISTANCE
    return query, params
