"""The umbrella member page: an umbrella organisation signs in with its API token, sees its current
members with their contact persons, edits them, and uploads its member list (preview, then apply).

The page writes through the same data-access layer, schema, ETag check and authorisation rules
as `registry/api/umbrellas.py`, so a page edit and an API edit are one and the same write. Its
session and the CSRF protection of its forms are the app's (`registry.web.sessions`); what is
the page's own is the member list, the edit form and the staging of an uploaded list between
its preview and "Apply".
"""

from __future__ import annotations

import math
import secrets
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from marshmallow import ValidationError
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from graph_schema.refdata import municipalities, taxonomy
from importers.readers import FORMATS
from registry import security
from registry.api.actor_schemas import MAX_LIST
from registry.api.http import page_shown
from registry.api.umbrellas import (
    MemberPatchSchema,
    import_max_bytes,
    member_tag,
    run_member_import,
    too_large_message,
)
from registry.auth import authorize_actor_write, authorize_member_import, check_token
from registry.dao.tokens import TokenDao
from registry.dao.umbrellas import InvalidReferenceError, StaleStateError, UmbrellaDao, UmbrellaError
from registry.db import get_graph
from registry.identity import Channel, Principal, Role, Writer
from registry.tokens import TokenSecretError
from registry.web import i18n, sessions

# The officers' pages adopt a signed-in umbrella's session (registry.web); kept importable from here.
adopt_session = sessions.adopt_session

bp = Blueprint("umbrella_page", __name__, url_prefix="/paraply", template_folder="templates")

SESSION_UPLOAD = "umbrella_upload"
# A previewed upload waits this long for "Apply"; older ones are removed.
UPLOAD_SECONDS = 3600
PAGE_SIZE = 50
# Empty rows offered for new contact persons under the existing ones.
NEW_CONTACT_ROWS = 1
_PUBLIC_ENDPOINTS = frozenset({"umbrella_page.sign_in", "umbrella_page.sign_in_form"})
_TEXT_FIELDS = ("website", "street_address", "postal_code", "locality", "activities")
_CONTACT_FIELDS = ("name", "role", "email", "phone")


@bp.before_request
def _require_sign_in() -> Response | tuple[str, int] | None:
    if not sessions.ensure_secret_key(current_app):
        return _page("web/umbrella_sign_in.html", 503, error=i18n.t("umbrella.signin.unavailable"), form=False)
    if request.endpoint in _PUBLIC_ENDPOINTS:
        return None
    had_session = sessions.has_session()
    principal = sessions.session_principal()
    if principal is None:
        return redirect(url_for("umbrella_page.sign_in_form", expired=1 if had_session else None))
    # The page acts as the token: rules, audit trail and `Cache-Control: no-store` follow from it.
    g.principal = principal
    return None


def _principal() -> Principal:
    principal: Principal = g.principal
    return principal


def _umbrella_id() -> str:
    umbrella_id = _principal().actor_id
    assert umbrella_id is not None  # sessions.session_principal only accepts umbrella tokens bound to one
    return umbrella_id


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    principal = g.get("principal")
    umbrella = None
    if principal is not None and principal.role is Role.UMBRELLA and principal.actor_id:
        umbrella = TokenDao(get_graph()).actor(principal.actor_id)
    return render_template(template, active="umbrella", umbrella=umbrella, **context), status


def _error(code: int, detail: Any) -> tuple[str, int]:
    return render_template("web/error.html", code=code, detail=detail, active="umbrella"), code


def _refusal(exc: HTTPException) -> tuple[str, int]:
    data = getattr(exc, "data", None) or {}
    return _error(exc.code or 403, data.get("message") or exc.description)


# -- signing in and out ----------------------------------------------------------------------
@bp.get("/logga-in")
def sign_in_form() -> Response | tuple[str, int]:
    if sessions.session_principal() is not None:
        return redirect(url_for("umbrella_page.members"))
    message = i18n.t("umbrella.signin.expired") if request.args.get("expired") else None
    return _page("web/umbrella_sign_in.html", error=message)


