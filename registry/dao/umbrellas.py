"""Umbrella organisations and their members: list, change a member's data, add and end memberships.

Membership is a claim that needs consent: an umbrella's own enrolment of an actor (the API or its
member list) is `pending` and gives it no rights until an admin, a coordinator or the member itself
confirms it (`decide_member`). What gives an umbrella rights over an actor is one predicate,
`GRANTS`, used by every check (`registry.auth`) and by every answer that decides on contact persons.

Writes are compare-and-set, the registry's one write-lock idiom (as `ActorDao.update`): each
transaction first takes the member's write lock, then reads its current state and hands it to
the caller's `check` (the API's `check_etag`, the page's form tag), and only then changes it, so
of concurrent edits made from the same state exactly one wins and the others get 412, never a
silently lost update. A membership is never deleted: ending it
sets `until`, so the history of who belonged when stays in the graph.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph_schema.contract import Label as L
from graph_schema.contract import MembershipStatus as S
from graph_schema.contract import Rel as R
from registry.dao.audit import record_audit
from registry.dao.items import lock_statement
from registry.dao.term_mirrors import target_group_mirror
from registry.db import Graph
from registry.identity import Writer

# Properties of a member an umbrella may set directly (contacts and target groups are links).
MEMBER_PROPERTIES = (
    "emails",
    "phones",
    "website",
    "street_address",
    "postal_code",
    "locality",
    "activities",
    "member_count",
)


class UmbrellaError(Exception):
    """A write that cannot be made; the API turns each kind into its HTTP status."""


class ActorNotFoundError(UmbrellaError):
    pass


class NotAMemberError(UmbrellaError):
    pass


class AlreadyMemberError(UmbrellaError):
    pass


class StaleStateError(UmbrellaError):
    """The member changed since the caller read it: a `StateCheck` raises it to refuse the write."""

    def __init__(self) -> None:
        super().__init__("stale")


class NotPendingError(UmbrellaError):
    """A decision on a membership that is not waiting for one."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class InvalidReferenceError(UmbrellaError):
    def __init__(self, field: str, values: list[str]) -> None:
        super().__init__(f"{field}: {values}")
        self.field = field
        self.values = values


# Does membership `r` of actor `m` give the umbrella rights over `m` (its contact persons, history and
# the fields in `registry.auth.UMBRELLA_EDITABLE_FIELDS`)? Only when it is confirmed (absent status:
# recorded before consent existed, so confirmed), valid today (since <= today < until, the rule of
# `registry.dao.relationships.MEMBERSHIP_VALID_AT`), `m` is a civil-society actor, and `m` is not an
# umbrella itself (kind, open memberships of its own, or an umbrella token): an umbrella never gains
# rights over another umbrella. Dates are compared as ISO text, as the membership writers store them.
GRANTS: LiteralString = f"""(coalesce(r.status, '{S.CONFIRMED}') = '{S.CONFIRMED}'
  AND (r.since IS NULL OR toString(r.since) <= toString(date()))
  AND (r.until IS NULL OR toString(date()) < toString(r.until))
  AND m.sector = 'civil' AND coalesce(m.kind, '') <> 'umbrella'
  AND NOT EXISTS {{ MATCH (:{L.ACTOR})-[o:{R.MEMBER_OF}]->(m) WHERE o.until IS NULL }}
  AND NOT EXISTS {{ MATCH (t:{L.API_TOKEN} {{actor_id: m.id}}) WHERE t.role = 'umbrella' }})"""

_MEMBER_FIELDS: LiteralString = f"""
m.id AS id, m.name AS name, m.org_number AS org_number, m.sector AS sector, m.kind AS kind,
m.municipality_code AS municipality_code, coalesce(m.emails, []) AS emails, coalesce(m.phones, []) AS phones,
m.website AS website, m.street_address AS street_address, m.postal_code AS postal_code, m.locality AS locality,
m.activities AS activities, m.member_count AS member_count, coalesce(m.version, 0) AS version,
COLLECT {{ MATCH (m)-[:{R.SERVES}]->(t:{L.TARGET_GROUP}) RETURN t.id ORDER BY t.id }} AS target_groups,
COLLECT {{ MATCH (m)-[:{R.WORKS_ON}]->(t:{L.INTEREST_AREA}) RETURN t.id ORDER BY t.id }} AS interest_areas,
CASE WHEN $with_contacts THEN COLLECT {{
  MATCH (m)-[:{R.HAS_CONTACT}]->(c:{L.CONTACT_PERSON})
  RETURN c {{.id, .name, .role, .email, .phone}} ORDER BY c.name, c.id
}} END AS contacts,
r {{.since, .until, .role, .source, .requested_by, .decided_by, decided_at: toString(r.decided_at),
  status: coalesce(r.status, '{S.CONFIRMED}')}} AS membership,
{GRANTS} AS grants
"""

