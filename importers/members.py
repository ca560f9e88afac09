"""Member sync: after a member list's batches, what the report says of the umbrella's memberships and,
with `--sync`, the ending (never deleting) of the memberships of members the list no longer names."""

from __future__ import annotations

from datetime import date

from importers.report import Report
from registry.dao.imports import ImportDao
from registry.identity import Writer


def sync_memberships(
    dao: ImportDao,
    report: Report,
    *,
    umbrella_id: str,
    listed: set[str],
    keep: set[str],
    pending: set[str],
    changed: int,
    sync: bool,
    dry_run: bool,
    writer: Writer,
) -> None:
    """Counts the list's memberships into `report`; with `sync`, ends those of members not `listed`
    (nor waiting for review: `keep`), unless rows were rejected (a rejected row may be a member)."""
    report.memberships = {"changed": changed, "ended": 0, "listed": len(listed), "pending": len(pending)}
    if not sync:
        return
    if report.counts["rejected"]:
        report.memberships["sync"] = (
            "synkning hoppades över: avvisade rader kan vara medlemmar / sync skipped: rejected rows may be members"
        )
        return
    ended = dao.end_memberships(
        umbrella_id,
        sorted(listed | keep),
        date.today().isoformat(),
        dry_run=dry_run,
        writer=writer,
        run_id=report.run_id,
    )
    report.memberships["ended"] = ended
    report.memberships["sync"] = "synkad / synced"
