"""Import sources by name: a source name is bound to one register (format, municipality)."""

from typing import LiteralString

from graph_schema.contract import Label as L

DESCRIPTION = "ImportSource name key (a source name bound to its register's format and municipality)"

STATEMENTS: list[LiteralString] = [
    f"CREATE CONSTRAINT import_source_name IF NOT EXISTS FOR (n:{L.IMPORT_SOURCE}) REQUIRE n.name IS UNIQUE",
]
