"""/api/v1/relationships, an actor's relationships and network, and shortest paths between actors.

Also holds what the collaboration-model resources share: the domain-error handler, ETags from
versions, the If-Match check, who the writer is (for `created_by`/`updated_by` and the audit
trail), and `register` for all of their blueprints.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import jsonify, request, url_for
from flask.views import MethodView
from flask_smorest import Api, Blueprint, abort
from marshmallow import INCLUDE, Schema, ValidationError, fields, post_load, validate
from webargs.fields import DelimitedList

from graph_schema.contract import Rel as R
from registry.api.http import IF_MATCH, etag_header, page_window, require_if_match
from registry.api.maps import graph_file
from registry.auth import Write, authorize, current_principal
from registry.dao.network import MAX_DEPTH, MAX_HOPS, NetworkDao
from registry.dao.relationships import RelationshipDao
from registry.db import get_graph
from registry.domain.relationships import (
    AGREEMENT_KINDS,
    ANCHORING,
    CADENCES,
    CONFIDENCE,
    DEPENDENCY_KINDS,
    FUNDING_FORMS,
    MEETING_CHECKLIST,
    MUTUAL_KINDS,
    NETWORK_TYPES,
    PARTICIPATION_ROLES,
    RELATIONSHIP_TYPES,
    REQUIRED_PROPERTIES,
    RESOURCES,
    STAGES,
    CollaborationError,
    Vocabulary,
)
from registry.errors import error_body
from registry.identity import Channel

blp = Blueprint(
    "relationships",
    __name__,
    url_prefix="/api/v1",
    description="Relationer i samverkansmodellen: beroenden, finansiering, uppfattningar, överenskommelser, arenor "
    "och samhällsutmaningar; nätverk och vägar mellan aktörer. / Relationships of the collaboration model: "
    "dependencies, funding, perceptions, agreements, arenas and challenges; networks and paths between actors.",
)

# -- shared by the collaboration-model resources -------------------------------------------

ID = fields.String(required=True, validate=validate.Length(min=1, max=100))
TEXT_SHORT = 500
TEXT_LONG = 5000


def handle_domain_errors(bp: Blueprint) -> None:
    @bp.errorhandler(CollaborationError)
    def domain_error(exc: CollaborationError):  # type: ignore[no-untyped-def]
        return jsonify(error_body(exc.status, exc.message, exc.errors)), exc.status


def who() -> str:
    """What `created_by` / `updated_by` records: the caller's role, and token when there is one."""
    principal = current_principal()
    return f"{principal.role.value}:{principal.token_id}" if principal.token_id else principal.role.value


def audited() -> dict[str, Any]:
    """The DAO keywords that make a write record its audit event: the caller, over the API."""
    return {"who": current_principal(), "channel": Channel.API}


def writer() -> dict[str, Any]:
    """`audited()` and `by`, the label a created or changed item keeps of who wrote it."""
    return {"by": who(), **audited()}


def vocabulary_field(vocab: Vocabulary, **kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.OneOf(vocab.ids),
        metadata={"description": vocab.describe(), "enum": list(vocab.ids)},
        **kwargs,
    )


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


# -- relationship schemas ----------------------------------------------------------------------


class DependsOnPropertiesSchema(Schema):
    kind = vocabulary_field(DEPENDENCY_KINDS, allow_none=True)
    resource = vocabulary_field(RESOURCES, allow_none=True)
    strength = fields.Integer(allow_none=True, validate=validate.Range(1, 5))


class FundsPropertiesSchema(Schema):
    amount_sek = fields.Integer(allow_none=True, validate=validate.Range(0, 10**12))
    year = fields.Integer(allow_none=True, validate=validate.Range(1900, 2100))
    form = vocabulary_field(FUNDING_FORMS, allow_none=True)


class PerceivesPropertiesSchema(Schema):
    valence = fields.Integer(allow_none=True, validate=validate.Range(-2, 2))


class PartyToPropertiesSchema(Schema):
    pass


class ParticipatesInPropertiesSchema(Schema):
    role = vocabulary_field(PARTICIPATION_ROLES, allow_none=True)
    since = fields.Date(allow_none=True)


