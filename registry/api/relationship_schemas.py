"""The relationships API's schemas: requests, answers, networks, paths and the vocabulary.

Each type's `properties` schema is generated from its declaration (graph_schema.relationship_types).
"""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, post_load, validate
from webargs.fields import DelimitedList

from graph_schema.relationship_types import WRITABLE, Property, RelationshipType
from registry.api.toolkit import TEXT_LONG, TEXT_SHORT, vocabulary_field
from registry.dao.network import MAX_DEPTH, MAX_HOPS
from registry.domain.relationships import (
    CONFIDENCE,
    DEPENDENCY_KINDS,
    NETWORK_TYPES,
    RELATIONSHIP_TYPES,
    REQUIRED_PROPERTIES,
)


def day(description: str) -> fields.Date:
    """A query or request date, documented (both languages) for the OpenAPI page."""
    return fields.Date(metadata={"description": description})


class LabelledTermSchema(Schema):
    id = fields.String(required=True)
    sv = fields.String(required=True)
    en = fields.String(required=True)


class NodeRefSchema(Schema):
    id = fields.String(required=True)
    label = fields.String(metadata={"description": "Actor, Agreement, Arena or Challenge"})
    name = fields.String(allow_none=True)
    sector = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    municipality_code = fields.String(allow_none=True)


