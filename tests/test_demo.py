"""Demo data: loads, reloads without change, and answers the first question sensibly."""

from __future__ import annotations

from click.testing import CliRunner

from registry.cli import main
from registry.db import Graph
from registry.demo import load_demo, load_demo_records


def test_demo_loads_idempotently(graph: Graph) -> None:
    records = load_demo_records()
    first = load_demo(graph)
    assert first.actors.created == len(records) >= 40
    second = load_demo(graph)
    assert (second.actors.created, second.actors.updated, second.actors.unchanged) == (0, 0, len(records))
    row = graph.read_one("MATCH (a:Actor) RETURN count(a) AS n, count(DISTINCT a.id) AS ids")
    assert row == {"n": len(records), "ids": len(records)}


def test_demo_covers_the_cross_municipalities(graph: Graph) -> None:
    load_demo(graph)
    rows = graph.read(
        "MATCH (a:Actor)-[:LOCATED_IN]->(m:Municipality) RETURN m.name AS m, count(a) AS n, "
        "collect(DISTINCT a.sector) AS sectors"
    )
    by_name = {r["m"]: r for r in rows}
    for name in ("Askersund", "Hällefors", "Karlskoga", "Kumla", "Ljusnarsberg", "Nora"):
        assert by_name[name]["n"] >= 6, name
        assert set(by_name[name]["sectors"]) >= {"public", "civil"}, name
    kinds = {r["k"] for r in graph.read("MATCH (a:Actor) RETURN DISTINCT a.kind AS k")}
    assert kinds >= {
        "municipality",
        "municipal-department",
        "primary-care",
        "region",
        "association",
        "study-association",
        "faith-community",
        "umbrella",
    }


def test_kumla_actors_working_with_the_elderly(graph: Graph) -> None:
    load_demo(graph)
    rows = graph.read(
        "MATCH (a:Actor {sector: 'civil'})-[:LOCATED_IN|ACTIVE_IN]->(:Municipality {name: 'Kumla'}) "
        "MATCH (a)-[:SERVES]->(:TargetGroup {id: 'elderly'}) RETURN DISTINCT a.name AS name"
    )
    assert len(rows) >= 3
    assert any("Pensionärsförening" in r["name"] for r in rows)


def test_umbrella_has_members(graph: Graph) -> None:
    load_demo(graph)
    row = graph.read_one("MATCH (m:Actor)-[:MEMBER_OF]->(u:Actor {kind: 'umbrella'}) RETURN u.name AS u, count(m) AS n")
    assert row is not None and row["n"] >= 8


def test_cli_demo_load_twice(runner: CliRunner, cli_env: dict[str, str]) -> None:
    first = runner.invoke(main, ["demo", "load"], env=cli_env)
    assert first.exit_code == 0, first.output
    second = runner.invoke(main, ["demo", "load"], env=cli_env)
    assert "0 created, 0 updated" in second.output
