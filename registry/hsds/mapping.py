"""An actor as HSDS 3.0 objects: organization, service, location, address, phones, identifiers, attributes, metadata.

Pure functions over the actor view `registry.dao.actors` reads (no Flask, no database), so the
API, the export and the benchmark map alike. docs/hsds.md is the mapping in prose; the test
suite validates what these functions return against Open Referral's schemas.

HSDS ids are UUIDs. An actor's own id is one already; an object the registry has one of per actor
(its service, its seat's location and address, ...) takes the actor's id with a fixed bit mask per
kind XORed in, so `/services/{id}` finds its actor without a table of ids, and every export gives
the same ids. Objects an actor has several of (phones, attributes) take name-based UUIDs (v5).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from graph_schema.refdata import counties, municipalities
from registry.domain.actor import KINDS

NAMESPACE = uuid.UUID("7d1c2f64-3f1b-4c55-9a0e-6f1e5b2a9c31")
COUNTRY = "SE"
# org-id.guide's list code for Swedish organisation numbers (Bolagsverket).
ORG_NUMBER_SCHEME = "SE-BLV"
ORG_NUMBER_TYPE = "organisationsnummer"
# How a location names the municipality it is in; the importer reads it back.
MUNICIPALITY_ID_TYPE = "scb-kommunkod"

_PER_ACTOR = ("service", "location", "address", "service_at_location", "organization_identifier")
_MASKS = {kind: uuid.uuid5(NAMESPACE, kind).int for kind in _PER_ACTOR}


def derived_id(*parts: str) -> str:
    """A name-based UUID for an object the registry has several of per actor (phones, attributes, ...)."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def as_uuid(registry_id: str) -> str:
    """The registry's id where it is a UUID (all of today's are), else a UUID derived from it."""
    try:
        return str(uuid.UUID(registry_id))
    except ValueError:
        return derived_id("id", registry_id)


def per_actor_id(kind: str, actor_id: str) -> str:
    """The id of the one `kind` object of an actor: the actor's UUID with that kind's mask XORed in."""
    return str(uuid.UUID(int=uuid.UUID(as_uuid(actor_id)).int ^ _MASKS[kind]))


def actor_of(kind: str, object_id: str) -> str | None:
    """The actor id behind a `per_actor_id`, or None when `object_id` is no UUID."""
    try:
        return str(uuid.UUID(int=uuid.UUID(object_id).int ^ _MASKS[kind]))
    except ValueError:
        return None


# -- taxonomies ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Taxonomy:
    key: str  # the registry's name of the vocabulary: "interest_areas" or "target_groups"
    name: str
    description: str
    link_type: str  # an attribute's link_type for a term of this taxonomy

    @property
    def id(self) -> str:
        return derived_id("taxonomy", self.key)

    def to_hsds(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "description": self.description, "version": "1"}


TAXONOMIES: dict[str, Taxonomy] = {
    "interest_areas": Taxonomy(
        "interest_areas",
        "samverkan-verksamhetsomraden",
        "Aktörsregistrets verksamhetsområden (svenska och engelska) / The actor registry's interest areas "
        "(Swedish and English)",
        "interest_area",
    ),
    "target_groups": Taxonomy(
        "target_groups",
        "samverkan-malgrupper",
        "Aktörsregistrets målgrupper (svenska och engelska) / The actor registry's target groups (Swedish and English)",
        "target_group",
    ),
}
TAXONOMY_BY_ID = {t.id: t for t in TAXONOMIES.values()}
TAXONOMY_BY_NAME = {t.name: t for t in TAXONOMIES.values()}


def term_id(kind: str, registry_term_id: str) -> str:
    return derived_id("taxonomy_term", kind, registry_term_id)


def taxonomy_term(kind: str, term: Mapping[str, Any]) -> dict[str, Any]:
    """A registry term ({id, label_sv, label_en[, broader]}) as an HSDS taxonomy_term: the Swedish label
    as its name, both labels in its description, the registry's id as its code."""
    taxonomy = TAXONOMIES[kind]
    sv = term.get("label_sv") or term["id"]
    en = term.get("label_en") or sv
    out: dict[str, Any] = {
        "id": term_id(kind, term["id"]),
        "code": term["id"],
        "name": sv,
        "description": f"{sv} / {en}",
        "taxonomy": taxonomy.name,
        "taxonomy_id": taxonomy.id,
        "language": "sv",
    }
    if term.get("broader"):
        out["parent_id"] = term_id(kind, term["broader"])
    return out