_LIST: LiteralString = f"""
MATCH (m:{L.ACTOR})-[r:{R.MEMBER_OF}]->(:{L.ACTOR} {{id: $umbrella_id}})
WHERE ($include_ended OR r.until IS NULL) AND ($status IS NULL OR coalesce(r.status, '{S.CONFIRMED}') = $status)
RETURN {_MEMBER_FIELDS}
ORDER BY m.name, m.id, r.since
SKIP $skip LIMIT $limit
"""

_COUNT: LiteralString = f"""
MATCH (:{L.ACTOR})-[r:{R.MEMBER_OF}]->(:{L.ACTOR} {{id: $umbrella_id}})
WHERE ($include_ended OR r.until IS NULL) AND ($status IS NULL OR coalesce(r.status, '{S.CONFIRMED}') = $status)
RETURN count(r) AS n
"""

# One member: its current membership if it has one, else its latest ended one.
_ONE: LiteralString = f"""
MATCH (m:{L.ACTOR} {{id: $member_id}})-[r:{R.MEMBER_OF}]->(:{L.ACTOR} {{id: $umbrella_id}})
WHERE $include_ended OR r.until IS NULL
RETURN {_MEMBER_FIELDS}
ORDER BY r.until IS NULL DESC, r.until DESC
LIMIT 1
"""

_EXISTS: LiteralString = f"MATCH (a:{L.ACTOR} {{id: $id}}) RETURN a.sector AS sector"

_GRANTS_RIGHTS: LiteralString = f"""
RETURN EXISTS {{
  MATCH (m:{L.ACTOR} {{id: $member_id}})-[r:{R.MEMBER_OF}]->(:{L.ACTOR} {{id: $umbrella_id}})
  WHERE {GRANTS}
}} AS member
"""

_GRANTED_MEMBERS: LiteralString = f"""
MATCH (m:{L.ACTOR})-[r:{R.MEMBER_OF}]->(:{L.ACTOR} {{id: $umbrella_id}})
WHERE {GRANTS}
RETURN collect(DISTINCT m.id) AS ids
"""

# An umbrella is an actor of that kind, one with open memberships of its own, or one an umbrella
# token speaks for.
_IS_UMBRELLA: LiteralString = f"""
MATCH (a:{L.ACTOR} {{id: $id}})
RETURN a.kind = 'umbrella'
    OR EXISTS {{ MATCH (:{L.ACTOR})-[o:{R.MEMBER_OF}]->(a) WHERE o.until IS NULL }}
    OR EXISTS {{ MATCH (t:{L.API_TOKEN} {{actor_id: a.id}}) WHERE t.role = 'umbrella' }} AS umbrella
"""

# Taking the member's write lock first: a property set and removed in the same transaction
# leaves nothing behind, and every later read in it sees the latest committed state. (Setting a
# property to its own value would lock too, but it reads the value before the lock is held.)
# The member's write lock (registry.dao.items' idiom): held until the write's transaction ends.
_LOCK = lock_statement(f"MATCH (m:{L.ACTOR} {{id: $id}})", "m", "m.id AS id")

_KNOWN_TARGET_GROUPS: LiteralString = f"MATCH (t:{L.TARGET_GROUP}) WHERE t.id IN $ids RETURN collect(t.id) AS ids"

_SET_PROPERTIES: LiteralString = f"""
MATCH (m:{L.ACTOR} {{id: $id}})
SET m += $props
"""

_SET_TARGET_GROUPS: LiteralString = f"""
MATCH (m:{L.ACTOR} {{id: $id}})
CALL (m) {{
  OPTIONAL MATCH (m)-[old:{R.SERVES}]->(:{L.TARGET_GROUP})
  DELETE old
}}
CALL (m) {{
  UNWIND $ids AS term
  MATCH (t:{L.TARGET_GROUP} {{id: term}})
  MERGE (m)-[:{R.SERVES}]->(t)
}}
{target_group_mirror("m")}"""

