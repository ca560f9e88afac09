"""Collaboration model: keys of agreements, arenas, meetings and challenges; ids on relationships."""

from typing import LiteralString

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R

DESCRIPTION = "Agreement, Arena, Meeting, Challenge keys; unique ids on collaboration relationships"

STATEMENTS: list[LiteralString] = [
    f"CREATE CONSTRAINT agreement_id IF NOT EXISTS FOR (n:{L.AGREEMENT}) REQUIRE n.id IS UNIQUE",
    f"CREATE CONSTRAINT arena_id IF NOT EXISTS FOR (n:{L.ARENA}) REQUIRE n.id IS UNIQUE",
    f"CREATE CONSTRAINT meeting_id IF NOT EXISTS FOR (n:{L.MEETING}) REQUIRE n.id IS UNIQUE",
    f"CREATE CONSTRAINT challenge_id IF NOT EXISTS FOR (n:{L.CHALLENGE}) REQUIRE n.id IS UNIQUE",
    f"CREATE INDEX arena_municipality IF NOT EXISTS FOR (n:{L.ARENA}) ON (n.municipality_code)",
    f"CREATE INDEX meeting_date IF NOT EXISTS FOR (n:{L.MEETING}) ON (n.date)",
    # The API addresses a relationship by its id; a uniqueness constraint per type gives the
    # index that lookup needs and guards against a reused id.
    f"CREATE CONSTRAINT depends_on_id IF NOT EXISTS FOR ()-[r:{R.DEPENDS_ON}]-() REQUIRE r.id IS UNIQUE",
    f"CREATE CONSTRAINT funds_id IF NOT EXISTS FOR ()-[r:{R.FUNDS}]-() REQUIRE r.id IS UNIQUE",
    f"CREATE CONSTRAINT perceives_id IF NOT EXISTS FOR ()-[r:{R.PERCEIVES}]-() REQUIRE r.id IS UNIQUE",
    f"CREATE CONSTRAINT party_to_id IF NOT EXISTS FOR ()-[r:{R.PARTY_TO}]-() REQUIRE r.id IS UNIQUE",
    f"CREATE CONSTRAINT participates_in_id IF NOT EXISTS FOR ()-[r:{R.PARTICIPATES_IN}]-() REQUIRE r.id IS UNIQUE",
    f"CREATE CONSTRAINT engaged_in_id IF NOT EXISTS FOR ()-[r:{R.ENGAGED_IN}]-() REQUIRE r.id IS UNIQUE",
    # Listing relationships by kind (all power relations, all competition) without a scan.
    f"CREATE INDEX depends_on_kind IF NOT EXISTS FOR ()-[r:{R.DEPENDS_ON}]-() ON (r.kind)",
]
