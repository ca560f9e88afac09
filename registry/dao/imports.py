"""Imports: source records, import runs, candidate lookups, the batch writes of importers and their audit events.

The static methods take the caller's transaction. A batch's lookup (`lookup`) runs in a read
transaction; its writes, audit events included, in one write transaction, so a batch is in the
graph completely or not at all, and an import that stopped midway can simply be run again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph_schema.contract import Label as L
from graph_schema.contract import MembershipStatus as S
from graph_schema.contract import Rel as R
from registry.dao.audit import changed_fields
from registry.dao.term_mirrors import term_mirrors
from registry.db import Graph
from registry.identity import Writer

_CANDIDATE: LiteralString = """a {
  .id, .name, .org_number, .municipality_code, .county_code, .website, .emails, .phones
} AS actor"""

_BY_ORG: LiteralString = f"""
UNWIND $org_numbers AS org
MATCH (a:{L.ACTOR} {{org_number: org}})
RETURN {_CANDIDATE}
"""

# What one batch needs to know, in one round trip: which of its records were imported before
# (their last hash and fields, the actor they describe, a pending review), and the current state
# of every actor its rows may describe: those known records' actors, actors with one of its
# organisation numbers, and actors with a row's name key in the row's county (resolution never
# matches across counties, so the rest of the country's namesakes are not even read).
_LOOKUP: LiteralString = f"""
CALL () {{
  UNWIND $keys AS key
  MATCH (s:{L.SOURCE_RECORD} {{key: key}})
  OPTIONAL MATCH (s)-[:{R.DESCRIBES}]->(a:{L.ACTOR})
  OPTIONAL MATCH (r:{L.REVIEW_ITEM} {{status: 'pending'}})-[:{R.CANDIDATE}]->(s)
  RETURN collect({{key: key, hash: s.hash, fields: s.fields, actor_id: a.id, review_id: r.id}}) AS known
}}
CALL () {{
  CALL () {{
    UNWIND $keys AS key
    MATCH (:{L.SOURCE_RECORD} {{key: key}})-[:{R.DESCRIBES}]->(a:{L.ACTOR})
    RETURN a
    UNION
    UNWIND $org_numbers AS org
    MATCH (a:{L.ACTOR} {{org_number: org}})
    RETURN a
    UNION
    UNWIND $blocks AS block
    MATCH (a:{L.ACTOR} {{name_key: block.name_key, county_code: block.county}})
    RETURN a
  }}
  RETURN collect({{
    id: a.id, props: [key IN $props | a[key]],
    active_in: [(a)-[:{R.ACTIVE_IN}]->(m:{L.MUNICIPALITY}) | m.code],
    interest_areas: [(a)-[:{R.WORKS_ON}]->(t:{L.INTEREST_AREA}) | t.id],
    target_groups: [(a)-[:{R.SERVES}]->(t:{L.TARGET_GROUP}) | t.id],
    contacts: [(a)-[:{R.HAS_CONTACT}]->(c:{L.CONTACT_PERSON}) | c {{.id, .name, .role, .email, .phone}}]
  }}) AS states
}}
RETURN known, states
"""

_STATES: LiteralString = f"""
UNWIND $ids AS id
MATCH (a:{L.ACTOR} {{id: id}})
RETURN a.id AS id, [key IN $props | a[key]] AS props,
  [(a)-[:{R.ACTIVE_IN}]->(m:{L.MUNICIPALITY}) | m.code] AS active_in,
  [(a)-[:{R.WORKS_ON}]->(t:{L.INTEREST_AREA}) | t.id] AS interest_areas,
  [(a)-[:{R.SERVES}]->(t:{L.TARGET_GROUP}) | t.id] AS target_groups,
  [(a)-[:{R.HAS_CONTACT}]->(c:{L.CONTACT_PERSON}) | c {{.id, .name, .role, .email, .phone}}] AS contacts
"""

# The import's locality-level point (importers.writes) replaces only a point that was derived too:
# one a person or a register gave (precision `address`, or none recorded) stays.
_DERIVED_POINT: LiteralString = """WITH a, row,
  (a.location IS NULL OR a.location_precision IN ['postal_code', 'locality', 'municipality']) AS derivable
SET a.location = CASE WHEN derivable THEN row.geo ELSE a.location END,
    a.location_precision = CASE WHEN derivable THEN row.geo_precision ELSE a.location_precision END,
    a.vocabulary_version = row.vocabulary_version
