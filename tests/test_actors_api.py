"""Actor CRUD over the API: validation per field, ETag and If-Match, archive and restore, contact persons per caller."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, g, request
from flask.testing import FlaskClient

from registry.db import Graph
from registry.demo import demo_id, load_demo
from registry.identity import Principal, Role
from tests.auth_support import issue_token

KUMLA_PENSIONERS = {
    "name": "Kumla Pensionärsförening Eken",
    "alt_names": ["PF Eken"],
    "sector": "civil",
    "kind": "association",
    "org_number": "8024990015",
    "description": "Träffar, resor och cirklar för pensionärer i Kumla.",
    "activities": "boule, studiecirklar, kaffe",
    "website": "eken-kumla.example",
    "emails": ["Info@Eken-Kumla.example"],
    "phones": ["031-390 06 00"],
    "street_address": "Storgatan 1",
    "postal_code": "69231",
    "locality": "Kumla",
    "founded_year": 1972,
    "member_count": 310,
    "resources_offered": ["volunteers", "premises"],
    "resources_needed": ["money"],
    "interest_areas": ["pensioners", "loneliness"],
    "target_groups": ["elderly"],
    "contacts": [
        {"name": "Greta Fiktiv", "role": "ordförande", "email": "greta@eken-kumla.example", "phone": "0701740605"}
    ],
}


@pytest.fixture
def role_client(app: Flask) -> Iterator[FlaskClient]:
    """A client whose requests act as the principal named in X-Test-Role / X-Test-Actor (tokens come later)."""

    @app.before_request
    def _principal() -> None:
        role = request.headers.get("X-Test-Role")
        if role:
            g.principal = Principal(Role(role), token_id="test", actor_id=request.headers.get("X-Test-Actor"))

    yield app.test_client()


def create(client: FlaskClient, body: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    response = client.post("/api/v1/actors", json={**(body or KUMLA_PENSIONERS), **changes})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_create_normalises_and_derives(admin_client: FlaskClient, graph: Graph) -> None:
    body = create(admin_client)
    assert body["org_number"] == "802499-0015"
    assert body["website"] == "https://eken-kumla.example"
    assert body["emails"] == ["info@eken-kumla.example"]
    assert body["phones"] == ["+46313900600"]
    assert body["postal_code"] == "692 31"
    # The municipality came from the postal code, the county from the municipality.
    assert body["municipality"] == {"code": "1881", "name": "Kumla"}
    assert body["county"] == {"code": "18", "name": "Örebro län"}
    assert body["warnings"] == []
    assert [t["id"] for t in body["interest_areas"]] == ["loneliness", "pensioners"]
    assert body["version"] == 1 and body["archived"] is False and body["sources"] == [{"name": "api"}]
    row = graph.read_one(
        "MATCH (a:Actor {id: $id})-[:LOCATED_IN]->(m:Municipality) "
        "RETURN m.code AS m, a.search_name AS s, a.county_code AS c, COUNT { (a)-[:SERVES]->() } AS tg",
        id=body["id"],
    )
    assert row is not None and row["m"] == "1881" and row["c"] == "18" and row["tg"] == 1
    assert "pensionar" in row["s"].split() and "forening" in row["s"].split()


def test_create_sets_location_and_etag(admin_client: FlaskClient) -> None:
    response = admin_client.post(
        "/api/v1/actors", json={**KUMLA_PENSIONERS, "coordinates": {"lat": 59.128, "lon": 15.139}}
    )
    assert response.status_code == 201
    assert response.headers["ETag"]
    assert response.headers["Location"].endswith(response.get_json()["id"])
    assert response.get_json()["coordinates"] == {"lat": 59.128, "lon": 15.139}


def test_unknown_postal_code_reports_the_missing_municipality(admin_client: FlaskClient) -> None:
    body = create(admin_client, postal_code="999 99", locality="Ingenstans", org_number=None)
    assert body["municipality"] is None
    assert body["warnings"][0]["field"] == "municipality"
    assert "999 99" in body["warnings"][0]["message"]


def test_explicit_municipality_by_name_wins(admin_client: FlaskClient) -> None:
    body = create(admin_client, municipality="Nora kommun", org_number=None)
    assert body["municipality"] == {"code": "1884", "name": "Nora"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("org_number", "802499-0016"),  # check digit wrong
        ("phones", ["not a phone"]),
        ("emails", ["a@b"]),
        ("postal_code", "1234"),
        ("website", "ftp://x.example"),
        ("sector", "government"),
        ("kind", "club"),
        ("municipality", "Atlantis"),
        ("founded_year", 3020),
        ("member_count", -1),
        ("resources_offered", ["gold"]),
        ("name", "   "),
        ("name", "a\x00b"),
        ("coordinates", {"lat": 91, "lon": 0}),
        ("interest_areas", ["no-such-area"]),
        ("target_groups", ["Elderly"]),
        ("contacts", [{"role": "ordförande"}]),
        ("unexpected", 1),
        ("member_count", "many"),
    ],
)
def test_invalid_field_is_422_naming_the_field(admin_client: FlaskClient, graph: Graph, field: str, value: Any) -> None:
    response = admin_client.post("/api/v1/actors", json={**KUMLA_PENSIONERS, field: value})
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == 422 and body["status"] == "Unprocessable Entity"
    assert field in body["errors"]["json"], body
    assert graph.read_one("MATCH (a:Actor) RETURN count(a) AS n") == {"n": 0}


def test_missing_required_fields_are_each_named(admin_client: FlaskClient) -> None:
    response = admin_client.post("/api/v1/actors", json={})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"name", "sector", "kind"}


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ('"text"', "application/json"),
        ("name=x", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_bodies_are_4xx(admin_client: FlaskClient, graph: Graph, data: str, content_type: str) -> None:
    response = admin_client.post("/api/v1/actors", data=data, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response.get_json()["code"] == response.status_code
    assert graph.read_one("MATCH (a:Actor) RETURN count(a) AS n") == {"n": 0}


def test_lone_surrogate_is_refused(admin_client: FlaskClient) -> None:
    raw = json.dumps({**KUMLA_PENSIONERS, "description": "x"}).replace('"x"', '"\\ud800"')
    response = admin_client.post("/api/v1/actors", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert "description" in response.get_json()["errors"]["json"]


def test_duplicate_org_number_is_409(admin_client: FlaskClient) -> None:
    first = create(admin_client)
    response = admin_client.post("/api/v1/actors", json={**KUMLA_PENSIONERS, "name": "Another"})
    assert response.status_code == 409
    assert first["id"] in response.get_json()["errors"]["json"]["org_number"][0]


def test_get_unknown_actor_is_404(admin_client: FlaskClient) -> None:
    response = admin_client.get("/api/v1/actors/no-such-id")
    assert response.status_code == 404
    assert response.get_json()["message"] == "Aktören finns inte / Actor not found."


def test_patch_needs_if_match(admin_client: FlaskClient) -> None:
    actor = create(admin_client)
    response = admin_client.patch(f"/api/v1/actors/{actor['id']}", json={"member_count": 1})
    assert response.status_code == 428
    assert admin_client.get(f"/api/v1/actors/{actor['id']}").get_json()["member_count"] == 310


def test_patch_with_current_etag_then_stale_etag(admin_client: FlaskClient) -> None:
    actor = create(admin_client)
    url = f"/api/v1/actors/{actor['id']}"
    etag = admin_client.get(url).headers["ETag"]
    first = admin_client.patch(url, json={"member_count": 320}, headers={"If-Match": etag})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["member_count"] == 320 and first.get_json()["version"] == 2
    assert first.headers["ETag"] != etag
    # A second editor who read before the first one saved gets 412, and nothing changes.
    second = admin_client.patch(url, json={"member_count": 999}, headers={"If-Match": etag})
    assert second.status_code == 412
    assert admin_client.get(url).get_json()["member_count"] == 320


def test_etag_answers_304_when_unchanged(admin_client: FlaskClient) -> None:
    actor = create(admin_client)
    url = f"/api/v1/actors/{actor['id']}"
    etag = admin_client.get(url).headers["ETag"]
    assert admin_client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_patch_replaces_lists_clears_fields_and_rederives(admin_client: FlaskClient, graph: Graph) -> None:
    actor = create(admin_client)
    url = f"/api/v1/actors/{actor['id']}"
    etag = admin_client.get(url).headers["ETag"]
    response = admin_client.patch(
        url,
        json={
            "name": "Nora Seniorklubb Eken",
            "postal_code": "713 31",
            "locality": "Nora",
            "website": None,
            "interest_areas": ["music"],
            "active_in": ["Kumla", "1882"],
        },
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["municipality"]["code"] == "1884"
    assert body["website"] is None
    assert [t["id"] for t in body["interest_areas"]] == ["music"]
    assert [p["code"] for p in body["active_in"]] == ["1881", "1882"]
    assert body["target_groups"][0]["id"] == "elderly"  # not in the patch: kept
    row = graph.read_one("MATCH (a:Actor {id: $id}) RETURN a.search_name AS s, a.name_sort AS k", id=actor["id"])
    assert row is not None and "seniorklubb" in row["s"] and "pensionarsforening" not in row["s"]
    assert row["k"].startswith("nora")


def test_patch_validation_changes_nothing(admin_client: FlaskClient) -> None:
    actor = create(admin_client)
    url = f"/api/v1/actors/{actor['id']}"
    etag = admin_client.get(url).headers["ETag"]
    response = admin_client.patch(url, json={"name": "New", "phones": ["nope"]}, headers={"If-Match": etag})
    assert response.status_code == 422
    assert "phones" in response.get_json()["errors"]["json"]
    assert admin_client.get(url).get_json()["name"] == KUMLA_PENSIONERS["name"]
    assert admin_client.patch(url, json={}, headers={"If-Match": etag}).status_code == 422


def test_delete_archives_hides_and_restore_brings_back(admin_client: FlaskClient) -> None:
    actor = create(admin_client)
    url = f"/api/v1/actors/{actor['id']}"
    assert admin_client.get("/api/v1/actors?q=eken").get_json()["total"] == 1
    assert admin_client.delete(url).status_code == 204
    archived = admin_client.get(url).get_json()
    assert archived["archived"] is True and archived["archived_at"]
    assert admin_client.get("/api/v1/actors?q=eken").get_json()["total"] == 0
    assert admin_client.get("/api/v1/actors?archived=true").get_json()["total"] == 1
    etag = admin_client.get(url).headers["ETag"]
    assert admin_client.patch(url, json={"member_count": 1}, headers={"If-Match": etag}).status_code == 409
    restored = admin_client.post(f"{url}/restore")
    assert restored.status_code == 200
    assert restored.get_json()["archived"] is False and restored.get_json()["archived_at"] is None
    assert admin_client.get("/api/v1/actors?q=eken").get_json()["total"] == 1
    assert admin_client.delete("/api/v1/actors/no-such-id").status_code == 404
    assert admin_client.post("/api/v1/actors/no-such-id/restore").status_code == 404


def test_anonymous_never_sees_contacts(anonymous_client: FlaskClient, admin_client: FlaskClient, graph: Graph) -> None:
    load_demo(graph)
    actor = create(admin_client)
    assert actor["contacts"], "the admin who created it sees the contacts"
    assert "contacts" not in anonymous_client.get(f"/api/v1/actors/{actor['id']}").get_json()
    demo = anonymous_client.get(f"/api/v1/actors/{demo_id('kumla-pensionarsforening-linden')}").get_json()
    assert "contacts" not in demo and demo["name"] == "Kumla Pensionärsförening Linden"


def test_contacts_per_role(role_client: FlaskClient, graph: Graph) -> None:
    load_demo(graph)
    member = demo_id("askersunds-seniorer-tivedsbygden")
    umbrella = demo_id("bergslagens-foreningsrad")
    outsider = demo_id("kumla-seniorforening-glantan")  # not a member of this umbrella
    url = f"/api/v1/actors/{member}"

    def sees(headers: dict[str, str], actor_url: str = url) -> bool:
        body = role_client.get(actor_url, headers=headers).get_json()
        return bool(body.get("contacts"))

    assert not sees({})
    assert not sees({"X-Test-Role": "reader"})
    assert sees({"X-Test-Role": "coordinator"})
    assert sees({"X-Test-Role": "admin"})
    assert sees({"X-Test-Role": "umbrella", "X-Test-Actor": umbrella})
    assert not sees({"X-Test-Role": "umbrella", "X-Test-Actor": umbrella}, f"/api/v1/actors/{outsider}")
    # The tag differs with what the caller sees, so a cached copy never crosses roles.
    anonymous_tag = role_client.get(url).headers["ETag"]
    assert role_client.get(url, headers={"X-Test-Role": "admin"}).headers["ETag"] != anonymous_tag


def test_contacts_change_only_by_those_allowed(
    anonymous_client: FlaskClient, admin_client: FlaskClient, graph: Graph
) -> None:
    actor = create(admin_client)
    url = f"/api/v1/actors/{actor['id']}"
    tag = anonymous_client.get(url).headers["ETag"]
    assert anonymous_client.patch(url, json={"contacts": []}, headers={"If-Match": tag}).status_code == 401
    reader = {"Authorization": f"Bearer {issue_token(graph, Role.READER)}"}
    tag = anonymous_client.get(url, headers=reader).headers["ETag"]
    assert anonymous_client.patch(url, json={"contacts": []}, headers={**reader, "If-Match": tag}).status_code == 403
    tag = admin_client.get(url).headers["ETag"]
    new_contact = [{"name": "Ny Person", "email": "ny@eken-kumla.example"}]
    response = admin_client.patch(url, json={"contacts": new_contact}, headers={"If-Match": tag})
    assert response.status_code == 200
    assert [c["name"] for c in response.get_json()["contacts"]] == ["Ny Person"]


def test_concurrent_edits_with_one_etag_exactly_one_wins(app: Flask, admin_client: FlaskClient) -> None:
    actor = create(admin_client)
    url = f"/api/v1/actors/{actor['id']}"
    etag = admin_client.get(url).headers["ETag"]
    statuses: list[int] = []

    def edit(count: int) -> None:
        auth = admin_client.environ_base["HTTP_AUTHORIZATION"]
        response = app.test_client().patch(
            url, json={"member_count": count}, headers={"If-Match": etag, "Authorization": auth}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [412] * 7
    body = admin_client.get(url).get_json()
    assert body["version"] == 2 and body["member_count"] in range(8)
