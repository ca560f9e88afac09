"""/api/v1/agreements: IOPs, local agreements, policies, contracts and action plans, with their parties."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from graph_schema.contract import Rel as R
from registry.api._crud import Tagged, add_relationship, collaboration_blueprint, current_writer, written_by
from registry.api.arenas import RecordSchema
from registry.api.http import page_window
from registry.api.relationships import (
    TEXT_LONG,
    TEXT_SHORT,
    MetaSchema,
    NodeRefSchema,
    RelationshipSchema,
    vocabulary_field,
)
from registry.auth import Write
from registry.dao.agreements import AgreementDao
from registry.db import get_graph
from registry.domain.relationships import AGREEMENT_KINDS

blp = collaboration_blueprint(
    "agreements",
    __name__,
    "Överenskommelser (lagrum och struktur): IOP, lokala överenskommelser, policyer, avtal och "
    "handlingsplaner. / Agreements: IOPs, local agreements, policies, contracts and action plans.",
    Write.AGREEMENT,
)

URL = fields.Url(allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=2000))


class AgreementInputSchema(Schema):
    kind = vocabulary_field(AGREEMENT_KINDS, required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_SHORT))
    description = fields.String(allow_none=True, validate=validate.Length(max=TEXT_LONG))
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(
        allow_none=True, metadata={"description": "Första dag den inte gäller / first day it no longer holds"}
    )
    url = URL


class AgreementPatchSchema(Schema):
    kind = vocabulary_field(AGREEMENT_KINDS)
    title = fields.String(validate=validate.Length(min=1, max=TEXT_SHORT))
    description = fields.String(allow_none=True, validate=validate.Length(max=TEXT_LONG))
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    url = URL


class PartySchema(Schema):
    relationship_id = fields.String(allow_none=True)
    actor = fields.Nested(NodeRefSchema)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    current = fields.Boolean()


class AgreementSchema(RecordSchema):
    id = fields.String(required=True)
    kind = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    url = fields.String(allow_none=True)
    in_force = fields.Boolean(metadata={"description": "Gäller i dag / in force today"})
    parties = fields.List(fields.Nested(PartySchema))


class AgreementQuerySchema(Schema):
    kind = vocabulary_field(AGREEMENT_KINDS)
    actor = fields.String(validate=validate.Length(min=1, max=100))
    municipality = fields.String(validate=validate.Regexp(r"^\d{4}$"))
    valid_at = fields.Date()


class PartyInputSchema(MetaSchema):
    actor = fields.String(required=True, validate=validate.Length(min=1, max=100))


AGREEMENT = Tagged(blp, "agreement", "agreements.AgreementById", "agreement_id")


def _dao() -> AgreementDao:
    return AgreementDao(get_graph())


@blp.route("/agreements")
class Agreements(MethodView):
    @blp.arguments(AgreementQuerySchema, location="query")
    @blp.response(200, AgreementSchema(many=True))
    @blp.paginate(page_size=50, max_page_size=200)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Överenskommelser / List agreements (by kind, party, a party's municipality, in force on a day)"""
        skip, limit = page_window(pagination_parameters)
        page = _dao().search(
            kind=args.get("kind"),
            actor=args.get("actor"),
            municipality_code=args.get("municipality"),
            valid_at=args.get("valid_at"),
            skip=skip,
            limit=limit,
        )
        pagination_parameters.item_count = page.total
        return page.items

    @blp.arguments(AgreementInputSchema)
    @blp.etag
    @blp.response(201, AgreementSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Registrera en överenskommelse / Record an agreement"""
        return AGREEMENT.created(_dao().create(data, **written_by()))


@blp.route("/agreements/<agreement_id>")
class AgreementById(MethodView):
    @blp.etag
    @blp.response(200, AgreementSchema)
    def get(self, agreement_id: str) -> Any:
        """En överenskommelse med parter / One agreement with its parties (and ETag)"""
        return AGREEMENT.found(_dao().get(agreement_id))

    @blp.arguments(AgreementPatchSchema)
    @blp.etag
    @blp.response(200, AgreementSchema)
    def patch(self, data: dict[str, Any], agreement_id: str) -> Any:
        """Ändra en överenskommelse / Update an agreement (If-Match required)"""
        dao = _dao()
        version = AGREEMENT.if_match(dao.get(agreement_id))
        return AGREEMENT.found(dao.update(agreement_id, version, data, **written_by()))

    @blp.response(204)
    def delete(self, agreement_id: str) -> None:
        """Ta bort en överenskommelse / Delete an agreement and its party relationships"""
        _dao().delete(agreement_id, writer=current_writer())


@blp.route("/agreements/<agreement_id>/parties")
class AgreementParties(MethodView):
    @blp.arguments(PartyInputSchema)
    @blp.response(201, RelationshipSchema)
    @blp.alt_response(409, description="Redan part / Already a party for these dates.")
    def post(self, data: dict[str, Any], agreement_id: str) -> Any:
        """Lägg till en part / Add a party (a PARTY_TO relationship)"""
        _dao().get(agreement_id)
        return add_relationship(R.PARTY_TO, data["actor"], agreement_id, {}, data)
