"""Umbrella self-service: an umbrella organisation lists its members, keeps their data current,
adds and ends memberships, and uploads its member list, for its own members only.

Every member answer carries an ETag; PATCH and DELETE require it back in `If-Match` (428
without, 412 when someone changed the member meanwhile: GET again and retry).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Mapping
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from flask import current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, Schema, fields, validate
from werkzeug.datastructures import FileStorage
from werkzeug.http import quote_etag

from graph_schema.contract import Label as L
from graph_schema.contract import MembershipStatus
from importers import engine
from importers.engine import ImportOptions
from importers.readers import FORMATS
from registry.api.actor_schemas import ActorPatchSchema, ContactSchema, StatedFieldsSchema
from registry.api.http import PRECONDITION_FAILED, PRECONDITION_REQUIRED, page_window
from registry.api.imports import DEFAULT_MAX_BYTES, ImportReportSchema, save_upload
from registry.auth import (
    UMBRELLA_EDITABLE_FIELDS,
    Write,
    authorize_actor_write,
    authorize_member_import,
    authorize_membership_add,
    authorize_membership_decision,
    authorize_membership_write,
    authorize_umbrella,
    can_see_contacts,
    current_principal,
    forget_granted_members,
    membership_status,
    token_secret,
)
from registry.dao.audit import record_audit
from registry.dao.umbrellas import (
    ActorNotFoundError,
    AlreadyMemberError,
    InvalidReferenceError,
    NotAMemberError,
    NotPendingError,
    StaleStateError,
    UmbrellaDao,
    UmbrellaError,
)
from registry.db import get_graph
from registry.identity import Channel, Principal, Writer

STATUSES = (MembershipStatus.PENDING, MembershipStatus.CONFIRMED, MembershipStatus.DECLINED)

blp = Blueprint(
    "umbrellas",
    __name__,
    url_prefix="/api/v1/umbrellas",
    description="Paraplyorganisationernas medlemmar / Umbrella organisations' members",
)


# -- schemas ---------------------------------------------------------------------------------
class MembershipRecordSchema(Schema):
    since = fields.String(allow_none=True)
    until = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    status = fields.String(
        metadata={
            "description": "pending: väntar på bekräftelse, ger inga rättigheter; confirmed; declined / "
            "pending: awaiting confirmation, gives no rights; confirmed; declined"
        }
    )
    requested_by = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.String(allow_none=True)


class MemberSchema(StatedFieldsSchema):
    id = fields.String(required=True)
    name = fields.String()
    municipality_code = fields.String(allow_none=True)
    target_groups = fields.List(fields.String())
    interest_areas = fields.List(fields.String())
    version = fields.Integer()
    contacts = fields.List(
        fields.Nested(ContactSchema),
        metadata={
            "description": "Personuppgifter: bara för samordnare, administratörer och egen paraplyorganisation / "
            "Personal data: only for coordinators, admins and the member's own umbrella"
        },
    )
    membership = fields.Nested(MembershipRecordSchema)


class MemberListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    include_ended = fields.Boolean(
        load_default=False,
        metadata={"description": "Även avslutade medlemskap / Also ended memberships"},
    )
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={"description": "Bara medlemskap med denna status / Only memberships with this status"},
    )


class MemberPatchSchema(ActorPatchSchema):
    """The actor write (`ActorPatchSchema`: the same fields, limits and normalising) narrowed to the
    fields an umbrella may change, `UMBRELLA_EDITABLE_FIELDS`; anything else (name, org number,
    seat) is an unknown field here (422), and `authorize_actor_write` checks the same set."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("only", sorted(UMBRELLA_EDITABLE_FIELDS))
        super().__init__(**kwargs)


class MemberAddSchema(Schema):
    member_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    since = fields.Date(metadata={"description": "Standard: i dag / Default: today"})
    role = fields.String(load_default="medlem", validate=validate.Length(max=100))


class MemberDecisionSchema(Schema):
    decision = fields.String(
        required=True,
        validate=validate.OneOf(("confirm", "decline")),
        metadata={"description": "confirm: bekräfta / confirm; decline: avböj (avslutar) / decline (ends it)"},
    )


class MemberEndArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    until = fields.Date(
        metadata={"description": "Sista dag, högst i dag (standard) / Last day, today at most (default)"}
    )


