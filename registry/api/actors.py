"""/api/v1/actors: search with facets, register, read with ETag, edit with If-Match, archive and restore, export."""

from __future__ import annotations

import csv
import io
import itertools
import json
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, current_app, stream_with_context, url_for
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from graph_schema.refdata import counties, municipalities
from registry.api.actor_schemas import (
    ActorCreateSchema,
    ActorExportArgsSchema,
    ActorPageSchema,
    ActorPatchSchema,
    ActorSchema,
    ActorSearchArgsSchema,
    ActorSummarySchema,
)
from registry.api.http import page_window, tag_data
from registry.auth import (
    Write,
    authorize,
    authorize_actor_write,
    can_see_contacts,
    can_see_contacts_of,
    current_principal,
    current_writer,
)
from registry.dao.actors import ActorDao, DuplicateOrgNumberError, source_entries
from registry.dao.hsds import HsdsDao
from registry.dao.taxonomy import TaxonomyDao
from registry.db import get_graph
from registry.domain.actor import KINDS, SECTORS, ActorFilter, prepare_write, text_query
from registry.hsds.export import FORMATS as HSDS_FORMATS
from registry.hsds.export import export_response as hsds_response
from registry.identity import Principal

blp = Blueprint(
    "actors",
    __name__,
    url_prefix="/api/v1/actors",
    description="Aktörer: sök, registrera, visa, ändra, arkivera och exportera / "
    "Actors: search, register, read, edit, archive and export",
)

NOT_FOUND = "Aktören finns inte / Actor not found."
_ACTOR_SCHEMA = ActorSchema()
_SUMMARY_SCHEMA = ActorSummarySchema()


# -- what a caller sees -------------------------------------------------------------------------
def _place(code: str | None) -> dict[str, str] | None:
    m = municipalities().get(code) if code else None
    return {"code": m.code, "name": m.name} if m else None


def _county(code: str | None) -> dict[str, str] | None:
    c = counties().get(code) if code else None
    return {"code": c.code, "name": c.name} if c else None


def contacts_visible(view: dict[str, Any], principal: Principal) -> bool:
    # Not from the view's `member_of`: that lists pending, ended and non-civil memberships too.
    return can_see_contacts_of(principal, view["id"])


