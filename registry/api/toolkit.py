"""What the collaboration-model resources (relationships, agreements, arenas, challenges, analyses)
share: the domain-error handler, the write guard, who the writer is (for `created_by`/`updated_by`
and the audit trail), and provenance. ETags, the If-Match check and the page window are
`registry.api.http`'s, re-exported here for the resources that import them with the rest.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_smorest import Blueprint
from marshmallow import fields, validate

from registry.api.http import IF_MATCH, MAX_SKIP, etag_header, page_window, require_if_match
from registry.auth import Write, authorize, current_principal, current_writer
from registry.domain.relationships import CollaborationError, Vocabulary
from registry.errors import error_body

__all__ = [
    "IF_MATCH",
    "MAX_SKIP",
    "current_writer",
    "etag_header",
    "guard_writes",
    "handle_domain_errors",
    "meta_of",
    "page_window",
    "require_if_match",
    "vocabulary_field",
    "who",
]

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
