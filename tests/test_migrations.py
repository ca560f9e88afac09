"""Schema migrations: applied once, recorded in the ledger, a rerun changes nothing; a migration that
fails is not recorded, and the next run resumes with it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from click.testing import CliRunner
from neo4j.exceptions import Neo4jError

from graph_schema import migrate as migrate_module
from graph_schema.migrate import Migration, discover, migrate
from registry.cli import main
from registry.dao.system import SystemDao
from registry.db import Graph

# Test-only migrations, numbered far above the shipped ones; each leaves a probe node per statement.
FIRST = Migration(9001, "probe_first", "works", ("CREATE (:MigrationProbe {step: 'first'})",))
FAILING = Migration(
    9002,
    "probe_second",
    "fails in its second statement",
    ("MERGE (:MigrationProbe {step: 'half'})", "UNWIND [1, 0] AS d RETURN 1 / d AS boom"),
)
FIXED = Migration(
    9002,
    "probe_second",
    "the same migration, mended",
    ("MERGE (:MigrationProbe {step: 'half'})", "MERGE (:MigrationProbe {step: 'mended'})"),
)
AFTER = Migration(9003, "probe_after", "follows the failing one", ("CREATE (:MigrationProbe {step: 'after'})",))


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


@pytest.fixture
def shipped_and(graph: Graph, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Makes `migrate` see the shipped migrations followed by the given test ones; forgets them after."""
    shipped = discover()

    def install(*extra: Migration) -> None:
        monkeypatch.setattr(migrate_module, "discover", lambda: [*shipped, *extra])

    yield install
    graph.write("MATCH (n) WHERE (n:SchemaMigration AND n.id >= 9000) OR n:MigrationProbe DETACH DELETE n")


def recorded_version(graph: Graph) -> int:
    return SystemDao(graph).info()["schema_version"]


def recorded_test_ids(graph: Graph) -> list[int]:
    return [r["id"] for r in graph.read("MATCH (m:SchemaMigration) WHERE m.id >= 9000 RETURN m.id AS id ORDER BY id")]


def probes(graph: Graph) -> dict[str, int]:
    rows = graph.read("MATCH (p:MigrationProbe) RETURN p.step AS step, count(*) AS n")
    return {r["step"]: r["n"] for r in rows}


def test_a_failing_migration_leaves_the_recorded_version_where_it_was(
    graph: Graph, shipped_and: Callable[..., None]
) -> None:
    before = recorded_version(graph)
    shipped_and(FAILING, AFTER)
    with pytest.raises(Neo4jError):
        migrate(graph.driver, graph.database, reference=False)
    assert recorded_version(graph) == before
    assert recorded_test_ids(graph) == []
    # Statements before the failure stay done (schema statements cannot share a transaction),
    # which is why a migration's statements must be safe to run twice; nothing after it ran.
    assert probes(graph) == {"half": 1}


def test_a_rerun_resumes_with_the_migration_that_failed(graph: Graph, shipped_and: Callable[..., None]) -> None:
    shipped_and(FIRST, FAILING, AFTER)
    with pytest.raises(Neo4jError):
        migrate(graph.driver, graph.database, reference=False)
    assert recorded_version(graph) == FIRST.id
    assert recorded_test_ids(graph) == [FIRST.id]

    shipped_and(FIRST, FIXED, AFTER)
    result = migrate(graph.driver, graph.database, reference=False)
    assert [m.id for m in result.applied] == [FIXED.id, AFTER.id]
    assert [m.id for m in result.already] == [m.id for m in discover()] + [FIRST.id]  # discover: the unpatched one
    assert recorded_version(graph) == AFTER.id
    assert recorded_test_ids(graph) == [FIRST.id, FIXED.id, AFTER.id]
    assert probes(graph) == {"first": 1, "half": 1, "mended": 1, "after": 1}, "nothing applied twice"
    assert not migrate(graph.driver, graph.database, reference=False).applied
