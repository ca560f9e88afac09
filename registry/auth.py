"""Who is calling, and what they may see and change.

Every request has a `Principal`: resolved from an `Authorization: Bearer …` API token in a
`before_request` hook, or anonymous. Decisions about personal data and about object-level
rights are made here, never in a resource or a serializer, so one rule holds everywhere: the
API, exports, maps and history. Resources call the `authorize_*` functions with the object
they are about to change; a route decorator alone (`require_role`) cannot know that an
umbrella may change its own members and nothing else (OWASP API Security #1).

Roles: `reader` sees public data; `coordinator` also contact persons, and edits relationships,
arenas, meetings and challenges, and confirms memberships; `umbrella` is bound to one umbrella
actor and reads and edits its members (the fields in `UMBRELLA_EDITABLE_FIELDS`), their
memberships and member lists; `admin` may do everything.

Membership is a claim that needs consent: what an umbrella enrols (by the API or its member list)
is `pending` and gives it nothing until an admin, a coordinator or the member itself confirms it.
An umbrella's rights over an actor (its contact persons, history, edits) come only from a
confirmed membership valid today, of a civil-society actor that is not an umbrella itself
(`registry.dao.umbrellas.GRANTS`, the one predicate every check here uses). Anonymous callers
see what a reader sees, or nothing when `REGISTRY_ACCESS=closed`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Any, NoReturn, TypeVar

from flask import Flask, Response, current_app, g, jsonify, request
from flask_smorest import abort

from graph_schema.contract import MembershipStatus
from registry.dao.tokens import StoredToken, TokenDao
from registry.dao.umbrellas import MEMBER_PROPERTIES, UmbrellaDao
from registry.db import get_graph
from registry.errors import error_body
from registry.identity import ANONYMOUS, TOKEN_ROLES, Channel, Principal, Role, Writer
from registry.tokens import SECRET_ENV, TokenSecretError, load_secret, matches, parse

F = TypeVar("F", bound=Callable[..., Any])


def current_principal() -> Principal:
    principal: Principal = g.get("principal", ANONYMOUS)
    return principal


def current_writer() -> Writer:
    """Who a write in this request is made by, for the audit trail: the caller, through the API."""
    return Writer(current_principal(), Channel.API)


def can_see_contacts(principal: Principal, *, umbrella_ids: frozenset[str] = frozenset()) -> bool:
    """Contact persons are personal data: coordinators and admins see them; an umbrella sees them
    for its own members (`umbrella_ids` are the umbrellas the actor in question belongs to)."""
    if principal.role in (Role.COORDINATOR, Role.ADMIN):
        return True
    if principal.role is Role.UMBRELLA and principal.actor_id is not None:
        return principal.actor_id in umbrella_ids
    return False


def can_see_contacts_of(principal: Principal, actor_id: str) -> bool:
    """`can_see_contacts` for one actor: for an umbrella, whether the actor is among those it has
    rights over (`granted_members`). Used by every answer about one actor or a list of them: the
    actor API, the export, the pages and history."""
    if principal.role is Role.UMBRELLA:
        return principal.actor_id is not None and actor_id in granted_members(principal)
    return can_see_contacts(principal)


def granted_members(principal: Principal) -> frozenset[str]:
    """The actors an umbrella principal has rights over today, read once per request (an export of
    thousands of actors asks for each of them); empty for every other role."""
    if principal.role is not Role.UMBRELLA or principal.actor_id is None:
        return frozenset()
    cache: dict[str, frozenset[str]] = g.setdefault("registry.granted_members", {})
    found = cache.get(principal.actor_id)
    if found is None:
        found = cache[principal.actor_id] = UmbrellaDao(get_graph()).granted_members(principal.actor_id)
    return found


def forget_granted_members() -> None:
    """After a membership write in this request, the next rights check reads the graph again."""
    g.pop("registry.granted_members", None)


# -- what each role may write ---------------------------------------------------------------
class Write(StrEnum):
    """Kinds of write. Resources name the kind; `WRITE_RULES` says which roles may do it at all,
    and the `authorize_*` functions add the object-level rule where one exists."""

    ACTOR_CREATE = "actor.create"
    ACTOR_UPDATE = "actor.update"  # includes the actor's contact persons
    ACTOR_ARCHIVE = "actor.archive"
    MEMBERSHIP = "membership"  # add or end MEMBER_OF
    MEMBERSHIP_DECISION = "membership.decision"  # confirm or decline a pending MEMBER_OF
    MEMBER_IMPORT = "member.import"  # an umbrella's member list
    RELATIONSHIP = "relationship"  # DEPENDS_ON, FUNDS, PERCEIVES, PARTY_TO, PARTICIPATES_IN, ATTENDED, ENGAGED_IN
    ARENA = "arena"
    MEETING = "meeting"
    CHALLENGE = "challenge"
    AGREEMENT = "agreement"
    MAP = "map"  # saved map views
    TAXONOMY = "taxonomy"
    IMPORT = "import"  # register and member-list imports over /api/v1/imports
    REVIEW = "review"  # deciding a possible duplicate an import queued
    TOKEN = "token"  # noqa: S105 (a kind of write, not a secret)
    GDPR = "gdpr"


_COORDINATING = frozenset({Role.COORDINATOR, Role.ADMIN})
_UMBRELLA_SCOPED = frozenset({Role.UMBRELLA, Role.ADMIN})

WRITE_RULES: dict[Write, frozenset[Role]] = {
    Write.ACTOR_CREATE: frozenset({Role.ADMIN}),
    Write.ACTOR_UPDATE: _UMBRELLA_SCOPED,
    Write.ACTOR_ARCHIVE: frozenset({Role.ADMIN}),
    Write.MEMBERSHIP: frozenset({Role.COORDINATOR, Role.UMBRELLA, Role.ADMIN}),
    # The umbrella role is here only for a token of the member itself (`authorize_membership_decision`).
    Write.MEMBERSHIP_DECISION: frozenset({Role.COORDINATOR, Role.UMBRELLA, Role.ADMIN}),
    Write.MEMBER_IMPORT: _UMBRELLA_SCOPED,
    Write.RELATIONSHIP: _COORDINATING,
    Write.ARENA: _COORDINATING,
    Write.MEETING: _COORDINATING,
    Write.CHALLENGE: _COORDINATING,
    Write.AGREEMENT: _COORDINATING,
    Write.MAP: _COORDINATING,
    Write.TAXONOMY: frozenset({Role.ADMIN}),
    Write.IMPORT: frozenset({Role.ADMIN}),
    Write.REVIEW: _COORDINATING,
    Write.TOKEN: frozenset({Role.ADMIN}),
    Write.GDPR: frozenset({Role.ADMIN}),
}

# What an umbrella may change of its members: its contact data, activities and member count
# (`registry.dao.umbrellas.MEMBER_PROPERTIES`), contact persons and target groups. Not the name, org
# number, seat (municipality), sector or kind: those identify the organisation and come from registers.
UMBRELLA_EDITABLE_FIELDS = frozenset({*MEMBER_PROPERTIES, "contacts", "target_groups"})


def unauthorized() -> NoReturn:
    abort(401, message="Inloggning krävs: skicka en API-token / Authentication required: send an API token.")


def forbidden(message: str = "") -> NoReturn:
    abort(403, message=message or "Din roll får inte göra detta / Your role may not do this.")


def _require_authenticated(principal: Principal) -> None:
    if not principal.is_authenticated:
        unauthorized()


def authorize(principal: Principal, kind: Write) -> None:
    """Role-level check for a kind of write: 401 for anonymous callers, 403 for a role without the
    right. Kinds with an object-level rule (actor updates, memberships, member imports) must use
    their own `authorize_*` function as well, which calls this one."""
    _require_authenticated(principal)
    if principal.role not in WRITE_RULES[kind]:
        forbidden(f"Rollen {principal.role} får inte ändra detta / The {principal.role} role may not write {kind}.")


def require_role(*roles: Role) -> Callable[[F], F]:
    """Decorator for views only some roles may call at all (admin always may). Put it above the
    `@blp.arguments` decorators so that unauthorised callers learn nothing from validation."""
    allowed = frozenset(roles) | {Role.ADMIN}

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            _require_authenticated(principal)
            if principal.role not in allowed:
                forbidden()
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def require_write(kind: Write) -> Callable[[F], F]:
    """Decorator: `authorize(principal, kind)` before the view runs, for writes without an
    object-level rule. Like `require_role`, put it above the `@blp.arguments` decorators."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            authorize(current_principal(), kind)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def _is_current_member(member_id: str, umbrella_id: str) -> bool:
    # Only a confirmed, current membership of a civil-society actor that is not an umbrella itself:
    # a pending claim, a former member, a municipality on the list or another umbrella give nothing.
    return UmbrellaDao(get_graph()).grants_rights(member_id, umbrella_id)


