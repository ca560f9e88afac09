"""Interest areas and target groups: seeded, hierarchical, counted, and managed by admins only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, g, request
from flask.testing import FlaskClient

from registry.db import Graph
from registry.demo import load_demo
from registry.identity import Principal, Role

ADMIN = {"X-Test-Role": "admin"}


@pytest.fixture
def role_client(app: Flask) -> Iterator[FlaskClient]:
    """Requests act as the role in X-Test-Role (tokens come with the authentication issue)."""

    @app.before_request
    def _principal() -> None:
        role = request.headers.get("X-Test-Role")
        if role:
            g.principal = Principal(Role(role), token_id="test")

    yield app.test_client()


@pytest.mark.parametrize("path", ["interest-areas", "target-groups"])
def test_seeded_terms_are_listed_bilingually_with_hierarchy(admin_client: FlaskClient, graph: Graph, path: str) -> None:
    response = admin_client.get(f"/api/v1/{path}")
    assert response.status_code == 200
    terms = {t["id"]: t for t in response.get_json()}
    assert all(t["label_sv"] and t["label_en"] for t in terms.values())
    if path == "interest-areas":
        for term in (
            "sports",
            "culture",
            "pensioners",
            "disability-rights",
            "study-associations",
            "faith",
            "immigrant-cultural",
            "children-youth",
            "social-support",
            "health",
            "environment",
            "loneliness",
        ):
            assert term in terms, term
        assert terms["loneliness"]["broader"] == "social-support"
        assert "loneliness" in terms["social-support"]["narrower"]
    else:
        for term in ("children", "youth", "adults", "elderly", "newly-arrived", "disabilities", "next-of-kin"):
            assert term in terms, term
        assert terms["elderly"]["label_sv"] == "Äldre 65+"


def test_actor_counts_include_narrower_terms(admin_client: FlaskClient, graph: Graph) -> None:
    load_demo(graph)
    terms = {t["id"]: t for t in admin_client.get("/api/v1/interest-areas").get_json()}
    assert terms["loneliness"]["actor_count"] >= 1
    assert terms["social-support"]["actor_count"] >= terms["loneliness"]["actor_count"]
    one = admin_client.get("/api/v1/interest-areas/social-support").get_json()
    assert one["actor_count"] == terms["social-support"]["actor_count"]
    assert admin_client.get("/api/v1/interest-areas/nothing").status_code == 404


@pytest.mark.parametrize("role", [None, "reader", "coordinator", "umbrella"])
def test_only_admins_change_taxonomies(role_client: FlaskClient, graph: Graph, role: str | None) -> None:
    headers = {"X-Test-Role": role} if role else {}
    body = {"id": "choir", "label_sv": "Körsång", "label_en": "Choir singing", "broader": "culture"}
    expected = 401 if role is None else 403
    assert role_client.post("/api/v1/interest-areas", json=body, headers=headers).status_code == expected
    assert (
        role_client.patch("/api/v1/target-groups/elderly", json={"label_sv": "x"}, headers=headers).status_code
        == expected
    )
    assert role_client.delete("/api/v1/interest-areas/other", headers=headers).status_code == expected
    assert role_client.get("/api/v1/interest-areas/choir").status_code == 404
    assert role_client.get("/api/v1/target-groups/elderly").get_json()["label_sv"] == "Äldre 65+"


def test_admin_adds_a_narrower_area_that_search_then_includes(
    role_client: FlaskClient, admin_client: FlaskClient, graph: Graph
) -> None:
    body = {"id": "choir", "label_sv": "Körsång", "label_en": "Choir singing", "broader": "music"}
    created = role_client.post("/api/v1/interest-areas", json=body, headers=ADMIN)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["broader"] == "music"
    actor = {"name": "Kumla Kyrkokör", "sector": "civil", "kind": "association", "interest_areas": ["choir"]}
    assert admin_client.post("/api/v1/actors", json=actor).status_code == 201
    # Two levels up: choir -> music -> culture.
    found = role_client.get("/api/v1/actors?interest_area=culture").get_json()
    assert [i["name"] for i in found["items"]] == ["Kumla Kyrkokör"]
    assert role_client.post("/api/v1/interest-areas", json=body, headers=ADMIN).status_code == 409


def test_admin_edits_labels_and_moves_a_term(role_client: FlaskClient, graph: Graph) -> None:
    response = role_client.patch(
        "/api/v1/target-groups/unemployed", json={"label_sv": "Arbetslösa", "broader": None}, headers=ADMIN
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["label_sv"] == "Arbetslösa" and response.get_json()["broader"] is None
    moved = role_client.patch("/api/v1/target-groups/unemployed", json={"broader": "adults"}, headers=ADMIN)
    assert moved.get_json()["broader"] == "adults"
    assert role_client.patch("/api/v1/target-groups/nobody", json={"label_sv": "x"}, headers=ADMIN).status_code == 404


def test_a_cycle_is_refused(role_client: FlaskClient, graph: Graph) -> None:
    response = role_client.patch("/api/v1/interest-areas/social-support", json={"broader": "loneliness"}, headers=ADMIN)
    assert response.status_code == 422
    assert "broader" in response.get_json()["errors"]["json"]
    itself = role_client.patch("/api/v1/interest-areas/health", json={"broader": "health"}, headers=ADMIN)
    assert itself.status_code == 422
    assert role_client.get("/api/v1/interest-areas/social-support").get_json()["broader"] is None


def test_bad_term_input_is_422(role_client: FlaskClient, graph: Graph) -> None:
    for body in (
        {"id": "Has Spaces", "label_sv": "x", "label_en": "x"},
        {"id": "ok", "label_sv": "", "label_en": "x"},
        {"id": "ok", "label_sv": "x"},
        {"id": "ok", "label_sv": "x", "label_en": "x", "broader": "no-such"},
    ):
        response = role_client.post("/api/v1/interest-areas", json=body, headers=ADMIN)
        assert response.status_code == 422, (body, response.get_json())
    assert role_client.get("/api/v1/interest-areas/ok").status_code == 404


def test_delete_only_unused_leaves(role_client: FlaskClient, graph: Graph) -> None:
    load_demo(graph)
    in_use = role_client.delete("/api/v1/target-groups/elderly", headers=ADMIN)
    assert in_use.status_code == 409
    has_narrower = role_client.delete("/api/v1/interest-areas/sports", headers=ADMIN)
    assert has_narrower.status_code == 409
    assert role_client.delete("/api/v1/interest-areas/other", headers=ADMIN).status_code == 204
    assert role_client.get("/api/v1/interest-areas/other").status_code == 404
    assert role_client.delete("/api/v1/interest-areas/other", headers=ADMIN).status_code == 404


def test_vocabulary_has_both_languages(admin_client: FlaskClient, graph: Graph) -> None:
    body = admin_client.get("/api/v1/vocabulary").get_json()
    kinds = {k["key"]: k for k in body["kinds"]}
    assert kinds["primary-care"]["label_sv"] == "Vårdcentral"
    assert {s["key"] for s in body["sectors"]} == {"public", "civil", "private"}
    assert {"money", "premises", "volunteers", "information", "staff", "time"} <= {r["key"] for r in body["resources"]}


def test_municipalities_and_counties_with_actor_counts(admin_client: FlaskClient, graph: Graph) -> None:
    load_demo(graph)
    municipalities = admin_client.get("/api/v1/municipalities").get_json()
    assert len(municipalities) == 290
    kumla = next(m for m in municipalities if m["code"] == "1881")
    kumla_actors = admin_client.get("/api/v1/actors?municipality=1881&facets=false").get_json()["total"]
    assert kumla["actor_count"] == kumla_actors > 0
    in_orebro = admin_client.get("/api/v1/municipalities?county=Örebro").get_json()
    assert len(in_orebro) == 12 and {m["county_code"] for m in in_orebro} == {"18"}
    assert admin_client.get("/api/v1/municipalities?county=Narnia").status_code == 422
    counties = {c["code"]: c for c in admin_client.get("/api/v1/counties").get_json()}
    assert len(counties) == 21
    assert counties["18"]["actor_count"] == 52 and counties["18"]["municipality_count"] == 12
    assert counties["01"]["actor_count"] == 0
