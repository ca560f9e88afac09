"""Erased people's keyed hashes (kept out of imports); actors by name key within a county (entity resolution)."""

from typing import LiteralString

from graph_schema.contract import Label as L

DESCRIPTION = "ErasedContact hash key (erased people stay out of imports); actor name key + county index"

STATEMENTS: list[LiteralString] = [
    f"CREATE CONSTRAINT erased_contact_hash IF NOT EXISTS FOR (n:{L.ERASED_CONTACT}) REQUIRE n.hash IS UNIQUE",
    # Resolution only matches within the record's county: a name shared across the country
    # (Bildningsförbundet Linden) must not make every batch read all its namesakes.
    f"CREATE INDEX actor_name_key_county IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.name_key, n.county_code)",
]
