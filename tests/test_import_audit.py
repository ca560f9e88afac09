"""Imports in the audit trail, erased people kept out of later imports, and actors from the API found by imports."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from registry.dao.audit import AuditDao
from registry.dao.gdpr import GdprDao
from registry.db import Graph
from registry.demo import demo_id, load_demo
from registry.domain import normalize
from registry.identity import Channel, Principal, Role, Writer
from tests.import_helpers import actor_by_name, audit_events, counts, run, snapshot

HEADER = "Id;Föreningsnamn;Postnr;Ort;Telefon;E-post;Kontaktperson;Kontaktperson e-post;Kontaktperson telefon\n"
ROW_1 = "1;Kumla Schackklubb;692 31;Kumla;0313900701;info@kumlaschack.example;Maja Berglund;maja@berglund.example;"
ROW_2 = "2;Kumla Kanotförening;692 32;Kumla;0313900702;;Olle Ström;olle.strom@kanot.example;070-174 06 99"
OFFICER = Principal(Role.ADMIN, name="cli:registrator")
CLI = Principal(Role.ADMIN, name="cli:test")


def _write(path: Path, *rows: str) -> Path:
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _events(graph: Graph, actor_id: str) -> list[dict[str, Any]]:
    return [e.__dict__ for e in AuditDao(graph).history(actor_id)]


def _contacts(graph: Graph, name: str) -> list[str]:
    return sorted(c["name"] for c in actor_by_name(graph, name)["contacts"])


def _erase(graph: Graph, email: str) -> dict[str, Any]:
    return GdprDao(graph).erase(email, writer=Writer(CLI, Channel.CLI))


# -- audit ---------------------------------------------------------------------------------------
def test_an_import_records_who_when_what_and_its_run(graph: Graph, tmp_path: Path) -> None:
    path = _write(tmp_path / "kumla.csv", ROW_1, ROW_2)
    report = run(graph, path, municipality="Kumla", writer=Writer.importer(OFFICER))
    assert counts(report)["created"] == 2
    assert audit_events(graph) == {"actor.create": 2}
    club = actor_by_name(graph, "Kumla Schackklubb")
    [event] = _events(graph, club["id"])
    assert event["channel"] == "import" and event["action"] == "actor.create"
    assert event["by"] == "cli:registrator" and event["role"] == "admin"
    assert event["after"]["name"] == "Kumla Schackklubb"
    assert event["after"]["phones"] == ["+46313900701"]
    assert [c["name"] for c in event["after"]["contacts"]] == ["Maja Berglund"]
    assert event["after"]["contacts"][0]["id"] == club["contacts"][0]["id"]  # so erasure can redact it
    assert "municipality_code" in event["after"] and "website" not in event["after"]  # only what it has
    run_ids = graph.read("MATCH (e:AuditEvent) RETURN DISTINCT e.run_id AS run")
    assert run_ids == [{"run": report.run_id}]

    # The same file again: nothing changed, nothing recorded.
    again = run(graph, path, municipality="Kumla", writer=Writer.importer(OFFICER))
    assert counts(again)["unchanged"] == 2
    assert audit_events(graph) == {"actor.create": 2}

    # A changed record: one update event with the changed fields only, before and after.
    changed = ROW_1.replace("0313900701", "0313900711")
    run(graph, _write(path, changed, ROW_2), municipality="Kumla", writer=Writer.importer(OFFICER))
    assert audit_events(graph) == {"actor.create": 2, "actor.update": 1}
    update = _events(graph, club["id"])[0]
    assert update["action"] == "actor.update"
    assert update["before"] == {"phones": ["+46313900701"]}
    assert update["after"] == {"phones": ["+46313900711"]}


def test_the_cli_user_is_named_when_nobody_is_given(graph: Graph, tmp_path: Path) -> None:
    run(graph, _write(tmp_path / "kumla.csv", ROW_1), municipality="Kumla")
    event = graph.read_one("MATCH (e:AuditEvent) RETURN e.by AS by, e.channel AS channel")
    assert event is not None and event["by"].startswith("cli:") and event["channel"] == "import"


def test_a_merge_into_an_existing_actor_is_an_update_of_it(graph: Graph, tmp_path: Path) -> None:
    load_demo(graph)
    path = tmp_path / "register.csv"
    path.write_text(
        "Föreningsnamn;Org.nr;Telefon;Postnr\nPRO Linden Kumla;8020041227;0313900650;692 31\n", encoding="utf-8"
    )
    report = run(graph, path, municipality="Kumla", writer=Writer.importer(OFFICER))
    assert counts(report)["merged"] == 1
    linden = demo_id("kumla-pensionarsforening-linden")
    [event] = [e for e in _events(graph, linden) if e["channel"] == "import"]
    assert event["action"] == "actor.update"
    assert "+46313900650" in event["after"]["phones"] and "+46313900650" not in event["before"]["phones"]
    assert event["after"]["sources"] == ["demo", "register:1881"]
    assert "name" not in event["after"]  # the first value won: the name did not change


def test_member_list_memberships_are_in_both_histories(graph: Graph, tmp_path: Path) -> None:
    load_demo(graph)
    umbrella = demo_id("bergslagens-foreningsrad")
    path = tmp_path / "members.csv"
    path.write_text("Föreningsnamn;Postnr;Roll;Medlem sedan\nKumla Schackklubb;692 31;Medlem;2020\n", encoding="utf-8")
    report = run(graph, path, kind="members", umbrella=umbrella, writer=Writer.importer(OFFICER))
    assert counts(report)["created"] == 1
    club = actor_by_name(graph, "Kumla Schackklubb")
    actions = sorted(e["action"] for e in _events(graph, club["id"]))
    assert actions == ["actor.create", "membership.add"]
    [add] = [e for e in _events(graph, umbrella) if e["action"] == "membership.add" and e["channel"] == "import"]
    assert add["subject_id"] == club["id"]
    assert add["after"] == {
        "umbrella_id": umbrella,
        "since": "2020",
        "role": "Medlem",
        "source": f"members:{umbrella}",
        "status": "confirmed",  # an officer's (admin's) list; an umbrella's own would be pending
    }


def test_batches_of_one_row_give_the_graph_of_one_batch(graph: Graph, tmp_path: Path) -> None:
    """Each row merges into the actor a row before it created: with batches of one row, every
    merge reaches into an earlier batch, and every step is audited."""
    rows = [
        "1;Kumla Schackklubb;692 31;Kumla;0313900701;;;;",
        "2;KUMLA SCHACKKLUBB;692 31;Kumla;0313900702;;;;",
        "3;Schackklubb Kumla;692 31;Kumla;0313900703;;;;",
        "4;Kumla Kanotförening;692 32;Kumla;;;;;",
        "5;Kumla kanotförening;692 32;Kumla;0313900705;;;;",
    ]
    path = _write(tmp_path / "kumla.csv", *rows)
    whole = run(graph, path, municipality="Kumla")
    expected = _without_versions(snapshot(graph))
    assert audit_events(graph) == {"actor.create": 2}
    graph.write("MATCH (n) WHERE n:Actor OR n:SourceRecord OR n:ImportRun OR n:AuditEvent DETACH DELETE n")
    one_by_one = run(graph, path, municipality="Kumla", batch_size=1)
    assert counts(one_by_one) == counts(whole)
    assert counts(whole)["created"] == 2 and counts(whole)["merged"] == 3
    # The same graph, only written in more steps (so more versions, and an event per step).
    assert _without_versions(snapshot(graph)) == expected
    assert audit_events(graph) == {"actor.create": 2, "actor.update": 3}
    assert actor_by_name(graph, "Kumla Schackklubb")["phones"] == ["+46313900701", "+46313900702", "+46313900703"]


def _without_versions(picture: dict[str, Any]) -> dict[str, Any]:
    nodes = {k: {p: v for p, v in props.items() if p != "version"} for k, props in picture["nodes"].items()}
    return {**picture, "nodes": nodes}


# -- erasure ---------------------------------------------------------------------------------------
def test_an_erased_contact_is_not_imported_again(graph: Graph, tmp_path: Path) -> None:
    path = _write(tmp_path / "kumla.csv", ROW_1, ROW_2)
    run(graph, path, municipality="Kumla")
    assert _contacts(graph, "Kumla Schackklubb") == ["Maja Berglund"]
    erased = _erase(graph, "Maja@Berglund.example")
    assert len(erased["contacts_removed"]) == 1 and erased["remaining"] == 0
    assert _contacts(graph, "Kumla Schackklubb") == []

    # The same file: unchanged, and the person stays away.
    same = run(graph, path, municipality="Kumla")
    assert counts(same)["unchanged"] == 2 and counts(same)["updated"] == 0
    assert same.to_json()["suppressed"] == {"contacts": 1, "emails": 0}
    assert _contacts(graph, "Kumla Schackklubb") == []

    # A changed row of the same register, and the same association in another source.
    changed = ROW_1.replace("0313900701", "0313900799")
    report = run(graph, _write(path, changed, ROW_2), municipality="Kumla")
    assert counts(report)["updated"] == 1
    assert report.to_json()["suppressed"] == {"contacts": 1, "emails": 0}
    other = run(graph, _write(tmp_path / "other.csv", changed), municipality="Kumla", source="föreningsguiden")
    assert counts(other)["merged"] == 1
    assert _contacts(graph, "Kumla Schackklubb") == []
    assert "berglund" not in json.dumps(report.to_json()).lower()  # the report names nobody
    assert "erased people left out" in report.table()

    # Nothing of her came back anywhere: not in the actors, the source records or the history.
    text = json.dumps(graph.read("MATCH (n) RETURN properties(n) AS p"), default=str).lower()
    assert "maja@berglund.example" not in text and "maja berglund" not in text
    # The suppression list holds keyed hashes, not the address.
    entries = graph.read("MATCH (e:ErasedContact) RETURN e.hash AS hash, e.kind AS kind")
    assert [e["kind"] for e in entries] == ["email"]
    assert all(len(e["hash"]) == 64 for e in entries)
    # The other contact was not touched.
    assert _contacts(graph, "Kumla Kanotförening") == ["Olle Ström"]


def test_an_erased_contact_listed_with_phone_but_no_address_stays_out(graph: Graph, tmp_path: Path) -> None:
    run(graph, _write(tmp_path / "kumla.csv", ROW_2), municipality="Kumla")
    _erase(graph, "olle.strom@kanot.example")
    without_address = "2;Kumla Kanotförening;692 32;Kumla;0313900702;;OLLE STRÖM;;0701740699"
    colleague = "3;Kumla Paddlarna;692 32;Kumla;;;Stina Ek;;070-174 06 99"  # the same (shared) phone
    report = run(graph, _write(tmp_path / "kumla.csv", without_address, colleague), municipality="Kumla")
    assert report.to_json()["suppressed"] == {"contacts": 1, "emails": 0}
    assert _contacts(graph, "Kumla Kanotförening") == []
    assert _contacts(graph, "Kumla Paddlarna") == ["Stina Ek"]


def test_an_erased_address_stays_out_of_an_actors_email_list(graph: Graph, tmp_path: Path) -> None:
    path = _write(tmp_path / "kumla.csv", ROW_1)
    run(graph, path, municipality="Kumla")
    _erase(graph, "info@kumlaschack.example")
    assert actor_by_name(graph, "Kumla Schackklubb").get("emails") in (None, [])
    report = run(graph, _write(path, ROW_1.replace("0313900701", "0313900788")), municipality="Kumla")
    assert report.to_json()["suppressed"] == {"contacts": 0, "emails": 1}
    assert actor_by_name(graph, "Kumla Schackklubb").get("emails") in (None, [])


def test_without_erasures_no_secret_is_needed_and_nothing_is_suppressed(
    graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_TOKEN_SECRET", "short")  # unusable: never read when nobody was erased
    report = run(graph, _write(tmp_path / "kumla.csv", ROW_1), municipality="Kumla")
    assert report.outcome == "imported"
    assert report.to_json()["suppressed"] == {"contacts": 0, "emails": 0}


# -- actors from the API ---------------------------------------------------------------------------
def test_an_actor_created_in_the_api_is_found_by_a_later_import(
    graph: Graph,
    admin_client: FlaskClient,
    tmp_path: Path,
) -> None:
    body = {"name": "Kumla Schackklubb", "sector": "civil", "kind": "association", "postal_code": "69231"}
    created = admin_client.post("/api/v1/actors", json=body)
    assert created.status_code == 201, created.get_json()
    actor_id = created.get_json()["id"]
    assert "name_key" not in created.get_json()
    path = _write(tmp_path / "kumla.csv", ROW_1)
    # A dry run does not fill in missing name keys first: it finds the actor by the key the API stored.
    dry = run(graph, path, municipality="Kumla", dry_run=True)
    assert counts(dry)["merged"] == 1 and counts(dry)["created"] == 0
    report = run(graph, path, municipality="Kumla")
    assert counts(report)["merged"] == 1 and counts(report)["created"] == 0
    assert actor_by_name(graph, "Kumla Schackklubb")["id"] == actor_id

    # Renamed in the API: the key follows the name.
    etag = admin_client.get(f"/api/v1/actors/{actor_id}").headers["ETag"]
    renamed = admin_client.patch(
        f"/api/v1/actors/{actor_id}", json={"name": "Kumla Kanotförening"}, headers={"If-Match": etag}
    )
    assert renamed.status_code == 200, renamed.get_json()
    key = graph.read_one("MATCH (a:Actor {id: $id}) RETURN a.name_key AS k", id=actor_id)
    assert key == {"k": normalize.name_key("Kumla Kanotförening")}
    again = run(graph, _write(tmp_path / "other.csv", ROW_2), municipality="Kumla", dry_run=True)
    assert counts(again)["merged"] == 1


def test_an_import_over_the_api_names_the_admins_token(
    graph: Graph,
    admin_client: FlaskClient,
    tmp_path: Path,
) -> None:
    path = _write(tmp_path / "kumla.csv", ROW_1)
    upload = {"file": (io.BytesIO(path.read_bytes()), "kumla.csv"), "municipality": "Kumla"}
    response = admin_client.post("/api/v1/imports", data=upload, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    event = graph.read_one(
        "MATCH (e:AuditEvent {action: 'actor.create'}) RETURN e {.channel, .role, .by, .token_id, .run_id} AS e"
    )
    assert event is not None
    token = graph.read_one("MATCH (t:ApiToken) RETURN t.id AS id")
    assert token is not None
    assert event["e"] == {
        "channel": "import",
        "role": "admin",
        "by": "test admin",
        "token_id": token["id"],
        "run_id": response.get_json()["run_id"],
    }
