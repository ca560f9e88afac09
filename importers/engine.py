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
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any, TypeVar

from neo4j import ManagedTransaction
from neo4j.exceptions import TransientError
from tqdm import tqdm

from graph_schema.contract import MembershipStatus
from graph_schema.refdata import find_municipality
from importers import resolve
from importers.categories import CategoryMapper
from importers.columns import ColumnMap, Mapping, ibgo_canonical, load_mapping
from importers.identity import IdlessRows, MunicipalityInference, find_renames, seat_basis
from importers.limits import UploadLimits
from importers.merge import STATE_PROPS, ActorState, apply_record, county_of
from importers.readers import ReadError, Row, open_source
from importers.records import (
    Context,
    RowRejectedError,
    canonical_json,
    content_hash,
    derived_id,
    normalise_row,
    record_key,
)
from importers.report import Report
from importers.vocabulary import VocabularyError, parse_rules
from importers.writes import term_and_place_columns
from registry.dao.imports import ImportDao, ImportLock, audit_row, membership_audit_rows
from registry.dao.umbrellas import granted_among
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


@dataclass
class _BatchResult:
    statuses: Counter[str] = field(default_factory=Counter)
    conflicts: Counter[str] = field(default_factory=Counter)
    members: list[str] = field(default_factory=list)
    # Candidates of member rows waiting for review: --sync must not end their memberships meanwhile.
    keep: list[str] = field(default_factory=list)
    created: dict[str, ActorState] = field(default_factory=dict)
    memberships_changed: int = 0
    # Lines of a member list that matched a public or private actor: left alone (see `_not_civil`).
    not_civil: list[int] = field(default_factory=list)
    # Members an umbrella's own list asks to enrol: pending, nothing written to them (`_claim_only`).
    pending: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Row:
    """A valid row as spooled: its line, record key, content hash, record, and the record's JSON text."""

    line: int
    key: str
    digest: str
    record: dict[str, Any]
    text: str


@dataclass
class _Writes:
    """One resolved batch's writes, as parameters; written by `_Import._write_batch` in one transaction."""

    number: int
    actors: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)


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
            secret = load_secret()
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
        seen = _SeenKeys()
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
                # Tab-separated, the record's JSON last and kept as text: its SourceRecord stores it as is.
                spool.write(f"{item.line}\t{digest}\t{json.dumps(key, ensure_ascii=False)}\t{text}\n")
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

    def _batches(self, spool: IO[str]) -> Iterator[list[_Row]]:
        batch: list[_Row] = []
        for line in spool:
            number, digest, key, text = line.rstrip("\n").split("\t", 3)
            batch.append(_Row(int(number), json.loads(key), digest, json.loads(text), text))
            if len(batch) >= self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

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
            for batch in self._batches(spool):
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
            self._sync(ctx, self.members, self.keep, self.memberships_changed)
        if report.run_id:
            self.dao.finish_run(
                report.run_id, status="finished", report=json.dumps(report.summary(), ensure_ascii=False)
            )

    def _commit(self, ctx: Context, batch: list[_Row], number: int) -> _BatchResult:
        """Resolves (dry run) or resolves and writes one batch in one transaction.

        Neo4j's transaction memory running out is a transient error the driver would retry as is,
        for half a minute, with the same outcome; it stops the attempt at once instead
        (`_BatchTooLargeError`), whether it comes from a statement or from the commit.
        """
        work = _Batch(self, ctx, batch, number)
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

    def _split(self, batch: list[_Row], exc: _BatchTooLargeError) -> list[list[_Row]]:
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

    def _done(self, number: int, result: _BatchResult, size: int, bar: Any) -> None:
        if self.options.checkpoint:
            self.options.checkpoint("committed", number)
        self.memberships_changed += result.memberships_changed
        self.report.counts.update(result.statuses)
        self.report.conflicts.update(result.conflicts)
        self.members.update(result.members)
        self.keep.update(result.keep)
        self.pending.update(result.pending)
        for line in result.not_civil:
            self.report.warn(line, "name", NOT_CIVIL)
        bar.update(size)

    def _write_batch(self, tx: ManagedTransaction, w: _Writes) -> int:
        """Writes one resolved batch, audit events included; returns how many memberships changed."""
        run_id = self.report.run_id or ""
        self.dao.write_actors(tx, w.actors)
        self.dao.write_records(tx, run_id, w.records)
        self.dao.write_reviews(tx, run_id, w.reviews)
        changes = self.dao.write_memberships(tx, w.memberships)
        self.dao.write_audit(
            tx, self.writer.principal, run_id, [*w.audit, *membership_audit_rows(changes)], self.writer.channel
        )
        if self.options.checkpoint:
            self.options.checkpoint("in-transaction", w.number)
        return len(changes)

    def _plan(self, created: dict[str, ActorState]) -> None:
        for state in created.values():
            self.planned[state.id] = state
            if state.props.get("name"):
                self.planned_keys[normalize.name_key(state.props["name"])].add(state.id)
            if state.props.get("org_number"):
                self.planned_keys["#" + state.props["org_number"]].add(state.id)

    def _sync(self, ctx: Context, members: set[str], keep: set[str], changed: int) -> None:
        o, report = self.options, self.report
        report.memberships = {"changed": changed, "ended": 0, "listed": len(members), "pending": len(self.pending)}
        if not o.sync:
            return
        assert ctx.umbrella_id
        if report.counts["rejected"]:
            report.memberships["sync"] = (
                "synkning hoppades över: avvisade rader kan vara medlemmar / sync skipped: rejected rows may be members"
            )
            return
        ended = self.dao.end_memberships(
            ctx.umbrella_id,
            sorted(members | keep),
            date.today().isoformat(),
            dry_run=o.dry_run,
            writer=self.writer,
            run_id=report.run_id,
        )
        report.memberships["ended"] = ended
        report.memberships["sync"] = "synkad / synced"


