"""HTTP resources (flask-smorest blueprints): one module per resource, registered in `register`."""

from __future__ import annotations

from flask_smorest import Api

from registry.api import actors, health, reference, relationships


def register(api: Api) -> None:
    api.register_blueprint(health.blp)
    api.register_blueprint(actors.blp)
    api.register_blueprint(reference.blp)
    relationships.register(api)
