"""POST /api/v1/imports (a register or member list, uploaded) and the review queue under /api/v1/reviews."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from importers import engine
from importers.engine import ImportOptions
from importers.limits import load_upload_limits
from importers.readers import FORMATS, LimitError, ReadError, check_upload
from importers.review import AlreadyDecidedError, NotUndoableError, ReviewNotFoundError, decide, item_view, undo
from registry.auth import Write, current_principal, current_writer, require_role, require_write
from registry.dao.review import STATUSES, ReviewDao
from registry.db import get_graph
from registry.identity import Role, Writer

blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/api/v1",
    description="Import av register och medlemslistor, granskningskön / Imports of registers and member lists, "
    "the review queue",
)

# Uploads larger than this are refused before they are read (the IMPORT_MAX_BYTES environment
# variable sets it, the app's IMPORT_MAX_BYTES setting overrides that).
DEFAULT_MAX_BYTES = load_upload_limits().max_upload_bytes
NOT_FOUND = "Granskningsärendet finns inte / Review item not found."


def _max_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


@blp.before_request
def _limit_upload_size() -> None:
    # Checked before the body is parsed; a body without a length is cut off at the same limit.
    if request.method != "POST" or request.endpoint != "imports.Imports":
        return
    limit = _max_bytes()
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        abort(
            413,
            message=f"Filen är större än {limit // (1024 * 1024)} MB / The upload is larger than "
            f"{limit // (1024 * 1024)} MB ({limit} bytes).",
        )


class ImportFormSchema(Schema):
    kind = fields.String(
        load_default="register",
        validate=validate.OneOf(("register", "members")),
        metadata={"description": "register = föreningsregister / association register; members = medlemslista"},
    )
    format = fields.String(load_default="auto", validate=validate.OneOf(FORMATS))
    municipality = fields.String(validate=validate.Length(min=1, max=100))
    source = fields.String(validate=validate.Length(min=1, max=200))
    umbrella = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Paraplyorganisationens id eller organisationsnummer (members)"},
    )
    sheet = fields.String(validate=validate.Length(min=1, max=100))
    sync = fields.Boolean(load_default=False)
    dry_run = fields.Boolean(load_default=False)
    strict = fields.Boolean(load_default=False)
    rebind_source = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Trots att källan är bunden till en annan kommun eller ett annat system / "
            "although the source is bound to another municipality or system"
        },
    )


class ImportFilesSchema(Schema):
    file = Upload(required=True, metadata={"description": "Registret / the register (CSV, XLSX, JSON, JSON Lines)"})
    mapping = Upload(metadata={"description": "Kolumnmappning (JSON eller TOML) / column mapping"})


class ImportReportSchema(Schema):
    kind = fields.String()
    file = fields.String()
    source = fields.String()
    format = fields.String(allow_none=True)
    encoding = fields.String(allow_none=True)
    delimiter = fields.String(allow_none=True)
    sheet = fields.String(allow_none=True)
    municipality = fields.String(allow_none=True)
    municipality_inferred = fields.Boolean()
    umbrella = fields.String(allow_none=True)
    dry_run = fields.Boolean()
    strict = fields.Boolean()
    outcome = fields.String(metadata={"description": "imported | dry-run | aborted | failed"})
    message = fields.String(allow_none=True)
    run_id = fields.String(allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    rejected = fields.List(fields.Dict())
    rejected_listed = fields.Integer()
    warnings = fields.List(fields.Dict())
    warnings_total = fields.Integer()
    columns = fields.Dict()
    unknown_categories = fields.Dict(keys=fields.String(), values=fields.Integer())
    unknown_target_groups = fields.Dict(keys=fields.String(), values=fields.Integer())
    conflicts = fields.Dict(keys=fields.String(), values=fields.Integer())
    suppressed = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Raderade personer som hölls utanför / erased people kept out (contacts, emails)"},
    )
    memberships = fields.Dict()
    notes = fields.List(fields.String())
    elapsed_s = fields.Float()
    timings = fields.Dict(keys=fields.String(), values=fields.Float())
    rows_per_s = fields.Float(allow_none=True)


def save_upload(upload: FileStorage, folder: Path, fallback: str, *, inspect: bool = True) -> Path:
    """Saves an uploaded file in `folder` under a safe version of its own name (`fallback` if none).

    With `inspect`, a workbook that would unpack beyond the upload limits is refused here, before
    any of it is unpacked: 413, or 422 when it is not a readable archive at all. Limits met only
    while reading (rows, cells, a DTD in a part) make the import fail with its report (422)."""
    name = secure_filename(upload.filename or "") or fallback
    path = folder / name
    upload.save(path)
    if inspect:
        try:
            check_upload(path)
        except LimitError as exc:
            abort(413, message=str(exc))
        except ReadError as exc:
            abort(422, message=str(exc))
    return path


@blp.route("/imports")
class Imports(MethodView):
    @require_write(Write.IMPORT)
    @blp.arguments(ImportFormSchema, location="form")
    @blp.arguments(ImportFilesSchema, location="files")
    @blp.response(200, ImportReportSchema)
    @blp.alt_response(413, description="Filen är för stor / The upload is too large.")
    @blp.alt_response(422, description="Filen kunde inte importeras; rapporten i errors.report / not imported")
    def post(self, form: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        """Import an uploaded register or member list (admin); the answer is the import report."""
        if form["kind"] == "members" and not form.get("umbrella"):
            abort(422, message="Ange paraplyorganisationen / Name the umbrella.", errors={"form": {"umbrella": []}})
        with tempfile.TemporaryDirectory(prefix="registry-import-") as folder:
            path = save_upload(files["file"], Path(folder), "upload")
            mapping = (
                save_upload(files["mapping"], Path(folder), "mapping", inspect=False) if files.get("mapping") else None
            )
            if mapping == path:
                abort(422, message="Filerna har samma namn / The two files have the same name.")
            options = ImportOptions(
                kind=form["kind"],
                path=path,
                format=form["format"],
                municipality=form.get("municipality"),
                source=form.get("source"),
                mapping=mapping,
                sheet=form.get("sheet"),
                umbrella=form.get("umbrella"),
                sync=form["sync"],
                dry_run=form["dry_run"],
                strict=form["strict"],
                rebind_source=form["rebind_source"],
                display_name=files["file"].filename or path.name,
                writer=Writer.importer(current_principal()),
            )
            report = engine.run_import(get_graph(), options)
        data = report.to_json()
        if not report.ok:
            abort(422, message=report.message or "Importen misslyckades / The import failed.", errors={"report": data})
        return data


class ReviewQuerySchema(Schema):
    status = fields.String(load_default="pending", validate=validate.OneOf(STATUSES))


class ReviewItemSchema(Schema):
    id = fields.String(required=True)
    score = fields.Float()
    reasons = fields.List(fields.String())
    status = fields.String(metadata={"description": "pending | merged | accepted | rejected | unsure"})
    judgement = fields.String(
        allow_none=True, metadata={"description": "positive | negative | unsure (none while pending)"}
    )
    decided_by = fields.String(allow_none=True, metadata={"description": "Vem avgjorde / who decided"})
    created_at = fields.String(allow_none=True)
    decided_at = fields.String(allow_none=True)
    undone_at = fields.String(allow_none=True)
    record = fields.Dict(allow_none=True, metadata={"description": "Den importerade posten / the imported record"})
    candidate = fields.Dict(allow_none=True, metadata={"description": "Aktören den kan vara / the possible actor"})
    actor_id = fields.String(allow_none=True, metadata={"description": "Aktören posten nu beskriver"})


class DecisionSchema(Schema):
    item_id = fields.String()
    status = fields.String()
    actor_id = fields.String()


@blp.route("/reviews")
class Reviews(MethodView):
    @require_role(Role.COORDINATOR)
    @blp.arguments(ReviewQuerySchema, location="query")
    @blp.response(200, ReviewItemSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=200)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """Possible duplicates from imports, oldest first (coordinators and admins)."""
        total, items = ReviewDao(get_graph()).list(
            status=args["status"], skip=pagination_parameters.first_item, limit=pagination_parameters.page_size
        )
        pagination_parameters.item_count = total
        return [item_view(i) for i in items]


@blp.route("/reviews/<item_id>")
class Review(MethodView):
    @require_role(Role.COORDINATOR)
    @blp.response(200, ReviewItemSchema)
    @blp.alt_response(404, description=NOT_FOUND)
    def get(self, item_id: str) -> dict[str, Any]:
        """One review item: the imported record beside the candidate actor."""
        item = ReviewDao(get_graph()).get(item_id)
        if item is None:
            abort(404, message=NOT_FOUND)
        return item_view(item)


def _decide(item_id: str, status: str) -> dict[str, Any]:
    try:
        writer = current_writer()
        graph = get_graph()
        decision = (
            undo(graph, item_id, writer=writer)
            if status == "undo"
            else decide(graph, item_id, status=status, writer=writer)
        )
    except ReviewNotFoundError:
        abort(404, message=NOT_FOUND)
    except AlreadyDecidedError as exc:
        abort(409, message=f"Ärendet är redan avgjort ({exc.status}) / The item is already decided ({exc.status}).")
    except NotUndoableError as exc:
        abort(409, message=f"Kan inte ångras ({exc.status}): {exc.reason} / Cannot be undone.")
    return {"item_id": decision.item_id, "status": decision.status, "actor_id": decision.actor_id}


# The four decisions on a review item, by the path's last part: the status each sets and what it does
# (the operation's summary). The views are named Review + the part (their endpoints: imports.ReviewAccept, ...).
_DECISIONS = {
    "accept": ("accepted", "Accept: the record is the candidate actor and is merged into it."),
    "reject": ("rejected", "Reject: the record is another organisation and becomes an actor of its own."),
    "unsure": ("unsure", "Unsure: the record stands alone for now; the item stays open."),
    "undo": ("undo", "Undo a merge: the record is split off into its own actor and kept apart from this one."),
}
_CONFLICTS = {"undo": "Ingen sammanslagning att ångra / Not a merge to undo."}


def _decision_view(path: str, status: str, summary: str) -> None:
    class View(MethodView):
        @require_write(Write.REVIEW)
        @blp.response(200, DecisionSchema)
        @blp.alt_response(404, description=NOT_FOUND)
        @blp.alt_response(409, description=_CONFLICTS.get(path, "Redan avgjort / Already decided."))
        def post(self, item_id: str) -> dict[str, Any]:
            return _decide(item_id, status)

    View.post.__doc__ = summary  # read by the route below, for the OpenAPI document
    View.__name__ = View.__qualname__ = f"Review{path.capitalize()}"
    blp.route(f"/reviews/<item_id>/{path}")(View)


for _path, (_status, _summary) in _DECISIONS.items():
    _decision_view(_path, _status, _summary)
