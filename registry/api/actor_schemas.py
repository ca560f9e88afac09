"""Marshmallow schemas of the actor and reference resources: what the API accepts and what it answers.

Input fields normalise as they validate (organisation numbers, phones, postal codes,
websites, e-mail addresses and municipalities through `registry.domain.normalize` and the
reference tables), so a value that passes is already in its stored form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from graph_schema.refdata import find_county, find_municipality
from registry.domain import normalize
from registry.domain.actor import KINDS, RESOURCES, SECTORS

# Control characters other than tab and line breaks, and lone surrogates (JSON allows "\ud800";
# the database's UTF-8 does not).
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NEAR = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")

MAX_NAME = 300
MAX_SHORT = 200
MAX_TEXT = 10_000
MAX_LIST = 50
MAX_QUERY = 200


class Text(fields.String):
    """Trimmed text without control characters; empty text is None (a cleared field) unless required."""

    def __init__(self, *, max_length: int = MAX_SHORT, **kwargs: Any) -> None:
        self.max_length = max_length
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"maxLength": max_length, **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if _FORBIDDEN.search(text):
            raise ValidationError("Otillåtna tecken / Characters that are not allowed.")
        text = text.strip()
        if len(text) > self.max_length:
            raise ValidationError(f"Högst {self.max_length} tecken / At most {self.max_length} characters.")
        if not text:
            if self.required or not self.allow_none:
                raise ValidationError("Får inte vara tomt / Must not be empty.")
            return None
        return text


class Normalised(Text):
    """Text passed through one of the shared normalisers; its ValueError becomes the field's message."""

    def __init__(self, normaliser: Callable[[str], Any], **kwargs: Any) -> None:
        self.normaliser = normaliser
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            return None
        try:
            return self.normaliser(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


def _one_email(value: str) -> str:
    addresses = normalize.emails([value])
    if len(addresses) != 1:
        raise ValueError(f"ogiltig e-postadress / invalid e-mail address: {value!r}")
    return addresses[0]


def _municipality(value: str) -> str:
    found = find_municipality(value)
    if found is None:
        raise ValueError(f"okänd kommun / unknown municipality: {value!r}")
    return found.code


def _county(value: str) -> str:
    found = find_county(value)
    if found is None:
        raise ValueError(f"okänt län / unknown county: {value!r}")
    return found.code


def _near(value: str) -> tuple[float, float]:
    match = _NEAR.match(value)
    if not match:
        raise ValueError("ange near som lat,lon, t.ex. 59.13,15.14 / give near as lat,lon, e.g. 59.13,15.14")
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("koordinater utanför jorden / coordinates outside the earth")
    return lat, lon


def _website(value: str) -> str | None:
    return normalize.website(value)


def _slug(value: str) -> str:
    if not _SLUG.match(value) or len(value) > 64:
        raise ValueError("små bokstäver a-z, siffror och bindestreck / lower-case a-z, digits and hyphens")
    return value


def _unique(values: list[Any]) -> None:
    if len(values) != len(set(values)):
        raise ValidationError("Samma värde flera gånger / The same value more than once.")


def _text_list(max_length: int = MAX_SHORT, **kwargs: Any) -> fields.List:
    return fields.List(Text(max_length=max_length), validate=validate.Length(max=MAX_LIST), **kwargs)


def _choice_list(choices: Mapping[str, Any], **kwargs: Any) -> fields.List:
    return fields.List(
        fields.String(validate=validate.OneOf(list(choices))),
        validate=[validate.Length(max=len(choices)), _unique],
        **kwargs,
    )


# -- input --------------------------------------------------------------------------------
class CoordinatesSchema(Schema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90), metadata={"example": 59.128})
    lon = fields.Float(required=True, validate=validate.Range(-180, 180), metadata={"example": 15.139})


class ContactInSchema(Schema):
    # The id GET returns, so that a contact read, changed and sent back stays the same contact
    # (and its history stays its own); a contact without one is new. Only this actor's own
    # contacts' ids are accepted (registry.api.actors checks), never on create.
    id = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={
            "description": "Kontaktens id från GET; utelämna för en ny / The contact's id from GET; omit for a new one"
        },
    )
    name = Text(required=True, max_length=MAX_SHORT)
    role = Text(allow_none=True)
    email = Normalised(_one_email, allow_none=True)
    phone = Normalised(normalize.phone, allow_none=True)