class MemberImportFormSchema(Schema):
    format = fields.String(load_default="auto", validate=validate.OneOf(FORMATS))
    sheet = fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "Bladet i en XLSX-fil / XLSX sheet"}
    )
    sync = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Avsluta medlemskap som saknas i listan (raderar inget) / "
            "End memberships missing from the list (deletes nothing)"
        },
    )
    dry_run = fields.Boolean(
        load_default=True,
        metadata={
            "description": "Standard: bara förhandsgranska, inget skrivs; skicka false för att genomföra / "
            "Default: preview only, nothing is written; send false to apply"
        },
    )


class MemberImportFilesSchema(Schema):
    file = Upload(required=True, metadata={"description": "Medlemslistan (CSV, XLSX, JSON, JSON Lines) / member list"})


class ImportPreviewSchema(Schema):
    """Each row of the list is created, matched, queued or rejected; `changed` and `unchanged` split the matched."""

    created = fields.Integer(metadata={"description": "Nya aktörer / new actors"})
    matched = fields.Integer(metadata={"description": "Befintliga aktörer som känns igen / existing actors recognised"})
    changed = fields.Integer(
        metadata={"description": "Rader ändrade sedan förra listan / rows changed since last list"}
    )
    unchanged = fields.Integer(metadata={"description": "Oförändrade rader / unchanged rows"})
    pending = fields.Integer(
        metadata={
            "description": "Befintliga aktörer som blir väntande medlemmar; inget skrivs till dem / "
            "existing actors that become pending members; nothing is written to them"
        }
    )
    queued = fields.Integer(metadata={"description": "Till granskning / queued for review"})
    rejected = fields.Integer(metadata={"description": "Avvisade rader / rejected rows"})
    ended = fields.Integer(
        metadata={"description": "Medlemskap som avslutas (med sync) / memberships ended (with sync)"}
    )
    sync = fields.Boolean()
    sync_note = fields.String(allow_none=True)


class MemberImportReportSchema(ImportReportSchema):
    preview = fields.Nested(
        ImportPreviewSchema,
        metadata={"description": "Vad listan skapar, känner igen, ändrar och avslutar / what the list does"},
    )


def import_preview(report: dict[str, Any], *, sync: bool) -> dict[str, Any]:
    """What a member-list import would do (dry run) or did, from its report, in the words an
    umbrella asks in: created, matched, changed, ended."""
    counts = report.get("counts") or {}
    memberships = report.get("memberships") or {}
    return {
        "created": counts.get("created", 0),
        "matched": counts.get("merged", 0) + counts.get("updated", 0) + counts.get("unchanged", 0),
        "changed": counts.get("updated", 0),
        "unchanged": counts.get("unchanged", 0),
        "queued": counts.get("queued", 0),
        "rejected": counts.get("rejected", 0),
        "pending": int(memberships.get("pending") or 0),
        "ended": int(memberships.get("ended") or 0),
        "sync": sync,
        "sync_note": memberships.get("sync"),
    }


# -- helpers ---------------------------------------------------------------------------------
def _dao() -> UmbrellaDao:
    return UmbrellaDao(get_graph())


def _shows_contacts(principal: Principal, umbrella_id: str, row: dict[str, Any]) -> bool:
    # An umbrella sees contact persons only where its membership gives it rights (`grants`, from
    # `registry.dao.umbrellas.GRANTS`): not of a pending claim, a former member, a municipality or
    # company on its list, or another umbrella.
    return can_see_contacts(principal, umbrella_ids=frozenset({umbrella_id} if row.get("grants") else ()))


def _present(principal: Principal, umbrella_id: str, row: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in row.items() if k != "grants"}
    if not _shows_contacts(principal, umbrella_id, row):
        shown.pop("contacts", None)
    return shown


def _tag_data(principal: Principal, umbrella_id: str, row: dict[str, Any]) -> Any:
    """What a member's ETag is computed from: what this caller may see of it (its version, data,
    contacts where shown, and the membership, which changes without a new version), so a tag never
    hints at hidden data; JSON-safe for flask-smorest's hash."""
    return json.loads(json.dumps(_present(principal, umbrella_id, row), sort_keys=True, default=str))


def member_tag(principal: Principal, umbrella_id: str, row: dict[str, Any]) -> str:
    """The member's ETag for this caller, unquoted (the page keeps it in its form)."""
    return blp._generate_etag(_tag_data(principal, umbrella_id, row))


