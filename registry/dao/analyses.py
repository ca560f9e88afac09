"""Analyses of the collaboration graph: welfare gaps, brokers, isolated actors, power and money,
and a readiness heuristic for a pair of actors.

Each analysis reads plain facts with one or two queries and computes in Python (igraph for
betweenness), so the rules are visible here rather than buried in Cypher. All of them look at
relationships valid today unless told otherwise; archived actors are left out.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, LiteralString

import igraph as ig

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from graph_schema.refdata import counties, municipalities
from graph_schema.relationship_types import NETWORK, counted_by
from registry.dao.relationships import EDGE_VALID_AT, VALID_AT, node_summary, plain
from registry.db import Graph
from registry.domain.readiness import score_readiness
from registry.domain.relationships import (
    FUNDING_FORMS,
    RESOURCES,
    InvalidError,
    NotFoundError,
)

# -- shared -------------------------------------------------------------------------------

_AREA_ACTORS: LiteralString = f"""
MATCH (m:{L.MUNICIPALITY}) WHERE m.code = $municipality OR m.county_code = $county
MATCH (a:{L.ACTOR})-[:{R.LOCATED_IN}|{R.ACTIVE_IN}]->(m)
WHERE NOT coalesce(a.archived, false)
"""


@dataclass(frozen=True)
class Area:
    municipality_code: str | None
    county_code: str | None

    @property
    def params(self) -> dict[str, str | None]:
        return {"municipality": self.municipality_code, "county": self.county_code}

    def describe(self) -> dict[str, Any]:
        if self.municipality_code:
            m = municipalities()[self.municipality_code]
            return {"type": "municipality", "code": m.code, "name": m.name}
        assert self.county_code is not None
        c = counties()[self.county_code]
        return {"type": "county", "code": c.code, "name": c.name}


def area_of(municipality_code: str | None, county_code: str | None) -> Area:
    if (municipality_code is None) == (county_code is None):
        raise InvalidError("Ange en kommun eller ett län / Give one municipality or one county.")
    if municipality_code is not None and municipality_code not in municipalities():
        raise NotFoundError(f"Kommunen finns inte / Municipality not found: {municipality_code}")
    if county_code is not None and county_code not in counties():
        raise NotFoundError(f"Länet finns inte / County not found: {county_code}")
    return Area(municipality_code, county_code)


# -- welfare gaps ---------------------------------------------------------------------------

_TAXONOMY: LiteralString = f"""
CALL () {{
  MATCH (t:{L.INTEREST_AREA})
  RETURN 'interest_area' AS scheme, t.id AS id, t.label_sv AS sv, t.label_en AS en,
         [(t)-[:{R.BROADER}*1..]->(b:{L.INTEREST_AREA}) | b.id] AS broader
  UNION
  MATCH (t:{L.TARGET_GROUP})
  RETURN 'target_group' AS scheme, t.id AS id, t.label_sv AS sv, t.label_en AS en,
         [(t)-[:{R.BROADER}*1..]->(b:{L.TARGET_GROUP}) | b.id] AS broader
}}
RETURN scheme, id, sv, en, broader ORDER BY scheme, id
"""

# The county's civil actors are read per municipality from their term copies (registry.dao.term_mirrors),
# in two statements over halves of the county's municipalities that run at once; a third finds the
# actors counted in more than one municipality, so the county's total counts each actor once.
_PLACE_SIZES: LiteralString = f"""
MATCH (m:{L.MUNICIPALITY} {{county_code: $county}})
RETURN collect([m.code, COUNT {{ (m)<-[:{R.LOCATED_IN}|{R.ACTIVE_IN}]-() }}]) AS rows
"""
_CIVIL_BY_PLACE: LiteralString = f"""
MATCH (m:{L.MUNICIPALITY}) WHERE m.code IN $codes
MATCH (a:{L.ACTOR})-[:{R.LOCATED_IN}|{R.ACTIVE_IN}]->(m)
WHERE a.sector = $sector AND NOT coalesce(a.archived, false)
WITH DISTINCT m, a
WITH m.code AS place, coalesce(a.interest_area_ids, []) AS areas, coalesce(a.target_group_ids, []) AS groups,
     count(*) AS actors
