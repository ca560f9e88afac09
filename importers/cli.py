"""`registry import` (registers, member lists) and `registry review` (the queue of possible duplicates)."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import click

from importers.engine import ImportOptions, env_batch_size, run_import
from importers.limits import UploadLimits, load_upload_limits
from importers.readers import FORMATS
from importers.report import Report
from importers.review import (
    STATUSES,
    AlreadyDecidedError,
    NotUndoableError,
    ReviewNotFoundError,
    decide,
    item_view,
    undo,
)
from registry.cli_support import fail, open_graph
from registry.dao.review import ReviewDao
from registry.identity import Writer

# A file on the server's own disk, imported by an operator: its rows and cells cost time, not memory,
# so they are bounded far above an upload's. What bounds memory (unpacked sizes, lines) stays.
CLI_MAX_ROWS = 10_000_000
CLI_MAX_CELLS = 500_000_000


def _limits() -> UploadLimits:
    limits = load_upload_limits()
    return dataclasses.replace(
        limits, max_rows=max(limits.max_rows, CLI_MAX_ROWS), max_cells=max(limits.max_cells, CLI_MAX_CELLS)
    )


def _finish(report: Report, report_path: Path | None) -> None:
    click.echo(report.table())
    if report_path:
        report_path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if not report.ok:
        sys.exit(1)


_common = [
    click.option("--dry-run", is_flag=True, help="Läs, kontrollera och matcha men skriv inget / write nothing."),
    click.option("--strict", is_flag=True, help="Skriv inget om någon rad är ogiltig / nothing if any row is invalid."),
    click.option(
        "--report",
        "report_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Skriv rapporten som JSON hit / write the report as JSON here.",
    ),
    click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="auto",
        show_default=True,
        help="Filformat (ibgo = Interbook Go JSON, hsds = HSDS 3.0 JSON eller tabellpaket) / file format.",
    ),
    click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), help="Kolumnmappning (JSON/TOML)."),
    click.option("--sheet", help="XLSX: bladets namn (annars det första) / sheet name (else the first)."),
    click.option("--batch-size", type=click.IntRange(1, 50_000), default=None, hidden=True),
]


def _with_common(fn: Any) -> Any:
    for option in reversed(_common):
        fn = option(fn)
    return fn


def _import(settings: Any, kind: str, file: Path, common: dict[str, Any], **specific: Any) -> None:
    """Runs one import of `file` with the options every kind shares (`_common`) and its own, and
    prints the report (`_finish`)."""
    options = ImportOptions(
        kind=kind,
        path=file,
        format=common["fmt"],
        mapping=common["mapping"],
        sheet=common["sheet"],
        dry_run=common["dry_run"],
        strict=common["strict"],
        batch_size=common["batch_size"] or env_batch_size(),
        progress=sys.stderr.isatty(),
        limits=_limits(),
        writer=Writer.importer(),
        **specific,
    )
    with open_graph(settings) as graph:
        report = run_import(graph, options)
    _finish(report, common["report_path"])


@click.group("import")
def import_group() -> None:
    """Importera föreningsregister och medlemslistor / import association registers and member lists."""


@import_group.command("register")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--municipality", help="Registrets kommun (kod eller namn) / the register's municipality.")
@click.option("--source", help="Källans namn [register:KOMMUNKOD] / the source's name.")
@click.option(
    "--rebind-source",
    is_flag=True,
    help="Importera trots att källan är bunden till en annan kommun eller ett annat system / "
    "import although the source is bound to another municipality or system.",
)
@_with_common
@click.pass_obj
def import_register(
    settings: Any,
    file: Path,
    municipality: str | None,
    source: str | None,
    rebind_source: bool,
    **common: Any,
) -> None:
    """Import a municipal association register (Interbook Go JSON, CSV, XLSX, JSON, JSON Lines).

    Rows are validated first and rejected rows listed with their line numbers; the rest are
    matched to existing actors (organisation number, then name within the county) and written
    in batches. Running the same file again changes nothing.
    """
    _import(settings, "register", file, common, municipality=municipality, source=source, rebind_source=rebind_source)


@import_group.command("members")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--umbrella", required=True, help="Paraplyorganisationens id eller organisationsnummer.")
@click.option("--sync", is_flag=True, help="Avsluta medlemskap som saknas i listan / end memberships not listed.")
@click.option("--municipality", help="Kommun för rader utan kommun / municipality for rows without one.")
@_with_common
@click.pass_obj
def import_members(
    settings: Any,
    file: Path,
    umbrella: str,
    sync: bool,
    municipality: str | None,
    **common: Any,
) -> None:
    """Import an umbrella organisation's member list as memberships of the umbrella (MEMBER_OF).

    With --sync, members missing from the list get their membership ended (an end date);
    nothing is deleted.
    """
    _import(settings, "members", file, common, municipality=municipality, umbrella=umbrella, sync=sync)


@click.group("review")
def review_group() -> None:
    """Granskningskön: möjliga dubbletter från importer / the queue of possible duplicates from imports."""


@review_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), default="pending", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Som JSON / as JSON.")
@click.pass_obj
def review_list(settings: Any, status: str, limit: int, as_json: bool) -> None:
    """List review items: the imported record beside the actor it may be."""
    with open_graph(settings) as graph:
        total, items = ReviewDao(graph).list(status=status, skip=0, limit=limit)
    views = [item_view(i) for i in items]
    if as_json:
        click.echo(json.dumps({"total": total, "items": views}, ensure_ascii=False, indent=2))
        return
    click.echo(f"{total} ärenden / items ({status})")
    for view in views:
        fields = (view.get("record") or {}).get("fields") or {}
        candidate = view.get("candidate") or {}
        click.echo(
            f"{view['id']}  {view['score']:>5}  {fields.get('name')!s} ({fields.get('municipality_code')})"
            f"  ~  {candidate.get('name')!s} ({candidate.get('municipality_code')})"
        )
        if view.get("judgement"):
            decided = f"{view['judgement']}, {view.get('decided_by')}, {view.get('decided_at')}"
            click.echo(f"      bedömning / judgement: {decided}")
        for reason in view.get("reasons") or []:
            click.echo(f"      {reason}")


def _decide(settings: Any, item_id: str, status: str) -> None:
    with open_graph(settings) as graph:
        try:
            writer = Writer.cli()
            decision = (
                undo(graph, item_id, writer=writer)
                if status == "undo"
                else decide(graph, item_id, status=status, writer=writer)
            )
        except ReviewNotFoundError:
            fail(f"ärendet {item_id} finns inte / no review item {item_id}")
        except AlreadyDecidedError as exc:
            fail(f"ärendet är redan avgjort ({exc.status}) / the item is already decided")
        except NotUndoableError as exc:
            fail(f"kan inte ångras ({exc.status}): {exc.reason} / cannot be undone")
    word = {
        "accepted": "sammanslagen med / merged into",
        "rejected": "ny aktör / new actor",
        "unsure": "osäker, egen aktör tills vidare / unsure, its own actor for now",
    }[decision.status]
    if status == "undo":
        word = "delad, egen aktör / split off into its own actor"
    click.echo(f"{decision.item_id}: {decision.status}; {word} {decision.actor_id}")


# The four decisions, each a command: its name, the status it sets, and its help.
_DECISIONS = {
    "accept": ("accepted", "Accept: the record describes the candidate actor and is merged into it."),
    "reject": ("rejected", "Reject: the record is a different organisation and becomes an actor of its own."),
    "unsure": ("unsure", "Unsure: the record stands alone for now; the item stays open to accept or reject later."),
    "undo": (
        "undo",
        "Undo a merge (automatic or accepted): split the record off into its own actor, and keep them apart.",
    ),
}


def _decision_command(name: str, status: str, help_text: str) -> None:
    @review_group.command(name, help=help_text)
    @click.argument("item_id")
    @click.pass_obj
    def command(settings: Any, item_id: str) -> None:
        _decide(settings, item_id, status)


for _name, (_status, _help) in _DECISIONS.items():
    _decision_command(_name, _status, _help)
