"""Abuse limits and browser-facing security headers.

Rate limits (flask-limiter): failed authentication, and writes (POST/PUT/PATCH/DELETE) per
token (per address for callers without one). Counters live in a SQLite file under var/ by
default (`registry.ratelimit_storage`), which every gunicorn worker on the host shares, so a
limit holds for the whole service rather than for each worker; where several hosts serve,
`RATELIMIT_STORAGE_URI=redis://host:6379/0` makes them share one count (install the `redis`
extra: `pip install 'samverkan-registry[redis]'`); `memory://` counts per process.

Failed authentication is counted per client address, and also per token id when the token
named exists (someone trying secrets for one token from many addresses). Past either limit a
failing request gets 429 instead of 401. A valid token is never refused: it is checked first,
so an address blocked by someone's bad tokens (a shared NAT, a colleague's stale token) does
not lock out the other tokens used from it, and a token's secret (256 bits) is not guessable
whatever the rate.

Headers: every response says `nosniff` and sends no referrer; JSON responses forbid being
rendered or framed at all; HTML pages get a Content-Security-Policy that allows scripts,
styles, images and connections from this origin only. Inline scripts run only with this
response's nonce (`csp_nonce()`, also a Jinja global): the Swagger UI page at /docs is
rendered from `registry/templates/swagger_ui.html`, whose one inline script carries it. A page
that sets its own policy keeps it: the pyvis maps allow exactly their inline scripts by hash
and no network access. There is no 'unsafe-inline' for scripts anywhere. Styles do allow inline: Swagger UI and
vis-network write `style` attributes, and CSS cannot run script.
"""

from __future__ import annotations

import math
import os
import secrets
import time

from flask import Flask, Response, current_app, g, jsonify
from flask_limiter import ApplicationLimit, Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse

from registry import ratelimit_storage
from registry.auth import current_principal
from registry.config import PROJECT_ROOT
from registry.errors import error_body

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
DEFAULT_STORAGE_FILE = PROJECT_ROOT / "var" / "ratelimits.sqlite"
DEFAULT_STORAGE_URI = f"{ratelimit_storage.SCHEME}://{DEFAULT_STORAGE_FILE}"
_AUTH_FAILURES = "auth-failures"

_HTML_CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
_JSON_CSP = "default-src 'none'; frame-ancestors 'none'"


def client_key() -> str:
    """Whose budget a request spends: the token's when there is one (so clients behind one NAT do
    not share), else the address's."""
    principal = current_principal()
    return f"token:{principal.token_id}" if principal.token_id else f"ip:{get_remote_address()}"


def csp_nonce() -> str:
    """This response's script nonce; the same value for every call within one request."""
    nonce: str | None = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def _limiter() -> Limiter | None:
    limiter: Limiter | None = current_app.extensions.get("registry.limiter")
    return limiter if limiter is not None and limiter.enabled else None


def _auth_failure_limit() -> RateLimitItem:
    return parse(current_app.config["RATELIMIT_AUTH_FAILURES"])


def _too_many(message: str, retry_after: int) -> Response:
    response = jsonify(error_body(429, message))
    response.status_code = 429
    response.headers["Retry-After"] = str(max(retry_after, 1))
    return response


def count_auth_failure(token_id: str | None = None) -> Response | None:
    """Counts a failed authentication against the client's address and, for a token that exists,
    against that token; a 429 when either had failed too often lately (then nothing is counted),
    else None (the caller answers 401). Called only after the token was found not valid."""
    limiter = _limiter()
    if limiter is None:
        return None
    item = _auth_failure_limit()
    keys = [("ip", get_remote_address()), *([("token", token_id)] if token_id else [])]
    exhausted = [key for key in keys if not limiter.limiter.test(item, _AUTH_FAILURES, *key)]
    if exhausted:
        reset_at = max(limiter.limiter.get_window_stats(item, _AUTH_FAILURES, *k).reset_time for k in exhausted)
        return _too_many(
            "För många misslyckade inloggningar, försök senare / Too many failed authentications, try later.",
            math.ceil(reset_at - time.time()),
        )
    for key in keys:
        limiter.limiter.hit(item, _AUTH_FAILURES, *key)
    return None


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html":
        # A page that states its own, narrower policy keeps it: the maps allow exactly their own
        # inline scripts by hash and no network at all, which is stricter than this default.
        response.headers.setdefault("Content-Security-Policy", _HTML_CSP.format(nonce=csp_nonce()))
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    elif response.mimetype == "application/json":
        response.headers.setdefault("Content-Security-Policy", _JSON_CSP)
    if current_principal().is_authenticated and "Cache-Control" not in response.headers:
        # Answers to a token may hold personal data: no shared or browser cache keeps them.
        response.headers["Cache-Control"] = "no-store"
    return response


def _setting(app: Flask, name: str, default: str) -> str:
    value = app.config.get(name) or os.environ.get(name, "").strip() or default
    app.config[name] = value
    return str(value)


def init_app(app: Flask) -> None:
    """Rate limits and headers; call after `auth.init_app` (the write limit is keyed by its principal)."""
    storage = _setting(app, "RATELIMIT_STORAGE_URI", DEFAULT_STORAGE_URI)
    writes = _setting(app, "RATELIMIT_WRITES", "120 per minute")
    _setting(app, "RATELIMIT_AUTH_FAILURES", "10 per minute")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter = Limiter(
        key_func=client_key,
        storage_uri=storage,
        # One budget for all writes of a client across every endpoint, reads unlimited.
        application_limits=[
            ApplicationLimit(
                writes,
                methods=WRITE_METHODS,
                scope="writes",
                key_function=client_key,
                # The 429's message in the common error shape; Retry-After comes from the limiter.
                error_message="För många ändringar på kort tid, försök senare / Too many writes in a short time, "
                "try later.",
            )
        ],
    )
    limiter.init_app(app)
    app.extensions["registry.limiter"] = limiter
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_security_headers)
