"""/api/v1/agreements: IOPs, local agreements, policies, contracts and action plans, with their parties."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from graph_schema.contract import Rel as R
from registry.api._crud import Docs, add_relationship, collaboration_blueprint, crud_routes
from registry.api.relationship_schemas import MetaSchema, NodeRefSchema, RecordSchema, RelationshipSchema
from registry.api.toolkit import TEXT_LONG, TEXT_SHORT, vocabulary_field
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


def _dao() -> AgreementDao:
    return AgreementDao(get_graph())


AGREEMENT = crud_routes(
    blp,
    "agreement",
    "/agreements",
    ("Agreements", "AgreementById"),
    _dao,
    query=AgreementQuerySchema,
    search={"kind": "kind", "actor": "actor", "municipality": "municipality_code", "valid_at": "valid_at"},
    create=AgreementInputSchema,
    update=AgreementPatchSchema,
    answer=AgreementSchema,
    docs=Docs(
        list="Överenskommelser / List agreements (by kind, party, a party's municipality, in force on a day)",
        create="Registrera en överenskommelse / Record an agreement",
        read="En överenskommelse med parter / One agreement with its parties (and ETag)",
        update="Ändra en överenskommelse / Update an agreement (If-Match required)",
        delete="Ta bort en överenskommelse / Delete an agreement and its party relationships",
    ),
)


@blp.route("/agreements/<agreement_id>/parties")
class AgreementParties(MethodView):
    @blp.arguments(PartyInputSchema)
    @blp.response(201, RelationshipSchema)
    @blp.alt_response(409, description="Redan part / Already a party for these dates.")
    def post(self, data: dict[str, Any], agreement_id: str) -> Any:
        """Lägg till en part / Add a party (a PARTY_TO relationship)"""
        _dao().get(agreement_id)
        return add_relationship(R.PARTY_TO, data["actor"], agreement_id, {}, data)
