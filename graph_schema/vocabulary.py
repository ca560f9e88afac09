"""Closed bilingual vocabularies that relationship declarations use for their properties.

They live beside the contract, not in `registry.domain`, because the declarations in
`graph_schema.relationship_types` name them; `registry.domain.relationships` uses these same objects.
Ids are stable and stored in the graph; labels are what officers read (Swedish first).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


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

PARTICIPATION_ROLES = Vocabulary(
    Term("convener", "Sammankallande", "Convener"),
    Term("member", "Deltagare", "Member"),
    Term("guest", "Gäst", "Guest"),
)
