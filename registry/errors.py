"""One JSON error shape for every failure: {code, status, message, errors?}.

flask-smorest already answers HTTP errors this way; these handlers make the database being
away a 503 with the same shape, and any unexpected exception a logged 500 that leaks nothing.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, current_app, jsonify
from neo4j.exceptions import ServiceUnavailable, SessionExpired
from werkzeug.exceptions import HTTPException


def error_body(code: int, message: str, errors: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
    if errors:
        body["errors"] = errors
    return body


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceUnavailable)
    @app.errorhandler(SessionExpired)
    def database_unavailable(exc: Exception):  # type: ignore[no-untyped-def]
        current_app.logger.warning("database unavailable: %s", exc)
        return jsonify(error_body(503, "Databasen svarar inte / The database is not reachable.")), 503

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        # Errors raised outside flask-smorest's blueprints (404 on an unknown path, 405, 413)
        # get the same shape as those inside them.
        code = exc.code or 500
        data = getattr(exc, "data", None) or {}
        # webargs puts validation errors under "messages", flask-smorest's abort under "errors".
        errors = data.get("errors") or data.get("messages")
        message = data.get("message")
        return jsonify(error_body(code, message or exc.description or HTTPStatus(code).phrase, errors)), code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        current_app.logger.exception("unhandled error")
        return jsonify(error_body(500, "Internt fel / Internal error.")), 500