# -- one actor ---------------------------------------------------------------------------------
def _text(value: Any) -> str | None:
    """A value as HSDS text; None (left out) when it is missing or empty."""
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _uri(value: Any) -> str | None:
    """A web address as an RFC 3986 URI (HSDS's `format: uri`): characters a URI may not hold are
    percent-encoded; an address without a scheme and host is left out."""
    text = _text(value)
    if text is None:
        return None
    encoded = quote(text.strip(), safe=":/?#[]@!$&'()*+,;=%~")
    parts = urlsplit(encoded)
    return encoded if parts.scheme in ("http", "https") and parts.netloc else None


def _email(value: Any) -> str | None:
    text = _text(value)
    return text if text and "@" in text else None


def _put(target: dict[str, Any], **values: Any) -> dict[str, Any]:
    # HSDS types its fields (a string is never null): a value the registry lacks is left out.
    for key, value in values.items():
        if value is not None and value != []:
            target[key] = value
    return target


def _current(membership: Mapping[str, Any], today: str) -> bool:
    until = membership.get("until")
    # As the search decides: a membership ending today is over.
    return until is None or str(until) > today


def _metadata(actor: Mapping[str, Any], resource_id: str, resource_type: str) -> list[dict[str, Any]]:
    """Provenance as HSDS metadata: when the record was created and last changed, by which sources."""
    sources = ", ".join(str(s) for s in actor.get("sources") or []) or "samverkan-registry"
    out = []
    for action, when in (("create", actor.get("created_at")), ("update", actor.get("updated_at"))):
        if when:
            out.append(
                {
                    "id": derived_id("metadata", resource_type, resource_id, action),
                    "resource_id": resource_id,
                    "resource_type": resource_type,
                    "last_action_date": str(when),
                    "last_action_type": action,
                    "field_name": "",
                    "previous_value": "",
                    "replacement_value": "",
                    "updated_by": sources,
                }
            )
    return out


def _phones(numbers: Iterable[Any], owner_field: str, owner_id: str) -> list[dict[str, Any]]:
    phones = []
    for i, number in enumerate(numbers):
        text = _text(number)
        if text:
            phones.append(
                {"id": derived_id("phone", owner_field, owner_id, str(i)), owner_field: owner_id, "number": text}
            )
    return phones


def _contacts(actor: Mapping[str, Any], org_id: str) -> list[dict[str, Any]]:
    contacts = []
    for person in actor.get("contacts") or []:
        contact_id = as_uuid(str(person["id"]))
        contacts.append(
            _put(
                {"id": contact_id, "organization_id": org_id},
                name=_text(person.get("name")),
                title=_text(person.get("role")),
                email=_email(person.get("email")),
                phones=_phones([person.get("phone")] if person.get("phone") else [], "contact_id", contact_id),
            )
        )
    return contacts


def location(actor: Mapping[str, Any]) -> dict[str, Any]:
    """The actor's seat: its municipality (SCB code as external identifier), coordinates and street address."""
    org_id = as_uuid(actor["id"])
    location_id = per_actor_id("location", actor["id"])
    code = actor.get("municipality_code")
    municipality = municipalities().get(code) if code else None
    county = counties().get(municipality.county_code) if municipality else None
    coordinates = actor.get("coordinates") or None
    out = _put(
        {"id": location_id, "location_type": "physical", "organization_id": org_id},
        name=_text(actor.get("locality")) or (municipality.name if municipality else None),
        latitude=coordinates["lat"] if coordinates else None,
        longitude=coordinates["lon"] if coordinates else None,
        external_identifier=code,
        external_identifier_type=MUNICIPALITY_ID_TYPE if code else None,
    )
    street, postal = _text(actor.get("street_address")), _text(actor.get("postal_code"))
    if street or postal:
        out["addresses"] = [
            _put(
                {
                    "id": per_actor_id("address", actor["id"]),
                    "location_id": location_id,
                    "address_1": street or "",
                    "city": _text(actor.get("locality")) or (municipality.name if municipality else ""),
                    "state_province": county.name if county else "",
                    "postal_code": postal or "",
                    "country": COUNTRY,
                    "address_type": "physical",
                },
                region=municipality.name if municipality else None,
            )
        ]
    return out


def _term_attributes(actor: Mapping[str, Any], service_id: str) -> list[dict[str, Any]]:
    attributes = []
    for kind in ("interest_areas", "target_groups"):
        taxonomy = TAXONOMIES[kind]
        for term in actor.get(kind) or []:
            hsds_term = taxonomy_term(kind, term)
            attributes.append(
                {
                    "id": derived_id("attribute", service_id, kind, term["id"]),
                    "link_id": service_id,
                    "link_type": taxonomy.link_type,
                    "link_entity": "service",
                    "taxonomy_term_id": hsds_term["id"],
                    "value": term["id"],
                    "taxonomy_term": hsds_term,
                }
            )
    return attributes


