"""Umbrella self-service: list members, change what an umbrella may change (with ETag/If-Match),
add and end memberships; an umbrella reaches its own current members and nothing else."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask.testing import FlaskClient

from registry.db import Graph
from tests.auth_support import (
    MEMBER,
    MEMBER_2,
    NON_MEMBER,
    OTHER_MEMBER,
    OTHER_UMBRELLA,
    PUBLIC_ACTOR,
    UMBRELLA,
    Tokens,
    audit_count,
    bearer,
    member_etag,
)

BASE = f"/api/v1/umbrellas/{UMBRELLA}/members"


def _member_state(graph: Graph, member_id: str) -> dict[str, Any]:
    row = graph.read_one(
        "MATCH (a:Actor {id: $id}) "
        "RETURN a {.*, created_at: null, updated_at: null} AS a, "
        "COLLECT { MATCH (a)-[:HAS_CONTACT]->(c) RETURN c {.*} ORDER BY c.id } AS contacts, "
        "COLLECT { MATCH (a)-[:SERVES]->(t) RETURN t.id ORDER BY t.id } AS target_groups, "
        "COLLECT { MATCH (a)-[r:MEMBER_OF]->(u) RETURN [u.id, r.since, r.until] ORDER BY u.id, r.since } "
        "AS memberships",
        id=member_id,
    )
    assert row is not None
    return row


def _patch(client: FlaskClient, token: str, body: dict[str, Any], *, member_id: str = MEMBER, etag: str | None = None):  # type: ignore[no-untyped-def]
    tag = etag if etag is not None else member_etag(client, token, UMBRELLA, member_id)
    return client.patch(f"{BASE}/{member_id}", json=body, headers=bearer(token, **{"If-Match": tag}))


def test_umbrella_changes_its_members_contact_data_and_the_change_is_audited(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    before = _member_state(demo_graph, MEMBER)
    etag = member_etag(client, tokens.umbrella, UMBRELLA, MEMBER)
    response = _patch(
        client,
        tokens.umbrella,
        {"phones": ["070-174 06 99"], "member_count": 212, "activities": "  seniorgympa, boule  "},
        etag=etag,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["phones"] == ["+46701740699"]
    assert (body["member_count"], body["activities"]) == (212, "seniorgympa, boule")
    assert body["version"] == before["a"]["version"] + 1
    assert response.headers["ETag"] != etag
    assert body["contacts"], "the umbrella sees its member's contact persons"
    after = _member_state(demo_graph, MEMBER)
    assert after["a"]["org_number"] == before["a"]["org_number"]
    assert after["a"]["municipality_code"] == before["a"]["municipality_code"]

    event = demo_graph.read_one(
        "MATCH (e:AuditEvent {action: 'actor.update'})-[:ABOUT]->(a:Actor {id: $id}) RETURN e {.*} AS e", id=MEMBER
    )
    assert event is not None
    e = event["e"]
    assert (e["channel"], e["role"], e["actor_id"], e["by"]) == (
        "api",
        "umbrella",
        UMBRELLA,
        "Bergslagens föreningsråd",
    )
    assert e["token_id"] and tokens.umbrella.split("_")[1] == e["token_id"]
    assert json.loads(e["after"]) == {
        "activities": "seniorgympa, boule",
        "member_count": 212,
        "phones": ["+46701740699"],
    }
    assert set(json.loads(e["before"])) == {"activities", "member_count", "phones"}


def test_if_match_is_required_and_a_stale_tag_changes_nothing(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    missing = client.patch(f"{BASE}/{MEMBER}", json={"member_count": 1}, headers=bearer(tokens.umbrella))
    assert missing.status_code == 428
    old = member_etag(client, tokens.umbrella, UMBRELLA, MEMBER)
    assert _patch(client, tokens.umbrella, {"member_count": 1}, etag=old).status_code == 200
    state, events = _member_state(demo_graph, MEMBER), audit_count(demo_graph)
    stale = _patch(client, tokens.umbrella, {"member_count": 2}, etag=old)
    assert stale.status_code == 412
    assert stale.get_json()["code"] == 412
    assert _member_state(demo_graph, MEMBER) == state and audit_count(demo_graph) == events


def test_fields_an_umbrella_may_not_change_are_refused(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    state, events = _member_state(demo_graph, MEMBER), audit_count(demo_graph)
    for body in ({"org_number": "802412-3456"}, {"municipality_code": "1880"}, {"name": "Nytt namn"}, {}):
        response = _patch(client, tokens.umbrella, body)
        assert response.status_code == 422, body
        assert response.get_json()["code"] == 422
    for body in ({"emails": ["inte-en-adress"]}, {"phones": ["abc"]}, {"member_count": -1}, {"postal_code": "1"}):
        assert _patch(client, tokens.umbrella, body).status_code == 422, body
    unknown = _patch(client, tokens.umbrella, {"target_groups": ["elderly", "no-such-group"]})
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"]["json"]["target_groups"] == ["no-such-group"]
    assert _member_state(demo_graph, MEMBER) == state and audit_count(demo_graph) == events


def test_target_groups_are_replaced_by_the_given_list(demo_graph: Graph, client: FlaskClient, tokens: Tokens) -> None:
    response = _patch(client, tokens.umbrella, {"target_groups": ["elderly", "next-of-kin"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["target_groups"] == ["elderly", "next-of-kin"]
    assert _member_state(demo_graph, MEMBER)["target_groups"] == ["elderly", "next-of-kin"]


def test_contacts_are_replaced_and_removed_ones_are_deleted(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    current = client.get(f"{BASE}/{MEMBER}", headers=bearer(tokens.umbrella)).get_json()["contacts"]
    assert len(current) == 2
    kept, dropped = current
    body = {
        "contacts": [
            {**kept, "role": "Kassör"},
            {"name": "Nyfiken Nyman", "email": "NYFIKEN@linden.example", "phone": "0701740612"},
        ]
    }
    response = _patch(client, tokens.umbrella, body)
    assert response.status_code == 200, response.get_json()
    contacts = {c["name"]: c for c in response.get_json()["contacts"]}
    assert contacts[kept["name"]]["id"] == kept["id"] and contacts[kept["name"]]["role"] == "Kassör"
    new = contacts["Nyfiken Nyman"]
    assert new["id"] and new["email"] == "nyfiken@linden.example" and new["phone"] == "+46701740612"
    assert demo_graph.read_one("MATCH (c:ContactPerson {id: $id}) RETURN c", id=dropped["id"]) is None
    assert dropped["name"] not in json.dumps(_member_state(demo_graph, MEMBER), ensure_ascii=False)


def test_another_actors_contact_cannot_be_claimed(demo_graph: Graph, client: FlaskClient, tokens: Tokens) -> None:
    foreign = client.get(f"{BASE}/{MEMBER_2}", headers=bearer(tokens.umbrella)).get_json()["contacts"][0]
    before = _member_state(demo_graph, MEMBER_2)
    response = _patch(client, tokens.umbrella, {"contacts": [foreign]})
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["contacts"] == [foreign["id"]]
    assert _member_state(demo_graph, MEMBER_2) == before


def test_a_patch_that_changes_nothing_keeps_version_and_tag(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    current = client.get(f"{BASE}/{MEMBER}", headers=bearer(tokens.umbrella))
    events = audit_count(demo_graph)
    same = {"member_count": current.get_json()["member_count"]}
    response = _patch(client, tokens.umbrella, same, etag=current.headers["ETag"])
    assert response.status_code == 200
    assert response.headers["ETag"] == current.headers["ETag"]
    assert audit_count(demo_graph) == events


def test_umbrella_cannot_touch_actors_that_are_not_its_current_members(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    admin_tag = member_etag(client, tokens.admin, OTHER_UMBRELLA, OTHER_MEMBER)
    states = {a: _member_state(demo_graph, a) for a in (NON_MEMBER, OTHER_MEMBER, MEMBER)}
    events = audit_count(demo_graph)
    # Its own umbrella's path, a non-member: 403.
    response = _patch(client, tokens.umbrella, {"member_count": 5}, member_id=NON_MEMBER, etag="*")
    assert response.status_code == 403
    # Another umbrella's path and member: 403, with that member's valid tag.
    other_path = f"/api/v1/umbrellas/{OTHER_UMBRELLA}/members/{OTHER_MEMBER}"
    headers = bearer(tokens.umbrella, **{"If-Match": admin_tag})
    assert client.patch(other_path, json={"member_count": 5}, headers=headers).status_code == 403
    # Ending another umbrella's membership, or one of its own members' via the other's path: 403.
    assert client.delete(other_path, headers=headers).status_code == 403
    tag = member_etag(client, tokens.admin, UMBRELLA, MEMBER)
    mine_via_other = f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}"
    other_headers = bearer(tokens.other_umbrella, **{"If-Match": tag})
    assert client.delete(mine_via_other, headers=other_headers).status_code == 403
    assert client.patch(mine_via_other, json={"member_count": 5}, headers=other_headers).status_code == 403
    assert {a: _member_state(demo_graph, a) for a in states} == states
    assert audit_count(demo_graph) == events


def test_add_and_end_memberships(demo_graph: Graph, client: FlaskClient, tokens: Tokens) -> None:
    added = client.post(BASE, json={"member_id": NON_MEMBER, "since": "2024-03-01"}, headers=bearer(tokens.umbrella))
    assert added.status_code == 201, added.get_json()
    assert added.headers["Location"].endswith(f"{BASE}/{NON_MEMBER}")
    membership = added.get_json()["membership"]
    assert {k: membership[k] for k in ("since", "until", "role", "source", "status")} == {
        "since": "2024-03-01",
        "until": None,
        "role": "medlem",
        "source": "api",
        "status": "pending",
    }
    again = client.post(BASE, json={"member_id": NON_MEMBER}, headers=bearer(tokens.umbrella))
    assert again.status_code == 409
    # A pending claim gives no rights; a coordinator's confirmation does.
    assert _patch(client, tokens.umbrella, {"member_count": 33}, member_id=NON_MEMBER, etag="*").status_code == 403
    confirmed = client.post(
        f"{BASE}/{NON_MEMBER}/decision", json={"decision": "confirm"}, headers=bearer(tokens.coordinator)
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    assert _patch(client, tokens.umbrella, {"member_count": 33}, member_id=NON_MEMBER).status_code == 200

    tag = member_etag(client, tokens.umbrella, UMBRELLA, NON_MEMBER)
    assert client.delete(f"{BASE}/{NON_MEMBER}", headers=bearer(tokens.umbrella)).status_code == 428
    ended = client.delete(f"{BASE}/{NON_MEMBER}", headers=bearer(tokens.umbrella, **{"If-Match": tag}))
    assert ended.status_code == 200, ended.get_json()
    assert ended.get_json()["membership"]["until"] == date.today().isoformat()
    assert "contacts" not in ended.get_json(), "a former member's contact persons are no longer the umbrella's"
    # Ended, never deleted: the relationship is still there with its dates.
    assert _member_state(demo_graph, NON_MEMBER)["memberships"] == [[UMBRELLA, "2024-03-01", date.today().isoformat()]]
    listed = client.get(f"{BASE}?page_size=50", headers=bearer(tokens.umbrella)).get_json()
    assert NON_MEMBER not in {m["id"] for m in listed}
    with_ended = client.get(f"{BASE}?page_size=50&include_ended=true", headers=bearer(tokens.umbrella)).get_json()
    assert NON_MEMBER in {m["id"] for m in with_ended}
    # No longer a member: no more edits.
    assert _patch(client, tokens.umbrella, {"member_count": 34}, member_id=NON_MEMBER, etag="*").status_code == 403

    # Joining again makes a new membership beside the ended one.
    assert client.post(BASE, json={"member_id": NON_MEMBER}, headers=bearer(tokens.umbrella)).status_code == 201
    memberships = _member_state(demo_graph, NON_MEMBER)["memberships"]
    assert len(memberships) == 2 and [UMBRELLA, "2024-03-01", date.today().isoformat()] in memberships
    actions = [
        r["action"]
        for r in demo_graph.read(
            "MATCH (e:AuditEvent)-[:ABOUT]->(:Actor {id: $id}) RETURN e.action AS action ORDER BY e.at", id=UMBRELLA
        )
    ]
    assert actions.count("membership.add") == 2 and actions.count("membership.end") == 1


def test_enrolment_rules(demo_graph: Graph, client: FlaskClient, tokens: Tokens) -> None:
    events = audit_count(demo_graph)
    public = client.post(BASE, json={"member_id": PUBLIC_ACTOR}, headers=bearer(tokens.umbrella))
    assert public.status_code == 403
    itself = client.post(BASE, json={"member_id": UMBRELLA}, headers=bearer(tokens.umbrella))
    assert itself.status_code == 422
    unknown = client.post(BASE, json={"member_id": "no-such-actor"}, headers=bearer(tokens.umbrella))
    assert unknown.status_code == 404
    future = client.post(BASE, json={"member_id": NON_MEMBER, "since": "2999-01-01"}, headers=bearer(tokens.umbrella))
    assert future.status_code == 422
    assert audit_count(demo_graph) == events
    # A coordinator may record that a municipality joined (it edits relationships).
    coordinator = client.post(BASE, json={"member_id": PUBLIC_ACTOR}, headers=bearer(tokens.coordinator))
    assert coordinator.status_code == 201


def test_unknown_umbrella_and_member(demo_graph: Graph, client: FlaskClient, tokens: Tokens) -> None:
    assert client.get("/api/v1/umbrellas/no-such-umbrella/members").status_code == 404
    assert client.get(f"{BASE}/{NON_MEMBER}").status_code == 404
    response = client.patch(
        f"{BASE}/{NON_MEMBER}", json={"member_count": 1}, headers=bearer(tokens.admin, **{"If-Match": "*"})
    )
    assert response.status_code == 404
    assert response.get_json()["message"].startswith("Aktören")