class ActorCreateSchema(Schema):
    """An actor as a client registers it. Unknown fields are refused."""

    name = Text(required=True, max_length=MAX_NAME, metadata={"example": "Kumla Pensionärsförening Linden"})
    alt_names = _text_list(MAX_NAME)
    sector = fields.String(required=True, validate=validate.OneOf(list(SECTORS)))
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    org_number = Normalised(normalize.org_number, allow_none=True, metadata={"example": "802412-3456"})
    description = Text(max_length=MAX_TEXT, allow_none=True)
    activities = Text(max_length=MAX_TEXT, allow_none=True)
    website = Normalised(_website, allow_none=True, max_length=500)
    emails = fields.List(Normalised(_one_email), validate=validate.Length(max=MAX_LIST))
    phones = fields.List(Normalised(normalize.phone), validate=validate.Length(max=MAX_LIST))
    street_address = Text(allow_none=True)
    postal_code = Normalised(normalize.postal_code, allow_none=True, metadata={"example": "692 31"})
    locality = Text(allow_none=True)
    municipality = Normalised(
        _municipality,
        allow_none=True,
        metadata={"description": "SCB-kod eller namn / SCB code or name; härleds ur postnumret om den saknas"},
    )
    active_in = fields.List(Normalised(_municipality), validate=validate.Length(max=290))
    coordinates = fields.Nested(CoordinatesSchema, allow_none=True)
    founded_year = fields.Integer(allow_none=True, validate=validate.Range(1000, date.today().year + 1))
    member_count = fields.Integer(allow_none=True, validate=validate.Range(0, 100_000_000))
    national_affiliation = Text(allow_none=True)
    resources_offered = _choice_list(RESOURCES)
    resources_needed = _choice_list(RESOURCES)
    goals = Text(max_length=MAX_TEXT, allow_none=True)
    interest_areas = fields.List(Normalised(_slug), validate=[validate.Length(max=MAX_LIST), _unique])
    target_groups = fields.List(Normalised(_slug), validate=[validate.Length(max=MAX_LIST), _unique])
    contacts = fields.List(fields.Nested(ContactInSchema), validate=validate.Length(max=MAX_LIST))