@bp.post("/logga-in")
def sign_in() -> Response | tuple[str, int]:
    try:
        check = check_token(request.form.get("token", "").strip())
    except TokenSecretError:
        return _page("web/umbrella_sign_in.html", 503, error=i18n.t("umbrella.signin.unavailable"))
    stored = check.stored
    if stored is None or not check.valid:
        # Limited only once the token is known not to be valid: a valid one always signs in.
        if security.count_auth_failure(check.failed_token_id) is not None:
            return _page("web/umbrella_sign_in.html", 429, error=i18n.t("umbrella.signin.too_many"))
        return _page("web/umbrella_sign_in.html", 401, error=i18n.t("umbrella.signin.invalid"))
    if stored.role != Role.UMBRELLA or not stored.actor_id:
        return _page("web/umbrella_sign_in.html", 403, error=i18n.t("umbrella.signin.not_umbrella", role=stored.role))
    sessions.start_session(stored)
    return redirect(url_for("umbrella_page.members"))


@bp.post("/logga-ut")
def sign_out() -> Response:
    # Clearing this browser's cookie alone would leave any copy of it valid until it expires.
    TokenDao(get_graph()).end_sessions(_principal().token_id or "")
    sessions.end_session()
    return redirect(url_for("umbrella_page.sign_in_form"))


# -- members -----------------------------------------------------------------------------------
@bp.get("/")
def members() -> tuple[str, int]:
    umbrella_id = _umbrella_id()
    dao = UmbrellaDao(get_graph())
    total = dao.count_members(umbrella_id, include_ended=False)
    page = page_shown(request.args.get("page"), total, PAGE_SIZE)
    rows = dao.members(
        umbrella_id, include_ended=False, with_contacts=True, skip=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    for row in rows:
        # The API's rule (`registry.dao.umbrellas.GRANTS`): a pending claim, a municipality or company
        # on the list, or another umbrella is listed, but not the umbrella's to edit, and its contact
        # persons are not shown.
        row["editable"] = bool(row.get("grants"))
        if not row["editable"]:
            row.pop("contacts", None)
    return _page(
        "web/umbrella_members.html",
        members=rows,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PAGE_SIZE)),
        municipality_names={m.code: m.name for m in municipalities().values()},
        formats=FORMATS,
        saved=request.args.get("saved"),
    )


def _member_or_refusal(member_id: str) -> dict[str, Any] | tuple[str, int]:
    """The member's full state, or the page that says why not (403 when it is not a current member)."""
    try:
        authorize_actor_write(_principal(), member_id)
    except HTTPException as exc:
        return _refusal(exc)
    row = UmbrellaDao(get_graph()).member(_umbrella_id(), member_id)
    if row is None:
        return _error(404, i18n.t("actor.not_found"))
    return row


def _target_group_options() -> list[tuple[str, str]]:
    terms = taxonomy()["target_groups"]
    return sorted(((t.id, i18n.pick(t.sv, t.en)) for t in terms), key=lambda o: o[1].casefold())


def _form_values(row: dict[str, Any]) -> dict[str, Any]:
    """The edit form's values from a member's state."""
    values: dict[str, Any] = {name: row.get(name) or "" for name in _TEXT_FIELDS}
    values["emails"] = "\n".join(row.get("emails") or [])
    values["phones"] = "\n".join(row.get("phones") or [])
    values["member_count"] = "" if row.get("member_count") is None else str(row["member_count"])
    values["target_groups"] = list(row.get("target_groups") or [])
    values["contacts"] = [{k: c.get(k) or "" for k in ("id", *_CONTACT_FIELDS)} for c in row.get("contacts") or []]
    return values


def _submitted() -> dict[str, Any]:
    """The edit form as it was posted, in the shape `_form_values` gives (to show it again)."""
    form = request.form
    values: dict[str, Any] = {name: form.get(name, "") for name in (*_TEXT_FIELDS, "emails", "phones", "member_count")}
    values["target_groups"] = form.getlist("target_groups")
    rows = form.get("contact_rows", "")
    contacts = []
    # The form never has more rows than the schema takes contacts, plus the empty ones for new persons.
    for index in range(min(int(rows), MAX_LIST + NEW_CONTACT_ROWS) if rows.isdigit() else 0):
        contact = {k: form.get(f"contact-{index}-{k}", "").strip() for k in ("id", *_CONTACT_FIELDS)}
        if any(contact[k] for k in _CONTACT_FIELDS):
            contacts.append(contact)
    values["contacts"] = contacts
    return values


