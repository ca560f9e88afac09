"""One JSON error shape for every failure: {code, status, message, errors?}, or a page for a browser.

flask-smorest answers every HTTP error this way, app-wide (unknown paths and 405s too); these
handlers make the database being away a 503 with the same shape, and any unexpected exception a
logged 500 that leaks nothing. Those two are answered as the client asks (`Accept`): a browser
on one of the pages gets an HTML page (the web package registers it as
`app.extensions["registry.error_page"]`), an API client JSON; without a preference, paths under
/api are JSON and the rest HTML.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from flask_smorest import Api
from markupsafe import escape
from neo4j.exceptions import ConnectionPoolError, ServiceUnavailable, SessionExpired
from werkzeug.exceptions import HTTPException

DATABASE_UNAVAILABLE = (
    "Databasen svarar inte just nu, försök igen om en stund / The database is not reachable, try again shortly."
)
# Seconds a client should wait before trying again after a 503.
RETRY_AFTER = 10
# The one wording of a missing and of a stale If-Match, whichever resource and mechanism answers.
PRECONDITION_REQUIRED = (
    "If-Match saknas: hämta posten och skicka med dess ETag / If-Match is missing: GET the item and send its ETag."
)
PRECONDITION_FAILED = (
    "Posten har ändrats sedan du hämtade den; hämta den igen / The item changed since you fetched it; fetch it again."
)
_DEFAULT_MESSAGES = {428: PRECONDITION_REQUIRED, 412: PRECONDITION_FAILED}


def error_body(code: int, message: str, errors: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
    if errors:
        body["errors"] = errors
    return body


class RegistryApi(Api):
    """flask-smorest's Api, with a message in every error (it omits one when abort() gave none); its
    own 428 and 412 (from `blp.etag`/`check_etag`) in the registry's words."""

    def handle_http_exception(self, error: HTTPException):  # type: ignore[no-untyped-def, override]
        payload, code, headers = super().handle_http_exception(error)
        payload.setdefault("message", _DEFAULT_MESSAGES.get(code or 0) or error.description or HTTPStatus(code).phrase)
        return payload, code, headers


def wants_html() -> bool:
    """Does the client want a page rather than JSON? Its `Accept` decides; a tie goes by the path."""
    offers = ["application/json", "text/html"]
    if not request.path.startswith("/api/"):
        offers.reverse()
    return request.accept_mimetypes.best_match(offers, default=offers[0]) == "text/html"


def error_response(code: int, message: str) -> Response:
    """The error as the client asked for it (see `wants_html`)."""
    if wants_html():
        page = current_app.extensions.get("registry.error_page")
        html = page(code, message) if page else f"<!doctype html><title>{code}</title><p>{escape(message)}</p>"
        response = Response(html, status=code, mimetype="text/html")
    else:
        response = jsonify(error_body(code, message))
        response.status_code = code
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceUnavailable)
    @app.errorhandler(SessionExpired)
    @app.errorhandler(ConnectionPoolError)
    def database_unavailable(exc: Exception) -> Response:
        current_app.logger.warning("database unavailable: %s", exc)
        response = error_response(503, DATABASE_UNAVAILABLE)
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        current_app.logger.exception("unhandled error")
        return error_response(500, "Internt fel / Internal error.")
