"""The import lock: one ImportLock per source, unique, so that two imports of a source wait for each other."""

from typing import LiteralString

from graph_schema.contract import Label as L

DESCRIPTION = "ImportLock source key (imports of one source run one at a time)"

STATEMENTS: list[LiteralString] = [
    # The uniqueness is the lock: a second transaction merging the same source waits on the
    # constraint's index entry until the first ends (registry.dao.imports.ImportLock).
    f"CREATE CONSTRAINT import_lock_source IF NOT EXISTS FOR (n:{L.IMPORT_LOCK}) REQUIRE n.source IS UNIQUE",
]