def _etag_headers(principal: Principal, umbrella_id: str, row: dict[str, Any]) -> dict[str, str]:
    # A DELETE answers the ended membership with its tag too, which `blp.etag` sets only for GET,
    # POST, PUT and PATCH: the header is set here, with flask-smorest's tag all the same.
    return {"ETag": quote_etag(member_tag(principal, umbrella_id, row))}


def _if_match(principal: Principal, umbrella_id: str) -> Callable[[Mapping[str, Any]], None]:
    """The check a member write runs under the member's lock: 428 without If-Match (before any
    lock is taken), 412 when it is not the tag of the state found."""
    if not request.if_match:
        abort(428, message=PRECONDITION_REQUIRED)

    def check(state: Mapping[str, Any]) -> None:
        blp.check_etag(_tag_data(principal, umbrella_id, dict(state)))

    return check


def _umbrella_must_exist(umbrella_id: str) -> None:
    if _dao().actor_sector(umbrella_id) is None:
        abort(404, message="Paraplyorganisationen finns inte / Umbrella organisation not found.")


def _fail(exc: UmbrellaError) -> NoReturn:
    if isinstance(exc, StaleStateError):
        abort(412, message=PRECONDITION_FAILED)
    if isinstance(exc, ActorNotFoundError):
        abort(404, message="Aktören finns inte / Actor not found.")
    if isinstance(exc, NotAMemberError):
        abort(404, message="Aktören är inte medlem / The actor is not a current member.")
    if isinstance(exc, AlreadyMemberError):
        abort(409, message="Aktören är redan medlem / The actor is already a member.")
    if isinstance(exc, NotPendingError):
        abort(
            409,
            message=f"Medlemskapet väntar inte på beslut ({exc.status}) / The membership awaits no decision.",
        )
    if isinstance(exc, InvalidReferenceError):
        abort(422, message="Okänt värde / Unknown value.", errors={"json": {exc.field: exc.values}})
    raise exc


# -- resources -------------------------------------------------------------------------------
@blp.route("/<umbrella_id>/members")
class Members(MethodView):
    @blp.arguments(MemberListArgs, location="query")
    @blp.response(200, MemberSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], umbrella_id: str, pagination_parameters: Any) -> list[dict[str, Any]]:
        """En paraplyorganisations medlemmar / An umbrella organisation's members

        Kontaktpersoner visas för samordnare, administratörer och paraplyorganisationen själv. /
        Contact persons are shown to coordinators, admins and the umbrella itself.
        """
        principal = current_principal()
        _umbrella_must_exist(umbrella_id)
        dao = _dao()
        include_ended = bool(args["include_ended"])
        status = args.get("status")
        pagination_parameters.item_count = dao.count_members(umbrella_id, include_ended=include_ended, status=status)
        skip, limit = page_window(pagination_parameters)
        rows = dao.members(
            umbrella_id,
            include_ended=include_ended,
            status=status,
            with_contacts=can_see_contacts(principal, umbrella_ids=frozenset({umbrella_id})),
            skip=skip,
            limit=limit,
        )
        return [_present(principal, umbrella_id, row) for row in rows]

    @blp.arguments(MemberAddSchema)
    @blp.response(201, MemberSchema)
    @blp.alt_response(401, description="Ingen eller ogiltig token / No or invalid token")
    @blp.alt_response(403, description="Annan paraplyorganisation eller roll / Another umbrella or role")
    @blp.alt_response(409, description="Redan medlem / Already a member")
    def post(self, data: dict[str, Any], umbrella_id: str) -> Any:
        """Ta in en befintlig aktör som medlem / Add an existing actor as a member

        En paraplyorganisations eget anrop ger ett väntande medlemskap (`status: pending`) utan
        rättigheter tills en administratör, en samordnare eller medlemmen själv bekräftar det; en
        samordnares eller administratörs anrop ger ett bekräftat. /
        An umbrella's own request makes a pending membership that gives no rights until an admin, a
        coordinator or the member itself confirms it; a coordinator's or admin's makes a confirmed one.
        """
        principal = current_principal()
        authorize_membership_write(principal, umbrella_id)
        if data["member_id"] == umbrella_id:
            abort(422, message="En organisation kan inte vara medlem i sig själv / An organisation cannot join itself.")
        authorize_membership_add(principal, umbrella_id, data["member_id"])
        since = data.get("since") or date.today()
        if since > date.today():
            abort(422, message="Startdatum i framtiden / Start date in the future.", errors={"json": {"since": []}})
        try:
            row = _dao().add_member(
                umbrella_id,
                data["member_id"],
                since=since.isoformat(),
                role=data.get("role"),
                status=membership_status(principal),
                writer=Writer(principal, Channel.API),
            )
        except UmbrellaError as exc:
            _fail(exc)
        forget_granted_members()
        headers = _etag_headers(principal, umbrella_id, row)
        headers["Location"] = url_for("umbrellas.Member", umbrella_id=umbrella_id, member_id=row["id"])
        return _present(principal, umbrella_id, row), 201, headers