# Contacts are replaced as a list: the ones not named go (they are personal data, not kept),
# named ones are updated, new ones created.
_SET_CONTACTS: LiteralString = f"""
MATCH (m:{L.ACTOR} {{id: $id}})
CALL (m) {{
  OPTIONAL MATCH (m)-[:{R.HAS_CONTACT}]->(c:{L.CONTACT_PERSON})
  WHERE NOT c.id IN [x IN $contacts | x.id]
  DETACH DELETE c
}}
CALL (m) {{
  UNWIND $contacts AS contact
  MERGE (c:{L.CONTACT_PERSON} {{id: contact.id}})
  SET c += contact
  MERGE (m)-[:{R.HAS_CONTACT}]->(c)
}}
"""

_BUMP_VERSION: LiteralString = f"""
MATCH (m:{L.ACTOR} {{id: $id}})
SET m.version = coalesce(m.version, 0) + 1, m.updated_at = datetime()
"""

_ADD: LiteralString = f"""
MATCH (m:{L.ACTOR} {{id: $member_id}}), (u:{L.ACTOR} {{id: $umbrella_id}})
CREATE (m)-[:{R.MEMBER_OF} {{since: $since, role: $role, source: $source, status: $status,
                           requested_by: $requested_by}}]->(u)
"""

# A decision on a pending membership; declining also ends it (kept, so the request stays on record).
_DECIDE: LiteralString = f"""
MATCH (:{L.ACTOR} {{id: $member_id}})-[r:{R.MEMBER_OF}]->(:{L.ACTOR} {{id: $umbrella_id}})
WHERE r.until IS NULL AND r.status = '{S.PENDING}'
SET r.status = $status, r.decided_by = $decided_by, r.decided_at = datetime(),
    r.until = CASE WHEN $status = '{S.DECLINED}' THEN $today ELSE r.until END
"""

_END: LiteralString = f"""
MATCH (:{L.ACTOR} {{id: $member_id}})-[r:{R.MEMBER_OF}]->(:{L.ACTOR} {{id: $umbrella_id}})
WHERE r.until IS NULL
SET r.until = $until
"""


# What a write checks under the member's lock before it changes anything (the caller's If-Match:
# `registry.api.umbrellas`, or the page's form tag); it raises to refuse.
StateCheck = Callable[[Mapping[str, Any]], None]


def _lock(tx: ManagedTransaction, actor_id: str) -> None:
    if tx.run(_LOCK, id=actor_id).single() is None:
        raise ActorNotFoundError(actor_id)


def _locked_member(tx: ManagedTransaction, umbrella_id: str, member_id: str) -> dict[str, Any]:
    """Takes the member's write lock and reads its current state; NotAMemberError without one."""
    _lock(tx, member_id)
    before = _member(tx, umbrella_id, member_id, include_ended=False)
    if before is None:
        raise NotAMemberError(member_id)
    return before


def _written(tx: ManagedTransaction, umbrella_id: str, member_id: str, *, include_ended: bool) -> dict[str, Any]:
    """The state a write left (the membership just written), read in its transaction."""
    after = _member(tx, umbrella_id, member_id, include_ended=include_ended)
    assert after is not None
    return after


def _member(tx: ManagedTransaction, umbrella_id: str, member_id: str, *, include_ended: bool) -> dict[str, Any] | None:
    record = tx.run(
        _ONE, umbrella_id=umbrella_id, member_id=member_id, include_ended=include_ended, with_contacts=True
    ).single()
    return record.data() if record else None


def _public(state: Mapping[str, Any], keys: Collection[str]) -> dict[str, Any]:
    return {k: state.get(k) for k in keys}


_GRANTED_AMONG: LiteralString = f"""
UNWIND $ids AS id
MATCH (m:{L.ACTOR} {{id: id}})-[r:{R.MEMBER_OF}]->(:{L.ACTOR} {{id: $umbrella_id}})
WHERE {GRANTS}
RETURN collect(DISTINCT m.id) AS ids
"""


