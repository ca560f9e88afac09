"""Meeting arenas, participants and meetings with the report's checklist, through the API."""

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
            {"id": key, "props": {"name": name, "sector": sector, "kind": "association", "municipality_code": code}}
            for key, name, sector, code in (
                ("social", "Socialtjänsten", "public", "1881"),
                ("seniorer", "Seniorföreningen", "civil", "1881"),
                ("kyrkan", "Församlingen", "civil", "1881"),
                ("nora", "Nora förening", "civil", "1884"),
            )
        ]
    )
    return graph


def create_arena(client: FlaskClient, **overrides: Any) -> Any:
    body = {
        "name": "Träffpunkt mot ensamhet",
        "description": "Öppen träff för alla som möter ensamma äldre.",
        "municipality_code": "1881",
        "interest_areas": ["loneliness", "pensioners"],
        "cadence": "monthly",
        **overrides,
    }
    return client.post("/api/v1/arenas", json=body)


def test_create_and_read_an_arena(people: Graph, coordinator_client: FlaskClient) -> None:
    response = create_arena(coordinator_client)
    assert response.status_code == 201, response.get_json()
    arena = response.get_json()
    assert arena["municipality"] == {"code": "1881", "name": "Kumla"}
    assert [t["id"] for t in arena["interest_areas"]] == ["loneliness", "pensioners"]
    assert arena["interest_areas"][0]["sv"] == "Ofrivillig ensamhet"
    assert (arena["cadence"], arena["meeting_count"], arena["participants"]) == ("monthly", 0, [])
    assert arena["created_by"].startswith("coordinator:") and arena["version"] == 1
    fetched = coordinator_client.get(response.headers["Location"])
    assert fetched.status_code == 200 and fetched.get_json() == arena
    assert fetched.headers["ETag"] == response.headers["ETag"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"municipality_code": "9999"},
        {"municipality_code": "Kumla"},
        {"interest_areas": ["knitting"]},
        {"cadence": "sometimes"},
        {"name": ""},
        {"name": "x" * 501},
        {"extra": 1},
    ],
)
def test_arena_input_is_validated(people: Graph, coordinator_client: FlaskClient, overrides: dict[str, Any]) -> None:
    response = create_arena(coordinator_client, **overrides)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["message"]
    assert people.read_one("MATCH (a:Arena) RETURN count(a) AS n") == {"n": 0}


def test_participants(people: Graph, coordinator_client: FlaskClient) -> None:
    arena_id = create_arena(coordinator_client).get_json()["id"]
    url = f"/api/v1/arenas/{arena_id}/participants"
    convener = coordinator_client.post(url, json={"actor": "social", "role": "convener", "since": "2022-02-01"})
    assert convener.status_code == 201, convener.get_json()
    assert convener.get_json()["type"] == "PARTICIPATES_IN"
    assert coordinator_client.post(url, json={"actor": "seniorer"}).status_code == 201  # role defaults to member
    assert coordinator_client.post(url, json={"actor": "seniorer"}).status_code == 409
    assert coordinator_client.post(url, json={"actor": "nobody"}).status_code == 422
    assert coordinator_client.post(url, json={"actor": "kyrkan", "role": "boss"}).status_code == 422
    assert coordinator_client.post("/api/v1/arenas/nope/participants", json={"actor": "kyrkan"}).status_code == 404
    arena = coordinator_client.get(f"/api/v1/arenas/{arena_id}").get_json()
    assert [(p["actor"]["id"], p["role"], p["current"]) for p in arena["participants"]] == [
        ("social", "convener", True),
        ("seniorer", "member", True),
    ]
    # The generic relationships endpoint records the same thing under the same rules.
    same = coordinator_client.post(
        "/api/v1/relationships",
        json={"type": "PARTICIPATES_IN", "from": "social", "to": arena_id, "properties": {"role": "guest"}},
    )
    assert same.status_code == 409


def test_list_and_filter_arenas(people: Graph, coordinator_client: FlaskClient) -> None:
    kumla = create_arena(coordinator_client).get_json()["id"]
    nora = create_arena(
        coordinator_client, name="Föreningsforum Nora", municipality_code="1884", interest_areas=["outdoor"]
    )
    nora_id = nora.get_json()["id"]
    coordinator_client.post(f"/api/v1/arenas/{nora_id}/participants", json={"actor": "nora"})

    def names(**query: str) -> list[str]:
        response = coordinator_client.get("/api/v1/arenas", query_string=query)
        assert response.status_code == 200
        return [a["id"] for a in response.get_json()]

    assert sorted(names()) == sorted([kumla, nora_id])
    assert names(municipality="1881") == [kumla]
    assert sorted(names(county="18")) == sorted([kumla, nora_id])
    assert names(interest_area="social-support") == [kumla]  # loneliness is narrower than social support
    assert names(interest_area="sports") == [nora_id]  # outdoor is narrower than sports
    assert names(actor="nora") == [nora_id]
    assert coordinator_client.get("/api/v1/arenas", query_string={"municipality": "Kumla"}).status_code == 422


