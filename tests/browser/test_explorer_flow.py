"""The map explorer in a real browser: from Kumla's search to its area map, then an actor's map with
another depth and fewer relationship types; the framed map draws each time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from registry.dao.network import NetworkDao
from registry.db import Graph
from registry.demo import demo_id, load_demo
from tests.browser.conftest import ARTIFACTS, serve

ACTOR = demo_id("kumla-pensionarsforening-linden")
SETTLED = "return !!(window.registryMap && registryMap.settled)"


@pytest.fixture
def live(app: Flask, graph: Graph) -> Iterator[str]:
    load_demo(graph)
    with serve(app) as base:
        yield base


def framed_map(driver: webdriver.Chrome) -> tuple[int, int]:
    """Waits until the map in the explorer's frame has drawn; returns its node and edge counts."""
    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "iframe.map-frame"))
    try:
        WebDriverWait(driver, 60).until(lambda d: d.execute_script(SETTLED))
        nodes, edges = driver.execute_script("return [registryMap.nodeCount, registryMap.edgeCount]")
        return int(nodes), int(edges)
    finally:
        driver.switch_to.default_content()


@pytest.mark.browser
def test_explore_kumla_then_change_an_actors_map(chromium: webdriver.Chrome, live: str, graph: Graph) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    chromium.get_log("browser")
    chromium.get(f"{live}/?lang=sv")
    Select(chromium.find_element(By.ID, "area")).select_by_value("1881")
    chromium.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    WebDriverWait(chromium, 20).until(lambda d: "area=1881" in d.current_url)
    chromium.find_element(By.LINK_TEXT, "Visa dessa på en karta").click()

    WebDriverWait(chromium, 20).until(lambda d: "/karta" in d.current_url)
    assert chromium.find_element(By.TAG_NAME, "h1").text == "Kartutforskaren: Kumla"
    nodes, _ = framed_map(chromium)
    assert nodes == len(NetworkDao(graph).area(municipality_code="1881").nodes)
    chromium.save_screenshot(str(ARTIFACTS / "web-explorer-kumla.png"))

    # Find an actor by name, without a script: the results are links to its map.
    chromium.find_element(By.ID, "q").send_keys("Linden")
    chromium.find_element(By.CSS_SELECTOR, 'button[name="subject"][value="actor"]:not(#update-map)').click()
    WebDriverWait(chromium, 20).until(lambda d: "q=Linden" in d.current_url)
    chromium.find_element(By.LINK_TEXT, "Kumla Pensionärsförening Linden").click()
    WebDriverWait(chromium, 20).until(lambda d: f"actor={ACTOR}" in d.current_url)
    assert framed_map(chromium)[0] == len(NetworkDao(graph).ego(ACTOR, depth=1).nodes)

    # Deeper, over dependencies and memberships only: the frame follows the form.
    Select(chromium.find_element(By.ID, "depth")).select_by_value("2")
    for relationship_type in ("DEPENDS_ON", "MEMBER_OF"):
        chromium.find_element(By.ID, f"types-{relationship_type}").click()
    chromium.find_element(By.ID, "update-map").click()
    WebDriverWait(chromium, 20).until(lambda d: "depth=2" in d.current_url)
    src = chromium.find_element(By.CSS_SELECTOR, "iframe.map-frame").get_attribute("src") or ""
    assert src.endswith(f"/maps/actors/{ACTOR}?depth=2&types=DEPENDS_ON,MEMBER_OF")
    expected = NetworkDao(graph).ego(ACTOR, depth=2, types=["DEPENDS_ON", "MEMBER_OF"])
    assert framed_map(chromium) == (len(expected.nodes), len(expected.edges))
    assert len(expected.nodes) > 2, "the second hop reaches further than the actor's own ties"
    chromium.save_screenshot(str(ARTIFACTS / "web-explorer-actor-depth2.png"))

    download = chromium.find_element(By.LINK_TEXT, "Ladda ner kartan").get_attribute("href") or ""
    assert download.endswith("download=1")
    severe = [e for e in chromium.get_log("browser") if e.get("level") == "SEVERE"]
    assert severe == []


@pytest.mark.browser
def test_explorer_at_phone_width(chromium: webdriver.Chrome, live: str) -> None:
    chromium.set_window_size(390, 844)
    try:
        chromium.get(f"{live}/karta?actor={ACTOR}&lang=en")
        assert chromium.find_element(By.TAG_NAME, "h1").text.startswith("Map explorer")
        framed_map(chromium)
        assert chromium.execute_script("return document.documentElement.scrollWidth") <= 390
        chromium.save_screenshot(str(ARTIFACTS / "web-explorer-phone-en.png"))
    finally:
        chromium.set_window_size(1280, 900)
        chromium.get(f"{live}/karta?lang=sv")
