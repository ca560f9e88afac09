"""One declaration per relationship type that people record or read as a relationship (in the
spirit of followthemoney's schema files): what it is called, what it carries, how it is drawn
and shown, which analyses count it and whether the relationships API writes it.

Everything else derives from `DECLARED`: the domain's tables (`registry.domain.relationships`),
the DAO's statements (`registry.dao.relationships`, `network`, `analyses`, `audit`), the API's
property schemas, the maps' edge styles (`visualisations.encoding`, `subjects`), the actor page's
groups and phrases (`registry.web`) and the guard tests (`tests/test_relationship_types.py`).
The contract (`graph_schema.contract`) still says which labels a type may join; a migration gives
each writable type its id constraint. Adding a type is: a `Rel` constant and `RelSpec` in the
contract, one `RelationshipType` here, one migration, and the docs.

Names that reach Cypher (`type`, property names) are typed `LiteralString`, so statements joined
from them stay literal for pyright.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Literal, LiteralString

from graph_schema import vocabulary as v
from graph_schema.contract import RELATIONSHIPS, Label, Rel
from graph_schema.vocabulary import Term, Vocabulary

PropertyKind = Literal["term", "terms", "integer", "date", "text"]
Analysis = Literal["brokers", "isolated"]


@dataclass(frozen=True)
class Property:
    """A property of a relationship type beside the common provenance and validity."""

    name: LiteralString
    kind: PropertyKind
    vocabulary: Vocabulary | None = None  # for `term` (one of) and `terms` (a list of)
    bounds: tuple[int, int] | None = None  # inclusive, for `integer`
    required: bool = False
    # Part of what makes two relationships of a type "the same" (beside their ends), for the 409
    # on overlap: power over money and power over a mandate are two; two grants in one year of
    # one form are one.
    identity: bool = False
    # Read from a request, never stored (ENGAGED_IN's `stage_date`).
    input_only: bool = False
    description: str | None = None
    # How the actor page words the value: (sv, en) around `{value}`; none: the value (or its term).
    page_text: tuple[str, str] | None = None
    # How the page writes a number: as is, in groups of three, or with its sign.
    number: Literal["plain", "grouped", "signed"] = "plain"


@dataclass(frozen=True)
class EdgeLook:
    """One way a map draws an edge: a legend entry."""

    key: str
    sv: str
    en: str
    colour: str
    arrows: str  # "", "to", "to;from"
    dashes: bool = False
    note: tuple[str, str] | None = None  # (sv, en) said after the legend entry
    width: float | None = None  # fixed; None: from `strength` when there is one


@dataclass(frozen=True)
class MapLook:
    """How a map picks one of the type's styles for an edge."""

    styles: tuple[EdgeLook, ...]
    default: str  # the style when `by` picks none
    by: LiteralString | None = None  # the property whose value picks a style
    prefix: str = ""  # style key = prefix + value
    by_sign: bool = False  # style key = prefix + "+", "-" or "0" by the value's sign
    label_by: LiteralString | None = None  # the property drawn beside the edge


@dataclass(frozen=True)
class PageGroup:
    """A group of the actor page's relationships, with what a relationship says from each end."""

    key: str
    sv: str
    en: str
    # (sv, en) when the relationship starts at the actor, and when it ends there.
    out: tuple[str, str] | None = None
    into: tuple[str, str] | None = None


@dataclass(frozen=True)
class PageLook:
    groups: tuple[PageGroup, ...]
    by: LiteralString | None = None  # the property whose value picks the group (default: the first)
    # The properties listed under a relationship, in this order.
    details: tuple[LiteralString, ...] = ()


