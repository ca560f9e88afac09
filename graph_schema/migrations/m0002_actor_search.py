"""Actor search: accent-folded full text, coordinates, sort keys, filters and contact-person keys."""

from typing import LiteralString

from graph_schema.contract import Label as L

DESCRIPTION = "Accent-folded full-text index actor_search, point index on actor location, sort and filter indexes"

STATEMENTS: list[LiteralString] = [
    # The swedish analyzer of m0001 stems but neither folds å/ä/ö nor splits compounds. The
    # derived fields below are folded and compound-split in Python (registry.domain.actor), so a
    # whitespace analyzer keeps exactly those tokens, and prefix and fuzzy terms can match them.
    f"CREATE FULLTEXT INDEX actor_search IF NOT EXISTS FOR (n:{L.ACTOR}) "
    "ON EACH [n.search_name, n.search_text] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace'}}",
    f"CREATE POINT INDEX actor_location IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.location)",
    f"CREATE INDEX actor_name_sort IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.name_sort)",
    f"CREATE INDEX actor_updated_at IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.updated_at)",
    f"CREATE INDEX actor_postal_code IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.postal_code)",
    f"CREATE INDEX actor_county IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.county_code)",
    f"CREATE CONSTRAINT contact_person_id IF NOT EXISTS FOR (n:{L.CONTACT_PERSON}) REQUIRE n.id IS UNIQUE",
]
