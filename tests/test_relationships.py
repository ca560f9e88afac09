"""Relationships of the collaboration model through the API and the DAO: rules, ETags, history."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from registry.dao.actors import ActorDao
from registry.dao.agreements import AgreementDao
from registry.dao.challenges import ChallengeDao
from registry.dao.relationships import RelationshipDao
from registry.db import Graph
from registry.domain.relationships import ConflictError, skipped_stages
from registry.identity import Principal, Role, Writer

# The writer of relationships these tests create through the DAO (its writes take one).
WRITER = Writer.cli()

TODAY = dt.date.today()


def actor(key: str, sector: str = "civil", municipality: str = "1881", **props: Any) -> dict[str, Any]:
    return {
        "id": key,
        "props": {
            "name": key.replace("-", " ").title(),
            "sector": sector,
            "kind": "association",
            "municipality_code": municipality,
            **props,
        },
    }


@pytest.fixture
def actors(graph: Graph) -> Graph:
    ActorDao(graph).upsert_many(
        [
            actor("kommun", "public", kind="municipality"),
            actor("socialtjansten", "public"),
            actor("forening-a"),
            actor("forening-b"),
            actor("foretag", "private"),
            actor("arkiverad"),
        ]
    )
    graph.write("MATCH (a:Actor {id: 'arkiverad'}) SET a.archived = true")
    return graph


def post(client: FlaskClient, **body: Any) -> Any:
    return client.post("/api/v1/relationships", json=body)


def power(client: FlaskClient, frm: str = "forening-a", to: str = "kommun", **extra: Any) -> Any:
    props = {"kind": "power", "resource": "money", "strength": 4, **extra.pop("properties", {})}
    return post(client, type="DEPENDS_ON", **{"from": frm}, to=to, properties=props, **extra)


# -- create --------------------------------------------------------------------------------------


def test_create_returns_the_relationship_with_etag_and_location(actors: Graph, coordinator_client: FlaskClient) -> None:
    response = power(
        coordinator_client, source="Intervju", confidence="high", valid_from="2024-01-01", note="Lokalbidrag"
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["type"] == "DEPENDS_ON"
    assert (body["from"]["id"], body["to"]["id"]) == ("forening-a", "kommun")
    assert body["from"]["sector"] == "civil" and body["to"]["sector"] == "public"
    assert body["properties"] == {"kind": "power", "resource": "money", "strength": 4}
    assert body["mutual"] is False
    assert (body["source"], body["confidence"], body["valid_from"], body["note"]) == (
        "Intervju",
        "high",
        "2024-01-01",
        "Lokalbidrag",
    )
    assert body["version"] == 1 and body["created_by"].startswith("coordinator:") and body["current"] is True
    assert response.headers["Location"].endswith(body["id"])
    fetched = coordinator_client.get(f"/api/v1/relationships/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.headers["ETag"] == response.headers["ETag"]
    assert fetched.get_json() == body


def test_created_by_is_the_callers_principal(actors: Graph, app: Flask, coordinator_client: FlaskClient) -> None:
    @app.before_request
    def as_coordinator() -> None:
        g.principal = Principal(Role.COORDINATOR, token_id="token-7")

    body = power(coordinator_client).get_json()
    assert body["created_by"] == "coordinator:token-7"


def test_every_type_with_its_properties(actors: Graph, coordinator_client: FlaskClient) -> None:
    agreement = AgreementDao(actors).create({"kind": "iop", "title": "IOP"}, "test", writer=WRITER)
    challenge = ChallengeDao(actors).create({"name": "Ensamhet", "municipality_codes": ["1881"]}, "test", writer=WRITER)
    from registry.dao.arenas import ArenaDao

    arena = ArenaDao(actors).create({"name": "Träffen", "municipality_code": "1881"}, "test", writer=Writer.cli())
    cases = [
        ("FUNDS", "kommun", "forening-a", {"amount_sek": 30000, "year": 2025, "form": "association_grant"}),
        ("PERCEIVES", "forening-a", "kommun", {"valence": -2}),
        ("PARTY_TO", "kommun", agreement["id"], {}),
        ("PARTICIPATES_IN", "forening-b", arena["id"], {"role": "convener", "since": "2023-02-01"}),
        ("ENGAGED_IN", "socialtjansten", challenge["id"], {"stage": "dialogue", "anchored": ["management"]}),
    ]
    for rel_type, frm, to, props in cases:
        response = post(coordinator_client, type=rel_type, **{"from": frm}, to=to, properties=props)
        assert response.status_code == 201, (rel_type, response.get_json())
        assert response.get_json()["properties"] == props, rel_type


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "LIKES", "from": "forening-a", "to": "kommun"}, "type"),
        ({"type": "DEPENDS_ON", "from": "forening-a", "to": "kommun", "properties": {"kind": "love"}}, "properties"),
        ({"type": "DEPENDS_ON", "from": "forening-a", "to": "kommun", "properties": {}}, "properties"),
        (
            {
                "type": "DEPENDS_ON",
                "from": "forening-a",
                "to": "kommun",
                "properties": {"kind": "power", "strength": 6},
            },
            "properties",
        ),
        (
            {
                "type": "DEPENDS_ON",
                "from": "forening-a",
                "to": "kommun",
                "properties": {"kind": "power", "colour": "r"},
            },
            "properties",
        ),
        ({"type": "PERCEIVES", "from": "forening-a", "to": "kommun", "properties": {"valence": 3}}, "properties"),
        ({"type": "FUNDS", "from": "kommun", "to": "forening-a", "properties": {"year": 2025}}, "properties"),
        (
            {
                "type": "PERCEIVES",
                "from": "forening-a",
                "to": "kommun",
                "properties": {"valence": 1},
                "confidence": "certain",
            },
            "confidence",
        ),
        ({"type": "PERCEIVES", "to": "kommun", "properties": {"valence": 1}}, "from"),
        (
            {"type": "PERCEIVES", "from": "a", "to": "kommun", "properties": {"valence": 1}, "valid_from": "igår"},
            "valid_from",
        ),
    ],
)
def test_invalid_input_is_a_422_naming_the_field(
    actors: Graph, coordinator_client: FlaskClient, body: dict[str, Any], field: str
) -> None:
    response = post(coordinator_client, **body)
    assert response.status_code == 422, response.get_json()
    payload = response.get_json()
    assert payload["message"]
    assert field in payload["errors"]["json"]
    assert actors.read_one("MATCH ()-[r]->() WHERE r.id IS NOT NULL RETURN count(r) AS n") == {"n": 0}


def test_no_self_loops(actors: Graph, coordinator_client: FlaskClient) -> None:
    response = power(coordinator_client, frm="kommun", to="kommun")
    assert response.status_code == 422
    assert "to" in response.get_json()["errors"]


def test_only_the_ends_the_contract_allows(actors: Graph, coordinator_client: FlaskClient) -> None:
    agreement = AgreementDao(actors).create({"kind": "policy", "title": "Policy"}, "test", writer=WRITER)
    wrong_end = post(coordinator_client, type="PARTY_TO", **{"from": "kommun"}, to="forening-a")
    assert wrong_end.status_code == 422
    assert "Agreement" in wrong_end.get_json()["errors"]["to"][0]
    wrong_start = post(coordinator_client, type="PARTY_TO", **{"from": agreement["id"]}, to=agreement["id"] + "x")
    assert wrong_start.status_code == 422
    assert set(wrong_start.get_json()["errors"]) == {"from", "to"}
    actor_to_agreement = power(coordinator_client, to=agreement["id"])
    assert actor_to_agreement.status_code == 422
    assert "Actor" in actor_to_agreement.get_json()["errors"]["to"][0]


def test_unknown_and_archived_ends(actors: Graph, coordinator_client: FlaskClient) -> None:
    missing = power(coordinator_client, to="finns-inte")
    assert missing.status_code == 422 and "to" in missing.get_json()["errors"]
    archived = power(coordinator_client, frm="arkiverad")
    assert archived.status_code == 422 and "arkiverad" in archived.get_json()["errors"]["from"][0]


def test_malformed_bodies_are_4xx(actors: Graph, coordinator_client: FlaskClient) -> None:
    assert (
        coordinator_client.post("/api/v1/relationships", data="{", content_type="application/json").status_code == 400
    )
    assert coordinator_client.post("/api/v1/relationships", json=[1, 2]).status_code == 422
    assert post(coordinator_client, type="PERCEIVES", **{"from": "x" * 101}, to="kommun").status_code == 422


# -- duplicates -----------------------------------------------------------------------------------


def test_a_second_identical_relationship_for_overlapping_dates_is_409(
    actors: Graph, coordinator_client: FlaskClient
) -> None:
    first = power(coordinator_client, valid_from="2024-01-01", valid_to="2025-01-01")
    assert first.status_code == 201
    overlapping = power(coordinator_client, valid_from="2024-06-01")
    assert overlapping.status_code == 409
    assert overlapping.get_json()["errors"]["existing_id"] == first.get_json()["id"]
    open_ended = power(coordinator_client)
    assert open_ended.status_code == 409
    after = power(coordinator_client, valid_from="2025-01-01")  # valid_to is exclusive: no overlap
    assert after.status_code == 201
    before = power(coordinator_client, valid_to="2024-01-01")
    assert before.status_code == 201
    assert actors.read_one("MATCH ()-[r:DEPENDS_ON]->() RETURN count(r) AS n") == {"n": 3}


def test_what_tells_two_relationships_apart(actors: Graph, coordinator_client: FlaskClient) -> None:
    assert power(coordinator_client).status_code == 201
    assert power(coordinator_client, properties={"resource": "premises"}).status_code == 201  # another resource
    assert power(coordinator_client, frm="kommun", to="forening-a").status_code == 201  # the other direction
    grant = {"amount_sek": 1000, "year": 2025, "form": "association_grant"}
    assert (
        post(coordinator_client, type="FUNDS", **{"from": "kommun"}, to="forening-a", properties=grant).status_code
        == 201
    )
    other_year = {**grant, "year": 2026}
    assert (
        post(coordinator_client, type="FUNDS", **{"from": "kommun"}, to="forening-a", properties=other_year).status_code
        == 201
    )
    same = {**grant, "amount_sek": 5}
    assert (
        post(coordinator_client, type="FUNDS", **{"from": "kommun"}, to="forening-a", properties=same).status_code
        == 409
    )


def test_mutual_kinds_are_stored_once_and_read_from_both_ends(actors: Graph, coordinator_client: FlaskClient) -> None:
    symbiotic = {"kind": "symbiotic", "resource": "volunteers"}
    created = post(
        coordinator_client, type="DEPENDS_ON", **{"from": "socialtjansten"}, to="forening-a", properties=symbiotic
    )
    assert created.status_code == 201 and created.get_json()["mutual"] is True
    reversed_twin = post(
        coordinator_client, type="DEPENDS_ON", **{"from": "forening-a"}, to="socialtjansten", properties=symbiotic
    )
    assert reversed_twin.status_code == 409
    assert actors.read_one("MATCH ()-[r:DEPENDS_ON]->() RETURN count(r) AS n") == {"n": 1}
    for end in ("socialtjansten", "forening-a"):
        grouped = coordinator_client.get(f"/api/v1/actors/{end}/relationships").get_json()
        assert [(r["direction"], r["properties"]["kind"]) for r in grouped["DEPENDS_ON"]] == [("mutual", "symbiotic")]
    competition = post(
        coordinator_client,
        type="DEPENDS_ON",
        **{"from": "forening-b"},
        to="forening-a",
        properties={"kind": "competition"},
    )
    assert competition.status_code == 201
    twin = post(
        coordinator_client,
        type="DEPENDS_ON",
        **{"from": "forening-a"},
        to="forening-b",
        properties={"kind": "competition"},
    )
    assert twin.status_code == 409


def test_concurrent_twins_cannot_both_be_created(actors: Graph) -> None:
    dao = RelationshipDao(actors)
    results: list[str] = []
    barrier = threading.Barrier(4)

    def create(frm: str, to: str) -> None:
        barrier.wait()
        try:
            dao.create("DEPENDS_ON", frm, to, {"kind": "competition"}, {}, WRITER)
            results.append("created")
        except ConflictError:
            results.append("conflict")

    threads = [
        threading.Thread(target=create, args=pair)
        for pair in [("forening-a", "forening-b"), ("forening-b", "forening-a")] * 2
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "conflict", "conflict", "created"]
    assert actors.read_one("MATCH ()-[r:DEPENDS_ON]->() RETURN count(r) AS n") == {"n": 1}


# -- update, end, delete -------------------------------------------------------------------------


def test_patch_needs_a_current_etag(actors: Graph, coordinator_client: FlaskClient) -> None:
    created = power(coordinator_client)
    rel_id, etag = created.get_json()["id"], created.headers["ETag"]
    url = f"/api/v1/relationships/{rel_id}"
    assert coordinator_client.patch(url, json={"note": "x"}).status_code == 428
    assert coordinator_client.patch(url, json={"note": "x"}, headers={"If-Match": '"not-it"'}).status_code == 412
    updated = coordinator_client.patch(
        url, json={"note": "Viktig", "properties": {"strength": 2}}, headers={"If-Match": etag}
    )
    assert updated.status_code == 200, updated.get_json()
    body = updated.get_json()
    assert body["note"] == "Viktig" and body["properties"]["strength"] == 2 and body["version"] == 2
    assert body["updated_by"].startswith("coordinator:")
    assert updated.headers["ETag"] != etag
    stale = coordinator_client.patch(url, json={"note": "Sen"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert coordinator_client.get(url).get_json()["note"] == "Viktig"


def test_patch_validates_like_create(actors: Graph, coordinator_client: FlaskClient) -> None:
    created = power(coordinator_client, valid_from="2024-01-01")
    rel_id = created.get_json()["id"]
    url = f"/api/v1/relationships/{rel_id}"

    def patch(body: dict[str, Any]) -> Any:
        etag = coordinator_client.get(url).headers["ETag"]
        return coordinator_client.patch(url, json=body, headers={"If-Match": etag})

    assert patch({"properties": {"strength": 0}}).status_code == 422
    assert patch({"properties": {"kind": None}}).status_code == 422  # required
    assert patch({"properties": {"valence": 1}}).status_code == 422  # not a DEPENDS_ON property
    assert patch({"valid_to": "2023-12-31"}).status_code == 422  # before valid_from
    removed = patch({"properties": {"resource": None}, "note": None})
    assert removed.status_code == 200 and "resource" not in removed.get_json()["properties"]
    other = power(coordinator_client, properties={"resource": "premises"}).get_json()
    twin = coordinator_client.patch(
        f"/api/v1/relationships/{other['id']}",
        json={"properties": {"resource": None}},
        headers={"If-Match": coordinator_client.get(f"/api/v1/relationships/{other['id']}").headers["ETag"]},
    )
    assert twin.status_code == 409
    assert (
        coordinator_client.get(f"/api/v1/relationships/{other['id']}").get_json()["properties"]["resource"]
        == "premises"
    )


def test_end_sets_valid_to_and_keeps_the_relationship(actors: Graph, coordinator_client: FlaskClient) -> None:
    rel_id = power(coordinator_client, valid_from="2020-01-01").get_json()["id"]
    ended = coordinator_client.post(f"/api/v1/relationships/{rel_id}/end", json={})
    assert ended.status_code == 200
    assert ended.get_json()["valid_to"] == TODAY.isoformat() and ended.get_json()["current"] is False
    assert coordinator_client.post(f"/api/v1/relationships/{rel_id}/end", json={}).status_code == 409
    # valid_to is exclusive: a new one from today does not overlap the ended one.
    assert power(coordinator_client, valid_from=TODAY.isoformat()).status_code == 201
    listed = coordinator_client.get("/api/v1/relationships", query_string={"valid_at": TODAY.isoformat()}).get_json()
    assert rel_id not in [r["id"] for r in listed]
    assert rel_id in [r["id"] for r in coordinator_client.get("/api/v1/relationships").get_json()]
    before_start = coordinator_client.post(f"/api/v1/relationships/{rel_id}/end", json={"valid_to": "2019-01-01"})
    assert before_start.status_code == 409


def test_end_on_a_later_day(actors: Graph, coordinator_client: FlaskClient) -> None:
    rel_id = power(coordinator_client).get_json()["id"]
    later = (TODAY + dt.timedelta(days=30)).isoformat()
    ended = coordinator_client.post(f"/api/v1/relationships/{rel_id}/end", json={"valid_to": later})
    assert ended.status_code == 200 and ended.get_json()["valid_to"] == later and ended.get_json()["current"] is True


def test_delete(actors: Graph, coordinator_client: FlaskClient) -> None:
    rel_id = power(coordinator_client).get_json()["id"]
    assert coordinator_client.delete(f"/api/v1/relationships/{rel_id}").status_code == 204
    assert coordinator_client.get(f"/api/v1/relationships/{rel_id}").status_code == 404
    assert coordinator_client.delete(f"/api/v1/relationships/{rel_id}").status_code == 404
    assert (
        coordinator_client.patch(f"/api/v1/relationships/{rel_id}", json={}, headers={"If-Match": "*"}).status_code
        == 404
    )
    assert coordinator_client.post(f"/api/v1/relationships/{rel_id}/end", json={}).status_code == 404


# -- lists ---------------------------------------------------------------------------------------


def test_list_filters(actors: Graph, coordinator_client: FlaskClient) -> None:
    power(coordinator_client)
    post(
        coordinator_client,
        type="DEPENDS_ON",
        **{"from": "forening-a"},
        to="socialtjansten",
        properties={"kind": "symbiotic"},
    )
    post(
        coordinator_client,
        type="DEPENDS_ON",
        **{"from": "forening-b"},
        to="forening-a",
        properties={"kind": "competition"},
    )
    post(coordinator_client, type="PERCEIVES", **{"from": "foretag"}, to="kommun", properties={"valence": 1})
    post(
        coordinator_client,
        type="FUNDS",
        **{"from": "kommun"},
        to="forening-b",
        properties={"year": 2020, "form": "association_grant"},
        valid_from="2020-01-01",
        valid_to="2021-01-01",
    )

    def ids(**query: str) -> list[tuple[str, str, str]]:
        response = coordinator_client.get("/api/v1/relationships", query_string=query)
        assert response.status_code == 200, response.get_json()
        return sorted((r["type"], r["from"]["id"], r["to"]["id"]) for r in response.get_json())

    assert len(ids()) == 5
    assert ids(type="PERCEIVES,FUNDS") == [("FUNDS", "kommun", "forening-b"), ("PERCEIVES", "foretag", "kommun")]
    assert ids(kind="competition") == [("DEPENDS_ON", "forening-b", "forening-a")]
    assert len(ids(actor="forening-a")) == 3
    # public→civil: the funding, and the symbiotic one stored civil→public (mutual reads both ways).
    assert ids(sectors="public-civil") == [
        ("DEPENDS_ON", "forening-a", "socialtjansten"),
        ("FUNDS", "kommun", "forening-b"),
    ]
    assert ids(sectors="civil-public") == [
        ("DEPENDS_ON", "forening-a", "kommun"),
        ("DEPENDS_ON", "forening-a", "socialtjansten"),
    ]
    assert ("FUNDS", "kommun", "forening-b") not in ids(valid_at=TODAY.isoformat())
    assert ("FUNDS", "kommun", "forening-b") in ids(valid_at="2020-06-01")
    for bad in ({"type": "LIKES"}, {"kind": "x"}, {"sectors": "public-martian"}, {"valid_at": "2020-13-01"}):
        assert coordinator_client.get("/api/v1/relationships", query_string=bad).status_code == 422, bad


def test_list_is_paged(actors: Graph, coordinator_client: FlaskClient) -> None:
    for year in range(2010, 2017):
        post(
            coordinator_client,
            type="FUNDS",
            **{"from": "kommun"},
            to="forening-a",
            properties={"year": year, "form": "other"},
        )
    page = coordinator_client.get("/api/v1/relationships", query_string={"page": 2, "page_size": 3})
    assert page.status_code == 200
    assert len(page.get_json()) == 3
    assert '"total": 7' in page.headers["X-Pagination"]
    assert coordinator_client.get("/api/v1/relationships", query_string={"page_size": 10000}).status_code == 422


def test_actor_relationships_are_grouped_by_type(actors: Graph, coordinator_client: FlaskClient) -> None:
    power(coordinator_client)
    post(coordinator_client, type="PERCEIVES", **{"from": "kommun"}, to="forening-a", properties={"valence": 2})
    actors.write(
        "MATCH (a:Actor {id: 'forening-a'}), (u:Actor {id: 'forening-b'}) MERGE (a)-[:MEMBER_OF {since: '2019'}]->(u)"
    )
    response = coordinator_client.get("/api/v1/actors/forening-a/relationships")
    assert response.status_code == 200
    grouped = response.get_json()
    assert set(grouped) >= {"DEPENDS_ON", "FUNDS", "PERCEIVES", "MEMBER_OF", "ENGAGED_IN"}
    assert [(r["direction"], r["other"]["id"]) for r in grouped["DEPENDS_ON"]] == [("out", "kommun")]
    assert [(r["direction"], r["other"]["id"]) for r in grouped["PERCEIVES"]] == [("in", "kommun")]
    assert [(r["direction"], r["other"]["id"], r["id"]) for r in grouped["MEMBER_OF"]] == [("out", "forening-b", None)]
    assert coordinator_client.get("/api/v1/actors/finns-inte/relationships").status_code == 404


# -- challenge stages ------------------------------------------------------------------------------


def test_stage_changes_are_kept_as_history(actors: Graph, coordinator_client: FlaskClient) -> None:
    challenge = ChallengeDao(actors).create({"name": "Ensamhet", "municipality_codes": ["1881"]}, "test", writer=WRITER)
    created = post(
        coordinator_client,
        type="ENGAGED_IN",
        **{"from": "forening-a"},
        to=challenge["id"],
        properties={"stage": "arena", "stage_date": "2023-01-10", "since": "2023-01-10"},
    )
    assert created.status_code == 201, created.get_json()
    rel_id = created.get_json()["id"]
    url = f"/api/v1/relationships/{rel_id}"
    moved = coordinator_client.patch(
        url,
        json={"properties": {"stage": "knowledge", "stage_date": "2024-03-01", "anchored": ["board"]}},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.get_json()
    body = moved.get_json()
    assert [(h["stage"], h["on"]) for h in body["history"]] == [("arena", "2023-01-10"), ("knowledge", "2024-03-01")]
    assert body["skipped_stages"] == ["dialogue"] and body["moved_back"] is False
    unchanged_stage = coordinator_client.patch(
        url, json={"properties": {"stage": "knowledge"}, "note": "n"}, headers={"If-Match": moved.headers["ETag"]}
    )
    assert len(unchanged_stage.get_json()["history"]) == 2
    back = coordinator_client.patch(
        url, json={"properties": {"stage": "dialogue"}}, headers={"If-Match": unchanged_stage.headers["ETag"]}
    )
    assert back.get_json()["moved_back"] is True
    assert back.get_json()["history"][-1]["on"] == TODAY.isoformat()
    assert back.get_json()["skipped_stages"] == []


def test_skipped_stages_rule() -> None:
    assert skipped_stages(["arena", "trust_and_structure"]) == ["dialogue", "knowledge"]
    assert skipped_stages(["arena", "dialogue", "knowledge", "trust_and_structure"]) == []
    assert skipped_stages(["knowledge", "arena"]) == ["dialogue"]
    assert skipped_stages([]) == []


# -- schema and docs ------------------------------------------------------------------------------


def test_migration_creates_keys_and_relationship_id_constraints(graph: Graph) -> None:
    names = {r["name"] for r in graph.read("SHOW CONSTRAINTS YIELD name")}
    assert {"agreement_id", "arena_id", "meeting_id", "challenge_id"} <= names
    for rel in ("depends_on", "funds", "perceives", "party_to", "participates_in", "engaged_in"):
        assert f"{rel}_id" in names


def test_openapi_documents_the_relationship_rules(coordinator_client: FlaskClient) -> None:
    spec = coordinator_client.get("/openapi.json").get_json()
    patch = spec["paths"]["/api/v1/relationships/{rel_id}"]["patch"]
    assert {"412", "428"} <= set(patch["responses"])
    assert any(p.get("name") == "If-Match" for p in patch["parameters"])
    assert "409" in spec["paths"]["/api/v1/relationships"]["post"]["responses"]


def test_vocabulary_has_swedish_and_english(coordinator_client: FlaskClient) -> None:
    vocab = coordinator_client.get("/api/v1/collaboration-vocabulary").get_json()
    assert [t["id"] for t in vocab["stages"]] == ["arena", "dialogue", "knowledge", "trust_and_structure"]
    assert vocab["mutual_kinds"] == ["competition", "symbiotic"]
    assert all(t["sv"] and t["en"] for key in ("dependency_kinds", "meeting_checklist") for t in vocab[key])
    assert len(vocab["meeting_checklist"]) == 8
