"""HTTP resources (flask-smorest blueprints): one module per resource, every blueprint registered here.

Modules shared by several resources: `toolkit` (the collaboration-model resources' error handler,
write guard, writer, ETags, page window) and `relationship_schemas`.
"""

from __future__ import annotations

from flask_smorest import Api

from registry.api import (
    actors,
    agreements,
    analyses,
    arenas,
    challenges,
    gdpr,
    health,
    history,
    hsds,
    imports,
    maps,
    reference,
    relationships,
    umbrellas,
)

# In the order the OpenAPI document lists them.
BLUEPRINTS = (
    health.blp,
    actors.blp,
    reference.blp,
    umbrellas.blp,
    history.blp,
    gdpr.blp,
    maps.blp,
    relationships.blp,
    agreements.blp,
    arenas.blp,
    challenges.blp,
    analyses.blp,
    imports.blp,
    hsds.blp,
)


def register(api: Api) -> None:
    for bp in BLUEPRINTS:
        api.register_blueprint(bp)