def _with_every_field(data: dict[str, Any], schema: Schema, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    # The graph has no nulls: an unset property is absent. Answers name every field all the same.
    for name, field in schema.fields.items():
        if name not in skip:
            data.setdefault(name, [] if isinstance(field, fields.List) else None)
    return data


def _near_notes(missing: int | None) -> list[str]:
    if not missing:
        return []
    return [
        f"{missing} aktörer i det filtrerade området saknar koordinater och kan inte hittas på avstånd / "
        f"{missing} actors in the filtered area have no coordinates and cannot be found by distance"
    ]


def present(view: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """The actor as this caller may see it: contact persons only where `registry.auth` allows."""
    shown = _with_every_field(dict(view), _ACTOR_SCHEMA, skip=("contacts", "warnings"))
    shown["municipality"] = _place(shown.pop("municipality_code", None))
    shown["county"] = _county(shown.pop("county_code", None))
    shown["active_in"] = [p for p in (_place(c) for c in view.get("active_in") or []) if p]
    shown["sources"] = source_entries(shown)
    shown.pop("provenance", None)
    if not contacts_visible(view, principal):
        shown.pop("contacts", None)
    return shown


def _etag_data(view: dict[str, Any], principal: Principal) -> dict[str, Any]:
    # The representation differs per caller (contacts or not), so the tag does too.
    return {**tag_data("actor", view["id"], view.get("version")), "contacts": contacts_visible(view, principal)}


def _answer(view: dict[str, Any] | None, principal: Principal) -> dict[str, Any]:
    """The actor as `principal` may see it, its ETag set; 404 when it is gone."""
    if view is None:
        abort(404, message=NOT_FOUND)
        raise AssertionError
    blp.set_etag(_etag_data(view, principal))
    return present(view, principal)


def _answers_actor(view: Callable[..., Any]) -> Any:
    """What a route answering one actor declares: the actor with its ETag, or 404."""
    return blp.etag(blp.response(200, ActorSchema)(blp.alt_response(404, description=NOT_FOUND)(view)))


def _summary(item: dict[str, Any]) -> dict[str, Any]:
    shown = _with_every_field(dict(item), _SUMMARY_SCHEMA)
    shown["municipality"] = _place(shown.pop("municipality_code", None))
    shown["active_in"] = [p for p in (_place(c) for c in item.get("active_in") or []) if p]
    distance = shown.pop("distance_m", None)
    shown["distance_km"] = round(distance / 1000.0, 3) if distance is not None else None
    if not shown.get("score"):
        shown["score"] = None
    return shown


# -- input checks that need the database --------------------------------------------------------
def _check_terms(location: str, fields: dict[str, list[str]]) -> None:
    """422 naming each unknown taxonomy id, per field."""
    dao = TaxonomyDao(get_graph())
    errors: dict[str, list[str]] = {}
    labels = {"interest_areas": "verksamhetsområde / interest area", "target_groups": "målgrupp / target group"}
    for field, ids in fields.items():
        kind = "interest_areas" if field.startswith("interest_area") else "target_groups"
        unknown = dao.unknown(kind, ids)
        if unknown:
            errors[field] = [f"Okänd {labels[kind]}: {', '.join(map(repr, unknown))}"]
    if errors:
        abort(422, message="Okända termer / Unknown terms.", errors={location: errors})


def build_filter(args: dict[str, Any]) -> ActorFilter:
    """The validated query arguments as an `ActorFilter`; 422 for unknown terms or umbrella."""
    text = None
    q = (args.get("q") or "").strip()
    if q:
        text = text_query(q)
        if text is None:
            abort(
                422,
                message="Söktexten innehåller inga ord / The search text contains no words.",
                errors={"query": {"q": ["Inga ord att söka på / No words to search for."]}},
            )
    _check_terms(
        "query",
        {
            k: v
            for k, v in (("interest_area", args.get("interest_area")), ("target_group", args.get("target_group")))
            if v
        },
    )
    member_of = args.get("member_of")
    if member_of is not None and ActorDao(get_graph()).status(member_of) is None:
        abort(
            422,
            message="Okänd paraplyorganisation / Unknown umbrella organisation.",
            errors={"query": {"member_of": [f"Ingen aktör med id / No actor with id {member_of!r}"]}},
        )
    return ActorFilter(
        text=text,
        municipalities=tuple(dict.fromkeys(args.get("municipality") or [])),
        counties=tuple(dict.fromkeys(args.get("county") or [])),
        postal_code=args.get("postal_code"),
        near=args.get("near"),
        radius_km=args.get("radius_km", 10.0),
        interest_areas=tuple(dict.fromkeys(args.get("interest_area") or [])),
        target_groups=tuple(dict.fromkeys(args.get("target_group") or [])),
        sectors=tuple(dict.fromkeys(args.get("sector") or [])),
        kinds=tuple(dict.fromkeys(args.get("kind") or [])),
        member_of=member_of,
        has_org_number=args.get("has_org_number"),
        archived=bool(args.get("archived")),
    )


def _check_write(data: dict[str, Any], principal: Principal, current: dict[str, Any] | None) -> None:
    _check_terms("json", {k: data[k] for k in ("interest_areas", "target_groups") if data.get(k)})
    if current is not None and "contacts" in data and not contacts_visible(current, principal):
        abort(
            403,
            message="Du får inte ändra kontaktpersoner för den här aktören / "
            "You may not change this actor's contact persons.",
        )
    _check_contact_ids(data, current)


def _check_contact_ids(data: dict[str, Any], current: dict[str, Any] | None) -> None:
    """A contact id must be one of this actor's own contacts: the write keeps a contact by its id,
    and an id of another actor's contact would otherwise take that person over."""
    given = [c["id"] for c in data.get("contacts") or [] if c.get("id")]
    own = {c["id"] for c in (current or {}).get("contacts") or []}
    errors: dict[int, dict[str, list[str]]] = {}
    for index, contact in enumerate(data.get("contacts") or []):
        cid = contact.get("id")
        if not cid:
            continue
        if cid not in own:
            message = "ingen kontakt hos den här aktören / not a contact of this actor"
        elif given.count(cid) > 1:
            message = "samma kontakt två gånger / the same contact twice"
        else:
            continue
        errors[index] = {"id": [message]}
    if errors:
        abort(422, errors={"json": {"contacts": errors}}, message="Ogiltiga kontakter / Invalid contacts.")


def _duplicate(exc: DuplicateOrgNumberError) -> None:
    abort(
        409,
        message="Organisationsnumret finns redan / The organisation number is already registered.",
        errors={
            "json": {"org_number": [f"Redan registrerat för aktören / Already registered for actor {exc.existing_id}"]}
        },
    )


def _labelled(values: list[dict[str, Any]], vocabulary: dict[str, Any]) -> list[dict[str, Any]]:
    result = []
    for v in values:
        term = vocabulary.get(v["key"])
        result.append({**v, "label_sv": term.sv if term else None, "label_en": term.en if term else None})
    return result


# -- resources ------------------------------------------------------------------------------------
@blp.route("")
class Actors(MethodView):
    @blp.arguments(ActorSearchArgsSchema, location="query")
    @blp.response(200, ActorPageSchema)
    @blp.paginate(page_size=20, max_page_size=100)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> dict[str, Any]:
        """Sök aktörer / Search actors

        Alla filter gäller samtidigt; upprepade värden av ett filter är alternativ. Ett
        verksamhetsområde eller en målgrupp omfattar sina underordnade termer. Fasetterna räknas
        för samma filter. / All filters hold at once; repeated values of one filter are
        alternatives. An interest area or target group includes its narrower terms. Facets are
        counted for the same filters.
        """
        f = build_filter(args)
        sort = args.get("sort") or ("relevance" if f.text else "distance" if f.near else "name")
        skip, limit = page_window(pagination_parameters)
        result = ActorDao(get_graph()).search(
            f,
            sort=sort,
            skip=skip,
            limit=limit,
            facets=args["facets"],
        )
        pagination_parameters.item_count = result.total
        facets = None
        if result.facets is not None:
            facets = {
                **result.facets,
                "sector": _labelled(result.facets["sector"], SECTORS),
                "kind": _labelled(result.facets["kind"], KINDS),
            }
        return {
            "total": result.total,
            "page": pagination_parameters.page,
            "page_size": pagination_parameters.page_size,
            "items": [_summary(i) for i in result.items],
            "facets": facets,
            "without_coordinates": result.without_coordinates,
            "notes": _near_notes(result.without_coordinates),
        }

    @blp.etag
    @blp.arguments(ActorCreateSchema)
    @blp.response(201, ActorSchema)
    @blp.alt_response(409, description="Organisationsnumret finns redan / The organisation number exists")
    def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Registrera en aktör / Register an actor

        Kommunen härleds ur postnumret när den saknas; om det inte går sägs det i `warnings`. /
        The municipality is derived from the postal code when missing; when that fails,
        `warnings` says so.
        """
        principal = current_principal()
        authorize(principal, Write.ACTOR_CREATE)
        _check_write(data, principal, None)
        write = prepare_write(data)
        try:
            view = ActorDao(get_graph()).create(write, writer=current_writer())
        except DuplicateOrgNumberError as exc:
            _duplicate(exc)
            raise
        shown = present(view, principal)
        shown["warnings"] = list(write.warnings)
        blp.set_etag(_etag_data(view, principal))
        return shown, {"Location": url_for("actors.Actor", actor_id=view["id"])}


@blp.route("/export")
class ActorExport(MethodView):
    @blp.arguments(ActorExportArgsSchema, location="query")
    @blp.response(
        200,
        description="CSV (UTF-8 med BOM) eller en JSON-lista, strömmad / CSV (UTF-8 with BOM) or a JSON list, streamed",
        content_type="text/csv",
    )
    @blp.doc(
        responses={
            "200": {
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Actor"}}},
                    "application/x-ndjson": {"schema": {"type": "string", "description": "HSDS organizations"}},
                    "application/zip": {"schema": {"type": "string", "format": "binary"}},
                }
            }
        }
    )
    def get(self, args: dict[str, Any]) -> Response:
        """Exportera aktörer / Export actors

        Samma filter som sökningen, i namnordning. Celler som börjar med =, +, - eller @ får en
        apostrof först så att ett kalkylprogram inte kör dem. / The same filters as search, in
        name order. Cells that begin with =, +, - or @ get an apostrophe first so a spreadsheet
        does not run them.
        """
        f = build_filter(args)
        principal = current_principal()
        rows = _first_batch_read(ActorDao(get_graph()).export(f))
        if args["format"] in HSDS_FORMATS:  # docs/hsds.md: NDJSON organizations, or the tabular package as a zip
            terms = HsdsDao(get_graph()).terms()
            return hsds_response(args["format"], rows, terms, lambda view: contacts_visible(view, principal))
        if args["format"] == "json":
            body = _json_lines(rows, principal)
            mimetype = "application/json"
            filename = "aktorer.json"
        else:
            body = _csv_lines(rows, principal, ";" if args["delimiter"] == "semicolon" else ",")
            mimetype = "text/csv"
            filename = "aktorer.csv"
        response = Response(stream_with_context(_aborted_visibly(body, args["format"])), mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@blp.route("/<actor_id>")
class Actor(MethodView):
    @_answers_actor
    def get(self, actor_id: str) -> dict[str, Any]:
        """Visa en aktör / Read an actor

        Svaret har en `ETag`; skicka den som `If-Match` när du ändrar. / The answer carries an
        `ETag`; send it as `If-Match` when you edit.
        """
        return _answer(ActorDao(get_graph()).get(actor_id), current_principal())

    @blp.etag
    @blp.arguments(ActorPatchSchema)
    @blp.response(200, ActorSchema)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(409, description="Aktören är arkiverad eller organisationsnumret finns redan")
    def patch(self, data: dict[str, Any], actor_id: str) -> dict[str, Any]:
        """Ändra en aktör / Edit an actor

        Kräver `If-Match` med aktörens `ETag` (428 utan, 412 om någon annan hunnit ändra). /
        Needs `If-Match` with the actor's `ETag` (428 without it, 412 when someone else changed
        it meanwhile).
        """
        dao = ActorDao(get_graph())
        principal = current_principal()
        # Object-level first: an umbrella may edit its own members' editable fields and nothing else.
        authorize_actor_write(principal, actor_id, fields=data.keys())
        current = dao.get(actor_id)
        if current is None:
            abort(404, message=NOT_FOUND)
            raise AssertionError
        _check_write(data, principal, current)
        write = prepare_write(data, current)

        def check(locked: dict[str, Any]) -> None:
            blp.check_etag(_etag_data(locked, principal))
            if locked.get("archived"):
                abort(
                    409, message="Aktören är arkiverad; återställ den först / The actor is archived; restore it first."
                )
            _check_contact_ids(data, locked)  # again under the lock: the contacts may have changed

        try:
            view = dao.update(actor_id, write, check, writer=current_writer())
        except DuplicateOrgNumberError as exc:
            _duplicate(exc)
            raise
        shown = _answer(view, principal)
        shown["warnings"] = list(write.warnings)
        return shown

    @blp.response(204)
    @blp.alt_response(404, description=NOT_FOUND)
    def delete(self, actor_id: str) -> None:
        """Arkivera en aktör / Archive an actor

        Aktören döljs i sökningar men finns kvar och kan återställas. / The actor is hidden from
        search but kept, and can be restored.
        """
        principal = current_principal()
        authorize(principal, Write.ACTOR_ARCHIVE)
        if ActorDao(get_graph()).set_archived(actor_id, True, writer=current_writer()) is None:
            abort(404, message=NOT_FOUND)


@blp.route("/<actor_id>/restore")
class ActorRestore(MethodView):
    @_answers_actor
    def post(self, actor_id: str) -> dict[str, Any]:
        """Återställ en arkiverad aktör / Restore an archived actor"""
        principal = current_principal()
        authorize(principal, Write.ACTOR_ARCHIVE)
        dao = ActorDao(get_graph())
        if dao.set_archived(actor_id, False, writer=current_writer()) is None:
            abort(404, message=NOT_FOUND)
        return _answer(dao.get(actor_id), principal)


# -- export formats ---------------------------------------------------------------------------------
_CSV_COLUMNS = (
    "id",
    "name",
    "alt_names",
    "sector",
    "kind",
    "org_number",
    "description",
    "activities",
    "website",
    "emails",
    "phones",
    "street_address",
    "postal_code",
    "locality",
    "municipality_code",
    "municipality",
    "county_code",
    "county",
    "active_in",
    "latitude",
    "longitude",
    "founded_year",
    "member_count",
    "national_affiliation",
    "resources_offered",
    "resources_needed",
    "goals",
    "interest_areas",
    "target_groups",
    "member_of",
    "sources",
    "created_at",
    "updated_at",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# How many leading characters are looked at: enough for invisible marks and spaces before the sign.
_FORMULA_PROBE = 16


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would evaluate as a formula gets a leading apostrophe (OWASP's CSV injection advice).

    Compatibility forms count as their plain character (full-width '＝' is '=' after NFKC, as
    some spreadsheet programs read it), and so does a sign behind spaces or invisible format
    characters (zero-width and bidi marks), which a spreadsheet may skip."""
    if cell.startswith(_FORMULA_START):
        return "'" + cell
    probe = unicodedata.normalize("NFKC", cell[:_FORMULA_PROBE])
    probe = "".join(itertools.dropwhile(lambda c: c.isspace() or unicodedata.category(c) == "Cf", probe))
    return "'" + cell if probe.startswith(_FORMULA_START) else cell


def _csv_row(shown: dict[str, Any], with_contacts: bool) -> list[str]:
    municipality, county, coordinates = shown.get("municipality"), shown.get("county"), shown.get("coordinates")
    values: dict[str, Any] = {
        **shown,
        "municipality_code": municipality["code"] if municipality else None,
        "municipality": municipality["name"] if municipality else None,
        "county_code": county["code"] if county else None,
        "county": county["name"] if county else None,
        "active_in": [p["code"] for p in shown.get("active_in") or []],
        "latitude": coordinates["lat"] if coordinates else None,
        "longitude": coordinates["lon"] if coordinates else None,
        "interest_areas": [t["id"] for t in shown.get("interest_areas") or []],
        "target_groups": [t["id"] for t in shown.get("target_groups") or []],
        "member_of": [m.get("name") or m["id"] for m in shown.get("member_of") or []],
        "sources": [s["name"] for s in shown.get("sources") or []],
    }
    cells = [values.get(c) for c in _CSV_COLUMNS]
    if with_contacts:
        cells.append(
            [
                " ".join(
                    p
                    for p in (
                        c.get("name"),
                        f"({c['role']})" if c.get("role") else None,
                        c.get("email"),
                        c.get("phone"),
                    )
                    if p
                )
                for c in shown.get("contacts") or []
            ]
        )
    out = []
    for cell in cells:
        if cell is None:
            out.append("")
        elif isinstance(cell, list):
            out.append(neutralise("; ".join(str(v) for v in cell)))
        else:
            out.append(neutralise(str(cell)))
    return out


# Rows read before the status line goes out: a database that is away, or fails on the query, is
# then a 503 (registry.errors) instead of a 200 with a header row and nothing after it.
FIRST_BATCH = 200
# What a failure after the first byte leaves at the end of the body, where a person or a parser
# sees it: a CSV line that is no actor, and a JSON text that does not parse. The response is then
# cut without its last chunk, so an HTTP client reports the transfer as incomplete too.
EXPORT_FAILED = "EXPORTEN AVBRÖTS, FILEN ÄR OFULLSTÄNDIG / EXPORT FAILED, THE FILE IS INCOMPLETE"


def _first_batch_read(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The rows, with the first `FIRST_BATCH` already read (so their failure raises here, in the view)."""
    head = list(itertools.islice(rows, FIRST_BATCH))
    return itertools.chain(head, rows)


def _aborted_visibly(body: Iterator[str], fmt: str) -> Iterator[str]:
    """The body; if reading fails midway, an error line the client sees, then the failure again
    (the server then drops the connection instead of ending the chunked body cleanly)."""
    try:
        yield from body
    except Exception:
        current_app.logger.exception("export failed after the first byte")
        yield f"\r\n#{EXPORT_FAILED}\r\n" if fmt == "csv" else f',\n{{"error": "{EXPORT_FAILED}"'
        raise


def _csv_lines(rows: Iterator[dict[str, Any]], principal: Principal, delimiter: str) -> Iterator[str]:
    # A contacts column only for callers who may see some contact persons; filled per actor.
    with_contacts = can_see_contacts(principal) or principal.actor_id is not None
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([*_CSV_COLUMNS, *(["contacts"] if with_contacts else [])])
    yield "\ufeff" + buffer.getvalue()
    for view in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(_csv_row(present(view, principal), with_contacts))
        yield buffer.getvalue()


def _json_lines(rows: Iterator[dict[str, Any]], principal: Principal) -> Iterator[str]:
    schema = ActorSchema()
    yield "["
    first = True
    for view in rows:
        item = json.dumps(schema.dump(present(view, principal)), ensure_ascii=False)
        yield ("\n" if first else ",\n") + item
        first = False
    yield "\n]\n"
