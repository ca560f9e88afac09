"""Actor search: accent-folded full text, place tokens in both full-text indexes, coordinates, sort keys, filters."""

from typing import LiteralString

from graph_schema.contract import Label as L

DESCRIPTION = "Full-text index actor_search (folded) and actor_fulltext (swedish) with places; location, sort, filters"

STATEMENTS: list[LiteralString] = [
    # The swedish analyzer of m0001 stems but neither folds å/ä/ö nor splits compounds. The
    # derived fields below are folded and compound-split in Python (registry.domain.actor), so a
    # whitespace analyzer keeps exactly those tokens, and prefix and fuzzy terms can match them.
    f"CREATE FULLTEXT INDEX actor_search IF NOT EXISTS FOR (n:{L.ACTOR}) "
    "ON EACH [n.search_name, n.search_text, n.search_place] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace'}}",
    # The swedish index of m0001 again, with the place tokens too, so that a text search in an
    # area is cut down inside Lucene there as well (registry.domain.actor.place_tokens).
    "DROP INDEX actor_fulltext IF EXISTS",
    f"CREATE FULLTEXT INDEX actor_fulltext IF NOT EXISTS FOR (n:{L.ACTOR}) "
    "ON EACH [n.name, n.alt_names_text, n.activities, n.description, n.search_place] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'swedish'}}",
    f"CREATE POINT INDEX actor_location IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.location)",
    f"CREATE INDEX actor_name_sort IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.name_sort)",
    f"CREATE INDEX actor_updated_at IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.updated_at)",
    f"CREATE INDEX actor_postal_code IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.postal_code)",
    f"CREATE INDEX actor_county IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.county_code)",
    f"CREATE CONSTRAINT contact_person_id IF NOT EXISTS FOR (n:{L.CONTACT_PERSON}) REQUIRE n.id IS UNIQUE",
]