"""

# A term's provenance (importers.vocabulary.Provenance) is written on its WORKS_ON / SERVES
# relationship when the relationship is made, and replaced by a later import only while an import
# wrote it (it has a `how`): a term a person set through the API (no `how`) keeps having none.
_SET_PROVENANCE: LiteralString = """ON CREATE SET w.how = p.how, w.field = p.field, w.text = p.text, w.rule = p.rule
  ON MATCH SET w.how = CASE WHEN p IS NOT NULL AND w.how IS NOT NULL THEN p.how ELSE w.how END,
    w.field = CASE WHEN p IS NOT NULL AND w.how IS NOT NULL THEN p.field ELSE w.field END,
    w.text = CASE WHEN p IS NOT NULL AND w.how IS NOT NULL THEN p.text ELSE w.text END,
    w.rule = CASE WHEN p IS NOT NULL AND w.how IS NOT NULL THEN p.rule ELSE w.rule END"""

# Entity resolution's candidates beyond `_LOOKUP` are found in the importer's memory
# (importers.match_index), from every actor's `match_keys`: read once when an import first needs
# them, then only those of actors changed since the last look (`updated_at` is indexed).
_ALL_MATCH_KEYS: LiteralString = f"""
MATCH (a:{L.ACTOR}) WHERE a.match_keys IS NOT NULL
RETURN a.id AS id, a.match_keys AS keys
"""

_CHANGED_SINCE: LiteralString = f"""
MATCH (a:{L.ACTOR}) WHERE a.updated_at >= $since AND a.match_keys IS NOT NULL
RETURN a.id AS id, a.version AS version
"""

_MATCH_KEYS_OF: LiteralString = f"""
UNWIND $ids AS id
MATCH (a:{L.ACTOR} {{id: id}}) WHERE a.match_keys IS NOT NULL
RETURN a.id AS id, a.version AS version, a.match_keys AS keys
"""

_NOW: LiteralString = "RETURN datetime() AS now"

# What scoring reads of candidate actors, unless the importer kept their features from an earlier
# batch and the actor's version still stands (`row.version`, importers.batch.CandidateFeatures):
# only actors it has no features for at their version come back (rows cost more than the lookups).
# The importer reads the whole state of the few actors it merges into (`_STATES`).
_CANDIDATES: LiteralString = f"""
UNWIND $rows AS row
OPTIONAL MATCH (a:{L.ACTOR} {{id: row.id}})
WITH row, a WHERE a IS NULL OR row.version IS NULL OR a.version <> row.version
RETURN row.id AS id, a IS NULL AS gone, a.version AS version, a {{
  .name, .org_number, .municipality_code, .locality, .emails, .phones, .website, .sources, .sector
}} AS props,
  [(a)-[:{R.ACTIVE_IN}]->(m:{L.MUNICIPALITY}) | m.code] AS active_in,
  [(a)-[:{R.HAS_CONTACT}]->(c:{L.CONTACT_PERSON}) | c.name] AS contact_names
"""

# Another import that ran since the importer last looked (still running, or finished since): its
# actors' keys are read then (`_CHANGED_SINCE`); with none, a batch reads nothing more.
_OTHER_RUNS: LiteralString = f"""
MATCH (r:{L.IMPORT_RUN})
WHERE r.id <> $run AND (r.status = 'running' OR r.finished_at >= $since)
RETURN count(r) > 0 AS others
"""

# Negative judgements: the actors a person (or an undo) said these records are not.
_JUDGED_APART: LiteralString = f"""
UNWIND $keys AS key
MATCH (s:{L.SOURCE_RECORD} {{key: key}})<-[:{R.CANDIDATE}]-(r:{L.REVIEW_ITEM} {{status: 'rejected'}})
MATCH (r)-[:{R.CANDIDATE}]->(a:{L.ACTOR})
RETURN key, collect(DISTINCT a.id) AS actors
"""

_WITHOUT_MATCH_KEYS: LiteralString = f"""
MATCH (a:{L.ACTOR}) WHERE a.match_keys IS NULL AND a.name IS NOT NULL
RETURN a.id AS id, a {{.name, .municipality_code, .locality, .emails, .phones, .website}} AS props LIMIT 5000
"""

_SET_MATCH_KEYS: LiteralString = f"""
UNWIND $rows AS row
MATCH (a:{L.ACTOR} {{id: row.id}})
SET a.match_keys = row.match_keys
"""

# The actor's importer-managed properties are set from the row (a null removes one), and each
# relationship list is made to match the row exactly: the merge rule (importers.merge) has
# already kept what other sources and people added. New actors have nothing to remove, so
# their write skips the removals.
_ACTOR_HEAD: LiteralString = f"""
UNWIND $rows AS row
MERGE (a:{L.ACTOR} {{id: row.id}})
ON CREATE SET a.created_at = datetime(), a.version = 0, a.archived = false
SET a += row.props, a.updated_at = datetime(), a.version = a.version + 1
WITH a, row
{_DERIVED_POINT}WITH a, row
"""


def _drop_links(rel: LiteralString, node: LiteralString, gone: LiteralString) -> LiteralString:
    """The actor's `rel` links to the nodes (`node`, a pattern naming the node m or t) that `gone` says
    the row no longer has, deleted."""
    return f"""
