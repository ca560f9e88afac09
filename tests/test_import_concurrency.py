"""Two imports of one source at the same time: the second waits for the first (the source's
ImportLock), then finds every row unchanged, so each change is audited once, not twice."""

from __future__ import annotations

import threading
from pathlib import Path

from importers.report import Report
from registry.db import Graph
from tests.conftest import wipe
from tests.import_helpers import audit_events, counts, run

BATCH = 10


def test_two_simultaneous_imports_audit_each_change_once(graph: Graph, batched_register: Path) -> None:
    alone = run(graph, batched_register, municipality="Kumla", batch_size=BATCH)
    assert alone.outcome == "imported"
    expected = audit_events(graph)
    assert expected["actor.create"] == 40
    wipe(graph)

    first_writing = threading.Event()
    second_writing = threading.Event()
    reports: dict[str, Report] = {}

    def first_checkpoint(stage: str, batch: int) -> None:
        if stage == "in-transaction" and batch == 1:
            first_writing.set()
            # Without the lock the second import resolves its first batch now, against a graph
            # without this batch, and audits every actor again once this commits.
            second_writing.wait(timeout=3)

    def second_checkpoint(stage: str, batch: int) -> None:
        if stage == "in-transaction" and batch == 1:
            second_writing.set()

    def importing(name: str, checkpoint: object) -> None:
        reports[name] = run(graph, batched_register, municipality="Kumla", batch_size=BATCH, checkpoint=checkpoint)

    first = threading.Thread(target=importing, args=("first", first_checkpoint))
    first.start()
    assert first_writing.wait(timeout=60)
    second = threading.Thread(target=importing, args=("second", second_checkpoint))
    second.start()
    first.join(timeout=120)
    second.join(timeout=120)
    assert reports["first"].outcome == "imported" and reports["second"].outcome == "imported"
    assert counts(reports["first"])["created"] == 40
    assert counts(reports["second"])["unchanged"] == 60
    assert audit_events(graph) == expected
    # The lock is never committed: nothing of it stays in the graph.
    assert graph.read_one("MATCH (l:ImportLock) RETURN count(l) AS n") == {"n": 0}
    statuses = graph.read("MATCH (r:ImportRun) RETURN r.status AS status")
    assert [r["status"] for r in statuses] == ["finished", "finished"]
