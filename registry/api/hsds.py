"""/api/hsds/v3: the registry as an Open Referral HSDS 3.0 API (organizations, services, taxonomies, terms).

Read only, in HSDS's own paging (`page`, `per_page` in; `total_items`, `total_pages`,
`page_number`, `size`, `first_page`, `last_page`, `empty`, `contents` out). The filters are the
registry's search: `search` (text), `taxonomy_term_id`, `municipality` (SCB codes, a registry
extension) and `modified_after`. Contact persons appear only for callers `registry.auth` lets
see them, exactly as in /api/v1/actors. The mapping is `registry.hsds.mapping` (docs/hsds.md).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import UTC
from typing import Any, TypeVar

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from graph_schema.refdata import municipalities
from registry.api.actors import contacts_visible
from registry.auth import current_principal
from registry.dao.actors import ActorDao
from registry.dao.hsds import HsdsDao
from registry.db import get_graph
from registry.domain.actor import ActorFilter, text_query
from registry.domain.normalize import fold
from registry.hsds import mapping

blp = Blueprint(
    "hsds",
    __name__,
    url_prefix="/api/hsds/v3",
    description="HSDS 3.0 (Open Referral): aktörer som organisationer och tjänster, taxonomier / "
    "HSDS 3.0 (Open Referral): actors as organizations and services, taxonomies",
)

NOT_FOUND = "Finns inte / Not found."
HSDS_VERSION = "3.0"
_T = TypeVar("_T")
_DOC = "Se docs/hsds.md för mappningen / See docs/hsds.md for the mapping"


class PageArgs(Schema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1),
        # Past the last page: empty `contents`, as every list answers (registry.api.http).
        metadata={"description": "Sida (från 1) / Page (from 1)"},
    )
    per_page = fields.Integer(
        load_default=50, validate=validate.Range(1, 200), metadata={"description": "Per sida / Per page (1–200)"}
    )
    format = fields.String(
        load_default="json", validate=validate.OneOf(["json"]), metadata={"description": "Bara / only `json`"}
    )


class SearchArgs(PageArgs):
    search = fields.String(validate=validate.Length(1, 200), metadata={"description": "Fritext / Full text"})
    taxonomy_term_id = fields.UUID(metadata={"description": "Tjänster med termen / With this taxonomy term"})
    municipality = DelimitedList(
        fields.String(validate=validate.Regexp(r"^\d{4}$")),
        validate=validate.Length(max=50),
        metadata={"description": "Kommunkoder (SCB), kommaseparerade / Municipality codes (SCB), comma-separated"},
    )
    modified_after = fields.AwareDateTime(
        default_timezone=UTC, metadata={"description": "Ändrade från och med / Modified at or after (ISO 8601)"}
    )


class OrganizationArgs(SearchArgs):
    full = fields.Boolean(load_default=False, metadata={"description": "Hela organisationen / Fully nested"})


class ServiceArgs(SearchArgs):
    organization_id = fields.UUID(metadata={"description": "Organisationens tjänster / This organization's services"})


class TermArgs(PageArgs):
    search = fields.String(validate=validate.Length(1, 200), metadata={"description": "Del av namn eller kod"})
    taxonomy_id = fields.UUID(metadata={"description": "Termer i taxonomin / Terms of this taxonomy"})
    parent_id = fields.UUID(metadata={"description": "Termer under termen / Terms under this term"})
    top_only = fields.Boolean(load_default=False, metadata={"description": "Bara översta nivån / Top level only"})


def _listed(items: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
    """The asked-for page of a list held in memory (past the end: empty, as every list answers)."""
    start = (args["page"] - 1) * args["per_page"]
    return _paged(len(items), args, items[start : start + args["per_page"]])


def _paged(total: int, args: dict[str, Any], contents: list[dict[str, Any]]) -> dict[str, Any]:
    pages = math.ceil(total / args["per_page"]) if total else 0
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": args["page"],
        "size": len(contents),
        "first_page": args["page"] == 1,
        "last_page": args["page"] >= pages,
        "empty": not contents,
        "contents": contents,
    }


def _unprocessable(field: str, message: str) -> None:
    abort(422, message=message, errors={"query": {field: [message]}})


def _terms_by_id() -> dict[str, tuple[str, dict[str, Any]]]:
    """HSDS term id -> (the registry's vocabulary, its term)."""
    terms = HsdsDao(get_graph()).terms()
    return {mapping.term_id(kind, t["id"]): (kind, t) for kind, items in terms.items() for t in items}


def _filter(args: dict[str, Any]) -> ActorFilter:
    text = None
    if args.get("search"):
        text = text_query(args["search"])
        if text is None:
            _unprocessable("search", "Söktexten innehåller inga ord / The search text contains no words.")
    codes = tuple(dict.fromkeys(args.get("municipality") or []))
    unknown = [c for c in codes if c not in municipalities()]
    if unknown:
        _unprocessable("municipality", f"Okänd kommunkod / Unknown municipality code: {', '.join(unknown)}")
    areas: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    if args.get("taxonomy_term_id") is not None:
        found = _terms_by_id().get(str(args["taxonomy_term_id"]))
        if found is None:
            _unprocessable("taxonomy_term_id", "Okänd taxonomiterm / Unknown taxonomy term.")
            raise AssertionError
        kind, term = found
        if kind == "interest_areas":
            areas = (term["id"],)
        else:
            groups = (term["id"],)
    return ActorFilter(text=text, municipalities=codes, interest_areas=areas, target_groups=groups)


def _page_of(args: dict[str, Any], present: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    f = _filter(args)
    page = HsdsDao(get_graph()).page(
        f,
        modified_after=args.get("modified_after"),
        skip=(args["page"] - 1) * args["per_page"],
        limit=args["per_page"],
    )
    return _paged(page.total, args, [present(actor) for actor in page.items])


def _actor(kind: str | None, object_id: str) -> dict[str, Any]:
    """The actor behind an organization id (kind None) or a per-actor object id; 404 when none."""
    actor_id = object_id if kind is None else mapping.actor_of(kind, object_id)
    try:
        uuid.UUID(object_id)
    except ValueError:
        actor_id = None
    return _found(ActorDao(get_graph()).get(actor_id) if actor_id else None)


def _found(found: _T | None) -> _T:
    """What a single-object route found, or its 404."""
    if found is None:
        abort(404, message=NOT_FOUND)
        raise AssertionError
    return found


def _one(view: Callable[..., Any]) -> Any:
    """What every single-object route declares: the object (HSDS form), or 404."""
    return blp.response(200, description=_DOC)(blp.alt_response(404, description=NOT_FOUND)(view))


def _organization(view: dict[str, Any], *, full: bool = True) -> dict[str, Any]:
    if not full:
        return mapping.organization_summary(view)
    return mapping.organization(view, with_contacts=contacts_visible(view, current_principal()))


def _service(view: dict[str, Any]) -> dict[str, Any]:
    return {**mapping.service(view), "organization": mapping.organization_summary(view)}


_PAGED = {"description": "En sida i HSDS-form / One page, HSDS paging (`contents` holds the objects)"}


@blp.route("/")
class Root(MethodView):
    @blp.response(200, description="API:ets version / The API's version")
    def get(self) -> dict[str, Any]:
        """HSDS-API:ets version och beskrivning / The HSDS API's version and description"""
        return {
            "version": HSDS_VERSION,
            "profile": "https://openreferral.org/",
            "openapi_url": url_for("api-docs.openapi_json", _external=True),
        }


@blp.route("/organizations")
class Organizations(MethodView):
    @blp.arguments(OrganizationArgs, location="query")
    @blp.response(200, **_PAGED)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Organisationer (aktörer) / Organizations (actors)

        Utan `full` bara organisationens egna fält (HSDS `organization_list`). / Without `full`
        only the organization's own fields (HSDS `organization_list`).
        """
        return _page_of(args, lambda view: _organization(view, full=args["full"]))


@blp.route("/organizations/<organization_id>")
class Organization(MethodView):
    @_one
    def get(self, organization_id: str) -> dict[str, Any]:
        """En organisation med tjänster och platser / One organization with its services and locations"""
        return _organization(_actor(None, organization_id))


@blp.route("/services")
class Services(MethodView):
    @blp.arguments(ServiceArgs, location="query")
    @blp.response(200, **_PAGED)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Tjänster: vad aktörerna gör för vem / Services: what the actors do for whom"""
        if args.get("organization_id") is not None:
            view = ActorDao(get_graph()).get(str(args["organization_id"]))
            contents = [_service(view)] if view is not None and not view.get("archived") else []
            return _listed(contents, args)
        return _page_of(args, _service)


@blp.route("/services/<service_id>")
class Service(MethodView):
    @_one
    def get(self, service_id: str) -> dict[str, Any]:
        """En tjänst / One service"""
        return _service(_actor("service", service_id))


@blp.route("/taxonomies")
class Taxonomies(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, **_PAGED)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Registrets taxonomier / The registry's taxonomies (interest areas, target groups)"""
        return _listed([t.to_hsds() for t in mapping.TAXONOMIES.values()], args)


@blp.route("/taxonomies/<taxonomy_id>")
class TaxonomyById(MethodView):
    @_one
    def get(self, taxonomy_id: str) -> dict[str, Any]:
        """En taxonomi / One taxonomy"""
        return _found(mapping.TAXONOMY_BY_ID.get(taxonomy_id)).to_hsds()


@blp.route("/taxonomy_terms")
class TaxonomyTerms(MethodView):
    @blp.arguments(TermArgs, location="query")
    @blp.response(200, **_PAGED)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Taxonomitermer, tvåspråkiga / Taxonomy terms, bilingual (Swedish name, both labels in the description)"""
        terms = [mapping.taxonomy_term(kind, term) for kind, term in _terms_by_id().values()]
        if args.get("taxonomy_id") is not None:
            terms = [t for t in terms if t["taxonomy_id"] == str(args["taxonomy_id"])]
        if args.get("parent_id") is not None:
            terms = [t for t in terms if t.get("parent_id") == str(args["parent_id"])]
        if args["top_only"]:
            terms = [t for t in terms if "parent_id" not in t]
        if args.get("search"):
            needle = fold(args["search"])
            terms = [t for t in terms if needle in fold(f"{t['code']} {t['description']}")]
        terms.sort(key=lambda t: (t["taxonomy"], t["code"]))
        return _listed(terms, args)


@blp.route("/taxonomy_terms/<term_id>")
class TaxonomyTerm(MethodView):
    @_one
    def get(self, term_id: str) -> dict[str, Any]:
        """En taxonomiterm / One taxonomy term"""
        return mapping.taxonomy_term(*_found(_terms_by_id().get(term_id)))
