"""The database away (issue 15, item 6): requests answer 503 within seconds, as a page or as JSON
as the client asked; an export that fails midway does not look complete; every command that
needs the database says so in one line.

"Away" is real: an app (or the CLI) pointed at a port nobody listens on, and for the failure
midway the real database with the export's reader cut off after some rows."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from neo4j.exceptions import ServiceUnavailable
from werkzeug.serving import make_server

from registry.api import actors as actors_api
from registry.app import create_app
from registry.cli import main
from registry.dao.actors import ActorDao
from registry.db import Graph
from registry.demo import load_demo
from tests.auth_support import TEST_SECRET

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON = {"Accept": "application/json"}
# Well within the 5 s the issue asks for, with room for a slow test machine.
LIMIT_S = 5.0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def down_app() -> Iterator[Flask]:
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False, "NEO4J_URI": f"bolt://127.0.0.1:{_closed_port()}"})
    yield app
    app.extensions["graph"].close()


API_PATHS = (
    "/api/v1/actors?q=kumla",
    "/api/v1/actors/export",
    "/api/v1/actors/00000000-0000-0000-0000-000000000000",
    "/api/v1/arenas",
    "/api/v1/interest-areas",
)
PAGES = ("/", "/aktorer/00000000-0000-0000-0000-000000000000", "/valfardsluckor")


def _timed(app: Flask, path: str, headers: dict[str, str] | None = None) -> tuple[Any, float]:
    started = time.monotonic()
    response = app.test_client().get(path, headers=headers)
    return response, time.monotonic() - started


@pytest.mark.parametrize("path", API_PATHS)
def test_api_answers_json_503_within_seconds(down_app: Flask, path: str) -> None:
    response, took = _timed(down_app, path)
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert took < LIMIT_S, f"{path} took {took:.1f} s"
    body = response.get_json()
    assert body["code"] == 503 and "databasen" in body["message"].lower()
    assert response.headers["Retry-After"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_answer_an_html_page_within_seconds(down_app: Flask, path: str) -> None:
    response, took = _timed(down_app, path, BROWSER)
    assert response.status_code == 503
    assert took < LIMIT_S, f"{path} took {took:.1f} s"
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<html" in html and "Databasen svarar inte" in html
    assert "Content-Security-Policy" in response.headers


def test_the_client_chooses(down_app: Flask) -> None:
    """A page asked for as JSON is JSON; the API asked for as HTML (a browser on an API URL) is a page."""
    page_as_json, _ = _timed(down_app, "/", JSON)
    assert page_as_json.status_code == 503 and page_as_json.get_json()["code"] == 503
    api_in_browser, _ = _timed(down_app, "/api/v1/actors", BROWSER)
    assert api_in_browser.status_code == 503 and api_in_browser.mimetype == "text/html"
    plain, _ = _timed(down_app, "/api/v1/actors", {"Accept": "*/*"})
    assert plain.get_json()["code"] == 503


# -- the export, failing early and midway --------------------------------------------------------
def _failing_after(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    """The real export's reader, cut off after `rows` actors as a database that went away would."""
    real = ActorDao.export

    def export(self: ActorDao, f: Any) -> Iterator[dict[str, Any]]:
        for index, row in enumerate(real(self, f)):
            if index == rows:
                raise ServiceUnavailable("connection lost (test)")
            yield row

    monkeypatch.setattr(ActorDao, "export", export)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_failing_before_the_first_byte_is_a_503(
    app: Flask, graph: Graph, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    load_demo(graph)
    _failing_after(monkeypatch, 3)
    response = app.test_client().get(f"/api/v1/actors/export?format={fmt}")
    assert response.status_code == 503
    assert response.get_json()["code"] == 503


@pytest.fixture
def served(app: Flask, graph: Graph) -> Iterator[int]:
    """The app behind a real HTTP server, so the cut response is seen as a client sees it."""
    load_demo(graph)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.port
    server.shutdown()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_failing_midway_ends_with_a_visible_error_and_a_cut_body(
    served: int, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setattr(actors_api, "FIRST_BATCH", 5)
    _failing_after(monkeypatch, 20)
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=30)
    connection.request("GET", f"/api/v1/actors/export?format={fmt}")
    response = connection.getresponse()
    assert response.status == 200  # the first rows were sent before the failure
    assert response.getheader("Transfer-Encoding") == "chunked" or response.getheader("Content-Length") is None
    with pytest.raises(http.client.IncompleteRead) as cut:
        response.read()
    text = cut.value.partial.decode("utf-8")
    assert actors_api.EXPORT_FAILED in text.splitlines()[-1]
    if fmt == "csv":
        lines = [line for line in text.splitlines() if line]
        assert len(lines) == 1 + 20 + 1  # header, 20 actors, the error line
    connection.close()


def test_export_complete_without_failure(served: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=30)
    connection.request("GET", "/api/v1/actors/export?format=csv")
    text = connection.getresponse().read().decode("utf-8")
    assert actors_api.EXPORT_FAILED not in text
    connection.close()


# -- the command line ------------------------------------------------------------------------------
COMMANDS = (
    ["db", "migrate"],
    ["demo", "load"],
    ["tokens", "list"],
    ["tokens", "create", "--role", "reader"],
    ["tokens", "revoke", "tok_x"],
    ["gdpr", "export", "--email", "a@b.example"],
    ["gdpr", "erase", "--phone", "070-174 06 38", "--yes"],
    ["map", "actor", "00000000-0000-0000-0000-000000000000", "-o", "{tmp}/m.html"],
    ["map", "municipality", "1881", "-o", "{tmp}/m.html"],
    ["import", "register", "{tmp}/r.csv", "--municipality", "Kumla"],
    ["review", "list"],
    ["review", "accept", "x"],
)


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_every_command_says_in_one_line_that_the_database_is_away(
    runner: CliRunner, tmp_path: Path, args: list[str]
) -> None:
    (tmp_path / "r.csv").write_text("Föreningsnamn\nKumla Schackklubb\n", encoding="utf-8")
    env = {
        "NEO4J_URI": f"bolt://127.0.0.1:{_closed_port()}",
        "NEO4J_PASSWORD": "x" * 12,
        "REGISTRY_TOKEN_SECRET": TEST_SECRET,
    }
    started = time.monotonic()
    result = runner.invoke(main, [a.replace("{tmp}", str(tmp_path)) for a in args], env=env)
    took = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "unreachable" in lines[0], result.output
    assert "Traceback" not in result.output
    assert took < 30
