"""Agreements (IOPs, local agreements, policies, contracts, action plans) and their parties, through the API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.dao.actors import ActorDao
from registry.db import Graph
from registry.identity import Role
from tests.auth_support import issue_token


@pytest.fixture
def people(graph: Graph) -> Graph:
    ActorDao(graph).upsert_many(
        [
            {"id": key, "props": {"name": name, "sector": sector, "kind": "association", "municipality_code": code}}
            for key, name, sector, code in (
                ("social", "Socialtjänsten", "public", "1881"),
                ("seniorer", "Seniorföreningen", "civil", "1881"),
                ("nora", "Nora förening", "civil", "1884"),
            )
        ]
    )
    return graph


def create_agreement(client: FlaskClient, **overrides: Any) -> Any:
    body = {
        "kind": "iop",
        "title": "IOP Vänkraft",
        "description": "Idéburet offentligt partnerskap mot ensamhet.",
        "valid_from": "2024-01-01",
        "valid_to": "2027-01-01",
        "url": "https://kumla.example/iop",
        **overrides,
    }
    return client.post("/api/v1/agreements", json=body)


def _events(graph: Graph, subject_id: str) -> list[dict[str, Any]]:
    return graph.read(
        "MATCH (e:AuditEvent {subject_id: $id}) RETURN e.action AS action, e.role AS role, e.channel AS channel, "
        "e.before AS before, e.after AS after ORDER BY e.at",
        id=subject_id,
    )


def test_create_and_read_an_agreement(people: Graph, coordinator_client: FlaskClient) -> None:
    response = create_agreement(coordinator_client)
    assert response.status_code == 201, response.get_json()
    agreement = response.get_json()
    assert (agreement["kind"], agreement["title"], agreement["url"]) == (
        "iop",
        "IOP Vänkraft",
        "https://kumla.example/iop",
    )
    assert agreement["in_force"] is True and agreement["parties"] == []
    assert agreement["created_by"].startswith("coordinator:") and agreement["version"] == 1
    assert response.headers["Location"].endswith(f"/api/v1/agreements/{agreement['id']}")
    fetched = coordinator_client.get(response.headers["Location"])
    assert fetched.status_code == 200 and fetched.get_json() == agreement
    assert fetched.headers["ETag"] == response.headers["ETag"]
    assert coordinator_client.get("/api/v1/agreements/nope").status_code == 404


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "treaty"},
        {"title": ""},
        {"title": "x" * 501},
        {"valid_from": "2025-01-01", "valid_to": "2025-01-01"},
        {"valid_to": "2023-12-31"},
        {"url": "ftp://kumla.example/iop"},
        {"url": "inte en adress"},
        {"extra": 1},
    ],
)
def test_agreement_input_is_validated(
    people: Graph, coordinator_client: FlaskClient, overrides: dict[str, Any]
) -> None:
    response = create_agreement(coordinator_client, **overrides)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["message"]
    assert people.read_one("MATCH (g:Agreement) RETURN count(g) AS n") == {"n": 0}


def test_parties(people: Graph, coordinator_client: FlaskClient) -> None:
    agreement_id = create_agreement(coordinator_client).get_json()["id"]
    url = f"/api/v1/agreements/{agreement_id}/parties"
    party = coordinator_client.post(url, json={"actor": "social", "valid_from": "2024-01-01"})
    assert party.status_code == 201, party.get_json()
    assert party.get_json()["type"] == "PARTY_TO"
    # The relationship's ETag is the one /relationships/{id} checks.
    relationship = f"/api/v1/relationships/{party.get_json()['id']}"
    assert coordinator_client.get(relationship).headers["ETag"] == party.headers["ETag"]
    noted = coordinator_client.patch(
        relationship, json={"note": "Undertecknat"}, headers={"If-Match": party.headers["ETag"]}
    )
    assert noted.status_code == 200, noted.get_json()
    assert coordinator_client.post(url, json={"actor": "seniorer"}).status_code == 201
    assert coordinator_client.post(url, json={"actor": "seniorer"}).status_code == 409
    assert coordinator_client.post(url, json={"actor": "nobody"}).status_code == 422
    assert coordinator_client.post("/api/v1/agreements/nope/parties", json={"actor": "nora"}).status_code == 404
    parties = coordinator_client.get(f"/api/v1/agreements/{agreement_id}").get_json()["parties"]
    assert [(p["actor"]["id"], p["current"]) for p in parties] == [("seniorer", True), ("social", True)]


def test_list_and_filter_agreements(people: Graph, coordinator_client: FlaskClient) -> None:
    iop = create_agreement(coordinator_client).get_json()["id"]
    policy = create_agreement(
        coordinator_client, kind="policy", title="Policy för samverkan", valid_to="2024-07-01"
    ).get_json()
    coordinator_client.post(f"/api/v1/agreements/{iop}/parties", json={"actor": "social"})
    coordinator_client.post(f"/api/v1/agreements/{policy['id']}/parties", json={"actor": "nora"})

    def ids(**query: str) -> list[str]:
        response = coordinator_client.get("/api/v1/agreements", query_string=query)
        assert response.status_code == 200, response.get_json()
        return [a["id"] for a in response.get_json()]

    assert sorted(ids()) == sorted([iop, policy["id"]])
    assert ids(kind="policy") == [policy["id"]]
    assert ids(actor="social") == [iop]
    assert ids(municipality="1884") == [policy["id"]]
    assert sorted(ids(valid_at="2024-03-01")) == sorted([iop, policy["id"]])
    assert ids(valid_at="2025-03-01") == [iop]
    assert coordinator_client.get("/api/v1/agreements", query_string={"kind": "treaty"}).status_code == 422
    assert coordinator_client.get("/api/v1/agreements", query_string={"municipality": "Kumla"}).status_code == 422
    total = json.loads(coordinator_client.get("/api/v1/agreements?page_size=1").headers["X-Pagination"])["total"]
    assert total == 2


def test_update_an_agreement_with_etag(people: Graph, coordinator_client: FlaskClient) -> None:
    created = create_agreement(coordinator_client)
    url = created.headers["Location"]
    missing = coordinator_client.patch(url, json={"title": "Ny"})
    assert missing.status_code == 428 and missing.get_json()["message"]
    assert coordinator_client.patch(url, json={"title": "Ny"}, headers={"If-Match": '"x"'}).status_code == 412
    updated = coordinator_client.patch(
        url, json={"title": "IOP Vänkraft 2"}, headers={"If-Match": created.headers["ETag"]}
    )
    assert updated.status_code == 200, updated.get_json()
    body = updated.get_json()
    assert body["title"] == "IOP Vänkraft 2" and body["version"] == 2 and body["updated_by"].startswith("coordinator:")
    assert updated.headers["ETag"] != created.headers["ETag"]
    # The old tag is stale now; the new one works once.
    assert (
        coordinator_client.patch(
            url, json={"kind": "contract"}, headers={"If-Match": created.headers["ETag"]}
        ).status_code
        == 412
    )
    ended = coordinator_client.patch(
        url, json={"valid_to": "2023-01-01"}, headers={"If-Match": updated.headers["ETag"]}
    )
    assert ended.status_code == 422, "valid_to before valid_from"
    cleared = coordinator_client.patch(
        url, json={"url": None, "valid_to": None}, headers={"If-Match": updated.headers["ETag"]}
    )
    assert cleared.status_code == 200, cleared.get_json()
    assert cleared.get_json()["url"] is None and cleared.get_json()["valid_to"] is None
    assert coordinator_client.patch("/api/v1/agreements/nope", json={}, headers={"If-Match": "*"}).status_code == 404


def test_delete_an_agreement_with_its_parties(people: Graph, coordinator_client: FlaskClient) -> None:
    agreement_id = create_agreement(coordinator_client).get_json()["id"]
    coordinator_client.post(f"/api/v1/agreements/{agreement_id}/parties", json={"actor": "social"})
    assert coordinator_client.delete(f"/api/v1/agreements/{agreement_id}").status_code == 204
    assert coordinator_client.get(f"/api/v1/agreements/{agreement_id}").status_code == 404
    assert people.read_one("MATCH ()-[r:PARTY_TO]->() RETURN count(r) AS n") == {"n": 0}
    assert people.read_one("MATCH (a:Actor {id: 'social'}) RETURN a.id AS id") == {"id": "social"}


def test_every_write_is_in_the_audit_trail(people: Graph, coordinator_client: FlaskClient) -> None:
    created = create_agreement(coordinator_client)
    agreement_id = created.get_json()["id"]
    coordinator_client.patch(
        created.headers["Location"], json={"title": "Ändrad"}, headers={"If-Match": created.headers["ETag"]}
    )
    coordinator_client.delete(created.headers["Location"])
    events = _events(people, agreement_id)
    assert [e["action"] for e in events] == ["agreement.create", "agreement.update", "agreement.delete"]
    assert {(e["role"], e["channel"]) for e in events} == {("coordinator", "api")}
    update = events[1]
    assert json.loads(update["before"]) == {"title": "IOP Vänkraft"}
    assert json.loads(update["after"]) == {"title": "Ändrad"}


def test_reading_is_open_and_writing_needs_a_coordinator(
    people: Graph, app: Flask, coordinator_client: FlaskClient
) -> None:
    agreement_id = create_agreement(coordinator_client).get_json()["id"]
    anonymous = app.test_client()
    assert anonymous.get("/api/v1/agreements").status_code == 200
    assert anonymous.get(f"/api/v1/agreements/{agreement_id}").status_code == 200
    assert anonymous.post("/api/v1/agreements", json={"kind": "iop", "title": "x"}).status_code == 401
    reader = app.test_client()
    reader.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {issue_token(people, Role.READER)}"
    assert reader.post("/api/v1/agreements", json={"kind": "iop", "title": "x"}).status_code == 403
    assert reader.delete(f"/api/v1/agreements/{agreement_id}").status_code == 403
    assert people.read_one("MATCH (g:Agreement) RETURN count(g) AS n") == {"n": 1}


def test_in_force_follows_the_half_open_validity(people: Graph, coordinator_client: FlaskClient) -> None:
    today = dt.date.today()
    ended = create_agreement(coordinator_client, valid_from=None, valid_to=today.isoformat()).get_json()
    ongoing = create_agreement(coordinator_client, valid_from=today.isoformat(), valid_to=None).get_json()
    assert ended["in_force"] is False, "valid_to is the first day it no longer holds"
    assert ongoing["in_force"] is True
