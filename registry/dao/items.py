"""What the agreement, arena, meeting and challenge DAOs do alike: read one item or a page of them,
take an item's write lock and check the version the caller saw (the registry's one write-lock
idiom: lock first, then compare, then write, all in one transaction), and record the audit event
of a write, always, with the writer every write takes.

Every write lock in the DAO layer comes from `lock_statement` (these items, relationships and the
nodes at their ends, actors, review items): it sets and removes a property on the item, which takes
Neo4j's write lock on it until the transaction ends (nothing is left behind to undo).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, LiteralString

from neo4j import ManagedTransaction

from registry.dao.audit import record_audit
from registry.db import Graph
from registry.domain.relationships import InvalidError, NotFoundError, StaleError
from registry.identity import Writer

# The API answers a lost race with its one 412 wording (registry.api._crud); this is for other callers.
STALE = "Posten har ändrats sedan du läste den / The item changed since you read it."


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int


def lock_statement(
    match: LiteralString, var: LiteralString, returns: LiteralString, *, then: LiteralString = ""
) -> LiteralString:
    """`match` (which binds `var`), then the write lock on `var`, then what is read under it (`then`,
    e.g. `WITH var OPTIONAL MATCH ...`), then `RETURN returns`."""
    return f"{match} SET {var}.lock_ = true REMOVE {var}.lock_ {then} RETURN {returns}"


def link_each(
    node: LiteralString,
    items: LiteralString,
    label: LiteralString,
    key: LiteralString,
    rel: LiteralString,
    *,
    scope: LiteralString | None = None,
    verb: LiteralString = "MERGE",
) -> LiteralString:
    """A Cypher subquery (over `scope`, default `node`) linking `node` by `rel` to every `label` node
    whose `key` is in the list `items` (an expression: `row.interest_areas`, `$county_codes`);
    unknown ids link nothing. `verb` CREATE for a node known to be new (nothing to merge with)."""
    return f"""CALL ({scope or node}) {{
  UNWIND {items} AS each
  MATCH (t:{label} {{{key}: each}})
  {verb} ({node})-[:{rel}]->(t)
}}
"""


def one(graph: Graph, query: LiteralString, not_found: str, **params: Any) -> dict[str, Any]:
    """The one row `query` finds; NotFoundError (404) with `not_found` when there is none."""
    row = graph.read_one(query, **params)
    if row is None:
        raise NotFoundError(not_found)
    return row


@dataclass(frozen=True)
class Reads:
    """How a kind of item is read: its 404 wording, the statements that read one (`get`, with `$id`)
    and a page of them (`count`, `search`), how a row becomes an item, and the search's keywords
    (`filters`: the DAO's keyword -> the statements' parameter)."""

    not_found: str
    get: LiteralString
    count: LiteralString
    search: LiteralString
    build: Callable[[dict[str, Any]], dict[str, Any]]
    filters: Mapping[str, str]


def page(graph: Graph, reads: Reads, params: Mapping[str, Any], *, skip: int, limit: int) -> Page:
    """One page of `reads.search`'s rows (built by `reads.build`) with `reads.count`'s total of all of them."""
    total_row = graph.read_one(reads.count, **params)
    rows = graph.read(reads.search, skip=skip, limit=limit, **params)
    return Page([reads.build(r) for r in rows], int(total_row["total"]) if total_row else 0)


class ItemDao:
    """The reads every agreement, arena and challenge DAO has, from its `reads`."""

    reads: ClassVar[Reads]

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def get(self, item_id: str) -> dict[str, Any]:
        reads = self.reads
        return reads.build(one(self.graph, reads.get, reads.not_found, id=item_id))

    def search(self, *, skip: int = 0, limit: int = 50, **filters: Any) -> Page:
        """A page of the items matching `filters` (keywords of `reads.filters`; None: any)."""
        reads = self.reads
        unknown = sorted(filters.keys() - reads.filters.keys())
        if unknown:
            raise TypeError(f"{type(self).__name__}.search() got unexpected keywords {unknown}")
        params = {param: filters.get(keyword) for keyword, param in reads.filters.items()}
        return page(self.graph, reads, params, skip=skip, limit=limit)


def lock(tx: ManagedTransaction, query: LiteralString, not_found: str, **params: Any) -> dict[str, Any]:
    """Takes the item's write lock with `query`; NotFoundError when there is no such item."""
    row = tx.run(query, **params).single()
    if row is None:
        raise NotFoundError(not_found)
    return row.data()


def lock_version(
    tx: ManagedTransaction,
    query: LiteralString,
    not_found: str,
    expected_version: int,
    *,
    stale: str = STALE,
    **params: Any,
) -> dict[str, Any]:
    """`lock`, then StaleError (412, with `stale`) unless the item is still at the version the caller read."""
    row = lock(tx, query, not_found, **params)
    if int(row["version"] or 0) != expected_version:
        raise StaleError(stale)
    return row


def check_dates(props: Mapping[str, Any]) -> None:
    """InvalidError (422) when `valid_to` does not come after `valid_from`."""
    valid_from, valid_to = props.get("valid_from"), props.get("valid_to")
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise InvalidError(
            "Slutdatum måste komma efter startdatum / valid_to must be after valid_from.",
            {"valid_to": ["Måste vara efter valid_from / Must be after valid_from."]},
        )


def created_count(graph: Graph, upsert: LiteralString, **params: Any) -> int:
    """Runs a trusted merge (demo data, generators) whose one row counts what it created: `created`."""
    result = graph.write(upsert, **params)
    return int(result[0]["created"]) if result else 0


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
