"""Importers: keys of source records, import runs and review items; the entity-resolution blocking index."""

from typing import LiteralString

from graph_schema.contract import Label as L

DESCRIPTION = "SourceRecord, ImportRun and ReviewItem keys; review status and actor name-key indexes"

STATEMENTS: list[LiteralString] = [
    f"CREATE CONSTRAINT source_record_key IF NOT EXISTS FOR (n:{L.SOURCE_RECORD}) REQUIRE n.key IS UNIQUE",
    f"CREATE CONSTRAINT import_run_id IF NOT EXISTS FOR (n:{L.IMPORT_RUN}) REQUIRE n.id IS UNIQUE",
    f"CREATE CONSTRAINT review_item_id IF NOT EXISTS FOR (n:{L.REVIEW_ITEM}) REQUIRE n.id IS UNIQUE",
    f"CREATE INDEX review_item_status IF NOT EXISTS FOR (n:{L.REVIEW_ITEM}) ON (n.status, n.created_at)",
    # Entity resolution looks candidates up by name key within a county, one batch at a time.
    f"CREATE INDEX actor_name_key IF NOT EXISTS FOR (n:{L.ACTOR}) ON (n.name_key)",
]