def test_update_arena_with_etag(people: Graph, coordinator_client: FlaskClient) -> None:
    created = create_arena(coordinator_client)
    url = created.headers["Location"]
    assert coordinator_client.patch(url, json={"cadence": "weekly"}).status_code == 428
    assert coordinator_client.patch(url, json={"cadence": "weekly"}, headers={"If-Match": '"x"'}).status_code == 412
    updated = coordinator_client.patch(
        url, json={"cadence": "weekly", "interest_areas": ["music"]}, headers={"If-Match": created.headers["ETag"]}
    )
    assert updated.status_code == 200
    body = updated.get_json()
    assert body["cadence"] == "weekly" and [t["id"] for t in body["interest_areas"]] == ["music"]
    moved = coordinator_client.patch(
        url, json={"municipality_code": "1884"}, headers={"If-Match": updated.headers["ETag"]}
    )
    assert moved.get_json()["municipality"] == {"code": "1884", "name": "Nora"}
    assert [t["id"] for t in moved.get_json()["interest_areas"]] == ["music"]
    bad = coordinator_client.patch(
        url, json={"interest_areas": ["knitting"]}, headers={"If-Match": moved.headers["ETag"]}
    )
    assert bad.status_code == 422
    assert coordinator_client.patch("/api/v1/arenas/nope", json={}, headers={"If-Match": "*"}).status_code == 404


def meeting(**overrides: Any) -> dict[str, Any]:
    return {
        "date": "2025-09-10",
        "purpose": "Kartlägga var ensamma äldre finns",
        "notes": "Alla presenterade sig.",
        "decisions": ["Gemensam folder"],
        "next_steps": ["Samordna tider"],
        "participants": ["social", "seniorer"],
        "invitation_sent": True,
        "documentation_prepared": True,
        "roles_presented": True,
        **overrides,
    }


def test_meetings_show_the_open_checklist_items(people: Graph, coordinator_client: FlaskClient) -> None:
    arena_id = create_arena(coordinator_client).get_json()["id"]
    url = f"/api/v1/arenas/{arena_id}/meetings"
    response = coordinator_client.post(url, json=meeting())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert [p["id"] for p in body["participants"]] == ["seniorer", "social"]
    assert body["checklist_done"] == 3
    assert [i["id"] for i in body["open_items"]] == [
        "everyone_heard",
        "summary_made",
        "next_steps_agreed",
        "notes_sent",
        "follow_up_done",
    ]
    assert body["open_items"][0]["sv"] == "Alla har kommit till tals"
    assert (body["decisions"], body["next_steps"]) == (["Gemensam folder"], ["Samordna tider"])
    meeting_url = response.headers["Location"]
    ticked = coordinator_client.patch(
        meeting_url,
        json={"everyone_heard": True, "summary_made": True, "participants": ["social", "kyrkan"]},
        headers={"If-Match": response.headers["ETag"]},
    )
    assert ticked.status_code == 200
    assert ticked.get_json()["checklist_done"] == 5
    assert [p["id"] for p in ticked.get_json()["participants"]] == ["kyrkan", "social"]
    assert coordinator_client.patch(meeting_url, json={"notes_sent": True}).status_code == 428
    assert coordinator_client.post(url, json=meeting(participants=["nobody"])).status_code == 422
    assert coordinator_client.post(url, json=meeting(date="tisdag")).status_code == 422
    assert coordinator_client.post(url, json=meeting(summary_made="ja")).status_code == 422
    assert coordinator_client.post("/api/v1/arenas/nope/meetings", json=meeting()).status_code == 404


def test_meetings_are_listed_latest_first_and_counted_on_the_arena(
    people: Graph, coordinator_client: FlaskClient
) -> None:
    arena_id = create_arena(coordinator_client).get_json()["id"]
    url = f"/api/v1/arenas/{arena_id}/meetings"
    for date in ("2025-09-10", "2025-11-12", "2025-10-15", "2999-01-01"):
        assert coordinator_client.post(url, json=meeting(date=date)).status_code == 201
    listed = coordinator_client.get(url, query_string={"page_size": 3})
    assert [m["date"] for m in listed.get_json()] == ["2999-01-01", "2025-11-12", "2025-10-15"]
    assert '"total": 4' in listed.headers["X-Pagination"]
    arena = coordinator_client.get(f"/api/v1/arenas/{arena_id}").get_json()
    assert (arena["meeting_count"], arena["last_meeting"], arena["next_meeting"]) == (4, "2025-11-12", "2999-01-01")
    assert coordinator_client.get("/api/v1/arenas/nope/meetings").status_code == 404


def test_delete_meeting_and_arena(people: Graph, coordinator_client: FlaskClient) -> None:
    arena_id = create_arena(coordinator_client).get_json()["id"]
    first = coordinator_client.post(f"/api/v1/arenas/{arena_id}/meetings", json=meeting()).get_json()["id"]
    coordinator_client.post(f"/api/v1/arenas/{arena_id}/meetings", json=meeting(date="2025-10-01"))
    coordinator_client.post(f"/api/v1/arenas/{arena_id}/participants", json={"actor": "social"})
    assert coordinator_client.delete(f"/api/v1/arenas/{arena_id}/meetings/{first}").status_code == 204
    assert coordinator_client.get(f"/api/v1/arenas/{arena_id}/meetings/{first}").status_code == 404
    assert coordinator_client.delete(f"/api/v1/arenas/{arena_id}/meetings/{first}").status_code == 404
    assert coordinator_client.delete(f"/api/v1/arenas/{arena_id}").status_code == 204
    assert coordinator_client.get(f"/api/v1/arenas/{arena_id}").status_code == 404
    counts = people.read_one(
        "RETURN COUNT { (:Meeting) } AS meetings, COUNT { ()-[:PARTICIPATES_IN]->() } AS participations, "
        "COUNT { (:Actor) } AS actors"
    )
    assert counts == {"meetings": 0, "participations": 0, "actors": 4}
    assert coordinator_client.delete(f"/api/v1/arenas/{arena_id}").status_code == 404
