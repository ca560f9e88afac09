"""/api/v1/challenges: societal challenges, the actors engaged in them and how far each has come.

Engagements are ENGAGED_IN relationships: add them with POST /api/v1/challenges/{id}/engagements
or through /api/v1/relationships, and move them on with PATCH /api/v1/relationships/{id}; each
stage change is kept, so a challenge can be read backwards.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

import registry.api.relationship_schemas as schemas
from graph_schema.contract import Rel as R
from registry.api._crud import Docs, add_relationship, collaboration_blueprint, crud_routes
from registry.api.arenas import MunicipalityRefSchema
from registry.api.toolkit import TEXT_LONG, TEXT_SHORT, vocabulary_field
from registry.auth import Write
from registry.dao.challenges import ChallengeDao
from registry.dao.network import NetworkDao
from registry.db import get_graph
from registry.domain.relationships import ANCHORING, STAGES

blp = collaboration_blueprint(
    "challenges",
    __name__,
    "Samhällsutmaningar och hur långt varje aktörs samverkan har kommit (arena, dialog, kunskap, tillit "
    "och struktur). / Societal challenges and how far each actor's collaboration has come.",
    Write.CHALLENGE,
)

TERM_ID = fields.String(validate=validate.Length(min=1, max=100))
MUNICIPALITY_CODE = fields.String(validate=validate.Regexp(r"^\d{4}$"))
COUNTY_CODE = fields.String(validate=validate.Regexp(r"^\d{2}$"))


class ChallengeInputSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_SHORT))
    description = fields.String(allow_none=True, validate=validate.Length(max=TEXT_LONG))
    interest_areas = fields.List(TERM_ID, load_default=list, validate=validate.Length(max=50))
    target_groups = fields.List(TERM_ID, load_default=list, validate=validate.Length(max=50))
    municipality_codes = fields.List(MUNICIPALITY_CODE, load_default=list, validate=validate.Length(max=290))
    county_codes = fields.List(COUNTY_CODE, load_default=list, validate=validate.Length(max=21))


class ChallengePatchSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=TEXT_SHORT))
    description = fields.String(allow_none=True, validate=validate.Length(max=TEXT_LONG))
    interest_areas = fields.List(TERM_ID, validate=validate.Length(max=50))
    target_groups = fields.List(TERM_ID, validate=validate.Length(max=50))
    municipality_codes = fields.List(MUNICIPALITY_CODE, validate=validate.Length(max=290))
    county_codes = fields.List(COUNTY_CODE, validate=validate.Length(max=21))


class EngagementSchema(Schema):
    relationship_id = fields.String(allow_none=True)
    actor = fields.Nested(schemas.NodeRefSchema)
    stage = fields.String(allow_none=True)
    anchored = fields.List(fields.String())
    since = fields.Date(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    current = fields.Boolean()
    history = fields.List(fields.Nested(schemas.HistoryEntrySchema))
    skipped_stages = fields.List(
        fields.String(),
        metadata={
            "description": "Steg före det längsta som aldrig togs / steps before the furthest one that were never taken"
        },
    )
    moved_back = fields.Boolean()


class ChallengeSchema(schemas.RecordSchema):
    id = fields.String(required=True)
    name = fields.String()
    description = fields.String(allow_none=True)
    interest_areas = fields.List(fields.Nested(schemas.LabelledTermSchema))
    target_groups = fields.List(fields.Nested(schemas.LabelledTermSchema))
    municipalities = fields.List(fields.Nested(MunicipalityRefSchema))
    counties = fields.List(fields.Nested(MunicipalityRefSchema))
    engagements = fields.List(fields.Nested(EngagementSchema))
    stage_counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    skipped_stages = fields.List(fields.String())
    unanchored = fields.List(
        fields.Nested(schemas.NodeRefSchema),
        metadata={"description": "Aktörer utan förankring i egen organisation / actors not anchored at home"},
    )


class ChallengeQuerySchema(Schema):
    municipality = MUNICIPALITY_CODE
    county = COUNTY_CODE
    interest_area = TERM_ID
    target_group = TERM_ID
    actor = fields.String(validate=validate.Length(min=1, max=100))


class EngagementInputSchema(schemas.MetaSchema):
    actor = fields.String(required=True, validate=validate.Length(min=1, max=100))
    stage = vocabulary_field(STAGES, required=True)
    anchored = fields.List(fields.String(validate=validate.OneOf(ANCHORING.ids)), load_default=list)
    since = fields.Date(allow_none=True)
    stage_date = fields.Date(metadata={"description": "Dagen steget nåddes / the day the stage was reached"})


def _dao() -> ChallengeDao:
    return ChallengeDao(get_graph())


CHALLENGE = crud_routes(
    blp,
    "challenge",
    "/challenges",
    ("Challenges", "ChallengeById"),
    _dao,
    query=ChallengeQuerySchema,
    search={
        "municipality": "municipality_code",
        "county": "county_code",
        "interest_area": "interest_area",
        "target_group": "target_group",
        "actor": "actor",
    },
    create=ChallengeInputSchema,
    update=ChallengePatchSchema,
    answer=ChallengeSchema,
    docs=Docs(
        list="Samhällsutmaningar / List societal challenges (by area, interest area, target group or actor)",
        create="Skapa en samhällsutmaning / Create a societal challenge",
        read="En samhällsutmaning med aktörernas steg / One challenge with each actor's stage and history",
        update="Ändra en samhällsutmaning / Update a challenge (If-Match required)",
        delete="Ta bort en samhällsutmaning och engagemangen i den / Delete a challenge and its engagements",
    ),
)


@blp.route("/challenges/<challenge_id>/engagements")
class Engagements(MethodView):
    @blp.arguments(EngagementInputSchema)
    @blp.response(201, schemas.RelationshipSchema)
    @blp.alt_response(409, description="Aktören är redan engagerad / The actor is already engaged for these dates.")
    def post(self, data: dict[str, Any], challenge_id: str) -> Any:
        """Engagera en aktör / Engage an actor (an ENGAGED_IN relationship at a stage)"""
        _dao().get(challenge_id)
        properties = {"stage": data["stage"], "anchored": data["anchored"], "since": data.get("since")}
        return add_relationship(
            R.ENGAGED_IN, data["actor"], challenge_id, properties, data, stage_date=data.get("stage_date")
        )


@blp.route("/challenges/<challenge_id>/network")
class ChallengeNetwork(MethodView):
    @blp.response(200, schemas.NetworkSchema)
    def get(self, challenge_id: str) -> Any:
        """Utmaningens nätverk / The challenge's network: engaged actors (edges carry stages) and their relationships"""
        return NetworkDao(get_graph()).challenge(challenge_id).to_dict()
