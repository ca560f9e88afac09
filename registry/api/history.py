"""GET /api/v1/actors/{id}/history: who changed what of an actor, when and how, newest first.

An actor's history holds the writes of the actor itself and of everything that names it: its
memberships, its relationships (from either end), and the agreements, arenas, meetings and
challenges it took part in when those were deleted or its attendance changed.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from registry.api.http import page_window
from registry.auth import authorize_history, can_see_contacts_of, current_principal
from registry.dao.audit import AuditDao
from registry.dao.umbrellas import UmbrellaDao
from registry.db import get_graph

blp = Blueprint(
    "history",
    __name__,
    url_prefix="/api/v1/actors",
    description="Ändringshistorik / Change history (audit trail)",
)


class WhoSchema(Schema):
    token_id = fields.String(allow_none=True, metadata={"description": "API-token som gjorde ändringen / API token"})
    role = fields.String()
    actor_id = fields.String(
        allow_none=True, metadata={"description": "Paraplyorganisationen som token gäller / The token's umbrella"}
    )
    by = fields.String(allow_none=True, metadata={"description": "Tokenens namn eller cli:<användare> / Label"})


class ChangeEventSchema(Schema):
    id = fields.String()
    at = fields.String(metadata={"description": "Tidpunkt (UTC) / When (UTC)"})
    action = fields.String(metadata={"example": "actor.update"})
    channel = fields.String(metadata={"description": "api | import | cli"})
    who = fields.Nested(WhoSchema)
    subject_label = fields.String(
        metadata={
            "description": "Vad som ändrades: en nod (Actor, Arena, …) eller en relationstyp (DEPENDS_ON, …) / "
            "what was written: a node label or a relationship type"
        }
    )
    subject_id = fields.String()
    before = fields.Dict(allow_none=True, metadata={"description": "Ändrade fält före / Changed fields before"})
    after = fields.Dict(allow_none=True, metadata={"description": "Ändrade fält efter / Changed fields after"})
    redacted_at = fields.String(
        allow_none=True, metadata={"description": "Personuppgifter raderade (GDPR) / Personal data erased"}
    )


def _without_contacts(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v for k, v in values.items() if k != "contacts"}


@blp.route("/<actor_id>/history")
class History(MethodView):
    @blp.response(200, ChangeEventSchema(many=True))
    @blp.paginate()
    @blp.alt_response(401, description="Ingen eller ogiltig token / No or invalid token")
    @blp.alt_response(403, description="Fel roll, eller inte er medlem / Wrong role, or not your member")
    def get(self, actor_id: str, pagination_parameters: Any) -> list[dict[str, Any]]:
        """En aktörs ändringshistorik / An actor's change history

        För samordnare och administratörer, och för en paraplyorganisation om dess egna medlemmar. /
        For coordinators and admins, and for an umbrella about its own members.
        """
        principal = current_principal()
        authorize_history(principal, actor_id)
        graph = get_graph()
        audit = AuditDao(graph)
        total = audit.count(actor_id)
        if total == 0 and UmbrellaDao(graph).actor_sector(actor_id) is None:
            abort(404, message="Aktören finns inte / Actor not found.")
        pagination_parameters.item_count = total
        contacts = can_see_contacts_of(principal, actor_id)
        skip, limit = page_window(pagination_parameters)
        entries = audit.history(actor_id, skip=skip, limit=limit)
        result = []
        for entry in entries:
            row = asdict(entry)
            row["who"] = {k: row.pop(k) for k in ("token_id", "role", "actor_id", "by")}
            if not contacts:
                row["before"], row["after"] = _without_contacts(row["before"]), _without_contacts(row["after"])
            result.append(row)
        return result
