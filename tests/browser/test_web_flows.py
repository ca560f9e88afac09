"""An officer's flow in a real browser: search the elderly in Kumla, open one, see its map; in English too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from registry.db import Graph
from registry.demo import load_demo
from tests.browser.conftest import ARTIFACTS, serve


@pytest.fixture
def live(app: Flask, graph: Graph) -> Iterator[str]:
    load_demo(graph)
    with serve(app) as base:
        yield base


def test_search_open_actor_and_its_map(chromium: webdriver.Chrome, live: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    chromium.get_log("browser")
    chromium.get(f"{live}/?lang=sv")
    Select(chromium.find_element(By.ID, "area")).select_by_value("1881")
    Select(chromium.find_element(By.ID, "target_group")).select_by_value("elderly")
    chromium.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    WebDriverWait(chromium, 20).until(lambda d: "area=1881" in d.current_url)
    heading = chromium.find_element(By.ID, "results-heading").text
    assert heading.endswith("aktörer") and int(heading.split()[0]) >= 3
    links = chromium.find_elements(By.CSS_SELECTOR, "ul.results a.name")
    assert any(link.text == "Kumla Pensionärsförening Linden" for link in links)
    chromium.save_screenshot(str(ARTIFACTS / "web-search-kumla-elderly.png"))

    next(link for link in links if link.text == "Kumla Pensionärsförening Linden").click()
    WebDriverWait(chromium, 20).until(lambda d: "/aktorer/" in d.current_url)
    assert chromium.find_element(By.TAG_NAME, "h1").text == "Kumla Pensionärsförening Linden"
    # The embedded ego map draws inside its frame.
    frame = chromium.find_element(By.CSS_SELECTOR, "iframe.map-frame")
    chromium.switch_to.frame(frame)
    try:
        settled = "return !!(window.registryMap && registryMap.settled)"
        WebDriverWait(chromium, 60).until(lambda d: d.execute_script(settled))
    finally:
        chromium.switch_to.default_content()
    chromium.save_screenshot(str(ARTIFACTS / "web-actor-page.png"))
    severe = [e for e in chromium.get_log("browser") if e.get("level") == "SEVERE"]
    assert severe == []


def test_english_switch_at_phone_width(chromium: webdriver.Chrome, live: str) -> None:
    chromium.set_window_size(390, 844)
    try:
        chromium.get(f"{live}/?lang=sv")
        chromium.find_element(By.LINK_TEXT, "In English").click()
        WebDriverWait(chromium, 20).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
        assert chromium.find_element(By.TAG_NAME, "h1").text == "Find actors"
        # At phone width the filters and results stack; nothing scrolls sideways.
        width = chromium.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390
        chromium.save_screenshot(str(ARTIFACTS / "web-search-phone-en.png"))
    finally:
        chromium.set_window_size(1280, 900)
        chromium.get(f"{live}/?lang=sv")


def test_welfare_gaps_of_orebro_lan_then_the_actors_behind_a_cell(chromium: webdriver.Chrome, live: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    chromium.get(f"{live}/valfardsluckor?area=18&lang=sv")
    assert chromium.find_element(By.TAG_NAME, "h1").text == "Välfärdsluckor i Örebro län"
    cells = chromium.find_elements(By.CSS_SELECTOR, "table.gaps td")
    assert len(cells) >= 25 * 11
    chromium.save_screenshot(str(ARTIFACTS / "web-welfare-gaps-orebro.png"))
    covered = next(c for c in cells if c.get_attribute("class") == "ok")
    count = int(covered.text)
    covered.find_element(By.TAG_NAME, "a").click()
    WebDriverWait(chromium, 20).until(lambda d: "sector=civil" in d.current_url)
    assert int(chromium.find_element(By.ID, "results-heading").text.split()[0]) == count
