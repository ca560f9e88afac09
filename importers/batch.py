"""Batch resolution: each batch of spooled rows is resolved against the graph (its known records and
every candidate actor's state, in one lookup) and the rows before it, into the writes to make; the
import (`importers.engine`) writes them in the same transaction.

Every merge is kept as a judgement (a review item), a member list's rows change civil-society actors
only, and an umbrella's own list changes only actors it has rights over (`_claim_only`)."""

from __future__ import annotations

import json
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

from neo4j import ManagedTransaction

from graph_schema.contract import MembershipStatus
from importers import resolve
from importers.match_index import MatchIndex
from importers.merge import STATE_PROPS, ActorState, apply_record, county_of
from importers.records import Context, derived_id
from importers.spool import SpooledRow
from importers.writes import term_and_place_columns
from registry.dao.imports import ImportDao, audit_row
from registry.dao.umbrellas import granted_among
from registry.domain import normalize


class BatchOwner(Protocol):
    """What a batch needs of the import it belongs to (`importers.engine`)."""

    dao: ImportDao
    claims_only: bool
    # Dry runs write nothing: actors earlier batches would have created, by id and by name key / "#" + org number.
    planned: dict[str, ActorState]
    planned_keys: dict[str, set[str]]
    candidate_features: CandidateFeatures
    match_index: MatchIndex

    @property
    def run_id(self) -> str | None:
        """The import's run (None in a dry run): other imports' new actors are read while it runs."""
        ...

    @property
    def dry_run(self) -> bool: ...

    def write_batch(self, tx: ManagedTransaction, writes: Writes) -> tuple[int, dict[str, int]]:
        """Writes the batch; returns how many memberships changed and each written actor's version."""
        ...


class CandidateFeatures:
    """Candidate actors' features, kept over an import's batches while their version stands.

    The same candidates come back batch after batch (every club of a common name word in a
    county): reading and featurising them anew each time was about half the importer's own work at
    250,000 rows. An actor's version changes with every write to it, so a kept entry is used only
    while the graph still holds that version (one read says which); the import's own writes are kept
    at the version their write returned. Bounded, least recently used going first: an entry is
    about 3 KB, so 20,000 keep the import's memory within some 60 MB more.
    """

    def __init__(self, size: int = 20_000):
        self.size = size
        self._kept: OrderedDict[str, tuple[int, resolve.Features]] = OrderedDict()

    def read(self, tx: ManagedTransaction, dao: ImportDao, ids: list[str]) -> dict[str, resolve.Features]:
        """The features of the actors `ids` the graph holds: the kept ones whose version stands, the
        others read."""
        had = {i: self._kept[i] for i in ids if i in self._kept}
        rows = [{"id": i, "version": had[i][0] if i in had else None} for i in ids]
        read = {row["id"]: row for row in dao.candidates(tx, rows)}
        out: dict[str, resolve.Features] = {}
        for actor_id in ids:
            row = read.get(actor_id)
            if row is None:  # kept, and its version stands
                version, features = had[actor_id]
                out[actor_id] = features
                self.keep(actor_id, version, features)
                continue
            if row["gone"]:
                self._kept.pop(actor_id, None)
                continue
            features = resolve.features(actor_id, row["props"], row["contact_names"], row["active_in"])
            out[actor_id] = features
            if row["version"] is not None:
                self.keep(actor_id, row["version"], features)
        return out

    def keep(self, actor_id: str, version: int, features: resolve.Features) -> None:
        """Keeps an actor's features at this version (the import's own writes, after their commit)."""
        self._kept[actor_id] = (version, features)
        self._kept.move_to_end(actor_id)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)


@dataclass
class BatchResult:
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
    # Each written actor's blocking keys and features, and (once written) its new version: the
    # import keeps them for later batches after the commit (`MatchIndex.wrote`, `CandidateFeatures.keep`).
    written: dict[str, resolve.Features] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)


@dataclass
class Writes:
    """One resolved batch's writes, as parameters; written by `BatchOwner.write_batch` in one transaction."""

    number: int
    actors: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)


class Batch:
    """One batch: resolve every row against the graph (and the rows before it) into the writes to make."""

    def __init__(self, owner: BatchOwner, ctx: Context, rows: list[SpooledRow], number: int):
        self.owner = owner
        self.ctx = ctx
        self.rows = rows
        self.number = number

    def run(self, tx: ManagedTransaction) -> BatchResult:
        """Resolves and writes the batch in one transaction."""
        result, writes = self.resolve(tx)
        result.memberships_changed, result.versions = self.owner.write_batch(tx, writes)
        return result

    def resolve(self, tx: ManagedTransaction) -> tuple[BatchResult, Writes]:
        # Runs again from the start if the driver retries the transaction: no state outside `result`
        # but the owner's kept candidate features, read before this batch writes and valid by version.
        owner, ctx, dao = self.owner, self.ctx, self.owner.dao
        dry_run = owner.dry_run
        result = BatchResult()
        writes = Writes(self.number)
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
        found_ids: set[str] = set()
        if wanted:
            owner.match_index.load(dao, owner.run_id)
            for ids in owner.match_index.candidates(
                [f.blocking_keys() for f in wanted.values()], CANDIDATES_PER_RECORD
            ):
                found_ids.update(ids)
        candidates = owner.candidate_features.read(tx, dao, sorted(found_ids - states.keys()))
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
        for candidate_id, found in candidates.items():
            featured[candidate_id] = found
            for block in found.blocking_keys():
                by_key[block].add(candidate_id)
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

        def describe(row: SpooledRow, actor_id: str | None) -> None:
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
        for s in changed:
            if s.props.get("name") and s.id in featured:
                result.written[s.id] = featured[s.id]
        writes.actors = [
            {
                **s.to_row(result.written[s.id].blocking_keys() if s.id in result.written else None),
                **term_and_place_columns(s.props, provenance.get(s.id, {})),
            }
            for s in changed
        ]
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
        result: BatchResult,
        writes: Writes,
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
