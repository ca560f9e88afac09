"""POST /api/v1/umbrellas/{id}/members/import: an umbrella uploads its own member list, previews
it (the default) and applies it; other umbrellas and roles change nothing."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from registry.dao.imports import ImportDao
from registry.db import Graph
from registry.domain import normalize
from tests.auth_support import OTHER_UMBRELLA, PUBLIC_ACTOR, UMBRELLA, Tokens, bearer, member_etag
from tests.import_helpers import FIXTURES

LISTS = FIXTURES / "members"


@pytest.fixture(autouse=True)
def name_keys(demo_graph: Graph) -> Graph:
    """The graph as any earlier import leaves it: every actor has the name key that matching by
    name looks up. (A dry run writes nothing, so it cannot add keys the demo loader left out.)"""
    ImportDao(demo_graph).backfill_name_keys(normalize.name_key)
    return demo_graph


def _upload(
    client: FlaskClient, token: str | None, umbrella: str, name: str, body: bytes | None = None, **form: str
) -> TestResponse:
    content = body if body is not None else (FIXTURES / name).read_bytes()
    data: dict[str, Any] = {"file": (io.BytesIO(content), name.rsplit("/", 1)[-1]), **form}
    return client.post(
        f"/api/v1/umbrellas/{umbrella}/members/import",
        data=data,
        headers=bearer(token),
        content_type="multipart/form-data",
    )


def _everything(graph: Graph) -> tuple[int, int, str]:
    """Nodes, relationships and a digest of all their properties: any write changes one of them."""
    nodes = graph.read("MATCH (n) RETURN labels(n) AS l, properties(n) AS p ORDER BY elementId(n)")
    rels = graph.read("MATCH ()-[r]->() RETURN type(r) AS t, properties(r) AS p ORDER BY elementId(r)")
    digest = hashlib.sha256(json.dumps([nodes, rels], sort_keys=True, default=str).encode()).hexdigest()
    return len(nodes), len(rels), digest


def _memberships(graph: Graph, umbrella: str) -> dict[str, dict[str, Any]]:
    rows = graph.read("MATCH (m:Actor)-[r:MEMBER_OF]->(:Actor {id: $u}) RETURN m.name AS name, r {.*} AS r", u=umbrella)
    return {row["name"]: row["r"] for row in rows}


def test_the_first_call_is_a_preview_that_writes_nothing(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    before = _everything(demo_graph)
    response = _upload(client, tokens.umbrella, UMBRELLA, "members/bergslagen-2025.csv")
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["dry_run"] is True and report["outcome"] == "dry-run"
    assert report["umbrella"] == UMBRELLA and report["kind"] == "members"
    # Two newcomers; three recognised (one by org number, two by name in Askersund).
    assert report["preview"] == {
        "created": 2,
        "matched": 3,
        "changed": 0,
        "unchanged": 0,
        "pending": 0,  # the three it recognises are its confirmed members already
        "queued": 0,
        "rejected": 0,
        "ended": 0,
        "sync": False,
        "sync_note": None,
    }
    assert report["counts"]["read"] == 5
    assert _everything(demo_graph) == before


def test_apply_writes_and_a_second_apply_changes_nothing(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    nodes, rels, _ = _everything(demo_graph)
    applied = _upload(client, tokens.umbrella, UMBRELLA, "members/bergslagen-2025.csv", dry_run="false")
    assert applied.status_code == 200, applied.get_json()
    report = applied.get_json()
    assert report["outcome"] == "imported" and report["dry_run"] is False
    assert report["preview"]["created"] == 2
    members = _memberships(demo_graph, UMBRELLA)
    assert len(members) == 13 + 2
    assert members["Nora Fiskevårdsförening"]["role"] == "stödmedlem"
    after = _everything(demo_graph)
    assert after[0] > nodes and after[1] > rels
    # Who uploaded the list is in the umbrella's history.
    event = demo_graph.read_one(
        "MATCH (e:AuditEvent {action: 'member.import', subject_id: $u}) RETURN e.token_id AS token, e.role AS role",
        u=UMBRELLA,
    )
    assert event is not None and event["role"] == "umbrella" and event["token"] == tokens.umbrella.split("_")[1]

    again = _upload(client, tokens.umbrella, UMBRELLA, "members/bergslagen-2025.csv", dry_run="false")
    assert again.status_code == 200
    second = again.get_json()
    assert second["counts"]["created"] == 0 and second["counts"]["updated"] == 0
    assert second["counts"]["unchanged"] == 5
    assert second["memberships"]["changed"] == 0
    assert second["preview"]["matched"] == 5 and second["preview"]["changed"] == 0
    assert len(_memberships(demo_graph, UMBRELLA)) == 13 + 2


def test_sync_previews_then_ends_the_missing_memberships(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    first = _upload(client, tokens.umbrella, UMBRELLA, "members/bergslagen-2025.csv", dry_run="false")
    assert first.status_code == 200
    actors = demo_graph.read_one("MATCH (a:Actor) RETURN count(a) AS n")
    preview = _upload(client, tokens.umbrella, UMBRELLA, "members/bergslagen-2026.csv", sync="true")
    assert preview.status_code == 200, preview.get_json()
    # The 2026 list names four of this year's 15 members and one newcomer: eleven would end.
    assert preview.get_json()["preview"]["ended"] == 11
    assert preview.get_json()["preview"]["sync"] is True
    assert all(r.get("until") is None for r in _memberships(demo_graph, UMBRELLA).values())

    applied = _upload(client, tokens.umbrella, UMBRELLA, "members/bergslagen-2026.csv", sync="true", dry_run="false")
    assert applied.status_code == 200
    assert applied.get_json()["preview"]["ended"] == 11
    members = _memberships(demo_graph, UMBRELLA)
    assert sum(1 for r in members.values() if r.get("until")) == 11
    assert members["Lindesbergs Schacksällskap"].get("until") is None
    # Ended, never deleted: every actor is still there, plus the newcomer.
    assert demo_graph.read_one("MATCH (a:Actor) RETURN count(a) AS n") == {"n": actors["n"] + 1}  # type: ignore[index]


@pytest.mark.parametrize(("token_name", "umbrella"), [("umbrella", OTHER_UMBRELLA), ("other_umbrella", UMBRELLA)])
def test_an_umbrella_cannot_import_for_another(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
    token_name: str,
    umbrella: str,
) -> None:
    before = _everything(demo_graph)
    response = _upload(
        client, tokens.by_name(token_name), umbrella, "members/bergslagen-2026.csv", sync="true", dry_run="false"
    )
    assert response.status_code == 403
    assert "annan paraplyorganisation" in response.get_json()["message"]
    assert _everything(demo_graph) == before


def test_roles_without_the_right_are_refused(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    before = _everything(demo_graph)
    for token, status in ((None, 401), (tokens.reader, 403), (tokens.coordinator, 403)):
        response = _upload(client, token, UMBRELLA, "members/bergslagen-2025.csv", dry_run="false")
        assert response.status_code == status
    assert _everything(demo_graph) == before
    admin = _upload(client, tokens.admin, UMBRELLA, "members/bergslagen-2025.csv", dry_run="false")
    assert admin.status_code == 200 and admin.get_json()["preview"]["created"] == 2


def test_an_upload_over_the_limit_is_413(
    app: Flask,
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    app.config["IMPORT_MAX_BYTES"] = 4096
    before = _everything(demo_graph)
    big = b"Medlemsorganisation;Kommun\n" + b"Kumla Stor Forening;Kumla\n" * 500
    response = _upload(client, tokens.umbrella, UMBRELLA, "big.csv", body=big, dry_run="false")
    assert response.status_code == 413
    assert response.get_json()["code"] == 413 and "större än" in response.get_json()["message"]
    assert _everything(demo_graph) == before


def test_a_file_that_is_no_member_list_is_422_with_a_message(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    before = _everything(demo_graph)
    response = _upload(client, tokens.umbrella, UMBRELLA, "malformed/garbage.bin", dry_run="false")
    assert response.status_code == 422
    body = response.get_json()
    assert "inte text" in body["message"]
    assert body["errors"]["report"]["outcome"] == "failed"
    assert _everything(demo_graph) == before
    no_file = client.post(
        f"/api/v1/umbrellas/{UMBRELLA}/members/import", data={"sync": "true"}, headers=bearer(tokens.umbrella)
    )
    assert no_file.status_code == 422 and "file" in no_file.get_json()["errors"]["files"]


def test_a_list_naming_a_municipality_gives_the_umbrella_no_rights_over_it(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    kumla = demo_graph.read_one(
        "MATCH (a:Actor {id: $id}) RETURN a.org_number AS org, a {.*} AS props", id=PUBLIC_ACTOR
    )
    assert kumla is not None
    body = f"Medlemsorganisation;Org.nr;Kommun;Hemsida\nKumla kommun;{kumla['org']};Kumla;kapad.example\n".encode()
    applied = _upload(client, tokens.umbrella, UMBRELLA, "lista.csv", body=body, dry_run="false")
    assert applied.status_code == 200
    # The row matches the municipality by its org number: it is neither enrolled nor written to.
    assert any("offentlig eller privat" in w["reason"] for w in applied.get_json()["warnings"])
    after = demo_graph.read_one("MATCH (a:Actor {id: $id}) RETURN a {.*} AS props", id=PUBLIC_ACTOR)
    # Only the blocking keys every actor is given at an import's start (docs/importing.md) are new.
    assert after is not None and {k: v for k, v in after["props"].items() if k != "match_keys"} == kumla["props"]
    enrolled = demo_graph.read_one(
        "MATCH (:Actor {id: $m})-[r:MEMBER_OF]->(:Actor {id: $u}) RETURN count(r) AS n", m=PUBLIC_ACTOR, u=UMBRELLA
    )
    assert enrolled == {"n": 0}
    # A coordinator may enrol it all the same ...
    added = client.post(
        f"/api/v1/umbrellas/{UMBRELLA}/members", json={"member_id": PUBLIC_ACTOR}, headers=bearer(tokens.coordinator)
    )
    assert added.status_code == 201, added.get_json()
    etag = member_etag(client, tokens.admin, UMBRELLA, PUBLIC_ACTOR)
    # ... but that hands the umbrella neither its record, nor its contact persons, nor its history.
    patch = client.patch(
        f"/api/v1/umbrellas/{UMBRELLA}/members/{PUBLIC_ACTOR}",
        json={"emails": ["kapad@example.org"]},
        headers=bearer(tokens.umbrella, **{"If-Match": etag}),
    )
    assert patch.status_code == 403
    shown = client.get(f"/api/v1/umbrellas/{UMBRELLA}/members/{PUBLIC_ACTOR}", headers=bearer(tokens.umbrella))
    assert shown.status_code == 200 and "contacts" not in shown.get_json()
    listed = client.get(f"/api/v1/umbrellas/{UMBRELLA}/members?page_size=100", headers=bearer(tokens.umbrella))
    kumla_row = next(m for m in listed.get_json() if m["id"] == PUBLIC_ACTOR)
    assert "contacts" not in kumla_row
    history = client.get(f"/api/v1/actors/{PUBLIC_ACTOR}/history", headers=bearer(tokens.umbrella))
    assert history.status_code == 403
