"""Which column holds what: built-in Swedish and English header synonyms, a user's mapping file, Interbook Go fields.

Every reader's row ends up as a dict of canonical field names (`name`, `org_number`, ...).
Headers are compared folded ('E-post', 'epost' and 'EPOST' are one header); a column that
maps to nothing is listed in the report, never silently dropped.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from importers.readers import ReadError
from registry.domain.normalize import fold

# Fields that may come from several columns at once (Telefon and Mobil both hold phones).
MULTI = frozenset({"phone", "email", "category", "activities", "target_group"})

_REGISTER: dict[str, tuple[str, ...]] = {
    "record_id": (
        "id",
        "föreningsid",
        "föreningsnummer",
        "föreningsnr",
        "kundnummer",
        "kundnr",
        "registernummer",
        "löpnummer",
        "record id",
        "recordid",
    ),
    "name": (
        "föreningsnamn",
        "namn",
        "förening",
        "föreningens namn",
        "organisation",
        "organisationsnamn",
        "name",
        "association",
        "association name",
        "organisation name",
        "organization name",
    ),
    "org_number": (
        "organisationsnummer",
        "org.nr",
        "orgnr",
        "org nr",
        "org-nr",
        "organisationsnr",
        "orgnummer",
        "organisation number",
        "organization number",
        "org number",
        "orgno",
    ),
    "category": (
        "kategori",
        "typ",
        "föreningstyp",
        "föreningskategori",
        "föreningsform",
        "category",
        "type",
        "association category",
    ),
    "activities": (
        "verksamhet",
        "aktiviteter",
        "aktivitet",
        "verksamheter",
        "sysselsättning",
        "activities",
        "activity",
        "occupations",
    ),
    "description": ("beskrivning", "presentation", "om föreningen", "information", "description", "about"),
    "street_address": (
        "adress",
        "gatuadress",
        "utdelningsadress",
        "postadress",
        "besöksadress",
        "address",
        "street address",
        "street",
    ),
    "postal_code": ("postnr", "postnummer", "post nr", "zipcode", "zip", "postal code", "postcode"),
    "locality": ("ort", "postort", "stad", "city", "locality", "town"),
    "municipality": ("kommun", "kommunkod", "kommunnamn", "municipality", "municipality code"),
    "email": ("e-post", "epost", "e-postadress", "email", "e-mail", "mail", "mejl"),
    "phone": ("telefon", "tel", "tfn", "mobil", "mobiltelefon", "telefonnummer", "phone", "mobile", "telephone"),
    "website": (
        "hemsida",
        "webbplats",
        "webbsida",
        "webb",
        "webbadress",
        "hemsideadress",
        "website",
        "web",
        "url",
        "www",
    ),
    "contact_name": ("kontaktperson", "kontakt", "kontaktpersonens namn", "contact", "contact person"),
    "contact_role": ("kontaktpersonens roll", "kontaktperson roll", "kontaktroll", "contact role"),
    "contact_email": ("kontaktpersonens e-post", "kontaktperson e-post", "kontakt e-post", "contact email"),
    "contact_phone": ("kontaktpersonens telefon", "kontaktperson telefon", "kontakt telefon", "contact phone"),
    "member_count": (
        "antal medlemmar",
        "medlemsantal",
        "medlemmar",
        "antal",
        "members",
        "member count",
        "number of members",
    ),
    "founded_year": ("bildad", "startår", "grundad", "bildades", "bildat år", "founded", "year founded"),
    "national_affiliation": (
        "riksorganisation",
        "förbund",
        "riksförbund",
        "ansluten till",
        "national organisation",
        "national affiliation",
    ),
    "target_group": ("målgrupp", "målgrupper", "target group", "target groups"),
}

_MEMBERS: dict[str, tuple[str, ...]] = {
    **_REGISTER,
    "name": (*_REGISTER["name"], "medlemsorganisation", "medlemsförening", "medlem", "member", "member organisation"),
    "role": ("roll", "uppdrag", "medlemskap", "role"),
    "since": ("medlem sedan", "sedan", "inträde", "inträdesdatum", "inträdesår", "since", "member since"),
}

CANONICAL = frozenset(_REGISTER) | frozenset(_MEMBERS)


def header_key(header: str) -> str:
    """'E-post', 'EPOST' and 'e post' compare equal; 'Org.nr' and 'Orgnr' too."""
    return re.sub(r"[\W_]+", "", fold(header))


def _synonyms(kind: str) -> dict[str, str]:
    table = _MEMBERS if kind == "members" else _REGISTER
    return {header_key(s): canonical for canonical, synonyms in table.items() for s in synonyms}


@dataclass
class Mapping:
    """A user's mapping file: columns to canonical fields (or to nothing), and extra category words."""

    columns: dict[str, str | None] = field(default_factory=dict)
    categories: dict[str, list[str]] = field(default_factory=dict)
    target_groups: dict[str, list[str]] = field(default_factory=dict)
    sheet: str | None = None
    # [[rules]] in the vocabulary's shape (importers/vocabulary/terms.toml): added, or replacing a shipped rule by id.
    rules: list[dict[str, Any]] = field(default_factory=list)


