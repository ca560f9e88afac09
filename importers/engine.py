"""The import itself: read and validate the whole file first, then resolve and write it in batches.

Pass 1 streams the file once, normalises every row and writes the valid ones to a temporary
spool file, so memory stays flat whatever the file's size; rejected rows are counted with
their line numbers. Nothing has been written when pass 1 ends, so `--strict` can still stop
there. Pass 2 reads the spool back in batches; each batch is resolved against the graph and
written in one transaction, with the audit events of what it changed. Every id derives from the
record's key, and every write is a MERGE, so an import that stopped midway and is started again
ends with the same graph as one that never stopped, and importing the same file twice changes
nothing the second time. Imports of one source take turns (`registry.dao.imports.ImportLock`), and
a batch Neo4j has no transaction memory for is halved rather than retried as it is.

Each batch costs one lookup query (its known records and every candidate actor's state) and
one write statement per kind of node, with the rows as lists of maps. Batches run strictly one
after the other: resolving batch N+1 on a second thread while batch N commits was measured
slower on a 2-core machine (the Python work and the driver's I/O contend for the interpreter
lock and the cores; see docs/benchmarks.md).

This module runs the passes; the parts are their own modules: `importers.spool` (the spool file),
`importers.keystore` (record keys seen, on disk), `importers.batch` (resolving one batch into its
writes) and `importers.members` (member sync). Who the audit trail names comes from the caller
(`ImportOptions.writer`), never from a request context.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from neo4j import ManagedTransaction
from neo4j.exceptions import TransientError
from tqdm import tqdm

from graph_schema.refdata import find_municipality
from importers import resolve
from importers.batch import NOT_CIVIL, Batch, BatchResult, CandidateFeatures, Writes
from importers.categories import CategoryMapper
from importers.columns import ColumnMap, Mapping, ibgo_canonical, load_mapping
from importers.identity import IdlessRows, MunicipalityInference, find_renames, seat_basis
from importers.keystore import SeenKeys
from importers.limits import UploadLimits
from importers.match_index import MatchIndex
from importers.members import sync_memberships
from importers.merge import ActorState
from importers.readers import ReadError, Row, open_source
from importers.records import (
    Context,
    RowRejectedError,
    canonical_json,
    content_hash,
    normalise_row,
    record_key,
)
from importers.report import Report
from importers.spool import SpooledRow, write_row
from importers.spool import batches as spool_batches
from importers.vocabulary import VocabularyError, parse_rules
from registry.dao.imports import ImportDao, ImportLock, membership_audit_rows
from registry.db import Graph
from registry.domain import normalize
from registry.erasure import Suppression, erasure_key
from registry.identity import Role, Writer
from registry.tokens import TokenSecretError, load_secret

DEFAULT_BATCH = 1000

T = TypeVar("T")

_OUT_OF_MEMORY = "Neo.TransientError.General.MemoryPoolOutOfMemoryError"


class _BatchTooLargeError(Exception):
    """Neo4j ran out of transaction memory for one batch: split it, do not retry it as it is."""


def _no_memory_retry(work: Callable[[ManagedTransaction], T]) -> Callable[[ManagedTransaction], T]:
    """`work` with Neo4j's out-of-memory error made final, so the driver does not retry it."""

    def run(tx: ManagedTransaction) -> T:
        try:
            return work(tx)
        except TransientError as exc:
            if exc.code == _OUT_OF_MEMORY:
                raise _BatchTooLargeError(str(exc.message)) from exc
            raise

    return run


# Called at "in-transaction" (writes sent, not committed) and "committed" with the batch number:
# how tests interrupt an import at a known point.
Checkpoint = Callable[[str, int], None]


@dataclass
class ImportOptions:
    kind: str  # "register" or "members"
    path: Path
    format: str = "auto"
    municipality: str | None = None
    source: str | None = None
    mapping: Path | None = None
    sheet: str | None = None
    umbrella: str | None = None
    sync: bool = False
    dry_run: bool = False
    strict: bool = False
    # Import under a source name bound to another municipality or format (see `_check_binding`).
    rebind_source: bool = False
    batch_size: int = DEFAULT_BATCH
    progress: bool = False
    display_name: str | None = None
    checkpoint: Checkpoint | None = None
    # How far the file may expand when read (importers.readers); unset: the upload limits.
    limits: UploadLimits | None = None
    # Reads the server secret (erased people are recognised by keyed hashes), only when someone was
    # erased: `load_secret`, what the CLI reads; the API passes the app's (`registry.auth.token_secret`).
    read_secret: Callable[[], bytes] = load_secret
    # Who the audit trail names: the caller says (the API its caller); unset, the operator at the command line.
    writer: Writer = field(default_factory=Writer.importer)


