"""The collaboration model's vocabulary (sv/en labels) and the rules relationships must follow.

The terms come from the report's factor model (goals, resources, dependency relations,
perceptions, legal framework) and its relationship base (arenas, dialogue, knowledge, trust
and structure). Ids are stable and stored in the graph; labels are what officers read.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from graph_schema.relationship_types import MUTUAL_KINDS, NETWORK, WRITABLE
from graph_schema.vocabulary import (
    ANCHORING,
    DEPENDENCY_KINDS,
    FUNDING_FORMS,
    PARTICIPATION_ROLES,
    RESOURCES,
    STAGES,
    Term,
    Vocabulary,
)

# The vocabularies of relationship properties live in graph_schema.vocabulary, where the
# declarations name them; they are this module's as much as the ones below.
__all__ = [
    "ANCHORING",
    "DEPENDENCY_KINDS",
    "FUNDING_FORMS",
    "MUTUAL_KINDS",
    "PARTICIPATION_ROLES",
    "RESOURCES",
    "STAGES",
    "Term",
    "Vocabulary",
]


CONFIDENCE = Vocabulary(
    Term("low", "Låg", "Low"),
    Term("medium", "Medel", "Medium"),
    Term("high", "Hög", "High"),
)

AGREEMENT_KINDS = Vocabulary(
    Term("iop", "IOP (idéburet offentligt partnerskap)", "IOP (public–non-profit partnership)"),
    Term("local_agreement", "Lokal överenskommelse", "Local agreement"),
    Term("policy", "Policy", "Policy"),
    Term("contract", "Avtal", "Contract"),
    Term("action_plan", "Handlingsplan", "Action plan"),
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
# carries beside the common provenance (source, confidence, validity, note): all from the
# declarations in graph_schema.relationship_types.
RELATIONSHIP_TYPES = Vocabulary(*(d.term for d in WRITABLE))
TYPE_PROPERTIES: dict[str, tuple[str, ...]] = {d.type: d.property_names for d in WRITABLE}
REQUIRED_PROPERTIES: dict[str, tuple[str, ...]] = {d.type: d.required for d in WRITABLE}
# What makes two relationships of a type "the same" (beside their ends), for the 409 on overlap.
IDENTITY_PROPERTIES: dict[str, tuple[str, ...]] = {d.type: d.identity for d in WRITABLE}
META_PROPERTIES = ("source", "confidence", "valid_from", "valid_to", "note")

# Relationship types that network views follow (MEMBER_OF is written by the actor registry and
# the importers; it is shown, not edited, here).
NETWORK_TYPES = Vocabulary(*(d.term for d in NETWORK))


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