class EngagedInPropertiesSchema(Schema):
    stage = vocabulary_field(STAGES, allow_none=True)
    anchored = fields.List(fields.String(validate=validate.OneOf(ANCHORING.ids)), allow_none=True)
    since = fields.Date(allow_none=True)
    stage_date = fields.Date(
        load_only=True,
        metadata={
            "description": "Dagen steget nåddes (standard i dag) / the day the stage was reached (default today)"
        },
    )


PROPERTY_SCHEMAS: dict[str, type[Schema]] = {
    R.DEPENDS_ON: DependsOnPropertiesSchema,
    R.FUNDS: FundsPropertiesSchema,
    R.PERCEIVES: PerceivesPropertiesSchema,
    R.PARTY_TO: PartyToPropertiesSchema,
    R.PARTICIPATES_IN: ParticipatesInPropertiesSchema,
    R.ENGAGED_IN: EngagedInPropertiesSchema,
}
assert set(PROPERTY_SCHEMAS) == set(RELATIONSHIP_TYPES.ids)

PROPERTIES_DOC = (
    "Egenskaper per typ / properties by type: "
    "DEPENDS_ON {kind (required): " + DEPENDENCY_KINDS.describe() + "; resource: " + RESOURCES.describe() + "; "
    "strength 1–5} – power: `to` holds power over `from`; symbiotic and competition are mutual. "
    "FUNDS {amount_sek, year (required), form (required): " + FUNDING_FORMS.describe() + "} – money flows from "
    "`from` to `to`. PERCEIVES {valence (required) −2…+2} – how `from` sees `to`. PARTY_TO {} (to an Agreement). "
    "PARTICIPATES_IN {role (required): " + PARTICIPATION_ROLES.describe() + "; since} (to an Arena). "
    "ENGAGED_IN {stage (required): " + STAGES.describe() + "; anchored: list of " + ANCHORING.describe() + "; "
    "since; stage_date} (to a Challenge)."
)


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
    valid_to = fields.Date(
        metadata={
            "description": "Första dag relationen inte gäller (standard i dag) / first day it no longer holds "
            "(default today)"
        }
    )


class HistoryEntrySchema(Schema):
    stage = fields.String()
    on = fields.Date()
    by = fields.String(allow_none=True)


