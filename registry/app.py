"""The app factory. The package root does not import it, so importing any other part of the package (the
importers, the CLI, the data-access layer) does not load flask-smorest, the pages, pyvis or igraph; the
blueprints are imported inside `create_app`, as Flask's tutorial does."""

from __future__ import annotations

from typing import Any

import swagger_ui_bundle
from flask import Flask, send_from_directory

from registry import __version__, auth, db, guard, security
from registry.config import load_settings
from registry.errors import RegistryApi, register_error_handlers


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Builds the app: settings from the environment, then `config` on top (tests pass theirs)."""
    # The blueprints, here rather than at the top (as in Flask's tutorial): what imports this module
    # for the factory alone does not load every resource and page.
    import registry.api as api_resources
    from registry.web import pages as web_pages

    app = Flask("registry")
    settings = load_settings()
    app.config.update(
        NEO4J_URI=settings.effective_uri,
        NEO4J_USER=settings.neo4j_user,
        NEO4J_PASSWORD=settings.neo4j_password,
        NEO4J_DATABASE=settings.neo4j_database,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        API_TITLE="Aktörsregister för samverkan / Actor registry for collaboration",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        # Served by this app, not a CDN: municipal intranets block CDNs.
        OPENAPI_SWAGGER_UI_URL="/docs/assets/",
        OPENAPI_SWAGGER_UI_CONFIG={"validatorUrl": None},
        API_SPEC_OPTIONS={
            "info": {
                "description": "Vem arbetar i vårt område, inom vårt fält, för vår målgrupp – och hur hänger "
                "de ihop? / Who works in our area, in this field, for this target group, and how are they "
                "related?"
            }
        },
    )
    if config:
        app.config.update(config)

    db.init_app(app)
    guard.init_app(app)  # first: bad input is refused before authentication or any route reads it
    # Before the Api: declares the bearer scheme in the OpenAPI document. Failed tokens are counted
    # by the rate limits, handed in here so that auth need not import the limits (which read its principal).
    auth.init_app(app, count_failure=security.count_auth_failure)
    security.init_app(app)  # after auth: write limits are counted per token
    api = RegistryApi(app)
    api_resources.register(api)
    web_pages.init_app(app)
    register_error_handlers(app)

    @app.get("/docs/assets/<path:filename>")
    def swagger_assets(filename: str):  # type: ignore[no-untyped-def]
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)

    return app