class RecordSchema(Schema):
    """Who made and last changed a stored item (relationship, arena, agreement, challenge), and when."""

    version = fields.Integer(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    created_by = fields.String(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
    updated_by = fields.String(allow_none=True)


# -- relationship schemas ----------------------------------------------------------------------


def _property_field(prop: Property) -> fields.Field:
    """The marshmallow field of a declared property; every stored one may be null (a PATCH removes
    an optional property with null; a required one is checked apart)."""
    vocab = prop.vocabulary
    if prop.kind == "term" and vocab is not None:
        return vocabulary_field(vocab, allow_none=True)
    if prop.kind == "terms" and vocab is not None:
        return fields.List(fields.String(validate=validate.OneOf(vocab.ids)), allow_none=True)
    if prop.kind == "integer":
        return fields.Integer(allow_none=True, validate=validate.Range(*prop.bounds) if prop.bounds else None)
    if prop.kind == "date":
        if prop.input_only:
            return fields.Date(load_only=True, metadata={"description": prop.description or ""})
        return fields.Date(allow_none=True)
    return fields.String(allow_none=True, validate=validate.Length(max=TEXT_SHORT))


def _properties_schema(declared: RelationshipType) -> type[Schema]:
    # A stable name per type (DEPENDS_ON -> DependsOnPropertiesSchema), should one ever be published.
    name = "".join(part.capitalize() for part in declared.type.split("_")) + "PropertiesSchema"
    return Schema.from_dict({p.name: _property_field(p) for p in declared.properties}, name=name)


PROPERTY_SCHEMAS: dict[str, type[Schema]] = {d.type: _properties_schema(d) for d in WRITABLE}


def _property_doc(prop: Property) -> str:
    text = prop.name + (" (required)" if prop.required else "")
    if prop.vocabulary is not None:
        text += (": list of " if prop.kind == "terms" else ": ") + prop.vocabulary.describe()
    elif prop.bounds is not None:
        text += f" {prop.bounds[0]}…{prop.bounds[1]}"
    return text


def _type_doc(declared: RelationshipType) -> str:
    text = f"{declared.type} {{{'; '.join(_property_doc(p) for p in declared.properties)}}}"
    if declared.api_note:
        text += f" – {declared.api_note}"
    return text


PROPERTIES_DOC = "Egenskaper per typ / properties by type: " + " ".join(f"{_type_doc(d)}." for d in WRITABLE)


def load_properties(rel_type: str, raw: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validates `properties` against its type's schema; raises ValidationError under `properties`."""
    try:
        loaded = PROPERTY_SCHEMAS[rel_type]().load(raw, partial=partial)
    except ValidationError as exc:
        raise ValidationError({"properties": exc.messages}) from exc
    assert isinstance(loaded, dict)
    missing = [] if partial else [p for p in REQUIRED_PROPERTIES[rel_type] if loaded.get(p) is None]
    if missing:
        raise ValidationError({"properties": {p: ["Obligatorisk / Required."] for p in missing}})
    return loaded


class MetaSchema(Schema):
    source = fields.String(
        allow_none=True,
        validate=validate.Length(max=TEXT_SHORT),
        metadata={"description": "Varifrån uppgiften kommer / where the information comes from"},
    )
    confidence = vocabulary_field(CONFIDENCE, allow_none=True)
    valid_from = fields.Date(allow_none=True, metadata={"description": "Första giltiga dag / first valid day"})
    valid_to = fields.Date(
        allow_none=True,
        metadata={"description": "Första dag den inte längre gäller / first day it no longer holds (exclusive)"},
    )
    note = fields.String(allow_none=True, validate=validate.Length(max=TEXT_LONG))


class RelationshipCreateSchema(MetaSchema):
    type = fields.String(
        required=True,
        validate=validate.OneOf(RELATIONSHIP_TYPES.ids),
        metadata={"description": RELATIONSHIP_TYPES.describe()},
    )
    from_ = fields.String(
        required=True,
        data_key="from",
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Id för aktören relationen utgår från / id of the actor it starts at"},
    )
    to = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Id för aktör, överenskommelse, arena eller utmaning / id of the end"},
    )
    properties = fields.Dict(keys=fields.String(), load_default=dict, metadata={"description": PROPERTIES_DOC})

    @post_load
    def check_properties(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {**data, "properties": load_properties(data["type"], data.get("properties") or {}, partial=False)}


class RelationshipPatchSchema(MetaSchema):
    properties = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "Bara de egenskaper som ändras; null tar bort en valfri / only what changes; null "
            "removes an optional one. " + PROPERTIES_DOC
        },
    )


class EndSchema(Schema):
    valid_to = day("Första dag relationen inte gäller (standard i dag) / first day it no longer holds (default today)")


class HistoryEntrySchema(Schema):
    stage = fields.String()
    on = fields.Date()
    by = fields.String(allow_none=True)


class RelationshipSchema(RecordSchema):
    id = fields.String(allow_none=True, metadata={"description": "null för medlemskap / null for memberships"})
    type = fields.String(required=True)
    from_ = fields.Nested(NodeRefSchema, data_key="from", attribute="from")
    to = fields.Nested(NodeRefSchema)
    mutual = fields.Boolean(metadata={"description": "Ömsesidig: gäller åt båda håll / holds both ways"})
    properties = fields.Dict()
    source = fields.String(allow_none=True)
    confidence = fields.String(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)
    current = fields.Boolean(metadata={"description": "Gäller i dag / holds today"})
    history = fields.List(fields.Nested(HistoryEntrySchema))
    skipped_stages = fields.List(fields.String())
    moved_back = fields.Boolean()


class ActorRelationshipSchema(RelationshipSchema):
    direction = fields.String(metadata={"description": "out | in | mutual, seen from the actor"})
    other = fields.Nested(NodeRefSchema)


GroupedRelationshipsSchema = Schema.from_dict(
    {t: fields.List(fields.Nested(ActorRelationshipSchema)) for t in NETWORK_TYPES.ids},
    name="GroupedRelationshipsSchema",
)


class RelationshipQuerySchema(Schema):
    type = DelimitedList(
        fields.String(validate=validate.OneOf(RELATIONSHIP_TYPES.ids)),
        validate=validate.Length(max=len(RELATIONSHIP_TYPES.ids)),
        metadata={"description": "Kommaseparerade typer / comma-separated types: " + ", ".join(RELATIONSHIP_TYPES.ids)},
    )
    kind = vocabulary_field(DEPENDENCY_KINDS)
    actor = fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "Aktör i någon ände / actor at either end"}
    )
    sectors = fields.String(
        validate=validate.Regexp(r"^(public|civil|private)-(public|civil|private)$"),
        metadata={"description": "Sektorpar från→till, t.ex. / sector pair from→to, e.g. `public-civil`"},
    )
    valid_at = day("Bara relationer som gäller denna dag / only those valid that day")


