"""Headless Chromium (Debian's chromium + chromedriver through selenium) and a real HTTP server for it.

The browser reaches nothing but the local server: every host name resolves to nothing and
every other request goes to a proxy that does not exist. Missing Chromium fails the tests
(it is installed by .ci/run); it never skips them.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from registry.config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-extensions",
    "--disable-default-apps",
    "--window-size=1280,900",
    # Nothing but the loopback server: names resolve to nothing, other traffic hits a dead proxy.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
)


@pytest.fixture(scope="session")
def chromium() -> Iterator[webdriver.Chrome]:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            pytest.fail(f"{path} is missing: apt-get install chromium chromium-driver (.ci/run does)")
    profile = tempfile.mkdtemp(prefix="registry-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Runs `app` under werkzeug's HTTP server on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@dataclass
class MapPage:
    """A map loaded in the browser, and what the browser said while loading it."""

    driver: webdriver.Chrome
    url: str
    console: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def errors(self) -> list[dict[str, Any]]:
        return [entry for entry in self.console if entry.get("level") == "SEVERE"]

    def node_index(self, label: str) -> int:
        index = self.js(
            "var label = arguments[0];"
            "var hit = window.registryMap.nodes.get({filter: function (n) { return n.label === label; }});"
            "return hit.length ? hit[0].id : null;",
            label,
        )
        assert index is not None, f"no node labelled {label!r}"
        return int(index)

    def tooltip_of(self, label: str) -> str:
        """Moves the mouse onto a node and returns the text of the tooltip vis-network shows."""
        index = self.node_index(label)
        self.js("window.registryMap.network.focus(arguments[0], {scale: 1.5, animation: false});", index)
        x, y = self.js(
            "var n = window.registryMap.network; var p = n.canvasToDOM(n.getPositions([arguments[0]])[arguments[0]]);"
            "return [p.x, p.y];",
            index,
        )
        area = self.driver.find_element(By.ID, "map")
        dx, dy = round(x - area.size["width"] / 2), round(y - area.size["height"] / 2)
        actions = ActionChains(self.driver)
        actions.move_to_element_with_offset(area, dx - 3, dy - 3).pause(0.1)
        actions.move_to_element_with_offset(area, dx, dy).pause(0.1)
        actions.move_to_element_with_offset(area, dx + 1, dy).perform()

        def shown(_: Any) -> str | None:
            text = self.js(
                "var t = document.querySelector('div.vis-tooltip');"
                "return t && t.style.visibility !== 'hidden' && t.innerText ? t.innerText : null;"
            )
            return text or None

        return str(WebDriverWait(self.driver, 10).until(shown))

    def canvas_ink(self) -> float:
        """Share of the map canvas's pixels that are not background."""
        inked, total = self.js(
            "var c = document.querySelector('#map canvas'); var d = c.getContext('2d')"
            ".getImageData(0, 0, c.width, c.height).data; var n = 0;"
            "for (var i = 0; i < d.length; i += 4) {"
            "  if (d[i + 3] > 0 && (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235)) n++;"
            "}"
            "return [n, c.width * c.height];"
        )
        return inked / max(total, 1)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        assert self.driver.save_screenshot(str(path))
        return path


def open_map(driver: webdriver.Chrome, url: str, timeout: float = 60) -> MapPage:
    driver.get_log("browser")  # drop what earlier pages left
    driver.get_log("performance")
    start = time.monotonic()
    driver.get(url)
    settled = "return !!(window.registryMap && registryMap.settled)"
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(settled))
    page = MapPage(driver, url)
    page.console = driver.get_log("browser")
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            page.requests.append(message["params"]["request"]["url"])
    page.seconds = time.monotonic() - start
    return page
