"""Entity resolution's blocking keys are looked up in the importer's memory (importers.match_index):
the keyword full-text index over `match_keys` (m0014) is dropped, so no commit pays for its upkeep."""

from typing import LiteralString

DESCRIPTION = "drop actor_match: blocking keys are looked up in the importer's memory, not by full text"

STATEMENTS: list[LiteralString] = [
    "DROP INDEX actor_match IF EXISTS",
]
