"""Deciding the review queue: accept merges the waiting record into the candidate actor, reject makes it its own actor.

Both apply the record with the same merge rule as an import (`importers.merge`), in one
transaction with the decision, and give the record the actor it describes, so the next import
of the same file finds the record known and unchanged.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask import has_request_context
from neo4j import ManagedTransaction

from importers.merge import STATE_PROPS, ActorState, apply_record
from importers.records import derived_id
from registry.auth import Principal, cli_principal, current_principal
from registry.dao.audit import Channel
from registry.dao.imports import ImportDao, audit_row, membership_audit_rows
from registry.dao.review import STATUSES, ReviewDao
from registry.db import Graph

__all__ = ["STATUSES", "AlreadyDecidedError", "Decision", "ReviewNotFoundError", "decide", "item_view"]


class ReviewNotFoundError(LookupError):
    pass


class AlreadyDecidedError(Exception):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


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


def decide(graph: Graph, item_id: str, *, accept: bool, who: Principal | None = None) -> Decision:
    """Accepts or rejects one pending item; raises ReviewNotFoundError or AlreadyDecidedError.

    The actor change is audited in the same transaction, by `who` (unset: the API caller inside a
    request, else the CLI user).
    """
    in_request = has_request_context()
    channel = Channel.API if in_request else Channel.CLI
    principal = who if who is not None else current_principal() if in_request else cli_principal()

    def work(tx: ManagedTransaction) -> Decision:
        item = ReviewDao.lock(tx, item_id)
        if item is None:
            raise ReviewNotFoundError(item_id)
        if item["status"] != "pending":
            raise AlreadyDecidedError(item["status"])
        key, source = item["record_key"], item["source"]
        record = json.loads(item["fields"])
        if accept and item["candidate_id"]:
            target = item["candidate_id"]
            rows = ImportDao.actor_states(tx, [target], STATE_PROPS)
            state = ActorState.from_graph(rows[0]) if rows else ActorState.new(target)
        else:
            target = derived_id("actor", key)
            rows = ImportDao.actor_states(tx, [target], STATE_PROPS)
            state = ActorState.from_graph(rows[0]) if rows else ActorState.new(target)
        org = record.get("org_number")
        taken = {c["org_number"]: c["id"] for c in ImportDao.candidates_by_org_number(tx, [org] if org else [])}
        apply_record(state, key, source, record, None, Counter(), taken_org_numbers=taken)
        audit: list[dict[str, Any]] = []
        if state.changed:
            ImportDao.write_actors(tx, [state.to_row()])
            action = "actor.create" if state.created else "actor.update"
            row = audit_row(action, target, state.before, state.audit_view())
            audit.extend([row] if row else [])
        status = "accepted" if accept else "rejected"
        ReviewDao.decide(tx, item_id, status=status, actor_id=target)
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
        ImportDao.write_audit(tx, principal, None, audit, channel)
        return Decision(item_id, status, target)

    return graph.write_tx(work)