def authorize_actor_write(principal: Principal, actor_id: str, *, fields: Iterable[str] | None = None) -> None:
    """May `principal` change actor `actor_id` (and, if given, these fields of it)?

    Admin: yes. Umbrella: only actors it has rights over (a confirmed MEMBER_OF valid today, see
    `registry.dao.umbrellas.GRANTS`), and only `UMBRELLA_EDITABLE_FIELDS`.
    Everyone else: no. Raises 401/403; returns None when allowed.
    """
    authorize(principal, Write.ACTOR_UPDATE)
    if principal.role is Role.ADMIN:
        return
    if fields is not None:
        refused = sorted(set(fields) - UMBRELLA_EDITABLE_FIELDS)
        if refused:
            forbidden(
                "En paraplyorganisation får inte ändra dessa fält / An umbrella may not change these fields: "
                + ", ".join(refused)
            )
    if principal.actor_id is None or not _is_current_member(actor_id, principal.actor_id):
        forbidden(
            "Aktören är inte medlem i er paraplyorganisation / The actor is not a current member of your umbrella."
        )


def authorize_umbrella(principal: Principal, umbrella_id: str, kind: Write) -> None:
    """May `principal` do a `kind` write (membership, member import, member update) in the name of
    umbrella `umbrella_id`? An umbrella token only for its own umbrella; other roles by `WRITE_RULES`."""
    authorize(principal, kind)
    if principal.role is Role.UMBRELLA and principal.actor_id != umbrella_id:
        forbidden("Token gäller en annan paraplyorganisation / The token is for another umbrella organisation.")