CALL (a, row) {{
  OPTIONAL MATCH (a)-[old:{rel}]->({node})
  WITH old, {node[0]} WHERE {gone}
  DELETE old
}}"""


_ACTOR_REMOVALS: LiteralString = (
    _drop_links(R.LOCATED_IN, f"m:{L.MUNICIPALITY}", "m.code <> row.seat")
    + _drop_links(R.ACTIVE_IN, f"m:{L.MUNICIPALITY}", "NOT m.code IN row.active_in")
    + _drop_links(R.WORKS_ON, f"t:{L.INTEREST_AREA}", "NOT t.id IN row.interest_areas")
    + _drop_links(R.SERVES, f"t:{L.TARGET_GROUP}", "NOT t.id IN row.target_groups")
    + f"""
CALL (a, row) {{
  UNWIND row.removed_contacts AS cid
  MATCH (a)-[:{R.HAS_CONTACT}]->(c:{L.CONTACT_PERSON} {{id: cid}})
  DETACH DELETE c
}}
"""
)


def _merge_terms(
    rel: LiteralString, label: LiteralString, field: LiteralString, provenance: LiteralString
) -> LiteralString:
    """The actor linked to the terms in `row.<field>`, each link with its provenance from `row.<provenance>`."""
    return f"""CALL (a, row) {{
  UNWIND row.{field} AS term
  MATCH (t:{label} {{id: term}})
  WITH a, t, row.{provenance}[term] AS p
  MERGE (a)-[w:{rel}]->(t)
  {_SET_PROVENANCE}
}}"""


_ACTOR_LINKS: LiteralString = f"""
CALL (a, row) {{
  MATCH (m:{L.MUNICIPALITY} {{code: row.seat}})
  MERGE (a)-[:{R.LOCATED_IN}]->(m)
}}
CALL (a, row) {{
  UNWIND row.active_in AS code
  MATCH (m:{L.MUNICIPALITY} {{code: code}})
  MERGE (a)-[:{R.ACTIVE_IN}]->(m)
}}
{_merge_terms(R.WORKS_ON, L.INTEREST_AREA, "interest_areas", "area_provenance")}
{_merge_terms(R.SERVES, L.TARGET_GROUP, "target_groups", "group_provenance")}
CALL (a, row) {{
  UNWIND row.contacts AS contact
  MERGE (c:{L.CONTACT_PERSON} {{id: contact.id}})
  SET c += contact
  MERGE (a)-[:{R.HAS_CONTACT}]->(c)
}}
{term_mirrors("a")}"""

# An updated actor's new version (a new one's is 1): the importer keeps its features by it.
_WRITTEN: LiteralString = "RETURN a.id AS id, a.version AS version"

_CREATE_ACTORS: LiteralString = _ACTOR_HEAD + _ACTOR_LINKS
_UPDATE_ACTORS: LiteralString = _ACTOR_HEAD + _ACTOR_REMOVALS + _ACTOR_LINKS + _WRITTEN

# A record's last version, the run that wrote it, and the actor it describes (none while it
# waits for review). Records seen before first lose their old run and actor links.
_RECORD_HEAD: LiteralString = f"""
MATCH (run:{L.IMPORT_RUN} {{id: $run}})
UNWIND $rows AS row
MERGE (s:{L.SOURCE_RECORD} {{key: row.key}})
SET s.source = row.source, s.record_id = row.record_id, s.fields = row.fields, s.hash = row.hash,
    s.imported_at = datetime()
