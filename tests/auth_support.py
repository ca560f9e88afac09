"""A pytest plugin (registered in tests/conftest.py) for who acts in a test, and the demo graph.

Fixtures, found by name in every test module without an import: `token_secret` (autouse: the app
and the `registry tokens` command read the same secret), `demo_graph`, `tokens` (one of each role),
and one client per role: `anonymous_client`, `reader_client`, `coordinator_client`, `admin_client`
and `umbrella_client` (bound to UMBRELLA). Tests import only the helpers and the demo's ids below.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph_schema.contract import MembershipStatus
from registry.dao.actors import ActorDao
from registry.dao.tokens import TokenDao
from registry.dao.umbrellas import UmbrellaDao
from registry.db import Graph
from registry.demo import demo_id, load_demo
from registry.identity import Channel, Principal, Role, Writer
from registry.tokens import SECRET_ENV, digest, generate

TEST_SECRET = "test-secret-for-the-token-hmac-0123456789"
SETUP = Principal(Role.ADMIN, name="test-setup")

UMBRELLA = demo_id("bergslagens-foreningsrad")
MEMBER = demo_id("kumla-pensionarsforening-linden")  # a current member with two contact persons
MEMBER_2 = demo_id("nora-ungdomsforening-ralsen")
NON_MEMBER = demo_id("ik-sjoangen-askersund")  # civil, in no umbrella
PUBLIC_ACTOR = demo_id("kumla-kommun")
OTHER_UMBRELLA = demo_id("studieforbundet-bergslagsbildning")
OTHER_MEMBER = demo_id("if-kasan-karlskoga")  # made a member of OTHER_UMBRELLA by `demo_graph`


@pytest.fixture(autouse=True)
def token_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app and the `registry tokens` command read the same secret from the environment."""
    monkeypatch.setenv(SECRET_ENV, TEST_SECRET)
    yield TEST_SECRET


def issue_token(graph: Graph, role: Role, actor_id: str | None = None, name: str | None = None) -> str:
    new = generate()
    TokenDao(graph).create(
        token_id=new.id,
        token_hash=digest(TEST_SECRET.encode(), new.plaintext),
        role=str(role),
        actor_id=actor_id,
        name=name or f"test {role}",
        writer=Writer(SETUP, Channel.CLI),
    )
    return new.plaintext


def bearer(token: str | None, **extra: str) -> dict[str, str]:
    headers = dict(extra)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


@dataclass(frozen=True)
class Tokens:
    reader: str
    coordinator: str
    umbrella: str  # bound to UMBRELLA
    other_umbrella: str  # bound to OTHER_UMBRELLA
    admin: str

    def by_name(self, name: str) -> str | None:
        return None if name == "anonymous" else getattr(self, name)


@pytest.fixture
def demo_graph(graph: Graph) -> Graph:
    """The demo data, plus a second umbrella (the study association) with one member of its own."""
    load_demo(graph)
    membership = {"member": OTHER_MEMBER, "umbrella": OTHER_UMBRELLA, "since": "2020-01-01", "role": "medlem"}
    ActorDao(graph).upsert_memberships([{**membership, "source": "test"}])
    return graph


@pytest.fixture
def tokens(demo_graph: Graph) -> Tokens:
    return Tokens(
        reader=issue_token(demo_graph, Role.READER),
        coordinator=issue_token(demo_graph, Role.COORDINATOR),
        umbrella=issue_token(demo_graph, Role.UMBRELLA, UMBRELLA, name="Bergslagens föreningsråd"),
        other_umbrella=issue_token(demo_graph, Role.UMBRELLA, OTHER_UMBRELLA),
        admin=issue_token(demo_graph, Role.ADMIN),
    )


@pytest.fixture
def admin_token(graph: Graph, token_secret: str) -> str:
    return issue_token(graph, Role.ADMIN, name="test admin")


def client_as(app: Flask, token: str) -> FlaskClient:
    """A test client whose every request carries `token`."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def anonymous_client(client: FlaskClient) -> FlaskClient:
    """No token: what the public sees (conftest's `client`, named for the role it plays)."""
    return client


@pytest.fixture
def reader_client(app: Flask, graph: Graph, token_secret: str) -> FlaskClient:
    return client_as(app, issue_token(graph, Role.READER, name="test reader"))


@pytest.fixture
def coordinator_client(app: Flask, graph: Graph, token_secret: str) -> FlaskClient:
    return client_as(app, issue_token(graph, Role.COORDINATOR, name="test coordinator"))


@pytest.fixture
def admin_client(app: Flask, admin_token: str) -> FlaskClient:
    return client_as(app, admin_token)


@pytest.fixture
def umbrella_client(app: Flask, demo_graph: Graph, token_secret: str) -> FlaskClient:
    """Bergslagens föreningsråd (UMBRELLA) on the demo graph."""
    return client_as(app, issue_token(demo_graph, Role.UMBRELLA, UMBRELLA, name="Bergslagens föreningsråd"))


def pending_membership(graph: Graph, member_id: str = NON_MEMBER, umbrella_id: str = UMBRELLA) -> None:
    """`umbrella_id`'s own request to enrol `member_id`, not yet confirmed (as POST members makes it)."""
    requester = Principal(Role.UMBRELLA, token_id="test", actor_id=umbrella_id, name="test umbrella")
    UmbrellaDao(graph).add_member(
        umbrella_id,
        member_id,
        since="2024-01-01",
        role="medlem",
        status=MembershipStatus.PENDING,
        writer=Writer(requester, Channel.API),
    )


def member_etag(client: FlaskClient, token: str, umbrella_id: str, member_id: str) -> str:
    response = client.get(f"/api/v1/umbrellas/{umbrella_id}/members/{member_id}", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"]
    return response.headers["ETag"]


def audit_count(graph: Graph) -> int:
    row = graph.read_one("MATCH (e:AuditEvent) RETURN count(e) AS n")
    return int(row["n"]) if row else 0
