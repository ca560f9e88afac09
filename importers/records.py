"""One register row, in canonical fields, validated and normalised into the record the graph will hold.

Identity fields decide whether a row can be imported at all: a missing name, an invalid
organisation number, an unknown municipality or a cell that looks like a spreadsheet formula
rejects the row with its reason. A bad contact detail (a phone number, an e-mail address, a
website, an address that is not an address) only loses that value, with a warning.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graph_schema.refdata import Located, find_municipality, locate, municipality_for_postal_code
from importers.categories import CategoryMapper
from registry.domain import normalize

MAX_CELL = 10_000
MAX_NAME = 300

# Ids of actors, contacts and review items made by importers derive from this namespace and a
# record's key, so an import that is run again (or finishes after an interruption) finds them.
IMPORT_NAMESPACE = uuid.UUID("0c6f5f0e-93a1-4b43-a8f5-1f6a4a3e5d27")

_LIST_SPLIT = re.compile(r"\s*[,;/]\s*|\s+och\s+")
_PHONE_SPLIT = re.compile(r"\s*[,;/]\s*|\s+(?:och|el(?:ler)?\.?)\s+")


class RowRejectedError(ValueError):
    """The row cannot be imported; the message is the reason shown with its line number."""


@dataclass
class Context:
    """What every row of one import shares."""

    kind: str  # "register" or "members"
    source: str
    categories: CategoryMapper
    municipality: str | None = None  # --municipality: the register's own municipality
    fallback_municipality: str | None = None  # members: the umbrella's seat
    umbrella_id: str | None = None
    today: date = field(default_factory=date.today)


@dataclass
class Normalised:
    record: dict[str, Any]
    warnings: list[tuple[str, str]]
    unknown_categories: tuple[str, ...] = ()
    unknown_target_groups: tuple[str, ...] = ()
    unmapped_activities: tuple[str, ...] = ()
    # Where the row would be placed (refdata.locate) and whether it names a place at all: import coverage.
    located: Located | None = None
    has_place: bool = False
    has_category_or_activity: bool = False


def _values(raw: dict[str, list[str]], key: str) -> list[str]:
    return raw.get(key) or []


def _one(raw: dict[str, list[str]], key: str) -> str | None:
    values = raw.get(key)
    return values[0] if values else None


def _check(key: str, text: str) -> None:
    if len(text) > MAX_CELL:
        raise RowRejectedError(
            f"fältet {key} är för långt ({len(text)} tecken, högst {MAX_CELL}) / "
            f"field {key} is too long ({len(text)} characters, at most {MAX_CELL})"
        )
    if text.lstrip().startswith("="):
        raise RowRejectedError(
            f"fältet {key} ser ut som en kalkylbladsformel ({text[:40]!r}) / "
            f"field {key} looks like a spreadsheet formula"
        )


def clean_cells(raw: dict[str, Any]) -> dict[str, list[str]]:
    """Each field's non-empty values as trimmed text, after rejecting formula-like and oversized cells."""
    cleaned: dict[str, list[str]] = {}
    for key, value in raw.items():
        if key == "contacts":
            for person in value or []:
                for field_name, item in person.items():
                    if item is not None:
                        _check(f"contacts.{field_name}", str(item))
            continue
        items = value if isinstance(value, list) else [value]
        texts = []
        for item in items:
            if item is None:
                continue
            text = str(item)
            _check(key, text)
            text = normalize.text(text)
            if text:
                texts.append(text)
        if texts:
            cleaned[key] = texts
    return cleaned


def _municipality(raw: dict[str, list[str]], postal: str | None, place: str | None, ctx: Context) -> str:
    named = _one(raw, "municipality")
    if named:
        found = find_municipality(named)
        if found is None:
            raise RowRejectedError(f"okänd kommun {named!r} / unknown municipality {named!r}")
        return found.code
    if postal:
        code = municipality_for_postal_code(postal, place)
        if code:
            return code
    if ctx.municipality:
        return ctx.municipality
    if place:
        code = municipality_for_postal_code("", place)
        if code:
            return code
    if ctx.fallback_municipality:
        return ctx.fallback_municipality
    raise RowRejectedError(
        "kommun saknas och kan inte härledas ur postnummer eller ort; ange --municipality / "
        "municipality missing and not derivable from postal code or locality; pass --municipality"
    )


