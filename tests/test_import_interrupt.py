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


@pytest.fixture
def register(tmp_path: Path) -> Path:
    """60 rows in six batches, with merges and review items that reach back across batches."""
    rows = ["Id;Föreningsnamn;Organisationsnummer;Postnummer;Ort;Telefon;Hemsida"]
    org_numbers = ["802000-0009", "802000-0017", "802000-0025", "802000-0033", "802000-0041"]
    for i in range(1, 41):
        org = org_numbers[i - 1] if i <= 5 else ""
        rows.append(f"R{i};Kumla Förening {i:02d};{org};692 3{i % 8};Kumla;031390{i:04d};forening{i}.example")
    for i in range(41, 46):  # the same organisation numbers as rows 1-5: merged across batches
        rows.append(f"R{i};Avdelning {i};{org_numbers[i - 41]};692 31;Kumla;;")
    for i in range(46, 51):  # the names and phones of rows 6-10 in Hallsberg: waiting for review
        rows.append(f"R{i};Kumla Förening {i - 40:02d};;694 31;Hallsberg;031390{i - 40:04d};")
    for i in range(51, 61):  # the names of rows 11-20 again in Kumla: merged by name
        rows.append(f"R{i};KUMLA FÖRENING {i - 40:02d};;692 31;Kumla;031399{i:04d};")
    path = tmp_path / "register.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


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


def test_failure_between_batches_then_rerun(graph: Graph, register: Path) -> None:
    expected, events = _uninterrupted(graph, register)

    def fail_after_third(stage: str, batch: int) -> None:
        if stage == "committed" and batch == 3:
            raise StopError

    with pytest.raises(StopError):
        run(graph, register, municipality="Kumla", batch_size=BATCH, checkpoint=fail_after_third)
    assert graph.read_one("MATCH (s:SourceRecord) RETURN count(s) AS n") == {"n": 30}
    assert graph.read_one("MATCH (r:ImportRun) RETURN r.status AS s") == {"s": "interrupted"}
    rerun = run(graph, register, municipality="Kumla", batch_size=BATCH)
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
    graph: Graph, register: Path, neo4j_target: Neo4jTarget
) -> None:
    expected, events = _uninterrupted(graph, register)
    env = {**os.environ, **neo4j_target.env(), "PYTHONPATH": str(PROJECT_ROOT)}
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED, str(register), str(BATCH)],
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
    rerun = run(graph, register, municipality="Kumla", batch_size=BATCH)
    assert counts(rerun)["unchanged"] == 30
    # The next import of the source marks the killed run: it is not left 'running' forever.
    assert graph.read(
        "MATCH (r:ImportRun) RETURN r.status AS status, r.id = $rerun AS rerun ORDER BY rerun", rerun=rerun.run_id
    ) == [{"status": "interrupted", "rerun": False}, {"status": "finished", "rerun": True}]
    assert any("interrupted" in note for note in rerun.notes)
    assert snapshot(graph) == expected
    assert audit_events(graph) == events  # the killed batch's events went with its transaction
    # And a third run has nothing left to do.
    third = run(graph, register, municipality="Kumla", batch_size=BATCH)
    assert counts(third)["unchanged"] == 60
    assert audit_events(graph) == events
