"""/api/v1/relationships, an actor's relationships and network, and shortest paths between actors.

The resources only: what the collaboration-model resources share is in `registry.api.toolkit`, the
schemas in `registry.api.relationship_schemas`; every blueprint is registered in `registry.api`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import ValidationError

from registry.api.http import paged_get
from registry.api.maps import graph_file
from registry.api.relationship_schemas import (
    ActorRelationshipsQuerySchema,
    CollaborationVocabularySchema,
    EndSchema,
    GroupedRelationshipsSchema,
    NetworkQuerySchema,
    NetworkSchema,
    PathQuerySchema,
    PathsSchema,
    RelationshipCreateSchema,
    RelationshipPatchSchema,
    RelationshipQuerySchema,
    RelationshipSchema,
    load_properties,
)
from registry.api.toolkit import (
    IF_MATCH,
    current_writer,
    etag_header,
    guard_writes,
    handle_domain_errors,
    meta_of,
    page_window,
    require_if_match,
)
from registry.auth import Write
from registry.dao.network import NetworkDao
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
    RESOURCES,
    STAGES,
    Vocabulary,
)

blp = Blueprint(
    "relationships",
    __name__,
    url_prefix="/api/v1",
    description="Relationer i samverkansmodellen: beroenden, finansiering, uppfattningar, överenskommelser, arenor "
    "och samhällsutmaningar; nätverk och vägar mellan aktörer. / Relationships of the collaboration model: "
    "dependencies, funding, perceptions, agreements, arenas and challenges; networks and paths between actors.",
)


# -- resources ---------------------------------------------------------------------------------


def _dao() -> RelationshipDao:
    return RelationshipDao(get_graph())


def _split(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return dict(data.get("properties") or {}), meta_of(data)


@blp.route("/relationships")
class Relationships(MethodView):
    @paged_get(blp, RelationshipQuerySchema, RelationshipSchema)
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
            data["type"], data["from_"], data["to"], properties, meta, current_writer(), stage_date=stage_date
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
        item = dao.update(rel_id, version, properties, meta, current_writer(), stage_date=stage_date)
        return item, 200, etag_header("relationship", rel_id, item["version"])

    @blp.response(204)
    def delete(self, rel_id: str) -> None:
        """Ta bort en relation / Delete a relationship

        Att avsluta (POST …/end) bevarar historiken och är oftast rätt; ta bort det som var fel.
        / Ending keeps history and is usually right; delete what was recorded by mistake.
        """
        _dao().delete(rel_id, current_writer())


@blp.route("/relationships/<rel_id>/end")
class EndRelationship(MethodView):
    @blp.arguments(EndSchema)
    @blp.response(200, RelationshipSchema)
    @blp.alt_response(409, description="Redan avslutad / Already ended.")
    def post(self, data: dict[str, Any], rel_id: str) -> Any:
        """Avsluta en relation / End a relationship (sets valid_to, default today)"""
        item = _dao().end(rel_id, data.get("valid_to") or dt.date.today(), current_writer())
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


handle_domain_errors(blp)
guard_writes(blp, Write.RELATIONSHIP)
