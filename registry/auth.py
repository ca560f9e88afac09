"""Who is calling, and what they may see and change.

Every request has a `Principal`. Until tokens exist every caller is anonymous (role
`anonymous`, which sees what a reader sees). Decisions about personal data and object-level
rights are made here, never in a resource or a serializer, so one rule holds everywhere:
the API, exports, maps and history.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask import g


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    READER = "reader"
    COORDINATOR = "coordinator"
    UMBRELLA = "umbrella"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    role: Role
    token_id: str | None = None
    # For the umbrella role: the umbrella actor this token speaks for.
    actor_id: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.role is not Role.ANONYMOUS


ANONYMOUS = Principal(Role.ANONYMOUS)


def current_principal() -> Principal:
    principal: Principal = g.get("principal", ANONYMOUS)
    return principal


def can_see_contacts(principal: Principal, *, umbrella_ids: frozenset[str] = frozenset()) -> bool:
    """Contact persons are personal data: coordinators and admins see them; an umbrella sees them
    for its own members (`umbrella_ids` are the umbrellas the actor in question belongs to)."""
    if principal.role in (Role.COORDINATOR, Role.ADMIN):
        return True
    if principal.role is Role.UMBRELLA and principal.actor_id is not None:
        return principal.actor_id in umbrella_ids
    return False
