"""The review queue from the command line and over the API: list, accept, reject, and what the next import sees."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flask import Flask, g, request
from flask.testing import FlaskClient

from importers.records import derived_id
from registry.cli import main
from registry.db import Graph
from registry.identity import Principal, Role
from tests.import_helpers import FIXTURES, actor_by_name, counts, run

THREE = FIXTURES / "three"


@pytest.fixture
def pending(graph: Graph) -> str:
    run(graph, THREE / "kumla.csv", municipality="Kumla")
    report = run(graph, THREE / "hallsberg.csv", municipality="Hallsberg")
    assert counts(report)["queued"] == 1
    return derived_id("review", "register:1861:H-8")


@pytest.fixture
def as_role(app: Flask) -> FlaskClient:
    """A client whose requests carry the role named in the X-Test-Role header (until tokens exist)."""

    @app.before_request
    def principal_from_header() -> None:
        role = request.headers.get("X-Test-Role")
        if role:
            g.principal = Principal(Role(role))

    return app.test_client()


def test_cli_lists_and_accepts(graph: Graph, pending: str, runner: CliRunner, cli_env: dict[str, str]) -> None:
    listed = runner.invoke(main, ["review", "list"], env=cli_env)
    assert listed.exit_code == 0, listed.output
    assert pending in listed.output
    assert "Hallsbergs Brukshundklubb (1861)  ~  Kumla Hallsbergs Brukshundklubb (1881)" in listed.output
    as_json = json.loads(runner.invoke(main, ["review", "list", "--json"], env=cli_env).output)
    assert as_json["total"] == 1
    assert as_json["items"][0]["record"]["fields"]["municipality_code"] == "1861"

    accepted = runner.invoke(main, ["review", "accept", pending], env=cli_env)
    assert accepted.exit_code == 0, accepted.output
    club = actor_by_name(graph, "Kumla Hallsbergs Brukshundklubb")
    # Two addresses, each inside its register's municipality: the newer claim is the seat, and
    # the other municipality stays one the club is active in.
    assert club["seat"] == ["1861"] and club["active_in"] == ["1881"]
    assert sorted(club["records"]) == ["register:1861:H-8", "register:1881:K-2"]
    again = runner.invoke(main, ["review", "accept", pending], env=cli_env)
    assert again.exit_code == 1 and "redan avgjort" in again.output
    missing = runner.invoke(main, ["review", "reject", "nope"], env=cli_env)
    assert missing.exit_code == 1 and "finns inte" in missing.output
    # The record is known and unchanged now: a new import neither re-queues nor duplicates it.
    report = run(graph, THREE / "hallsberg.csv", municipality="Hallsberg")
    assert counts(report)["unchanged"] == 3
    statuses = graph.read_one("MATCH (r:ReviewItem) RETURN collect(r.status) AS s")
    assert statuses is not None and sorted(statuses["s"]) == ["accepted", "merged"]


def test_reject_makes_the_record_its_own_actor(graph: Graph, pending: str, runner: CliRunner, cli_env) -> None:
    result = runner.invoke(main, ["review", "reject", pending], env=cli_env)
    assert result.exit_code == 0, result.output
    own = actor_by_name(graph, "Hallsbergs Brukshundklubb")
    assert own["id"] == derived_id("actor", "register:1861:H-8")
    assert own["seat"] == ["1861"]
    assert actor_by_name(graph, "Kumla Hallsbergs Brukshundklubb")["active_in"] == []


def test_api_requires_a_coordinator_or_admin(pending: str, as_role: FlaskClient) -> None:
    assert as_role.get("/api/v1/reviews").status_code == 401
    forbidden = as_role.get("/api/v1/reviews", headers={"X-Test-Role": "reader"})
    assert forbidden.status_code == 403
    assert forbidden.get_json()["message"].startswith("Din roll får inte")
    assert as_role.post(f"/api/v1/reviews/{pending}/accept", headers={"X-Test-Role": "umbrella"}).status_code == 403


def test_api_lists_shows_and_decides(graph: Graph, pending: str, as_role: FlaskClient) -> None:
    headers = {"X-Test-Role": "coordinator"}
    page = as_role.get("/api/v1/reviews?status=pending", headers=headers)
    assert page.status_code == 200
    assert json.loads(page.headers["X-Pagination"])["total"] == 1
    [item] = page.get_json()
    assert item["id"] == pending and item["status"] == "pending"
    assert item["candidate"]["name"] == "Kumla Hallsbergs Brukshundklubb"
    assert item["record"]["fields"]["name"] == "Hallsbergs Brukshundklubb"
    one = as_role.get(f"/api/v1/reviews/{pending}", headers=headers)
    assert one.status_code == 200 and one.get_json()["score"] == item["score"]
    assert as_role.get("/api/v1/reviews/nope", headers=headers).status_code == 404
    bad = as_role.get("/api/v1/reviews?status=maybe", headers=headers)
    assert bad.status_code == 422

    decided = as_role.post(f"/api/v1/reviews/{pending}/reject", headers=headers)
    assert decided.status_code == 200
    assert decided.get_json() == {
        "item_id": pending,
        "status": "rejected",
        "actor_id": derived_id("actor", "register:1861:H-8"),
    }
    conflict = as_role.post(f"/api/v1/reviews/{pending}/accept", headers=headers)
    assert conflict.status_code == 409
    assert set(conflict.get_json()) >= {"code", "status", "message"}
    assert as_role.post("/api/v1/reviews/nope/accept", headers=headers).status_code == 404
    assert as_role.get("/api/v1/reviews", headers=headers).get_json() == []