class ActorPatchSchema(ActorCreateSchema):
    """The fields to change; absent fields stay, null clears an optional field."""

    name = Text(max_length=MAX_NAME)
    sector = fields.String(validate=validate.OneOf(list(SECTORS)))
    kind = fields.String(validate=validate.OneOf(list(KINDS)))

    @validates_schema
    def not_empty(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("Inga ändringar / No changes given.")


# -- query arguments ------------------------------------------------------------------------
class ActorFilterArgsSchema(Schema):
    """Filters shared by search and export. Repeat a parameter for alternatives."""

    q = fields.String(
        validate=validate.Length(max=MAX_QUERY),
        metadata={"description": "Fritext / Full text, e.g. 'pensionar' or 'forening'", "example": "pensionär"},
    )
    municipality = fields.List(Normalised(_municipality), metadata={"description": "SCB-kod eller namn / code or name"})
    county = fields.List(Normalised(_county), metadata={"description": "SCB-kod eller namn / code or name"})
    postal_code = Normalised(normalize.postal_code)
    near = Normalised(_near, metadata={"description": "lat,lon (WGS 84)", "example": "59.128,15.139"})
    radius_km = fields.Float(
        validate=validate.Range(min=0, min_inclusive=False, max=1000),
        metadata={"description": "Radie kring near (standard 10 km) / Radius around near (default 10 km)"},
    )
    interest_area = fields.List(Normalised(_slug), validate=validate.Length(max=MAX_LIST))
    target_group = fields.List(Normalised(_slug), validate=validate.Length(max=MAX_LIST))
    sector = fields.List(fields.String(validate=validate.OneOf(list(SECTORS))))
    kind = fields.List(fields.String(validate=validate.OneOf(list(KINDS))))
    member_of = Text(max_length=64, metadata={"description": "Paraplyorganisationens id / the umbrella actor's id"})
    has_org_number = fields.Boolean()
    archived = fields.Boolean(
        load_default=False, metadata={"description": "true: bara arkiverade / only archived actors"}
    )

    @validates_schema
    def radius_needs_near(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "radius_km" in data and "near" not in data:
            raise ValidationError("radius_km kräver near / radius_km needs near", "radius_km")


class ActorSearchArgsSchema(ActorFilterArgsSchema):
    sort = fields.String(
        validate=validate.OneOf(["relevance", "name", "updated", "distance"]),
        metadata={"description": "Standard: relevance med q, distance med near, annars name"},
    )
    facets = fields.Boolean(load_default=True, metadata={"description": "Räkna fasetter / count facets"})

    @validates_schema
    def distance_needs_near(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("sort") == "distance" and "near" not in data:
            raise ValidationError("sort=distance kräver near / sort=distance needs near", "sort")


class ActorExportArgsSchema(ActorFilterArgsSchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "json", "hsds", "hsds-tabular"]))
    delimiter = fields.String(
        load_default="semicolon",
        validate=validate.OneOf(["semicolon", "comma"]),
        metadata={"description": "CSV: semikolon (svensk Excel) eller komma / semicolon (Swedish Excel) or comma"},
    )


# -- output ---------------------------------------------------------------------------------
class PlaceSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class TermProvenanceSchema(Schema):
    """Where a term of the actor came from (importers.vocabulary); absent when a person set it."""

    how = fields.String(
        required=True,
        validate=validate.OneOf(["stated", "category", "derived"]),
        metadata={
            "description": "stated: registrets målgrupp; category: mappat från kategori; derived: härlett ur text"
        },
    )
    field = fields.String(
        allow_none=True, metadata={"description": "category, activities, name, description, target_group"}
    )
    text = fields.String(allow_none=True, metadata={"example": "Pensionärsverksamhet"})
    rule = fields.String(allow_none=True, metadata={"example": "pensioners"})
    label_sv = fields.String(metadata={"example": "härlett från verksamhet: Pensionärsverksamhet"})
    label_en = fields.String(metadata={"example": "derived from activity: Pensionärsverksamhet"})


class TermRefSchema(Schema):
    id = fields.String(required=True)
    label_sv = fields.String(allow_none=True)
    label_en = fields.String(allow_none=True)
    provenance = fields.Nested(TermProvenanceSchema, allow_none=True)


class MembershipSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(allow_none=True)
    since = fields.String(allow_none=True)
    until = fields.String(allow_none=True)
    role = fields.String(allow_none=True)


class ContactSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class WarningSchema(Schema):
    field = fields.String(required=True)
    message = fields.String(required=True)


class SourceSchema(Schema):
    """One source of an actor's data: a register's record (what it said, and when), or a person
    (`api`) or the demo data, which have no record."""

    name = fields.String(required=True, metadata={"description": "Källans namn / the source's name"})
    record_id = fields.String(allow_none=True, metadata={"description": "Registrets id / the register's id"})
    imported_at = fields.String(allow_none=True, metadata={"description": "Senast ändrad / last changed (UTC)"})
    seat = fields.Boolean(metadata={"description": "Säte och adress kommer härifrån / the seat is this record's"})
    seat_basis = fields.String(
        allow_none=True, metadata={"description": "stated, address eller derived / how the record's seat was found"}
    )
    used = fields.List(
        fields.String(),
        metadata={
            "description": "Fält där aktörens värde är denna källas / fields whose value on the actor is this source's"
        },
    )
    # `fields` in the answer; a schema attribute of that name would hide marshmallow's own.
    stated = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.Raw(),
        metadata={"description": "Vad källan angav (utom kontaktpersoner) / what the source said (no contact persons)"},
    )


class StatedFieldsSchema(Schema):
    """What a register or the association itself states, as every actor answer shows it (the actor
    API's `ActorSchema` and an umbrella's member list, registry.api.umbrellas)."""

    sector = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    org_number = fields.String(allow_none=True)
    activities = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    emails = fields.List(fields.String())
    phones = fields.List(fields.String())
    street_address = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    locality = fields.String(allow_none=True)
    member_count = fields.Integer(allow_none=True)


