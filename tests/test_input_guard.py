"""One guard for every route (issue 15, item 9): deeply nested JSON, lone surrogates and numbers
too large for the database answer 400/422 on every route of the app's URL map, never 500.

The routes are taken from the app itself, so a route added later is covered without a change
here; requests carry an admin token, so that authentication lets them through to the guard's
business (the guard runs first anyway)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.app import create_app
from registry.guard import MAX_DEPTH
from tests.auth_support import MEMBER, UMBRELLA, Tokens, bearer

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _routes() -> list[tuple[str, str]]:
    """(method, path) for every rule of the app, path arguments filled with a placeholder."""
    app = create_app({"TESTING": True})
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/docs/assets"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "x", rule.rule)
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                found.add((method, path))
    return sorted(found)


ROUTES = _routes()
WRITE_ROUTES = [r for r in ROUTES if r[0] in WRITES]
READ_ROUTES = [r for r in ROUTES if r[0] == "GET"]


def test_the_route_list_is_the_whole_app() -> None:
    paths = {path for _, path in ROUTES}
    assert {"/api/v1/arenas", "/api/v1/actors/x", "/api/v1/umbrellas/x/members/x", "/"} <= paths
    assert len(WRITE_ROUTES) > 20 and len(READ_ROUTES) > 30


def _send(client: FlaskClient, method: str, path: str, token: str, body: str) -> int:
    response = client.open(
        path, method=method, data=body, content_type="application/json", headers=bearer(token, **{"If-Match": "x"})
    )
    return response.status_code


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
def test_deep_json_is_400_everywhere(
    client: FlaskClient,
    tokens: Tokens,
    method: str,
    path: str,
) -> None:
    # Far past the parser's recursion limit (the 500 of the issue), and just past the guard's.
    assert _send(client, method, path, tokens.admin, "[" * 100_000 + "]" * 100_000) == 400
    assert _send(client, method, path, tokens.admin, '{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1)) == 400


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
def test_lone_surrogates_and_huge_numbers_in_json_are_422_everywhere(
    client: FlaskClient,
    tokens: Tokens,
    method: str,
    path: str,
) -> None:
    surrogate = '{"name": "Kumla \\ud800", "notes": ["\\udfff"], "member_id": "\\ud800"}'
    response = client.open(
        path,
        method=method,
        data=surrogate,
        content_type="application/json",
        headers=bearer(tokens.admin, **{"If-Match": "x"}),
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"name", "notes[0]", "member_id"}
    assert _send(client, method, path, tokens.admin, '{"founded_year": 99999999999999999999999}') == 422
    assert _send(client, method, path, tokens.admin, '{"member_count": "99999999999999999999999"}') == 422
    # Too long for Python to read as a number at all (more than 4,300 digits): still a clean answer.
    assert _send(client, method, path, tokens.admin, '{"member_count": "' + "9" * 10_001 + '"}') == 422
    assert _send(client, method, path, tokens.admin, '{"member_count": ' + "9" * 10_001 + "}") == 400


@pytest.mark.parametrize(("method", "path"), READ_ROUTES)
def test_huge_numbers_in_the_query_are_422_everywhere(
    client: FlaskClient,
    tokens: Tokens,
    method: str,
    path: str,
) -> None:
    response = client.get(f"{path}?page=99999999999999999999999&page_size=10", headers=bearer(tokens.admin))
    assert response.status_code == 422, response.get_data(as_text=True)[:200]
    assert response.get_json()["errors"]["query"]["page"]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/umbrellas/{UMBRELLA}/members",
        f"/api/v1/actors/{MEMBER}/history",
        "/api/v1/reviews",
        "/api/v1/actors",
        "/",
    ],
)
def test_the_largest_page_the_guard_lets_through_is_an_empty_page(
    demo_client: FlaskClient,
    tokens: Tokens,
    path: str,
) -> None:
    """15 digits pass the guard, and times the largest page size still fit 64 bits: an empty page."""
    response = demo_client.get(f"{path}?page=999999999999999", headers=bearer(tokens.admin))
    assert response.status_code in (200, 404), response.get_data(as_text=True)[:300]


def test_the_issue_s_500s_on_real_routes(demo_client: FlaskClient, tokens: Tokens) -> None:
    """The routes the issue found, with real ids: still refused before anything is written."""
    admin = bearer(tokens.admin)
    for path in ("/api/v1/arenas", "/api/v1/challenges", "/api/v1/agreements"):
        response = demo_client.post(path, data='{"name": "x\\ud800"}', content_type="application/json", headers=admin)
        assert response.status_code == 422, path
    member = demo_client.post(
        f"/api/v1/umbrellas/{UMBRELLA}/members",
        data='{"member_id": "\\ud800"}',
        content_type="application/json",
        headers=admin,
    )
    assert member.status_code == 422
    # A valid request still passes.
    assert demo_client.get("/api/v1/actors?page=2&page_size=5", headers=admin).status_code == 200


@pytest.fixture
def demo_client(demo_graph, app: Flask) -> FlaskClient:
    return app.test_client()


def test_a_json_content_type_on_an_empty_body_is_not_refused(client: FlaskClient) -> None:
    """Some clients label every request JSON, bodiless GETs included: nothing to check there."""
    response = client.get("/api/v1/counties", headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.get_json()
