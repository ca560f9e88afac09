"""The actor vocabulary (sectors, kinds, resources, with Swedish and English labels) and the derived search fields.

Everything that writes an actor (the API, importers, the demo loader) stores the same derived
properties, computed here by `derived_fields`, so search behaves the same wherever the actor
came from. Search queries are built here too, from the same folding and compound splitting,
because a query only finds what the index was given in the same form.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph_schema.refdata import municipalities, municipality_for_postal_code


@dataclass(frozen=True)
class Term:
    sv: str
    en: str


SECTORS: dict[str, Term] = {
    "public": Term("Offentlig sektor", "Public sector"),
    "civil": Term("Civilsamhälle", "Civil society"),
    "private": Term("Privat sektor", "Private sector"),
}

KINDS: dict[str, Term] = {
    "municipality": Term("Kommun", "Municipality"),
    "region": Term("Region", "Region"),
    "municipal-department": Term(
        "Kommunal förvaltning (t.ex. socialtjänst)", "Municipal department (e.g. social services)"
    ),
    "primary-care": Term("Vårdcentral", "Primary-care centre"),
    "association": Term("Förening", "Association"),
    "umbrella": Term("Paraplyorganisation", "Umbrella organisation"),
    "study-association": Term("Studieförbund", "Study association"),
    "faith-community": Term("Trossamfund", "Faith community"),
    "foundation": Term("Stiftelse", "Foundation"),
    "cooperative": Term("Kooperativ", "Cooperative"),
    "company": Term("Företag", "Company"),
    "other": Term("Övrigt", "Other"),
}

# The report's resources (resurser), plus the mandate to decide that public actors bring.
RESOURCES: dict[str, Term] = {
    "money": Term("Pengar", "Money"),
    "premises": Term("Lokaler", "Premises"),
    "volunteers": Term("Ideella krafter", "Volunteers"),
    "information": Term("Information och kunskap", "Information and knowledge"),
    "staff": Term("Personal", "Staff"),
    "time": Term("Tid", "Time"),
    "mandate": Term("Mandat att besluta", "Mandate to decide"),
}

# Bump when the derivation below changes: the value is part of each record's content hash, so
# the next load of unchanged records rewrites their derived fields.
DERIVATION_VERSION = 2

# Final parts of Swedish compound names in registers. "Kumla Pensionärsförening" is indexed as
# "pensionarsforening", "pensionars", "pensionar" and "forening", so both halves can be found.
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
_MAX_QUERY_TOKENS = 12
_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')


def fold(text: str) -> str:
    """Lower case without accents: 'Pensionärsförening' -> 'pensionarsforening'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Register words repeat endlessly ("förening", "idrottsklubb"), and every import and write splits them:
# remembering the answer per word is what makes this cheap.
@functools.lru_cache(maxsize=1 << 16)
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


def place_tokens(municipality_codes: Iterable[str]) -> list[str]:
    """Index tokens for where an actor is (`m1881`) and the counties of those places (`c18`).

    Both full-text indexes carry them (`search_place`), so a text search limited to an area is
    cut down inside Lucene instead of fetching every national hit first.
    """
    codes = [c for c in dict.fromkeys(municipality_codes) if c in municipalities()]
    counties = dict.fromkeys(municipalities()[c].county_code for c in codes)
    return [f"m{c}" for c in codes] + [f"c{c}" for c in counties]


def derived_fields(props: Mapping[str, Any], active_in: Iterable[str] = ()) -> dict[str, Any]:
    """The properties every actor writer must store besides the actor's own fields.

    `props` holds the actor's stored properties (`name`, `alt_names`, `activities`,
    `description`, `municipality_code`, ...) and `active_in` the codes of the further
    municipalities it works in (its ACTIVE_IN relationships). Returns `search_name`,
    `search_text` (the accent-folded, compound-split fields of the index `actor_search`),
    `search_place` (see `place_tokens`), `alt_names_text` (for the swedish index
    `actor_fulltext`), `name_sort` and `county_code` (from the municipality).
    """
    alt_names = [a for a in props.get("alt_names") or [] if a]
    code = props.get("municipality_code")
    municipality = municipalities().get(code) if code else None
    return {
        "search_name": " ".join(search_tokens([props.get("name"), *alt_names])),
        "search_text": " ".join(search_tokens([props.get("activities"), props.get("description")])),
        "search_place": " ".join(place_tokens([*([code] if code else []), *active_in])),
        "alt_names_text": " ; ".join(alt_names),
        "name_sort": sort_key(str(props.get("name") or "")),
        "county_code": municipality.county_code if municipality else None,
    }


def lucene_escape(token: str) -> str:
    return _LUCENE_SPECIAL.sub(r"\\\1", token)