def _since(value: str) -> str:
    """'2019', '2019-03', '2019-03-01' or '1 mars 2019' kept as ISO text of the precision given."""
    text = value.strip()
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
    if match:
        year, month, day = match.groups()
        try:
            if day:
                return date(int(year), int(month), int(day)).isoformat()
            if month:
                return date(int(year), int(month), 1).isoformat()[:7]
        except ValueError as exc:
            raise ValueError(f"ogiltigt datum / invalid date: {value!r}") from exc
        return year
    return str(normalize.year(text))


def _suspect(warnings: list[tuple[str, str]], field_name: str, problem: Any, value: str | None) -> None:
    reason = problem(value) if value else None
    if reason:
        warnings.append((field_name, reason))


def normalise_row(raw: dict[str, Any], ctx: Context) -> Normalised:
    """Canonical fields of one row -> the record's fields; raises RowRejectedError for identity problems."""
    contacts_raw = raw.get("contacts") or []
    values = clean_cells(raw)
    warnings: list[tuple[str, str]] = []

    def attempt(field_name: str, fn: Any, value: Any) -> Any:
        try:
            return fn(value)
        except ValueError as exc:
            warnings.append((field_name, str(exc)))
            return None

    name_text = _one(values, "name")
    if not name_text:
        raise RowRejectedError("namn saknas / name is missing")
    if normalize.bidi_controls(name_text):
        # The API refuses such a name (422); a register row is kept without them, with a warning,
        # since a name copied from right-to-left text can carry the marks without any intent.
        warnings.append(
            (
                "name",
                f"styrtecken för skrivriktning borttagna ({', '.join(normalize.bidi_controls(name_text))}) / "
                "text direction controls removed",
            )
        )
        name_text = "".join(c for c in name_text if c not in normalize.BIDI_CONTROLS)
    name = normalize.org_name(name_text)
    if len(name) > MAX_NAME:
        raise RowRejectedError(f"namnet är längre än {MAX_NAME} tecken / the name is longer than {MAX_NAME} characters")
    record: dict[str, Any] = {"name": name, "sector": "civil"}

    org = _one(values, "org_number")
    if org:
        try:
            record["org_number"] = normalize.org_number(org)
        except ValueError as exc:
            raise RowRejectedError(str(exc)) from exc

    postal_raw = _one(values, "postal_code")
    postal = attempt("postal_code", normalize.postal_code, postal_raw) if postal_raw else None
    # Well-formed but suspect values are kept with a warning on their row (an officer can check them).
    _suspect(warnings, "postal_code", normalize.postal_code_problem, postal)
    place = normalize.locality(_one(values, "locality") or "")
    seat = _municipality(values, postal, place, ctx)
    record["municipality_code"] = seat
    active_in = [ctx.municipality] if ctx.municipality and ctx.municipality != seat else []
    record["active_in"] = active_in
    record["postal_code"] = postal
    record["locality"] = place
    address = _one(values, "street_address")
    record["street_address"] = attempt("street_address", normalize.street_address, address) if address else None

    emails: list[str] = []
    for text in _values(values, "email"):
        for part in _LIST_SPLIT.split(text):
            if part.strip():
                for address_ in attempt("email", normalize.emails, part) or []:
                    if address_ not in emails:
                        emails.append(address_)
    record["emails"] = emails
    phones: list[str] = []
    for text in _values(values, "phone"):
        for part in _PHONE_SPLIT.split(text):
            if part.strip():
                number = attempt("phone", normalize.phone, part)
                if number and number not in phones:
                    phones.append(number)
    record["phones"] = phones
    for number in phones:
        _suspect(warnings, "phone", normalize.phone_problem, number)
    site = _one(values, "website")
    record["website"] = attempt("website", normalize.website, site) if site else None
    _suspect(warnings, "website", normalize.website_problem, record["website"])

    founded = _one(values, "founded_year")
    record["founded_year"] = (
        attempt("founded_year", lambda v: normalize.year(v, latest=ctx.today.year), founded) if founded else None
    )
    members = _one(values, "member_count")
    record["member_count"] = attempt("member_count", normalize.count, members) if members else None
    record["national_affiliation"] = _one(values, "national_affiliation")
    record["description"] = _one(values, "description")

    categories = _values(values, "category")
    activities = [a for a in (normalize.truncated_list(t) for t in _values(values, "activities")) if a]
    derivation, unknown_groups = ctx.categories.derive(
        categories=categories,
        activities=activities,
        name=name,
        description=record["description"],
        target_groups=_values(values, "target_group"),
    )
    # Categories no rule understood are kept where a reader finds them: among the activities.
    activities += [c for c in derivation.unmapped_categories if c not in activities]
    record["activities"] = ", ".join(activities) or None
    record["kind"] = derivation.kind or "association"
    record["interest_areas"] = sorted(derivation.interest_areas)
    record["target_groups"] = sorted(derivation.target_groups)
    # The register's own words and where each term came from: what `registry terms rederive` and the
    # actor page read (the record is kept whole on its SourceRecord).
    record["categories"] = categories
    record["term_provenance"] = derivation.provenance()

    record["contacts"] = _contacts(contacts_raw, values, warnings)
    record_id = _one(values, "record_id")
    record["record_id"] = record_id

    if ctx.kind == "members":
        since_text = _one(values, "since")
        record["member_of"] = {
            "umbrella": ctx.umbrella_id,
            "role": _one(values, "role"),
            "since": attempt("since", _since, since_text) if since_text else None,
        }
    return Normalised(
        {k: v for k, v in record.items() if v not in (None, [], "")},
        warnings,
        tuple(derivation.unmapped_categories),
        unknown_groups,
        tuple(derivation.unmapped_activities),
        located=locate(postal, place, seat),
        has_place=bool(postal or place),
        has_category_or_activity=bool(categories or activities),
    )


