"""Copies of an actor's interest areas and target groups as list properties, written with the links.

Actor-wide analyses read them instead of traversing to each term (see `interest_area_mirror`).
"""

from __future__ import annotations

from typing import LiteralString

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R


def interest_area_mirror(var: LiteralString) -> LiteralString:
    """Copies the actor's WORKS_ON terms into `interest_area_ids`, sorted. The welfare-gap table reads
    every civil actor of a county; a list property is read there in a fraction of the time a
    traversal to each term takes (the whole table for Stockholm county at 250k actors: 0.9 -> 0.4 s).
    Every writer of WORKS_ON ends with this, in the same transaction."""
    return f"""
CALL ({var}) {{
  SET {var}.interest_area_ids = COLLECT {{
    MATCH ({var})-[:{R.WORKS_ON}]->(t:{L.INTEREST_AREA}) RETURN DISTINCT t.id AS id ORDER BY id
  }}
}}
"""


def target_group_mirror(var: LiteralString) -> LiteralString:
    """The same for SERVES and `target_group_ids`."""
    return f"""
CALL ({var}) {{
  SET {var}.target_group_ids = COLLECT {{
    MATCH ({var})-[:{R.SERVES}]->(t:{L.TARGET_GROUP}) RETURN DISTINCT t.id AS id ORDER BY id
  }}
}}
"""
