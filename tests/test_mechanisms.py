"""One mechanism per concern (issue 14): one ETag scheme and one 428/412 wording on every versioned
resource, one paging rule on every list, one actor-write schema for the actor API and the umbrella
API and page, and OpenAPI component names that do not collide."""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_smorest import Blueprint

from registry.api.http import MAX_SKIP, tag_data
from registry.app import create_app
from registry.db import Graph
from registry.domain.relationships import StaleError
from registry.errors import PRECONDITION_FAILED, PRECONDITION_REQUIRED
from tests.auth_support import (
    MEMBER,
    UMBRELLA,
    Tokens,
    bearer,
    member_etag,
)

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ETAG = re.compile(r'name="etag" value="([^"]+)"')


def _made(client: FlaskClient, token: str, path: str, body: dict[str, Any]) -> Any:
    response = client.post(path, json=body, headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    return response


@pytest.fixture
def versioned(demo_graph: Graph, client: FlaskClient, tokens: Tokens) -> dict[str, str]:
    """One item of each kind that takes If-Match, by the path that changes it."""
    coordinator = tokens.coordinator
    arena = _made(client, coordinator, "/api/v1/arenas", {"name": "Forum", "municipality_code": "1881"})
    arena_id = arena.get_json()["id"]
    meeting = _made(client, coordinator, f"/api/v1/arenas/{arena_id}/meetings", {"date": "2025-09-10"})
    agreement = _made(client, coordinator, "/api/v1/agreements", {"kind": "iop", "title": "IOP"})
    challenge = _made(client, coordinator, "/api/v1/challenges", {"name": "Ensamhet", "municipality_codes": ["1881"]})
    party = _made(client, coordinator, f"/api/v1/agreements/{agreement.get_json()['id']}/parties", {"actor": MEMBER})
    return {
        "arena": arena.headers["Location"],
        "meeting": meeting.headers["Location"],
        "agreement": agreement.headers["Location"],
        "challenge": challenge.headers["Location"],
        "relationship": f"/api/v1/relationships/{party.get_json()['id']}",
        "actor": f"/api/v1/actors/{MEMBER}",
        "member": f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}",
    }


# A change each kind accepts, sent by the token that may make it.
_CHANGES = {
    "arena": ({"cadence": "weekly"}, "coordinator"),
    "meeting": ({"purpose": "Planera"}, "coordinator"),
    "agreement": ({"title": "IOP 2"}, "coordinator"),
    "challenge": ({"name": "Ofrivillig ensamhet"}, "coordinator"),
    "relationship": ({"note": "Undertecknat"}, "coordinator"),
    "actor": ({"member_count": 7}, "admin"),
    "member": ({"member_count": 7}, "umbrella"),
}


@pytest.mark.parametrize("kind", sorted(_CHANGES))
def test_one_if_match_rule_and_wording_everywhere(
    versioned: dict[str, str],
    client: FlaskClient,
    tokens: Tokens,
    kind: str,
) -> None:
    body, role = _CHANGES[kind]
    token = getattr(tokens, role)
    url = versioned[kind]
    missing = client.patch(url, json=body, headers=bearer(token))
    assert missing.status_code == 428, missing.get_json()
    assert missing.get_json()["message"] == PRECONDITION_REQUIRED
    stale = client.patch(url, json=body, headers=bearer(token, **{"If-Match": '"not-the-tag"'}))
    assert stale.status_code == 412, stale.get_json()
    assert stale.get_json()["message"] == PRECONDITION_FAILED
    current = client.get(url, headers=bearer(token))
    tag = current.headers["ETag"]
    changed = client.patch(url, json=body, headers=bearer(token, **{"If-Match": tag}))
    assert changed.status_code == 200, changed.get_json()
    assert changed.headers["ETag"] != tag
    again = client.patch(url, json=body, headers=bearer(token, **{"If-Match": tag}))
    assert (again.status_code, again.get_json()["message"]) == (412, PRECONDITION_FAILED)


@pytest.mark.parametrize("kind", ["arena", "meeting", "agreement", "challenge", "relationship"])
def test_a_versioned_item_s_tag_is_flask_smorest_s_of_its_kind_id_and_version(
    versioned: dict[str, str], client: FlaskClient, kind: str
) -> None:
    item = client.get(versioned[kind])
    body = item.get_json()
    expected = Blueprint._generate_etag(tag_data(kind, body["id"], body["version"]))
    assert item.headers["ETag"] == f'"{expected}"'