@dataclass(frozen=True)
class RelationshipType:
    type: LiteralString
    sv: str
    en: str
    properties: tuple[Property, ...]
    map: MapLook
    page: PageLook
    # Written through /api/v1/relationships (with an id, a version and the audit trail); the rest
    # are written elsewhere (MEMBER_OF: the actor registry and importers) and only shown.
    writable: bool = True
    # Values of `kind` that hold in both directions: stored once, read from either end.
    mutual_kinds: frozenset[str] = field(default_factory=frozenset)
    # Keeps the history of its `stage` on the relationship (the report's relationship base).
    stage_history: bool = False
    analyses: frozenset[Analysis] = frozenset({"brokers", "isolated"})
    # What the API's description of `properties` says of the type beside its properties.
    api_note: str | None = None

    @property
    def term(self) -> Term:
        return Term(self.type, self.sv, self.en)

    @property
    def stored(self) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if not p.input_only)

    @property
    def property_names(self) -> tuple[LiteralString, ...]:
        return tuple(p.name for p in self.stored)

    @property
    def required(self) -> tuple[LiteralString, ...]:
        return tuple(p.name for p in self.stored if p.required)

    @property
    def identity(self) -> tuple[LiteralString, ...]:
        return tuple(p.name for p in self.stored if p.identity)

    @property
    def ends_at_actor(self) -> bool:
        """Ties actors to actors (else an actor to an agreement, an arena or a challenge)."""
        return RELATIONSHIPS[self.type].end == {Label.ACTOR}


