"""What every JSON resource does the same way over HTTP: one ETag scheme, one If-Match wording, one
paging rule.

- **ETags** are flask-smorest's (`blp.etag`, `blp.set_etag`, `blp.check_etag`): the hash of a small
  dict that names the item and its `version` (`tag_data`). A resource that answers items of another
  kind (a relationship added through an agreement, say) sets the same tag with `etag_header`, and
  a resource outside flask-smorest's decorator checks one with `require_if_match`: the tag of an item
  is the same whichever way it is read.
- **428 and 412** say the same thing everywhere (`PRECONDITION_REQUIRED`, `PRECONDITION_FAILED`, and
  `registry.errors.RegistryApi` gives flask-smorest's own 428/412 these words).
- **Paging**: flask-smorest's `page`/`page_size` (HSDS's `page`/`per_page`) and `page_window`; a
  page past the end is an empty page (200) with the real total (`X-Pagination`), never a 422 or a
  silent clamp. The input guard (`registry.guard`) and `MAX_SKIP` keep the database's skip far
  from its 64-bit limit. The HTML pages, read by people, show the last page instead (`page_shown`),
  as the explorer's history does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from flask_smorest import Blueprint, abort
from marshmallow import Schema
from werkzeug.http import quote_etag

from registry.errors import PRECONDITION_FAILED, PRECONDITION_REQUIRED

__all__ = [
    "IF_MATCH",
    "MAX_SKIP",
    "PRECONDITION_FAILED",
    "PRECONDITION_REQUIRED",
    "etag_header",
    "page_shown",
    "page_window",
    "paged_get",
    "query_get",
    "require_if_match",
    "tag",
    "tag_data",
]

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": "ETag från senaste GET / the ETag from your last GET. Saknas: 428; inaktuell: 412. "
    "Missing: 428; stale: 412.",
}


def tag_data(kind: str, obj_id: str, version: int | None) -> dict[str, Any]:
    """What an item's ETag is computed from: its kind, id and version (every write bumps the version)."""
    return {"kind": kind, "id": obj_id, "version": int(version or 0)}


def tag(kind: str, obj_id: str, version: int | None) -> str:
    """The ETag `blp.set_etag(tag_data(...))` would send, unquoted."""
    return Blueprint._generate_etag(tag_data(kind, obj_id, version))


def etag_header(kind: str, obj_id: str, version: int | None) -> dict[str, str]:
    """The ETag header of an item answered outside `blp.etag` (a relationship created elsewhere)."""
    return {"ETag": quote_etag(tag(kind, obj_id, version))}


def require_if_match(kind: str, obj_id: str, version: int | None) -> int:
    """428 without If-Match, 412 when it names another version; returns the version it matched.
    For views without `blp.etag`; the words are the ones flask-smorest's own check answers with."""
    if not request.if_match:
        abort(428, message=PRECONDITION_REQUIRED)
    if tag(kind, obj_id, version) not in request.if_match:
        abort(412, message=PRECONDITION_FAILED)
    return int(version or 0)


_View = Callable[..., Any]


def query_get(blp: Blueprint, query: type[Schema], answer: Schema | type[Schema]) -> Callable[[_View], Any]:
    """A GET that reads `query` from the query string and answers `answer` with 200."""

    def wrap(view: _View) -> Any:
        return blp.arguments(query, location="query")(blp.response(200, answer)(view))

    return wrap


def paged_get(
    blp: Blueprint, query: type[Schema], answer: type[Schema], *, page_size: int = 50, max_page_size: int = 500
) -> Callable[[_View], Any]:
    """A GET listing of `answer` items filtered by `query`, in flask-smorest's pages (`page_window`)."""

    def wrap(view: _View) -> Any:
        paged = blp.paginate(page_size=page_size, max_page_size=max_page_size)(view)
        return query_get(blp, query, answer(many=True))(paged)

    return wrap


# No collection here comes near a billion items: a skip beyond this is past the end whatever the
# page size, and the database never sees a number near its 64-bit limit (the actor search's rule).
MAX_SKIP = 2**30


def page_window(pagination_parameters: Any) -> tuple[int, int]:
    """(skip, limit) of flask-smorest's pagination parameters. A page past the end is simply empty."""
    return min(int(pagination_parameters.first_item), MAX_SKIP), int(pagination_parameters.page_size)


def page_shown(requested: str | None, total: int, page_size: int) -> int:
    """The page an HTML page shows for `?page=`: nonsense is the first, past the end the last (a
    person who followed an old link sees the end of the list, not an empty table)."""
    pages = max(1, -(-total // page_size))
    try:
        page = int(requested or "1")
    except ValueError:
        return 1
    return max(1, min(page, pages))