class _SeenKeys:
    """The record keys read so far, on disk (SQLite), so duplicate detection needs no memory per row."""

    def __init__(self) -> None:
        self._file = tempfile.NamedTemporaryFile(suffix=".sqlite", delete=False)  # noqa: SIM115 (closed in close())
        self._file.close()
        self._db = sqlite3.connect(self._file.name, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE seen (key INTEGER PRIMARY KEY, line INTEGER)")
        self._db.execute("BEGIN")

    def first_line(self, key: str, line: int) -> int:
        """The line the key was first read on: `line` itself when it is new."""
        # 64 bits of the key's hash: among a million rows, a false duplicate has odds of 1 in 30 million.
        digest = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
        cursor = self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (digest, line))
        if cursor.rowcount:
            return line
        row = self._db.execute("SELECT line FROM seen WHERE key = ?", (digest,)).fetchone()
        return int(row[0])

    def close(self) -> None:
        self._db.close()
        os.unlink(self._file.name)


def _no_name_column(headers: list[str]) -> str:
    return (
        "ingen kolumn för namn (t.ex. Föreningsnamn, Namn, Förening) bland: "
        f"{', '.join(headers) or '(inga)'} / no name column (e.g. Föreningsnamn, Namn, Name); "
        "map one with --mapping"
    )


