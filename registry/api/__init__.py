"""HTTP resources (flask-smorest blueprints): one module per resource, registered in `register`."""

from __future__ import annotations

from flask_smorest import Api

from registry.api import actors, gdpr, health, history, hsds, imports, maps, reference, relationships, umbrellas


def register(api: Api) -> None:
    api.register_blueprint(health.blp)
    api.register_blueprint(actors.blp)
    api.register_blueprint(reference.blp)
    api.register_blueprint(umbrellas.blp)
    api.register_blueprint(history.blp)
    api.register_blueprint(gdpr.blp)
    api.register_blueprint(maps.blp)
    relationships.register(api)
    api.register_blueprint(imports.blp)
    api.register_blueprint(hsds.blp)
