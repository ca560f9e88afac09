"""GDPR: a person's data exported on request, and erased everywhere with the history redacted,
leaving no trace outside the redacted history; by CLI and, for admins, by API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from registry.cli import main
from registry.db import Graph
from tests.auth_support import MEMBER, NON_MEMBER, PUBLIC_ACTOR, UMBRELLA, Tokens, bearer, member_etag

EMAIL = "lennart.rydholm@linden-kumla.example"
# Everything that identifies the person, in every form it is stored in (phone: E.164 and as typed).
TRACES = ("lennart", "rydholm", "+46701740638", "070-174 06 38", "0701740638")
NEIGHBOUR = "Gunilla Ekstrand"  # the same association's other contact: must survive untouched


@pytest.fixture
def person(demo_graph: Graph, client: FlaskClient, tokens: Tokens) -> Graph:
    """Lennart's data where a real registry would have it: his contact record, an umbrella's edit in
    the history, his address in another actor's list and a second contact record, an imported
    source record, a note on a relationship."""
    path = f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}"
    contacts = client.get(path, headers=bearer(tokens.umbrella)).get_json()["contacts"]
    changed = [{**c, "role": f"{c['role']} (omvald)"} for c in contacts]
    etag = member_etag(client, tokens.umbrella, UMBRELLA, MEMBER)
    response = client.patch(path, json={"contacts": changed}, headers=bearer(tokens.umbrella, **{"If-Match": etag}))
    assert response.status_code == 200
    demo_graph.write(
        "MATCH (a:Actor {id: $other}) SET a.emails = a.emails + 'Lennart.Rydholm@linden-kumla.example' "
        "CREATE (a)-[:HAS_CONTACT]->(:ContactPerson {id: 'c-second', name: 'Lennart Rydholm', role: 'Tränare', "
        "email: 'lennart.rydholm@linden-kumla.example', phone: '+46701740638'})",
        other=NON_MEMBER,
    )
    record = {
        "Förening": "Kumla Pensionärsförening Linden",
        "Kontaktperson": "Lennart Rydholm",
        "Telefon": "070-174 06 38",
        "Mobil": "0701740638",
        "E-post": EMAIL,
    }
    demo_graph.write(
        "MATCH (a:Actor {id: $member}) "
        "CREATE (:SourceRecord {key: 'kumla:17', source: 'kumla', record_id: '17', fields: $fields})-[:DESCRIBES]->(a)",
        member=MEMBER,
        fields=json.dumps(record, ensure_ascii=False),
    )
    demo_graph.write(
        "MATCH (a:Actor {id: $member}), (b:Actor {id: $public}) "
        "CREATE (a)-[:DEPENDS_ON {kind: 'power', note: $note}]->(b)",
        member=MEMBER,
        public=PUBLIC_ACTOR,
        note="Bidrag, kontakt via LENNART.RYDHOLM@linden-kumla.example",
    )
    return demo_graph


def _everything(graph: Graph) -> str:
    """Every property of every node and relationship, as one lower-case text."""
    nodes = graph.read("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    rels = graph.read("MATCH ()-[r]->() RETURN type(r) AS type, properties(r) AS props")
    return json.dumps([*nodes, *rels], ensure_ascii=False, default=str).lower()


def _history_text(graph: Graph) -> str:
    return json.dumps(graph.read("MATCH (e:AuditEvent) RETURN e {.*} AS e"), ensure_ascii=False, default=str).lower()


def test_export_has_the_persons_data_and_nobody_elses(person: Graph, runner: CliRunner, cli_env: dict) -> None:
    result = runner.invoke(main, ["gdpr", "export", "--email", "Lennart.Rydholm@Linden-Kumla.example"], env=cli_env)
    assert result.exit_code == 0, result.output
    export: dict[str, Any] = json.loads(result.stdout)
    assert export["email"] == EMAIL
    assert {(c["name"], c["phone"], c["actor"]["id"]) for c in export["contacts"]} == {
        ("Lennart Rydholm", "+46701740638", MEMBER),
        ("Lennart Rydholm", "+46701740638", NON_MEMBER),
    }
    kinds = {m.get("label") or m.get("relationship") for m in export["mentions"]}
    assert kinds >= {"Actor", "AuditEvent", "SourceRecord", "DEPENDS_ON"}
    assert NEIGHBOUR.lower() not in result.stdout.lower()
    assert "gunilla" not in result.stdout.lower()


def test_erase_removes_the_person_everywhere_and_redacts_history(
    person: Graph,
    runner: CliRunner,
    cli_env: dict,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    text = _everything(person)
    assert all(trace in text for trace in TRACES)
    history_before = _history_text(person)
    assert "lennart" in history_before and NEIGHBOUR.lower() in history_before

    result = runner.invoke(main, ["gdpr", "erase", "--email", EMAIL, "--yes"], env=cli_env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {c["actor_id"] for c in report["contacts_removed"]} == {MEMBER, NON_MEMBER}
    assert report["remaining"] == 0
    assert report["redacted"]["AuditEvent"] >= 1
    assert report["redacted"]["SourceRecord"] == 1 and report["redacted"]["DEPENDS_ON"] == 1
    assert report["redacted"]["Actor"] == 1

    text = _everything(person)
    left = [trace for trace in TRACES if trace in text]
    assert left == [], f"traces left after erasure: {left}"
    # The neighbour's data, in the same association and the same audit events, is untouched.
    assert NEIGHBOUR.lower() in _history_text(person)
    assert person.read_one("MATCH (c:ContactPerson {name: $n}) RETURN c.email AS e", n=NEIGHBOUR) is not None
    # The rest of the other actor's addresses, and the source record's other fields, stay.
    emails = person.read_one("MATCH (a:Actor {id: $id}) RETURN a.emails AS e", id=NON_MEMBER)
    assert emails is not None and emails["e"] and all("rydholm" not in e for e in emails["e"])
    fields = person.read_one("MATCH (s:SourceRecord {key: 'kumla:17'}) RETURN s.fields AS f")
    assert fields is not None
    assert json.loads(fields["f"])["Förening"] == "Kumla Pensionärsförening Linden"

    # History is kept, marked as redacted, and records the erasure without personal data.
    history = client.get(f"/api/v1/actors/{MEMBER}/history?page_size=50", headers=bearer(tokens.coordinator))
    assert history.status_code == 200
    entries = history.get_json()
    assert entries[0]["action"] == "gdpr.erase" and entries[0]["channel"] == "cli"
    assert entries[0]["who"]["by"].startswith("cli:")
    edit = next(e for e in entries if e["action"] == "actor.update")
    assert edit["redacted_at"]
    stubs = [c for c in edit["after"]["contacts"] if c.get("redacted")]
    assert len(stubs) == 1 and set(stubs[0]) == {"id", "redacted"}
    assert any(c.get("name") == NEIGHBOUR for c in edit["after"]["contacts"])

    # A second erasure finds nothing.
    again = json.loads(runner.invoke(main, ["gdpr", "erase", "--email", EMAIL, "--yes"], env=cli_env).stdout)
    assert again == {"contacts_removed": [], "redacted": {}, "remaining": 0}


def test_erase_asks_first(person: Graph, runner: CliRunner, cli_env: dict) -> None:
    before = _everything(person)
    result = runner.invoke(main, ["gdpr", "erase", "--email", EMAIL], env=cli_env, input="n\n")
    assert result.exit_code != 0
    assert _everything(person) == before


def test_admin_api_export_and_erase(person: Graph, client: FlaskClient, tokens: Tokens) -> None:
    export = client.post("/api/v1/gdpr/export", json={"email": EMAIL}, headers=bearer(tokens.admin))
    assert export.status_code == 200
    assert len(export.get_json()["contacts"]) == 2
    bad = client.post("/api/v1/gdpr/export", json={"email": "inte en adress"}, headers=bearer(tokens.admin))
    assert bad.status_code == 422
    for token in (tokens.coordinator, tokens.umbrella, tokens.reader, None):
        refused = client.post("/api/v1/gdpr/erase", json={"email": EMAIL}, headers=bearer(token))
        assert refused.status_code == (401 if token is None else 403)
    assert "rydholm" in _everything(person)
    erased = client.post("/api/v1/gdpr/erase", json={"email": EMAIL}, headers=bearer(tokens.admin))
    assert erased.status_code == 200
    assert erased.get_json()["remaining"] == 0
    assert all(trace not in _everything(person) for trace in TRACES)
    event = person.read_one("MATCH (e:AuditEvent {action: 'gdpr.erase'}) RETURN e.channel AS c, e.role AS r LIMIT 1")
    assert event == {"c": "api", "r": "admin"}