def _organization_attributes(actor: Mapping[str, Any], org_id: str, today: str) -> list[dict[str, Any]]:
    """What HSDS has no field for: sector, kind, and every current umbrella membership."""
    attributes = []
    for link_type, value in (("sector", actor.get("sector")), ("kind", actor.get("kind"))):
        if value:
            attributes.append(
                {
                    "id": derived_id("attribute", org_id, link_type),
                    "link_id": org_id,
                    "link_type": link_type,
                    "link_entity": "organization",
                    "value": str(value),
                }
            )
    for membership in actor.get("member_of") or []:
        if _current(membership, today):
            umbrella = as_uuid(str(membership["id"]))
            attributes.append(
                {
                    "id": derived_id("attribute", org_id, "member_of", umbrella),
                    "link_id": org_id,
                    "link_type": "member_of",
                    "link_entity": "organization",
                    "value": umbrella,
                }
            )
    return attributes


def service(actor: Mapping[str, Any]) -> dict[str, Any]:
    """What the actor does for whom: one service carrying its interest areas and target groups as
    attributes linked to taxonomy terms, where it is active as service areas, at its seat.

    Contact persons hang on the organization only (one row each in a tabular package)."""
    org_id = as_uuid(actor["id"])
    service_id = per_actor_id("service", actor["id"])
    emails = actor.get("emails") or []
    areas = []
    for code in actor.get("active_in") or []:
        municipality = municipalities().get(code)
        if municipality:
            areas.append(
                {
                    "id": derived_id("service_area", service_id, code),
                    "service_id": service_id,
                    "name": municipality.name,
                    "extent": code,
                    "extent_type": MUNICIPALITY_ID_TYPE,
                }
            )
    out = _put(
        {
            "id": service_id,
            "organization_id": org_id,
            "name": str(actor.get("name") or ""),
            "status": "inactive" if actor.get("archived") else "active",
        },
        description=_text(actor.get("activities")) or _text(actor.get("description")),
        url=_uri(actor.get("website")),
        email=_email(emails[0]) if emails else None,
        last_modified=_text(actor.get("updated_at")),
        attributes=_term_attributes(actor, service_id),
        service_areas=areas,
        service_at_locations=[
            {
                "id": per_actor_id("service_at_location", actor["id"]),
                "service_id": service_id,
                "location_id": per_actor_id("location", actor["id"]),
            }
        ],
        metadata=_metadata(actor, service_id, "service"),
    )
    return out


def organization_summary(actor: Mapping[str, Any]) -> dict[str, Any]:
    """The organization without its nested lists (HSDS `organization_list`)."""
    emails = actor.get("emails") or []
    alt_names = actor.get("alt_names") or []
    kind = actor.get("kind")
    return _put(
        {
            "id": as_uuid(actor["id"]),
            "name": str(actor.get("name") or ""),
            "description": _text(actor.get("description")) or _text(actor.get("activities")) or "",
        },
        alternate_name=_text(alt_names[0]) if alt_names else None,
        email=_email(emails[0]) if emails else None,
        website=_uri(actor.get("website")),
        year_incorporated=actor.get("founded_year"),
        legal_status=f"{KINDS[kind].sv} / {KINDS[kind].en}" if kind in KINDS else None,
        parent_organization_id=parent_organization_id(actor),
    )


def parent_organization_id(actor: Mapping[str, Any], today: str | None = None) -> str | None:
    """HSDS allows one parent: the first current umbrella (by id); all of them are attributes too."""
    day = today or datetime.now(UTC).date().isoformat()
    current = sorted(str(m["id"]) for m in actor.get("member_of") or [] if _current(m, day))
    return as_uuid(current[0]) if current else None


def organization(actor: Mapping[str, Any], *, with_contacts: bool, with_services: bool = True) -> dict[str, Any]:
    """The whole organization (HSDS compiled `organization`), contacts only when `with_contacts`."""
    today = datetime.now(UTC).date().isoformat()
    org_id = as_uuid(actor["id"])
    out = organization_summary(actor)
    identifiers = []
    if actor.get("org_number"):
        identifiers.append(
            {
                "id": per_actor_id("organization_identifier", actor["id"]),
                "organization_id": org_id,
                "identifier_scheme": ORG_NUMBER_SCHEME,
                "identifier_type": ORG_NUMBER_TYPE,
                "identifier": str(actor["org_number"]),
            }
        )
    _put(
        out,
        organization_identifiers=identifiers,
        phones=_phones(actor.get("phones") or [], "organization_id", org_id),
        locations=[location(actor)],
        attributes=_organization_attributes(actor, org_id, today),
        metadata=_metadata(actor, org_id, "organization"),
    )
    if with_contacts:
        _put(out, contacts=_contacts(actor, org_id))
    if with_services:
        out["services"] = [service(actor)]
    return out
