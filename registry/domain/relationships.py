"""The collaboration model's vocabulary (sv/en labels) and the rules relationships must follow.

The terms come from the report's factor model (goals, resources, dependency relations,
perceptions, legal framework) and its relationship base (arenas, dialogue, knowledge, trust
and structure). Ids are stable and stored in the graph; labels are what officers read.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graph_schema.contract import Rel as R


@dataclass(frozen=True)
class Term:
    id: str
    sv: str
    en: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "sv": self.sv, "en": self.en}


class Vocabulary:
    """An ordered, closed set of terms; the order is meaningful where the model has one (stages)."""

    def __init__(self, *terms: Term) -> None:
        self.terms = terms
        self._by_id = {t.id: t for t in terms}

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.terms)

    def __contains__(self, value: object) -> bool:
        return value in self._by_id

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def __getitem__(self, term_id: str) -> Term:
        return self._by_id[term_id]

    def index(self, term_id: str) -> int:
        return self.ids.index(term_id)

    def describe(self) -> str:
        """For OpenAPI descriptions: 'a (sv / en), b (...)'."""
        return ", ".join(f"`{t.id}` ({t.sv} / {t.en})" for t in self.terms)


DEPENDENCY_KINDS = Vocabulary(
    Term("power", "Maktförhållande (ojämnt)", "Power (asymmetric)"),
    Term("symbiotic", "Ömsesidigt beroende", "Symbiotic (mutual)"),
    Term("competition", "Konkurrens", "Competition"),
)
# Mutual kinds hold in both directions: stored once, read from either end.
MUTUAL_KINDS = frozenset({"symbiotic", "competition"})

RESOURCES = Vocabulary(
    Term("money", "Pengar", "Money"),
    Term("premises", "Lokaler", "Premises"),
    Term("information", "Information", "Information"),
    Term("staff", "Personal", "Staff"),
    Term("volunteers", "Ideella krafter", "Volunteers"),
    Term("time", "Tid", "Time"),
    Term("mandate", "Mandat", "Mandate"),
)

FUNDING_FORMS = Vocabulary(
    Term("association_grant", "Föreningsbidrag", "Association grant"),
    Term("iop", "IOP (idéburet offentligt partnerskap)", "IOP (public–non-profit partnership)"),
    Term("procurement", "Upphandling", "Procurement"),
    Term("project_grant", "Projektbidrag", "Project grant"),
    Term("other", "Annat", "Other"),
)

CONFIDENCE = Vocabulary(
    Term("low", "Låg", "Low"),
    Term("medium", "Medel", "Medium"),
    Term("high", "Hög", "High"),
)

# The relationship base, in the report's order; collaborations may move back and forth.
STAGES = Vocabulary(
    Term("arena", "Arenor för möten", "Meeting arenas"),
    Term("dialogue", "Samtal och dialog", "Conversation and dialogue"),
    Term("knowledge", "Kunskap", "Knowledge"),
    Term("trust_and_structure", "Tillit och struktur", "Trust and structure"),
)

# Anchoring in one's own organisation: management and politicians on the public side, the
# board and members on the civil side.
ANCHORING = Vocabulary(
    Term("management", "Ledning", "Management"),
    Term("politicians", "Politiker", "Politicians"),
    Term("board", "Styrelse", "Board"),
    Term("members", "Medlemmar", "Members"),
)

AGREEMENT_KINDS = Vocabulary(
    Term("iop", "IOP (idéburet offentligt partnerskap)", "IOP (public–non-profit partnership)"),
    Term("local_agreement", "Lokal överenskommelse", "Local agreement"),
    Term("policy", "Policy", "Policy"),
    Term("contract", "Avtal", "Contract"),
    Term("action_plan", "Handlingsplan", "Action plan"),
)

PARTICIPATION_ROLES = Vocabulary(
    Term("convener", "Sammankallande", "Convener"),
    Term("member", "Deltagare", "Member"),
    Term("guest", "Gäst", "Guest"),
)

CADENCES = Vocabulary(
    Term("weekly", "Varje vecka", "Weekly"),
    Term("monthly", "Varje månad", "Monthly"),
    Term("quarterly", "Varje kvartal", "Quarterly"),
    Term("twice_a_year", "Två gånger per år", "Twice a year"),
    Term("yearly", "Varje år", "Yearly"),
    Term("irregular", "Vid behov", "As needed"),
)

# The report's meeting practice, before / during / after, in that order.
MEETING_CHECKLIST = Vocabulary(
    Term(
        "invitation_sent",
        "Inbjudan med syfte och förväntningar skickad",
        "Invitation with purpose and expectations sent",
    ),
    Term("documentation_prepared", "Underlag förberett", "Documentation prepared"),
    Term("roles_presented", "Deltagarnas roller och mandat presenterade", "Participants' roles and mandates presented"),
    Term("everyone_heard", "Alla har kommit till tals", "Everyone heard"),
    Term("summary_made", "Sammanfattning gjord", "Summary made"),
    Term("next_steps_agreed", "Nästa steg överenskomna", "Next steps agreed"),
    Term("notes_sent", "Anteckningar utskickade", "Notes sent"),
    Term("follow_up_done", "Uppföljning gjord", "Follow-up done"),
)

# The relationship types coordinators record through /api/v1/relationships, with what each
# carries beside the common provenance (source, confidence, validity, note).
RELATIONSHIP_TYPES = Vocabulary(
    Term(R.DEPENDS_ON, "Beroende", "Dependency"),
    Term(R.FUNDS, "Finansiering", "Funding"),
    Term(R.PERCEIVES, "Uppfattning", "Perception"),
    Term(R.PARTY_TO, "Part i överenskommelse", "Party to an agreement"),
    Term(R.PARTICIPATES_IN, "Deltar i arena", "Takes part in an arena"),
    Term(R.ENGAGED_IN, "Arbetar med samhällsutmaning", "Works on a societal challenge"),
)
TYPE_PROPERTIES: dict[str, tuple[str, ...]] = {
    R.DEPENDS_ON: ("kind", "resource", "strength"),
    R.FUNDS: ("amount_sek", "year", "form"),
    R.PERCEIVES: ("valence",),
    R.PARTY_TO: (),
    R.PARTICIPATES_IN: ("role", "since"),
    R.ENGAGED_IN: ("stage", "anchored", "since"),
}
REQUIRED_PROPERTIES: dict[str, tuple[str, ...]] = {
    R.DEPENDS_ON: ("kind",),
    R.FUNDS: ("year", "form"),
    R.PERCEIVES: ("valence",),
    R.PARTY_TO: (),
    R.PARTICIPATES_IN: ("role",),
    R.ENGAGED_IN: ("stage",),
}
# What makes two relationships of a type "the same" (beside their ends), for the 409 on overlap:
# power over money and power over a mandate are two relationships; two grants in one year of one
# form are one.
IDENTITY_PROPERTIES: dict[str, tuple[str, ...]] = {
    R.DEPENDS_ON: ("kind", "resource"),
    R.FUNDS: ("form", "year"),
    R.PERCEIVES: (),
    R.PARTY_TO: (),
    R.PARTICIPATES_IN: (),
    R.ENGAGED_IN: (),
}
META_PROPERTIES = ("source", "confidence", "valid_from", "valid_to", "note")

# Relationship types that network views follow (MEMBER_OF is written by the actor registry and
# the importers; it is shown, not edited, here).
NETWORK_TYPES = Vocabulary(*RELATIONSHIP_TYPES, Term(R.MEMBER_OF, "Medlem i", "Member of"))


class CollaborationError(Exception):
    """A request the collaboration model refuses; `status` is the HTTP answer."""

    status = 422

    def __init__(self, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class InvalidError(CollaborationError):
    status = 422


class NotFoundError(CollaborationError):
    status = 404


class ConflictError(CollaborationError):
    status = 409


class StaleError(CollaborationError):
    status = 412


def is_valid_at(valid_from: dt.date | None, valid_to: dt.date | None, at: dt.date) -> bool:
    """Validity is half-open: `valid_to` is the first day the relationship no longer holds."""
    return (valid_from is None or valid_from <= at) and (valid_to is None or at < valid_to)


def skipped_stages(reached: list[str]) -> list[str]:
    """Stages before the furthest one reached that the collaboration never passed through."""
    known = [s for s in reached if s in STAGES]
    if not known:
        return []
    furthest = max(STAGES.index(s) for s in known)
    return [s for s in STAGES.ids[:furthest] if s not in known]


def moved_back(reached: list[str]) -> bool:
    """True when the history steps back to an earlier stage at least once (the report allows it)."""
    order = [STAGES.index(s) for s in reached if s in STAGES]
    return any(b < a for a, b in itertools.pairwise(order))