RETURN collect([place, areas, groups, actors]) AS rows
"""
_CIVIL_IN_SEVERAL_PLACES: LiteralString = f"""
MATCH (:{L.COUNTY} {{code: $county}})<-[:{R.IN_COUNTY}]-(:{L.MUNICIPALITY})<-[:{R.ACTIVE_IN}]-(a:{L.ACTOR})
WHERE a.sector = $sector AND NOT coalesce(a.archived, false)
WITH DISTINCT a
WITH a, COUNT {{
  MATCH (a)-[:{R.LOCATED_IN}|{R.ACTIVE_IN}]->(m:{L.MUNICIPALITY} {{county_code: $county}}) RETURN DISTINCT m
}} AS places
WHERE places > 1
RETURN collect([coalesce(a.interest_area_ids, []), coalesce(a.target_group_ids, []), places - 1]) AS rows
"""
# Large answers come back as one record of lists: the driver decodes one big record far faster
# than thousands of small ones.


def _halves(sizes: dict[str, int]) -> list[list[str]]:
    """Two groups of municipality codes with about as many actors each (largest first, each to
    the lighter group), so the two statements take about as long."""
    groups: list[list[str]] = [[], []]
    load = [0, 0]
    for code in sorted(sizes, key=lambda c: (-sizes[c], c)):
        lighter = 0 if load[0] <= load[1] else 1
        groups[lighter].append(code)
        load[lighter] += sizes[code]
    return [g for g in groups if g]


# Below this share of civil actors with any target group, an empty cell says more about the register
# than about the area: real registers have no target-group column, so a cell is a gap only where
# the area's civil actors say whom they serve.
MIN_TARGET_GROUP_SHARE = 0.5


def _known(with_groups: int, actors: int, min_share: float) -> bool:
    # An area with no civil actor at all has none for any target group: that gap is certain.
    return actors == 0 or with_groups / actors >= min_share


def _target_group_coverage(with_groups: int, actors: int, min_share: float) -> dict[str, Any]:
    return {
        "actors": actors,
        "with_target_groups": with_groups,
        "without_target_groups": actors - with_groups,
        "share": round(with_groups / actors, 4) if actors else None,
        "min_share": min_share,
        "sufficient": _known(with_groups, actors, min_share),
    }


def _flag(count: int, median: float, ratio: float, county_total: int) -> str | None:
    """`none`: no civil actor here though the county has some; `none_in_county`: none in the whole
    county either; `far_below`: fewer than `ratio` × the median of the county's municipalities."""
    if count == 0:
        return "none" if county_total else "none_in_county"
    if count < ratio * median:
        return "far_below"
    return None


# -- brokers ----------------------------------------------------------------------------------

