"""Rate limits: failed authentication per client address (and per token), writes per token; reads are
not limited; counters shared by every worker through one SQLite file; a valid token always passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.app import create_app
from registry.db import Graph
from registry.security import DEFAULT_STORAGE_URI
from tests.auth_support import MEMBER, UMBRELLA, Tokens, bearer

MEMBERS = f"/api/v1/umbrellas/{UMBRELLA}/members"
BAD = {"Authorization": "Bearer reg_0123456789ab_" + "A" * 43}


@pytest.fixture
def storage(tmp_path: Path) -> str:
    """A counter file of this test's own (the default lives in var/ and outlasts a test)."""
    return f"sqlite://{tmp_path / 'ratelimits.sqlite'}"


def _client(app: Flask, storage: str, **config: str) -> FlaskClient:
    """A worker: an app of its own (as each gunicorn worker has), counting in `storage`."""
    return create_app(
        {**app.config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage, **config}
    ).test_client()


def _wrong_secret(token: str) -> dict[str, str]:
    """The token's own id with a wrong secret."""
    prefix, token_id, _ = token.split("_", 2)
    return {"Authorization": f"Bearer {prefix}_{token_id}_" + "A" * 43}


def test_failed_authentication_is_limited_per_address(
    demo_graph: Graph, app: Flask, tokens: Tokens, storage: str
) -> None:
    client = _client(app, storage, RATELIMIT_AUTH_FAILURES="3 per minute")
    for _ in range(3):
        assert client.get(MEMBERS, headers=BAD).status_code == 401
    blocked = client.get(MEMBERS, headers=BAD)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    body = blocked.get_json()
    assert body["code"] == 429 and body["message"].startswith("För många")
    # While blocked, every failing attempt from this address is refused, whatever token it names...
    assert client.get(MEMBERS, headers=_wrong_secret(tokens.reader)).status_code == 429
    # ...but a valid token from it passes (issue 15: a NAT's other users are not locked out),
    assert client.get(MEMBERS, headers=bearer(tokens.admin)).status_code == 200
    assert (
        client.patch(
            f"{MEMBERS}/{MEMBER}", json={"member_count": 3}, headers=bearer(tokens.umbrella, **{"If-Match": '"x"'})
        ).status_code
        == 412
    )
    # it may still read anonymously, and other addresses are not affected.
    assert client.get(MEMBERS).status_code == 200
    other = {"REMOTE_ADDR": "192.0.2.7"}
    assert client.get(MEMBERS, headers=BAD, environ_base=other).status_code == 401


def test_a_token_tried_from_many_addresses_is_blocked_for_failures_only(
    demo_graph: Graph,
    app: Flask,
    tokens: Tokens,
    storage: str,
) -> None:
    client = _client(app, storage, RATELIMIT_AUTH_FAILURES="3 per minute")
    for n in range(3):
        address = {"REMOTE_ADDR": f"192.0.2.{n + 1}"}
        assert client.get(MEMBERS, headers=_wrong_secret(tokens.reader), environ_base=address).status_code == 401
    fresh = {"REMOTE_ADDR": "198.51.100.9"}
    assert client.get(MEMBERS, headers=_wrong_secret(tokens.reader), environ_base=fresh).status_code == 429
    # The token's holder, and another token from that same address, still get in.
    assert client.get(MEMBERS, headers=bearer(tokens.reader), environ_base=fresh).status_code == 200
    assert client.get(MEMBERS, headers=bearer(tokens.coordinator), environ_base=fresh).status_code == 200


def test_workers_share_the_counters(demo_graph: Graph, app: Flask, tokens: Tokens, storage: str) -> None:
    """Two app instances, as two gunicorn workers are, count together: 3 a minute is 3 in all."""
    limits = {"RATELIMIT_AUTH_FAILURES": "3 per minute", "RATELIMIT_WRITES": "3 per minute"}
    first, second = _client(app, storage, **limits), _client(app, storage, **limits)
    assert first.application is not second.application
    assert [c.get(MEMBERS, headers=BAD).status_code for c in (first, second, first)] == [401, 401, 401]
    assert second.get(MEMBERS, headers=BAD).status_code == 429
    path = f"{MEMBERS}/{MEMBER}"
    codes = [
        c.patch(path, json={"member_count": 1}, headers=bearer(tokens.umbrella, **{"If-Match": '"x"'})).status_code
        for c in (first, second, second, first)
    ]
    assert codes == [412, 412, 412, 429]


