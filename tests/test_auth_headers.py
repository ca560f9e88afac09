"""Security headers: a Content-Security-Policy allowing only this origin on HTML pages, with inline
scripts only by per-response nonce; /docs still works in a real browser under that policy."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from registry.db import Graph
from tests.auth_support import UMBRELLA, Tokens, bearer


def _directives(header: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in header.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


def test_html_pages_get_a_same_origin_csp_with_a_fresh_nonce(client: FlaskClient) -> None:
    first, second = client.get("/docs"), client.get("/docs")
    assert first.status_code == 200 and first.mimetype == "text/html"
    csp = _directives(first.headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"] and csp["base-uri"] == ["'self'"]
    scripts = csp["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    nonces = [s for s in scripts if s.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    html = first.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert nonce not in second.headers["Content-Security-Policy"], "a nonce is never reused"
    assert not any("http" in s for d in csp.values() for s in d), "nothing from another origin"
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert first.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert first.headers["Referrer-Policy"] == "no-referrer"


def test_json_answers_cannot_be_rendered_and_personal_ones_are_not_cached(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    path = f"/api/v1/umbrellas/{UMBRELLA}/members"
    anonymous = client.get(path)
    assert anonymous.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert anonymous.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    assert client.get(path, headers=bearer(tokens.coordinator)).headers["Cache-Control"] == "no-store"
    error = client.get("/no/such/path")
    assert error.status_code == 404 and error.headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()


@pytest.mark.browser
def test_swagger_ui_runs_under_the_policy_in_chromium(live_server: str) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver_path = shutil.which("chromedriver")
    assert driver_path, "chromium-driver is needed (.ci/run installs it)"
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        browser.get(f"{live_server}/docs")
        title = WebDriverWait(browser, 60).until(lambda b: b.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title"))
        assert "Aktörsregister" in title.text
        WebDriverWait(browser, 30).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".opblock")) >= 5)
        # Opening an operation renders its parameters and examples: still nothing refused.
        browser.find_elements(By.CSS_SELECTOR, ".opblock-summary")[0].click()
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".opblock-body"))
        refused = [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
        assert refused == []
    finally:
        browser.quit()