# The relationship types that tie actors to actors, and those that tie an actor to an agreement, an
# arena or a challenge (the schema contract's endpoints); read apart so no label has to be checked.
_BROKERS = counted_by("brokers", NETWORK)
_BROKER_ACTOR_TYPES: LiteralString = "|".join(d.type for d in _BROKERS if d.ends_at_actor)
_BROKER_NODE_TYPES: LiteralString = "|".join(d.type for d in _BROKERS if not d.ends_at_actor)
# An actor none of these ties (nor a meeting attended) is isolated.
_ISOLATING_TYPES: LiteralString = "|".join(d.type for d in counted_by("isolated", NETWORK))
# Only what betweenness needs, keyed by element id (and the actor's id, which orders the sample of
# sources and breaks ties, so the answer does not depend on the database's internal ids): names and
# kinds of the few nodes that are listed are read afterwards (_DESCRIBE). Reading them for every
# actor in Stockholm made the statement about 1.5 times as long. Read in two halves at once
# (`Graph.read_plain_split`).
_AREA_GRAPH: LiteralString = f"""
{_AREA_ACTORS}
  AND ($id_from IS NULL OR a.id >= $id_from) AND ($id_to IS NULL OR a.id < $id_to)
WITH DISTINCT a
RETURN collect([
  elementId(a), a.id, a.sector,
  [(a)-[r:{_BROKER_ACTOR_TYPES}]->(o) WHERE {EDGE_VALID_AT} | elementId(o)],
  [(a)-[r:{_BROKER_NODE_TYPES}]->(o) WHERE {EDGE_VALID_AT} AND NOT coalesce(o.archived, false) | elementId(o)]
]) AS rows
"""
# Actor links are not checked for archiving: only links to the area's actors are kept, and those
# are not archived (_AREA_ACTORS). Reading `archived` of every neighbour cost a third of the time.
_DESCRIBE: LiteralString = """
UNWIND $eids AS eid
MATCH (n) WHERE elementId(n) = eid
RETURN collect({eid: eid, id: n.id, label: head(labels(n)), name: coalesce(n.name, n.title), sector: n.sector,
                kind: n.kind, municipality_code: n.municipality_code}) AS rows
"""

# -- isolated ---------------------------------------------------------------------------------

_ISOLATED_WHERE: LiteralString = f"""
{_AREA_ACTORS}
  AND ($sector IS NULL OR a.sector = $sector)
WITH DISTINCT a
WHERE NOT EXISTS {{
        MATCH (a)-[r:{_ISOLATING_TYPES}]-()
        WHERE {VALID_AT}
      }}
  AND NOT EXISTS {{ (a)-[:{R.ATTENDED}]->(:{L.MEETING}) }}
"""
_ISOLATED_COUNT: LiteralString = f"{_ISOLATED_WHERE} RETURN count(a) AS total"
_ISOLATED: LiteralString = f"""{_ISOLATED_WHERE}
WITH a ORDER BY a.name, a.id SKIP $skip LIMIT $limit
RETURN {node_summary("a")} AS actor, COUNT {{ (a)-[:{R.MEMBER_OF}]->() }} AS memberships
"""
_AREA_COUNT: LiteralString = f"""{_AREA_ACTORS}
  AND ($sector IS NULL OR a.sector = $sector)
RETURN count(DISTINCT a) AS total
"""

# -- power ------------------------------------------------------------------------------------

_POWER: LiteralString = f"""
{_AREA_ACTORS}
WITH DISTINCT a
MATCH (a)-[r:{R.DEPENDS_ON} {{kind: 'power'}}]-(o:{L.ACTOR})
WHERE {VALID_AT} AND NOT coalesce(o.archived, false)
WITH DISTINCT r
MATCH (dependent)-[r]->(holder)
RETURN r.id AS id, {node_summary("holder")} AS holder, {node_summary("dependent")} AS dependent,
       r.resource AS resource, r.strength AS strength
"""
_MONEY: LiteralString = f"""
{_AREA_ACTORS}
WITH DISTINCT a
MATCH (a)-[r:{R.FUNDS}]-(o:{L.ACTOR})
WHERE ($year IS NULL OR r.year = $year) AND ($year IS NOT NULL OR {VALID_AT})
WITH DISTINCT r
MATCH (funder)-[r]->(recipient)
RETURN r.id AS id, {node_summary("funder")} AS funder, {node_summary("recipient")} AS recipient,
       r.amount_sek AS amount_sek, r.year AS year, r.form AS form
"""

# -- readiness (the heuristic itself is registry.domain.readiness) ----------------------------