def authorize_membership_write(principal: Principal, umbrella_id: str) -> None:
    """Adding or ending a membership in `umbrella_id`: coordinators and admins, or that umbrella."""
    authorize_umbrella(principal, umbrella_id, Write.MEMBERSHIP)


def authorize_membership_add(principal: Principal, umbrella_id: str, member_id: str) -> None:
    """Adding `member_id` to `umbrella_id`. An umbrella may ask to enrol only civil-society actors
    that are not umbrellas themselves (its request is pending, see `membership_status`); a
    municipality, a company or another umbrella is not its to claim."""
    authorize_membership_write(principal, umbrella_id)
    if principal.role is not Role.UMBRELLA:
        return
    dao = UmbrellaDao(get_graph())
    sector = dao.actor_sector(member_id)
    if sector is not None and sector != "civil":
        forbidden(
            "En paraplyorganisation kan bara ta in civilsamhällets aktörer som medlemmar / "
            "An umbrella may only enrol civil-society actors as members."
        )
    if sector is not None and dao.is_umbrella(member_id):
        forbidden(
            "En paraplyorganisation kan inte ta in en annan paraplyorganisation / "
            "An umbrella may not enrol another umbrella organisation."
        )


def membership_status(principal: Principal) -> str:
    """The status of a membership `principal` records: an umbrella's own request waits for consent;
    what an admin or coordinator records (or an admin's import) is confirmed."""
    return MembershipStatus.PENDING if principal.role is Role.UMBRELLA else MembershipStatus.CONFIRMED


def authorize_membership_decision(principal: Principal, umbrella_id: str, member_id: str) -> None:
    """Confirming or declining a pending membership of `member_id` in `umbrella_id`: admins and
    coordinators, or a token that speaks for the member itself. Never the umbrella that asked."""
    authorize(principal, Write.MEMBERSHIP_DECISION)
    if principal.role is Role.UMBRELLA and (principal.actor_id != member_id or member_id == umbrella_id):
        forbidden(
            "Medlemskapet bekräftas av en administratör, en samordnare eller medlemmen själv / "
            "A membership is confirmed by an admin, a coordinator or the member itself."
        )


def authorize_member_import(principal: Principal, umbrella_id: str) -> None:
    """Uploading a member list for `umbrella_id`: admins, or that umbrella."""
    authorize_umbrella(principal, umbrella_id, Write.MEMBER_IMPORT)


def authorize_history(principal: Principal, actor_id: str) -> None:
    """An actor's audit history: coordinators and admins; an umbrella for the actors it has rights over."""
    _require_authenticated(principal)
    if principal.role in _COORDINATING:
        return
    if (
        principal.role is Role.UMBRELLA
        and principal.actor_id is not None
        and _is_current_member(actor_id, principal.actor_id)
    ):
        return
    forbidden("Historiken visas för samordnare och administratörer / History is for coordinators and admins.")


# -- resolving the principal ----------------------------------------------------------------
class Access(StrEnum):
    OPEN = "open"  # anonymous callers read what a reader reads
    CLOSED = "closed"  # anonymous callers get 401 everywhere but the endpoints below


# Endpoints that say nothing about the registry's data answer anonymous callers even when closed:
# the health check (load balancers, docker) and the API's own documentation.
PUBLIC_ENDPOINTS = frozenset(
    {"health.Health", "api-docs.openapi_json", "api-docs.openapi_swagger_ui", "swagger_assets", "static"}
)


def _unauthorized_response(message: str) -> Response:
    response = jsonify(error_body(401, message))
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    return response


