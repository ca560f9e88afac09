"""Core constraints and indexes: actors, municipalities, counties, taxonomies, Swedish full text."""

from typing import LiteralString

from graph_schema.contract import Label as L

DESCRIPTION = "Actor, Municipality, County, InterestArea, TargetGroup keys; Swedish full-text index on actors"

STATEMENTS: list[LiteralString] = [
    f"CREATE CONSTRAINT actor_id IF NOT EXISTS FOR (n:{L.ACTOR}) REQUIRE n.id IS UNIQUE",
    # Unique constraints skip nodes without the property: most associations have no org number.
    f"CREATE CONSTRAINT actor_org_number IF NOT EXISTS FOR (n:{L.ACTOR}) REQUIRE n.org_number IS UNIQUE",
    f"CREATE CONSTRAINT municipality_code IF NOT EXISTS FOR (n:{L.MUNICIPALITY}) REQUIRE n.code IS UNIQUE",
    f"CREATE CONSTRAINT county_code IF NOT EXISTS FOR (n:{L.COUNTY}) REQUIRE n.code IS UNIQUE",
    f"CREATE CONSTRAINT interest_area_id IF NOT EXISTS FOR (n:{L.INTEREST_AREA}) REQUIRE n.id IS UNIQUE",
    f"CREATE CONSTRAINT target_group_id IF NOT EXISTS FOR (n:{L.TARGET_GROUP}) REQUIRE n.id IS UNIQUE",
    f"CREATE INDEX actor_name IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.name)",
    f"CREATE INDEX actor_sector_kind IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.sector, n.kind)",
    f"CREATE INDEX actor_municipality IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.municipality_code)",
    f"CREATE INDEX municipality_name IF NOT EXISTS FOR (n:{L.MUNICIPALITY}) ON (n.name)",
    f"CREATE FULLTEXT INDEX actor_fulltext IF NOT EXISTS FOR (n:{L.ACTOR}) "
    "ON EACH [n.name, n.alt_names_text, n.activities, n.description] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'swedish'}}",
]
