"""Entity resolution's blocking keys: a keyword full-text index over each actor's `match_keys` list."""

from typing import LiteralString

from graph_schema.contract import Label as L

DESCRIPTION = "actor_match: keyword full-text index on Actor.match_keys (importers' candidate lookup)"

STATEMENTS: list[LiteralString] = [
    # A range index cannot find an actor by one element of a list; a full-text index with the
    # keyword analyzer indexes each whole key of the list as one term ("e:info@x.se", "n:kuml pro").
    # Actors written before this migration get their keys from the importer's backfill.
    f"CREATE FULLTEXT INDEX actor_match IF NOT EXISTS FOR (n:{L.ACTOR}) ON EACH [n.match_keys] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'keyword'}}",
]
