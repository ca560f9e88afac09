"""An import stopped midway (a failure between batches, the process killed inside a transaction)
and run again ends with exactly the graph of an import that never stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from registry.config import PROJECT_ROOT
from registry.db import Graph
from tests.conftest import Neo4jTarget, wipe
from tests.import_helpers import audit_events, counts, run, snapshot

BATCH = 10


class StopError(Exception):
    pass


def _uninterrupted(graph: Graph, path: Path) -> tuple[dict, dict[str, int]]:
    report = run(graph, path, municipality="Kumla", batch_size=BATCH)
    assert counts(report) == {
        "read": 60,
        "created": 40,
        "updated": 0,
        "merged": 15,
        "unchanged": 0,
        "queued": 5,
        "rejected": 0,
    }
    picture, events = snapshot(graph), audit_events(graph)
    wipe(graph)
    return picture, events


def test_failure_between_batches_then_rerun(graph: Graph, batched_register: Path) -> None:
    expected, events = _uninterrupted(graph, batched_register)

    def fail_after_third(stage: str, batch: int) -> None:
        if stage == "committed" and batch == 3:
            raise StopError

    with pytest.raises(StopError):
        run(graph, batched_register, municipality="Kumla", batch_size=BATCH, checkpoint=fail_after_third)
    assert graph.read_one("MATCH (s:SourceRecord) RETURN count(s) AS n") == {"n": 30}
    assert graph.read_one("MATCH (r:ImportRun) RETURN r.status AS s") == {"s": "interrupted"}
    rerun = run(graph, batched_register, municipality="Kumla", batch_size=BATCH)
    assert counts(rerun)["unchanged"] == 30
    assert snapshot(graph) == expected
    # Each change audited exactly once: the batches that committed, then the rerun's.
    assert audit_events(graph) == events


_KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from importers.engine import ImportOptions, run_import
    from registry.db import Graph

    graph = Graph(os.environ["NEO4J_URI"], os.environ["NEO4J_USER"], os.environ["NEO4J_PASSWORD"],
                  os.environ["NEO4J_DATABASE"])

    def die(stage, batch):
        # Batch 4's writes are sent but not committed when the process dies.
        if stage == "in-transaction" and batch == 4:
            os.kill(os.getpid(), signal.SIGKILL)

    run_import(graph, ImportOptions(kind="register", path=Path(sys.argv[1]), municipality="Kumla",
                                    batch_size=int(sys.argv[2]), checkpoint=die))
    """
)


def test_process_killed_inside_a_transaction_then_rerun(
    graph: Graph, batched_register: Path, neo4j_target: Neo4jTarget
) -> None:
    expected, events = _uninterrupted(graph, batched_register)
    env = {**os.environ, **neo4j_target.env(), "PYTHONPATH": str(PROJECT_ROOT)}
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED, str(batched_register), str(BATCH)],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    # Three batches committed; the fourth died with its transaction.
    assert graph.read_one("MATCH (s:SourceRecord) RETURN count(s) AS n") == {"n": 30}
    assert graph.read_one("MATCH (r:ImportRun) RETURN r.status AS s") == {"s": "running"}
    rerun = run(graph, batched_register, municipality="Kumla", batch_size=BATCH)
    assert counts(rerun)["unchanged"] == 30
    # The next import of the source marks the killed run: it is not left 'running' forever.
    assert graph.read(
        "MATCH (r:ImportRun) RETURN r.status AS status, r.id = $rerun AS rerun ORDER BY rerun", rerun=rerun.run_id
    ) == [{"status": "interrupted", "rerun": False}, {"status": "finished", "rerun": True}]
    assert any("interrupted" in note for note in rerun.notes)
    assert snapshot(graph) == expected
    assert audit_events(graph) == events  # the killed batch's events went with its transaction
    # And a third run has nothing left to do.
    third = run(graph, batched_register, municipality="Kumla", batch_size=BATCH)
    assert counts(third)["unchanged"] == 60
    assert audit_events(graph) == events
