"""GET /health: 200 when the database answers, 503 with the reason when it does not."""

from __future__ import annotations

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from registry.dao.system import SystemDao
from registry.db import get_graph
from registry.errors import error_body

blp = Blueprint("health", __name__, description="Service health / Tjänstens hälsa")


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})
    database = fields.String(required=True)
    neo4j_version = fields.String()
    schema_version = fields.Integer(allow_none=True)


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, description="The database is not reachable; the body says why.")
    def get(self):  # type: ignore[no-untyped-def]
        """Is the service up and the database reachable?"""
        graph = get_graph()
        try:
            info = SystemDao(graph).info()
        except (ServiceUnavailable, Neo4jError, OSError) as exc:
            body = error_body(503, f"Neo4j at {graph.uri} is not reachable: {exc}")
            return jsonify(body), 503
        return {"status": "ok", "database": graph.database, **info}