def test_a_write_that_loses_the_race_under_the_lock_is_the_same_412(
    versioned: dict[str, str],
    client: FlaskClient,
    tokens: Tokens,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tag matched, but someone wrote before the DAO took its lock: the DAO's StaleError is
    answered like a stale If-Match."""

    def lost(*args: Any, **kwargs: Any) -> Any:
        raise StaleError("Arenan har ändrats sedan du läste den / The arena changed since you read it.")

    monkeypatch.setattr("registry.dao.arenas.ArenaDao.update", lost)
    tag = client.get(versioned["arena"]).headers["ETag"]
    response = client.patch(
        versioned["arena"], json={"cadence": "weekly"}, headers=bearer(tokens.coordinator, **{"If-Match": tag})
    )
    assert (response.status_code, response.get_json()["message"]) == (412, PRECONDITION_FAILED)


# -- paging -----------------------------------------------------------------------------------
_LISTS = [
    "/api/v1/actors",
    "/api/v1/agreements",
    "/api/v1/arenas",
    "/api/v1/challenges",
    "/api/v1/relationships",
    f"/api/v1/umbrellas/{UMBRELLA}/members",
    f"/api/v1/actors/{MEMBER}/history",
]


@pytest.mark.parametrize("path", _LISTS)
@pytest.mark.parametrize("page", [1000, MAX_SKIP, 10**12])
def test_a_page_past_the_end_is_an_empty_page_everywhere(
    versioned: dict[str, str],
    client: FlaskClient,
    tokens: Tokens,
    path: str,
    page: int,
) -> None:
    first = client.get(f"{path}?page_size=10", headers=bearer(tokens.admin))
    assert first.status_code == 200, first.get_json()
    total = json.loads(first.headers["X-Pagination"])["total"]
    assert total > 0, "the list must have something for the test to mean anything"
    beyond = client.get(f"{path}?page={page}&page_size=10", headers=bearer(tokens.admin))
    assert beyond.status_code == 200, beyond.get_json()
    body = beyond.get_json()
    assert (body["items"] if isinstance(body, dict) else body) == []
    assert json.loads(beyond.headers["X-Pagination"])["total"] == total


@pytest.mark.parametrize("page", [1000, 10**9])
def test_hsds_pages_past_the_end_are_empty_too(demo_graph: Graph, client: FlaskClient, page: int) -> None:
    response = client.get(f"/api/hsds/v3/organizations?page={page}&per_page=10")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["contents"] == [] and body["total_items"] > 0 and body["empty"] is True


# -- one actor-write schema -------------------------------------------------------------------
def test_the_umbrella_api_takes_the_actor_api_s_limits(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    activities = "Boule, studiecirklar och gympa. " * 200  # 6,400 characters: over the old 4,000
    url = f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}"
    tag = member_etag(client, tokens.umbrella, UMBRELLA, MEMBER)
    body = {"activities": activities, "member_count": 20_000_000}
    response = client.patch(url, json=body, headers=bearer(tokens.umbrella, **{"If-Match": tag}))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["activities"] == activities.strip()
    assert response.get_json()["member_count"] == 20_000_000
    # Beyond the one limit, both refuse alike.
    too_long = {"activities": "x" * 10_001}
    tag = response.headers["ETag"]
    umbrella = client.patch(url, json=too_long, headers=bearer(tokens.umbrella, **{"If-Match": tag}))
    actor_tag = client.get(f"/api/v1/actors/{MEMBER}", headers=bearer(tokens.admin)).headers["ETag"]
    actor = client.patch(
        f"/api/v1/actors/{MEMBER}", json=too_long, headers=bearer(tokens.admin, **{"If-Match": actor_tag})
    )
    assert umbrella.status_code == actor.status_code == 422
    assert umbrella.get_json()["errors"]["json"]["activities"] == actor.get_json()["errors"]["json"]["activities"]


def _sign_in(page: FlaskClient, token: str) -> None:
    form = page.get("/paraply/logga-in")
    csrf = _CSRF.search(form.text)
    assert csrf is not None
    response = page.post("/paraply/logga-in", data={"token": token, "csrf_token": csrf.group(1)})
    assert response.status_code == 302, response.text


def _form(page: FlaskClient, member_id: str) -> dict[str, Any]:
    html = page.get(f"/paraply/medlemmar/{member_id}").text
    fields: dict[str, Any] = {"target_groups": re.findall(r'name="target_groups" value="([^"]+)" checked', html)}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        if name != "target_groups":
            fields[name] = value
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html, re.S):
        fields[name] = value
    csrf, etag = _CSRF.search(html), _ETAG.search(html)
    assert csrf is not None and etag is not None
    fields["csrf_token"], fields["etag"] = csrf.group(1), etag.group(1)
    return fields


def test_the_umbrella_page_saves_a_member_with_long_activities(
    demo_graph: Graph,
    app: Flask,
    tokens: Tokens,
) -> None:
    """Activities of more than 4,000 characters (the actor API allows 10,000) no longer make the
    page refuse every save of that member: changing a phone number works."""
    activities = "Vi spelar boule, sjunger i kör och ordnar studiecirklar för seniorer. " * 70
    assert len(activities.strip()) > 4_000
    demo_graph.write("MATCH (a:Actor {id: $id}) SET a.activities = $text", id=MEMBER, text=activities.strip())
    page = app.test_client()
    _sign_in(page, tokens.umbrella)
    fields = _form(page, MEMBER)
    assert fields["activities"].strip() == activities.strip()
    fields["phones"] = "070-174 06 41"
    saved = page.post(f"/paraply/medlemmar/{MEMBER}", data=fields)
    assert saved.status_code == 302, saved.text[:500]
    after = demo_graph.read_one("MATCH (a:Actor {id: $id}) RETURN a.phones AS phones, a.activities AS a", id=MEMBER)
    assert after is not None
    assert after["phones"] == ["+46701740641"] and after["a"] == activities.strip()


# -- OpenAPI ------------------------------------------------------------------------------------
def test_every_schema_has_its_own_component_name() -> None:
    # apispec names the schemas as the blueprints are registered, so the app is built here.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fresh = create_app({"TESTING": True, "RATELIMIT_ENABLED": False})
        response = fresh.test_client().get("/openapi.json")
    assert response.status_code == 200
    assert [str(w.message) for w in caught if "schema" in str(w.message).lower()] == []
    names = response.get_json()["components"]["schemas"]
    assert not [n for n in names if re.search(r"\d$", n)], "apispec numbers a name it had to give twice"
