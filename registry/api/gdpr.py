"""Personal data requests (GDPR), for admins: export a person's data, or erase it everywhere.

POST rather than GET so the address travels in the body, not in URLs and access logs.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, post_load

from registry.auth import Role, current_principal, require_role
from registry.dao.audit import Channel
from registry.dao.gdpr import GdprDao
from registry.db import get_graph
from registry.domain import normalize

blp = Blueprint(
    "gdpr",
    __name__,
    url_prefix="/api/v1/gdpr",
    description="Personuppgifter: registerutdrag och radering / Personal data: access and erasure (GDPR)",
)


class PersonSchema(Schema):
    email = fields.String(required=True, metadata={"example": "fornamn.efternamn@forening.example"})

    @post_load
    def _normalise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        try:
            found = normalize.emails(data["email"])
        except ValueError as exc:
            raise ValidationError({"email": [str(exc)]}) from exc
        if len(found) != 1:
            raise ValidationError({"email": ["en adress / one address"]})
        data["email"] = found[0]
        return data


class ExportSchema(Schema):
    email = fields.String()
    contacts = fields.List(fields.Dict(), metadata={"description": "Personens kontaktposter / Contact records"})
    mentions = fields.List(fields.Dict(), metadata={"description": "Övriga förekomster / Other occurrences"})


class ErasureSchema(Schema):
    contacts_removed = fields.List(fields.Dict())
    redacted = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Redigerade noder och relationer per typ / Redacted nodes and relationships by type"},
    )
    remaining = fields.Integer(metadata={"description": "Förekomster kvar efteråt (ska vara 0) / Left afterwards"})


@blp.route("/export")
class Export(MethodView):
    @require_role(Role.ADMIN)
    @blp.arguments(PersonSchema)
    @blp.response(200, ExportSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Registerutdrag för en person / A person's data (access request)"""
        return GdprDao(get_graph()).export(data["email"])


@blp.route("/erase")
class Erase(MethodView):
    @require_role(Role.ADMIN)
    @blp.arguments(PersonSchema)
    @blp.response(200, ErasureSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Radera en person överallt; historiken redigeras / Erase a person everywhere; history is redacted"""
        return GdprDao(get_graph()).erase(data["email"], who=current_principal(), channel=Channel.API)
