"""What the agreement, arena, meeting and challenge DAOs do alike: read one item or a page of them,
take an item's write lock and check the version the caller saw (the registry's one write-lock
idiom: lock first, then compare, then write, all in one transaction), and record the audit event
of a write, always, with the writer every write takes.

Each DAO's lock statement comes from `lock_statement`: it sets and removes a property on the item,
which takes Neo4j's write lock on it until the transaction ends (nothing is left behind to undo).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from registry.dao.audit import record_audit
from registry.dao.relationships import Page
from registry.db import Graph
from registry.domain.relationships import NotFoundError, StaleError
from registry.identity import Writer

# The API answers a lost race with its one 412 wording (registry.api._crud); this is for other callers.
STALE = "Posten har ändrats sedan du läste den / The item changed since you read it."


def lock_statement(match: LiteralString, var: LiteralString, returns: LiteralString) -> LiteralString:
    """`match` (which binds `var`), then the write lock on `var`, then `RETURN returns`."""
    return f"{match} SET {var}.lock_ = true REMOVE {var}.lock_ RETURN {returns}"


def one(graph: Graph, query: LiteralString, not_found: str, **params: Any) -> dict[str, Any]:
    """The one row `query` finds; NotFoundError (404) with `not_found` when there is none."""
    row = graph.read_one(query, **params)
    if row is None:
        raise NotFoundError(not_found)
    return row


def page(
    graph: Graph,
    count: LiteralString,
    search: LiteralString,
    params: Mapping[str, Any],
    build: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    skip: int,
    limit: int,
) -> Page:
    """One page of `search`'s rows (built by `build`) with `count`'s total of all of them."""
    total_row = graph.read_one(count, **params)
    rows = graph.read(search, skip=skip, limit=limit, **params)
    return Page([build(r) for r in rows], int(total_row["total"]) if total_row else 0)


def lock(tx: ManagedTransaction, query: LiteralString, not_found: str, **params: Any) -> dict[str, Any]:
    """Takes the item's write lock with `query`; NotFoundError when there is no such item."""
    row = tx.run(query, **params).single()
    if row is None:
        raise NotFoundError(not_found)
    return row.data()


def lock_version(
    tx: ManagedTransaction, query: LiteralString, not_found: str, expected_version: int, **params: Any
) -> dict[str, Any]:
    """`lock`, then StaleError (412) unless the item is still at the version the caller read."""
    row = lock(tx, query, not_found, **params)
    if int(row["version"] or 0) != expected_version:
        raise StaleError(STALE)
    return row


def audit(
    tx: ManagedTransaction,
    writer: Writer,
    action: str,
    label: str,
    subject_id: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    also_about: Iterable[str] = (),
) -> None:
    """The write's audit event, in its transaction (`registry.dao.audit.record_audit`)."""
    record_audit(tx, writer.principal, writer.channel, action, label, subject_id, before, after, also_about=also_about)