def token_secret() -> bytes:
    """The server secret, read once per app: `REGISTRY_TOKEN_SECRET` in the app's config, else
    the environment or secret file that the `registry tokens` command reads too. Raises
    `registry.tokens.TokenSecretError`."""
    cached: bytes | None = current_app.extensions.get("registry.token_secret")
    if cached is None:
        configured = current_app.config.get(SECRET_ENV)
        # One reader (`load_secret`) for the app's config, the environment and the secret file alike,
        # so a configured secret is held to the same rules (length) as one in the environment.
        cached = load_secret({SECRET_ENV: configured} if isinstance(configured, str) and configured else None)
        current_app.extensions["registry.token_secret"] = cached
    return cached


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """What a presented token turned out to be: the stored token its id names (if any), and whether
    it is that token (not revoked, the secret part matches)."""

    stored: StoredToken | None
    valid: bool

    @property
    def failed_token_id(self) -> str | None:
        """For counting a failure against the token named (someone trying secrets for it)."""
        return self.stored.id if self.stored is not None else None

    @property
    def principal(self) -> Principal | None:
        """Who a valid token speaks as; None for an invalid one, or one whose role no token may have
        (an umbrella token must name its umbrella)."""
        stored = self.stored
        if stored is None or not self.valid or stored.role not in TOKEN_ROLES:
            return None
        if stored.role == Role.UMBRELLA and not stored.actor_id:
            return None
        return Principal(Role(stored.role), token_id=stored.id, actor_id=stored.actor_id, name=stored.name)


def check_token(presented: str) -> TokenCheck:
    """The one token check, for the API's `Authorization` header and the pages' sign-in alike. The
    secret is read only for a token that exists and is not revoked; raises
    `registry.tokens.TokenSecretError` when it cannot be read."""
    token_id = parse(presented)
    stored = TokenDao(get_graph()).find(token_id) if token_id else None
    if stored is None or stored.revoked:
        return TokenCheck(stored, valid=False)
    return TokenCheck(stored, valid=matches(token_secret(), presented, stored.hash))


# Counts a failed authentication; a response (429) when the caller has failed too often, else None.
FailureCounter = Callable[[str | None], Response | None]


def _resolve_principal(count_failure: FailureCounter) -> Response | None:
    header = request.headers.get("Authorization", "")
    if not header:
        g.principal = ANONYMOUS
        if current_app.config["REGISTRY_ACCESS"] == Access.CLOSED and request.endpoint not in PUBLIC_ENDPOINTS:
            return _unauthorized_response(
                "Registret är stängt: skicka en API-token / The registry is closed: send an API token."
            )
        return None
    scheme, _, presented = header.partition(" ")
    try:
        check = check_token(presented) if scheme.lower() == "bearer" else TokenCheck(None, valid=False)
    except TokenSecretError as exc:
        current_app.logger.error("API tokens cannot be checked: %s", exc)
        response = jsonify(error_body(503, "Tokens kan inte kontrolleras / API tokens cannot be checked."))
        response.status_code = 503
        return response
    principal = check.principal
    if principal is not None:
        g.principal = principal
        return None
    # Counted only now that the token is known not to be valid: a valid one always passes, even
    # from an address others' bad tokens have blocked (registry.security).
    blocked = count_failure(check.failed_token_id)
    if blocked is not None:
        return blocked
    return _unauthorized_response("Ogiltig eller återkallad token / Invalid or revoked token.")


def _mark_unauthorized(response: Response) -> Response:
    # 401s raised by `unauthorized()` inside views pass through the common error handler; the
    # challenge header tells clients which scheme to use.
    if response.status_code == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    return response


def init_app(app: Flask, *, count_failure: FailureCounter) -> None:
    """Resolves the caller of every request; call before `Api(app)` so the OpenAPI document
    declares the bearer scheme (Swagger UI then offers "Authorize"). `count_failure` counts a
    failed token (`registry.security.count_auth_failure`): passed in, as the rate limits import
    this module for the principal."""
    access = str(app.config.get("REGISTRY_ACCESS") or os.environ.get("REGISTRY_ACCESS", "") or Access.OPEN)
    try:
        app.config["REGISTRY_ACCESS"] = Access(access.strip().lower())
    except ValueError as exc:
        raise ValueError(f"REGISTRY_ACCESS must be 'open' or 'closed', not {access!r}") from exc
    spec = app.config.setdefault("API_SPEC_OPTIONS", {})
    spec.setdefault("components", {}).setdefault("securitySchemes", {})["bearerAuth"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "API-token från `registry tokens create` / API token from `registry tokens create`.",
    }
    # Either a token or none: anonymous access is decided per endpoint (and by REGISTRY_ACCESS).
    spec.setdefault("security", [{"bearerAuth": []}, {}])
    app.before_request(lambda: _resolve_principal(count_failure))
    app.after_request(_mark_unauthorized)
