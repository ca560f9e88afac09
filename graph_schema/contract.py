"""The graph's contract: every node label, relationship type and property name, in one place.

Other packages import these constants and put them into Cypher; they never spell a label or
a relationship type themselves. Each constant is `Final` with a literal value, so a type
checker sees an f-string built only from them as a `LiteralString`, while anything built from
input is a plain `str` and fails the build where the driver wants a `LiteralString`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final


class Label:
    """Node labels."""

    ACTOR: Final = "Actor"
    MUNICIPALITY: Final = "Municipality"
    COUNTY: Final = "County"
    INTEREST_AREA: Final = "InterestArea"
    TARGET_GROUP: Final = "TargetGroup"
    CONTACT_PERSON: Final = "ContactPerson"
    AGREEMENT: Final = "Agreement"
    ARENA: Final = "Arena"
    MEETING: Final = "Meeting"
    CHALLENGE: Final = "Challenge"
    SOURCE_RECORD: Final = "SourceRecord"
    IMPORT_RUN: Final = "ImportRun"
    IMPORT_LOCK: Final = "ImportLock"
    IMPORT_SOURCE: Final = "ImportSource"
    REVIEW_ITEM: Final = "ReviewItem"
    API_TOKEN: Final = "ApiToken"  # noqa: S105 (a label, not a secret)
    AUDIT_EVENT: Final = "AuditEvent"
    ERASED_CONTACT: Final = "ErasedContact"
    SCHEMA_MIGRATION: Final = "SchemaMigration"


class Rel:
    """Relationship types."""

    LOCATED_IN: Final = "LOCATED_IN"
    ACTIVE_IN: Final = "ACTIVE_IN"
    IN_COUNTY: Final = "IN_COUNTY"
    WORKS_ON: Final = "WORKS_ON"
    SERVES: Final = "SERVES"
    BROADER: Final = "BROADER"
    HAS_CONTACT: Final = "HAS_CONTACT"
    MEMBER_OF: Final = "MEMBER_OF"
    DEPENDS_ON: Final = "DEPENDS_ON"
    FUNDS: Final = "FUNDS"
    PERCEIVES: Final = "PERCEIVES"
    PARTY_TO: Final = "PARTY_TO"
    PARTICIPATES_IN: Final = "PARTICIPATES_IN"
    HELD_AT: Final = "HELD_AT"
    ATTENDED: Final = "ATTENDED"
    ENGAGED_IN: Final = "ENGAGED_IN"
    CONCERNS: Final = "CONCERNS"
    AFFECTS: Final = "AFFECTS"
    IN_AREA: Final = "IN_AREA"
    DESCRIBES: Final = "DESCRIBES"
    FROM_RUN: Final = "FROM_RUN"
    CANDIDATE: Final = "CANDIDATE"
    ABOUT: Final = "ABOUT"


class MembershipStatus:
    """Values of MEMBER_OF `status`. An umbrella's enrolment is a claim: `pending` until an admin, a
    coordinator or the member itself confirms it; only `confirmed` gives the umbrella rights. A
    membership without `status` (recorded before consent existed) counts as confirmed."""

    PENDING: Final = "pending"
    CONFIRMED: Final = "confirmed"
    DECLINED: Final = "declined"


# A membership that others may rely on: confirmed, or recorded before consent existed (no status).
# Public answers (an actor's `member_of`, the `member_of` filter, HSDS parents) show only these, so an
# umbrella's unconfirmed claim never reads as a fact. The relationship variable must be `r`.
CONFIRMED_MEMBERSHIP: Final = f"coalesce(r.status, '{MembershipStatus.CONFIRMED}') = '{MembershipStatus.CONFIRMED}'"


@dataclass(frozen=True)
class NodeSpec:
    label: str
    key: str | None
    description: str
    properties: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class RelSpec:
    type: str
    start: frozenset[str]
    end: frozenset[str]
    description: str
    properties: tuple[str, ...] = field(default_factory=tuple)

    def allows(self, start_label: str, end_label: str) -> bool:
        return start_label in self.start and end_label in self.end


# Properties every collaboration-model relationship carries (provenance and validity).
EDGE_META: Final = ("source", "confidence", "valid_from", "valid_to", "created_by", "created_at", "note")
# What the relationships API adds to each relationship it writes: an address and a version for ETags.
EDGE_RECORD: Final = ("id", "version", "updated_by", "updated_at")
# What collaboration-model nodes (agreements, arenas, meetings, challenges) carry beside their own facts.
NODE_RECORD: Final = ("created_at", "created_by", "updated_at", "updated_by", "version")

NODES: Final[dict[str, NodeSpec]] = {
    spec.label: spec
    for spec in (
        NodeSpec(
            Label.ACTOR,
            "id",
            "A public, civil or private organisation (aktör).",
            (
                "id",
                "name",
                # Blocking key of the importers' entity resolution (registry.domain.normalize.name_key).
                "name_key",
                # Blocking keys of entity resolution (importers.resolve.Features.blocking_keys).
                "match_keys",
                "alt_names",
                "sector",
                "kind",
                "org_number",
                "description",
                "activities",
                "website",
                "emails",
                "phones",
                "street_address",
                "postal_code",
                "locality",
                "municipality_code",
                "county_code",
                "location",
                "founded_year",
                "member_count",
                "national_affiliation",
                "resources_offered",
                "resources_needed",
                "goals",
                "archived",
                "archived_at",
                "created_at",
                "updated_at",
                "version",
                "sources",
                # The seat rule's bookkeeping (importers.merge.SeatClaim): each source record's seat
                # claim and which one the seat was taken from, as JSON text.
                "seat_claims",
                "search_text",
                # Derived by registry.domain.actor.derived_fields: never set by hand.
                "search_name",
                "search_place",
                "alt_names_text",
                "name_sort",
                "content_hash",
                # Copies of WORKS_ON and SERVES for actor-wide analyses (registry.dao.term_mirrors).
                "interest_area_ids",
                "target_group_ids",
                # The terms' labels, search words and provenance text, for full text (term_mirrors).
                "terms_text",
                # How exact `location` is: address, postal_code, locality, municipality (refdata.locate).
                "location_precision",
                # The shipped vocabulary that derived an imported actor's terms (registry terms rederive).
                "vocabulary_version",
            ),
        ),
        NodeSpec(
            Label.MUNICIPALITY,
            "code",
            "A Swedish municipality (kommun), SCB code.",
            ("code", "name", "official_name", "county_code"),
        ),
        NodeSpec(Label.COUNTY, "code", "A Swedish county (län), SCB code.", ("code", "name", "short_name")),
        NodeSpec(
            Label.INTEREST_AREA,
            "id",
            "Field of activity (verksamhetsområde), hierarchical.",
            ("id", "label_sv", "label_en", "seeded", "search_words"),
        ),
        NodeSpec(
            Label.TARGET_GROUP,
            "id",
            "Target group (målgrupp), hierarchical.",
            ("id", "label_sv", "label_en", "seeded", "search_words"),
        ),
        NodeSpec(
            Label.CONTACT_PERSON,
            "id",
            "A contact person of an actor: personal data.",
            ("id", "name", "role", "email", "phone"),
        ),
        NodeSpec(
            Label.AGREEMENT,
            "id",
            "IOP, local agreement, policy, contract or action plan (lagrum).",
            ("id", "kind", "title", "description", "valid_from", "valid_to", "url", *NODE_RECORD),
        ),
        NodeSpec(
            Label.ARENA,
            "id",
            "A meeting arena (arena för möten).",
            ("id", "name", "description", "municipality_code", "cadence", *NODE_RECORD),
        ),
        NodeSpec(
            Label.MEETING,
            "id",
            "One meeting of an arena, with the report's checklist.",
            (
                "id",
                "date",
                "purpose",
                "notes",
                "decisions",
                "next_steps",
                "invitation_sent",
                "documentation_prepared",
                "roles_presented",
                "everyone_heard",
                "summary_made",
                "next_steps_agreed",
                "notes_sent",
                "follow_up_done",
                *NODE_RECORD,
            ),
        ),
        NodeSpec(
            Label.CHALLENGE,
            "id",
            "A societal challenge (samhällsutmaning).",
            ("id", "name", "description", *NODE_RECORD),
        ),
        NodeSpec(
            Label.SOURCE_RECORD,
            "key",
            "One record of an imported source (provenance).",
            ("key", "source", "record_id", "fields", "hash", "imported_at"),
        ),
        NodeSpec(
            Label.IMPORT_RUN,
            "id",
            "One run of an importer.",
            ("id", "source", "kind", "file", "status", "started_at", "finished_at", "report"),
        ),
        NodeSpec(
            Label.IMPORT_LOCK,
            "source",
            "Taken, and never committed, by an import of a source while it writes: imports of one source "
            "run one at a time (registry.dao.imports.ImportLock).",
            ("source", "run_id"),
        ),
        NodeSpec(
            Label.IMPORT_SOURCE,
            "name",
            "A named import source, bound on its first import to its register's format and municipality.",
            ("name", "kind", "format", "municipality", "bound_at", "rebound_at"),
        ),
        NodeSpec(
            Label.REVIEW_ITEM,
            "id",
            "A possible duplicate waiting for a person's decision.",
            ("id", "score", "reasons", "status", "created_at", "decided_at"),
        ),
        NodeSpec(
            Label.API_TOKEN,
            "id",
            "An API token, stored only as a hash.",
            ("id", "name", "role", "hash", "actor_id", "created_at", "created_by", "revoked_at", "session_generation"),
        ),
        NodeSpec(
            Label.AUDIT_EVENT,
            "id",
            "One append-only audit record of a write.",
            (
                "id",
                "at",
                "channel",
                "token_id",
                "role",
                "actor_id",
                "by",
                "action",
                "subject_label",
                "subject_id",
                "before",
                "after",
                "redacted_at",
                # Events written by an import: the ImportRun that wrote them.
                "run_id",
            ),
        ),
        NodeSpec(
            Label.ERASED_CONTACT,
            "hash",
            "An erased person imports must not bring back: a keyed hash, never the data (registry.erasure).",
            ("hash", "kind", "erased_at"),
        ),
        NodeSpec(
            Label.SCHEMA_MIGRATION,
            "id",
            "Ledger entry of an applied migration.",
            ("id", "name", "checksum", "applied_at"),
        ),
    )
}

_ACTOR = frozenset({Label.ACTOR})

RELATIONSHIPS: Final[dict[str, RelSpec]] = {
    spec.type: spec
    for spec in (
        RelSpec(
            Rel.LOCATED_IN,
            _ACTOR | {Label.ARENA},
            frozenset({Label.MUNICIPALITY}),
            "The seat of an actor, or where an arena meets.",
        ),
        RelSpec(
            Rel.ACTIVE_IN,
            _ACTOR,
            frozenset({Label.MUNICIPALITY}),
            "A further municipality an actor works in.",
        ),
        RelSpec(
            Rel.IN_COUNTY,
            frozenset({Label.MUNICIPALITY}),
            frozenset({Label.COUNTY}),
            "A municipality lies in a county.",
        ),
        # Both carry the term's provenance when an importer wrote it: how (stated, category, derived),
        # field, text and rule (importers.vocabulary.Provenance); none when a person set the term.
        RelSpec(Rel.WORKS_ON, _ACTOR, frozenset({Label.INTEREST_AREA}), "An actor works in an interest area."),
        RelSpec(Rel.SERVES, _ACTOR, frozenset({Label.TARGET_GROUP}), "An actor serves a target group."),
        RelSpec(
            Rel.BROADER,
            frozenset({Label.INTEREST_AREA, Label.TARGET_GROUP}),
            frozenset({Label.INTEREST_AREA, Label.TARGET_GROUP}),
            "Taxonomy hierarchy: narrower -> broader (same label at both ends).",
        ),
        RelSpec(Rel.HAS_CONTACT, _ACTOR, frozenset({Label.CONTACT_PERSON}), "An actor's contact person."),
        RelSpec(
            Rel.MEMBER_OF,
            _ACTOR,
            _ACTOR,
            "Membership in an umbrella organisation; `status` is pending until confirmed (absent: confirmed).",
            ("since", "until", "role", "source", "status", "requested_by", "decided_by", "decided_at"),
        ),
        RelSpec(
            Rel.DEPENDS_ON,
            _ACTOR,
            _ACTOR,
            "Dependency: power (end holds power over start), symbiotic or competition (mutual).",
            ("kind", "resource", "strength", *EDGE_META, *EDGE_RECORD),
        ),
        RelSpec(
            Rel.FUNDS,
            _ACTOR,
            _ACTOR,
            "Money flows from start to end.",
            ("amount_sek", "year", "form", *EDGE_META, *EDGE_RECORD),
        ),
        RelSpec(
            Rel.PERCEIVES,
            _ACTOR,
            _ACTOR,
            "How start sees end (uppfattningar), valence -2..+2.",
            ("valence", *EDGE_META, *EDGE_RECORD),
        ),
        RelSpec(
            Rel.PARTY_TO,
            _ACTOR,
            frozenset({Label.AGREEMENT}),
            "An actor is party to an agreement.",
            (*EDGE_META, *EDGE_RECORD),
        ),
        RelSpec(
            Rel.PARTICIPATES_IN,
            _ACTOR,
            frozenset({Label.ARENA}),
            "An actor takes part in a meeting arena.",
            ("role", "since", *EDGE_META, *EDGE_RECORD),
        ),
        RelSpec(Rel.HELD_AT, frozenset({Label.MEETING}), frozenset({Label.ARENA}), "A meeting of an arena."),
        RelSpec(Rel.ATTENDED, _ACTOR, frozenset({Label.MEETING}), "An actor attended a meeting."),
        RelSpec(
            Rel.ENGAGED_IN,
            _ACTOR,
            frozenset({Label.CHALLENGE}),
            "An actor works on a challenge, at a stage of the relationship base.",
            ("stage", "anchored", "since", "history", *EDGE_META, *EDGE_RECORD),
        ),
        RelSpec(
            Rel.CONCERNS,
            frozenset({Label.CHALLENGE, Label.ARENA}),
            frozenset({Label.INTEREST_AREA}),
            "A challenge or arena concerns an interest area.",
        ),
        RelSpec(
            Rel.AFFECTS,
            frozenset({Label.CHALLENGE}),
            frozenset({Label.TARGET_GROUP}),
            "A challenge affects a target group.",
        ),
        RelSpec(
            Rel.IN_AREA,
            frozenset({Label.CHALLENGE}),
            frozenset({Label.MUNICIPALITY, Label.COUNTY}),
            "Where a challenge is.",
        ),
        RelSpec(Rel.DESCRIBES, frozenset({Label.SOURCE_RECORD}), _ACTOR, "A source record describes an actor."),
        RelSpec(
            Rel.FROM_RUN,
            frozenset({Label.SOURCE_RECORD, Label.REVIEW_ITEM}),
            frozenset({Label.IMPORT_RUN}),
            "Which import run wrote it.",
        ),
        RelSpec(
            Rel.CANDIDATE,
            frozenset({Label.REVIEW_ITEM}),
            _ACTOR | {Label.SOURCE_RECORD},
            "The two sides of a possible duplicate.",
        ),
        RelSpec(
            Rel.ABOUT,
            frozenset({Label.AUDIT_EVENT}),
            _ACTOR
            | {
                Label.ARENA,
                Label.MEETING,
                Label.CHALLENGE,
                Label.AGREEMENT,
                Label.API_TOKEN,
                Label.INTEREST_AREA,
                Label.TARGET_GROUP,
            },
            "What an audit event changed: the node written, or both ends of a relationship written.",
        ),
    )
}

# Labels whose nodes are reference data or bookkeeping: kept when tests or resets empty the graph.
REFERENCE_LABELS: Final = (Label.COUNTY, Label.MUNICIPALITY, Label.SCHEMA_MIGRATION)


def all_labels() -> frozenset[str]:
    return frozenset(v for k, v in vars(Label).items() if k.isupper())


def all_relationship_types() -> frozenset[str]:
    return frozenset(v for k, v in vars(Rel).items() if k.isupper())
