"""Rate limits: failed authentication per client address, writes per token; reads are not limited."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry import create_app
from registry.db import Graph
from tests.auth_support import (
    MEMBER,
    UMBRELLA,
    Tokens,
    bearer,
    demo,  # noqa: F401 (fixture)
    token_secret,  # noqa: F401 (fixture)
    tokens,  # noqa: F401 (fixture)
)

MEMBERS = f"/api/v1/umbrellas/{UMBRELLA}/members"
BAD = {"Authorization": "Bearer reg_0123456789ab_" + "A" * 43}


def _client(app: Flask, **config: str) -> FlaskClient:
    return create_app({**app.config, "RATELIMIT_ENABLED": True, **config}).test_client()


def test_failed_authentication_is_limited_per_address(demo: Graph, app: Flask, tokens: Tokens) -> None:  # noqa: F811
    client = _client(app, RATELIMIT_AUTH_FAILURES="3 per minute")
    for _ in range(3):
        assert client.get(MEMBERS, headers=BAD).status_code == 401
    blocked = client.get(MEMBERS, headers=BAD)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    body = blocked.get_json()
    assert body["code"] == 429 and body["message"].startswith("För många")
    # While blocked, this address cannot try tokens at all, not even a valid one...
    assert client.get(MEMBERS, headers=bearer(tokens.admin)).status_code == 429
    # ...but may still read anonymously, and other addresses are not affected.
    assert client.get(MEMBERS).status_code == 200
    other = {"REMOTE_ADDR": "192.0.2.7"}
    assert client.get(MEMBERS, headers=bearer(tokens.admin), environ_base=other).status_code == 200


def test_successful_authentication_is_not_counted(demo: Graph, app: Flask, tokens: Tokens) -> None:  # noqa: F811
    client = _client(app, RATELIMIT_AUTH_FAILURES="3 per minute")
    for _ in range(10):
        assert client.get(MEMBERS, headers=bearer(tokens.reader)).status_code == 200


def test_writes_are_limited_per_token_and_reads_are_not(demo: Graph, app: Flask, tokens: Tokens) -> None:  # noqa: F811
    client = _client(app, RATELIMIT_WRITES="3 per minute")
    path = f"{MEMBERS}/{MEMBER}"
    # Refused writes count too: the limit is on attempts, which is what an abuser makes.
    for count in range(3):
        response = client.patch(
            path, json={"member_count": count}, headers=bearer(tokens.umbrella, **{"If-Match": '"x"'})
        )
        assert response.status_code == 412
    limited = client.patch(path, json={"member_count": 9}, headers=bearer(tokens.umbrella, **{"If-Match": "*"}))
    assert limited.status_code == 429
    assert limited.get_json()["message"].startswith("För många ändringar")
    assert "Retry-After" in limited.headers
    assert client.get(path, headers=bearer(tokens.umbrella)).status_code == 200
    # Another client (token) has its own budget.
    other = client.patch(path, json={"member_count": 9}, headers=bearer(tokens.admin, **{"If-Match": "*"}))
    assert other.status_code == 200
    row = demo.read_one("MATCH (a:Actor {id: $id}) RETURN a.member_count AS n", id=MEMBER)
    assert row == {"n": 9}


def test_limits_come_from_the_environment(
    demo: Graph,  # noqa: F811
    app: Flask,
    tokens: Tokens,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RATELIMIT_WRITES", "1 per hour")
    config = {k: v for k, v in app.config.items() if not k.startswith("RATELIMIT_")}
    client = create_app(config).test_client()
    assert client.application.config["RATELIMIT_WRITES"] == "1 per hour"
    assert client.application.config["RATELIMIT_STORAGE_URI"] == "memory://"
    body = {"member_id": MEMBER}
    first = client.post(f"/api/v1/umbrellas/{UMBRELLA}/members", json=body, headers=bearer(tokens.admin))
    assert first.status_code == 409
    second = client.post(f"/api/v1/umbrellas/{UMBRELLA}/members", json=body, headers=bearer(tokens.admin))
    assert second.status_code == 429