def test_the_default_storage_is_a_file_every_worker_sees(app: Flask) -> None:
    config = {k: v for k, v in app.config.items() if not k.startswith("RATELIMIT_")}
    assert create_app(config).config["RATELIMIT_STORAGE_URI"] == DEFAULT_STORAGE_URI
    assert DEFAULT_STORAGE_URI.startswith("sqlite:///") and DEFAULT_STORAGE_URI.endswith("var/ratelimits.sqlite")


def test_successful_authentication_is_not_counted(demo_graph: Graph, app: Flask, tokens: Tokens, storage: str) -> None:
    client = _client(app, storage, RATELIMIT_AUTH_FAILURES="3 per minute")
    for _ in range(10):
        assert client.get(MEMBERS, headers=bearer(tokens.reader)).status_code == 200


def test_writes_are_limited_per_token_and_reads_are_not(
    demo_graph: Graph,
    app: Flask,
    tokens: Tokens,
    storage: str,
) -> None:
    client = _client(app, storage, RATELIMIT_WRITES="3 per minute")
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
    row = demo_graph.read_one("MATCH (a:Actor {id: $id}) RETURN a.member_count AS n", id=MEMBER)
    assert row == {"n": 9}


def test_limits_come_from_the_environment(
    demo_graph: Graph,
    app: Flask,
    tokens: Tokens,
    monkeypatch: pytest.MonkeyPatch,
    storage: str,
) -> None:
    monkeypatch.setenv("RATELIMIT_WRITES", "1 per hour")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", storage)
    config = {k: v for k, v in app.config.items() if not k.startswith("RATELIMIT_")}
    client = create_app(config).test_client()
    assert client.application.config["RATELIMIT_WRITES"] == "1 per hour"
    assert client.application.config["RATELIMIT_STORAGE_URI"] == storage
    body = {"member_id": MEMBER}
    first = client.post(f"/api/v1/umbrellas/{UMBRELLA}/members", json=body, headers=bearer(tokens.admin))
    assert first.status_code == 409
    second = client.post(f"/api/v1/umbrellas/{UMBRELLA}/members", json=body, headers=bearer(tokens.admin))
    assert second.status_code == 429


def _hit(uri: str, times: int) -> None:
    from registry.ratelimit_storage import SQLiteStorage

    storage = SQLiteStorage(uri)
    for _ in range(times):
        storage.incr("k", 60)


def test_processes_count_into_one_counter(storage: str) -> None:
    """Four processes (as gunicorn's workers are) increment one counter at once; none is lost."""
    import multiprocessing

    from registry.ratelimit_storage import SQLiteStorage

    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_hit, args=(storage, 250)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    counters = SQLiteStorage(storage)
    assert counters.get("k") == 1000
    assert counters.get_expiry("k") > 0
    counters.clear("k")
    assert counters.get("k") == 0


def test_the_umbrella_sign_in_page_follows_the_same_rule(
    demo_graph: Graph,
    app: Flask,
    tokens: Tokens,
    storage: str,
) -> None:
    """The /paraply sign-in form: bad tokens from an address end in 429, a valid umbrella token still signs in."""
    import re

    client = _client(app, storage, RATELIMIT_AUTH_FAILURES="2 per minute")
    form = client.get("/paraply/logga-in").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf is not None

    def sign_in(token: str) -> int:
        return client.post("/paraply/logga-in", data={"token": token, "csrf_token": csrf.group(1)}).status_code

    assert [sign_in("reg_0123456789ab_" + "A" * 43) for _ in range(3)] == [401, 401, 429]
    assert sign_in(tokens.umbrella) == 302
