"""Societal challenges: areas, engagements with stages, history read backwards, and the API."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from registry.dao.actors import ActorDao
from registry.db import Graph


@pytest.fixture
def people(graph: Graph) -> Graph:
    ActorDao(graph).upsert_many(
        [
            {"id": key, "props": {"name": name, "sector": sector, "kind": "association", "municipality_code": "1881"}}
            for key, name, sector in (
                ("social", "Socialtjänsten", "public"),
                ("vardcentral", "Vårdcentralen", "public"),
                ("seniorer", "Seniorföreningen", "civil"),
                ("kyrkan", "Församlingen", "civil"),
            )
        ]
    )
    return graph


def create(client: FlaskClient, **overrides: Any) -> Any:
    body = {
        "name": "Ofrivillig ensamhet hos äldre",
        "description": "Äldre som faller mellan organisationerna.",
        "interest_areas": ["loneliness"],
        "target_groups": ["elderly"],
        "municipality_codes": ["1881"],
        **overrides,
    }
    return client.post("/api/v1/challenges", json=body)


def engage(client: FlaskClient, challenge_id: str, actor: str, stage: str, **extra: Any) -> Any:
    return client.post(f"/api/v1/challenges/{challenge_id}/engagements", json={"actor": actor, "stage": stage, **extra})


def move(client: FlaskClient, rel_id: str, stage: str, on: str) -> Any:
    url = f"/api/v1/relationships/{rel_id}"
    etag = client.get(url).headers["ETag"]
    return client.patch(url, json={"properties": {"stage": stage, "stage_date": on}}, headers={"If-Match": etag})


def test_create_and_read(people: Graph, coordinator_client: FlaskClient) -> None:
    response = create(coordinator_client, county_codes=["18"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert [t["id"] for t in body["interest_areas"]] == ["loneliness"]
    assert [t["sv"] for t in body["target_groups"]] == ["Äldre 65+"]
    assert body["municipalities"] == [{"code": "1881", "name": "Kumla"}]
    assert body["counties"] == [{"code": "18", "name": "Örebro län"}]
    assert body["engagements"] == [] and body["stage_counts"] == {
        "arena": 0,
        "dialogue": 0,
        "knowledge": 0,
        "trust_and_structure": 0,
    }
    assert coordinator_client.get(response.headers["Location"]).get_json() == body


@pytest.mark.parametrize(
    "overrides",
    [
        {"municipality_codes": []},
        {"municipality_codes": ["0000"]},
        {"county_codes": ["99"], "municipality_codes": []},
        {"interest_areas": ["knitting"]},
        {"target_groups": ["aliens"]},
        {"name": None},
        {"municipality_codes": "1881"},
    ],
)
def test_invalid_challenges(people: Graph, coordinator_client: FlaskClient, overrides: dict[str, Any]) -> None:
    response = create(coordinator_client, **overrides)
    assert response.status_code == 422, response.get_json()
    assert people.read_one("MATCH (c:Challenge) RETURN count(c) AS n") == {"n": 0}


def test_a_challenge_read_backwards(people: Graph, coordinator_client: FlaskClient) -> None:
    challenge_id = create(coordinator_client).get_json()["id"]
    social = engage(
        coordinator_client, challenge_id, "social", "arena", stage_date="2021-02-01", anchored=["management"]
    )
    assert social.status_code == 201, social.get_json()
    seniorer = engage(
        coordinator_client, challenge_id, "seniorer", "arena", stage_date="2021-02-01", anchored=["board", "members"]
    )
    assert engage(coordinator_client, challenge_id, "kyrkan", "arena", stage_date="2022-01-01").status_code == 201
    vardcentral = engage(coordinator_client, challenge_id, "vardcentral", "arena", stage_date="2021-02-01")
    for rel, steps in (
        (social, [("dialogue", "2021-05-01"), ("knowledge", "2022-01-10"), ("trust_and_structure", "2024-01-01")]),
        (seniorer, [("knowledge", "2022-01-10"), ("trust_and_structure", "2024-01-01")]),
        (vardcentral, [("dialogue", "2021-09-01"), ("arena", "2022-02-01")]),
    ):
        for stage, on in steps:
            assert move(coordinator_client, rel.get_json()["id"], stage, on).status_code == 200
    body = coordinator_client.get(f"/api/v1/challenges/{challenge_id}").get_json()
    by_actor = {e["actor"]["id"]: e for e in body["engagements"]}
    assert [e["actor"]["id"] for e in body["engagements"]][:2] == ["seniorer", "social"]  # furthest first
    assert [h["stage"] for h in by_actor["social"]["history"]] == [
        "arena",
        "dialogue",
        "knowledge",
        "trust_and_structure",
    ]
    assert by_actor["social"]["skipped_stages"] == []
    assert by_actor["seniorer"]["skipped_stages"] == ["dialogue"]
    assert by_actor["vardcentral"]["moved_back"] is True and by_actor["vardcentral"]["stage"] == "arena"
    assert by_actor["kyrkan"]["anchored"] == []
    assert body["stage_counts"] == {"arena": 2, "dialogue": 0, "knowledge": 0, "trust_and_structure": 2}
    assert body["skipped_stages"] == ["dialogue"]
    assert sorted(a["id"] for a in body["unanchored"]) == ["kyrkan", "vardcentral"]
    assert engage(coordinator_client, challenge_id, "social", "dialogue").status_code == 409
    assert engage(coordinator_client, challenge_id, "kyrkan", "done").status_code == 422
    assert engage(coordinator_client, challenge_id, "kyrkan", "arena", anchored=["cat"]).status_code == 422
    assert engage(coordinator_client, "nope", "kyrkan", "arena").status_code == 404


def test_list_filters(people: Graph, coordinator_client: FlaskClient) -> None:
    kumla = create(coordinator_client).get_json()["id"]
    county_wide = create(
        coordinator_client,
        name="Unga i länet",
        municipality_codes=[],
        county_codes=["18"],
        interest_areas=["mental-health"],
        target_groups=["youth"],
    ).get_json()["id"]
    elsewhere = create(
        coordinator_client,
        name="Malmö",
        municipality_codes=["1280"],
        interest_areas=["football"],
        target_groups=["children"],
    ).get_json()["id"]
    engage(coordinator_client, kumla, "kyrkan", "arena")

    def found(**query: str) -> list[str]:
        response = coordinator_client.get("/api/v1/challenges", query_string=query)
        assert response.status_code == 200, response.get_json()
        return sorted(c["id"] for c in response.get_json())

    assert found() == sorted([kumla, county_wide, elsewhere])
    assert found(municipality="1881") == sorted([kumla, county_wide])  # a county challenge covers its municipalities
    assert found(county="18") == sorted([kumla, county_wide])
    assert found(interest_area="health") == [county_wide]  # mental health is narrower than health
    assert found(interest_area="sports") == [elsewhere]
    assert found(target_group="elderly") == [kumla]
    assert found(actor="kyrkan") == [kumla]
    assert coordinator_client.get("/api/v1/challenges", query_string={"county": "Örebro"}).status_code == 422


def test_update_and_delete(people: Graph, coordinator_client: FlaskClient) -> None:
    created = create(coordinator_client)
    url = created.headers["Location"]
    engage(coordinator_client, created.get_json()["id"], "kyrkan", "arena")
    assert coordinator_client.patch(url, json={"name": "Ny"}).status_code == 428
    updated = coordinator_client.patch(
        url,
        json={"name": "Ensamhet bland äldre", "target_groups": ["elderly", "next-of-kin"]},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert updated.status_code == 200, updated.get_json()
    body = updated.get_json()
    assert body["name"] == "Ensamhet bland äldre"
    assert [t["id"] for t in body["target_groups"]] == ["elderly", "next-of-kin"]
    assert [t["id"] for t in body["interest_areas"]] == ["loneliness"]  # not given: kept
    assert body["municipalities"] == [{"code": "1881", "name": "Kumla"}]
    emptied = coordinator_client.patch(
        url, json={"municipality_codes": [], "county_codes": []}, headers={"If-Match": updated.headers["ETag"]}
    )
    assert emptied.status_code == 422
    assert (
        coordinator_client.patch(url, json={"name": "x"}, headers={"If-Match": created.headers["ETag"]}).status_code
        == 412
    )
    assert coordinator_client.delete(url).status_code == 204
    assert coordinator_client.get(url).status_code == 404
    assert people.read_one("MATCH ()-[r:ENGAGED_IN]->() RETURN count(r) AS n") == {"n": 0}
    assert coordinator_client.delete(url).status_code == 404
