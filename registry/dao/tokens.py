"""API tokens: create, look up by id, list and revoke; only the keyed hash is ever stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.dao.items import audit
from registry.db import Graph
from registry.identity import Writer

_CREATE: LiteralString = f"""
CREATE (t:{L.API_TOKEN} {{id: $id, hash: $hash, role: $role, actor_id: $actor_id, name: $name,
                          created_by: $created_by, created_at: datetime()}})
RETURN t.id AS id
"""

_FIND: LiteralString = f"""
MATCH (t:{L.API_TOKEN} {{id: $id}})
RETURN t.id AS id, t.hash AS hash, t.role AS role, t.actor_id AS actor_id, t.name AS name,
       t.revoked_at IS NOT NULL AS revoked, coalesce(t.session_generation, 0) AS session_generation
"""

# Signing out of the page ends every page session of the token, copied cookies included: a session
# remembers the generation it began in, and only the current one is accepted.
_END_SESSIONS: LiteralString = f"""
MATCH (t:{L.API_TOKEN} {{id: $id}})
SET t.session_generation = coalesce(t.session_generation, 0) + 1
RETURN t.session_generation AS generation
"""

_LIST: LiteralString = f"""
MATCH (t:{L.API_TOKEN})
WHERE $all OR t.revoked_at IS NULL
OPTIONAL MATCH (a:{L.ACTOR} {{id: t.actor_id}})
RETURN t.id AS id, t.role AS role, t.actor_id AS actor_id, a.name AS actor_name, t.name AS name,
       toString(t.created_at) AS created_at, toString(t.revoked_at) AS revoked_at
ORDER BY t.created_at
"""

_REVOKE: LiteralString = f"""
MATCH (t:{L.API_TOKEN} {{id: $id}})
WITH t, t.revoked_at IS NULL AS was_active
SET t.revoked_at = coalesce(t.revoked_at, datetime())
RETURN t.id AS id, t.role AS role, t.actor_id AS actor_id, t.name AS name, was_active
"""

_ACTOR: LiteralString = f"""
MATCH (a:{L.ACTOR} {{id: $id}})
RETURN a.name AS name, a.kind AS kind, COUNT {{ (:{L.ACTOR})-[:{R.MEMBER_OF}]->(a) }} AS members
"""


@dataclass(frozen=True)
class StoredToken:
    id: str
    hash: str
    role: str
    actor_id: str | None
    name: str | None
    revoked: bool
    # Page sessions signed in with this token are valid only in this generation (`end_sessions`).
    session_generation: int = 0


class TokenDao:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def find(self, token_id: str) -> StoredToken | None:
        row = self.graph.read_one(_FIND, id=token_id)
        return StoredToken(**row) if row else None

    def end_sessions(self, token_id: str) -> None:
        """Ends every page session signed in with the token (a sign-out), whoever holds the cookie."""
        self.graph.write(_END_SESSIONS, id=token_id)

    def list(self, *, include_revoked: bool = False) -> list[dict[str, Any]]:
        return self.graph.read(_LIST, all=include_revoked)

    def actor(self, actor_id: str) -> dict[str, Any] | None:
        """The actor a token would speak for: its name, kind and number of members; None if unknown."""
        return self.graph.read_one(_ACTOR, id=actor_id)

    def create(
        self,
        *,
        token_id: str,
        token_hash: str,
        role: str,
        actor_id: str | None,
        name: str | None,
        writer: Writer,
    ) -> None:
        """Stores a new token's hash, and its creation in the audit trail, in one transaction."""

        def work(tx: ManagedTransaction) -> None:
            by = writer.principal.name
            tx.run(
                _CREATE, id=token_id, hash=token_hash, role=role, actor_id=actor_id, name=name, created_by=by
            ).consume()
            after = {"role": role, "actor_id": actor_id, "name": name}
            audit(tx, writer, "token.create", L.API_TOKEN, token_id, None, after)

        self.graph.write_tx(work)

    def revoke(self, token_id: str, *, writer: Writer) -> dict[str, Any] | None:
        """Marks the token revoked (kept, so the history that names it stays readable); None if unknown."""

        def work(tx: ManagedTransaction) -> dict[str, Any] | None:
            record = tx.run(_REVOKE, id=token_id).single()
            if record is None:
                return None
            if record["was_active"]:
                before, after = {"revoked": False}, {"revoked": True}
                audit(tx, writer, "token.revoke", L.API_TOKEN, token_id, before, after)
            return record.data()

        return self.graph.write_tx(work)
