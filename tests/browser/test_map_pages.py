"""Maps in headless Chromium, served over real HTTP from networks built here (no database needed)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, Response, abort
from selenium import webdriver

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.domain.network import Network, NetworkEdge, NetworkNode
from tests.browser.conftest import MapPage, open_map, serve
from tests.test_maps import PAYLOADS, actor, hostile_network
from visualisations.maps import PHYSICS_MAX_NODES, render_map
from visualisations.page import content_security_policy
from visualisations.sample import sample_network

pytestmark = pytest.mark.browser

NETWORKS: dict[str, Network] = {
    "sample": sample_network(120),
    "hostile": hostile_network(),
    "large": sample_network(PHYSICS_MAX_NODES * 2 + 17),
    "challenge": Network(
        [
            NetworkNode("ch", L.CHALLENGE, "Ofrivillig ensamhet hos äldre i Nora"),
            actor("nora", "Nora kommun", "public", "municipality", org_number="212000-1900"),
            actor("pro", "PRO Nora", "civil", "association", member_count=412, founded_year=1948),
        ],
        [
            NetworkEdge("s1", R.ENGAGED_IN, "nora", "ch", {"stage": "trust_and_structure", "anchored": True}),
            NetworkEdge("s2", R.ENGAGED_IN, "pro", "ch", {"stage": "dialogue"}),
            NetworkEdge("f", R.FUNDS, "nora", "pro", {"amount_sek": 45000, "year": 2025, "form": "association_grant"}),
        ],
    ),
}
TITLES = {"hostile": f"Karta {PAYLOADS[1]}"}


def make_app() -> Flask:
    """A tiny app that serves each network above as a map page, the way the real routes do."""
    app = Flask(__name__)

    @app.get("/map/<name>")
    def page(name: str) -> Response:
        if name not in NETWORKS:
            abort(404)
        html = render_map(NETWORKS[name], title=TITLES.get(name, f"Karta över {name} – åäö"))
        response = Response(html.encode("utf-8"), content_type="text/html; charset=utf-8")
        response.headers["Content-Security-Policy"] = content_security_policy()
        return response

    return app


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve(make_app()) as url:
        yield url


@pytest.fixture
def alerts(chromium: webdriver.Chrome) -> Iterator[None]:
    """Records any alert() a page would raise, before the page's own scripts run."""
    hook = chromium.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": "window.__alerts = []; window.alert = function (m) { window.__alerts.push(String(m)); };"},
    )
    yield
    chromium.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": hook["identifier"]})


def assert_only_local(page: MapPage, base: str) -> None:
    assert page.requests, "no requests were recorded"
    # chrome:// resources are the browser's own pages, never the network.
    network = [u for u in page.requests if u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")]
    assert network and all(u.startswith(base + "/") for u in network), network


def png_size(path: object) -> tuple[int, int]:
    data = Path(str(path)).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_map_loads_offline_without_errors_and_draws_every_node_and_edge(chromium: webdriver.Chrome, base: str) -> None:
    network = NETWORKS["sample"]
    page = open_map(chromium, f"{base}/map/sample")
    assert page.errors() == []
    assert_only_local(page, base)
    assert page.js("return [registryMap.nodeCount, registryMap.edgeCount]") == [
        len(network.nodes),
        len(network.edges),
    ]
    # What vis-network itself holds, not just what the data block said.
    drawn = page.js(
        "var b = registryMap.network.body; return [Object.keys(b.nodes).length, b.nodeIndices.length,"
        " b.edgeIndices.length];"
    )
    assert drawn[1:] == [len(network.nodes), len(network.edges)]
    assert page.js("return document.getElementById('node-count').textContent") == str(len(network.nodes))
    assert page.js("return document.title") == "Karta över sample – åäö"
    assert page.canvas_ink() > 0.01
    shot = page.screenshot("map-sample")
    width, height = png_size(shot)
    assert width >= 800 and height >= 600


def test_hostile_names_execute_nothing_and_show_as_text(chromium: webdriver.Chrome, base: str, alerts: None) -> None:
    page = open_map(chromium, f"{base}/map/hostile")
    assert page.js("return window.__alerts") == []
    assert page.errors() == []  # a blocked inline handler or script would be a CSP error here
    assert page.js("return document.querySelectorAll('img, iframe, a[href]').length") == 0
    assert page.js("return document.scripts.length") == 3
    assert page.js("return document.title") == TITLES["hostile"]
    assert page.js("return document.querySelector('h1').textContent") == TITLES["hostile"]
    for payload in PAYLOADS[:4]:
        page.node_index(payload)  # the label is the exact text
    tooltip = page.tooltip_of(PAYLOADS[0])
    assert tooltip.splitlines()[0] == PAYLOADS[0]
    assert f"Beskrivning: {PAYLOADS[0]}" in tooltip
    # innerText turns line breaks into <br>; anything else would be markup from the data.
    assert page.js("return document.querySelectorAll('div.vis-tooltip :not(br)').length") == 0
    assert page.js("return window.__alerts") == []
    page.screenshot("map-hostile")


def test_a_nodes_tooltip_shows_its_facts(chromium: webdriver.Chrome, base: str) -> None:
    page = open_map(chromium, f"{base}/map/challenge")
    assert page.errors() == []
    tooltip = page.tooltip_of("PRO Nora")
    lines = tooltip.splitlines()
    assert lines[0] == "PRO Nora"
    assert "Förening / Association · Civilsamhälle / Civil society" in lines
    assert "Medlemmar: 412" in lines
    assert "Grundad: 1948" in lines
    tooltip = page.tooltip_of("Nora kommun")
    assert "Organisationsnummer: 212000-1900" in tooltip.splitlines()
    page.screenshot("map-challenge")


def test_a_large_map_is_static_and_complete(chromium: webdriver.Chrome, base: str) -> None:
    network = NETWORKS["large"]
    page = open_map(chromium, f"{base}/map/large")
    assert page.errors() == []
    assert_only_local(page, base)
    assert page.js("return registryMap.physics") is False
    assert page.js("return registryMap.network.physics.physicsEnabled") is False
    assert page.js("return [registryMap.nodeCount, registryMap.edgeCount]") == [
        len(network.nodes),
        len(network.edges),
    ]
    assert page.canvas_ink() > 0.01
    page.screenshot("map-large")