_STAGE_COLOURS: Final = {
    "arena": "#c6dbef",
    "dialogue": "#6baed6",
    "knowledge": "#2171b5",
    "trust_and_structure": "#08306b",
}
# In the order the actor page shows them, which is also the order of the maps' type filter.
DECLARED: Final[tuple[RelationshipType, ...]] = (
    RelationshipType(
        Rel.DEPENDS_ON,
        "Beroende",
        "Dependency",
        (
            Property("kind", "term", v.DEPENDENCY_KINDS, required=True, identity=True),
            Property("resource", "term", v.RESOURCES, identity=True),
            Property("strength", "integer", bounds=(1, 5), page_text=("styrka {value} av 5", "strength {value} of 5")),
        ),
        MapLook(
            (
                EdgeLook(
                    "power",
                    "Makt",
                    "Power",
                    "#d62728",
                    "to",
                    note=("pilen pekar mot den som har makten", "the arrow points to who holds power"),
                ),
                EdgeLook("symbiotic", "Ömsesidigt beroende", "Symbiotic dependency", "#2ca02c", "to;from"),
                EdgeLook("competition", "Konkurrens", "Competition", "#ff7f0e", "", dashes=True),
            ),
            default="other",
            by="kind",
        ),
        PageLook(
            tuple(
                PageGroup(
                    t.id,
                    t.sv,
                    t.en,
                    out=("Beroende av", "Depends on") if t.id == "power" else None,
                    into=("Har makt över", "Holds power over") if t.id == "power" else None,
                )
                for t in v.DEPENDENCY_KINDS
            ),
            by="kind",
            details=("resource", "strength"),
        ),
        mutual_kinds=frozenset({"symbiotic", "competition"}),
        api_note="power: `to` holds power over `from`; symbiotic and competition are mutual",
    ),
    RelationshipType(
        Rel.FUNDS,
        "Finansiering",
        "Funding",
        (
            Property(
                "amount_sek", "integer", bounds=(0, 10**12), page_text=("{value} kr", "SEK {value}"), number="grouped"
            ),
            Property("year", "integer", bounds=(1900, 2100), required=True, identity=True),
            Property("form", "term", v.FUNDING_FORMS, required=True, identity=True),
        ),
        MapLook(
            (
                EdgeLook(
                    "funding", "Finansiering", "Funding", "#1f77b4", "to", note=("belopp i kronor", "amount in SEK")
                ),
            ),
            default="funding",
            label_by="amount_sek",
        ),
        PageLook(
            (
                PageGroup(
                    "funding",
                    "Finansiering",
                    "Funding",
                    out=("Finansierar", "Funds"),
                    into=("Finansieras av", "Funded by"),
                ),
            ),
            details=("amount_sek", "year", "form"),
        ),
        api_note="money flows from `from` to `to`",
    ),
    RelationshipType(
        Rel.PERCEIVES,
        "Uppfattning",
        "Perception",
        (
            Property(
                "valence",
                "integer",
                bounds=(-2, 2),
                required=True,
                page_text=("värdering {value}", "valence {value}"),
                number="signed",
            ),
        ),
        MapLook(
            (
                EdgeLook("perception+", "Positiv uppfattning", "Positive perception", "#2ca02c", "to", dashes=True),
                EdgeLook("perception-", "Negativ uppfattning", "Negative perception", "#d62728", "to", dashes=True),
                EdgeLook("perception0", "Neutral uppfattning", "Neutral perception", "#9e9e9e", "to", dashes=True),
            ),
            default="perception0",
            by="valence",
            prefix="perception",
            by_sign=True,
        ),
        PageLook(
            (
                PageGroup(
                    "perceptions", "Uppfattningar", "Perceptions", out=("Ser på", "Sees"), into=("Ses av", "Seen by")
                ),
            ),
            details=("valence",),
        ),
        api_note="how `from` sees `to`",
    ),
    RelationshipType(
        Rel.PARTY_TO,
        "Part i överenskommelse",
        "Party to an agreement",
        (),
        MapLook(
            (EdgeLook("agreement", "Part i överenskommelse", "Party to agreement", "#90a4ae", "", width=1),),
            default="agreement",
        ),
        PageLook((PageGroup("agreements", "Överenskommelser", "Agreements"),)),
        api_note="to an Agreement",
    ),
    RelationshipType(
        Rel.MEMBER_OF,
        "Medlem i",
        "Member of",
        (Property("role", "text"), Property("since", "date"), Property("until", "date")),
        MapLook(
            (EdgeLook("membership", "Medlemskap", "Membership", "#7f7f7f", "to", width=1.5),),
            default="membership",
        ),
        PageLook(
            (
                PageGroup(
                    "memberships",
                    "Medlemskap",
                    "Memberships",
                    out=("Medlem i", "Member of"),
                    into=("Har som medlem", "Has as member"),
                ),
            ),
            details=("role",),
        ),
        writable=False,
        analyses=frozenset({"brokers"}),
    ),
    RelationshipType(
        Rel.PARTICIPATES_IN,
        "Deltar i arena",
        "Takes part in an arena",
        (Property("role", "term", v.PARTICIPATION_ROLES, required=True), Property("since", "date")),
        MapLook(
            (EdgeLook("participation", "Deltar i arena", "Takes part in arena", "#c7c7c7", "", width=1),),
            default="participation",
        ),
        PageLook((PageGroup("arenas", "Mötesarenor", "Meeting arenas"),), details=("role",)),
        api_note="to an Arena",
    ),
    RelationshipType(
        Rel.ENGAGED_IN,
        "Arbetar med samhällsutmaning",
        "Works on a societal challenge",
        (
            Property("stage", "term", v.STAGES, required=True, page_text=("steg: {value}", "stage: {value}")),
            Property("anchored", "terms", v.ANCHORING),
            Property("since", "date"),
            Property(
                "stage_date",
                "date",
                input_only=True,
                description="Dagen steget nåddes (standard i dag) / the day the stage was reached (default today)",
            ),
        ),
        MapLook(
            (
                *(
                    EdgeLook(f"stage:{t.id}", f"Steg: {t.sv}", f"Stage: {t.en}", _STAGE_COLOURS[t.id], "to")
                    for t in v.STAGES
                ),
                EdgeLook("engaged", "Engagerad i utmaning", "Engaged in challenge", "#6baed6", "to"),
            ),
            default="engaged",
            by="stage",
            prefix="stage:",
            label_by="stage",
        ),
        PageLook((PageGroup("challenges", "Samhällsutmaningar", "Societal challenges"),), details=("stage",)),
        stage_history=True,
        api_note="to a Challenge",
    ),
)

BY_TYPE: Final[dict[str, RelationshipType]] = {d.type: d for d in DECLARED}
# Written through the relationships API, in the declarations' order.
WRITABLE: Final[tuple[RelationshipType, ...]] = tuple(d for d in DECLARED if d.writable)
# Followed by network views: the writable types first, then those only shown.
NETWORK: Final[tuple[RelationshipType, ...]] = (*WRITABLE, *(d for d in DECLARED if not d.writable))
MUTUAL_KINDS: Final[frozenset[str]] = frozenset().union(*(d.mutual_kinds for d in DECLARED))


def counted_by(analysis: Analysis, declared: Iterable[RelationshipType] = DECLARED) -> tuple[RelationshipType, ...]:
    return tuple(d for d in declared if analysis in d.analyses)


def type_names(declared: Iterable[RelationshipType]) -> tuple[LiteralString, ...]:
    return tuple(d.type for d in declared)


def _check() -> None:
    for d in DECLARED:
        assert d.type in RELATIONSHIPS, f"{d.type}: declare its ends in graph_schema.contract"
        keys = {s.key for s in d.map.styles}
        assert d.map.default in keys or d.map.default == "other", f"{d.type}: unknown default style"


_check()
