"""What the collaboration-model resources (relationships, agreements, arenas, challenges, analyses)
share: the domain-error handler, the write guard, who the writer is (for `created_by`/`updated_by`
and the audit trail), ETags from versions and the If-Match check, the page window, and provenance.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import jsonify, request
from flask_smorest import Blueprint, abort
from marshmallow import fields, validate
from werkzeug.http import quote_etag

from registry.auth import Write, authorize, current_principal
from registry.domain.relationships import CollaborationError, Vocabulary
from registry.errors import error_body
from registry.identity import Channel, Writer

ID = fields.String(required=True, validate=validate.Length(min=1, max=100))
TEXT_SHORT = 500
TEXT_LONG = 5000

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": "ETag från senaste GET / the ETag from your last GET. Saknas: 428; inaktuell: 412. "
    "Missing: 428; stale: 412.",
}


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


def api_writer() -> Writer:
    """The caller, over the API: what a DAO write that takes a `Writer` is given."""
    return Writer(current_principal(), Channel.API)


def etag(kind: str, obj_id: str, version: int | None) -> str:
    return hashlib.sha1(f"{kind}:{obj_id}:{version or 0}".encode(), usedforsecurity=False).hexdigest()


def etag_header(kind: str, obj_id: str, version: int | None) -> dict[str, str]:
    return {"ETag": quote_etag(etag(kind, obj_id, version))}


def require_if_match(kind: str, obj_id: str, version: int | None) -> int:
    """428 without If-Match, 412 when it names another version; returns the version it matched."""
    if not request.if_match:
        abort(
            428,
            message="If-Match saknas: hämta posten och skicka med dess ETag / If-Match is missing: GET the item "
            "and send its ETag.",
        )
    if not request.if_match.contains(etag(kind, obj_id, version)):
        abort(
            412,
            message="Posten har ändrats sedan du hämtade den; hämta den igen / The item changed since you fetched "
            "it; fetch it again.",
        )
    return int(version or 0)


# No collection here comes near ten million items; a page beyond that is a typo or a probe, and an
# unbounded skip would overflow the database's 64-bit integers.
MAX_SKIP = 10_000_000


def page_window(pagination_parameters: Any) -> tuple[int, int]:
    """(skip, limit) of flask-smorest's pagination parameters; 422 for a page beyond any collection."""
    skip = int(pagination_parameters.first_item)
    if skip > MAX_SKIP:
        abort(
            422,
            message="Sidan finns inte / The page is out of range.",
            errors={"query": {"page": [f"Högst {MAX_SKIP} poster bort / at most {MAX_SKIP} items in."]}},
        )
    return skip, int(pagination_parameters.page_size)


def vocabulary_field(vocab: Vocabulary, **kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.OneOf(vocab.ids),
        metadata={"description": vocab.describe(), "enum": list(vocab.ids)},
        **kwargs,
    )


META_FIELDS = ("source", "confidence", "valid_from", "valid_to", "note")


def meta_of(data: dict[str, Any]) -> dict[str, Any]:
    """The provenance and validity (`MetaSchema`) given in a request."""
    return {k: data[k] for k in META_FIELDS if k in data}


def guard_writes(bp: Blueprint, kind: Write) -> None:
    """Every write to the collaboration model needs a coordinator (or admin): checked before the
    body is read, so a caller without the right learns nothing from validation."""

    @bp.before_request
    def _authorize() -> None:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            # Meetings live under their arena's blueprint but are their own kind of write.
            authorize(current_principal(), Write.MEETING if "/meetings" in request.path else kind)
