"""Actor.interest_area_ids and Actor.target_group_ids equal the actor's WORKS_ON and SERVES terms after
every kind of write (registry.dao.term_mirrors): the welfare-gap table counts from these copies, so a
writer that forgot them would silently give wrong gaps."""

from __future__ import annotations

from typing import Any

from flask import Flask

from graph_schema.migrate import run_statement
from graph_schema.migrations import m0009_actor_term_mirrors
from registry.dao.analyses import AnalysisDao
from registry.db import Graph
from tests.auth_support import MEMBER, UMBRELLA, Tokens, bearer, member_etag
from tests.import_helpers import FIXTURES, actor_by_name, run

_STATE = """
MATCH (a:Actor)
RETURN a.id AS id, a.interest_area_ids AS area_copy, a.target_group_ids AS group_copy,
       COLLECT { MATCH (a)-[:WORKS_ON]->(t) RETURN t.id ORDER BY t.id } AS areas,
       COLLECT { MATCH (a)-[:SERVES]->(t) RETURN t.id ORDER BY t.id } AS groups
"""


def assert_mirrors_match(graph: Graph) -> list[dict[str, Any]]:
    rows = graph.read(_STATE)
    assert rows, "no actors: the check would prove nothing"
    wrong = [r for r in rows if (r["area_copy"], r["group_copy"]) != (r["areas"], r["groups"])]
    assert wrong == []
    return rows


def test_every_writer_keeps_the_copies(demo_graph: Graph, app: Flask, tokens: Tokens) -> None:
    rows = assert_mirrors_match(demo_graph)  # the demo load: ActorDao.upsert_many (insert and upsert)
    assert any(r["areas"] and r["groups"] for r in rows)
    client = app.test_client()
    admin = bearer(tokens.admin)

    # The API: create, then replace both lists, then clear one.
    created = client.post(
        "/api/v1/actors",
        json={
            "name": "Spegelföreningen i Kumla",
            "sector": "civil",
            "kind": "association",
            "municipality": "1881",
            "interest_areas": ["pensioners", "loneliness"],
            "target_groups": ["elderly"],
        },
        headers=admin,
    )
    assert created.status_code == 201, created.get_json()
    actor_id, etag = created.get_json()["id"], created.headers["ETag"]
    changed = client.patch(
        f"/api/v1/actors/{actor_id}",
        json={"interest_areas": ["sports"], "target_groups": ["youth", "children"]},
        headers={**admin, "If-Match": etag},
    )
    assert changed.status_code == 200, changed.get_json()
    cleared = client.patch(
        f"/api/v1/actors/{actor_id}", json={"target_groups": []}, headers={**admin, "If-Match": changed.headers["ETag"]}
    )
    assert cleared.status_code == 200, cleared.get_json()
    row = demo_graph.read_one(
        "MATCH (a:Actor {id: $id}) RETURN a.interest_area_ids AS a, a.target_group_ids AS g", id=actor_id
    )
    assert row == {"a": ["sports"], "g": []}

    # An umbrella changing its member's target groups.
    patched = client.patch(
        f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}",
        json={"target_groups": ["newly-arrived", "adults"]},
        headers=bearer(tokens.umbrella, **{"If-Match": member_etag(client, tokens.umbrella, UMBRELLA, MEMBER)}),
    )
    assert patched.status_code == 200, patched.get_json()

    # A register import, first load and a second one that changes nothing.
    run(demo_graph, FIXTURES / "kumla-utf8bom.csv", municipality="Kumla", source="kumla-register")
    run(demo_graph, FIXTURES / "kumla-utf8bom.csv", municipality="Kumla", source="kumla-register")
    imported = actor_by_name(demo_graph, "Kumla Scoutkår")
    assert imported is not None

    rows = assert_mirrors_match(demo_graph)
    assert next(r for r in rows if r["id"] == MEMBER)["group_copy"] == ["adults", "newly-arrived"]


def test_the_migration_fills_copies_that_are_missing(demo_graph: Graph) -> None:
    before = AnalysisDao(demo_graph).welfare_gaps(county_code="18")
    demo_graph.write("MATCH (a:Actor) REMOVE a.interest_area_ids, a.target_group_ids")
    missing = demo_graph.read_one("MATCH (a:Actor) WHERE a.interest_area_ids IS NULL RETURN count(a) AS n")
    assert missing is not None and missing["n"] > 0
    for statement in m0009_actor_term_mirrors.STATEMENTS:
        run_statement(demo_graph.driver, demo_graph.database, statement)
    assert_mirrors_match(demo_graph)
    assert AnalysisDao(demo_graph).welfare_gaps(county_code="18") == before
