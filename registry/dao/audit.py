"""The audit trail: append-only `AuditEvent` nodes, one per write, linked ABOUT what changed.

Every write, whatever its channel (the API, an import, the CLI), calls `record_audit` inside
the same transaction as the change itself, so there is never a change without its record nor
a record of a change that was rolled back. An event says who (token id, role, the umbrella
actor the token speaks for, a label such as the token's name or `cli:<user>`), when, what (the
changed fields only, before and after) and through which channel.

The subject of an event is a node (an actor, arena, meeting, challenge, agreement, taxonomy
term or token) or a relationship of the collaboration model; a relationship is not a node and
cannot be linked, so its event carries the relationship's type and id and is linked ABOUT both
of its ends instead, which puts it in both actors' history.

Events are never updated or deleted, with one exception the law requires: erasing a person
(`registry gdpr erase`) redacts their personal data inside old events and stamps `redacted_at`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Concatenate, LiteralString, ParamSpec

from neo4j import ManagedTransaction

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from graph_schema.relationship_types import WRITABLE
from registry.db import Graph
from registry.identity import Channel, Principal

_P = ParamSpec("_P")

_CREATE: LiteralString = f"""
CREATE (e:{L.AUDIT_EVENT} {{
  id: $id, at: datetime(), channel: $channel, action: $action,
  token_id: $token_id, role: $role, actor_id: $actor_id, by: $by,
  subject_label: $subject_label, subject_id: $subject_id, before: $before, after: $after
}})
RETURN e.id AS id
"""

# ABOUT links, one fixed query per kind of subject: the label cannot be a parameter.
_ABOUT: dict[str, LiteralString] = {
    label: f"""
MATCH (e:{L.AUDIT_EVENT} {{id: $event_id}})
UNWIND $ids AS subject_id
MATCH (s:{label} {{id: subject_id}})
MERGE (e)-[:{R.ABOUT}]->(s)
"""
    for label in (
        L.ACTOR,
        L.ARENA,
        L.MEETING,
        L.CHALLENGE,
        L.AGREEMENT,
        L.API_TOKEN,
        L.INTEREST_AREA,
        L.TARGET_GROUP,
    )
}

# Relationships whose writes are audited with the relationship itself as the subject.
RELATIONSHIP_SUBJECTS = frozenset(d.type for d in WRITABLE)

# Further subjects (`also_about`) are named by id alone; these labels all have uuid ids, so an id
# names one node (taxonomy ids are words and may repeat across the two taxonomies: never here).
_ALSO_ABOUT_LABELS: tuple[LiteralString, ...] = (L.ACTOR, L.AGREEMENT, L.ARENA, L.MEETING, L.CHALLENGE)
_ALSO_ABOUT_NODES: LiteralString = "\n  UNION ".join(
    f"MATCH (s:{label} {{id: subject_id}}) RETURN s" for label in _ALSO_ABOUT_LABELS
)
_ALSO_ABOUT: LiteralString = f"""
MATCH (e:{L.AUDIT_EVENT} {{id: $event_id}})
UNWIND $ids AS subject_id
CALL (subject_id) {{
  {_ALSO_ABOUT_NODES}
}}
MERGE (e)-[:{R.ABOUT}]->(s)
"""

# An actor's history: events about it by property (kept if the node goes) or by link (events
# that name it as a second subject, such as a membership seen from the umbrella's side).
_HISTORY: LiteralString = f"""
CALL () {{
  MATCH (e:{L.AUDIT_EVENT} {{subject_id: $id}}) RETURN e
  UNION
  MATCH (e:{L.AUDIT_EVENT})-[:{R.ABOUT}]->(:{L.ACTOR} {{id: $id}}) RETURN e
}}
RETURN e.id AS id, toString(e.at) AS at, e.action AS action, e.channel AS channel,
       e.token_id AS token_id, e.role AS role, e.actor_id AS actor_id, e.by AS by,
       e.subject_label AS subject_label, e.subject_id AS subject_id,
       e.before AS before, e.after AS after, toString(e.redacted_at) AS redacted_at
