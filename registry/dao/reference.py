"""Reference places: municipalities and counties with how many active actors each has."""

from __future__ import annotations

from typing import Any, LiteralString

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.db import Graph

# An actor counts in every municipality it is seated or active in, once per place.
_MUNICIPALITIES: LiteralString = f"""
MATCH (m:{L.MUNICIPALITY})
WHERE $county IS NULL OR m.county_code = $county
RETURN m.code AS code, m.name AS name, m.official_name AS official_name, m.county_code AS county_code,
  COUNT {{
    MATCH (a:{L.ACTOR})-[:{R.LOCATED_IN}|{R.ACTIVE_IN}]->(m) WHERE coalesce(a.archived, false) = false
    RETURN DISTINCT a
  }} AS actor_count
ORDER BY m.code
"""

_COUNTIES: LiteralString = f"""
MATCH (c:{L.COUNTY})
RETURN c.code AS code, c.name AS name, c.short_name AS short_name,
  COUNT {{ (:{L.MUNICIPALITY})-[:{R.IN_COUNTY}]->(c) }} AS municipality_count,
  COUNT {{
    MATCH (a:{L.ACTOR})-[:{R.LOCATED_IN}|{R.ACTIVE_IN}]->(:{L.MUNICIPALITY})-[:{R.IN_COUNTY}]->(c)
    WHERE coalesce(a.archived, false) = false
    RETURN DISTINCT a
  }} AS actor_count
ORDER BY c.code
"""


class ReferenceDao:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def municipalities(self, county: str | None = None) -> list[dict[str, Any]]:
        return self.graph.read(_MUNICIPALITIES, county=county)

    def counties(self) -> list[dict[str, Any]]:
        return self.graph.read(_COUNTIES)