_PAIR: LiteralString = f"""
MATCH (a:{L.ACTOR} {{id: $a}}), (b:{L.ACTOR} {{id: $b}})
RETURN {node_summary("a")} AS a, {node_summary("b")} AS b,
       a.resources_offered AS a_offers, a.resources_needed AS a_needs,
       b.resources_offered AS b_offers, b.resources_needed AS b_needs,
       [(a)-[:{R.WORKS_ON}]->(t)-[:{R.BROADER}*0..]->(x:{L.INTEREST_AREA}) | [x.id, x.label_sv, x.label_en]]
         AS a_areas,
       [(b)-[:{R.WORKS_ON}]->(t)-[:{R.BROADER}*0..]->(x:{L.INTEREST_AREA}) | [x.id, x.label_sv, x.label_en]]
         AS b_areas,
       [(a)-[:{R.SERVES}]->(t)-[:{R.BROADER}*0..]->(x:{L.TARGET_GROUP}) | [x.id, x.label_sv, x.label_en]]
         AS a_groups,
       [(b)-[:{R.SERVES}]->(t)-[:{R.BROADER}*0..]->(x:{L.TARGET_GROUP}) | [x.id, x.label_sv, x.label_en]]
         AS b_groups,
       [(a)-[r:{R.DEPENDS_ON}]-(b) WHERE {VALID_AT} | {{kind: r.kind, a_depends: startNode(r) = a,
                                                       resource: r.resource, strength: r.strength}}] AS dependencies,
       [(a)-[r:{R.PERCEIVES}]->(b) WHERE {VALID_AT} | r.valence] AS a_sees_b,
       [(b)-[r:{R.PERCEIVES}]->(a) WHERE {VALID_AT} | r.valence] AS b_sees_a,
       [(a)-[r1:{R.PARTY_TO}]->(g:{L.AGREEMENT})<-[r2:{R.PARTY_TO}]-(b)
        WHERE (g.valid_to IS NULL OR $at < g.valid_to) AND (g.valid_from IS NULL OR g.valid_from <= $at)
        | g.title] AS agreements,
       [(a)-[:{R.PARTICIPATES_IN}]->(ar:{L.ARENA})<-[:{R.PARTICIPATES_IN}]-(b) | ar.name] AS arenas,
       [(a)-[:{R.ENGAGED_IN}]->(c:{L.CHALLENGE})<-[:{R.ENGAGED_IN}]-(b) | c.name] AS challenges,
       [(a)-[r:{R.FUNDS}]-(b) WHERE {VALID_AT} | r.form] AS funding
"""