def granted_among(tx: ManagedTransaction, umbrella_id: str, ids: Collection[str]) -> frozenset[str]:
    """Which of `ids` `umbrella_id` has rights over, inside the caller's transaction (an import batch)."""
    record = tx.run(_GRANTED_AMONG, umbrella_id=umbrella_id, ids=sorted(ids)).single(strict=True)
    return frozenset(record["ids"])


class UmbrellaDao:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    # -- reads --------------------------------------------------------------------------------
    def actor_sector(self, actor_id: str) -> str | None:
        """The actor's sector, '' for an actor without one, None if there is no such actor."""
        row = self.graph.read_one(_EXISTS, id=actor_id)
        return None if row is None else (row["sector"] or "")

    def grants_rights(self, member_id: str, umbrella_id: str) -> bool:
        """Does `umbrella_id` have rights over `member_id` today (see `GRANTS`)?"""
        row = self.graph.read_one(_GRANTS_RIGHTS, member_id=member_id, umbrella_id=umbrella_id)
        return bool(row and row["member"])

    def granted_members(self, umbrella_id: str) -> frozenset[str]:
        """Every actor `umbrella_id` has rights over today: one read for a whole export."""
        row = self.graph.read_one(_GRANTED_MEMBERS, umbrella_id=umbrella_id)
        return frozenset(row["ids"]) if row else frozenset()

    def is_umbrella(self, actor_id: str) -> bool:
        row = self.graph.read_one(_IS_UMBRELLA, id=actor_id)
        return bool(row and row["umbrella"])

    def members(
        self,
        umbrella_id: str,
        *,
        include_ended: bool,
        with_contacts: bool,
        skip: int,
        limit: int,
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        """The umbrella's members (pending ones too, unless `status` picks one); each row's `grants`
        says whether the umbrella has rights over that member (see `GRANTS`)."""
        return self.graph.read(
            _LIST,
            umbrella_id=umbrella_id,
            include_ended=include_ended,
            with_contacts=with_contacts,
            skip=skip,
            limit=limit,
            status=status,
        )

    def count_members(self, umbrella_id: str, *, include_ended: bool, status: str | None = None) -> int:
        row = self.graph.read_one(_COUNT, umbrella_id=umbrella_id, include_ended=include_ended, status=status)
        return int(row["n"]) if row else 0

    def member(self, umbrella_id: str, member_id: str) -> dict[str, Any] | None:
        """The member's full state, contacts included (the resource decides what to show), or None."""
        return self.graph.read_one(
            _ONE, umbrella_id=umbrella_id, member_id=member_id, include_ended=True, with_contacts=True
        )

    # -- writes -------------------------------------------------------------------------------
    def update_member(
        self,
        umbrella_id: str,
        member_id: str,
        changes: Mapping[str, Any],
        *,
        check: StateCheck,
        writer: Writer,
    ) -> dict[str, Any]:
        """Applies `changes` (keys of MEMBER_PROPERTIES, `target_groups`, `contacts`) to a current
        member whose state, read under its lock, passes `check`; returns the new state."""

        def work(tx: ManagedTransaction) -> dict[str, Any]:
            before = _locked_member(tx, umbrella_id, member_id)
            check(before)
            props = {k: changes[k] for k in MEMBER_PROPERTIES if k in changes}
            if props:
                tx.run(_SET_PROPERTIES, id=member_id, props=props).consume()
            if "target_groups" in changes:
                wanted = sorted(set(changes["target_groups"]))
                known = tx.run(_KNOWN_TARGET_GROUPS, ids=wanted).single(strict=True)["ids"]
                unknown = sorted(set(wanted) - set(known))
                if unknown:
                    raise InvalidReferenceError("target_groups", unknown)
                tx.run(_SET_TARGET_GROUPS, id=member_id, ids=wanted).consume()
            if "contacts" in changes:
                tx.run(_SET_CONTACTS, id=member_id, contacts=_contacts(before, changes["contacts"])).consume()
            changed = _written(tx, umbrella_id, member_id, include_ended=False)
            old, new = _public(before, changes.keys()), _public(changed, changes.keys())
            if old == new:
                # Nothing really changed: no new version, no audit event, the caller's tag stays valid.
                return changed
            tx.run(_BUMP_VERSION, id=member_id).consume()
            record_audit(tx, writer.principal, writer.channel, "actor.update", L.ACTOR, member_id, old, new)
            after = _member(tx, umbrella_id, member_id, include_ended=False)
            assert after is not None
            return after

        return self.graph.write_tx(work)

    def add_member(
        self,
        umbrella_id: str,
        member_id: str,
        *,
        since: str | None,
        role: str | None,
        status: str,
        writer: Writer,
    ) -> dict[str, Any]:
        """Records a membership with `status` (pending for an umbrella's own request, confirmed when
        an admin or coordinator records it); 409 while the actor has an open one (pending included)."""

        def work(tx: ManagedTransaction) -> dict[str, Any]:
            _lock(tx, member_id)
            if tx.run(_EXISTS, id=umbrella_id).single() is None:
                raise ActorNotFoundError(umbrella_id)
            if _member(tx, umbrella_id, member_id, include_ended=False) is not None:
                raise AlreadyMemberError(member_id)
            tx.run(
                _ADD,
                member_id=member_id,
                umbrella_id=umbrella_id,
                since=since,
                role=role,
                source=str(writer.channel),
                status=status,
                requested_by=writer.principal.name,
            ).consume()
            after = _written(tx, umbrella_id, member_id, include_ended=False)
            _audit_membership(tx, writer, "membership.add", umbrella_id, member_id, None, after)
            return after

        return self.graph.write_tx(work)

    def decide_member(
        self,
        umbrella_id: str,
        member_id: str,
        *,
        confirm: bool,
        today: str,
        writer: Writer,
    ) -> dict[str, Any]:
        """Confirms or declines a pending membership (declining ends it on `today`); returns the
        member's state. NotAMemberError without an open membership, NotPendingError when it is
        already decided."""

        def work(tx: ManagedTransaction) -> dict[str, Any]:
            before = _locked_member(tx, umbrella_id, member_id)
            if before["membership"]["status"] != S.PENDING:
                raise NotPendingError(before["membership"]["status"])
            status = S.CONFIRMED if confirm else S.DECLINED
            tx.run(
                _DECIDE,
                member_id=member_id,
                umbrella_id=umbrella_id,
                status=status,
                decided_by=writer.principal.name,
                today=today,
            ).consume()
            after = _written(tx, umbrella_id, member_id, include_ended=True)
            action = "membership.confirm" if confirm else "membership.decline"
            _audit_membership(tx, writer, action, umbrella_id, member_id, before, after)
            return after

        return self.graph.write_tx(work)

    def end_member(
        self,
        umbrella_id: str,
        member_id: str,
        *,
        until: str,
        check: StateCheck,
        writer: Writer,
    ) -> dict[str, Any]:
        """Ends the current membership on `until` if the member's state passes `check` under its lock."""

        def work(tx: ManagedTransaction) -> dict[str, Any]:
            before = _locked_member(tx, umbrella_id, member_id)
            check(before)
            since = before["membership"].get("since")
            if since and str(since) > until:
                raise InvalidReferenceError("until", [until])
            tx.run(_END, member_id=member_id, umbrella_id=umbrella_id, until=until).consume()
            after = _written(tx, umbrella_id, member_id, include_ended=True)
            _audit_membership(tx, writer, "membership.end", umbrella_id, member_id, before, after)
            return after

        return self.graph.write_tx(work)


def _audit_membership(
    tx: ManagedTransaction,
    writer: Writer,
    action: str,
    umbrella_id: str,
    member_id: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
) -> None:
    """A membership event is about the member and its umbrella both, so each one's history shows it."""
    record_audit(
        tx,
        writer.principal,
        writer.channel,
        action,
        L.ACTOR,
        member_id,
        None if before is None else {"umbrella_id": umbrella_id, **before["membership"]},
        {"umbrella_id": umbrella_id, **after["membership"]},
        also_about=[umbrella_id],
    )


def _contacts(before: Mapping[str, Any], wanted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The new contact list: ids must be this actor's own contacts (an id of someone else's
    contact would otherwise move that person here); contacts without one are new."""
    own = {c["id"] for c in before.get("contacts") or []}
    foreign = sorted({c["id"] for c in wanted if c.get("id") and c["id"] not in own})
    if foreign:
        raise InvalidReferenceError("contacts", foreign)
    return [
        {
            "id": c.get("id") or str(uuid.uuid4()),
            "name": c["name"],
            "role": c.get("role"),
            "email": c.get("email"),
            "phone": c.get("phone"),
        }
        for c in wanted
    ]
