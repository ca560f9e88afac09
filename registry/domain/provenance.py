"""How an actor's term is explained to an officer: "härlett från verksamhet: Pensionärsverksamhet".

Importers write a term's provenance on its WORKS_ON / SERVES relationship (`how`, `field`,
`text`, `rule`; see `importers.vocabulary`); the API and the actor page show it in Swedish and
English with these labels. A term without provenance was set by a person (or by an import older
than provenance).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# (how, field) -> (Swedish, English) lead of the sentence; the text follows after a colon.
_LEADS: dict[tuple[str, str], tuple[str, str]] = {
    ("stated", "target_group"): ("angivet i registrets målgrupp", "stated in the register's target group"),
    ("category", "category"): ("mappat från kategori", "mapped from category"),
    ("derived", "category"): ("härlett från kategori", "derived from category"),
    ("derived", "activities"): ("härlett från verksamhet", "derived from activity"),
    ("category", "activities"): ("härlett från verksamhet", "derived from activity"),
    ("derived", "name"): ("härlett från namnet", "derived from the name"),
    ("derived", "description"): ("härlett från beskrivningen", "derived from the description"),
}
_STATED_BY_PERSON = ("angivet", "stated")


def describe(provenance: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The provenance with its sentence in both languages (`label_sv`, `label_en`); None without one."""
    if not provenance or not provenance.get("how"):
        return None
    how, field, text = str(provenance["how"]), str(provenance.get("field") or ""), provenance.get("text")
    sv, en = _LEADS.get((how, field), _STATED_BY_PERSON)
    if text:
        sv, en = f"{sv}: {text}", f"{en}: {text}"
    return {
        "how": how,
        "field": field or None,
        "text": text,
        "rule": provenance.get("rule"),
        "label_sv": sv,
        "label_en": en,
    }
