"""20 clients edit one member at the same moment over real HTTP: no update is lost, the losers get
412, and clients that re-read and retry all get their change in."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from registry.db import Graph
from registry.identity import Role
from tests.auth_support import MEMBER, UMBRELLA, bearer, issue_token

CLIENTS = 20
PATH = f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}"


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()


def _call(method: str, url: str, headers: dict[str, str], body: Any = None) -> tuple[int, dict[str, str], Any]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {**headers, "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (the test's own server)
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def _run_all(work: Any) -> list[Any]:
    results: list[Any] = [None] * CLIENTS
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = work(i)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


def _version_and_events(graph: Graph) -> tuple[int, int]:
    row = graph.read_one(
        "MATCH (a:Actor {id: $id}) RETURN a.version AS v, "
        "COUNT { MATCH (e:AuditEvent {action: 'actor.update'})-[:ABOUT]->(a) } AS events",
        id=MEMBER,
    )
    assert row is not None
    return int(row["v"]), int(row["events"])


def test_concurrent_edits_from_the_same_state_one_wins_the_rest_get_412(demo_graph: Graph, server: str) -> None:
    tokens = [issue_token(demo_graph, Role.UMBRELLA, UMBRELLA, name=f"client {i}") for i in range(CLIENTS)]
    version, events = _version_and_events(demo_graph)
    status, headers, _ = _call("GET", server + PATH, bearer(tokens[0]))
    assert status == 200
    etag = headers["ETag"]
    start = threading.Barrier(CLIENTS)

    def edit(i: int) -> tuple[int, int]:
        start.wait()
        status, _, _ = _call(
            "PATCH", server + PATH, bearer(tokens[i], **{"If-Match": etag}), {"member_count": 1000 + i}
        )
        return i, status

    results = _run_all(edit)
    winners = [i for i, status in results if status == 200]
    assert len(winners) == 1
    assert sorted(status for _, status in results) == [200] + [412] * (CLIENTS - 1)
    row = demo_graph.read_one("MATCH (a:Actor {id: $id}) RETURN a.member_count AS n", id=MEMBER)
    assert row == {"n": 1000 + winners[0]}
    assert _version_and_events(demo_graph) == (version + 1, events + 1)


def test_concurrent_read_modify_write_with_retries_loses_no_update(demo_graph: Graph, server: str) -> None:
    tokens = [issue_token(demo_graph, Role.UMBRELLA, UMBRELLA, name=f"client {i}") for i in range(CLIENTS)]
    version, events = _version_and_events(demo_graph)
    start = threading.Barrier(CLIENTS)

    def append_tag(i: int) -> int:
        """Each client adds its own word to the activities text, the way a form does: read, edit, write."""
        start.wait()
        for attempt in range(1, 200):
            status, headers, member = _call("GET", server + PATH, bearer(tokens[i]))
            assert status == 200
            activities = f"{member['activities']}, klient-{i}"
            status, _, _ = _call(
                "PATCH", server + PATH, bearer(tokens[i], **{"If-Match": headers["ETag"]}), {"activities": activities}
            )
            if status == 200:
                return attempt
            assert status == 412
        raise AssertionError(f"client {i} never got its change in")

    attempts = _run_all(append_tag)
    row = demo_graph.read_one("MATCH (a:Actor {id: $id}) RETURN a.activities AS text", id=MEMBER)
    assert row is not None
    words = row["text"].split(", ")
    assert sorted(w for w in words if w.startswith("klient-")) == sorted(f"klient-{i}" for i in range(CLIENTS))
    assert _version_and_events(demo_graph) == (version + CLIENTS, events + CLIENTS)
    assert max(attempts) > 1, "the clients did collide"
