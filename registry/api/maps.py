"""GET /maps/...: interactive relationship maps as complete, offline HTML pages (or a file to download)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, render_template, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from graph_schema.contract import Label as L
from registry.dao.hsds import HsdsDao
from registry.db import get_graph
from registry.domain.network import Network
from registry.errors import error_body
from visualisations import SIZE_BY
from visualisations import maps as renderer
from visualisations.graphfile import GRAPH_FORMATS, graph_bytes
from visualisations.graphfile import filename as graph_filename
from visualisations.page import content_security_policy
from visualisations.subjects import (
    MAP_TYPES,
    MapQueryError,
    Subject,
    SubjectNotFoundError,
    actor_map,
    arena_map,
    challenge_map,
    county_map,
    municipality_map,
)

blp = Blueprint(
    "maps",
    __name__,
    url_prefix="/maps",
    description="Relationskartor som HTML-sidor som fungerar utan internet; fel som JSON, eller som en liten sida "
    "till en webbläsare som ber om HTML / Relationship maps as HTML pages that work offline; errors as JSON, or as a "
    "small page to a browser that asks for HTML",
)

_View = Callable[..., Any]
_HTML = "text/html"
_PAGE = {
    "schema": {"type": "string", "format": "html"},
    "description": "En komplett HTML-sida, eller med format=graphml|gexf en GraphML-/GEXF-fil / A complete HTML "
    "page, or with format=graphml|gexf a GraphML/GEXF file",
    "content_type": _HTML,
}


class MapArgs(Schema):
    format = fields.String(
        load_default="html",
        validate=validate.OneOf(["html", *GRAPH_FORMATS]),
        metadata={"description": "html, eller graphml/gexf för Gephi / html, or graphml/gexf for Gephi"},
    )
    size_by = fields.String(
        load_default="degree",
        validate=validate.OneOf(SIZE_BY),
        metadata={"description": "Nodstorlek efter / Node size by: degree | betweenness"},
    )
    download = fields.Boolean(
        load_default=False,
        metadata={"description": "Som fil att spara / As a file to save (Content-Disposition: attachment)"},
    )


class FilterArgs(MapArgs):
    types = DelimitedList(
        fields.String(validate=validate.OneOf(MAP_TYPES)),
        metadata={"description": "Relationstyper, kommaseparerade / Relationship types, comma-separated"},
    )
    valid_at = fields.Date(
        load_default=None, metadata={"description": "Gällande detta datum / Valid at this date (YYYY-MM-DD)"}
    )


class ActorMapArgs(FilterArgs):
    depth = fields.Integer(
        load_default=1, validate=validate.Range(1, 3), metadata={"description": "Antal steg / Hops (1–3)"}
    )


class AreaMapArgs(FilterArgs):
    interest_area = fields.String(
        load_default=None,
        validate=validate.Length(1, 100),
        metadata={"description": "Intresseområde (id) / Interest area (id)"},
    )
    target_group = fields.String(
        load_default=None,
        validate=validate.Length(1, 100),
        metadata={"description": "Målgrupp (id) / Target group (id)"},
    )


def graph_file(network: Network, fmt: str, slug: str) -> Response:
    """The network as a GraphML or GEXF download, the actors' terms as node columns."""
    actors = [n.id for n in network.nodes if n.label == L.ACTOR]
    body = graph_bytes(network, fmt, HsdsDao(get_graph()).actor_terms(actors))
    response = Response(body, status=200, content_type=f"{GRAPH_FORMATS[fmt][0]}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{graph_filename(slug, fmt)}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _page(subject: Subject, args: dict[str, Any]) -> Response:
    if args["format"] in GRAPH_FORMATS:
        return graph_file(subject.network, args["format"], subject.slug)
    try:
        html = renderer.render_map(subject.network, title=subject.title, size_by=args["size_by"])
    except renderer.MapTooLargeError as exc:
        return _refusal(422, str(exc), {"nodes": exc.nodes, "max_nodes": exc.max_nodes})
    # Encoded here, not by the locale; the header and the page's meta tag both say UTF-8.
    response = Response(html.encode("utf-8"), status=200, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if args["download"]:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", subject.slug)[:100]
        response.headers["Content-Disposition"] = f'attachment; filename="karta-{slug}.html"'
    return response


def _refusal(status: int, message: str, errors: Any = None) -> Response:
    """The common JSON error, or, to a browser that asked for a page (a map inside the explorer's
    frame), the same message as a small page: a frame would otherwise show raw JSON."""
    accept = request.accept_mimetypes
    if accept.quality(_HTML) > accept.quality("application/json"):
        html = render_template("web/explorer_refusal.html", code=status, message=message)
        return Response(html, status=status, content_type="text/html; charset=utf-8")
    response = jsonify(error_body(status, message, errors))
    response.status_code = status
    return response


def _render(build: Callable[[], Subject], args: dict[str, Any]) -> Response:
    """The page of the map `build` makes, or its refusal: 404 for an unknown subject, the query's
    own status (422: bad filters, or too large, with how to filter) otherwise."""
    try:
        subject = build()
    except SubjectNotFoundError as exc:
        return _refusal(404, str(exc))
    except MapQueryError as exc:
        return _refusal(exc.status, str(exc), exc.errors)
    return _page(subject, args)


_UNPROCESSABLE = (
    "Ogiltig indata, eller kartan är för stor och svaret säger hur den kan filtreras / Invalid input, "
    "or the map is too large and the answer says how to filter it."
)


def _map_get(args_schema: type[Schema], not_found: str) -> Callable[[_View], Any]:
    """What every map route declares: its query, the page, and the 404 and 422 it may answer."""

    def wrap(view: _View) -> Any:
        documented: Any = blp.alt_response(422, description=_UNPROCESSABLE)(view)
        documented = blp.alt_response(404, description=not_found)(documented)
        documented = blp.response(200, **_PAGE)(documented)
        return blp.arguments(args_schema, location="query")(documented)

    return wrap


def _filtered(make: Callable[..., Subject], subject_id: str, args: dict[str, Any], **options: Any) -> Response:
    """A map `make` draws around one subject, with the query's relationship filters (types, valid_at)."""
    return _render(
        lambda: make(get_graph(), subject_id, types=args.get("types"), valid_at=args["valid_at"], **options),
        args,
    )


def _area(make: Callable[..., Subject], code: str, args: dict[str, Any]) -> Response:
    return _filtered(make, code, args, interest_area=args["interest_area"], target_group=args["target_group"])


@blp.route("/actors/<string:actor_id>")
class ActorMap(MethodView):
    @_map_get(ActorMapArgs, "Aktören finns inte / Actor not found")
    def get(self, args: dict[str, Any], actor_id: str):  # type: ignore[no-untyped-def]
        """Relationskarta runt en aktör / Relationship map around an actor (ego map)"""
        return _filtered(actor_map, actor_id, args, depth=args["depth"])


@blp.route("/municipalities/<string:code>")
class MunicipalityMap(MethodView):
    @_map_get(AreaMapArgs, "Kommunen finns inte / Municipality not found")
    def get(self, args: dict[str, Any], code: str):  # type: ignore[no-untyped-def]
        """Områdeskarta för en kommun / Area map of a municipality"""
        return _area(municipality_map, code, args)


@blp.route("/counties/<string:code>")
class CountyMap(MethodView):
    @_map_get(AreaMapArgs, "Länet finns inte / County not found")
    def get(self, args: dict[str, Any], code: str):  # type: ignore[no-untyped-def]
        """Områdeskarta för ett län / Area map of a county"""
        return _area(county_map, code, args)


@blp.route("/arenas/<string:arena_id>")
class ArenaMap(MethodView):
    @_map_get(MapArgs, "Arenan finns inte / Arena not found")
    def get(self, args: dict[str, Any], arena_id: str):  # type: ignore[no-untyped-def]
        """Karta över en mötesarena och dess deltagare / Map of a meeting arena and its participants"""
        return _render(lambda: arena_map(get_graph(), arena_id), args)


@blp.route("/challenges/<string:challenge_id>")
class ChallengeMap(MethodView):
    @_map_get(MapArgs, "Utmaningen finns inte / Challenge not found")
    def get(self, args: dict[str, Any], challenge_id: str):  # type: ignore[no-untyped-def]
        """Karta över en samhällsutmaning med varje aktörs steg / Map of a challenge with each actor's stage"""
        return _render(lambda: challenge_map(get_graph(), challenge_id), args)
