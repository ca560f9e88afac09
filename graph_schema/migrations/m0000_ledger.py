"""The migration ledger itself: one node per applied migration, keyed by its number."""

from typing import LiteralString

from graph_schema.contract import Label as L

DESCRIPTION = "Ledger of applied migrations"

STATEMENTS: list[LiteralString] = [
    f"CREATE CONSTRAINT schema_migration_id IF NOT EXISTS FOR (n:{L.SCHEMA_MIGRATION}) REQUIRE n.id IS UNIQUE",
]