WITH s, row, run
"""

_RECORD_UNLINK: LiteralString = f"""
CALL (s) {{
  OPTIONAL MATCH (s)-[old:{R.FROM_RUN}]->(:{L.IMPORT_RUN})
  DELETE old
}}
CALL (s, row) {{
  OPTIONAL MATCH (s)-[old:{R.DESCRIBES}]->(x:{L.ACTOR})
  WITH old, x WHERE row.actor_id IS NULL OR x.id <> row.actor_id
  DELETE old
}}
"""

_RECORD_LINK: LiteralString = f"""
MERGE (s)-[:{R.FROM_RUN}]->(run)
WITH s, row
CALL (s, row) {{
  MATCH (a:{L.ACTOR} {{id: row.actor_id}})
  MERGE (s)-[:{R.DESCRIBES}]->(a)
}}
"""

_CREATE_RECORDS: LiteralString = _RECORD_HEAD + _RECORD_LINK
_UPDATE_RECORDS: LiteralString = _RECORD_HEAD + _RECORD_UNLINK + _RECORD_LINK

_WRITE_REVIEWS: LiteralString = f"""
UNWIND $rows AS row
MATCH (s:{L.SOURCE_RECORD} {{key: row.record_key}}), (a:{L.ACTOR} {{id: row.candidate}})
MERGE (r:{L.REVIEW_ITEM} {{id: row.id}})
ON CREATE SET r.created_at = datetime()
SET r.status = coalesce(row.status, 'pending'), r.score = row.score, r.reasons = row.reasons,
    r.decided_at = CASE WHEN row.status IS NULL THEN null ELSE datetime() END, r.decided_by = row.decided_by
WITH r, s, a
CALL (r) {{
  OPTIONAL MATCH (r)-[old:{R.CANDIDATE}|{R.FROM_RUN}]->()
  DELETE old
}}
MERGE (r)-[:{R.CANDIDATE}]->(s)
MERGE (r)-[:{R.CANDIDATE}]->(a)
WITH r
MATCH (run:{L.IMPORT_RUN} {{id: $run}})
MERGE (r)-[:{R.FROM_RUN}]->(run)
"""

# A member list confirms memberships: re-listed members get an ended membership back; a list
# without a since-date or role keeps the one the membership already has. Each change comes back
# with the membership before and after it, for the audit trail. `row.status` is `confirmed` (an
# admin's list, a reviewer's decision, or an umbrella's list about its confirmed members; absent
# means the same) or `pending` (an umbrella's claim): a pending row opens a new or ended membership
# as pending and leaves the status of an open one as it is.
_WRITE_MEMBERSHIPS: LiteralString = f"""
UNWIND $rows AS row
MATCH (m:{L.ACTOR} {{id: row.member}}), (u:{L.ACTOR} {{id: row.umbrella}})
MERGE (m)-[r:{R.MEMBER_OF}]->(u)
WITH r, row, coalesce(row.since, r.since) AS since, coalesce(row.role, r.role) AS role,
     r {{.since, .role, .until, .source, .status}} AS before,
     CASE WHEN coalesce(row.status, '{S.CONFIRMED}') = '{S.CONFIRMED}' THEN '{S.CONFIRMED}'
          WHEN r.until IS NULL AND r.source IS NOT NULL THEN r.status
          ELSE '{S.PENDING}' END AS status
WHERE r.until IS NOT NULL OR r.source IS NULL OR r.source <> row.source
   OR coalesce(r.since, '') <> coalesce(since, '') OR coalesce(r.role, '') <> coalesce(role, '')
   OR coalesce(r.status, '{S.CONFIRMED}') <> coalesce(status, '{S.CONFIRMED}')
