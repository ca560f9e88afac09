"""Deciding the review queue and revisiting its judgements.

Accept merges the waiting record into the candidate actor; reject makes it its own actor and
keeps the two apart on every later import (a negative judgement, see `registry.dao.review`);
unsure lets it stand alone for now and leaves the item open. Each applies the record with the
same merge rule as an import (`importers.merge`), in one transaction with the decision, and
gives the record the actor it describes, so the next import of the same file finds the record
known and unchanged.

Undo splits a merge (automatic or accepted) back by source records: the record leaves the actor
with what it brought (the actor is rebuilt from its other records with the same rule) and
becomes an actor of its own; the item becomes a negative judgement.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from neo4j import ManagedTransaction

from importers.merge import STATE_PROPS, ActorState, apply_record
from importers.records import derived_id
from registry.dao.imports import ImportDao, audit_row, membership_audit_rows
from registry.dao.review import OPEN, POSITIVE, STATUSES, ReviewDao
from registry.db import Graph
from registry.identity import Writer

__all__ = [
    "STATUSES",
    "AlreadyDecidedError",
    "Decision",
    "NotUndoableError",
    "ReviewNotFoundError",
    "decide",
    "item_view",
    "undo",
]


class ReviewNotFoundError(LookupError):
    pass


class AlreadyDecidedError(Exception):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class NotUndoableError(Exception):
    """Only a merge can be undone, and only while the actor has another record to keep."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Decision:
    item_id: str
    status: str
    actor_id: str


def item_view(item: dict[str, Any]) -> dict[str, Any]:
    """An item with its record's fields parsed from the stored JSON."""
    view = dict(item)
    record = dict(view.get("record") or {})
    if record.get("fields"):
        record["fields"] = json.loads(record["fields"])
    view["record"] = record or None
    return view


def _own_state(tx: ManagedTransaction, actor_id: str) -> ActorState:
    rows = ImportDao.actor_states(tx, [actor_id], STATE_PROPS)
    return ActorState.from_graph(rows[0]) if rows else ActorState.new(actor_id)


def _audit(state: ActorState) -> list[dict[str, Any]]:
    if not state.changed:
        return []
    row = audit_row("actor.create" if state.created else "actor.update", state.id, state.before, state.audit_view())
    return [row] if row else []


def decide(
    graph: Graph,
    item_id: str,
    *,
    accept: bool | None = None,
    status: str | None = None,
    writer: Writer,
) -> Decision:
    """Decides one open item: `accepted`, `rejected` or `unsure` (`accept=True/False` are the first
    two); raises ReviewNotFoundError or AlreadyDecidedError.

    The actor change is audited in the same transaction, by `writer`.

    Accepting a record that continues an earlier record of the same register (a club renamed in a
    file without ids, queued because it shares an e-mail, phone or website with the record the file
    no longer has) makes it that record's next version: the earlier record's values are withdrawn
    and the new ones applied, so the actor takes the new name, and the earlier record is removed.
    """
    wanted = status or ("accepted" if accept else "rejected")
    if wanted not in ("accepted", "rejected", "unsure"):
        raise ValueError(wanted)

    def work(tx: ManagedTransaction) -> Decision:
        item = ReviewDao.lock(tx, item_id)
        if item is None:
            raise ReviewNotFoundError(item_id)
        if item["status"] not in OPEN:
            raise AlreadyDecidedError(item["status"])
        key, source = item["record_key"], item["source"]
        record = json.loads(item["fields"])
        target = item["candidate_id"] if wanted == "accepted" and item["candidate_id"] else derived_id("actor", key)
        state = _own_state(tx, target)
        org = record.get("org_number")
        taken = {c["org_number"]: c["id"] for c in ImportDao.candidates_by_org_number(tx, [org] if org else [])}
        previous = _previous_record(tx, item, target) if wanted == "accepted" else None
        if previous is not None:
            apply_record(state, previous["key"], source, {}, json.loads(previous["fields"]), Counter())
        apply_record(state, key, source, record, None, Counter(), taken_org_numbers=taken)
        audit = _audit(state)
        if state.changed:
            ImportDao.write_actors(tx, [state.to_row()])
        ReviewDao.decide(tx, item_id, status=wanted, actor_id=target, by=writer.principal.name)
        if previous is not None:
            ReviewDao.remove_record(tx, previous["key"])
        member_of = record.get("member_of") or {}
        if member_of.get("umbrella") and member_of["umbrella"] != target:
            changes = ImportDao.write_memberships(
                tx,
                [
                    {
                        "member": target,
                        "umbrella": member_of["umbrella"],
                        "since": member_of.get("since"),
                        "role": member_of.get("role"),
                        "source": source,
                    }
                ],
            )
            audit.extend(membership_audit_rows(changes))
        ImportDao.write_audit(tx, writer, None, audit)
        return Decision(item_id, wanted, target)

    return graph.write_tx(work)


def _previous_record(tx: ManagedTransaction, item: dict[str, Any], actor_id: str) -> dict[str, Any] | None:
    """The earlier record of the same register that a queued rename continues, if it is still on the actor."""
    previous_key = item.get("previous_key")
    if not previous_key or previous_key == item["record_key"]:
        return None
    for other in ReviewDao.records_of(tx, actor_id):
        if other["key"] == previous_key and other["source"] == item["source"] and other.get("fields"):
            return other
    return None


def undo(graph: Graph, item_id: str, *, writer: Writer) -> Decision:
    """Splits a merged or accepted item's record off its actor into an actor of its own.

    The actor keeps what its other records say: the record's contribution is withdrawn with the
    merge rule (as if its source had emptied it) and every other record is applied again, so a
    field the record had filled falls back to another record's value. Raises ReviewNotFoundError
    or NotUndoableError.
    """

    def work(tx: ManagedTransaction) -> Decision:
        item = ReviewDao.lock(tx, item_id)
        if item is None:
            raise ReviewNotFoundError(item_id)
        if item["status"] not in POSITIVE:
            raise NotUndoableError(item["status"], "inget att ångra / not a merge")
        key, source = item["record_key"], item["source"]
        record = json.loads(item["fields"])
        merged_into = item["actor_id"] or item["candidate_id"]
        others = [r for r in ReviewDao.records_of(tx, merged_into) if r["key"] != key]
        if not others:
            raise NotUndoableError(item["status"], "aktören har ingen annan post / the actor has no other record")
        state = _own_state(tx, merged_into)
        apply_record(state, key, source, {}, record, Counter())
        for other in others:
            fields = json.loads(other["fields"])
            apply_record(state, other["key"], other["source"], fields, fields, Counter())
        if all(o["source"] != source for o in others):
            state.props["sources"] = [s for s in state.props.get("sources") or [] if s != source]
        target = derived_id("actor", key)
        split = _own_state(tx, target)
        apply_record(split, key, source, record, None, Counter())
        audit = _audit(state) + _audit(split)
        # The actor first: a number the record brought must leave it before the split takes it.
        for changed in (state, split):
            if changed.changed:
                ImportDao.write_actors(tx, [changed.to_row()])
        ReviewDao.undo(tx, item_id, actor_id=target, by=writer.principal.name)
        ImportDao.write_audit(tx, writer, None, audit)
        return Decision(item_id, "rejected", target)

    return graph.write_tx(work)
