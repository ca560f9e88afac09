"""/api/v1 reference data: municipalities and counties with actor counts, taxonomies (admins edit), vocabulary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from registry.api.actor_schemas import (
    CountySchema,
    MunicipalityArgsSchema,
    MunicipalitySchema,
    TermCreateSchema,
    TermPatchSchema,
    TermSchema,
    VocabularySchema,
)
from registry.auth import Write, authorize, current_principal, current_writer
from registry.dao.reference import ReferenceDao
from registry.dao.taxonomy import Kind, TaxonomyDao, TaxonomyError, TermExistsError, TermInUseError
from registry.db import get_graph
from registry.domain.actor import KINDS, RESOURCES, SECTORS, Term

blp = Blueprint(
    "reference",
    __name__,
    url_prefix="/api/v1",
    description="Referensdata: kommuner, län, verksamhetsområden, målgrupper / "
    "Reference data: municipalities, counties, interest areas, target groups",
)

TERM_NOT_FOUND = "Termen finns inte / Term not found."

_F = TypeVar("_F", bound=Callable[..., Any])


_TAXONOMY_ENDPOINTS = frozenset(
    {"reference.InterestAreas", "reference.InterestArea", "reference.TargetGroups", "reference.TargetGroup"}
)


@blp.before_request
def _admins_change_taxonomies() -> None:
    # Before the body is read, so an anonymous caller learns nothing about what would be valid.
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.endpoint in _TAXONOMY_ENDPOINTS:
        authorize(current_principal(), Write.TAXONOMY)


def _entries(vocabulary: dict[str, Term]) -> list[dict[str, str]]:
    return [{"key": k, "label_sv": t.sv, "label_en": t.en} for k, t in vocabulary.items()]


@blp.route("/municipalities")
class Municipalities(MethodView):
    @blp.arguments(MunicipalityArgsSchema, location="query")
    @blp.response(200, MunicipalitySchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Kommuner med antal aktörer / Municipalities with actor counts

        En aktör räknas i sin säteskommun och i varje kommun den är verksam i. / An actor counts
        in its seat and in every municipality it is active in.
        """
        return ReferenceDao(get_graph()).municipalities(args.get("county"))