class _Batch:
    """One batch: resolve every row against the graph (and the rows before it) into the writes to make."""

    def __init__(self, owner: _Import, ctx: Context, rows: list[_Row], number: int):
        self.owner = owner
        self.ctx = ctx
        self.rows = rows
        self.number = number

    def run(self, tx: ManagedTransaction) -> _BatchResult:
        """Resolves and writes the batch in one transaction."""
        result, writes = self.resolve(tx)
        result.memberships_changed = self.owner._write_batch(tx, writes)
        return result

    def resolve(self, tx: ManagedTransaction) -> tuple[_BatchResult, _Writes]:
        # Runs again from the start if the driver retries the transaction: no state outside `result`.
        owner, ctx, dao = self.owner, self.ctx, self.owner.dao
        dry_run = owner.options.dry_run
        result = _BatchResult()
        writes = _Writes(self.number)
        keys = [row.key for row in self.rows]
        org_numbers = sorted({r.record["org_number"] for r in self.rows if r.record.get("org_number")})
        name_keys = sorted({normalize.name_key(r.record["name"]) for r in self.rows})
        # The lookup's name-key blocks find actors that have no match keys yet (written through the
        # API or the demo loader, before a real import gave them theirs; dry runs give none).
        blocks = {
            (normalize.name_key(r.record["name"]), county_of(r.record.get("municipality_code"))) for r in self.rows
        }
        known, rows = dao.lookup(
            tx,
            keys,
            org_numbers,
            [{"name_key": key, "county": county} for key, county in sorted(blocks, key=str)],
            STATE_PROPS,
        )
        states: dict[str, ActorState] = {row["id"]: ActorState.from_graph(row) for row in rows}
        # Rows that resolution will see: new records, and known ones that have no actor (nor a review).
        fresh = [r for r in self.rows if not _placed(known.get(r.key))]
        wanted = {r.key: resolve.features(r.key, r.record, _contact_names(r.record)) for r in fresh}
        queries = [_query(f.blocking_keys()) for f in wanted.values() if f.blocking_keys()]
        candidates = dao.match_candidates(tx, queries, limit=CANDIDATES_PER_RECORD)
        apart = dao.judged_apart(tx, [r.key for r in fresh if r.key in known])
        if dry_run:
            # What earlier batches of a dry run would have created, as far as this batch can meet it.
            for planned_key in [*name_keys, *("#" + org for org in org_numbers)]:
                for actor_id in owner.planned_keys.get(planned_key, ()):
                    states[actor_id] = owner.planned[actor_id]
        by_org: dict[str, str] = {}
        by_key: dict[str, set[str]] = defaultdict(set)
        # Each actor's term provenance from the records applied to it in this batch (the last one wins).
        provenance: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        featured: dict[str, resolve.Features] = {}

        def index(state: ActorState) -> None:
            org = state.props.get("org_number")
            if org:
                by_org.setdefault(org, state.id)
            if state.props.get("name"):
                names = [c.get("name", "") for c in state.contacts.values()]
                found = resolve.features(state.id, state.props, names, state.links.get("active_in", []))
                if featured.get(state.id) != found:
                    featured[state.id] = found
                    for block in found.blocking_keys():
                        by_key[block].add(state.id)

        for state in states.values():
            index(state)
        for candidate in candidates:
            if candidate["id"] not in states:
                found = resolve.features(
                    candidate["id"], candidate["props"], candidate["contact_names"], candidate["active_in"]
                )
                featured[candidate["id"]] = found
                for block in found.blocking_keys():
                    by_key[block].add(candidate["id"])
        granted: frozenset[str] = frozenset()
        if owner.claims_only and ctx.umbrella_id:
            ids = {*states, *featured, *(k["actor_id"] for k in known.values() if k.get("actor_id"))}
            granted = granted_among(tx, ctx.umbrella_id, ids)

        def claim_only(actor_id: str) -> bool:
            return _claim_only(owner.claims_only, states.get(actor_id), actor_id, granted)

        def load(actor_id: str) -> None:
            # A candidate chosen to merge into: its whole state, read now (few rows merge).
            if actor_id not in states:
                rows = dao.actor_states(tx, [actor_id], STATE_PROPS)
                states[actor_id] = ActorState.from_graph(rows[0])

        def describe(row: _Row, actor_id: str | None) -> None:
            writes.records.append(
                {
                    "key": row.key,
                    "known": row.key in known,
                    "source": ctx.source,
                    "record_id": row.record.get("record_id"),
                    "fields": row.text,
                    "hash": row.digest,
                    "actor_id": actor_id,
                }
            )

        for row in self.rows:
            key, digest, record = row.key, row.digest, row.record
            seen = known.get(key)
            actor_id: str | None = None
            if seen and seen["hash"] == digest:
                result.statuses["unchanged"] += 1
                actor_id = seen["actor_id"]
            elif seen and (seen["actor_id"] or seen["review_id"]):
                result.statuses["updated"] += 1
                actor_id = seen["actor_id"]
                old = json.loads(seen["fields"]) if seen["fields"] else None
                if actor_id and _not_civil(ctx, states.get(actor_id)):
                    result.not_civil.append(row.line)
                    actor_id = None
                elif actor_id and actor_id in states and not claim_only(actor_id):
                    apply_record(
                        states[actor_id], key, ctx.source, record, old, result.conflicts, taken_org_numbers=by_org
                    )
                    index(states[actor_id])
                describe(row, actor_id)
            else:
                actor_id = self._resolve(
                    key, wanted[key], states, (by_org, by_key, featured), apart.get(key, set()), result, writes
                )
                if actor_id is not None:
                    load(actor_id)
                if actor_id is not None and _not_civil(ctx, states.get(actor_id)):
                    result.not_civil.append(row.line)
                    actor_id = None
                if actor_id is not None and not claim_only(actor_id):
                    apply_record(
                        states[actor_id], key, ctx.source, record, None, result.conflicts, taken_org_numbers=by_org
                    )
                    index(states[actor_id])
                describe(row, actor_id)
            if actor_id and record.get("term_provenance"):
                for scheme, terms in record["term_provenance"].items():
                    provenance[actor_id].setdefault(scheme, {}).update(terms)
            if actor_id and ctx.kind == "members" and ctx.umbrella_id and actor_id != ctx.umbrella_id:
                member_of = record.get("member_of") or {}
                result.members.append(actor_id)
                pending = claim_only(actor_id)
                if pending:
                    result.pending.append(actor_id)
                writes.memberships.append(
                    {
                        "member": actor_id,
                        "umbrella": ctx.umbrella_id,
                        "since": member_of.get("since"),
                        "role": member_of.get("role"),
                        "source": ctx.source,
                        "status": MembershipStatus.PENDING if pending else MembershipStatus.CONFIRMED,
                    }
                )

        changed = [s for s in states.values() if s.changed]
        result.created = {s.id: s for s in changed if s.created}
        if dry_run:
            return result, writes
        writes.actors = [{**s.to_row(), **term_and_place_columns(s.props, provenance.get(s.id, {}))} for s in changed]
        for state in changed:
            row = audit_row(
                "actor.create" if state.created else "actor.update",
                state.id,
                state.before,
                _present(state.audit_view()) if state.created else state.audit_view(),
            )
            if row is not None:
                writes.audit.append(row)
        return result, writes

    def _resolve(
        self,
        key: str,
        found: resolve.Features,
        states: dict[str, ActorState],
        indexes: tuple[dict[str, str], dict[str, set[str]], dict[str, resolve.Features]],
        apart: set[str],
        result: _BatchResult,
        writes: _Writes,
    ) -> str | None:
        """The actor a new record describes (merged or created), or None when it waits for review.

        Every merge is kept as a judgement (a review item with status `merged`, its score and
        reasons), so a person can read why and undo it (`registry review undo`).
        """
        by_org, by_key, featured = indexes
        if found.org_number and found.org_number in by_org:
            result.statuses["merged"] += 1
            return by_org[found.org_number]
        ids = set().union(*(by_key.get(block, ()) for block in found.blocking_keys())) - apart
        match = resolve.best_match(found, [featured[i] for i in sorted(ids) if i in featured], source=self.ctx.source)
        if match and match.score >= resolve.MERGE_AT:
            result.statuses["merged"] += 1
            writes.reviews.append(_judgement(key, match, "merged"))
            return match.actor_id
        if match and match.score >= resolve.REVIEW_AT:
            result.statuses["queued"] += 1
            if self.ctx.kind == "members":
                result.keep.append(match.actor_id)
            writes.reviews.append(_judgement(key, match, None))
            return None
        actor_id = derived_id("actor", key)
        if actor_id not in states:
            states[actor_id] = ActorState.new(actor_id)
        result.statuses["created"] += 1
        return actor_id