SET r.since = since, r.role = role, r.source = row.source, r.until = null, r.status = status
RETURN row.member AS member, row.umbrella AS umbrella, before, r {{.since, .role, .until, .source, .status}} AS after
"""

_OPEN_MEMBERS: LiteralString = f"""
MATCH (m:{L.ACTOR})-[r:{R.MEMBER_OF}]->(:{L.ACTOR} {{id: $umbrella}})
WHERE r.until IS NULL AND NOT m.id IN $keep
RETURN count(r) AS n
"""

_END_MEMBERSHIPS: LiteralString = f"""
MATCH (m:{L.ACTOR})-[r:{R.MEMBER_OF}]->(:{L.ACTOR} {{id: $umbrella}})
WHERE r.until IS NULL AND NOT m.id IN $keep
WITH m, r, r {{.since, .role, .until, .source}} AS before
SET r.until = $today
RETURN m.id AS member, before, r {{.since, .role, .until, .source}} AS after
"""

_START_RUN: LiteralString = f"""
CREATE (r:{L.IMPORT_RUN} {{id: $id}})
SET r.source = $source, r.kind = $kind, r.file = $file, r.status = 'running', r.started_at = datetime()
"""

# Runs of a source still 'running' when an import of that source holds its lock: their process
# died (a kill, a crash, the database gone) before it could say so.
_INTERRUPT_STALE_RUNS: LiteralString = f"""
MATCH (r:{L.IMPORT_RUN} {{source: $source, status: 'running'}})
SET r.status = 'interrupted', r.finished_at = datetime()
RETURN r.id AS id
"""

_TAKE_LOCK: LiteralString = f"""
MERGE (l:{L.IMPORT_LOCK} {{source: $source}})
SET l.run_id = $run_id
"""

_FINISH_RUN: LiteralString = f"""
MATCH (r:{L.IMPORT_RUN} {{id: $id}})
SET r.status = $status, r.finished_at = datetime(), r.report = $report
"""

_WITHOUT_NAME_KEY: LiteralString = f"""
MATCH (a:{L.ACTOR}) WHERE a.name_key IS NULL AND a.name IS NOT NULL
RETURN a.id AS id, a.name AS name LIMIT 5000
"""

_SET_NAME_KEY: LiteralString = f"""
UNWIND $rows AS row
MATCH (a:{L.ACTOR} {{id: row.id}})
SET a.name_key = row.name_key
"""

_ERASED_HASHES: LiteralString = f"MATCH (e:{L.ERASED_CONTACT}) RETURN e.hash AS hash"

# Audit events of a batch, in its transaction: the shape `registry.dao.audit.record_audit` writes,
# with the import run beside it; each event is ABOUT its subject and any further actors it names.
_WRITE_AUDIT: LiteralString = f"""
UNWIND $rows AS row
CREATE (e:{L.AUDIT_EVENT} {{
  id: row.id, at: datetime(), channel: $channel, action: row.action,
  token_id: $token_id, role: $role, actor_id: $actor_id, by: $by,
  subject_label: $subject_label, subject_id: row.subject_id, before: row.before, after: row.after, run_id: $run
}})
WITH e, row
UNWIND row.about AS about
MATCH (a:{L.ACTOR} {{id: about}})
CREATE (e)-[:{R.ABOUT}]->(a)
"""

_TAXONOMY_IDS: LiteralString = f"""
CALL () {{ MATCH (t:{L.INTEREST_AREA}) RETURN collect(t.id) AS areas }}
CALL () {{ MATCH (t:{L.TARGET_GROUP}) RETURN collect(t.id) AS groups }}
RETURN areas, groups
"""

_UMBRELLA_BY_ID: LiteralString = f"""
MATCH (a:{L.ACTOR} {{id: $value}}) RETURN a.id AS id, a.name AS name, a.municipality_code AS municipality_code
"""
_UMBRELLA_BY_ORG: LiteralString = f"""
MATCH (a:{L.ACTOR} {{org_number: $value}})
RETURN a.id AS id, a.name AS name, a.municipality_code AS municipality_code
"""


# -- import identity (importers.identity, importers.engine._check_binding) -----------------------
_SOURCE_BINDING: LiteralString = f"""
MATCH (s:{L.IMPORT_SOURCE} {{name: $name}})
RETURN s {{.name, .kind, .format, .municipality}} AS binding
"""

# Bound on the first import; a later one fills in what the first could not say (a municipality),
# and --rebind-source (checked by the caller) replaces it.
_BIND_SOURCE: LiteralString = f"""
MERGE (s:{L.IMPORT_SOURCE} {{name: $name}})
ON CREATE SET s.bound_at = datetime()
WITH s, s.format IS NOT NULL AND (s.format <> $format OR coalesce(s.municipality, $municipality) <> $municipality)
     AS rebound
SET s.kind = $kind, s.format = $format, s.municipality = coalesce($municipality, s.municipality),
    s.rebound_at = CASE WHEN rebound THEN datetime() ELSE s.rebound_at END
"""

# The source's records without a register id (their keys hold `~`), a page at a time, by key order.
_RECORD_KEYS: LiteralString = f"""
MATCH (s:{L.SOURCE_RECORD}) WHERE s.key STARTS WITH $prefix AND s.key > $after
RETURN s.key AS key ORDER BY key LIMIT $limit
"""

_RECORDS: LiteralString = f"""
UNWIND $keys AS key
MATCH (s:{L.SOURCE_RECORD} {{key: key}})
OPTIONAL MATCH (s)-[:{R.DESCRIBES}]->(a:{L.ACTOR})
RETURN s.key AS key, s.fields AS fields, a.id AS actor_id
"""

# A row that may be a renamed club: its record waits for review beside the earlier record's actor.
# The record has no hash yet, so its batch finds it changed and waiting, and writes its fields.
_QUEUE_RENAMES: LiteralString = f"""
UNWIND $rows AS row
MATCH (a:{L.ACTOR} {{id: row.candidate}})
MERGE (s:{L.SOURCE_RECORD} {{key: row.key}})
ON CREATE SET s.source = row.source, s.hash = '', s.imported_at = datetime()
MERGE (r:{L.REVIEW_ITEM} {{id: row.id}})
ON CREATE SET r.created_at = datetime()
SET r.status = 'pending', r.score = row.score, r.reasons = row.reasons, r.decided_at = null,
    r.previous_key = row.previous_key