@blp.route("/<umbrella_id>/members/<member_id>")
class Member(MethodView):
    @blp.response(200, MemberSchema)
    def get(self, umbrella_id: str, member_id: str) -> Any:
        """En medlem, med ETag / One member, with its ETag"""
        principal = current_principal()
        row = _dao().member(umbrella_id, member_id)
        if row is None:
            abort(404, message="Aktören är inte medlem / The actor is not a member.")
        return _present(principal, umbrella_id, row), 200, _etag_headers(principal, umbrella_id, row)

    @blp.arguments(MemberPatchSchema)
    @blp.response(200, MemberSchema)
    @blp.doc(parameters=[{"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"}}])
    @blp.alt_response(403, description="Inte er medlem, eller fel roll / Not your member, or wrong role")
    @blp.alt_response(412, description="Ändrad sedan din GET / Changed since your GET")
    @blp.alt_response(428, description="If-Match saknas / If-Match missing")
    def patch(self, changes: dict[str, Any], umbrella_id: str, member_id: str) -> Any:
        """Ändra en medlems kontaktuppgifter, verksamhet, målgrupper, medlemsantal / Change a member's
        contact data, activities, target groups, member count"""
        principal = current_principal()
        authorize_umbrella(principal, umbrella_id, Write.ACTOR_UPDATE)
        authorize_actor_write(principal, member_id, fields=changes.keys())
        check = _if_match(principal, umbrella_id)
        try:
            row = _dao().update_member(
                umbrella_id, member_id, changes, check=check, writer=Writer(principal, Channel.API)
            )
        except UmbrellaError as exc:
            _fail(exc)
        return _present(principal, umbrella_id, row), 200, _etag_headers(principal, umbrella_id, row)

    @blp.arguments(MemberEndArgs, location="query")
    @blp.response(200, MemberSchema)
    @blp.doc(parameters=[{"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"}}])
    @blp.alt_response(403, description="Annan paraplyorganisation eller roll / Another umbrella or role")
    @blp.alt_response(412, description="Ändrad sedan din GET / Changed since your GET")
    @blp.alt_response(428, description="If-Match saknas / If-Match missing")
    def delete(self, args: dict[str, Any], umbrella_id: str, member_id: str) -> Any:
        """Avsluta ett medlemskap (sätter `until`, raderar inget) / End a membership (sets `until`, deletes nothing)"""
        principal = current_principal()
        authorize_membership_write(principal, umbrella_id)
        until = args.get("until") or date.today()
        if until > date.today():
            abort(422, message="Slutdatum i framtiden / End date in the future.", errors={"query": {"until": []}})
        check = _if_match(principal, umbrella_id)
        try:
            row = _dao().end_member(
                umbrella_id, member_id, until=until.isoformat(), check=check, writer=Writer(principal, Channel.API)
            )
        except UmbrellaError as exc:
            _fail(exc)
        return _present(principal, umbrella_id, row), 200, _etag_headers(principal, umbrella_id, row)


@blp.route("/<umbrella_id>/members/<member_id>/decision")
class MemberDecision(MethodView):
    @blp.arguments(MemberDecisionSchema)
    @blp.response(200, MemberSchema)
    @blp.alt_response(401, description="Ingen eller ogiltig token / No or invalid token")
    @blp.alt_response(403, description="Bara administratör, samordnare eller medlemmen / Admin, coordinator, member")
    @blp.alt_response(404, description="Inget öppet medlemskap / No open membership")
    @blp.alt_response(409, description="Redan avgjort / Already decided")
    def post(self, data: dict[str, Any], umbrella_id: str, member_id: str) -> Any:
        """Bekräfta eller avböj ett väntande medlemskap / Confirm or decline a pending membership

        Först när medlemskapet är bekräftat ser paraplyorganisationen medlemmens kontaktpersoner och
        historik och får ändra den; att avböja avslutar det. /
        Only a confirmed membership lets the umbrella see the member's contact persons and history
        and edit it; declining ends the membership.
        """
        principal = current_principal()
        authorize_membership_decision(principal, umbrella_id, member_id)
        try:
            row = _dao().decide_member(
                umbrella_id,
                member_id,
                confirm=data["decision"] == "confirm",
                today=date.today().isoformat(),
                writer=Writer(principal, Channel.API),
            )
        except UmbrellaError as exc:
            _fail(exc)
        forget_granted_members()
        return _present(principal, umbrella_id, row), 200, _etag_headers(principal, umbrella_id, row)