class ImportFailedError(Exception):
    """Nothing was written; the message says why (Swedish / English)."""


def run_import(graph: Graph, options: ImportOptions) -> Report:
    """Runs one import and returns its report; a failure is a report with outcome 'failed'."""
    report = Report(
        kind=options.kind,
        file=options.display_name or options.path.name,
        dry_run=options.dry_run,
        strict=options.strict,
    )
    try:
        return _Import(graph, options, report).run()
    except (ImportFailedError, ReadError) as exc:
        return report.finish("failed", str(exc))


def _municipality_code(value: str) -> str:
    found = find_municipality(value)
    if found is None:
        raise ImportFailedError(f"okänd kommun {value!r} / unknown municipality {value!r}")
    return found.code


def _municipality_label(code: str) -> str:
    found = find_municipality(code)
    return f"{found.name} ({code})" if found else code


def _system(fmt: str | None) -> str | None:
    """The register system a format stands for, as far as its ids go: Interbook Go numbers its
    customers itself; CSV, XLSX and JSON exports carry whatever id column the system had, and the
    same system may export either."""
    if not fmt:
        return None
    return "Interbook Go" if fmt == "ibgo" else "export (CSV/XLSX/JSON)"


def _where(index: int | None, raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """A JSON record's place for the report: its number in the list, its id and its name."""
    if index is None:
        return None
    raw = raw or {}

    def first(name: str) -> Any:
        value = raw.get(name)
        return (value[0] if value else None) if isinstance(value, list) else value

    return {"record": index, "id": first("record_id"), "name": first("name")}


class _Import:
    def __init__(self, graph: Graph, options: ImportOptions, report: Report) -> None:
        self.graph = graph
        self.options = options
        self.report = report
        self.dao = ImportDao(graph)
        self.mapping = load_mapping(options.mapping) if options.mapping else Mapping()
        try:
            rules = parse_rules(self.mapping.rules, "--mapping")
        except VocabularyError as exc:
            raise ImportFailedError(f"mappningsfilens regler / the mapping file's rules: {exc}") from exc
        self.categories = CategoryMapper(self.mapping.categories, self.mapping.target_groups, rules)
        # Dry runs write nothing, so actors they would create are remembered here for later
        # batches, by id and by name key / "#" + org number.
        self.planned: dict[str, ActorState] = {}
        self.planned_keys: dict[str, set[str]] = defaultdict(set)
        self.candidate_features = CandidateFeatures()
        self.match_index = MatchIndex()
        self.writer = options.writer
        self.suppression: Suppression | None = None
        # Members listed, members waiting for review, and memberships changed, over all batches.
        self.members: set[str] = set()
        self.keep: set[str] = set()
        self.pending: set[str] = set()
        self.memberships_changed = 0
        # An umbrella's own list (its token, by the API or the page) is a claim: see `_claim_only`.
        self.claims_only = options.kind == "members" and self.writer.principal.role is Role.UMBRELLA
        # Smaller than asked once Neo4j has run out of transaction memory for a batch (`_split`).
        self.batch_size = options.batch_size
        # Rows without a register id, with what renames are recognised by (see `importers.identity`).
        self.idless: IdlessRows | None = None

    # -- set-up ---------------------------------------------------------------------------
    def _context(self) -> Context:
        o = self.options
        municipality = _municipality_code(o.municipality) if o.municipality else None
        given = municipality
        if municipality is None and o.kind == "register":
            municipality = self._infer_municipality()
        self.report.municipality = municipality
        ctx = Context(kind=o.kind, source="", categories=self.categories, municipality=municipality)
        if o.kind == "members":
            if not o.umbrella:
                raise ImportFailedError("ange paraplyorganisationen med --umbrella / name the umbrella with --umbrella")
            by_org = True
            try:
                value = normalize.org_number(o.umbrella)
            except ValueError:
                value, by_org = o.umbrella.strip(), False
            umbrella = self.dao.umbrella(value, by_org_number=by_org)
            if umbrella is None:
                raise ImportFailedError(
                    f"paraplyorganisationen {o.umbrella!r} finns inte / no umbrella actor {o.umbrella!r}"
                )
            ctx.umbrella_id = umbrella["id"]
            ctx.fallback_municipality = umbrella.get("municipality_code")
            self.report.umbrella = umbrella["id"]
        if o.source:
            ctx.source = o.source.strip()
        elif o.kind == "members":
            ctx.source = f"members:{ctx.umbrella_id}"
        elif given:
            # An inferred municipality does not name the source: the file does, as before.
            ctx.source = f"register:{given}"
        else:
            ctx.source = f"register:{Path(self.report.file).stem}"
        if not ctx.source:
            raise ImportFailedError("källans namn är tomt / the source name is empty")
        self.report.source = ctx.source
        return ctx

    def _infer_municipality(self) -> str | None:
        """The register's municipality when >= 80 % of its rows' postal codes lie in one (a pre-pass
        over the postal codes only); the report says what was inferred, or why nothing was."""
        o = self.options
        source = open_source(o.path, o.format, sheet=o.sheet or self.mapping.sheet, limits=o.limits)
        columns = ColumnMap(o.kind, self.mapping)
        if source.headers is not None:
            columns.add(source.headers)
        inference = MunicipalityInference()
        for item in source.rows():
            if not isinstance(item, Row):
                continue
            if source.format == "ibgo":
                raw = ibgo_canonical(item.values, {})
            else:
                if source.headers is None and not columns.resolved:
                    columns.add(item.values)
                raw = columns.canonical(item.values)
            if not inference.add(raw):
                break
        code = inference.decided()
        note = inference.describe()
        if note:
            self.report.notes.append(note)
        self.report.municipality_inferred = code is not None
        return code

    def _check_binding(self, ctx: Context) -> None:
        """A source name stays with the register it was first imported from: the same format and
        municipality. Two registers numbering their ids from 1 under one name would otherwise
        overwrite each other's actors (record keys are the source name and the register's id)."""
        binding = self.dao.source_binding(ctx.source)
        if binding is None:
            return
        problems = []
        if binding.get("municipality") and ctx.municipality and binding["municipality"] != ctx.municipality:
            problems.append(
                f"kommun / municipality {_municipality_label(binding['municipality'])} ≠ "
                f"{_municipality_label(ctx.municipality)}"
            )
        bound, now = _system(binding.get("format")), _system(self.report.format)
        if bound and now and bound != now:
            problems.append(f"system {bound} ≠ {now}")
        if problems and not self.options.rebind_source:
            raise ImportFailedError(
                f"källan {ctx.source!r} är bunden till ett annat register ({'; '.join(problems)}); "
                "inget skrevs. Välj ett annat --source, eller --rebind-source om registret verkligen har bytt. / "
                f"the source {ctx.source!r} is bound to another register ({'; '.join(problems)}); nothing was "
                "written. Choose another --source, or --rebind-source if the register really changed."
            )
        if problems:
            self.report.notes.append(
                f"källan {ctx.source!r} binds om / the source {ctx.source!r} is rebound: {'; '.join(problems)}"
            )

    def _check_taxonomy(self) -> None:
        areas, groups = self.categories.known_ids()
        in_graph_areas, in_graph_groups = self.dao.taxonomy_ids()
        missing = sorted((areas - in_graph_areas) | (groups - in_graph_groups))
        if missing:
            raise ImportFailedError(
                f"mappningen nämner id som inte finns i taxonomin: {', '.join(missing)} / "
                f"the mapping names ids that are not in the taxonomy"
            )

    # -- the run ------------------------------------------------------------------------------
    def _load_suppression(self) -> None:
        hashes = self.dao.erased_hashes()
        if not hashes:
            return
        try:
            secret = self.options.read_secret()
        except TokenSecretError as exc:
            raise ImportFailedError(
                f"serverhemligheten behövs för att känna igen raderade personer / the server secret is needed "
                f"to recognise erased people: {exc}"
            ) from exc
        self.suppression = Suppression(erasure_key(secret), hashes)

    def run(self) -> Report:
        ctx = self._context()
        self._check_taxonomy()
        self._load_suppression()
        self.idless = IdlessRows()
        try:
            return self._run(ctx, self.idless)
        finally:
            self.idless.close()

    def _run(self, ctx: Context, idless: IdlessRows) -> Report:
        o = self.options
        with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
            started = time.monotonic()
            valid = self._validate(ctx, spool)
            self.report.timings["validate_s"] = round(time.monotonic() - started, 3)
            if o.strict and self.report.counts["rejected"]:
                return self.report.finish(
                    "aborted",
                    f"--strict: {self.report.counts['rejected']} rader avvisades, inget skrevs / "
                    f"{self.report.counts['rejected']} rows were rejected, nothing was written",
                )
            self._check_binding(ctx)
            renames = find_renames(self.dao, ctx.source, idless)
            for note in renames.notes():
                self.report.notes.append(note)
            if renames.sure:
                spool = renames.rekey(spool)
            if not o.dry_run:
                self.dao.bind_source(ctx.source, kind=o.kind, format=self.report.format, municipality=ctx.municipality)
                self.dao.queue_renames(renames.unsure_rows())
            spool.seek(0)
            started = time.monotonic()
            self._write(ctx, spool, valid)
            self.report.timings["write_s"] = round(time.monotonic() - started, 3)
            if not o.dry_run and renames.unsure:
                # Their records were queued before the batches, which then found them waiting
                # for review: counted as updated there, they are queued.
                moved = min(len(renames.unsure), self.report.counts["updated"])
                self.report.counts["updated"] -= moved
                self.report.counts["queued"] += moved
        if self.suppression is not None:
            self.report.suppressed = {"contacts": self.suppression.contacts, "emails": self.suppression.emails}
        return self.report.finish("dry-run" if self.options.dry_run else "imported")

    def _validate(self, ctx: Context, spool: IO[str]) -> int:
        o, report = self.options, self.report
        idless = self.idless
        assert idless is not None
        source = open_source(o.path, o.format, sheet=o.sheet or self.mapping.sheet, limits=o.limits)
        report.format, report.encoding, report.delimiter, report.sheet = (
            source.format,
            source.encoding,
            source.delimiter,
            source.sheet,
        )
        columns = ColumnMap(o.kind, self.mapping)
        ibgo_unmapped: dict[str, None] = {}
        if source.headers is not None:
            columns.add(source.headers)
            if not columns.has_name:
                raise ImportFailedError(_no_name_column(source.headers))
        seen = SeenKeys()
        valid = 0
        bar = tqdm(desc="Läser / reading", unit=" rader", disable=not o.progress, file=sys.stderr, dynamic_ncols=True)
        try:
            for item in source.rows():
                report.counts["read"] += 1
                bar.update()
                if not isinstance(item, Row):
                    report.reject(item.line, item.reason, _where(item.index, None))
                    continue
                if source.format == "ibgo":
                    raw = ibgo_canonical(item.values, ibgo_unmapped)
                else:
                    if source.headers is None and not columns.resolved:
                        columns.add(item.values)
                        if not columns.has_name:
                            raise ImportFailedError(_no_name_column(list(item.values)))
                    raw = columns.canonical(item.values)
                where = _where(item.index, raw)
                try:
                    normalised = normalise_row(raw, ctx)
                except RowRejectedError as exc:
                    report.reject(item.line, str(exc), where)
                    continue
                record = normalised.record
                key = record_key(ctx.source, record, register=ctx.municipality)
                # JSON records are numbered in their list, other rows by their line.
                position = item.index if item.index is not None else item.line
                first = seen.first_line(key, position)
                if first != position:
                    unit = ("post", "record") if item.index is not None else ("rad", "line")
                    report.reject(
                        item.line,
                        f"samma post som {unit[0]} {first} (samma id, eller samma namn i samma kommun) / "
                        f"the same record as {unit[1]} {first} (same id, or same name in the same municipality)",
                        where,
                    )
                    continue
                for field_name, reason in normalised.warnings:
                    report.warn(item.line, field_name, reason, where)
                report.count_unknown(report.unknown_categories, normalised.unknown_categories)
                report.count_unknown(report.unknown_target_groups, normalised.unknown_target_groups)
                report.count_unknown(report.unmapped_activities, normalised.unmapped_activities)
                report.cover(
                    interest_area=bool(record.get("interest_areas")),
                    target_group=bool(record.get("target_groups")),
                    precision=normalised.located.precision if normalised.located else None,
                    has_text=normalised.has_category_or_activity,
                    has_place=normalised.has_place,
                )
                # The hash is of the row as the file has it, so a file that did not change stays
                # unchanged after an erasure; the record kept holds no erased person.
                text = canonical_json(record)
                digest = content_hash(text)
                if self.suppression is not None and self.suppression.apply(record):
                    text = canonical_json(record)
                # How the seat was found, for the seat rule (importers.merge); outside the hash,
                # which stays the file's content (records hashed before it was kept stay unchanged).
                text = text[:-1] + f',"seat_basis":"{seat_basis(raw, record)}"}}'
                if not record.get("record_id"):
                    idless.add(key, item.line, record)
                write_row(spool, item.line, digest, key, text)
                valid += 1
        finally:
            bar.close()
            seen.close()
        report.columns = (
            {"mapped": {}, "unmapped": list(ibgo_unmapped), "ignored_duplicates": []}
            if source.format == "ibgo"
            else columns.described()
        )
        if source.declared_total is not None and source.declared_total != report.counts["read"]:
            report.notes.append(
                f"Filen anger {source.declared_total} poster men innehöll {report.counts['read']} / "
                f"the file declares {source.declared_total} records but held {report.counts['read']}"
            )
        if report.counts["read"] == 0:
            raise ImportFailedError("filen har inga rader att importera / the file has no rows to import")
        return valid

    def _write(self, ctx: Context, spool: IO[str], valid: int) -> None:
        if self.options.dry_run:
            self._write_batches(ctx, spool, valid)
            return
        run_id = str(uuid.uuid4())
        # One import of a source writes at a time; a second waits here for the first to end.
        with ImportLock(self.graph, ctx.source, run_id):
            # Holding the lock, any run of this source still 'running' is one whose process died.
            stale = self.dao.interrupt_stale_runs(ctx.source)
            if stale:
                self.report.notes.append(
                    f"{len(stale)} tidigare körning(ar) av källan avbröts och är nu markerade 'interrupted' / "
                    f"{len(stale)} earlier run(s) of the source were interrupted and are now marked 'interrupted'"
                )
            self.dao.backfill_name_keys(normalize.name_key)
            self.dao.backfill_match_keys(resolve.match_keys)
            self.report.run_id = run_id
            self.dao.start_run(run_id, source=ctx.source, kind=self.options.kind, file=self.report.file)
            self._write_batches(ctx, spool, valid)

    def _write_batches(self, ctx: Context, spool: IO[str], valid: int) -> None:
        o, report = self.options, self.report
        bar = tqdm(
            total=valid,
            desc="Skriver / writing",
            unit=" rader",
            disable=not o.progress,
            file=sys.stderr,
            dynamic_ncols=True,
        )
        try:
            number = 0
            for batch in spool_batches(spool, lambda: self.batch_size):
                # A batch Neo4j has no transaction memory for is split in halves, which run in its
                # place; the batches after it are read at the smaller size.
                parts = [batch]
                while parts:
                    part = parts.pop()
                    number += 1
                    try:
                        result = self._commit(ctx, part, number)
                    except _BatchTooLargeError as exc:
                        number -= 1
                        parts.extend(self._split(part, exc))
                        continue
                    self._done(number, result, len(part), bar)
        except BaseException:
            if report.run_id:
                # A run that stopped leaves its mark; the rerun finishes the work.
                # The database may be the reason it stopped: then the run stays 'running'.
                with contextlib.suppress(Exception):
                    self.dao.finish_run(report.run_id, status="interrupted", report="{}")
            raise
        finally:
            bar.close()
        if o.kind == "members" and ctx.umbrella_id:
            sync_memberships(
                self.dao,
                report,
                umbrella_id=ctx.umbrella_id,
                listed=self.members,
                keep=self.keep,
                pending=self.pending,
                changed=self.memberships_changed,
                sync=o.sync,
                dry_run=o.dry_run,
                writer=self.writer,
            )
        if report.run_id:
            self.dao.finish_run(
                report.run_id, status="finished", report=json.dumps(report.summary(), ensure_ascii=False)
            )

    def _commit(self, ctx: Context, batch: list[SpooledRow], number: int) -> BatchResult:
        """Resolves (dry run) or resolves and writes one batch in one transaction.

        Neo4j's transaction memory running out is a transient error the driver would retry as is,
        for half a minute, with the same outcome; it stops the attempt at once instead
        (`_BatchTooLargeError`), whether it comes from a statement or from the commit.
        """
        work = Batch(self, ctx, batch, number)
        try:
            if self.options.dry_run:
                result, _ = self.graph.read_tx(_no_memory_retry(work.resolve))
                self._plan(result.created)
                return result
            return self.graph.write_tx(_no_memory_retry(work.run))
        except TransientError as exc:
            if exc.code == _OUT_OF_MEMORY:
                raise _BatchTooLargeError(str(exc.message)) from exc
            raise

    def _split(self, batch: list[SpooledRow], exc: _BatchTooLargeError) -> list[list[SpooledRow]]:
        """The halves of a batch Neo4j had no memory for, in the order `_write` pops them
        (the first half last); later batches are read at the half size too."""
        if len(batch) <= 1:
            raise ImportFailedError(
                f"Neo4j:s transaktionsminne räcker inte ens för en rad / Neo4j's transaction memory is "
                f"too small for a single row: {exc}"
            ) from exc
        half = (len(batch) + 1) // 2
        if half < self.batch_size:
            self.batch_size = half
            self.report.notes.append(
                f"Neo4j:s transaktionsminne räckte inte för {len(batch)} rader i en transaktion; importen "
                f"fortsatte med {half} rader per transaktion / Neo4j's transaction memory was not enough for "
                f"{len(batch)} rows in one transaction; the import went on with {half} rows per transaction"
            )
        return [batch[half:], batch[:half]]

    def _done(self, number: int, result: BatchResult, size: int, bar: Any) -> None:
        if self.options.checkpoint:
            self.options.checkpoint("committed", number)
        self.memberships_changed += result.memberships_changed
        # Committed: later batches find these actors by their keys and reuse their features.
        for actor_id, features in result.written.items():
            version = result.versions.get(actor_id)
            self.match_index.wrote(actor_id, version, features.blocking_keys())
            if version is not None:
                self.candidate_features.keep(actor_id, version, features)
        self.report.counts.update(result.statuses)
        self.report.conflicts.update(result.conflicts)
        self.members.update(result.members)
        self.keep.update(result.keep)
        self.pending.update(result.pending)
        for line in result.not_civil:
            self.report.warn(line, "name", NOT_CIVIL)
        bar.update(size)

    @property
    def dry_run(self) -> bool:
        return self.options.dry_run

    @property
    def run_id(self) -> str | None:
        return self.report.run_id

    def write_batch(self, tx: ManagedTransaction, writes: Writes) -> tuple[int, dict[str, int]]:
        """Writes one resolved batch, audit events included; returns how many memberships changed
        and each written actor's new version."""
        run_id = self.report.run_id or ""
        versions = self.dao.write_actors(tx, writes.actors)
        self.dao.write_records(tx, run_id, writes.records)
        self.dao.write_reviews(tx, run_id, writes.reviews)
        changes = self.dao.write_memberships(tx, writes.memberships)
        self.dao.write_audit(tx, self.writer, run_id, [*writes.audit, *membership_audit_rows(changes)])
        if self.options.checkpoint:
            self.options.checkpoint("in-transaction", writes.number)
        return len(changes), versions

    def _plan(self, created: dict[str, ActorState]) -> None:
        for state in created.values():
            self.planned[state.id] = state
            if state.props.get("name"):
                self.planned_keys[normalize.name_key(state.props["name"])].add(state.id)
            if state.props.get("org_number"):
                self.planned_keys["#" + state.props["org_number"]].add(state.id)


def _no_name_column(headers: list[str]) -> str:
    return (
        "ingen kolumn för namn (t.ex. Föreningsnamn, Namn, Förening) bland: "
        f"{', '.join(headers) or '(inga)'} / no name column (e.g. Föreningsnamn, Namn, Name); "
        "map one with --mapping"
    )


def env_batch_size() -> int:
    """REGISTRY_IMPORT_BATCH overrides the batch size (benchmarks and tests of interruption)."""
    try:
        return max(1, int(os.environ.get("REGISTRY_IMPORT_BATCH", DEFAULT_BATCH)))
    except ValueError:
        return DEFAULT_BATCH
