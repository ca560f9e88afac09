"""One JSON error shape for every failure: {code, status, message, errors?}.

flask-smorest answers every HTTP error this way, app-wide (unknown paths and 405s too); these
handlers make the database being away a 503 with the same shape, and any unexpected exception a
logged 500 that leaks nothing.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, current_app, jsonify
from flask_smorest import Api
from neo4j.exceptions import ServiceUnavailable, SessionExpired
from werkzeug.exceptions import HTTPException


def error_body(code: int, message: str, errors: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
    if errors:
        body["errors"] = errors
    return body


class RegistryApi(Api):
    """flask-smorest's Api, with a message in every error (it omits one when abort() gave none)."""

    def handle_http_exception(self, error: HTTPException):  # type: ignore[no-untyped-def, override]
        payload, code, headers = super().handle_http_exception(error)
        payload.setdefault("message", error.description or HTTPStatus(code).phrase)
        return payload, code, headers


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceUnavailable)
    @app.errorhandler(SessionExpired)
    def database_unavailable(exc: Exception):  # type: ignore[no-untyped-def]
        current_app.logger.warning("database unavailable: %s", exc)
        return jsonify(error_body(503, "Databasen svarar inte / The database is not reachable.")), 503

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        current_app.logger.exception("unhandled error")
        return jsonify(error_body(500, "Internt fel / Internal error.")), 500