def load_mapping(path: Path) -> Mapping:
    """Reads a mapping file (JSON or TOML):

    [columns]            # header as written -> canonical field, or "" to ignore the column
    "Föreningens benämning" = "name"
    "Internt nummer" = ""
    [categories]         # register category -> interest-area ids
    "Motor och racing" = ["sports"]
    [target_groups]
    "Seniorer" = ["elderly"]
    [[rules]]            # vocabulary rules (importers/vocabulary/terms.toml): a shipped id replaces that rule
    id = "beekeeping"
    patterns = ["biodl-"]
    interest_areas = ["environment", "animals"]
    sheet = "Föreningar"  # XLSX: the sheet to read (at the top of the file)
    """
    try:
        raw_text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReadError(f"mappningsfilen kan inte läsas / the mapping file cannot be read: {exc}") from exc
    try:
        data: Any = json.loads(raw_text) if raw_text.lstrip().startswith("{") else tomllib.loads(raw_text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ReadError(
            f"mappningsfilen är varken JSON eller TOML / the mapping file is neither JSON nor TOML: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise ReadError("mappningsfilen ska vara ett objekt / the mapping file must be an object")
    unknown = set(data) - {"columns", "categories", "target_groups", "sheet", "rules"}
    if unknown:
        raise ReadError(f"okända nycklar i mappningsfilen / unknown keys in the mapping file: {sorted(unknown)}")
    mapping = Mapping(sheet=data.get("sheet"))
    rules = data.get("rules") or []
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise ReadError("mappningsfilen: rules ska vara en lista av tabeller / rules must be a list of tables")
    mapping.rules = list(rules)
    for header, target in dict(data.get("columns") or {}).items():
        target = target or None
        if target is not None and target not in CANONICAL:
            raise ReadError(
                f"mappningsfilen: {header!r} -> {target!r} är inget känt fält / the mapping file maps {header!r} "
                f"to an unknown field (known: {', '.join(sorted(CANONICAL))})"
            )
        mapping.columns[str(header)] = target
    for section in ("categories", "target_groups"):
        entries = dict(data.get(section) or {})
        for word, ids in entries.items():
            id_list = [ids] if isinstance(ids, str) else ids
            if not isinstance(id_list, list) or not all(isinstance(i, str) for i in id_list):
                raise ReadError(f"mappningsfilen: {section}.{word} ska vara en lista av id / must be a list of ids")
            getattr(mapping, section)[str(word)] = id_list
    return mapping


@dataclass
class ColumnMap:
    """Headers of one file resolved to canonical fields."""

    kind: str
    mapping: Mapping
    resolved: dict[str, str | None] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._synonyms = _synonyms(self.kind)
        self._user = {header_key(h): t for h, t in self.mapping.columns.items()}
        self._taken: set[str] = set()

    def add(self, headers: Iterable[str]) -> None:
        for header in headers:
            if header in self.resolved:
                continue
            key = header_key(header)
            if key in self._user:
                target = self._user[key]
            else:
                target = self._synonyms.get(key)
                if target is None:
                    self.unmapped.append(header)
            # A second column for a single-valued field (Adress and Utdelningsadress) is reported, not merged.
            if target is not None and target not in MULTI and target in self._taken:
                self.duplicates.append(header)
                target = None
            if target is not None:
                self._taken.add(target)
            self.resolved[header] = target

    @property
    def has_name(self) -> bool:
        return "name" in self._taken

    def canonical(self, values: dict[str, Any]) -> dict[str, Any]:
        """A row's header-keyed values as canonical fields; several columns of one field become a list."""
        out: dict[str, Any] = {}
        for header, value in values.items():
            if header not in self.resolved:
                self.add([header])
            target = self.resolved[header]
            if target is None:
                continue
            if target in MULTI:
                # A reader may hand several values of one field as a list (importers/hsds.py does).
                out.setdefault(target, []).extend(value if isinstance(value, list) else [value])
            else:
                out[target] = value
        return out

    def described(self) -> dict[str, Any]:
        return {
            "mapped": {h: t for h, t in self.resolved.items() if t is not None},
            "unmapped": list(self.unmapped),
            "ignored_duplicates": list(self.duplicates),
        }


# Interbook Go fields and what they hold. LeisureActivityCard (a municipal discount card) has no
# place in the actor model, and is listed as unmapped like any other column.
_IBGO_SCALAR = {
    "Id": "record_id",
    "Name": "name",
    "WebSite": "website",
    "AssociationCategoryName": "category",
    "Address": "street_address",
    "ZipCode": "postal_code",
    "City": "locality",
    "PublicInformation": "description",
}
_IBGO_KNOWN = frozenset({*_IBGO_SCALAR, "Phone", "Mobile", "Email", "CustomerOccupations", "CustomerContactPeople"})


def ibgo_canonical(customer: dict[str, Any], unmapped: dict[str, None]) -> dict[str, Any]:
    """One Interbook Go `Customers` entry as canonical fields (`unmapped` collects unknown keys)."""
    out: dict[str, Any] = {}
    for key, value in customer.items():
        if key not in _IBGO_KNOWN and value not in (None, "", [], False):
            unmapped.setdefault(key, None)
    for key, target in _IBGO_SCALAR.items():
        value = customer.get(key)
        if value not in (None, ""):
            out[target] = str(value)
    phones = [str(customer[k]) for k in ("Phone", "Mobile") if customer.get(k)]
    if phones:
        out["phone"] = phones
    if customer.get("Email"):
        out["email"] = [str(customer["Email"])]
    occupations = [str(o.get("Name")) for o in customer.get("CustomerOccupations") or [] if o and o.get("Name")]
    if occupations:
        out["activities"] = [", ".join(occupations)]
    contacts = []
    for person in customer.get("CustomerContactPeople") or []:
        if not person:
            continue
        name = " ".join(str(person.get(k) or "").strip() for k in ("Name", "Surname")).strip()
        if name:
            contacts.append(
                {
                    "name": name,
                    "role": person.get("Occupation") or None,
                    "email": person.get("Email") or None,
                    "phone": person.get("Mobile") or None,
                }
            )
    if contacts:
        out["contacts"] = contacts
    return out
