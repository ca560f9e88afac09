"""The audit trail: every write says who, when, what (changed fields) and through which channel,
in the same transaction as the write; GET /api/v1/actors/{id}/history shows it to those allowed."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from neo4j.exceptions import ClientError

from graph_schema.contract import Label as L
from registry.cli import main
from registry.dao.audit import AuditDao, changed_fields, record_audit
from registry.db import Graph
from registry.identity import Channel, Principal, Role
from tests.auth_support import MEMBER, NON_MEMBER, UMBRELLA, Tokens, audit_count, bearer, member_etag

HISTORY = f"/api/v1/actors/{MEMBER}/history"
WHO = Principal(Role.ADMIN, token_id="t-1", name="tester")


def test_changed_fields_keeps_only_what_differs() -> None:
    before = {"a": 1, "b": [1, 2], "c": "x", "d": None}
    after = {"a": 1, "b": [2, 1], "c": "x", "d": "new"}
    assert changed_fields(before, after) == ({"b": [1, 2], "d": None}, {"b": [2, 1], "d": "new"})
    assert changed_fields(None, {"a": 1}) == (None, {"a": 1})
    assert changed_fields(before, before) == ({}, {})


def test_record_audit_links_the_event_and_skips_non_changes(demo_graph: Graph) -> None:
    dao = AuditDao(demo_graph)
    event = dao.record(WHO, Channel.IMPORT, "actor.update", L.ACTOR, MEMBER, {"x": 1}, {"x": 2}, also_about=[UMBRELLA])
    assert event is not None
    row = demo_graph.read_one(
        "MATCH (e:AuditEvent {id: $id}) RETURN e {.*} AS e, COLLECT { MATCH (e)-[:ABOUT]->(a) RETURN a.id } AS about",
        id=event,
    )
    assert row is not None
    assert sorted(row["about"]) == sorted([MEMBER, UMBRELLA])
    e = row["e"]
    assert (e["channel"], e["token_id"], e["role"], e["by"], e["subject_id"]) == (
        "import",
        "t-1",
        "admin",
        "tester",
        MEMBER,
    )
    assert (json.loads(e["before"]), json.loads(e["after"])) == ({"x": 1}, {"x": 2})
    assert dao.record(WHO, Channel.API, "actor.update", L.ACTOR, MEMBER, {"x": 1}, {"x": 1}) is None
    with pytest.raises(ValueError, match="cannot be about"):
        dao.record(WHO, Channel.API, "x", L.MUNICIPALITY, "1880", None, {})


def test_a_write_that_fails_leaves_no_audit_event(demo_graph: Graph) -> None:
    """record_audit runs in the writer's transaction: when the write fails, its record goes too."""
    events = audit_count(demo_graph)

    def work(tx):  # type: ignore[no-untyped-def]
        record_audit(tx, WHO, Channel.API, "actor.update", L.ACTOR, MEMBER, {"x": 1}, {"x": 2})
        tx.run("MATCH (a:Actor {id: $id}) CREATE (b:Actor {id: a.id})", id=MEMBER).consume()  # violates actor_id

    with pytest.raises(ClientError):
        demo_graph.write_tx(work)
    assert audit_count(demo_graph) == events


def test_history_shows_who_changed_what_when_newest_first(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    path = f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}"
    for count in (50, 60):
        tag = member_etag(client, tokens.umbrella, UMBRELLA, MEMBER)
        headers = bearer(tokens.umbrella, **{"If-Match": tag})
        assert client.patch(path, json={"member_count": count}, headers=headers).status_code == 200
    response = client.get(HISTORY, headers=bearer(tokens.coordinator))
    assert response.status_code == 200
    entries = response.get_json()
    assert [e["after"] for e in entries[:2]] == [{"member_count": 60}, {"member_count": 50}]
    newest = entries[0]
    assert newest["before"] == {"member_count": 50}
    assert newest["action"] == "actor.update" and newest["channel"] == "api"
    assert newest["who"] == {
        "token_id": tokens.umbrella.split("_")[1],
        "role": "umbrella",
        "actor_id": UMBRELLA,
        "by": "Bergslagens föreningsråd",
    }
    assert newest["at"] >= entries[1]["at"]
    assert '"total": 2' in response.headers["X-Pagination"]


@pytest.mark.parametrize(
    ("who", "actor", "status"),
    [
        ("coordinator", MEMBER, 200),
        ("admin", MEMBER, 200),
        ("umbrella", MEMBER, 200),
        ("umbrella", NON_MEMBER, 403),
        ("other_umbrella", MEMBER, 403),
        ("reader", MEMBER, 403),
        ("anonymous", MEMBER, 401),
        ("coordinator", "no-such-actor", 404),
    ],
)
def test_who_may_read_history(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
    who: str,
    actor: str,
    status: int,
) -> None:
    response = client.get(f"/api/v1/actors/{actor}/history", headers=bearer(tokens.by_name(who)))
    assert response.status_code == status
    if status != 200:
        assert response.get_json()["code"] == status


def test_cli_writes_are_audited_with_channel_cli(demo_graph: Graph, runner: CliRunner, cli_env: dict) -> None:
    result = runner.invoke(
        main, ["tokens", "create", "--role", "reader", "--name", "Kumla kommun, läsare"], env=cli_env
    )
    assert result.exit_code == 0, result.output
    token_id = result.stdout.strip().split("_")[1]
    assert runner.invoke(main, ["tokens", "revoke", token_id], env=cli_env).exit_code == 0
    rows = demo_graph.read(
        "MATCH (e:AuditEvent)-[:ABOUT]->(t:ApiToken {id: $id}) RETURN e.action AS action, e.channel AS channel, "
        "e.by AS by, e.after AS after ORDER BY e.at, e.action",
        id=token_id,
    )
    assert [(r["action"], r["channel"]) for r in rows] == [("token.create", "cli"), ("token.revoke", "cli")]
    assert all(r["by"].startswith("cli:") for r in rows)
    assert json.loads(rows[0]["after"]) == {"role": "reader", "actor_id": None, "name": "Kumla kommun, läsare"}
    assert "reg_" not in json.dumps(rows), "the token itself is never recorded"
