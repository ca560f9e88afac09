"""Personal data requests (GDPR), for admins: export a person's data, or erase it everywhere; the
person found by e-mail address, by phone number, or by name + phone number (`registry.dao.gdpr`).

POST rather than GET so the address or number travels in the body, not in URLs and access logs.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from registry.auth import current_writer, require_role, token_secret
from registry.dao.gdpr import GdprDao
from registry.db import get_graph
from registry.domain import normalize
from registry.identity import Role

blp = Blueprint(
    "gdpr",
    __name__,
    url_prefix="/api/v1/gdpr",
    description="Personuppgifter: registerutdrag och radering / Personal data: access and erasure (GDPR)",
)


class PersonSchema(Schema):
    """The person, by address, by phone number, or by name + phone number (a name alone can be
    someone else's)."""

    email = fields.String(metadata={"example": "fornamn.efternamn@forening.example"})
    phone = fields.String(metadata={"example": "070-174 06 38"})
    name = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Bara tillsammans med phone / Only together with phone"},
    )

    @validates_schema
    def _identifies(self, data: dict[str, Any], **_: Any) -> None:
        if not (data.get("email") or data.get("phone")):
            raise ValidationError("email eller phone krävs / email or phone is required")
        if data.get("name") and not data.get("phone"):
            raise ValidationError({"name": ["bara tillsammans med phone / only together with phone"]})

    @post_load
    def _normalise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data.get("email"):
            try:
                found = normalize.emails(data["email"])
            except ValueError as exc:
                raise ValidationError({"email": [str(exc)]}) from exc
            if len(found) != 1:
                raise ValidationError({"email": ["en adress / one address"]})
            data["email"] = found[0]
        if data.get("phone"):
            try:
                data["phone"] = normalize.phone(data["phone"])
            except ValueError as exc:
                raise ValidationError({"phone": [str(exc)]}) from exc
        return data


class ExportSchema(Schema):
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
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
        return GdprDao(get_graph()).export(data.get("email"), phone=data.get("phone"), name=data.get("name"))


@blp.route("/erase")
class Erase(MethodView):
    @require_role(Role.ADMIN)
    @blp.arguments(PersonSchema)
    @blp.response(200, ErasureSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Radera en person överallt; historiken redigeras / Erase a person everywhere; history is redacted"""
        return GdprDao(get_graph(), token_secret()).erase(
            data.get("email"),
            phone=data.get("phone"),
            name=data.get("name"),
            writer=current_writer(),
        )