class ActorSchema(StatedFieldsSchema):
    """An actor as the caller may see it: contact persons only for callers allowed to see them."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    alt_names = fields.List(fields.String())
    description = fields.String(allow_none=True)
    municipality = fields.Nested(PlaceSchema, allow_none=True)
    county = fields.Nested(PlaceSchema, allow_none=True)
    active_in = fields.List(fields.Nested(PlaceSchema))
    coordinates = fields.Nested(CoordinatesSchema, allow_none=True)
    coordinates_precision = fields.String(
        allow_none=True,
        validate=validate.OneOf(["address", "postal_code", "locality", "municipality"]),
        metadata={"description": "Hur exakt punkten är / how exact the point is (postal_code: postnumrets ort)"},
    )
    founded_year = fields.Integer(allow_none=True)
    national_affiliation = fields.String(allow_none=True)
    resources_offered = fields.List(fields.String())
    resources_needed = fields.List(fields.String())
    goals = fields.String(allow_none=True)
    interest_areas = fields.List(fields.Nested(TermRefSchema))
    target_groups = fields.List(fields.Nested(TermRefSchema))
    member_of = fields.List(fields.Nested(MembershipSchema))
    contacts = fields.List(
        fields.Nested(ContactSchema),
        metadata={"description": "Personuppgifter: bara för behöriga / personal data: only for those allowed"},
    )
    sources = fields.List(
        fields.Nested(SourceSchema),
        metadata={"description": "Varifrån uppgifterna kommer / provenance: which source said what, when"},
    )
    archived = fields.Boolean()
    archived_at = fields.String(allow_none=True)
    created_at = fields.String(allow_none=True)
    updated_at = fields.String(allow_none=True)
    version = fields.Integer()
    warnings = fields.List(fields.Nested(WarningSchema))


class ActorSummarySchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    sector = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    org_number = fields.String(allow_none=True)
    locality = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    municipality = fields.Nested(PlaceSchema, allow_none=True)
    active_in = fields.List(fields.Nested(PlaceSchema))
    website = fields.String(allow_none=True)
    interest_areas = fields.List(fields.String())
    target_groups = fields.List(fields.String())
    updated_at = fields.String(allow_none=True)
    archived = fields.Boolean()
    score = fields.Float(allow_none=True, metadata={"description": "Relevans vid fritext / relevance with q"})
    distance_km = fields.Float(allow_none=True, metadata={"description": "Avstånd från near / distance from near"})


class FacetValueSchema(Schema):
    key = fields.String(allow_none=True)
    label_sv = fields.String(allow_none=True)
    label_en = fields.String(allow_none=True)
    count = fields.Integer(required=True)


class FacetsSchema(Schema):
    sector = fields.List(fields.Nested(FacetValueSchema))
    kind = fields.List(fields.Nested(FacetValueSchema))
    interest_area = fields.List(fields.Nested(FacetValueSchema))
    target_group = fields.List(fields.Nested(FacetValueSchema))
    municipality = fields.List(fields.Nested(FacetValueSchema))


class ActorPageSchema(Schema):
    total = fields.Integer(required=True, metadata={"description": "Träffar totalt / total matches"})
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    items = fields.List(fields.Nested(ActorSummarySchema), required=True)
    facets = fields.Nested(FacetsSchema, allow_none=True)
    without_coordinates = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Med near: aktörer som uppfyller övriga filter men saknar koordinater / with near: "
            "actors matching every other filter that have no coordinates (so cannot be found by distance)"
        },
    )
    notes = fields.List(fields.String())


# -- reference ----------------------------------------------------------------------------------
class MunicipalityArgsSchema(Schema):
    county = Normalised(_county, metadata={"description": "SCB-kod eller namn / code or name"})


class MunicipalitySchema(Schema):
    code = fields.String(required=True, metadata={"example": "1881"})
    name = fields.String(required=True, metadata={"example": "Kumla"})
    official_name = fields.String(allow_none=True)
    county_code = fields.String(allow_none=True)
    actor_count = fields.Integer(required=True)


class CountySchema(Schema):
    code = fields.String(required=True, metadata={"example": "18"})
    name = fields.String(required=True, metadata={"example": "Örebro län"})
    short_name = fields.String(allow_none=True)
    municipality_count = fields.Integer(required=True)
    actor_count = fields.Integer(required=True)


class TermSchema(Schema):
    id = fields.String(required=True)
    label_sv = fields.String(allow_none=True)
    label_en = fields.String(allow_none=True)
    broader = fields.String(allow_none=True)
    narrower = fields.List(fields.String())
    actor_count = fields.Integer(metadata={"description": "Aktiva aktörer, underordnade termer inräknade"})


class TermCreateSchema(Schema):
    id = Normalised(_slug, required=True, max_length=64, metadata={"example": "choir"})
    label_sv = Text(required=True, metadata={"example": "Körsång"})
    label_en = Text(required=True, metadata={"example": "Choir singing"})
    broader = Normalised(_slug, allow_none=True, max_length=64, metadata={"example": "culture"})


class TermPatchSchema(Schema):
    label_sv = Text()
    label_en = Text()
    broader = Normalised(_slug, allow_none=True, max_length=64)

    @validates_schema
    def not_empty(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("Inga ändringar / No changes given.")


class VocabularyEntrySchema(Schema):
    key = fields.String(required=True)
    label_sv = fields.String(required=True)
    label_en = fields.String(required=True)


class VocabularySchema(Schema):
    sectors = fields.List(fields.Nested(VocabularyEntrySchema), required=True)
    kinds = fields.List(fields.Nested(VocabularyEntrySchema), required=True)
    resources = fields.List(fields.Nested(VocabularyEntrySchema), required=True)