class ActorRelationshipsQuerySchema(Schema):
    valid_at = day(
        "Bara relationer som gäller denna dag; utan: alla, även avslutade / only those valid "
        "that day; without it: all, ended ones included"
    )


class NetworkQuerySchema(Schema):
    depth = fields.Integer(load_default=1, validate=validate.Range(1, MAX_DEPTH))
    types = DelimitedList(
        fields.String(validate=validate.OneOf(NETWORK_TYPES.ids)),
        validate=validate.Length(max=len(NETWORK_TYPES.ids)),
        metadata={
            "description": "Kommaseparerade typer att följa / comma-separated types to follow: "
            + ", ".join(NETWORK_TYPES.ids)
        },
    )
    valid_at = day("Relationer som gäller denna dag (standard i dag) / relationships valid on this day (default today)")
    limit = fields.Integer(load_default=2000, validate=validate.Range(1, 5000))
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "graphml", "gexf"]),
        metadata={"description": "json, eller graphml/gexf för Gephi / json, or graphml/gexf for Gephi"},
    )


class NetworkNodeSchema(Schema):
    id = fields.String(required=True)
    label = fields.String(required=True)
    name = fields.String(required=True)
    sector = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    municipality_code = fields.String(allow_none=True)
    facts = fields.Dict(keys=fields.String(), values=fields.String())


class NetworkEdgeSchema(Schema):
    id = fields.String(required=True)
    type = fields.String(required=True)
    source = fields.String(required=True)
    target = fields.String(required=True)
    properties = fields.Dict()


class NetworkSchema(Schema):
    nodes = fields.List(fields.Nested(NetworkNodeSchema))
    edges = fields.List(fields.Nested(NetworkEdgeSchema))
    truncated_from = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Satt när nätverket kapats vid limit: antal noder utan tak / set when cut at limit: "
            "how many nodes there were"
        },
    )


class PathQuerySchema(Schema):
    from_ = fields.String(required=True, data_key="from", validate=validate.Length(min=1, max=100))
    to = fields.String(required=True, validate=validate.Length(min=1, max=100))
    max_hops = fields.Integer(load_default=4, validate=validate.Range(1, MAX_HOPS))
    types = DelimitedList(
        fields.String(validate=validate.OneOf(NETWORK_TYPES.ids)), validate=validate.Length(max=len(NETWORK_TYPES.ids))
    )
    valid_at = fields.Date()


class PathSchema(NetworkSchema):
    hops = fields.Integer()


class PathsSchema(Schema):
    from_ = fields.String(data_key="from", attribute="from")
    to = fields.String()
    max_hops = fields.Integer()
    paths = fields.List(fields.Nested(PathSchema))


class CollaborationVocabularySchema(Schema):
    class Meta:
        unknown = INCLUDE

    relationship_types = fields.List(fields.Nested(LabelledTermSchema))
    network_types = fields.List(fields.Nested(LabelledTermSchema))
    dependency_kinds = fields.List(fields.Nested(LabelledTermSchema))
    mutual_kinds = fields.List(fields.String())
    resources = fields.List(fields.Nested(LabelledTermSchema))
    funding_forms = fields.List(fields.Nested(LabelledTermSchema))
    confidence = fields.List(fields.Nested(LabelledTermSchema))
    stages = fields.List(fields.Nested(LabelledTermSchema))
    anchoring = fields.List(fields.Nested(LabelledTermSchema))
    agreement_kinds = fields.List(fields.Nested(LabelledTermSchema))
    participation_roles = fields.List(fields.Nested(LabelledTermSchema))
    cadences = fields.List(fields.Nested(LabelledTermSchema))
    meeting_checklist = fields.List(fields.Nested(LabelledTermSchema))
