"""Applies the numbered migrations in `graph_schema/migrations/` and records them in a ledger.

Safe to rerun: applied migrations are skipped, statements use IF NOT EXISTS, and a
migration is recorded only after all its statements succeeded, so an interrupted run
simply continues where it stopped.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import LiteralString

from neo4j import Driver

from graph_schema import migrations as migrations_pkg
from graph_schema.contract import Label as L
from graph_schema.refdata import ReferenceResult, load_reference

_MODULE = re.compile(r"^m(\d{4})_(\w+)$")


@dataclass(frozen=True)
class Migration:
    id: int
    name: str
    description: str
    statements: tuple[LiteralString, ...]

    @property
    def checksum(self) -> str:
        return hashlib.sha256("\n;\n".join(self.statements).encode()).hexdigest()[:16]


@dataclass
class MigrateResult:
    applied: list[Migration] = field(default_factory=list)
    already: list[Migration] = field(default_factory=list)
    changed_checksums: list[Migration] = field(default_factory=list)
    reference: ReferenceResult | None = None

    @property
    def changed_anything(self) -> bool:
        return bool(self.applied) or bool(
            self.reference and (self.reference.changed or self.reference.taxonomy_created)
        )


def discover() -> list[Migration]:
    found: list[Migration] = []
    for info in pkgutil.iter_modules(migrations_pkg.__path__):
        match = _MODULE.match(info.name)
        if not match:
            continue
        module = importlib.import_module(f"{migrations_pkg.__name__}.{info.name}")
        found.append(Migration(int(match.group(1)), match.group(2), module.DESCRIPTION, tuple(module.STATEMENTS)))
    found.sort(key=lambda m: m.id)
    ids = [m.id for m in found]
    if len(ids) != len(set(ids)):
        raise RuntimeError(f"two migrations share a number: {ids}")
    return found


_APPLIED: LiteralString = f"MATCH (m:{L.SCHEMA_MIGRATION}) RETURN m.id AS id, m.checksum AS checksum"
_RECORD: LiteralString = f"""
MERGE (m:{L.SCHEMA_MIGRATION} {{id: $id}})
ON CREATE SET m.name = $name, m.description = $description, m.checksum = $checksum, m.applied_at = $at
"""


def run_statement(driver: Driver, database: str, statement: LiteralString) -> None:
    """One migration statement in a transaction of its own, or, for a data migration written as
    `CALL { ... } IN TRANSACTIONS`, in the implicit transaction Neo4j requires for it: one
    transaction over 250,000 actors passes the server's 1 GiB transaction memory limit."""
    if "IN TRANSACTIONS" in statement:
        with driver.session(database=database) as session:
            session.run(statement).consume()
    else:
        driver.execute_query(statement, database_=database)


def migrate(driver: Driver, database: str, *, reference: bool = True) -> MigrateResult:
    result = MigrateResult()
    all_migrations = discover()
    # The ledger's own constraint first, so recording is safe even on an empty database.
    for statement in all_migrations[0].statements:
        driver.execute_query(statement, database_=database)
    records, _, _ = driver.execute_query(_APPLIED, database_=database)
    applied = {int(r["id"]): r["checksum"] for r in records}
    for migration in all_migrations:
        if migration.id in applied:
            result.already.append(migration)
            if applied[migration.id] != migration.checksum:
                result.changed_checksums.append(migration)
            continue
        # Schema statements cannot share a transaction with writes: each runs on its own.
        for statement in migration.statements:
            run_statement(driver, database, statement)
        driver.execute_query(
            _RECORD,
            id=migration.id,
            name=migration.name,
            description=migration.description,
            checksum=migration.checksum,
            at=datetime.now(UTC).isoformat(timespec="seconds"),
            database_=database,
        )
        result.applied.append(migration)
    if reference:
        driver.execute_query("CALL db.awaitIndexes(300)", database_=database)
        result.reference = load_reference(driver, database)
    return result
