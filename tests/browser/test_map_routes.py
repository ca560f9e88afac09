"""The real map routes and command, end to end: demo data in Neo4j, NetworkDao, the HTTP server, Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from selenium import webdriver

from registry.cli import main
from registry.dao.network import NetworkDao
from registry.db import Graph
from registry.demo import demo_id
from tests.browser.conftest import open_map, serve
from tests.test_maps import page_data
from visualisations import maps, subjects
from visualisations.encoding import STAGE_TERMS

ACTOR = demo_id("askersund-kommun")
ARENA = demo_id("arena-kumla-ensamhet")
CHALLENGE = demo_id("utmaning-askersund")


@pytest.fixture
def live(app: Flask, demo_graph: Graph) -> Iterator[str]:
    with serve(app) as base:
        yield base


def test_actor_map_page_matches_the_network_query(client: FlaskClient, demo_graph: Graph) -> None:
    response = client.get(f"/maps/actors/{ACTOR}?depth=2")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "Content-Disposition" not in response.headers
    html = response.get_data().decode("utf-8")
    expected = NetworkDao(demo_graph).ego(ACTOR, depth=2)
    data = page_data(html)
    assert len(expected.nodes) > 3
    assert (len(data["nodes"]), len(data["edges"])) == (len(expected.nodes), len(expected.edges))
    assert "Relationskarta: Askersunds kommun" in html


def test_filters_reach_the_query(client: FlaskClient, demo_graph: Graph) -> None:
    only = ["FUNDS"]
    data = page_data(client.get(f"/maps/actors/{ACTOR}?depth=3&types=FUNDS").get_data(as_text=True))
    expected = NetworkDao(demo_graph).ego(ACTOR, depth=3, types=only)
    assert len(data["nodes"]) == len(expected.nodes)
    assert {e.type for e in expected.edges} <= {"FUNDS"}
    area = page_data(client.get("/maps/municipalities/1881?interest_area=loneliness").get_data(as_text=True))
    assert len(area["nodes"]) == len(
        NetworkDao(demo_graph).area(municipality_code="1881", interest_area="loneliness").nodes
    )


def test_download_is_an_attachment(client: FlaskClient, demo_graph: Graph) -> None:
    response = client.get("/maps/municipalities/1881?download=1")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="karta-municipality-1881.html"'
    assert "Områdeskarta: Kumla / Area map: Kumla" in response.get_data(as_text=True)


def test_arena_and_challenge_maps(client: FlaskClient, demo_graph: Graph) -> None:
    arena = client.get(f"/maps/arenas/{ARENA}")
    assert arena.status_code == 200
    assert len(page_data(arena.get_data(as_text=True))["nodes"]) == len(NetworkDao(demo_graph).arena(ARENA).nodes)
    challenge = client.get(f"/maps/challenges/{CHALLENGE}")
    assert challenge.status_code == 200
    html = challenge.get_data(as_text=True)
    network = NetworkDao(demo_graph).challenge(CHALLENGE)
    stages = [e.properties["stage"] for e in network.edges if e.type == "ENGAGED_IN"]
    assert stages
    labels = sorted(e[4] for e in page_data(html)["edges"] if e[4])
    # Each engaged actor's stage is written on its edge.
    assert labels == sorted(STAGE_TERMS[stage].sv for stage in stages)


@pytest.mark.parametrize(
    "url",
    ["/maps/actors/finns-inte", "/maps/arenas/finns-inte", "/maps/challenges/finns-inte"],
)
def test_unknown_subjects_are_404(client: FlaskClient, demo_graph: Graph, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == 404 and "finns inte / " in body["message"]


def test_past_the_cap_the_route_says_how_to_filter(
    client: FlaskClient, demo_graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maps, "MAX_NODES", 3)
    response = client.get("/maps/municipalities/1881")
    assert response.status_code == 422
    body = response.get_json()
    assert "interest_area" in body["message"] and body["errors"]["max_nodes"] == 3
    assert body["errors"]["nodes"] > 3


def test_map_command_writes_a_utf8_file(
    runner: CliRunner, cli_env: dict[str, str], demo_graph: Graph, tmp_path: Path
) -> None:
    out = tmp_path / "askersund.html"
    result = runner.invoke(main, ["map", "actor", ACTOR, "--depth", "2", "-o", str(out)], env=cli_env)
    assert result.exit_code == 0, result.output
    expected = NetworkDao(demo_graph).ego(ACTOR, depth=2)
    assert f"{len(expected.nodes)} noder / nodes, {len(expected.edges)} relationer" in result.output
    text = out.read_bytes().decode("utf-8")
    assert "Askersunds kommun" in text
    for kind, key in (("arena", ARENA), ("challenge", CHALLENGE), ("municipality", "1882"), ("county", "18")):
        path = tmp_path / f"{kind}.html"
        result = runner.invoke(main, ["map", kind, key, "-o", str(path)], env=cli_env)
        assert result.exit_code == 0, result.output
        assert path.stat().st_size > 600_000
    result = runner.invoke(main, ["map", "actor", "finns-inte", "-o", str(tmp_path / "x.html")], env=cli_env)
    assert result.exit_code == 1 and "Aktören finns inte" in result.output


@pytest.mark.browser
def test_served_map_in_chromium_equals_the_query(chromium: webdriver.Chrome, live: str, demo_graph: Graph) -> None:
    page = open_map(chromium, f"{live}/maps/actors/{ACTOR}?depth=2")
    assert page.errors() == []
    network = [u for u in page.requests if u.split(":", 1)[0] in ("http", "https")]
    assert all(u.startswith(live + "/") for u in network)
    expected = NetworkDao(demo_graph).ego(ACTOR, depth=2)
    assert page.js("return [registryMap.nodeCount, registryMap.edgeCount]") == [
        len(expected.nodes),
        len(expected.edges),
    ]
    assert page.canvas_ink() > 0.01
    tooltip = page.tooltip_of("Askersunds kommun")
    assert tooltip.splitlines()[0] == "Askersunds kommun"
    assert re.search(r"Organisationsnummer / Organisation number: \d{6}-\d{4}", tooltip)
    page.screenshot("route-actor-askersund")


@pytest.mark.browser
def test_served_challenge_map_in_chromium(chromium: webdriver.Chrome, live: str, demo_graph: Graph) -> None:
    page = open_map(chromium, f"{live}/maps/challenges/{CHALLENGE}")
    assert page.errors() == []
    expected = NetworkDao(demo_graph).challenge(CHALLENGE)
    assert page.js("return registryMap.nodeCount") == len(expected.nodes)
    page.screenshot("route-challenge-askersund")


def test_subjects_use_the_cap_for_the_query_limit(demo_graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maps, "MAX_NODES", 2)
    subject = subjects.actor_map(demo_graph, ACTOR, depth=3)
    assert subject.network.truncated_from is not None and subject.network.truncated_from > 2
    with pytest.raises(maps.MapTooLargeError):
        maps.render_map(subject.network, title=subject.title)
