"""Audit events for the collaboration model and the taxonomies: every relationship, agreement,
arena, meeting, challenge and taxonomy write records one event (who, role, channel, before and
after) in its own transaction; a relationship's event is in both actors' history; a refused
write records nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.dao.arenas import ArenaDao
from registry.dao.relationships import RelationshipDao
from registry.db import Graph
from registry.demo import demo_id
from registry.identity import Writer
from tests.auth_support import MEMBER, NON_MEMBER, PUBLIC_ACTOR, Tokens, audit_count, bearer
from tests.test_auth_matrix import AGREEMENT, ARENA, CHALLENGE, ENGAGEMENT, MEETING, RELATIONSHIP

VANKRAFT = demo_id("stodforeningen-vankraft-kumla")  # a party to AGREEMENT
KUMLA_KOMMUN = PUBLIC_ACTOR


def _events(graph: Graph) -> dict[str, dict[str, Any]]:
    rows = graph.read(
        "MATCH (e:AuditEvent) RETURN e {.*} AS e, COLLECT { MATCH (e)-[:ABOUT]->(s) RETURN s.id } AS about"
    )
    events = {}
    for row in rows:
        e = row["e"]
        e["before"] = json.loads(e["before"]) if e.get("before") else None
        e["after"] = json.loads(e["after"]) if e.get("after") else None
        e["about"] = sorted(row["about"])
        events[e["id"]] = e
    return events


def _new_event(graph: Graph, before: dict[str, dict[str, Any]]) -> dict[str, Any]:
    new = [e for i, e in _events(graph).items() if i not in before]
    assert len(new) == 1, new
    return new[0]


def _etag(client: FlaskClient, path: str, token: str) -> str:
    response = client.get(path, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return response.headers["ETag"]


def _history(client: FlaskClient, token: str, actor_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/actors/{actor_id}/history?page_size=100", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# (name, method, path, body, needs_etag, action, subject label, subject id or None for a new one,
#  what `before` holds (None: no before), what `after` holds (None: no after))
WRITES = [
    (
        "create relationship",
        "POST",
        "/api/v1/relationships",
        {"type": "PERCEIVES", "from": NON_MEMBER, "to": PUBLIC_ACTOR, "properties": {"valence": -1}},
        False,
        "relationship.create",
        R.PERCEIVES,
        None,
        None,
        {"from": NON_MEMBER, "to": PUBLIC_ACTOR, "valence": -1},
    ),
    (
        "patch relationship",
        "PATCH",
        f"/api/v1/relationships/{RELATIONSHIP}",
        {"properties": {"strength": 5}},
        True,
        "relationship.update",
        R.DEPENDS_ON,
        RELATIONSHIP,
        {"strength": 4},
        {"strength": 5},
    ),
    (
        "stage change",
        "PATCH",
        f"/api/v1/relationships/{ENGAGEMENT}",
        {"properties": {"stage": "trust_and_structure"}},
        True,
        "relationship.update",
        R.ENGAGED_IN,
        ENGAGEMENT,
        {"stage": "knowledge"},
        {"stage": "trust_and_structure"},
    ),
    (
        "end relationship",
        "POST",
        f"/api/v1/relationships/{RELATIONSHIP}/end",
        {"valid_to": "2026-01-01"},
        False,
        "relationship.end",
        R.DEPENDS_ON,
        RELATIONSHIP,
        {"valid_to": None},
        {"valid_to": "2026-01-01"},
    ),
    (
        "delete relationship",
        "DELETE",
        f"/api/v1/relationships/{RELATIONSHIP}",
        None,
        False,
        "relationship.delete",
        R.DEPENDS_ON,
        RELATIONSHIP,
        {"from": MEMBER, "to": KUMLA_KOMMUN, "kind": "power", "resource": "premises", "strength": 4},
        None,
    ),
    (
        "add party",
        "POST",
        f"/api/v1/agreements/{AGREEMENT}/parties",
        {"actor": NON_MEMBER},
        False,
        "relationship.create",
        R.PARTY_TO,
        None,
        None,
        {"from": NON_MEMBER, "to": AGREEMENT},
    ),
    (
        "add participant",
        "POST",
        f"/api/v1/arenas/{ARENA}/participants",
        {"actor": NON_MEMBER, "role": "guest"},
        False,
        "relationship.create",
        R.PARTICIPATES_IN,
        None,
        None,
        {"from": NON_MEMBER, "to": ARENA, "role": "guest"},
    ),
    (
        "add engagement",
        "POST",
        f"/api/v1/challenges/{CHALLENGE}/engagements",
        {"actor": NON_MEMBER, "stage": "dialogue", "anchored": ["board"]},
        False,
        "relationship.create",
        R.ENGAGED_IN,
        None,
        None,
        {"from": NON_MEMBER, "to": CHALLENGE, "stage": "dialogue", "anchored": ["board"]},
    ),
    (
        "create agreement",
        "POST",
        "/api/v1/agreements",
        {"kind": "policy", "title": "Policy för revisionen"},
        False,
        "agreement.create",
        L.AGREEMENT,
        None,
        None,
        {"kind": "policy", "title": "Policy för revisionen"},
    ),
    (
        "patch agreement",
        "PATCH",
        f"/api/v1/agreements/{AGREEMENT}",
        {"valid_to": "2027-01-01"},
        True,
        "agreement.update",
        L.AGREEMENT,
        AGREEMENT,
        {"valid_to": "2028-01-01"},
        {"valid_to": "2027-01-01"},
    ),
    (
        "delete agreement",
        "DELETE",
        f"/api/v1/agreements/{AGREEMENT}",
        None,
        False,
        "agreement.delete",
        L.AGREEMENT,
        AGREEMENT,
        {"kind": "iop", "parties": sorted([demo_id("socialtjansten-kumla"), VANKRAFT])},
        None,
    ),
    (
        "create arena",
        "POST",
        "/api/v1/arenas",
        {"name": "Revisionsarenan", "municipality_code": "1881", "interest_areas": ["loneliness"]},
        False,
        "arena.create",
        L.ARENA,
        None,
        None,
        {"name": "Revisionsarenan", "municipality_code": "1881", "interest_areas": ["loneliness"]},
    ),
    (
        "patch arena",
        "PATCH",
        f"/api/v1/arenas/{ARENA}",
        {"interest_areas": ["loneliness"]},
        True,
        "arena.update",
        L.ARENA,
        ARENA,
        {"interest_areas": ["loneliness", "pensioners"]},
        {"interest_areas": ["loneliness"]},
    ),
    (
        "delete arena",
        "DELETE",
        f"/api/v1/arenas/{ARENA}",
        None,
        False,
        "arena.delete",
        L.ARENA,
        ARENA,
        {"cadence": "monthly", "interest_areas": ["loneliness", "pensioners"]},
        None,
    ),
    (
        "create meeting",
        "POST",
        f"/api/v1/arenas/{ARENA}/meetings",
        {"date": "2026-02-01", "purpose": "Uppföljning", "participants": [MEMBER]},
        False,
        "meeting.create",
        L.MEETING,
        None,
        None,
        {"date": "2026-02-01", "purpose": "Uppföljning", "participants": [MEMBER]},
    ),
    (
        "patch meeting",
        "PATCH",
        f"/api/v1/arenas/{ARENA}/meetings/{MEETING}",
        {"follow_up_done": True},
        True,
        "meeting.update",
        L.MEETING,
        MEETING,
        {"follow_up_done": False},
        {"follow_up_done": True},
    ),
    (
        "delete meeting",
        "DELETE",
        f"/api/v1/arenas/{ARENA}/meetings/{MEETING}",
        None,
        False,
        "meeting.delete",
        L.MEETING,
        MEETING,
        {"date": "2025-11-12"},
        None,
    ),
    (
        "create challenge",
        "POST",
        "/api/v1/challenges",
        {"name": "Revisionsutmaningen", "county_codes": ["18"], "target_groups": ["youth"]},
        False,
        "challenge.create",
        L.CHALLENGE,
        None,
        None,
        {"name": "Revisionsutmaningen", "county_codes": ["18"], "target_groups": ["youth"], "municipality_codes": []},
    ),
    (
        "patch challenge",
        "PATCH",
        f"/api/v1/challenges/{CHALLENGE}",
        {"target_groups": ["elderly", "next-of-kin"]},
        True,
        "challenge.update",
        L.CHALLENGE,
        CHALLENGE,
        {"target_groups": ["elderly"]},
        {"target_groups": ["elderly", "next-of-kin"]},
    ),
    (
        "delete challenge",
        "DELETE",
        f"/api/v1/challenges/{CHALLENGE}",
        None,
        False,
        "challenge.delete",
        L.CHALLENGE,
        CHALLENGE,
        {"municipality_codes": ["1881"]},
        None,
    ),
    (
        "create interest area",
        "POST",
        "/api/v1/interest-areas",
        {"id": "choir", "label_sv": "Körsång", "label_en": "Choir singing", "broader": "music"},
        False,
        "taxonomy.create",
        L.INTEREST_AREA,
        "choir",
        None,
        {"label_sv": "Körsång", "label_en": "Choir singing", "broader": "music"},
    ),
    (
        "move target group",
        "PATCH",
        "/api/v1/target-groups/unemployed",
        {"broader": None, "label_en": "Unemployed"},
        False,
        "taxonomy.update",
        L.TARGET_GROUP,
        "unemployed",
        {"broader": "adults", "label_en": "Job seekers"},
        {"broader": None, "label_en": "Unemployed"},
    ),
    (
        "delete interest area",
        "DELETE",
        "/api/v1/interest-areas/other",
        None,
        False,
        "taxonomy.delete",
        L.INTEREST_AREA,
        "other",
        {"label_en": "Other", "broader": None},
        None,
    ),
]


def _holds(values: dict[str, Any] | None, expected: dict[str, Any] | None) -> None:
    if expected is None:
        assert values is None
        return
    assert values is not None
    for key, value in expected.items():
        assert values.get(key) == value, (key, values)


@pytest.mark.parametrize(
    ("method", "path", "body", "needs_etag", "action", "label", "subject", "before", "after"),
    [pytest.param(*w[1:], id=w[0]) for w in WRITES],
)
def test_each_write_records_one_event(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    needs_etag: bool,
    action: str,
    label: str,
    subject: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    # Taxonomies are the admin's; the collaboration model the coordinator's.
    token = tokens.admin if action.startswith("taxonomy.") else tokens.coordinator
    role = "admin" if action.startswith("taxonomy.") else "coordinator"
    headers = bearer(token, **({"If-Match": _etag(client, path, token)} if needs_etag else {}))
    known = _events(demo_graph)
    response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code < 300, response.get_json()
    event = _new_event(demo_graph, known)
    assert (event["action"], event["channel"], event["role"]) == (action, "api", role)
    assert event["token_id"] == token.split("_")[1]
    assert event["subject_label"] == label
    if subject is None:
        subject = response.get_json()["id"]
    assert event["subject_id"] == subject
    _holds(event["before"], before)
    _holds(event["after"], after)


def test_a_relationship_is_in_both_actors_history(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    created = client.post(
        "/api/v1/relationships",
        json={"type": "DEPENDS_ON", "from": MEMBER, "to": NON_MEMBER, "properties": {"kind": "symbiotic"}},
        headers=bearer(tokens.coordinator),
    )
    assert created.status_code == 201, created.get_json()
    rel_id = created.get_json()["id"]
    assert client.delete(f"/api/v1/relationships/{rel_id}", headers=bearer(tokens.admin)).status_code == 204
    for actor in (MEMBER, NON_MEMBER):
        mine = [e for e in _history(client, tokens.coordinator, actor) if e["subject_id"] == rel_id]
        assert [(e["action"], e["who"]["role"], e["subject_label"]) for e in mine] == [
            ("relationship.delete", "admin", "DEPENDS_ON"),
            ("relationship.create", "coordinator", "DEPENDS_ON"),
        ]
        assert mine[1]["after"]["kind"] == "symbiotic"
    # The umbrella reads its member's history, relationships included.
    member_view = _history(client, tokens.umbrella, MEMBER)
    assert rel_id in {e["subject_id"] for e in member_view}


def test_deleting_an_agreement_is_in_its_parties_history(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    assert client.delete(f"/api/v1/agreements/{AGREEMENT}", headers=bearer(tokens.coordinator)).status_code == 204
    events = [e for e in _history(client, tokens.coordinator, VANKRAFT) if e["subject_id"] == AGREEMENT]
    assert [e["action"] for e in events] == ["agreement.delete"]
    assert events[0]["before"]["title"] and events[0]["after"] is None


def test_a_meeting_is_in_the_history_of_actors_whose_attendance_changed(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    path = f"/api/v1/arenas/{ARENA}/meetings/{MEETING}"
    headers = bearer(tokens.coordinator, **{"If-Match": _etag(client, path, tokens.coordinator)})
    assert client.patch(path, json={"participants": [MEMBER]}, headers=headers).status_code == 200
    known = _events(demo_graph)
    event = next(e for e in known.values() if e["subject_id"] == MEETING)
    assert MEMBER in event["about"] and ARENA in event["about"]
    assert MEMBER in event["after"]["participants"]
    assert MEETING in {e["subject_id"] for e in _history(client, tokens.coordinator, MEMBER)}


def test_a_change_to_the_same_values_records_nothing(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    path = f"/api/v1/arenas/{ARENA}"
    headers = bearer(tokens.coordinator, **{"If-Match": _etag(client, path, tokens.coordinator)})
    events = audit_count(demo_graph)
    assert client.patch(path, json={"cadence": "monthly"}, headers=headers).status_code == 200
    assert audit_count(demo_graph) == events


REFUSED = [
    (
        "duplicate relationship 409",
        "POST",
        "/api/v1/relationships",
        {
            "type": "DEPENDS_ON",
            "from": MEMBER,
            "to": KUMLA_KOMMUN,
            "properties": {"kind": "power", "resource": "premises"},
        },
        None,
        "coordinator",
        409,
    ),
    (
        "self-loop 422",
        "POST",
        "/api/v1/relationships",
        {"type": "PERCEIVES", "from": MEMBER, "to": MEMBER, "properties": {"valence": 1}},
        None,
        "coordinator",
        422,
    ),
    (
        "stale relationship 412",
        "PATCH",
        f"/api/v1/relationships/{RELATIONSHIP}",
        {"note": "sent"},
        '"stale"',
        "coordinator",
        412,
    ),
    ("no If-Match 428", "PATCH", f"/api/v1/arenas/{ARENA}", {"cadence": "weekly"}, None, "coordinator", 428),
    ("umbrella 403", "DELETE", f"/api/v1/challenges/{CHALLENGE}", None, None, "umbrella", 403),
    ("reader 403", "POST", "/api/v1/arenas", {"name": "X", "municipality_code": "1881"}, None, "reader", 403),
    ("anonymous 401", "DELETE", f"/api/v1/relationships/{RELATIONSHIP}", None, None, "anonymous", 401),
    (
        "unknown term 422",
        "POST",
        "/api/v1/arenas",
        {"name": "X", "municipality_code": "1881", "interest_areas": ["nope"]},
        None,
        "coordinator",
        422,
    ),
    (
        "stale challenge 412",
        "PATCH",
        f"/api/v1/challenges/{CHALLENGE}",
        {"description": "x"},
        '"stale"',
        "admin",
        412,
    ),
    ("term in use 409", "DELETE", "/api/v1/interest-areas/loneliness", None, None, "admin", 409),
    (
        "coordinator on taxonomy 403",
        "PATCH",
        "/api/v1/target-groups/youth",
        {"label_en": "Y"},
        None,
        "coordinator",
        403,
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "if_match", "role", "status"), [pytest.param(*r[1:], id=r[0]) for r in REFUSED]
)
def test_a_refused_write_records_nothing(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    if_match: str | None,
    role: str,
    status: int,
) -> None:
    events = audit_count(demo_graph)
    headers = bearer(tokens.by_name(role), **({"If-Match": if_match} if if_match else {}))
    response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    assert audit_count(demo_graph) == events


def test_the_channel_is_the_callers(demo_graph: Graph) -> None:
    """A write made from the command line (the CLI's admin principal) is recorded as channel cli."""
    known = _events(demo_graph)
    arena = ArenaDao(demo_graph).create(
        {"name": "Kommandoradsarenan", "municipality_code": "1881"}, "cli", writer=Writer.cli()
    )
    RelationshipDao(demo_graph).create(
        R.PARTICIPATES_IN,
        NON_MEMBER,
        arena["id"],
        {"role": "member"},
        {},
        Writer.cli(),
    )
    new = [e for i, e in _events(demo_graph).items() if i not in known]
    assert sorted(e["action"] for e in new) == ["arena.create", "relationship.create"]
    assert {(e["channel"], e["role"]) for e in new} == {("cli", "admin")}
    assert all(e["by"].startswith("cli:") for e in new)


def test_writes_without_a_writer_stay_unaudited_for_trusted_loaders(demo_graph: Graph) -> None:
    """The demo loader and generators write trusted data without `who`: no events, as for actors."""
    events = audit_count(demo_graph)
    row = {"id": "laddad-arena", "props": {"name": "Laddad arena", "municipality_code": "1881"}, "interest_areas": []}
    ArenaDao(demo_graph).upsert_many([row], [], "demo")
    assert audit_count(demo_graph) == events