ORDER BY e.at DESC, e.id
SKIP $skip LIMIT $limit
"""

_HISTORY_COUNT: LiteralString = f"""
CALL () {{
  MATCH (e:{L.AUDIT_EVENT} {{subject_id: $id}}) RETURN e
  UNION
  MATCH (e:{L.AUDIT_EVENT})-[:{R.ABOUT}]->(:{L.ACTOR} {{id: $id}}) RETURN e
}}
RETURN count(e) AS n
"""


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def changed_fields(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Keeps only the fields whose value differs; a creation (no before) or removal (no after) keeps all."""
    if before is None or after is None:
        return (dict(before) if before is not None else None, dict(after) if after is not None else None)
    keys = [k for k in dict.fromkeys([*before, *after]) if _json({"v": before.get(k)}) != _json({"v": after.get(k)})]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record_audit(
    tx: ManagedTransaction,
    who: Principal,
    channel: Channel,
    action: str,
    subject_label: str,
    subject_id: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    *,
    also_about: Iterable[str] = (),
) -> str | None:
    """Records one write inside the caller's transaction; returns the event id, or None when an
    update changed nothing (before and after equal), which is not worth a record.

    `subject_label` is a `graph_schema.contract.Label` (Actor, Arena, Meeting, Challenge,
    Agreement, ApiToken, InterestArea, TargetGroup) or, for a relationship, its type (one of
    `RELATIONSHIP_SUBJECTS`) with the relationship's id. `also_about` names further actors,
    agreements, arenas, meetings or challenges the event concerns (for a membership: the
    umbrella; for a relationship: both ends), so it appears in their history too.
    """
    if subject_label not in _ABOUT and subject_label not in RELATIONSHIP_SUBJECTS:
        raise ValueError(f"audit events cannot be about {subject_label!r}")
    old, new = changed_fields(before, after)
    if before is not None and after is not None and not old and not new:
        return None
    event_id = str(uuid.uuid4())
    tx.run(
        _CREATE,
        id=event_id,
        channel=str(channel),
        action=action,
        token_id=who.token_id,
        role=str(who.role),
        actor_id=who.actor_id,
        by=who.name,
        subject_label=subject_label,
        subject_id=subject_id,
        before=_json(old),
        after=_json(new),
    ).consume()
    if subject_label in _ABOUT:
        tx.run(_ABOUT[subject_label], event_id=event_id, ids=[subject_id]).consume()
    others = list(dict.fromkeys(i for i in also_about if i != subject_id))
    if others:
        tx.run(_ALSO_ABOUT, event_id=event_id, ids=others).consume()
    return event_id


def _in_own_transaction(
    write: Callable[Concatenate[ManagedTransaction, _P], str | None],
) -> Callable[Concatenate[AuditDao, _P], str | None]:
    def run(self: AuditDao, /, *args: _P.args, **kwargs: _P.kwargs) -> str | None:
        return self.graph.write_tx(lambda tx: write(tx, *args, **kwargs))

    run.__doc__ = f"`{write.__name__}` in a transaction of its own."
    return run


@dataclass(frozen=True)
class AuditEntry:
    id: str
    at: str
    action: str
    channel: str
    token_id: str | None
    role: str
    actor_id: str | None
    by: str | None
    subject_label: str
    subject_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    redacted_at: str | None


class AuditDao:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    # `record_audit`'s arguments after the transaction, in a transaction of its own (for writes that
    # have none to share).
    record = _in_own_transaction(record_audit)

    def history(self, actor_id: str, *, skip: int = 0, limit: int = 50) -> list[AuditEntry]:
        rows = self.graph.read(_HISTORY, id=actor_id, skip=skip, limit=limit)
        return [
            AuditEntry(
                **{
                    **row,
                    "before": json.loads(row["before"]) if row["before"] else None,
                    "after": json.loads(row["after"]) if row["after"] else None,
                }
            )
            for row in rows
        ]

    def count(self, actor_id: str) -> int:
        row = self.graph.read_one(_HISTORY_COUNT, id=actor_id)
        return int(row["n"]) if row else 0