@blp.route("/counties")
class Counties(MethodView):
    @blp.response(200, CountySchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Län med antal kommuner och aktörer / Counties with municipality and actor counts"""
        return ReferenceDao(get_graph()).counties()


@blp.route("/vocabulary")
class Vocabulary(MethodView):
    @blp.response(200, VocabularySchema)
    def get(self) -> dict[str, Any]:
        """Sektorer, aktörstyper och resurser med etiketter / Sectors, actor kinds and resources with labels"""
        return {"sectors": _entries(SECTORS), "kinds": _entries(KINDS), "resources": _entries(RESOURCES)}


# -- taxonomies ------------------------------------------------------------------------------------
def _list(kind: Kind) -> list[dict[str, Any]]:
    return TaxonomyDao(get_graph()).list(kind)


def _get(kind: Kind, term_id: str) -> dict[str, Any]:
    term = TaxonomyDao(get_graph()).get(kind, term_id)
    if term is None:
        abort(404, message=TERM_NOT_FOUND)
        raise AssertionError
    return term


def _create(kind: Kind, data: dict[str, Any]) -> dict[str, Any]:
    try:
        return TaxonomyDao(get_graph()).create(
            kind,
            data["id"],
            data["label_sv"],
            data["label_en"],
            data.get("broader"),
            writer=current_writer(),
        )
    except TermExistsError as exc:
        abort(409, message=exc.message, errors={"json": {exc.field: [exc.message]}})
    except TaxonomyError as exc:
        abort(422, message=exc.message, errors={"json": {exc.field: [exc.message]}})
    raise AssertionError


def _update(kind: Kind, term_id: str, data: dict[str, Any]) -> dict[str, Any]:
    try:
        term = TaxonomyDao(get_graph()).update(kind, term_id, data, writer=current_writer())
    except TaxonomyError as exc:
        abort(422, message=exc.message, errors={"json": {exc.field: [exc.message]}})
        raise AssertionError from exc
    if term is None:
        abort(404, message=TERM_NOT_FOUND)
        raise AssertionError
    return term


def _delete(kind: Kind, term_id: str) -> None:
    try:
        found = TaxonomyDao(get_graph()).delete(kind, term_id, writer=current_writer())
    except TermInUseError as exc:
        abort(409, message=exc.message)
        raise AssertionError from exc
    if not found:
        abort(404, message=TERM_NOT_FOUND)


_ADMIN_ONLY = "Bara för administratörer / Admins only"


def _doc(text: str) -> Callable[[_F], _F]:
    """Set a view's docstring before flask-smorest's decorators copy it into the OpenAPI summary."""

    def decorate(func: _F) -> _F:
        func.__doc__ = text
        return func

    return decorate


def _taxonomy_routes(kind: Kind, path: str, collection: str, item: str, docs: dict[str, str]) -> None:
    """The four routes of one taxonomy; `collection` and `item` name the endpoints (reference.<name>)."""

    class Collection(MethodView):
        @blp.response(200, TermSchema(many=True))
        @_doc(docs["list"])
        def get(self) -> list[dict[str, Any]]:
            return _list(kind)

        @blp.arguments(TermCreateSchema)
        @blp.response(201, TermSchema)
        @blp.alt_response(401, description=_ADMIN_ONLY)
        @blp.alt_response(403, description=_ADMIN_ONLY)
        @blp.alt_response(409, description="Id:t finns redan / The id exists")
        @_doc(docs["create"])
        def post(self, data: dict[str, Any]) -> dict[str, Any]:
            return _create(kind, data)

    class Item(MethodView):
        @blp.response(200, TermSchema)
        @blp.alt_response(404, description=TERM_NOT_FOUND)
        @_doc(docs["get"])
        def get(self, term_id: str) -> dict[str, Any]:
            return _get(kind, term_id)

        @blp.arguments(TermPatchSchema)
        @blp.response(200, TermSchema)
        @blp.alt_response(401, description=_ADMIN_ONLY)
        @blp.alt_response(403, description=_ADMIN_ONLY)
        @blp.alt_response(404, description=TERM_NOT_FOUND)
        @_doc("Byt etiketter eller överordnad term (admin) / Change labels or the broader term (admin)")
        def patch(self, data: dict[str, Any], term_id: str) -> dict[str, Any]:
            return _update(kind, term_id, data)

        @blp.response(204)
        @blp.alt_response(401, description=_ADMIN_ONLY)
        @blp.alt_response(403, description=_ADMIN_ONLY)
        @blp.alt_response(404, description=TERM_NOT_FOUND)
        @blp.alt_response(409, description="Termen används / The term is in use")
        @_doc(docs["delete"])
        def delete(self, term_id: str) -> None:
            _delete(kind, term_id)

    Collection.__name__ = Collection.__qualname__ = collection
    Item.__name__ = Item.__qualname__ = item
    blp.route(path)(Collection)
    blp.route(f"{path}/<term_id>")(Item)


_taxonomy_routes(
    "interest_areas",
    "/interest-areas",
    "InterestAreas",
    "InterestArea",
    {
        "list": """Verksamhetsområden / Interest areas

        Hierarkiska: `broader` är den överordnade termen; `actor_count` räknar underordnade
        termers aktörer också. / Hierarchical: `broader` is the parent; `actor_count` includes
        the actors of narrower terms.
        """,
        "create": "Lägg till ett verksamhetsområde (admin) / Add an interest area (admin)",
        "get": "Ett verksamhetsområde / One interest area",
        "delete": "Ta bort ett oanvänt verksamhetsområde utan underordnade termer (admin) / "
        "Delete an unused leaf (admin)",
    },
)
_taxonomy_routes(
    "target_groups",
    "/target-groups",
    "TargetGroups",
    "TargetGroup",
    {
        "list": """Målgrupper / Target groups

        Hierarkiska som verksamhetsområdena. / Hierarchical like the interest areas.
        """,
        "create": "Lägg till en målgrupp (admin) / Add a target group (admin)",
        "get": "En målgrupp / One target group",
        "delete": "Ta bort en oanvänd målgrupp utan underordnade termer (admin) / Delete an unused leaf (admin)",
    },
)