@dataclass(frozen=True)
class TextQuery:
    """Lucene queries for one user search text: `folded` for `actor_search`, `swedish` for `actor_fulltext`."""

    folded: str
    swedish: str
    tokens: tuple[str, ...]

    def within(self, municipality_codes: Iterable[str], county_codes: Iterable[str]) -> TextQuery:
        """The same query limited to actors in any of these municipalities or counties."""
        places = [f"m{c}" for c in municipality_codes] + [f"c{c}" for c in county_codes]
        if not places:
            return self
        clause = " +search_place:(" + " ".join(lucene_escape(p) for p in places) + ")"
        return TextQuery(self.folded + clause, self.swedish + clause, self.tokens)


def _fuzzy_edits(token: str) -> int:
    # Two edits cost Lucene about three times one edit on the whole term dictionary; keep them
    # for long compounds, where two typos are likelier and there are few neighbours.
    if len(token) >= 12:
        return 2
    if len(token) >= 5:
        return 1
    return 0


def text_query(text: str) -> TextQuery | None:
    """Every word must match, each as itself, as a prefix or (when long enough) with a typo.

    Returns None when the text has no words. The result is passed to the full-text procedure
    as a parameter; tokens are escaped so a user's `*`, `:` or `"` stays a character.
    """
    folded_tokens = _WORD.findall(fold(text))[:_MAX_QUERY_TOKENS]
    if not folded_tokens:
        return None
    clauses = []
    for raw in folded_tokens:
        token = lucene_escape(raw)
        options = [f"search_name:{token}^4", f"search_name:{token}*^2", token, f"{token}*"]
        edits = _fuzzy_edits(raw)
        if edits:
            options.append(f"{token}~{edits}")
        clauses.append("+(" + " ".join(options) + ")")
    swedish_tokens = _WORD.findall(text.casefold())[:_MAX_QUERY_TOKENS]
    swedish = " ".join(f"+{lucene_escape(t)}" for t in swedish_tokens)
    return TextQuery(" ".join(clauses), swedish, tuple(folded_tokens))


@dataclass(frozen=True)
class ActorFilter:
    """What a search asks for, already validated and resolved to codes and ids.

    Values of one filter are alternatives (municipality Kumla or Nora); different filters must
    all hold. Interest areas and target groups include their narrower terms.
    """

    text: TextQuery | None = None
    municipalities: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    postal_code: str | None = None
    near: tuple[float, float] | None = None  # (latitude, longitude)
    radius_km: float = 10.0
    interest_areas: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    member_of: str | None = None
    has_org_number: bool | None = None
    archived: bool = False


@dataclass(frozen=True)
class ActorWrite:
    """A validated actor for create or update: stored properties plus the lists the graph holds as relationships.

    For an update only the keys present in `props` change (None removes a property), and
    `links` holds only the lists that are replaced (`active_in`, `interest_areas`,
    `target_groups`, `contacts`). `warnings` are for the caller: what could not be derived.
    """

    props: dict[str, Any]
    links: dict[str, list[Any]] = field(default_factory=dict)
    warnings: tuple[dict[str, str], ...] = ()


_LINK_KEYS = ("active_in", "interest_areas", "target_groups", "contacts")
# Input names that differ from the stored property names.
_RENAMED = {"municipality": "municipality_code", "coordinates": "location"}


def _no_municipality(postal_code: str | None) -> dict[str, str]:
    if postal_code:
        message = (
            f"Kommunen kunde inte härledas ur postnumret {postal_code}; ange kommun / "
            f"The municipality could not be derived from postal code {postal_code}; give the municipality"
        )
    else:
        message = "Ingen kommun och inget postnummer angivet / No municipality and no postal code given"
    return {"field": "municipality", "message": message}


def prepare_write(data: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> ActorWrite:
    """Turns validated API input into an `ActorWrite`; `current` is the stored actor when updating.

    The municipality comes from the input; when it is missing (or the postal address changed
    without it) it is derived from the postal code and locality, and a miss is reported as a
    warning rather than guessed.
    """
    props: dict[str, Any] = {}
    links: dict[str, list[Any]] = {}
    for key, value in data.items():
        if key in _LINK_KEYS:
            links[key] = list(value or [])
        else:
            props[_RENAMED.get(key, key)] = value
    warnings: list[dict[str, str]] = []
    address_changed = "postal_code" in data or "locality" in data
    if props.get("municipality_code") is None and (current is None or "municipality" in data or address_changed):
        postal = data.get("postal_code") if "postal_code" in data else (current or {}).get("postal_code")
        locality = data.get("locality") if "locality" in data else (current or {}).get("locality")
        derived = municipality_for_postal_code(postal or "", locality) if postal or locality else None
        if derived:
            props["municipality_code"] = derived
        else:
            warnings.append(_no_municipality(postal))
            if current is not None and "municipality" not in data:
                # The address changed to one the table does not know: keep the seat rather than lose it.
                props.pop("municipality_code", None)
            else:
                props["municipality_code"] = None
    if current is None:
        props["sources"] = ["api"]
    elif "api" not in (current.get("sources") or []):
        props["sources"] = [*(current.get("sources") or []), "api"]
    return ActorWrite(props, links, tuple(warnings))
