"""Fixtures: one real Neo4j for the whole run, an empty graph (reference data kept) for each test.

Where the Neo4j comes from, in order: NEO4J_TEST_URI (or NEO4J_URI) from the environment;
else a testcontainers Neo4j when a Docker engine answers; else the project's local Neo4j,
started here in its own data directory and port, so a developer's own data is never touched.
Tests empty the database between tests: never point them at data you care about.

Who acts (tokens, a client per role) and the demo graph come from the plugin tests/auth_support.py,
registered here, so test modules ask for those fixtures by name and import only helpers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import LiteralString

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from graph_schema.contract import REFERENCE_LABELS
from graph_schema.migrate import migrate
from graph_schema.refdata import seed_taxonomy
from registry.app import create_app
from registry.config import PROJECT_ROOT, LocalNeo4jSettings
from registry.db import Graph
from registry.localdb import LocalNeo4j

pytest_plugins = ["tests.auth_support", "tests.import_helpers"]

TEST_PASSWORD = "registry-test-password"
TEST_PORT = int(os.environ.get("NEO4J_TEST_PORT", "7688"))
TEST_HOME = PROJECT_ROOT / "var" / f"neo4j-test-{TEST_PORT}"


@dataclass(frozen=True)
class Neo4jTarget:
    uri: str
    user: str
    password: str
    database: str

    def env(self) -> dict[str, str]:
        return {
            "NEO4J_URI": self.uri,
            "NEO4J_USER": self.user,
            "NEO4J_PASSWORD": self.password,
            "NEO4J_DATABASE": self.database,
        }


def _docker_engine_answers() -> bool:
    docker = shutil.which("docker")
    if not docker:
        return False
    try:
        return subprocess.run([docker, "info"], capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def neo4j_target() -> Iterator[Neo4jTarget]:
    uri = os.environ.get("NEO4J_TEST_URI") or os.environ.get("NEO4J_URI")
    if uri:
        yield Neo4jTarget(
            uri,
            os.environ.get("NEO4J_USER", "neo4j"),
            os.environ.get("NEO4J_PASSWORD", ""),
            os.environ.get("NEO4J_DATABASE", "neo4j"),
        )
        return
    if _docker_engine_answers():
        from testcontainers.neo4j import Neo4jContainer

        with Neo4jContainer("neo4j:5.26-community", password=TEST_PASSWORD) as container:
            yield Neo4jTarget(container.get_connection_url(), "neo4j", TEST_PASSWORD, "neo4j")
        return
    settings = LocalNeo4jSettings(
        home=TEST_HOME, port=TEST_PORT, heap="768m", pagecache="256m", import_dir=TEST_HOME / "import"
    )
    local = LocalNeo4j(settings, "neo4j", TEST_PASSWORD)
    _, started = local.start()
    yield Neo4jTarget(settings.uri, "neo4j", TEST_PASSWORD, "neo4j")
    if started and not os.environ.get("NEO4J_TEST_KEEP"):
        local.stop()


@pytest.fixture(scope="session")
def session_graph(neo4j_target: Neo4jTarget) -> Iterator[Graph]:
    graph = Graph(neo4j_target.uri, neo4j_target.user, neo4j_target.password, neo4j_target.database)
    migrate(graph.driver, graph.database)
    yield graph
    graph.close()


_WIPE: LiteralString = """
MATCH (n) WHERE none(label IN labels(n) WHERE label IN $keep)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS
"""


def wipe(graph: Graph) -> None:
    """Empties the graph but for counties, municipalities and the migration ledger; re-seeds taxonomies."""
    with graph.driver.session(database=graph.database) as session:
        session.run(_WIPE, keep=list(REFERENCE_LABELS)).consume()
    seed_taxonomy(graph.driver, graph.database)


@pytest.fixture
def graph(session_graph: Graph) -> Graph:
    wipe(session_graph)
    return session_graph


@pytest.fixture
def app(graph: Graph, neo4j_target: Neo4jTarget) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            # Suites make far more writes a minute than a person; tests/test_rate_limit.py turns it on.
            "RATELIMIT_ENABLED": False,
            "NEO4J_URI": neo4j_target.uri,
            "NEO4J_USER": neo4j_target.user,
            "NEO4J_PASSWORD": neo4j_target.password,
            "NEO4J_DATABASE": neo4j_target.database,
        }
    )
    yield app
    app.extensions["graph"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client without a token of its own: anonymous, or carrying the headers each request passes."""
    return app.test_client()


@pytest.fixture
def cli_env(graph: Graph, neo4j_target: Neo4jTarget) -> dict[str, str]:
    """Environment for invoking the `registry` CLI against the test database."""
    return neo4j_target.env()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