F = TypeVar("F", bound=Callable[..., Any])


def _import_allowed(view: F) -> F:
    """The object-level rule before the upload is parsed: callers who may not import for this
    umbrella learn nothing from validation, and their file is never read."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        authorize_member_import(current_principal(), kwargs["umbrella_id"])
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def import_max_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large_message(limit: int) -> str:
    megabytes = limit // (1024 * 1024)
    return f"Filen är större än {megabytes} MB / The upload is larger than {megabytes} MB ({limit} bytes)."


@blp.before_request
def _limit_upload_size() -> None:
    # Checked before the body is parsed; a body without a length is cut off at the same limit.
    if request.method != "POST" or request.endpoint != "umbrellas.MemberImport":
        return
    limit = import_max_bytes()
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        abort(413, message=too_large_message(limit))


def run_member_import(
    umbrella_id: str, upload: FileStorage, *, file_format: str, sheet: str | None, sync: bool, dry_run: bool
) -> tuple[bool, dict[str, Any]]:
    """Runs the member importer on an upload for `umbrella_id` (already authorised): whether it
    ran, and its report with the preview. An applied import is recorded in the umbrella's history."""
    with tempfile.TemporaryDirectory(prefix="registry-members-") as folder:
        path = save_upload(upload, Path(folder), "upload")
        options = ImportOptions(
            kind="members",
            path=path,
            format=file_format,
            sheet=sheet,
            umbrella=umbrella_id,
            sync=sync,
            dry_run=dry_run,
            display_name=upload.filename or path.name,
            writer=Writer.importer(current_principal()),
            read_secret=token_secret,
        )
        report = engine.run_import(get_graph(), options)
    data = report.to_json()
    data["preview"] = import_preview(data, sync=sync)
    if report.ok and not dry_run:
        summary = {"file": data["file"], "run_id": data["run_id"], "preview": data["preview"]}
        principal = current_principal()
        get_graph().write_tx(
            lambda tx: record_audit(tx, principal, Channel.IMPORT, "member.import", L.ACTOR, umbrella_id, None, summary)
        )
    return report.ok, data


@blp.route("/<umbrella_id>/members/import")
class MemberImport(MethodView):
    @_import_allowed
    @blp.arguments(MemberImportFormSchema, location="form")
    @blp.arguments(MemberImportFilesSchema, location="files")
    @blp.response(200, MemberImportReportSchema)
    @blp.alt_response(401, description="Ingen eller ogiltig token / No or invalid token")
    @blp.alt_response(403, description="Annan paraplyorganisation eller roll / Another umbrella or role")
    @blp.alt_response(413, description="Filen är för stor / The upload is too large")
    @blp.alt_response(422, description="Filen kunde inte importeras; rapporten i errors.report / not imported")
    def post(self, form: dict[str, Any], files: dict[str, Any], umbrella_id: str) -> dict[str, Any]:
        """Ladda upp medlemslistan: först förhandsgranskning, sedan genomför / Upload the member list:
        preview first, then apply

        Samma importör och rapport som `registry import members`; `dry_run` är sant om inget annat
        anges, så första anropet visar vad som skulle skapas, kännas igen, ändras och avslutas. /
        The same importer and report as `registry import members`; `dry_run` defaults to true, so
        the first call shows what would be created, matched, changed and ended.
        """
        _umbrella_must_exist(umbrella_id)
        ok, data = run_member_import(
            umbrella_id,
            files["file"],
            file_format=form["format"],
            sheet=form.get("sheet"),
            sync=form["sync"],
            dry_run=form["dry_run"],
        )
        if not ok:
            abort(
                422,
                message=data.get("message") or "Importen misslyckades / The import failed.",
                errors={"report": data},
            )
        return data