def _lines(text: str) -> list[str]:
    return [part.strip() for line in text.splitlines() for part in line.split(",") if part.strip()]


def _as_changes(values: dict[str, Any]) -> dict[str, Any]:
    """The API's PATCH body for these form values: the same schema validates and normalises both."""
    raw: dict[str, Any] = {name: values[name].strip() or None for name in _TEXT_FIELDS}
    raw["emails"] = _lines(values["emails"])
    raw["phones"] = _lines(values["phones"])
    count = values["member_count"].strip()
    raw["member_count"] = count or None
    raw["target_groups"] = values["target_groups"]
    contacts = []
    for given in values["contacts"]:
        contact = {k: given[k] or None for k in _CONTACT_FIELDS}
        contact["name"] = given["name"]  # required: an empty name is the schema's to refuse
        if given["id"]:
            contact["id"] = given["id"]
        contacts.append(contact)
    raw["contacts"] = contacts
    loaded: dict[str, Any] = MemberPatchSchema().load(raw)  # type: ignore[assignment]
    return loaded


def _comparable(name: str, value: Any) -> Any:
    if name == "contacts":
        return sorted((c.get("id") or "", *(c.get(k) or "" for k in _CONTACT_FIELDS)) for c in value or [])
    if name == "target_groups":
        return sorted(value or [])
    if name in ("emails", "phones"):
        return list(value or [])
    return value


def _edit_page(row: dict[str, Any], values: dict[str, Any], status: int = 200, **context: Any) -> tuple[str, int]:
    return _page(
        "web/umbrella_member.html",
        status,
        member=row,
        values=values,
        etag=member_tag(_principal(), _umbrella_id(), row),
        target_groups=_target_group_options(),
        new_contact_rows=NEW_CONTACT_ROWS,
        **context,
    )


@bp.get("/medlemmar/<member_id>")
def edit_member(member_id: str) -> tuple[str, int]:
    row = _member_or_refusal(member_id)
    if isinstance(row, tuple):
        return row
    return _edit_page(row, _form_values(row))


@bp.post("/medlemmar/<member_id>")
def save_member(member_id: str) -> Response | tuple[str, int]:
    row = _member_or_refusal(member_id)
    if isinstance(row, tuple):
        return row
    values = _submitted()
    try:
        loaded = _as_changes(values)
    except ValidationError as exc:
        return _edit_page(row, values, 422, errors=exc.messages)
    # Only what the form changed is written, so an edit never rewrites fields it did not touch.
    changes = {k: v for k, v in loaded.items() if _comparable(k, v) != _comparable(k, row.get(k))}
    if not changes:
        return _edit_page(row, _form_values(row), notice=i18n.t("umbrella.edit.unchanged"))
    try:
        authorize_actor_write(_principal(), member_id, fields=changes.keys())
    except HTTPException as exc:
        return _refusal(exc)
    seen = request.form.get("etag", "")

    def check(state: Mapping[str, Any]) -> None:
        # The API's tag of the state the form was loaded from; under the member's lock, as the API checks.
        if member_tag(_principal(), _umbrella_id(), dict(state)) != seen:
            raise StaleStateError

    try:
        UmbrellaDao(get_graph()).update_member(
            _umbrella_id(), member_id, changes, check=check, writer=Writer(_principal(), Channel.API)
        )
    except StaleStateError:
        # Someone saved this member since the form was loaded: show their version, keep nothing silently.
        current = UmbrellaDao(get_graph()).member(_umbrella_id(), member_id) or row
        return _edit_page(current, _form_values(current), 412, stale=True, attempted=changes)
    except InvalidReferenceError as exc:
        return _edit_page(row, values, 422, errors={exc.field: exc.values})
    except UmbrellaError:
        return _error(404, i18n.t("actor.not_found"))
    return redirect(url_for("umbrella_page.members", saved=member_id))