def _contacts(
    listed: list[dict[str, Any]], values: dict[str, list[str]], warnings: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    people = list(listed)
    if not people and _one(values, "contact_name"):
        people = [
            {
                "name": _one(values, "contact_name"),
                "role": _one(values, "contact_role"),
                "email": _one(values, "contact_email"),
                "phone": _one(values, "contact_phone"),
            }
        ]
    contacts: list[dict[str, Any]] = []
    for person in people:
        name = normalize.text(person.get("name"))
        if not name:
            continue
        contact: dict[str, Any] = {"name": normalize.person_name(name)}
        role = normalize.text(person.get("role"))
        if role:
            contact["role"] = role
        if person.get("email"):
            try:
                found = normalize.emails(str(person["email"]))
                if found:
                    contact["email"] = found[0]
            except ValueError as exc:
                warnings.append(("contact_email", str(exc)))
        if person.get("phone"):
            try:
                contact["phone"] = normalize.phone(str(person["phone"]))
            except ValueError as exc:
                warnings.append(("contact_phone", str(exc)))
        if all(c["name"] != contact["name"] for c in contacts):
            contacts.append(contact)
    return contacts


def record_key(source: str, record: dict[str, Any], *, register: str | None = None) -> str:
    """The deterministic key of a source record: the register's own id where it has one, else the
    name (as its blocking key) and place, which a register keeps unique.

    The place is the register's own municipality (`register`) when it has one, else the record's:
    so a club whose address moved to the next municipality is still the same record of its
    register, not a new one queued for review against itself. For a register's own clubs it is
    the key records had before.
    """
    if record.get("record_id"):
        return f"{source}:{record['record_id']}"
    return f"{source}:~{normalize.name_key(record['name'])}@{register or record['municipality_code']}"


def canonical_json(record: dict[str, Any]) -> str:
    """The record as the JSON its hash is taken of and its SourceRecord keeps."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(record: dict[str, Any] | str) -> str:
    text = record if isinstance(record, str) else canonical_json(record)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def derived_id(kind: str, key: str) -> str:
    return str(uuid.uuid5(IMPORT_NAMESPACE, f"{kind}:{key}"))
