"""Who acts: the principal (role, token, umbrella), the channel it acts through, and the writer every
write names. A leaf: it imports nothing of the registry, so the data-access layer, the importers and the
HTTP layer can all depend on it without a cycle."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    READER = "reader"
    COORDINATOR = "coordinator"
    UMBRELLA = "umbrella"
    ADMIN = "admin"


# Roles a token can be issued with.
TOKEN_ROLES = (Role.READER, Role.COORDINATOR, Role.UMBRELLA, Role.ADMIN)


class Channel(StrEnum):
    """How a change reached the graph: kept on every audit event."""

    API = "api"
    IMPORT = "import"
    CLI = "cli"


@dataclass(frozen=True)
class Principal:
    role: Role
    token_id: str | None = None
    # For the umbrella role: the umbrella actor this token speaks for.
    actor_id: str | None = None
    # A human-readable label for the audit trail: the token's name, or `cli:<user>`.
    name: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.role is not Role.ANONYMOUS


ANONYMOUS = Principal(Role.ANONYMOUS)


def cli_principal() -> Principal:
    """Whoever runs the `registry` command on the server has the database password: an admin."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal(Role.ADMIN, name=f"cli:{user}")


@dataclass(frozen=True)
class Writer:
    """Who makes a write and through which channel. Every DAO write takes one, required (never
    `None`), so no write can leave the audit trail out."""

    principal: Principal
    channel: Channel

    @classmethod
    def cli(cls) -> Writer:
        return cls(cli_principal(), Channel.CLI)

    @classmethod
    def importer(cls, principal: Principal | None = None) -> Writer:
        return cls(principal or cli_principal(), Channel.IMPORT)
