"""Every write endpoint of this module × every role: the expected status, and on refusal nothing
changes, not even the audit trail (OWASP API Security #1, broken object-level authorisation).

The endpoints of the actor, relationship, arena, challenge and import resources join this
matrix when they are merged with the authorisation rules of `registry.auth`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from registry.db import Graph
from tests.auth_support import (
    MEMBER,
    NON_MEMBER,
    UMBRELLA,
    Tokens,
    audit_count,
    bearer,
    demo,  # noqa: F401 (fixture)
    member_etag,
    token_secret,  # noqa: F401 (fixture)
    tokens,  # noqa: F401 (fixture)
)

ROLES = ("anonymous", "reader", "coordinator", "umbrella", "other_umbrella", "admin")


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None
    needs_etag: bool
    expected: tuple[int, ...]  # in the order of ROLES
    writes: bool = True


MEMBER_PATH = f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}"
ENDPOINTS = (
    Endpoint("patch member", "PATCH", MEMBER_PATH, {"member_count": 77}, True, (401, 403, 403, 200, 403, 200)),
    Endpoint(
        "add member",
        "POST",
        f"/api/v1/umbrellas/{UMBRELLA}/members",
        {"member_id": NON_MEMBER},
        False,
        (401, 403, 201, 201, 403, 201),
    ),
    Endpoint("end membership", "DELETE", MEMBER_PATH, None, True, (401, 403, 200, 200, 403, 200)),
    Endpoint(
        "gdpr erase",
        "POST",
        "/api/v1/gdpr/erase",
        {"email": "lennart.rydholm@linden-kumla.example"},
        False,
        (401, 403, 403, 403, 403, 200),
    ),
    Endpoint(
        "gdpr export",
        "POST",
        "/api/v1/gdpr/export",
        {"email": "lennart.rydholm@linden-kumla.example"},
        False,
        (401, 403, 403, 403, 403, 200),
        writes=False,
    ),
    # Without a file: the role and object-level rule answer first; the uploads themselves are in
    # tests/test_umbrella_import.py.
    Endpoint(
        "member list import",
        "POST",
        f"/api/v1/umbrellas/{UMBRELLA}/members/import",
        None,
        False,
        (401, 403, 403, 422, 403, 422),
    ),
)

CASES = [
    pytest.param(endpoint, role, status, id=f"{endpoint.name}-{role}")
    for endpoint in ENDPOINTS
    for role, status in zip(ROLES, endpoint.expected, strict=True)
]


def _fingerprint(graph: Graph) -> str:
    """Every node and relationship of the registry's data (the audit trail and tokens aside)."""
    nodes = graph.read(
        "MATCH (n) WHERE NOT n:AuditEvent AND NOT n:ApiToken "
        "RETURN labels(n) AS l, properties(n) AS p ORDER BY elementId(n)"
    )
    rels = graph.read(
        "MATCH (a)-[r]->(b) WHERE NOT a:AuditEvent "
        "RETURN type(r) AS t, a.id AS a, b.id AS b, properties(r) AS p ORDER BY elementId(r)"
    )
    return hashlib.sha256(json.dumps([nodes, rels], sort_keys=True, default=str).encode()).hexdigest()


@pytest.mark.parametrize(("endpoint", "role", "expected"), CASES)
def test_role_endpoint_matrix(
    demo: Graph,  # noqa: F811
    client: FlaskClient,
    tokens: Tokens,  # noqa: F811
    endpoint: Endpoint,
    role: str,
    expected: int,
) -> None:
    extra = {"If-Match": member_etag(client, tokens.admin, UMBRELLA, MEMBER)} if endpoint.needs_etag else {}
    before, events = _fingerprint(demo), audit_count(demo)
    response = client.open(
        endpoint.path, method=endpoint.method, json=endpoint.body, headers=bearer(tokens.by_name(role), **extra)
    )
    assert response.status_code == expected, response.get_json()
    if expected >= 400:
        assert response.get_json()["code"] == expected
        assert _fingerprint(demo) == before, "a refused request changed the graph"
        assert audit_count(demo) == events, "a refused request left an audit event"
    elif endpoint.writes:
        assert _fingerprint(demo) != before
        assert audit_count(demo) > events, "a write without an audit event"
