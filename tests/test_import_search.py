"""Imported actors are found by the same searches as actors written through the API."""

from __future__ import annotations

from flask.testing import FlaskClient

from registry.db import Graph
from tests.import_helpers import FIXTURES, counts, run


def test_imported_actor_found_by_area_and_text(graph: Graph, client: FlaskClient) -> None:
    report = run(graph, FIXTURES / "kumla-utf8bom.csv", municipality="1881")
    assert counts(report)["created"] > 0
    # Area-limited text search filters on the place tokens inside the full-text index: an
    # imported actor must carry them like any other.
    body = client.get("/api/v1/actors?municipality=1881&q=schack").get_json()
    assert "Kumla Schackklubb" in [item["name"] for item in body["items"]]
    county = client.get("/api/v1/actors?county=18&q=seniorforening").get_json()
    assert "Kumla Seniorförening Gläntan" in [item["name"] for item in county["items"]]
