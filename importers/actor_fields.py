"""The derived properties every actor writer stores, as the actor model computes them (for imported actors).

Mirror of `registry.domain.actor.derived_fields` (the actor-model work running beside this
one), kept here until the two branches meet so imported actors are found by the same search:
at the merge, `derived_fields` below gives way to that function and `name_key` joins it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from graph_schema.refdata import municipalities
from registry.domain.normalize import name_key

_COMPOUND_HEADS = (
    "foreningen",
    "foreningar",
    "forening",
    "forbundet",
    "forbund",
    "klubben",
    "klubb",
    "forsamlingen",
    "forsamling",
    "gillet",
    "gille",
    "sallskapet",
    "sallskap",
    "radet",
    "kooperativet",
    "kooperativ",
    "stiftelsen",
    "stiftelse",
    "centralen",
    "central",
    "centrum",
    "tjansten",
    "tjanst",
    "forvaltningen",
    "forvaltning",
    "verksamheten",
    "verksamhet",
    "gruppen",
    "grupp",
    "natverket",
    "natverk",
    "kyrkan",
    "kyrka",
    "kommun",
    "laget",
    "orkestern",
    "orkester",
    "koren",
    "huset",
    "garden",
    "gard",
    "stodet",
    "stod",
    "vard",
    "omsorg",
    "cafe",
    "forum",
    "idrott",
    "ungdom",
    "senior",
    "seniorer",
    "pensionar",
    "pensionarer",
    "studieforbund",
    "bildning",
)
_MIN_MODIFIER = 2  # "by" in Byföreningen
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without accents: 'Pensionärsförening' -> 'pensionarsforening'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Tokens repeat across a register ('forening', place names): each is split once.
@functools.lru_cache(maxsize=16384)
def _split_compound(token: str) -> tuple[str, ...]:
    parts: list[str] = []
    for head in _COMPOUND_HEADS:
        if token.endswith(head) and len(token) - len(head) >= _MIN_MODIFIER:
            modifier = token[: -len(head)]
            parts.append(head)
            parts.append(modifier)
            # The linking s of Swedish compounds (pensionärs|förening).
            if modifier.endswith("s") and len(modifier) > 3:
                parts.append(modifier[:-1])
            break
    return tuple(parts)


def search_tokens(texts: Iterable[str | None]) -> list[str]:
    """Folded word tokens of the texts with their compound parts, each once, in first-seen order."""
    seen: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        for token in _WORD.findall(fold(text)):
            seen.setdefault(token, None)
            for part in _split_compound(token):
                seen.setdefault(part, None)
    return list(seen)


def sort_key(name: str) -> str:
    """A sort key in Swedish alphabetical order: å, ä, ö after z, other accents ignored, case ignored."""
    text = name.casefold().strip()
    text = text.replace("å", "{").replace("ä", "|").replace("æ", "|").replace("ö", "}").replace("ø", "}")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def derived_fields(props: Mapping[str, Any]) -> dict[str, Any]:
    """The properties every actor writer must store besides the actor's own fields.

    `props` holds the actor's stored properties (`name`, `alt_names`, `activities`,
    `description`, `municipality_code`, ...). Returns `search_name`, `search_text` (the
    accent-folded, compound-split index fields of `actor_search`), `alt_names_text` (for the
    swedish index `actor_fulltext`), `name_sort` and `county_code` (from the municipality).
    """
    alt_names = [a for a in props.get("alt_names") or [] if a]
    derived: dict[str, Any] = {
        "search_name": " ".join(search_tokens([props.get("name"), *alt_names])),
        "search_text": " ".join(search_tokens([props.get("activities"), props.get("description")])),
        "alt_names_text": " ; ".join(alt_names),
        "name_sort": sort_key(str(props.get("name") or "")),
    }
    code = props.get("municipality_code")
    municipality = municipalities().get(code) if code else None
    derived["county_code"] = municipality.county_code if municipality else None
    derived["name_key"] = name_key(str(props.get("name") or ""))
    return derived
