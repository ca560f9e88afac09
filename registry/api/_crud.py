"""What the agreement, arena, meeting and challenge resources share: ETags on the items they answer,
the If-Match check before a change, and adding an actor to one of them through a relationship.

Each resource still spells out its own routes, schemas and DAO calls (and the writer's `by` and
audit keywords, `writer()` / `audited()`); these helpers only take away the repetition around them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import url_for

from registry.api.toolkit import api_writer, etag_header, meta_of, require_if_match
from registry.dao.relationships import RelationshipDao
from registry.db import get_graph

Answer = tuple[dict[str, Any], int, dict[str, str]]


@dataclass(frozen=True)
class Tagged:
    """A kind of versioned item: `kind` names its ETags, `endpoint` and `id_arg` where it lives."""

    kind: str
    endpoint: str
    id_arg: str

    def found(self, item: dict[str, Any]) -> Answer:
        """200 with the item's ETag."""
        return item, 200, etag_header(self.kind, item["id"], item["version"])

    def created(self, item: dict[str, Any], **url_args: str) -> Answer:
        """201 with the item's ETag and its address (`url_args`: the parents' ids in its URL)."""
        location = url_for(self.endpoint, **url_args, **{self.id_arg: item["id"]})
        return item, 201, {**etag_header(self.kind, item["id"], item["version"]), "Location": location}

    def if_match(self, current: dict[str, Any]) -> int:
        """428 without If-Match, 412 when it is not `current`'s tag; the version the caller saw."""
        return require_if_match(self.kind, current["id"], current["version"])


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
        rel_type, actor_id, end_id, properties, meta_of(data), api_writer(), stage_date=stage_date
    )
    return item, 201, etag_header("relationship", item["id"], item["version"])
