"""The local Neo4j launcher: start, second start, stop, restart keeps data, port in use, locked data directory."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from neo4j import GraphDatabase

from registry.cli import main
from registry.config import LocalNeo4jSettings
from registry.localdb import LocalDbError, LocalNeo4j
from tests.conftest import TEST_PORT

pytestmark = pytest.mark.launcher

PASSWORD = "launcher-test-password"
PORT = TEST_PORT + 10


def _settings(home: Path, port: int = PORT) -> LocalNeo4jSettings:
    return LocalNeo4jSettings(home=home, port=port, heap="384m", pagecache="64m", import_dir=home / "import")


@pytest.fixture
def local(tmp_path: Path) -> Iterator[LocalNeo4j]:
    instance = LocalNeo4j(_settings(tmp_path / "neo4j"), "neo4j", PASSWORD)
    yield instance
    instance.stop()


def _count(uri: str) -> int:
    with GraphDatabase.driver(uri, auth=("neo4j", PASSWORD)) as driver:
        records, _, _ = driver.execute_query("MATCH (n:LauncherProbe) RETURN count(n) AS n")
        return int(records[0]["n"])


def test_start_second_start_stop_restart_keeps_data(local: LocalNeo4j) -> None:
    status, started = local.start()
    assert started and status.running and status.uri == f"bolt://127.0.0.1:{PORT}"

    again, started_again = local.start()
    assert not started_again, "a second start must find the running server, not start another"
    assert again.pid == status.pid

    with GraphDatabase.driver(status.uri, auth=("neo4j", PASSWORD)) as driver:
        driver.execute_query("CREATE (:LauncherProbe {name: 'kvar efter omstart'})")
    # neo4j:// (routing) must work unchanged against the same server.
    with GraphDatabase.driver(f"neo4j://127.0.0.1:{PORT}", auth=("neo4j", PASSWORD)) as driver:
        driver.verify_connectivity()

    assert local.stop() is True
    assert not local.status().running
    assert local.stop() is False, "stopping a stopped server says so"

    _, restarted = local.start()
    assert restarted
    assert _count(status.uri) == 1, "data must survive stop/start"


def test_port_in_use_is_one_clear_error(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        instance = LocalNeo4j(_settings(tmp_path / "n", port), "neo4j", PASSWORD)
        with pytest.raises(LocalDbError, match=f"port {port} is already in use"):
            instance.start()
        assert not instance.status().running


def test_cli_reports_port_in_use_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        result = CliRunner().invoke(
            main,
            ["db", "start"],
            env={
                "NEO4J_URI": "",
                "NEO4J_LOCAL_HOME": str(tmp_path / "n"),
                "NEO4J_LOCAL_PORT": str(port),
                "NEO4J_PASSWORD": PASSWORD,
            },
        )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "already in use" in lines[0]


def test_locked_data_directory_is_one_clear_error(local: LocalNeo4j) -> None:
    local.start()
    # Another launcher on the same data directory (its pid file lost, say) must not corrupt it.
    pid_text = local.pid_file.read_text()
    local.pid_file.unlink()
    try:
        other = LocalNeo4j(_settings(local.settings.home, PORT + 1), "neo4j", PASSWORD)
        with pytest.raises(LocalDbError, match="locked by another Neo4j process"):
            other.start()
    finally:
        local.pid_file.write_text(pid_text)
    assert local.status().running