# Candidates read per record: enough for every branch of a national organisation in a county.
CANDIDATES_PER_RECORD = 10


def _query(keys: list[str]) -> str:
    """A keyword full-text query matching any of the keys (each quoted whole)."""
    return " OR ".join('"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"' for k in keys)


def _placed(seen: dict[str, Any] | None) -> bool:
    """A known record that describes an actor or waits for review: resolution leaves it be."""
    return bool(seen and (seen["actor_id"] or seen["review_id"]))


def _contact_names(record: dict[str, Any]) -> list[str]:
    return [c["name"] for c in record.get("contacts") or [] if c.get("name")]


def _judgement(key: str, match: resolve.Match, status: str | None) -> dict[str, Any]:
    """A review item row: pending (status None) or an automatic merge (`merged`), with its reasons."""
    return {
        "id": derived_id("review", key),
        "record_key": key,
        "candidate": match.actor_id,
        "score": round(match.score, 1),
        "reasons": list(match.reasons),
        "status": status,
        "decided_by": "import" if status else None,
    }


NOT_CIVIL = (
    "matchar en offentlig eller privat aktör; en medlemslista ändrar bara civilsamhällets organisationer / "
    "matches a public or private actor; a member list changes civil-society organisations only"
)


def _not_civil(ctx: Context, state: ActorState | None) -> bool:
    """A member list speaks for an umbrella of associations: a row that matches, say, a municipality
    (by its organisation number) must neither enrol it nor fill in its fields. The umbrella could
    otherwise write to an actor it has no rights over."""
    if ctx.kind != "members" or state is None or state.created:
        return False
    return state.props.get("sector") not in (None, "civil")


def _claim_only(claims_only: bool, state: ActorState | None, actor_id: str, granted: frozenset[str]) -> bool:
    """An umbrella's own member list may write only to actors it created or already has rights over
    (a confirmed membership, `registry.dao.umbrellas.GRANTS`). Any other actor it names, another
    umbrella's member, say, gets nothing from the list (no org number, name, sector, e-mail or
    contact person): only a pending membership that an admin, a coordinator or the member confirms."""
    if not claims_only or (state is not None and state.created):
        return False
    return actor_id not in granted


def _present(view: dict[str, Any]) -> dict[str, Any]:
    """A new actor's audit record: the fields it has, not the empty ones."""
    return {k: v for k, v in view.items() if v not in (None, [], "")}


def env_batch_size() -> int:
    """REGISTRY_IMPORT_BATCH overrides the batch size (benchmarks and tests of interruption)."""
    try:
        return max(1, int(os.environ.get("REGISTRY_IMPORT_BATCH", DEFAULT_BATCH)))
    except ValueError:
        return DEFAULT_BATCH
