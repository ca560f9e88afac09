"""An umbrella's flow in a real browser: sign in with its token, edit a member, see the change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from registry.db import Graph
from registry.identity import Role
from tests.auth_support import MEMBER, UMBRELLA, issue_token
from tests.browser.conftest import ARTIFACTS, serve


@pytest.fixture
def live(app: Flask, demo_graph: Graph) -> Iterator[str]:
    with serve(app) as base:
        yield base


def test_umbrella_signs_in_and_edits_a_member(
    chromium: webdriver.Chrome,
    live: str,
    demo_graph: Graph,
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    token = issue_token(demo_graph, Role.UMBRELLA, UMBRELLA, name="Bergslagens föreningsråd")
    chromium.get_log("browser")
    try:
        chromium.get(f"{live}/paraply/logga-in?lang=sv")
        assert chromium.find_element(By.TAG_NAME, "h1").text == "Logga in som paraplyorganisation"
        chromium.find_element(By.ID, "token").send_keys(token)
        chromium.find_element(By.CSS_SELECTOR, "form.umbrella-form button[type=submit]").click()
        WebDriverWait(chromium, 20).until(lambda d: d.current_url.endswith("/paraply/"))
        assert chromium.find_element(By.TAG_NAME, "h1").text == "Medlemmar i Bergslagens föreningsråd"
        listed = chromium.find_element(By.ID, f"member-{MEMBER}")
        assert "Lennart Rydholm" in listed.text, "the umbrella sees its member's contact persons"
        chromium.save_screenshot(str(ARTIFACTS / "web-umbrella-members.png"))

        listed.find_element(By.CSS_SELECTOR, f"a[href$='/paraply/medlemmar/{MEMBER}']").click()
        WebDriverWait(chromium, 20).until(lambda d: d.current_url.endswith(f"/paraply/medlemmar/{MEMBER}"))
        assert chromium.find_element(By.TAG_NAME, "h1").text == "Ändra Kumla Pensionärsförening Linden"
        count = chromium.find_element(By.ID, "member_count")
        count.clear()
        count.send_keys("702")
        activities = chromium.find_element(By.ID, "activities")
        activities.clear()
        activities.send_keys("Boule, stavgång och studiecirklar")
        chromium.save_screenshot(str(ARTIFACTS / "web-umbrella-edit.png"))
        # At phone width the form fits: nothing scrolls sideways.
        chromium.set_window_size(390, 844)
        try:
            assert chromium.execute_script("return document.documentElement.scrollWidth") <= 390
            chromium.save_screenshot(str(ARTIFACTS / "web-umbrella-edit-phone.png"))
        finally:
            chromium.set_window_size(1280, 900)
        chromium.find_element(By.CSS_SELECTOR, "form.umbrella-form button[type=submit]").click()

        WebDriverWait(chromium, 20).until(lambda d: "saved=" in d.current_url)
        assert chromium.find_element(By.CSS_SELECTOR, "p.notice[role=status]").text == "Ändringarna sparades."
        assert "702" in chromium.find_element(By.ID, f"member-{MEMBER}").text
        chromium.save_screenshot(str(ARTIFACTS / "web-umbrella-saved.png"))
        row = demo_graph.read_one("MATCH (a:Actor {id: $id}) RETURN a.member_count AS n, a.activities AS a", id=MEMBER)
        assert row == {"n": 702, "a": "Boule, stavgång och studiecirklar"}
        # No CSP violation or script error on the way.
        severe = [e for e in chromium.get_log("browser") if e.get("level") == "SEVERE"]
        assert severe == []

        chromium.find_element(By.CSS_SELECTOR, ".umbrella-bar button[type=submit]").click()
        WebDriverWait(chromium, 20).until(lambda d: "/paraply/logga-in" in d.current_url)
    finally:
        # The browser is shared by the session's tests: leave no signed-in cookie behind.
        chromium.delete_all_cookies()
