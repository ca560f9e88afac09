"""Place tokens in both actor full-text indexes, so a text search limited to an area is cut down inside Lucene."""

from typing import LiteralString

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R

DESCRIPTION = "actor_search and actor_fulltext also index search_place (m1881 c18: seat, ACTIVE_IN, their counties)"

STATEMENTS: list[LiteralString] = [
    # Actors written before this migration get their place tokens here; writers from now on
    # store them with the other derived fields (registry.domain.actor.derived_fields).
    f"""
MATCH (a:{L.ACTOR}) WHERE a.search_place IS NULL
OPTIONAL MATCH (a)-[:{R.LOCATED_IN}|{R.ACTIVE_IN}]->(m:{L.MUNICIPALITY})
WITH a, collect(DISTINCT m.code) AS codes, collect(DISTINCT m.county_code) AS counties
SET a.search_place = trim(reduce(s = '', c IN codes | s + ' m' + c) + reduce(s = '', c IN counties | s + ' c' + c))
""",
    "DROP INDEX actor_search IF EXISTS",
    f"CREATE FULLTEXT INDEX actor_search IF NOT EXISTS FOR (n:{L.ACTOR}) "
    "ON EACH [n.search_name, n.search_text, n.search_place] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace'}}",
    "DROP INDEX actor_fulltext IF EXISTS",
    f"CREATE FULLTEXT INDEX actor_fulltext IF NOT EXISTS FOR (n:{L.ACTOR}) "
    "ON EACH [n.name, n.alt_names_text, n.activities, n.description, n.search_place] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'swedish'}}",
]