class AnalysisDao:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def welfare_gaps(
        self,
        municipality_code: str | None = None,
        county_code: str | None = None,
        *,
        ratio: float = 0.5,
        only_gaps: bool = False,
        interest_area: str | None = None,
        target_group: str | None = None,
        min_share: float = MIN_TARGET_GROUP_SHARE,
    ) -> dict[str, Any]:
        """Civil actors per interest area × target group (narrower terms count toward broader ones),
        compared with the median of the county's municipalities for the same cell. `interest_area`
        and `target_group` narrow the table to one term and the terms below it.

        A cell with too few actors is a gap only where at least `min_share` of the area's civil
        actors have target-group data; elsewhere its flag is `unknown` (the register does not say)."""
        area = area_of(municipality_code, county_code)
        county = area.county_code or municipalities()[area.municipality_code or ""].county_code
        county_municipalities = sorted(m.code for m in municipalities().values() if m.county_code == county)
        terms: dict[str, dict[str, dict[str, Any]]] = {"interest_area": {}, "target_group": {}}
        for row in self.graph.read(_TAXONOMY):
            terms[row["scheme"]][row["id"]] = row

        def within(scheme: str, root: str | None) -> list[str]:
            if root is None:
                return sorted(terms[scheme])
            if root not in terms[scheme]:
                raise InvalidError("Okänd term / Unknown term.", {scheme: [f"Okänd / unknown: {root}"]})
            return sorted(t for t, row in terms[scheme].items() if t == root or root in row["broader"])

        area_terms, group_terms = within("interest_area", interest_area), within("target_group", target_group)

        def expand(scheme: str, ids: list[str]) -> set[str]:
            out: set[str] = set()
            for term in ids:
                known = terms[scheme].get(term)
                if known is not None:
                    out.add(term)
                    out.update(known["broader"])
            return out

        per_place: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
        county_total: Counter[tuple[str, str]] = Counter()
        civil_actors = 0
        # Civil actors per municipality, and how many of them name a target group.
        place_actors: Counter[str] = Counter()
        place_grouped: Counter[str] = Counter()
        county_actors, county_grouped = 0, 0
        cells_of: dict[tuple[tuple[str, ...], tuple[str, ...]], list[tuple[str, str]]] = {}

        def cells(areas: list[str], groups: list[str]) -> list[tuple[str, str]]:
            key = (tuple(areas), tuple(groups))
            found = cells_of.get(key)
            if found is None:
                found = cells_of[key] = [
                    (ia, tg) for ia in expand("interest_area", areas) for tg in expand("target_group", groups)
                ]
            return found

        sized = self.graph.read_plain_one(_PLACE_SIZES, county=county)
        sizes = {code: int(n) for code, n in (sized["rows"] if sized else [])}
        params = {"county": county, "sector": "civil"}
        *by_place, several = self.graph.read_plain_many(
            [
                *((_CIVIL_BY_PLACE, {**params, "codes": half}) for half in _halves(sizes)),
                (_CIVIL_IN_SEVERAL_PLACES, params),
            ]
        )
        for part in by_place:
            for place, areas, groups, count in part["rows"] if part else []:
                place_counts = per_place[place]
                for pair in cells(areas, groups):
                    place_counts[pair] += count
                    county_total[pair] += count
                place_actors[place] += count
                county_actors += count
                if groups:
                    place_grouped[place] += count
                    county_grouped += count
                if area.municipality_code is None or area.municipality_code == place:
                    civil_actors += count
        # An actor in k of the county's municipalities was counted k times in the county's total.
        for areas, groups, extra in several["rows"] if several else []:
            for pair in cells(areas, groups):
                county_total[pair] -= extra
            county_actors -= extra
            if groups:
                county_grouped -= extra
            if area.municipality_code is None:
                civil_actors -= extra
        known_places = {
            code for code in county_municipalities if _known(place_grouped[code], place_actors[code], min_share)
        }
        county_known = _known(county_grouped, county_actors, min_share)

        def term(scheme: str, term_id: str) -> dict[str, str]:
            t = terms[scheme][term_id]
            return {"id": term_id, "sv": t["sv"], "en": t["en"]}

        cells_out: list[dict[str, Any]] = []
        gaps = 0
        unknown = 0
        for ia in area_terms:
            for tg in group_terms:
                key = (ia, tg)
                counts = {code: per_place[code][key] for code in county_municipalities}
                median = statistics.median(counts.values()) if counts else 0
                if area.municipality_code:
                    count = counts.get(area.municipality_code, 0)
                    flag = _flag(count, median, ratio, county_total[key])
                    if flag and area.municipality_code not in known_places:
                        flag = "unknown"
                    cell: dict[str, Any] = {
                        "count": count,
                        "county_median": median,
                        "county_total": county_total[key],
                        "flag": flag,
                    }
                else:
                    count = county_total[key]
                    flagged = {
                        code: (f if f is None or code in known_places else "unknown")
                        for code, f in ((code, _flag(n, median, ratio, count)) for code, n in counts.items())
                    }
                    flag = ("none_in_county" if county_known else "unknown") if count == 0 else None
                    cell = {
                        "count": count,
                        "municipality_median": median,
                        "flag": flag,
                        "municipalities_none": [
                            {"code": c, "name": municipalities()[c].name} for c, f in flagged.items() if f == "none"
                        ],
                        "municipalities_far_below": [
                            {"code": c, "name": municipalities()[c].name, "count": counts[c]}
                            for c, f in flagged.items()
                            if f == "far_below"
                        ],
                        "municipalities_unknown": [
                            {"code": c, "name": municipalities()[c].name} for c, f in flagged.items() if f == "unknown"
                        ],
                    }
                if flag == "unknown":
                    unknown += 1
                elif flag:
                    gaps += 1
                real_flag = flag if flag != "unknown" else None
                if only_gaps and not (
                    real_flag or cell.get("municipalities_none") or cell.get("municipalities_far_below")
                ):
                    continue
                cells_out.append(
                    {"interest_area": term("interest_area", ia), "target_group": term("target_group", tg), **cell}
                )
        return {
            "area": area.describe(),
            "county": {"code": county, "name": counties()[county].name},
            "ratio": ratio,
            "civil_actors": civil_actors,
            "cells_total": len(area_terms) * len(group_terms),
            "gaps": gaps,
            "unknown_cells": unknown,
            "target_group_coverage": _target_group_coverage(
                place_grouped[area.municipality_code] if area.municipality_code else county_grouped,
                place_actors[area.municipality_code] if area.municipality_code else county_actors,
                min_share,
            ),
            "cells": cells_out,
        }

    def brokers(
        self,
        municipality_code: str | None = None,
        county_code: str | None = None,
        *,
        limit: int = 20,
        max_sources: int = 300,
        work_budget: int = 2_000_000,
        valid_at: dt.date | None = None,
    ) -> dict[str, Any]:
        """Actors ranked by betweenness on shortest paths from public to civil actors in the area.

        Each public source costs one breadth-first pass over the graph (nodes + edges), so the number
        of sources is capped by `max_sources` and by `work_budget` (nodes + edges × sources; about
        a quarter of a second of igraph on this project's 2-core build machine, which keeps
        Stockholm within the one second the product promises); above the cap a fixed-seed sample
        of sources is used, which estimates the same ranking, and `sampled_sources` says so."""
        area = area_of(municipality_code, county_code)
        at = valid_at or dt.date.today()
        halves = self.graph.read_plain_split(_AREA_GRAPH, 2, **area.params, at=at)
        rows: list[list[Any]] = [row for half in halves if half for row in half["rows"]]
        sector = {row[0]: row[2] for row in rows}  # the area's actors, by element id
        actor_id: dict[str, str] = {row[0]: row[1] for row in rows}
        ids = list(sector)
        index = {eid: i for i, eid in enumerate(ids)}
        pairs: list[tuple[int, int]] = []
        for eid, _, _, actor_links, node_links in rows:
            here = index[eid]
            # Actors outside the area are left out; agreements, arenas and challenges are kept, since
            # an arena is exactly the kind of place that bridges.
            pairs.extend((here, index[o]) for o in actor_links if o in sector)
            for other in node_links:
                there = index.get(other)
                if there is None:
                    there = index[other] = len(ids)
                    ids.append(other)
                pairs.append((here, there))
        graph = ig.Graph(n=len(ids), edges=pairs)
        graph.simplify()  # one undirected edge per pair, no loops
        degree = graph.degree()
        public = sorted(
            (e for e, s in sector.items() if s == "public" and degree[index[e]] > 0), key=lambda e: actor_id[e]
        )
        civil = [e for e, s in sector.items() if s == "civil" and degree[index[e]] > 0]
        size = graph.vcount() + graph.ecount()
        cap = min(max_sources, max(8, work_budget // max(size, 1)))
        sampled = len(public) > cap
        # A fixed seed keeps the sample, and so the answer, repeatable.
        sources = random.Random(0).sample(public, cap) if sampled else public  # noqa: S311
        raw: list[float] = []
        scale = 1.0
        if sources and civil:
            raw = graph.betweenness(
                directed=False, sources=[index[s] for s in sources], targets=[index[c] for c in civil]
            )
            # The normalisation networkx's betweenness_centrality_subset(normalized=True) applies
            # (it counts each undirected source-target path in both directions, igraph once).
            vertices = graph.vcount()
            scale = 2.0 / ((vertices - 1) * (vertices - 2)) if vertices > 2 else 2.0

        def best(vertices: range) -> list[tuple[str, float]]:
            """The `limit` highest positive scores among `vertices`, ties broken by id. Only these are
            described (their neighbours counted): sorting all of Stockholm cost more than this."""
            if not raw:
                return []
            leaders = heapq.nlargest(limit, vertices, key=raw.__getitem__)
            if not leaders:
                return []
            floor = max(raw[leaders[-1]], sys.float_info.min)  # ties at the cut are all considered
            tied = [i for i in vertices if raw[i] >= floor]
            tied.sort(key=lambda i: (-raw[i], actor_id.get(ids[i], ids[i])))
            return [(ids[i], raw[i] * scale) for i in tied[:limit]]

        top_actors = best(range(len(sector)))  # the area's actors come first in `ids`
        top_nodes = best(range(len(sector), len(ids)))
        described = self.graph.read_plain_one(_DESCRIBE, eids=[n for n, _ in top_actors + top_nodes])
        facts = {r["eid"]: r for r in (described["rows"] if described else [])}
        # A node deleted since the first statement is simply not listed.
        top_actors = [(n, score) for n, score in top_actors if n in facts]
        top_nodes = [(n, score) for n, score in top_nodes if n in facts]
        ranked: list[dict[str, Any]] = []
        for node, score in top_actors:
            neighbours = [ids[i] for i in graph.neighbors(index[node])]
            ranked.append(
                {
                    "actor": {k: facts[node][k] for k in ("id", "name", "sector", "kind", "municipality_code")},
                    "score": round(score, 6),
                    "degree": len(neighbours),
                    "public_neighbours": sum(1 for n in neighbours if sector.get(n) == "public"),
                    "civil_neighbours": sum(1 for n in neighbours if sector.get(n) == "civil"),
                }
            )
        bridges = [
            {
                "id": facts[node]["id"],
                "label": facts[node]["label"],
                "name": facts[node]["name"],
                "score": round(score, 6),
                "degree": graph.degree(index[node]),
            }
            for node, score in top_nodes
        ]
        return {
            "area": area.describe(),
            "actors": len(sector),
            "edges": graph.ecount(),
            "public_sources": len(public),
            "sampled_sources": len(sources) if sampled else None,
            "civil_targets": len(civil),
            "brokers": ranked,
            "bridging_arenas_and_agreements": bridges,
        }

    def isolated(
        self,
        municipality_code: str | None = None,
        county_code: str | None = None,
        *,
        sector: str | None = None,
        skip: int = 0,
        limit: int = 50,
        valid_at: dt.date | None = None,
    ) -> dict[str, Any]:
        """Actors in the area with no collaboration relationship valid on the day (memberships and
        location do not count), alphabetically."""
        area = area_of(municipality_code, county_code)
        params = {**area.params, "sector": sector, "at": valid_at or dt.date.today()}
        total_row = self.graph.read_one(_ISOLATED_COUNT, **params)
        area_row = self.graph.read_one(_AREA_COUNT, **params)
        rows = self.graph.read(_ISOLATED, skip=skip, limit=limit, **params)
        return {
            "area": area.describe(),
            "actors_in_area": int(area_row["total"]) if area_row else 0,
            "total": int(total_row["total"]) if total_row else 0,
            "items": [{**r["actor"], "memberships": int(r["memberships"])} for r in rows],
        }

    def power(
        self,
        municipality_code: str | None = None,
        county_code: str | None = None,
        *,
        year: int | None = None,
        limit: int = 50,
        valid_at: dt.date | None = None,
    ) -> dict[str, Any]:
        """Power dependencies and money flows touching the area: who holds power over whom (with
        which resource and how strongly) and how much money flows from whom to whom, by form."""
        area = area_of(municipality_code, county_code)
        at = valid_at or dt.date.today()
        power_rows = self.graph.read(_POWER, **area.params, at=at)
        money_rows = self.graph.read(_MONEY, **area.params, at=at, year=year)

        holders: dict[str, dict[str, Any]] = {}
        for r in power_rows:
            h = holders.setdefault(
                r["holder"]["id"], {"actor": r["holder"], "dependents": 0, "total_strength": 0, "resources": set()}
            )
            h["dependents"] += 1
            h["total_strength"] += int(r["strength"] or 0)
            if r["resource"]:
                h["resources"].add(r["resource"])
        holder_list = sorted(
            holders.values(), key=lambda h: (-h["total_strength"], -h["dependents"], h["actor"]["name"])
        )
        for h in holder_list:
            h["resources"] = sorted(h["resources"], key=lambda x: RESOURCES.index(x) if x in RESOURCES else 99)

        total = 0
        by_form: Counter[str] = Counter()
        by_recipient_sector: Counter[str] = Counter()
        funders: dict[str, dict[str, Any]] = {}
        recipients: dict[str, dict[str, Any]] = {}
        for r in money_rows:
            amount = int(r["amount_sek"] or 0)
            total += amount
            by_form[r["form"] or "other"] += amount
            by_recipient_sector[r["recipient"]["sector"] or "unknown"] += amount
            f = funders.setdefault(r["funder"]["id"], {"actor": r["funder"], "amount_sek": 0, "recipients": 0})
            f["amount_sek"] += amount
            f["recipients"] += 1
            rc = recipients.setdefault(r["recipient"]["id"], {"actor": r["recipient"], "amount_sek": 0, "funders": 0})
            rc["amount_sek"] += amount
            rc["funders"] += 1
        flows = sorted(
            (
                {
                    "id": r["id"],
                    "funder": r["funder"],
                    "recipient": r["recipient"],
                    "amount_sek": r["amount_sek"],
                    "year": r["year"],
                    "form": r["form"],
                }
                for r in money_rows
            ),
            key=lambda f: (-(f["amount_sek"] or 0), f["id"] or ""),
        )
        dependencies = sorted(
            (
                {
                    "id": r["id"],
                    "holder": r["holder"],
                    "dependent": r["dependent"],
                    "resource": r["resource"],
                    "strength": r["strength"],
                }
                for r in power_rows
            ),
            key=lambda d: (-(d["strength"] or 0), d["holder"]["name"] or "", d["dependent"]["name"] or ""),
        )
        return {
            "area": area.describe(),
            "year": year,
            "power_holders": holder_list[:limit],
            "dependencies": dependencies[:limit],
            "dependencies_total": len(dependencies),
            "money": {
                "total_sek": total,
                "by_form": [
                    {"form": FUNDING_FORMS[k].to_dict() if k in FUNDING_FORMS else {"id": k}, "amount_sek": v}
                    for k, v in by_form.most_common()
                ],
                "by_recipient_sector": [{"sector": k, "amount_sek": v} for k, v in by_recipient_sector.most_common()],
                "funders": sorted(funders.values(), key=lambda f: -f["amount_sek"])[:limit],
                "recipients": sorted(recipients.values(), key=lambda f: -f["amount_sek"])[:limit],
                "flows": flows[:limit],
                "flows_total": len(flows),
            },
        }

    def readiness(self, a_id: str, b_id: str, *, valid_at: dt.date | None = None) -> dict[str, Any]:
        """The five-factor readiness heuristic for a pair of actors (see `score_readiness`)."""
        if a_id == b_id:
            raise InvalidError("Ange två olika aktörer / Give two different actors.")
        row = self.graph.read_one(_PAIR, a=a_id, b=b_id, at=valid_at or dt.date.today())
        if row is None:
            raise NotFoundError("Aktören finns inte / Actor not found.")
        return score_readiness(plain(row))
