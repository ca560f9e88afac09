"""Every write endpoint of the API × every role: the expected status; on refusal nothing changes,
not even the audit trail, and an accepted write leaves an audit event of the caller's role (OWASP
API Security #1, broken object-level authorisation).

`test_every_write_route_is_in_the_matrix` reads the app's url_map, so a new write endpoint fails
the build until it is added to ENDPOINTS (or to NOT_WRITES, with the reason).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from importers.records import derived_id
from importers.review import decide
from registry.dao.actors import ActorDao
from registry.dao.taxonomy import TaxonomyDao
from registry.db import Graph
from registry.demo import demo_id
from registry.demo.relationships import relationship_key
from registry.identity import Writer
from tests.auth_support import (
    MEMBER,
    NON_MEMBER,
    OTHER_MEMBER,
    OTHER_UMBRELLA,
    PUBLIC_ACTOR,
    UMBRELLA,
    Tokens,
    audit_count,
    bearer,
    pending_membership,
)
from tests.import_helpers import FIXTURES, run

ROLES = ("anonymous", "reader", "coordinator", "umbrella", "other_umbrella", "admin")


# Statuses in the order of ROLES for the two common rules of registry.auth.WRITE_RULES.
def coordinating(status: int) -> tuple[int, ...]:
    """Coordinators and admins get `status`; everyone else is refused."""
    return (401, 403, status, 403, 403, status)


def admin_only(status: int) -> tuple[int, ...]:
    return (401, 403, 403, 403, 403, status)


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None
    needs_etag: bool
    expected: tuple[int, ...]  # in the order of ROLES
    writes: bool = True
    # Runs on the demo graph before the request (e.g. archives the actor a restore needs).
    setup: Callable[[Graph], None] | None = None
    # A file (under tests/fixtures/registers) sent as the multipart field `file`, `body` as the form.
    upload: str | None = None
    # False where the write goes through code that records no audit event yet (the importers).
    audited: bool = True


MEMBER_PATH = f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}"
PENDING_PATH = f"/api/v1/umbrellas/{UMBRELLA}/members/{NON_MEMBER}"
ACTOR_PATH = f"/api/v1/actors/{MEMBER}"
RELATIONSHIP = demo_id(
    relationship_key(
        {
            "type": "DEPENDS_ON",
            "from": "kumla-pensionarsforening-linden",
            "to": "kumla-kommun",
            "kind": "power",
            "resource": "premises",
        }
    )
)
ENGAGEMENT = demo_id("engaged:utmaning-kumla:kumla-pensionarsforening-linden")  # at "knowledge"
AGREEMENT = demo_id("iop-vankraft-kumla")
ARENA = demo_id("arena-kumla-ensamhet")
MEETING = demo_id("meeting:kumla-2025-11")
CHALLENGE = demo_id("utmaning-kumla")
REVIEW_ITEM = derived_id("review", "register:1861:H-8")


def _ended(graph: Graph) -> None:
    graph.write(
        "MATCH (:Actor {id: $m})-[r:MEMBER_OF]->(:Actor {id: $u}) SET r.until = '2024-12-31'", m=MEMBER, u=UMBRELLA
    )


def _archived(graph: Graph) -> None:
    assert ActorDao(graph).set_archived(NON_MEMBER, True, Writer.cli())


def _spare_terms(graph: Graph) -> None:
    TaxonomyDao(graph).create("interest_areas", "matrix-spare", "Matristerm", "Matrix term", None, writer=Writer.cli())
    TaxonomyDao(graph).create("target_groups", "matrix-spare", "Matrisgrupp", "Matrix group", None, writer=Writer.cli())


def _pending_review(graph: Graph) -> None:
    run(graph, FIXTURES / "three" / "kumla.csv", municipality="Kumla")
    run(graph, FIXTURES / "three" / "hallsberg.csv", municipality="Hallsberg")


def _accepted_review(graph: Graph) -> None:
    """A merge to undo: the pending review, accepted."""
    _pending_review(graph)
    decide(graph, REVIEW_ITEM, status="accepted", writer=Writer.cli())


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
    # Membership consent (issue 15): an umbrella's request for another umbrella's member is only a
    # pending claim (201, rights tested in tests/test_umbrella_consent.py); another umbrella is
    # never its to claim; a pending member is not its to edit; only admins, coordinators (or the
    # member itself) decide, never the umbrella that asked.
    Endpoint(
        "claim another umbrella's member",
        "POST",
        f"/api/v1/umbrellas/{UMBRELLA}/members",
        {"member_id": OTHER_MEMBER},
        False,
        (401, 403, 201, 201, 403, 201),
    ),
    Endpoint(
        "enrol another umbrella",
        "POST",
        f"/api/v1/umbrellas/{UMBRELLA}/members",
        {"member_id": OTHER_UMBRELLA},
        False,
        (401, 403, 201, 403, 403, 201),
    ),
    Endpoint(
        "patch pending member",
        "PATCH",
        PENDING_PATH,
        {"website": "https://kapad.example"},
        True,
        (401, 403, 403, 403, 403, 200),
        setup=pending_membership,
    ),
    Endpoint(
        "patch pending member's actor",
        "PATCH",
        f"/api/v1/actors/{NON_MEMBER}",
        {"website": "https://kapad.example"},
        True,
        (401, 403, 403, 403, 403, 200),
        setup=pending_membership,
    ),
    Endpoint(
        "patch former member",
        "PATCH",
        ACTOR_PATH,
        {"member_count": 79},
        True,
        (401, 403, 403, 403, 403, 200),
        setup=_ended,
    ),
    Endpoint(
        "confirm membership",
        "POST",
        f"{PENDING_PATH}/decision",
        {"decision": "confirm"},
        False,
        coordinating(200),
        setup=pending_membership,
    ),
    Endpoint(
        "decline membership",
        "POST",
        f"{PENDING_PATH}/decision",
        {"decision": "decline"},
        False,
        coordinating(200),
        setup=pending_membership,
    ),
    Endpoint(
        "gdpr erase",
        "POST",
        "/api/v1/gdpr/erase",
        {"email": "lennart.rydholm@linden-kumla.example"},
        False,
        admin_only(200),
    ),
    Endpoint(
        "gdpr export",
        "POST",
        "/api/v1/gdpr/export",
        {"email": "lennart.rydholm@linden-kumla.example"},
        False,
        admin_only(200),
        writes=False,
    ),
    Endpoint(
        "create actor",
        "POST",
        "/api/v1/actors",
        {"name": "Matrisföreningen i Kumla", "sector": "civil", "kind": "association", "municipality": "1881"},
        False,
        admin_only(201),
    ),
    Endpoint("patch actor", "PATCH", ACTOR_PATH, {"member_count": 78}, True, (401, 403, 403, 200, 403, 200)),
    Endpoint("archive actor", "DELETE", f"/api/v1/actors/{NON_MEMBER}", None, False, admin_only(204)),
    Endpoint(
        "restore actor",
        "POST",
        f"/api/v1/actors/{NON_MEMBER}/restore",
        None,
        False,
        admin_only(200),
        setup=_archived,
    ),
    Endpoint(
        "create relationship",
        "POST",
        "/api/v1/relationships",
        {"type": "PERCEIVES", "from": NON_MEMBER, "to": PUBLIC_ACTOR, "properties": {"valence": 1}},
        False,
        coordinating(201),
    ),
    Endpoint(
        "patch relationship",
        "PATCH",
        f"/api/v1/relationships/{RELATIONSHIP}",
        {"note": "Ändrad i matrisen", "properties": {"strength": 5}},
        True,
        coordinating(200),
    ),
    Endpoint(
        "stage change",
        "PATCH",
        f"/api/v1/relationships/{ENGAGEMENT}",
        {"properties": {"stage": "trust_and_structure"}},
        True,
        coordinating(200),
    ),
    Endpoint("end relationship", "POST", f"/api/v1/relationships/{RELATIONSHIP}/end", {}, False, coordinating(200)),
    Endpoint("delete relationship", "DELETE", f"/api/v1/relationships/{RELATIONSHIP}", None, False, coordinating(204)),
    Endpoint(
        "create agreement",
        "POST",
        "/api/v1/agreements",
        {"kind": "iop", "title": "Matris-IOP"},
        False,
        coordinating(201),
    ),
    Endpoint(
        "patch agreement",
        "PATCH",
        f"/api/v1/agreements/{AGREEMENT}",
        {"title": "IOP Vänkraft (ändrad)"},
        True,
        coordinating(200),
    ),
    Endpoint("delete agreement", "DELETE", f"/api/v1/agreements/{AGREEMENT}", None, False, coordinating(204)),
    Endpoint(
        "add party",
        "POST",
        f"/api/v1/agreements/{AGREEMENT}/parties",
        {"actor": NON_MEMBER},
        False,
        coordinating(201),
    ),
    Endpoint(
        "create arena",
        "POST",
        "/api/v1/arenas",
        {"name": "Matrisarenan", "municipality_code": "1881", "interest_areas": ["loneliness"]},
        False,
        coordinating(201),
    ),
    Endpoint("patch arena", "PATCH", f"/api/v1/arenas/{ARENA}", {"cadence": "quarterly"}, True, coordinating(200)),
    Endpoint("delete arena", "DELETE", f"/api/v1/arenas/{ARENA}", None, False, coordinating(204)),
    Endpoint(
        "add participant",
        "POST",
        f"/api/v1/arenas/{ARENA}/participants",
        {"actor": NON_MEMBER, "role": "guest"},
        False,
        coordinating(201),
    ),
    Endpoint(
        "create meeting",
        "POST",
        f"/api/v1/arenas/{ARENA}/meetings",
        {"date": "2026-01-15", "purpose": "Matrisens möte", "participants": [MEMBER]},
        False,
        coordinating(201),
    ),
    Endpoint(
        "patch meeting",
        "PATCH",
        f"/api/v1/arenas/{ARENA}/meetings/{MEETING}",
        {"purpose": "Ändrat syfte", "participants": [MEMBER]},
        True,
        coordinating(200),
    ),
    Endpoint("delete meeting", "DELETE", f"/api/v1/arenas/{ARENA}/meetings/{MEETING}", None, False, coordinating(204)),
    Endpoint(
        "create challenge",
        "POST",
        "/api/v1/challenges",
        {"name": "Matrisutmaningen", "municipality_codes": ["1881"], "target_groups": ["elderly"]},
        False,
        coordinating(201),
    ),
    Endpoint(
        "patch challenge",
        "PATCH",
        f"/api/v1/challenges/{CHALLENGE}",
        {"description": "Ändrad i matrisen"},
        True,
        coordinating(200),
    ),
    Endpoint("delete challenge", "DELETE", f"/api/v1/challenges/{CHALLENGE}", None, False, coordinating(204)),
    Endpoint(
        "add engagement",
        "POST",
        f"/api/v1/challenges/{CHALLENGE}/engagements",
        {"actor": NON_MEMBER, "stage": "arena"},
        False,
        coordinating(201),
    ),
    Endpoint(
        "create interest area",
        "POST",
        "/api/v1/interest-areas",
        {"id": "matrix-choir", "label_sv": "Matriskör", "label_en": "Matrix choir", "broader": "music"},
        False,
        admin_only(201),
    ),
    Endpoint(
        "patch interest area",
        "PATCH",
        "/api/v1/interest-areas/music",
        {"label_en": "Music and choirs"},
        False,
        admin_only(200),
    ),
    Endpoint(
        "delete interest area",
        "DELETE",
        "/api/v1/interest-areas/matrix-spare",
        None,
        False,
        admin_only(204),
        setup=_spare_terms,
    ),
    Endpoint(
        "create target group",
        "POST",
        "/api/v1/target-groups",
        {"id": "matrix-group", "label_sv": "Matrisgrupp", "label_en": "Matrix group", "broader": "adults"},
        False,
        admin_only(201),
    ),
    Endpoint(
        "patch target group",
        "PATCH",
        "/api/v1/target-groups/elderly",
        {"label_en": "Older people"},
        False,
        admin_only(200),
    ),
    Endpoint(
        "delete target group",
        "DELETE",
        "/api/v1/target-groups/matrix-spare",
        None,
        False,
        admin_only(204),
        setup=_spare_terms,
    ),
    Endpoint(
        "import register",
        "POST",
        "/api/v1/imports",
        {"municipality": "Kumla"},
        False,
        admin_only(200),
        upload="three/kumla.csv",
        audited=False,
    ),
    Endpoint(
        "accept review",
        "POST",
        f"/api/v1/reviews/{REVIEW_ITEM}/accept",
        None,
        False,
        coordinating(200),
        setup=_pending_review,
        audited=False,
    ),
    Endpoint(
        "reject review",
        "POST",
        f"/api/v1/reviews/{REVIEW_ITEM}/reject",
        None,
        False,
        coordinating(200),
        setup=_pending_review,
        audited=False,
    ),
    Endpoint(
        "unsure review",
        "POST",
        f"/api/v1/reviews/{REVIEW_ITEM}/unsure",
        None,
        False,
        coordinating(200),
        setup=_pending_review,
        audited=False,
    ),
    Endpoint(
        "undo review",
        "POST",
        f"/api/v1/reviews/{REVIEW_ITEM}/undo",
        None,
        False,
        coordinating(200),
        setup=_accepted_review,
        audited=False,
    ),
    # A list naming another umbrella's member: the umbrella's upload only makes a pending claim
    # (nothing of the row is written to the actor: tests/test_umbrella_consent.py), an admin's is
    # trusted. The import's audit event is of channel `import`, not `api`.
    Endpoint(
        "member list claiming another umbrella's member",
        "POST",
        f"/api/v1/umbrellas/{UMBRELLA}/members/import",
        {"dry_run": "false"},
        False,
        (401, 403, 403, 200, 403, 200),
        upload="members/claims-another-umbrellas-member.csv",
        audited=False,
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

# Routes with a write method that are not writes, and why they are not in the matrix.
# The umbrella page's forms are not bearer-token API calls: a session set by signing in with an
# umbrella token decides, and tests/test_web_umbrella.py covers them (another umbrella's member is
# 403 and unchanged, forms without CSRF are 400, only umbrella tokens sign in).
_UMBRELLA_PAGE = "umbrella page form, session-authorised: tests/test_web_umbrella.py"
NOT_WRITES: dict[tuple[str, str], str] = {
    ("umbrella_page.sign_in", "POST"): "signing in writes nothing: " + _UMBRELLA_PAGE,
    ("umbrella_page.sign_out", "POST"): "signing out writes nothing: " + _UMBRELLA_PAGE,
    ("umbrella_page.save_member", "POST"): _UMBRELLA_PAGE,
    ("umbrella_page.preview_upload", "POST"): "a preview writes nothing: " + _UMBRELLA_PAGE,
    ("umbrella_page.apply_upload", "POST"): _UMBRELLA_PAGE,
}


def _cases() -> list[Any]:
    """One case for all the roles an endpoint refuses (a refusal changes nothing, so they share
    one demo graph) and one case for each role it lets write (each on a fresh graph)."""
    cases = []
    for endpoint in ENDPOINTS:
        outcomes = list(zip(ROLES, endpoint.expected, strict=True))
        refused = tuple(o for o in outcomes if o[1] >= 400)
        if refused:
            cases.append(pytest.param(endpoint, refused, id=f"{endpoint.name}-refused"))
        cases += [pytest.param(endpoint, (o,), id=f"{endpoint.name}-{o[0]}") for o in outcomes if o[1] < 400]
    return cases


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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


def _api_events(graph: Graph, role: str) -> int:
    row = graph.read_one("MATCH (e:AuditEvent {channel: 'api', role: $role}) RETURN count(e) AS n", role=role)
    return int(row["n"]) if row else 0


def _etag(client: FlaskClient, path: str, issued: Tokens, role: str) -> str:
    # The caller's own view where it may read the item (an actor's tag covers what that role
    # sees), else an admin's: a refused caller must be refused for its role, not for a stale tag.
    for token in (issued.by_name(role), issued.admin):
        response = client.get(path, headers=bearer(token))
        if response.status_code == 200 and response.headers.get("ETag"):
            return response.headers["ETag"]
    raise AssertionError(f"no ETag from GET {path}")


def _request(client: FlaskClient, endpoint: Endpoint, headers: dict[str, str]) -> Any:
    if endpoint.upload is not None:
        data: dict[str, Any] = dict(endpoint.body or {})
        data["file"] = (io.BytesIO((FIXTURES / endpoint.upload).read_bytes()), endpoint.upload.rsplit("/", 1)[-1])
        return client.open(endpoint.path, method=endpoint.method, data=data, headers=headers)
    return client.open(endpoint.path, method=endpoint.method, json=endpoint.body, headers=headers)


@pytest.mark.parametrize(("endpoint", "outcomes"), _cases())
def test_role_endpoint_matrix(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
    endpoint: Endpoint,
    outcomes: tuple[tuple[str, int], ...],
) -> None:
    if endpoint.setup is not None:
        endpoint.setup(demo_graph)
    for role, expected in outcomes:
        extra = {"If-Match": _etag(client, endpoint.path, tokens, role)} if endpoint.needs_etag else {}
        before, events = _fingerprint(demo_graph), audit_count(demo_graph)
        role_name = "umbrella" if role == "other_umbrella" else role
        own_events = _api_events(demo_graph, role_name)
        response = _request(client, endpoint, bearer(tokens.by_name(role), **extra))
        assert response.status_code == expected, (role, response.get_json())
        if expected >= 400:
            assert response.get_json()["code"] == expected, role
            assert _fingerprint(demo_graph) == before, f"a refused request ({role}) changed the graph"
            assert audit_count(demo_graph) == events, f"a refused request ({role}) left an audit event"
        elif endpoint.writes:
            assert _fingerprint(demo_graph) != before
            if endpoint.audited:
                assert _api_events(demo_graph, role_name) > own_events, "a write without an audit event of the caller"
        else:
            assert _fingerprint(demo_graph) == before


def test_the_matrix_covers_every_role_of_every_endpoint() -> None:
    assert len({e.name for e in ENDPOINTS}) == len(ENDPOINTS)
    for endpoint in ENDPOINTS:
        assert len(endpoint.expected) == len(ROLES), endpoint.name
        assert endpoint.expected[0] == 401, f"{endpoint.name}: anonymous callers never write"


def test_every_write_route_is_in_the_matrix(app: Flask) -> None:
    """Compares the matrix with the routes this app has: a write route that is in neither
    ENDPOINTS nor NOT_WRITES fails, and so does a matrix entry whose route does not exist."""
    adapter = app.url_map.bind("localhost")
    covered: set[tuple[str, str]] = set()
    for endpoint in ENDPOINTS:
        name, _ = adapter.match(endpoint.path, method=endpoint.method)
        covered.add((str(name), endpoint.method))
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) & WRITE_METHODS
    }
    assert routes - covered - NOT_WRITES.keys() == set(), "write routes missing from the role × endpoint matrix"
    assert NOT_WRITES.keys() <= routes, "NOT_WRITES names a route that no longer exists"
