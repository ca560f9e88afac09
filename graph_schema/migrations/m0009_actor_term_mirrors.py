"""Actors' interest areas and target groups copied into list properties for actor-wide analyses."""

from typing import LiteralString

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R

DESCRIPTION = "Actor.interest_area_ids and Actor.target_group_ids mirror WORKS_ON and SERVES (welfare gaps)"

STATEMENTS: list[LiteralString] = [
    # Actors written before this migration get their copies here; writers from now on keep them
    # (registry.dao.term_mirrors). In batches: one transaction over a national register passes the
    # server's transaction memory limit. A run that stops half way continues with the rest.
    f"""
MATCH (a:{L.ACTOR}) WHERE a.interest_area_ids IS NULL OR a.target_group_ids IS NULL
CALL (a) {{
  SET a.interest_area_ids = COLLECT {{
        MATCH (a)-[:{R.WORKS_ON}]->(t:{L.INTEREST_AREA}) RETURN DISTINCT t.id AS id ORDER BY id
      }},
      a.target_group_ids = COLLECT {{
        MATCH (a)-[:{R.SERVES}]->(t:{L.TARGET_GROUP}) RETURN DISTINCT t.id AS id ORDER BY id
      }}
}} IN TRANSACTIONS OF 10000 ROWS
""",
]