# -- the member list upload ----------------------------------------------------------------
def _upload_dir() -> Path:
    configured = current_app.config.get("UMBRELLA_UPLOAD_DIR")
    folder = Path(configured) if configured else Path(tempfile.gettempdir()) / "registry-umbrella-uploads"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    cutoff = time.time() - UPLOAD_SECONDS
    for path in folder.glob("*.upload"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue  # another worker removed it first


def _forget_upload() -> None:
    pending = session.pop(SESSION_UPLOAD, None)
    if isinstance(pending, dict) and isinstance(pending.get("key"), str) and pending["key"].isalnum():
        (_upload_dir() / f"{pending['key']}.upload").unlink(missing_ok=True)


@bp.post("/medlemslista")
def preview_upload() -> tuple[str, int]:
    """Stores the upload for this session and shows what importing it would do (a dry run)."""
    principal = _principal()
    try:
        authorize_member_import(principal, _umbrella_id())
    except HTTPException as exc:
        return _refusal(exc)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _error(422, i18n.t("umbrella.upload.no_file"))
    file_format = request.form.get("format", "auto")
    if file_format not in FORMATS:
        file_format = "auto"
    sheet = request.form.get("sheet", "").strip()[:100] or None
    sync = request.form.get("sync") == "on"
    _forget_upload()
    folder = _upload_dir()
    _sweep(folder)
    key = secrets.token_hex(16)
    path = folder / f"{key}.upload"
    # The stored file outlives this request only when the preview succeeded and the session
    # names it; a refusal, a failed preview or a crash removes it.
    kept = False
    try:
        upload.save(path)
        with path.open("rb") as stream:
            stored = FileStorage(stream=stream, filename=upload.filename)
            try:
                ok, report = run_member_import(
                    _umbrella_id(), stored, file_format=file_format, sheet=sheet, sync=sync, dry_run=True
                )
            except HTTPException as exc:  # the file refused before it was read (413, 422)
                return _refusal(exc)
        if not ok:
            return _page("web/umbrella_preview.html", 422, report=report, applied=False)
        kept = True
    finally:
        if not kept:
            path.unlink(missing_ok=True)
    session[SESSION_UPLOAD] = {
        "key": key,
        "filename": upload.filename,
        "format": file_format,
        "sheet": sheet,
        "sync": sync,
        "umbrella": _umbrella_id(),
    }
    return _page("web/umbrella_preview.html", report=report, applied=False)


@bp.post("/medlemslista/genomfor")
def apply_upload() -> tuple[str, int]:
    """Imports the upload previewed in this session, for the umbrella it was previewed for."""
    pending = session.get(SESSION_UPLOAD)
    if not isinstance(pending, dict) or pending.get("umbrella") != _umbrella_id():
        return _error(409, i18n.t("umbrella.preview.expired"))
    try:
        authorize_member_import(_principal(), _umbrella_id())
    except HTTPException as exc:
        return _refusal(exc)
    key = str(pending.get("key", ""))
    path = _upload_dir() / f"{key}.upload"
    if not key.isalnum() or not path.is_file():
        session.pop(SESSION_UPLOAD, None)
        return _error(409, i18n.t("umbrella.preview.expired"))
    stored = FileStorage(stream=path.open("rb"), filename=str(pending.get("filename") or "upload"))
    try:
        ok, report = run_member_import(
            _umbrella_id(),
            stored,
            file_format=str(pending.get("format") or "auto"),
            sheet=pending.get("sheet"),
            sync=bool(pending.get("sync")),
            dry_run=False,
        )
    finally:
        stored.close()
    _forget_upload()
    return _page("web/umbrella_preview.html", 200 if ok else 422, report=report, applied=ok)


# -- wiring ------------------------------------------------------------------------------------
def _limit_upload_size() -> tuple[str, int] | None:
    # Before the CSRF check reads the form: a too large body is refused unread.
    if request.method != "POST" or request.endpoint != "umbrella_page.preview_upload":
        return None
    limit = import_max_bytes()
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        return _error(413, too_large_message(limit))
    return None


def init_app(app: Flask) -> None:
    """Registers the page, after the app's sessions and CSRF protection (`registry.web.sessions`)."""
    # Before the CSRF check reads the form: a too large upload is refused unread.
    app.before_request(_limit_upload_size)
    sessions.init_app(app)
    sessions.on_session_end(_forget_upload)
    app.register_blueprint(bp)
