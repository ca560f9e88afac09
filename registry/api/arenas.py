"""/api/v1/arenas and /api/v1/arenas/{id}/meetings: meeting arenas, their participants and meetings.

Participants are PARTICIPATES_IN relationships: add them with POST /api/v1/arenas/{id}/participants
or through /api/v1/relationships; either way the same rules apply.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from graph_schema.contract import Rel as R
from registry.api._crud import (
    Docs,
    Tagged,
    add_relationship,
    collaboration_blueprint,
    crud_routes,
    written_by,
)
from registry.api.http import page_window
from registry.api.relationship_schemas import (
    LabelledTermSchema,
    MetaSchema,
    NetworkSchema,
    NodeRefSchema,
    RecordSchema,
    RelationshipSchema,
)
from registry.api.toolkit import TEXT_LONG, TEXT_SHORT, vocabulary_field
from registry.auth import Write, current_writer
from registry.dao.arenas import ArenaDao
from registry.dao.network import NetworkDao
from registry.db import get_graph
from registry.domain.relationships import CADENCES, MEETING_CHECKLIST, PARTICIPATION_ROLES

blp = collaboration_blueprint(
    "arenas",
    __name__,
    "Mötesarenor, deltagare och möten med rapportens checklista. / Meeting arenas, participants and "
    "meetings with the report's checklist.",
    Write.ARENA,
)

TERM_ID = fields.String(validate=validate.Length(min=1, max=100))


class MunicipalityRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class ArenaInputSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_SHORT))
    description = fields.String(allow_none=True, validate=validate.Length(max=TEXT_LONG))
    municipality_code = fields.String(
        required=True, validate=validate.Regexp(r"^\d{4}$"), metadata={"description": "Kommunkod (SCB) / code"}
    )
    interest_areas = fields.List(TERM_ID, load_default=list, validate=validate.Length(max=50))
    cadence = vocabulary_field(CADENCES, allow_none=True)


class ArenaPatchSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=TEXT_SHORT))
    description = fields.String(allow_none=True, validate=validate.Length(max=TEXT_LONG))
    municipality_code = fields.String(validate=validate.Regexp(r"^\d{4}$"))
    interest_areas = fields.List(TERM_ID, validate=validate.Length(max=50))
    cadence = vocabulary_field(CADENCES, allow_none=True)


class ParticipantSchema(Schema):
    relationship_id = fields.String(allow_none=True)
    actor = fields.Nested(NodeRefSchema)
    role = fields.String(allow_none=True)
    since = fields.Date(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    current = fields.Boolean()


class ArenaSchema(RecordSchema):
    id = fields.String(required=True)
    name = fields.String()
    description = fields.String(allow_none=True)
    municipality_code = fields.String(allow_none=True)
    municipality = fields.Nested(MunicipalityRefSchema, allow_none=True)
    cadence = fields.String(allow_none=True)
    interest_areas = fields.List(fields.Nested(LabelledTermSchema))
    participants = fields.List(fields.Nested(ParticipantSchema))
    meeting_count = fields.Integer()
    last_meeting = fields.Date(allow_none=True)
    next_meeting = fields.Date(allow_none=True)


class ArenaQuerySchema(Schema):
    municipality = fields.String(validate=validate.Regexp(r"^\d{4}$"))
    county = fields.String(validate=validate.Regexp(r"^\d{2}$"))
    interest_area = TERM_ID
    actor = fields.String(validate=validate.Length(min=1, max=100))


class ParticipantInputSchema(MetaSchema):
    actor = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = vocabulary_field(PARTICIPATION_ROLES, load_default="member")
    since = fields.Date(allow_none=True)


_CHECKLIST_DOC = "Rapportens checklista / the report's checklist: " + MEETING_CHECKLIST.describe()


def _checklist_fields(**kwargs: Any) -> dict[str, fields.Boolean]:
    return {
        item: fields.Boolean(metadata={"description": MEETING_CHECKLIST[item].sv}, **kwargs)
        for item in MEETING_CHECKLIST.ids
    }


def _meeting_fields(*, create: bool) -> dict[str, fields.Field]:
    """A meeting's input: on create the date is required and unticked checklist items are False;
    on update every field is optional and an absent one stays as it was."""
    at_most_100 = validate.Length(max=100)
    return {
        "date": fields.Date(required=create),
        "purpose": fields.String(allow_none=True, validate=validate.Length(max=TEXT_LONG)),
        "notes": fields.String(allow_none=True, validate=validate.Length(max=20000)),
        "decisions": fields.List(fields.String(validate=validate.Length(max=TEXT_LONG)), validate=at_most_100),
        "next_steps": fields.List(fields.String(validate=validate.Length(max=TEXT_LONG)), validate=at_most_100),
        "participants": fields.List(
            fields.String(validate=validate.Length(min=1, max=100)),
            validate=validate.Length(max=500),
            metadata={"description": "Id:n för aktörer som deltog / ids of actors who attended"},
        ),
        **(_checklist_fields(load_default=False) if create else _checklist_fields()),
    }


MeetingInputSchema = Schema.from_dict(_meeting_fields(create=True), name="MeetingInputSchema")
MeetingPatchSchema = Schema.from_dict(_meeting_fields(create=False), name="MeetingPatchSchema")


class MeetingSchema(RecordSchema):
    id = fields.String(required=True)
    arena_id = fields.String()
    arena_name = fields.String(allow_none=True)
    date = fields.Date(allow_none=True)
    purpose = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    decisions = fields.List(fields.String())
    next_steps = fields.List(fields.String())
    participants = fields.List(fields.Nested(NodeRefSchema))
    checklist = fields.Dict(keys=fields.String(), values=fields.Boolean(), metadata={"description": _CHECKLIST_DOC})
    open_items = fields.List(
        fields.Nested(LabelledTermSchema), metadata={"description": "Punkter som återstår / checklist items still open"}
    )
    checklist_done = fields.Integer()


def _dao() -> ArenaDao:
    return ArenaDao(get_graph())


ARENA = crud_routes(
    blp,
    "arena",
    "/arenas",
    ("Arenas", "ArenaById"),
    _dao,
    query=ArenaQuerySchema,
    search={
        "municipality": "municipality_code",
        "county": "county_code",
        "interest_area": "interest_area",
        "actor": "actor",
    },
    create=ArenaInputSchema,
    update=ArenaPatchSchema,
    answer=ArenaSchema,
    docs=Docs(
        list="Mötesarenor / List meeting arenas (by municipality, county, interest area or participant)",
        create="Skapa en mötesarena / Create a meeting arena",
        read="En mötesarena med deltagare / One arena with its participants (and ETag)",
        update="Ändra en mötesarena / Update a meeting arena (If-Match required)",
        delete="Ta bort en mötesarena med dess möten / Delete an arena with its meetings",
    ),
)
MEETING = Tagged(blp, "meeting", "arenas.MeetingById", "meeting_id")


@blp.route("/arenas/<arena_id>/participants")
class ArenaParticipants(MethodView):
    @blp.arguments(ParticipantInputSchema)
    @blp.response(201, RelationshipSchema)
    @blp.alt_response(409, description="Deltar redan / Already takes part for overlapping dates.")
    def post(self, data: dict[str, Any], arena_id: str) -> Any:
        """Lägg till en deltagare / Add a participant (a PARTICIPATES_IN relationship)"""
        _dao().get(arena_id)
        properties = {"role": data["role"], "since": data.get("since")}
        return add_relationship(R.PARTICIPATES_IN, data["actor"], arena_id, properties, data)


@blp.route("/arenas/<arena_id>/network")
class ArenaNetwork(MethodView):
    @blp.response(200, NetworkSchema)
    def get(self, arena_id: str) -> Any:
        """Arenans nätverk / The arena's network: participants today and the relationships between them"""
        return NetworkDao(get_graph()).arena(arena_id).to_dict()


