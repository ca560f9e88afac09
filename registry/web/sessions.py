"""The app's browser sessions and the CSRF protection of every form, for whichever page uses them.

A signed-in session keeps only a token's id, when it signed in and the token's session generation
in Flask's signed session cookie (HTTP-only, SameSite=Lax, Secure over HTTPS or when
SESSION_COOKIE_SECURE is set); every request looks the token up again, so a revoked token ends the
session at once, and signing out bumps the token's generation, so a copy of the cookie made before
is refused too (it ends the token's other page sessions as well: the simple rule that needs no
session store). Sessions and CSRF tokens are signed with a key derived from the server secret, read
the one way the registry reads it (`registry.auth.token_secret`). Every form carries a CSRF token
(Flask-WTF); the JSON API is exempt, as it takes bearer tokens, not cookies.

Today the umbrella page (`registry.web.umbrella`) is the only one that signs in.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Callable

import flask_smorest
from flask import Flask, current_app, g, has_request_context, render_template, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.wrappers import Request
from flask_wtf.csrf import CSRFError, CSRFProtect
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

from registry.auth import current_principal, token_secret
from registry.dao.tokens import StoredToken, TokenDao
from registry.db import get_graph
from registry.identity import Principal, Role
from registry.tokens import TokenSecretError
from registry.web import i18n

csrf = CSRFProtect()

SESSION_TOKEN = "umbrella_token"  # noqa: S105 (the name of a session key, not a secret)
SESSION_SINCE = "umbrella_since"
SESSION_GENERATION = "umbrella_generation"
# A session ends after this long even if the browser stays open (a shared office computer).
SESSION_SECONDS = 8 * 3600

# What a page keeps beside a session and removes when it ends (the umbrella page's staged upload).
_on_end: list[Callable[[], None]] = []


def on_session_end(hook: Callable[[], None]) -> None:
    """Registers `hook` to run whenever a session ends (sign-in, sign-out, expiry, revocation)."""
    if hook not in _on_end:
        _on_end.append(hook)


def ensure_secret_key(app: Flask) -> bool:
    """Without a SECRET_KEY of its own, the app signs sessions and CSRF tokens with a key derived
    from the token secret: every worker and host that can check tokens can check sessions, and a
    new token secret ends every session along with every token. False when there is no secret."""
    if not app.secret_key:
        try:
            secret = token_secret()
        except TokenSecretError:
            return False
        app.secret_key = hmac.new(secret, b"registry web sessions", hashlib.sha256).hexdigest()
    return True


class _DerivedKeySessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the key from `ensure_secret_key`, derived only when a
    request brings a session cookie or something is stored: API calls never load the secret here."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not app.secret_key and request.cookies.get(self.get_cookie_name(app)) is None:
            return self.session_class()
        return super().open_session(app, request)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        return super().get_signing_serializer(app) if ensure_secret_key(app) else None

    def get_cookie_secure(self, app: Flask) -> bool:
        # Over HTTPS the cookie never travels in clear text; behind a proxy, `is_secure` follows its
        # X-Forwarded-Proto only when REGISTRY_TRUSTED_PROXIES says there is one (see `init_app`).
        return bool(super().get_cookie_secure(app) or (has_request_context() and request.is_secure))


def end_session() -> None:
    """Ends this browser's session and what pages kept beside it."""
    for hook in _on_end:
        hook()
    session.clear()


def start_session(stored: StoredToken) -> None:
    """A fresh session (and CSRF token) for a token that just signed in."""
    end_session()
    session[SESSION_TOKEN] = stored.id
    session[SESSION_SINCE] = int(time.time())
    session[SESSION_GENERATION] = stored.session_generation


def has_session() -> bool:
    return bool(session.get(SESSION_TOKEN))


def session_principal() -> Principal | None:
    """The umbrella this browser signed in as, if its token still exists, is not revoked and the
    session is not too old; otherwise the session is ended."""
    token_id = session.get(SESSION_TOKEN)
    if not token_id:
        return None
    stored = TokenDao(get_graph()).find(str(token_id))
    fresh = time.time() - float(session.get(SESSION_SINCE, 0)) < SESSION_SECONDS
    if (
        stored is None
        or stored.revoked
        or stored.role != Role.UMBRELLA
        or not stored.actor_id
        or not fresh
        # A session from before the token's last sign-out (a copied cookie, say) is over.
        or session.get(SESSION_GENERATION) != stored.session_generation
    ):
        end_session()
        return None
    return Principal(Role.UMBRELLA, token_id=stored.id, actor_id=stored.actor_id, name=stored.name)


def adopt_session() -> None:
    """A `before_request` hook for the officers' pages (read-only GETs): a signed-in umbrella is who
    is calling, so its members' actor pages show their contact persons and history, as the API
    does for its token. Never on the JSON API, which a cookie must not authorise (it has no CSRF
    protection, by design)."""
    if current_principal().is_authenticated or not has_session():
        return
    principal = session_principal()
    if principal is not None:
        g.principal = principal


def _protect_forms() -> None:
    """CSRF on every form the app serves. The JSON API (flask-smorest blueprints) is exempt: it
    authenticates by bearer token, which a browser never sends on its own to another site."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True) or not request.endpoint:
        return
    if request.method not in current_app.config["WTF_CSRF_METHODS"]:
        return
    blueprint = current_app.blueprints.get(request.blueprint or "")
    if isinstance(blueprint, flask_smorest.Blueprint):
        return
    if not ensure_secret_key(current_app):
        raise CSRFError(i18n.t("umbrella.signin.unavailable"))
    csrf.protect()


def _csrf_failed(exc: CSRFError) -> tuple[str, int]:
    return render_template("web/error.html", code=400, detail=i18n.t("umbrella.csrf"), active="umbrella"), 400


def init_app(app: Flask) -> None:
    """The session signing and cookie settings, and the CSRF protection of every form. Hooks that
    must run before a form is read (an upload's size limit) are registered before this."""
    app.session_interface = _DerivedKeySessions()
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if os.environ.get("SESSION_COOKIE_SECURE", "").strip().lower() in ("1", "true", "yes"):
        app.config["SESSION_COOKIE_SECURE"] = True
    # Behind a TLS-terminating proxy, trust its X-Forwarded-Proto (only the scheme) for this many hops.
    proxies = str(app.config.get("REGISTRY_TRUSTED_PROXIES") or os.environ.get("REGISTRY_TRUSTED_PROXIES", "0"))
    if proxies.strip().isdigit() and int(proxies) > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=int(proxies), x_host=0, x_port=0, x_prefix=0)  # type: ignore[method-assign]
    # CSRFProtect's own hook would guard the API too; `_protect_forms` decides per blueprint instead.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.before_request(_protect_forms)
    app.register_error_handler(CSRFError, _csrf_failed)