class RelationshipSchema(Schema):
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
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    updated_by = fields.String(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
    version = fields.Integer(allow_none=True)
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
    valid_at = fields.Date(metadata={"description": "Bara relationer som gäller denna dag / only those valid that day"})


class ActorRelationshipsQuerySchema(Schema):
    valid_at = fields.Date(
        metadata={
            "description": "Bara relationer som gäller denna dag; utan: alla, även avslutade / only those valid "
            "that day; without it: all, ended ones included"
        }
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
    valid_at = fields.Date(
        metadata={
            "description": "Relationer som gäller denna dag (standard i dag) / relationships "
            "valid on this day (default today)"
        }
    )
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


# -- resources ---------------------------------------------------------------------------------


def _dao() -> RelationshipDao:
    return RelationshipDao(get_graph())


META_FIELDS = ("source", "confidence", "valid_from", "valid_to", "note")


def meta_of(data: dict[str, Any]) -> dict[str, Any]:
    """The provenance and validity (`MetaSchema`) given in a request."""
    return {k: data[k] for k in META_FIELDS if k in data}


def _split(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return dict(data.get("properties") or {}), meta_of(data)


@blp.route("/relationships")
class Relationships(MethodView):
    @blp.arguments(RelationshipQuerySchema, location="query")
    @blp.response(200, RelationshipSchema(many=True))
    @blp.paginate(page_size=50, max_page_size=500)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Relationer med filter / List relationships with filters

        Filter på typ, beroendeslag, aktör (i någon ände), sektorpar (t.ex. `public-civil`; ömsesidiga
        relationer matchar åt båda håll) och giltighetsdag. / Filter by type, dependency kind, actor
        (either end), sector pair (mutual kinds match both ways) and the day they are valid.
        """
        skip, limit = page_window(pagination_parameters)
        sectors = tuple(args["sectors"].split("-", 1)) if args.get("sectors") else None
        page = _dao().search(
            types=args.get("type"),
            kind=args.get("kind"),
            actor=args.get("actor"),
            sectors=(sectors[0], sectors[1]) if sectors else None,
            valid_at=args.get("valid_at"),
            skip=skip,
            limit=limit,
        )
        pagination_parameters.item_count = page.total
        return page.items

    @blp.arguments(RelationshipCreateSchema)
    @blp.response(201, RelationshipSchema)
    @blp.alt_response(
        409,
        description="Samma relation finns redan för överlappande datum / The same relationship "
        "already exists for overlapping dates.",
    )
    def post(self, data: dict[str, Any]) -> Any:
        """Skapa en relation / Create a relationship

        Bara de typer och ändar som schemakontraktet tillåter; ingen relation från en nod till sig
        själv; samma relation för överlappande datum ger 409. Ömsesidiga beroenden (symbiotic,
        competition) lagras en gång och läses från båda ändar. / Only the types and ends the schema
        contract allows; no self-loops; the same relationship for overlapping dates is a 409.
        """
        properties, meta = _split(data)
        stage_date = properties.pop("stage_date", None)
        item = _dao().create(
            data["type"], data["from_"], data["to"], properties, meta, stage_date=stage_date, **writer()
        )
        headers = {
            **etag_header("relationship", item["id"], item["version"]),
            "Location": url_for("relationships.RelationshipById", rel_id=item["id"]),
        }
        return item, 201, headers


@blp.route("/relationships/<rel_id>")
class RelationshipById(MethodView):
    @blp.response(200, RelationshipSchema)
    def get(self, rel_id: str) -> Any:
        """En relation / One relationship (with its ETag)"""
        item = _dao().get(rel_id)
        return item, 200, etag_header("relationship", rel_id, item["version"])

    @blp.arguments(RelationshipPatchSchema)
    @blp.response(200, RelationshipSchema)
    @blp.doc(parameters=[IF_MATCH])
    @blp.alt_response(412, description="Relationen har ändrats / The relationship changed (stale ETag).")
    @blp.alt_response(428, description="If-Match saknas / If-Match is missing.")
    def patch(self, data: dict[str, Any], rel_id: str) -> Any:
        """Ändra en relation / Update a relationship (If-Match required)

        Ett nytt `stage` för ENGAGED_IN läggs till i historiken. / A new ENGAGED_IN `stage` is
        appended to its history.
        """
        dao = _dao()
        current = dao.get(rel_id)
        version = require_if_match("relationship", rel_id, current["version"])
        properties, meta = _split(data)
        if "properties" in data:
            try:
                properties = load_properties(current["type"], properties, partial=True)
            except ValidationError as exc:
                abort(422, message="Ogiltiga egenskaper / Invalid properties.", errors={"json": exc.messages})
        stage_date = properties.pop("stage_date", None)
        item = dao.update(rel_id, version, properties, meta, stage_date=stage_date, **writer())
        return item, 200, etag_header("relationship", rel_id, item["version"])

    @blp.response(204)
    def delete(self, rel_id: str) -> None:
        """Ta bort en relation / Delete a relationship

        Att avsluta (POST …/end) bevarar historiken och är oftast rätt; ta bort det som var fel.
        / Ending keeps history and is usually right; delete what was recorded by mistake.
        """
        _dao().delete(rel_id, **audited())


@blp.route("/relationships/<rel_id>/end")
class EndRelationship(MethodView):
    @blp.arguments(EndSchema)
    @blp.response(200, RelationshipSchema)
    @blp.alt_response(409, description="Redan avslutad / Already ended.")
    def post(self, data: dict[str, Any], rel_id: str) -> Any:
        """Avsluta en relation / End a relationship (sets valid_to, default today)"""
        item = _dao().end(rel_id, data.get("valid_to") or dt.date.today(), **writer())
        return item, 200, etag_header("relationship", rel_id, item["version"])


@blp.route("/actors/<actor_id>/relationships")
class ActorRelationships(MethodView):
    @blp.arguments(ActorRelationshipsQuerySchema, location="query")
    @blp.response(200, GroupedRelationshipsSchema)
    def get(self, args: dict[str, Any], actor_id: str) -> Any:
        """En aktörs relationer, grupperade per typ / An actor's relationships grouped by type"""
        return _dao().for_actor(actor_id, args.get("valid_at"))


@blp.route("/actors/<actor_id>/network")
class ActorNetwork(MethodView):
    @blp.arguments(NetworkQuerySchema, location="query")
    @blp.response(200, NetworkSchema)
    @blp.doc(
        responses={
            "200": {
                "description": "Nätverket som JSON, GraphML eller GEXF / The network as JSON, GraphML or GEXF",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Network"}},
                    "application/graphml+xml": {"schema": {"type": "string", "description": "format=graphml"}},
                    "application/gexf+xml": {"schema": {"type": "string", "description": "format=gexf"}},
                },
            }
        }
    )
    def get(self, args: dict[str, Any], actor_id: str) -> Any:
        """Nätverket runt en aktör / The network around an actor

        Noder och kanter inom `depth` steg (1–3) längs valda relationstyper som gäller `valid_at`
        (standard i dag). Över `limit` noder behålls de närmaste och `truncated_from` anger hur
        många de var. / Nodes and edges within `depth` hops over the chosen types valid on
        `valid_at` (default today); past `limit` nodes the nearest are kept and `truncated_from`
        says how many there were.
        """
        network = NetworkDao(get_graph()).ego(
            actor_id, depth=args["depth"], types=args.get("types"), valid_at=args.get("valid_at"), limit=args["limit"]
        )
        if args["format"] != "json":
            return graph_file(network, args["format"], f"aktor-{actor_id}-{args['depth']}")
        return network.to_dict()


@blp.route("/paths")
class Paths(MethodView):
    @blp.arguments(PathQuerySchema, location="query")
    @blp.response(200, PathsSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Kortaste vägar mellan två aktörer / Shortest paths between two actors

        "Vem kan introducera oss?": alla kortaste vägar (högst tio) inom `max_hops` steg längs
        relationer som gäller, genom aktörer, arenor, överenskommelser och utmaningar. / "Who can
        introduce us?": all shortest paths (at most ten) within `max_hops` over valid relationships.
        """
        paths = NetworkDao(get_graph()).paths(
            args["from_"], args["to"], max_hops=args["max_hops"], types=args.get("types"), valid_at=args.get("valid_at")
        )
        return {
            "from": args["from_"],
            "to": args["to"],
            "max_hops": args["max_hops"],
            "paths": [{**p.to_dict(), "hops": len(p.edges)} for p in paths],
        }


@blp.route("/collaboration-vocabulary")
class CollaborationVocabulary(MethodView):
    @blp.response(200, CollaborationVocabularySchema)
    def get(self) -> Any:
        """Samverkansmodellens begrepp på svenska och engelska / The collaboration model's terms (sv, en)"""

        def terms(vocab: Vocabulary) -> list[dict[str, str]]:
            return [t.to_dict() for t in vocab]

        return {
            "relationship_types": terms(RELATIONSHIP_TYPES),
            "network_types": terms(NETWORK_TYPES),
            "dependency_kinds": terms(DEPENDENCY_KINDS),
            "mutual_kinds": sorted(MUTUAL_KINDS),
            "resources": terms(RESOURCES),
            "funding_forms": terms(FUNDING_FORMS),
            "confidence": terms(CONFIDENCE),
            "stages": terms(STAGES),
            "anchoring": terms(ANCHORING),
            "agreement_kinds": terms(AGREEMENT_KINDS),
            "participation_roles": terms(PARTICIPATION_ROLES),
            "cadences": terms(CADENCES),
            "meeting_checklist": terms(MEETING_CHECKLIST),
        }


def guard_writes(bp: Blueprint, kind: Write) -> None:
    """Every write to the collaboration model needs a coordinator (or admin): checked before the
    body is read, so a caller without the right learns nothing from validation."""

    @bp.before_request
    def _authorize() -> None:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            # Meetings live under their arena's blueprint but are their own kind of write.
            authorize(current_principal(), Write.MEETING if "/meetings" in request.path else kind)


handle_domain_errors(blp)
guard_writes(blp, Write.RELATIONSHIP)


def register(api: Api) -> None:
    """Registers the blueprints of the collaboration model (relationships, agreements, arenas,
    challenges, analyses)."""
    from registry.api import agreements, analyses, arenas, challenges

    for bp in (blp, agreements.blp, arenas.blp, challenges.blp, analyses.blp):
        api.register_blueprint(bp)
