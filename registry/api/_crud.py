"""What the agreement, arena, meeting and challenge resources share: their five routes (list,
create, read, update, delete: `crud_routes`), their ETags (flask-smorest's, from the item's version,
`registry.api.http`), the If-Match check before a change, the one 412 wording when a write loses a
race, who writes (`written_by()`, `current_writer()`), and adding an actor to one of them through a
relationship.

Each resource keeps its schemas and its own further routes (parties, participants, meetings,
engagements, networks). Views that answer an item carry `@blp.etag` (GET, POST, PATCH; not DELETE,
which needs no If-Match).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import jsonify, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema

from registry.api.http import PRECONDITION_FAILED, etag_header, page_window, tag_data
from registry.api.toolkit import guard_writes, handle_domain_errors, meta_of, who
from registry.auth import current_writer
from registry.dao.relationships import RelationshipDao
from registry.db import get_graph
from registry.domain.relationships import StaleError
from registry.errors import error_body

Answer = tuple[dict[str, Any], int, dict[str, str]]


def written_by() -> dict[str, Any]:
    """A create's or update's DAO keywords: `by`, the label the item keeps (`created_by`,
    `updated_by`), and the `writer` its audit event names."""
    return {"by": who(), "writer": current_writer()}


def collaboration_blueprint(name: str, import_name: str, description: str, write: Any) -> Blueprint:
    """A blueprint under /api/v1 with the collaboration model's error answers and write rule."""
    blp = Blueprint(name, import_name, url_prefix="/api/v1", description=description)
    handle_domain_errors(blp)

    @blp.errorhandler(StaleError)
    def stale(exc: StaleError):  # type: ignore[no-untyped-def]
        # Someone wrote between the If-Match check and the lock: the same 412 as a stale tag.
        return jsonify(error_body(412, PRECONDITION_FAILED)), 412

    guard_writes(blp, write)
    return blp


@dataclass(frozen=True)
class Tagged:
    """A kind of versioned item of blueprint `blp`: `kind` names its ETags, `endpoint` and `id_arg`
    where it lives."""

    blp: Blueprint
    kind: str
    endpoint: str
    id_arg: str

    def _tag(self, item: dict[str, Any]) -> dict[str, Any]:
        return tag_data(self.kind, item["id"], item.get("version"))

    def found(self, item: dict[str, Any]) -> dict[str, Any]:
        """The item, its ETag set (the view carries `@blp.etag`)."""
        self.blp.set_etag(self._tag(item))
        return item

    def created(self, item: dict[str, Any], **url_args: str) -> tuple[dict[str, Any], dict[str, str]]:
        """The item with its ETag and its address (`url_args`: the parents' ids in its URL)."""
        self.blp.set_etag(self._tag(item))
        return item, {"Location": url_for(self.endpoint, **url_args, **{self.id_arg: item["id"]})}

    def if_match(self, current: dict[str, Any]) -> int:
        """412 when If-Match is not `current`'s tag (flask-smorest: 428 without one); the version
        the caller saw, which the DAO checks again under its lock."""
        self.blp.check_etag(self._tag(current))
        return int(current.get("version") or 0)


@dataclass(frozen=True)
class Docs:
    """The bilingual summary of each of the five routes (the OpenAPI operations' summaries)."""

    list: str
    create: str
    read: str
    update: str
    delete: str


def crud_routes(
    blp: Blueprint,
    kind: str,
    path: str,
    names: tuple[str, str],
    dao: Callable[[], Any],
    *,
    query: type[Schema],
    search: Mapping[str, str],
    create: type[Schema],
    update: type[Schema],
    answer: type[Schema],
    docs: Docs,
) -> Tagged:
    """Registers the five routes every agreement, arena and challenge has, the same way for each:
    `path` lists (paged, filtered by `query`, whose arguments `search` maps to the DAO's keywords) and
    creates; `path/<kind_id>` reads, updates (If-Match) and deletes. `names` are the two resources'
    endpoint names (`Agreements`, `AgreementById`). Returns the kind's `Tagged`, for its other routes."""
    id_arg = f"{kind}_id"
    tagged = Tagged(blp, kind, f"{blp.name}.{names[1]}", id_arg)

    def listed(self: MethodView, args: dict[str, Any], pagination_parameters: Any) -> Any:
        skip, limit = page_window(pagination_parameters)
        page = dao().search(**{keyword: args.get(arg) for arg, keyword in search.items()}, skip=skip, limit=limit)
        pagination_parameters.item_count = page.total
        return page.items

    def created(self: MethodView, data: dict[str, Any]) -> Any:
        return tagged.created(dao().create(data, **written_by()))

    def read(self: MethodView, **ids: str) -> Any:
        return tagged.found(dao().get(ids[id_arg]))

    def updated(self: MethodView, data: dict[str, Any], **ids: str) -> Any:
        store = dao()
        version = tagged.if_match(store.get(ids[id_arg]))
        return tagged.found(store.update(ids[id_arg], version, data, **written_by()))

    def deleted(self: MethodView, **ids: str) -> None:
        dao().delete(ids[id_arg], writer=current_writer())

    # flask-smorest reads the summaries from the docstrings as the decorators wrap the functions.
    for view, doc in ((listed, docs.list), (created, docs.create), (read, docs.read)):
        view.__doc__ = doc
    updated.__doc__, deleted.__doc__ = docs.update, docs.delete
    collection = type(
        names[0],
        (MethodView,),
        {
            "get": blp.arguments(query, location="query")(
                blp.response(200, answer(many=True))(blp.paginate(page_size=50, max_page_size=200)(listed))
            ),
            "post": blp.arguments(create)(blp.etag(blp.response(201, answer)(created))),
        },
    )
    item = type(
        names[1],
        (MethodView,),
        {
            "get": blp.etag(blp.response(200, answer)(read)),
            "patch": blp.arguments(update)(blp.etag(blp.response(200, answer)(updated))),
            "delete": blp.response(204)(deleted),
        },
    )
    blp.route(path)(collection)
    blp.route(f"{path}/<{id_arg}>")(item)
    return tagged


def add_relationship(
    rel_type: str,
    actor_id: str,
    end_id: str,
    properties: dict[str, Any],
    data: dict[str, Any],
    *,
    stage_date: dt.date | None = None,
) -> Answer:
    """Writes `actor_id -[rel_type]-> end_id` as POST /api/v1/relationships would (the same rules,
    the same audit event), with the provenance and validity given in `data`."""
    item = RelationshipDao(get_graph()).create(
        rel_type, actor_id, end_id, properties, meta_of(data), current_writer(), stage_date=stage_date
    )
    return item, 201, etag_header("relationship", item["id"], item["version"])