MERGE (r)-[:{R.CANDIDATE}]->(s)
MERGE (r)-[:{R.CANDIDATE}]->(a)
"""


def _with_props(state: dict[str, Any], props: Sequence[str]) -> dict[str, Any]:
    """A state row whose `props` came back as a list of values in the order of `props`, as a map."""
    return {**state, "props": dict(zip(props, state["props"], strict=True))}


class ImportLock:
    """Held while an import of one source writes, so that a second import of it waits until the
    first has ended (and then finds its rows unchanged, auditing nothing twice).

    The lock is a transaction of its own that merges the source's ImportLock node and stays open:
    the node's unique constraint makes a second merge wait, and the transaction is rolled back at
    the end, so the node is never committed. A killed process's connection closes and Neo4j rolls
    its transaction back: a lock never outlives its import, and needs no expiry.
    """

    def __init__(self, graph: Graph, source: str, run_id: str) -> None:
        self.graph = graph
        self.source = source
        self.run_id = run_id

    def __enter__(self) -> ImportLock:
        self.session = self.graph.driver.session(database=self.graph.database)
        try:
            self.tx = self.session.begin_transaction()
            self.tx.run(_TAKE_LOCK, source=self.source, run_id=self.run_id).consume()
        except BaseException:
            self.session.close()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        try:
            self.tx.rollback()
        finally:
            self.session.close()


class ImportDao:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    # -- before a run -------------------------------------------------------------------
    def backfill_name_keys(self, key: Any) -> int:
        """Gives actors written elsewhere (the API, the demo) the name key resolution looks them up by."""
        total = 0
        while rows := self.graph.read(_WITHOUT_NAME_KEY):
            self.graph.write(_SET_NAME_KEY, rows=[{"id": r["id"], "name_key": key(r["name"])} for r in rows])
            total += len(rows)
        return total

    def backfill_match_keys(self, keys: Any) -> int:
        """Gives actors written elsewhere (the API, the demo) the blocking keys resolution finds them by."""
        total = 0
        while rows := self.graph.read(_WITHOUT_MATCH_KEYS):
            self.graph.write(_SET_MATCH_KEYS, rows=[{"id": r["id"], "match_keys": keys(r["props"])} for r in rows])
            total += len(rows)
        return total

    def taxonomy_ids(self) -> tuple[set[str], set[str]]:
        row = self.graph.read_one(_TAXONOMY_IDS)
        assert row is not None
        return set(row["areas"]), set(row["groups"])

    def umbrella(self, id_or_org_number: str, *, by_org_number: bool) -> dict[str, Any] | None:
        query = _UMBRELLA_BY_ORG if by_org_number else _UMBRELLA_BY_ID
        return self.graph.read_one(query, value=id_or_org_number)

    def erased_hashes(self) -> frozenset[str]:
        """The keyed hashes of erased people (`registry.erasure`): few, so one import holds them all."""
        return frozenset(r["hash"] for r in self.graph.read(_ERASED_HASHES))

    def source_binding(self, name: str) -> dict[str, Any] | None:
        """The register a source name is bound to (format, municipality), or None before its first import."""
        row = self.graph.read_one(_SOURCE_BINDING, name=name)
        return row["binding"] if row else None

    def bind_source(self, name: str, *, kind: str, format: str | None, municipality: str | None) -> None:
        self.graph.write(_BIND_SOURCE, name=name, kind=kind, format=format, municipality=municipality)

    def record_keys(self, prefix: str, after: str, limit: int) -> list[str]:
        """Keys of source records starting with `prefix`, after `after` in key order (paging)."""
        return [r["key"] for r in self.graph.read(_RECORD_KEYS, prefix=prefix, after=after, limit=limit)]

    def records(self, keys: list[str]) -> list[dict[str, Any]]:
        """These source records' fields (JSON text) and the actor each describes."""
        return self.graph.read(_RECORDS, keys=keys) if keys else []

    def queue_renames(self, rows: list[dict[str, Any]]) -> None:
        """Review items for rows that may continue an earlier record (importers.identity.Renames)."""
        if rows:
            self.graph.write(_QUEUE_RENAMES, rows=rows)

    def start_run(self, run_id: str, *, source: str, kind: str, file: str) -> None:
        self.graph.write(_START_RUN, id=run_id, source=source, kind=kind, file=file)

    def interrupt_stale_runs(self, source: str) -> list[str]:
        """Marks the source's runs left 'running' as 'interrupted'; call it holding the source's
        `ImportLock`, which no live run of the source then holds. Returns their ids."""
        return [r["id"] for r in self.graph.write(_INTERRUPT_STALE_RUNS, source=source)]

    def finish_run(self, run_id: str, *, status: str, report: str) -> None:
        self.graph.write(_FINISH_RUN, id=run_id, status=status, report=report)

    # -- inside a batch's transaction -------------------------------------------------------
    @staticmethod
    def lookup(
        tx: ManagedTransaction,
        keys: list[str],
        org_numbers: list[str],
        blocks: list[dict[str, str | None]],
        props: Sequence[str],
    ) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        """One batch's known records (by key) and candidate actors' states (`_STATES` rows).

        `blocks` are the rows' `{name_key, county}` pairs; `props` the actor properties the caller
        decides on, the only ones read: `properties(a)` also shipped created_at/updated_at (slow
        DateTime hydration in the driver), the location and the long derived search texts.
        """
        row = tx.run(_LOOKUP, keys=keys, org_numbers=org_numbers, blocks=blocks, props=list(props)).single(strict=True)
        return {k["key"]: k for k in row["known"]}, [_with_props(state, props) for state in row["states"]]

    def read_match_keys(self, start: Callable[[], None], each: Callable[[str, list[str]], None]) -> Any:
        """Streams every actor's `match_keys` to `each` (after `start`, called again if the read is
        retried); returns the server's time before the read."""

        def work(tx: ManagedTransaction) -> Any:
            start()
            now = tx.run(_NOW).single(strict=True)["now"]
            for row in tx.run(_ALL_MATCH_KEYS):
                each(row["id"], row["keys"])
            return now

        return self.graph.read_tx(work)

    def match_keys_since(
        self, since: Any, margin_seconds: int, run_id: str | None, known: Callable[[str, int | None], bool]
    ) -> tuple[list[tuple[str, int | None, list[str]]], Any]:
        """If an import other than `run_id` ran since `since`: the keys of the actors updated from
        `margin_seconds` before `since` on that `known` does not know at their version. And the
        server's time before the read."""

        def work(tx: ManagedTransaction) -> tuple[list[tuple[str, int | None, list[str]]], Any]:
            now = tx.run(_NOW).single(strict=True)["now"]
            others = tx.run(_OTHER_RUNS, run=run_id or "", since=since).single(strict=True)["others"]
            if not others:
                return [], now
            changed = tx.run(_CHANGED_SINCE, since=since - timedelta(seconds=margin_seconds))
            ids = [r["id"] for r in changed if not known(r["id"], r["version"])]
            rows = [(r["id"], r["version"], r["keys"]) for r in tx.run(_MATCH_KEYS_OF, ids=ids)] if ids else []
            return rows, now

        return self.graph.read_tx(work)

    @staticmethod
    def candidates(tx: ManagedTransaction, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """What scoring reads of candidate actors (`rows`: `id`, and the `version` whose features the
        caller kept, or None): only those whose version is not the kept one come back, and those
        the graph no longer has (`gone`)."""
        if not rows:
            return []
        return [r.data() for r in tx.run(_CANDIDATES, rows=rows)]

    @staticmethod
    def judged_apart(tx: ManagedTransaction, keys: list[str]) -> dict[str, set[str]]:
        """For each record key, the actors a negative judgement keeps it apart from."""
        if not keys:
            return {}
        return {r["key"]: set(r["actors"]) for r in tx.run(_JUDGED_APART, keys=keys)}

    @staticmethod
    def candidates_by_org_number(tx: ManagedTransaction, org_numbers: list[str]) -> list[dict[str, Any]]:
        return [r["actor"] for r in tx.run(_BY_ORG, org_numbers=org_numbers)] if org_numbers else []

    @staticmethod
    def actor_states(tx: ManagedTransaction, ids: list[str], props: Sequence[str]) -> list[dict[str, Any]]:
        """The `_STATES` rows of these actors, with the properties named in `props` (see `lookup`)."""
        if not ids:
            return []
        return [_with_props(r.data(), props) for r in tx.run(_STATES, ids=ids, props=list(props))]

    @staticmethod
    def write_actors(tx: ManagedTransaction, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Actor rows from `importers.merge.ActorState.to_row`; those with `created` skip the removals.
        Returns each actor's new version."""
        created = [r for r in rows if r["created"]]
        existing = [r for r in rows if not r["created"]]
        # A new actor's version is 1 (`_ACTOR_HEAD`): no row comes back for it.
        versions = {r["id"]: 1 for r in created}
        if created:
            tx.run(_CREATE_ACTORS, rows=created).consume()
        if existing:
            versions.update((r["id"], r["version"]) for r in tx.run(_UPDATE_ACTORS, rows=existing))
        return versions

    @staticmethod
    def write_records(tx: ManagedTransaction, run_id: str, rows: list[dict[str, Any]]) -> None:
        """Source-record rows; `known` ones (written by an earlier run) are relinked."""
        new = [r for r in rows if not r["known"]]
        known = [r for r in rows if r["known"]]
        if new:
            tx.run(_CREATE_RECORDS, rows=new, run=run_id).consume()
        if known:
            tx.run(_UPDATE_RECORDS, rows=known, run=run_id).consume()

    @staticmethod
    def write_reviews(tx: ManagedTransaction, run_id: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            tx.run(_WRITE_REVIEWS, rows=rows, run=run_id).consume()

    @staticmethod
    def write_memberships(tx: ManagedTransaction, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Writes memberships; returns those that changed: member, umbrella, before and after."""
        if not rows:
            return []
        return [r.data() for r in tx.run(_WRITE_MEMBERSHIPS, rows=rows)]

    @staticmethod
    def write_audit(
        tx: ManagedTransaction,
        writer: Writer,
        run_id: str | None,
        rows: list[dict[str, Any]],
    ) -> None:
        """Audit events of import writes (`writer` names who and through which channel), one statement per batch.

        Each row: `id`, `action`, `subject_id` (an actor), `before`/`after` (JSON texts of the
        changed fields, as `registry.dao.audit.changed_fields` keeps them) and `about` (the
        subject and any further actors whose history shows the event).
        """
        if rows:
            tx.run(
                _WRITE_AUDIT,
                rows=rows,
                channel=str(writer.channel),
                token_id=writer.principal.token_id,
                role=str(writer.principal.role),
                actor_id=writer.principal.actor_id,
                by=writer.principal.name,
                subject_label=L.ACTOR,
                run=run_id,
            ).consume()

    # -- after the batches ------------------------------------------------------------------
    def end_memberships(
        self,
        umbrella_id: str,
        keep: list[str],
        today: str,
        *,
        dry_run: bool,
        writer: Writer,
        run_id: str | None = None,
    ) -> int:
        """Ends (never deletes) open memberships of members not in `keep`; returns how many. Each
        ended membership gets its audit event, naming `writer`, in the same transaction."""
        if dry_run:
            row = self.graph.read_one(_OPEN_MEMBERS, umbrella=umbrella_id, keep=keep)
            return int(row["n"]) if row else 0

        def work(tx: ManagedTransaction) -> int:
            ended = [r.data() for r in tx.run(_END_MEMBERSHIPS, umbrella=umbrella_id, keep=keep, today=today)]
            rows = [{**r, "umbrella": umbrella_id} for r in ended]
            self.write_audit(tx, writer, run_id, membership_audit_rows(rows))
            return len(ended)

        return self.graph.write_tx(work)


def _json(value: Mapping[str, Any] | None) -> str | None:
    # As registry.dao.audit stores before/after, so the history reads import events like any other.
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def audit_row(
    action: str,
    subject_id: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    also_about: Iterable[str] = (),
) -> dict[str, Any] | None:
    """One row for `ImportDao.write_audit`: the changed fields only; None when nothing changed."""
    old, new = changed_fields(before, after)
    if before is not None and after is not None and not old and not new:
        return None
    return {
        "id": str(uuid.uuid4()),
        "action": action,
        "subject_id": subject_id,
        "before": _json(old),
        "after": _json(new),
        "about": [subject_id, *(i for i in also_about if i != subject_id)],
    }


def membership_audit_rows(changes: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Audit rows for membership changes as `write_memberships` and `end_memberships` return them,
    with the actions the umbrella API records (`membership.add`, `.update`, `.end`)."""
    rows: list[dict[str, Any]] = []
    for change in changes:
        before = {k: v for k, v in (change.get("before") or {}).items() if v is not None}
        after = {k: v for k, v in (change.get("after") or {}).items() if v is not None}
        if not before:
            action = "membership.add"
        elif after.get("until") and not before.get("until"):
            action = "membership.end"
        else:
            action = "membership.update"
        umbrella = change["umbrella"]
        row = audit_row(
            action,
            change["member"],
            {"umbrella_id": umbrella, **before} if before else None,
            {"umbrella_id": umbrella, **after},
            also_about=[umbrella],
        )
        if row is not None:
            rows.append(row)
    return rows