@blp.route("/arenas/<arena_id>/meetings")
class Meetings(MethodView):
    @blp.response(200, MeetingSchema(many=True))
    @blp.paginate(page_size=50, max_page_size=200)
    def get(self, arena_id: str, pagination_parameters: Any) -> Any:
        """Arenans möten, senaste först / The arena's meetings, latest first"""
        skip, limit = page_window(pagination_parameters)
        page = _dao().meetings(arena_id, skip=skip, limit=limit)
        pagination_parameters.item_count = page.total
        return page.items

    @blp.arguments(MeetingInputSchema)
    @blp.etag
    @blp.response(201, MeetingSchema)
    def post(self, data: dict[str, Any], arena_id: str) -> Any:
        """Registrera ett möte / Record a meeting

        Checklistan följer rapportens mötespraktik (före, under, efter); svaret visar vilka punkter
        som återstår. / The checklist follows the report's meeting practice; the answer shows which
        items are still open.
        """
        return MEETING.created(_dao().create_meeting(arena_id, data, **written_by()), arena_id=arena_id)


@blp.route("/arenas/<arena_id>/meetings/<meeting_id>")
class MeetingById(MethodView):
    @blp.etag
    @blp.response(200, MeetingSchema)
    def get(self, arena_id: str, meeting_id: str) -> Any:
        """Ett möte med öppna checklistpunkter / One meeting with its open checklist items (and ETag)"""
        return MEETING.found(_dao().get_meeting(arena_id, meeting_id))

    @blp.arguments(MeetingPatchSchema)
    @blp.etag
    @blp.response(200, MeetingSchema)
    def patch(self, data: dict[str, Any], arena_id: str, meeting_id: str) -> Any:
        """Ändra ett möte, t.ex. bocka av checklistan / Update a meeting, e.g. tick checklist items"""
        dao = _dao()
        version = MEETING.if_match(dao.get_meeting(arena_id, meeting_id))
        return MEETING.found(dao.update_meeting(arena_id, meeting_id, version, data, **written_by()))

    @blp.response(204)
    def delete(self, arena_id: str, meeting_id: str) -> None:
        """Ta bort ett möte / Delete a meeting"""
        _dao().delete_meeting(arena_id, meeting_id, writer=current_writer())
