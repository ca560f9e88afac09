"""Schema migrations: applied once, recorded in the ledger, a rerun changes nothing."""

from __future__ import annotations

from click.testing import CliRunner

from graph_schema.migrate import discover, migrate
from registry.cli import main
from registry.db import Graph


def test_second_migrate_changes_nothing(graph: Graph) -> None:
    result = migrate(graph.driver, graph.database)
    assert result.applied == []
    assert result.reference is not None
    assert result.reference.changed == 0
    assert result.reference.taxonomy_created == 0
    assert not result.changed_anything
    assert [m.id for m in result.already] == [m.id for m in discover()]


def test_cli_migrate_says_nothing_to_do(runner: CliRunner, cli_env: dict[str, str]) -> None:
    result = runner.invoke(main, ["db", "migrate"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "Nothing to do" in result.output


def test_constraints_and_fulltext_index_exist(graph: Graph) -> None:
    constraints = {r["name"]: r for r in graph.read("SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties")}
    for name in (
        "actor_id",
        "actor_org_number",
        "municipality_code",
        "county_code",
        "interest_area_id",
        "target_group_id",
        "schema_migration_id",
    ):
        assert name in constraints, f"missing constraint {name}"
    assert constraints["actor_org_number"]["properties"] == ["org_number"]
    indexes = graph.read("SHOW FULLTEXT INDEXES YIELD name, options RETURN name, options")
    fulltext = {r["name"]: r["options"] for r in indexes}
    assert fulltext["actor_fulltext"]["indexConfig"]["fulltext.analyzer"] == "swedish"


def test_ledger_records_every_migration(graph: Graph) -> None:
    rows = graph.read("MATCH (m:SchemaMigration) RETURN m.id AS id, m.checksum AS checksum ORDER BY id")
    assert [(r["id"], r["checksum"]) for r in rows] == [(m.id, m.checksum) for m in discover()]


def test_reference_data_is_complete(graph: Graph) -> None:
    row = graph.read_one(
        "MATCH (c:County) WITH count(c) AS counties "
        "MATCH (m:Municipality)-[:IN_COUNTY]->(:County) RETURN counties, count(m) AS municipalities"
    )
    assert row == {"counties": 21, "municipalities": 290}
    kumla = graph.read_one(
        "MATCH (m:Municipality {code: '1881'})-[:IN_COUNTY]->(c:County) RETURN m.name AS m, c.name AS c"
    )
    assert kumla == {"m": "Kumla", "c": "Örebro län"}
