"""The demo's collaboration data: loads idempotently and gives every endpoint something to show."""

from __future__ import annotations

import json
from importlib import resources

from click.testing import CliRunner
from flask.testing import FlaskClient

from graph_schema.contract import RELATIONSHIPS
from registry.cli import main
from registry.db import Graph
from registry.demo import demo_id, load_demo, load_demo_records
from registry.demo.relationships import load_collaboration_records
from registry.domain.relationships import (
    DEPENDENCY_KINDS,
    FUNDING_FORMS,
    MEETING_CHECKLIST,
    PARTICIPATION_ROLES,
    RESOURCES,
    STAGES,
)

CROSS = {
    "1882": "Askersund",
    "1863": "Hällefors",
    "1883": "Karlskoga",
    "1881": "Kumla",
    "1864": "Ljusnarsberg",
    "1884": "Nora",
}


def test_the_file_refers_only_to_demo_actors_and_known_terms() -> None:
    keys = {a["key"] for a in load_demo_records()}
    data = load_collaboration_records()
    for rel in data["relationships"]:
        assert rel["type"] in RELATIONSHIPS and {rel["from"], rel["to"]} <= keys, rel
        assert rel.get("kind") in (None, *DEPENDENCY_KINDS.ids)
        assert rel.get("resource") in (None, *RESOURCES.ids)
        assert rel.get("form") in (None, *FUNDING_FORMS.ids)
    for arena in data["arenas"]:
        assert all(p["actor"] in keys and p["role"] in PARTICIPATION_ROLES for p in arena["participants"])
        for meeting in arena["meetings"]:
            assert set(meeting["participants"]) <= keys and set(meeting["done"]) <= set(MEETING_CHECKLIST.ids)
    for challenge in data["challenges"]:
        for engaged in challenge["engaged"]:
            assert engaged["actor"] in keys and all(stage in STAGES for stage, _ in engaged["history"])
    for agreement in data["agreements"]:
        assert set(agreement["parties"]) <= keys
    text = resources.files("registry.demo").joinpath("relationships.json").read_text(encoding="utf-8")
    assert "@" not in text  # no e-mail addresses, let alone real people's
    assert json.loads(text)["_comment"].startswith("Fiktiva")


def test_loads_idempotently(graph: Graph) -> None:
    first = load_demo(graph).collaboration
    assert first is not None
    assert (first.agreements, first.arenas, first.challenges) == (4, 2, 6)
    assert first.relationships > 100
    counts = graph.read_one(
        "RETURN COUNT { ()-[r]->() WHERE r.id IS NOT NULL } AS rels, COUNT { (:Meeting) } AS meetings, "
        "COUNT { ()-[:ATTENDED]->() } AS attended"
    )
    second = load_demo(graph).collaboration
    assert second is not None and not second.created_anything
    again = graph.read_one(
        "RETURN COUNT { ()-[r]->() WHERE r.id IS NOT NULL } AS rels, COUNT { (:Meeting) } AS meetings, "
        "COUNT { ()-[:ATTENDED]->() } AS attended"
    )
    assert again == counts and counts is not None and counts["rels"] == first.relationships
    assert counts["meetings"] == 5


def test_cli_demo_load_includes_relationships(runner: CliRunner, cli_env: dict[str, str], graph: Graph) -> None:
    result = runner.invoke(main, ["demo", "load"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert graph.read_one("MATCH (c:Challenge) RETURN count(c) AS n") == {"n": 6}


def test_one_challenge_per_cross_municipality(demo_graph: Graph, client: FlaskClient) -> None:
    for code, name in CROSS.items():
        listed = client.get("/api/v1/challenges", query_string={"municipality": code}).get_json()
        assert len(listed) == 1, name
        challenge = listed[0]
        assert challenge["municipalities"] == [{"code": code, "name": name}]
        assert len(challenge["engagements"]) >= 3
        assert {e["actor"]["sector"] for e in challenge["engagements"]} == {"public", "civil"}
    karlskoga = client.get("/api/v1/challenges", query_string={"municipality": "1883"}).get_json()[0]
    assert karlskoga["skipped_stages"] == ["dialogue", "knowledge"]  # the contract came before any dialogue


def test_two_arenas_with_meetings_and_open_checklist_items(demo_graph: Graph, client: FlaskClient) -> None:
    arenas = client.get("/api/v1/arenas").get_json()
    assert len(arenas) == 2
    for arena in arenas:
        assert arena["meeting_count"] >= 2 and len(arena["participants"]) >= 5
        meetings = client.get(f"/api/v1/arenas/{arena['id']}/meetings").get_json()
        assert any(m["open_items"] for m in meetings)
        assert any(m["checklist_done"] >= 7 for m in meetings)


def test_every_endpoint_shows_something_meaningful(demo_graph: Graph, client: FlaskClient) -> None:
    kumla_kommun = demo_id("kumla-kommun")
    network = client.get(f"/api/v1/actors/{kumla_kommun}/network", query_string={"depth": 2}).get_json()
    assert len(network["nodes"]) >= 10 and len(network["edges"]) >= 10
    grouped = client.get(f"/api/v1/actors/{demo_id('stodforeningen-vankraft-kumla')}/relationships").get_json()
    assert all(grouped[t] for t in ("DEPENDS_ON", "FUNDS", "PERCEIVES", "PARTY_TO", "PARTICIPATES_IN", "ENGAGED_IN"))
    paths = client.get(
        "/api/v1/paths",
        query_string={"from": demo_id("ik-sjoangen-askersund"), "to": demo_id("nora-ungdomsforening-ralsen")},
    ).get_json()
    assert paths["paths"]
    assert len(client.get("/api/v1/agreements").get_json()) == 4
    gaps = client.get("/api/v1/analyses/welfare-gaps", query_string={"county": "18", "only_gaps": "true"}).get_json()
    assert gaps["civil_actors"] >= 30 and gaps["gaps"] > 0
    brokers = client.get("/api/v1/analyses/brokers", query_string={"county": "18"}).get_json()
    assert brokers["brokers"][0]["actor"]["id"] == demo_id("bergslagens-foreningsrad")
    isolated = client.get("/api/v1/analyses/isolated", query_string={"county": "18"})
    assert 0 < len(isolated.get_json()) < int(isolated.headers["X-Area-Actors"])
    power = client.get("/api/v1/analyses/power", query_string={"municipality": "1881", "year": 2025}).get_json()
    assert power["power_holders"] and power["money"]["total_sek"] > 0
    readiness = client.get(
        "/api/v1/analyses/readiness",
        query_string={"a": demo_id("socialtjansten-kumla"), "b": demo_id("stodforeningen-vankraft-kumla")},
    ).get_json()
    assert readiness["willingness"]["level"]["id"] == "high"
