"""Server-rendered pages for municipal officers and coordinators, Swedish first, no front-end build.

The pages read through the same data-access layer and the same validation as the API, so a
search on the page and `GET /api/v1/actors` answer alike; personal data follows the same rule
(`registry.auth`). Everything the pages need is served by this app: no CDN.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, g, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from graph_schema.contract import Label as L
from graph_schema.refdata import find_county, find_municipality, municipalities, taxonomy
from graph_schema.relationship_types import BY_TYPE, DECLARED, PageGroup, Property
from registry.api.actor_schemas import ActorSearchArgsSchema
from registry.api.actors import build_filter, present
from registry.auth import authorize_history, can_see_contacts_of, current_principal
from registry.dao.actors import ActorDao
from registry.dao.analyses import AnalysisDao
from registry.dao.audit import AuditDao
from registry.dao.relationships import RelationshipDao
from registry.db import get_graph
from registry.domain.actor import KINDS, SECTORS
from registry.domain.relationships import CollaborationError
from registry.identity import Principal
from registry.web import explorer, i18n
from registry.web import umbrella as umbrella_page
from registry.web.options import area_groups, term_options

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static/web")
bp.before_request(umbrella_page.adopt_session)

PAGE_SIZE = 20
# The actor page shows its history this many changes a page, latest first.
HISTORY_SIZE = 50
# Query arguments the search page understands: the API's names, so a page URL and an API URL match.
_SEARCH_KEYS = ("q", "municipality", "county", "interest_area", "target_group", "sector", "kind", "page")


@bp.before_app_request
def _language() -> None:
    g.lang = i18n.choose_language()


@bp.after_app_request
def _remember_language(response: Response) -> Response:
    if request.args.get("lang") in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, request.args["lang"], max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


@bp.app_context_processor
def _page_globals() -> dict[str, Any]:
    lang = i18n.current_language() if g.get("lang") else i18n.DEFAULT_LANGUAGE
    args = {k: v for k, v in request.args.items(multi=True) if k != "lang"} if request else {}
    other = "en" if lang == "sv" else "sv"
    switch = f"{request.path}?{urlencode([*args.items(), ('lang', other)])}" if request else "?lang=en"
    nav = (
        ("explorer.explorer", "nav.map", "map"),
        ("web.gaps", "nav.gaps", "gaps"),
        ("umbrella_page.members", "nav.umbrella", "umbrella"),
    )
    return {"t": i18n.t, "pick": i18n.pick, "lang": lang, "switch_language_url": switch, "extra_nav": nav}


def _search_args() -> tuple[dict[str, Any], dict[str, Any]]:
    """The page's form values, and the same values validated by the API's schema."""
    form = {k: request.args.get(k, "") for k in _SEARCH_KEYS}
    # One area field: a county code (2 digits) or a municipality code (4 digits).
    area = request.args.get("area", "")
    raw: dict[str, Any] = {k: v for k, v in form.items() if v and k != "page"}
    if area:
        if find_county(area) and len(area) == 2:
            raw["county"] = area
        else:
            raw["municipality"] = area
    form["area"] = area or raw.get("municipality") or raw.get("county", "")
    for key in ("municipality", "county", "interest_area", "target_group", "sector", "kind"):
        if key in raw:
            raw[key] = [raw[key]]
    args: dict[str, Any] = ActorSearchArgsSchema().load(raw)  # type: ignore[assignment]
    return form, args


@bp.get("/")
def search() -> str | tuple[str, int]:
    try:
        page = max(1, min(int(request.args.get("page", "1")), 10_000))
    except ValueError:
        page = 1
    try:
        form, args = _search_args()
        actor_filter = build_filter(args)
    except ValidationError as exc:
        return _error_page(422, exc.messages), 422
    except HTTPException as exc:
        data = getattr(exc, "data", {}) or {}
        return _error_page(exc.code or 400, data.get("errors") or data.get("message") or exc.description), (
            exc.code or 400
        )
    sort = "relevance" if actor_filter.text else "name"
    result = ActorDao(get_graph()).search(
        actor_filter, sort=sort, skip=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, facets=True
    )
    pages = max(1, math.ceil(result.total / PAGE_SIZE))
    base = {k: v for k, v in request.args.items() if k not in ("page", "lang") and v}

    def page_url(number: int) -> str:
        return url_for("web.search") + "?" + urlencode({**base, "page": number})

    # "Show these on a map": the explorer, with the area and the search's field preselected.
    map_url = None
    places = actor_filter.municipalities or actor_filter.counties
    if len(places) == 1:
        map_url = url_for("explorer.explorer") + "?" + urlencode({"area": places[0], **_map_terms(args)})
    return render_template(
        "web/search.html",
        active="search",
        form=form,
        result=result,
        page=page,
        pages=pages,
        page_url=page_url,
        map_url=map_url,
        area_groups=area_groups(),
        interest_areas=term_options("interest_areas"),
        target_groups=term_options("target_groups"),
        sectors=[(k, i18n.pick(v.sv, v.en)) for k, v in SECTORS.items()],
        kinds=[(k, i18n.pick(v.sv, v.en)) for k, v in KINDS.items()],
        facet_labels=_facet_labels(),
    )


def _map_terms(args: dict[str, Any]) -> dict[str, str]:
    terms = {}
    for key in ("interest_area", "target_group"):
        if args.get(key):
            terms[key] = args[key][0]
    return terms


def _facet_labels() -> dict[str, dict[str, str]]:
    terms = taxonomy()
    return {
        "sector": {k: i18n.pick(v.sv, v.en) for k, v in SECTORS.items()},
        "kind": {k: i18n.pick(v.sv, v.en) for k, v in KINDS.items()},
        "interest_area": {t.id: i18n.pick(t.sv, t.en) for t in terms["interest_areas"]},
        "target_group": {t.id: i18n.pick(t.sv, t.en) for t in terms["target_groups"]},
        "municipality": {m.code: m.name for m in municipalities().values()},
    }


@bp.get("/aktorer/<actor_id>")
def actor(actor_id: str) -> str | tuple[str, int]:
    view = ActorDao(get_graph()).get(actor_id)
    if view is None or view.get("archived"):
        return _error_page(404, i18n.t("actor.not_found")), 404
    principal = current_principal()
    shown = present(view, principal)
    municipality = find_municipality(view.get("municipality_code") or "")
    try:
        history_page = max(1, min(int(request.args.get("history_page", "1")), 10_000))
    except ValueError:
        history_page = 1
    return render_template(
        "web/actor.html",
        active="actor",
        actor=shown,
        municipality=municipality,
        sector_label=_facet_labels()["sector"].get(shown.get("sector") or "", ""),
        kind_label=_facet_labels()["kind"].get(shown.get("kind") or "", ""),
        map_url=url_for("maps.ActorMap", actor_id=actor_id),
        explorer_url=url_for("explorer.explorer", actor=actor_id),
        relationships=_relationship_groups(RelationshipDao(get_graph()).for_actor(actor_id)),
        history=_history(principal, actor_id, history_page),
    )


# The actor page's groups, in the report's order, from the declarations: each relationship type
# is one group, but dependencies are three (power, symbiotic, competition), as the report tells
# them apart.
_GROUPS: dict[str, PageGroup] = {g.key: g for d in DECLARED for g in d.page.groups}
RELATIONSHIP_GROUPS: tuple[str, ...] = tuple(_GROUPS)


def relationship_group(item: dict[str, Any]) -> str:
    """Which of `RELATIONSHIP_GROUPS` a relationship (as `RelationshipDao.for_actor` gives it) is shown in."""
    page = BY_TYPE[item["type"]].page
    keys = [g.key for g in page.groups]
    chosen = item["properties"].get(page.by) if page.by else None
    return str(chosen) if chosen in keys else keys[0]


def _other_url(other: dict[str, Any]) -> str | None:
    if other.get("label") == L.ACTOR:
        return url_for("web.actor", actor_id=other["id"])
    if other.get("label") == L.ARENA:
        return url_for("explorer.explorer", arena=other["id"])
    if other.get("label") == L.CHALLENGE:
        return url_for("explorer.explorer", challenge=other["id"])
    return None


def _detail(prop: Property, value: Any) -> str:
    """One property of a relationship as the page words it, in the page's language."""
    if prop.vocabulary is not None and value in prop.vocabulary:
        text = i18n.pick(prop.vocabulary[value].sv, prop.vocabulary[value].en)
    elif prop.number == "grouped":
        text = f"{value:,}".replace(",", "\u202f")
    elif prop.number == "signed":
        text = f"{value:+d}".replace("-", "\u2212")
    else:
        text = str(value)
    return i18n.pick(*prop.page_text).format(value=text) if prop.page_text else text


def _details(rel_type: str, props: dict[str, Any]) -> list[str]:
    """The key properties of one relationship (its declaration's `page.details`), in the page's language."""
    declared = BY_TYPE[rel_type]
    by_name = {p.name: p for p in declared.properties}
    return [_detail(by_name[name], props[name]) for name in declared.page.details if props.get(name) not in (None, "")]


def _relationship_groups(grouped: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The actor's relationships for the page: per group, the other end (linked where it has a
    page), what the relationship says from this actor's side, and its key properties."""
    today = dt.date.today().isoformat()
    groups: dict[str, list[dict[str, Any]]] = {g: [] for g in RELATIONSHIP_GROUPS}
    for items in grouped.values():
        for item in items:
            group = relationship_group(item)
            out, into = _GROUPS[group].out, _GROUPS[group].into
            phrase = out if item["direction"] == "out" else into
            until = item["properties"].get("until")
            groups[group].append(
                {
                    "other": item["other"],
                    "url": _other_url(item["other"]),
                    "phrase": i18n.pick(*phrase) if phrase else None,
                    "details": _details(item["type"], item["properties"]),
                    "ended": not item["current"] or (until is not None and str(until) <= today),
                }
            )
    result = []
    for group in RELATIONSHIP_GROUPS:
        items = sorted(groups[group], key=lambda i: (i["ended"], (i["other"].get("name") or "").casefold()))
        label = i18n.pick(_GROUPS[group].sv, _GROUPS[group].en)
        result.append({"key": group, "label": label, "items": items})
    return result


def _history(principal: Principal, actor_id: str, page: int) -> dict[str, Any] | None:
    """One page of the actor's changes, latest first, for those the history API would answer (None
    for the rest). A page past the last shows the last."""
    try:
        authorize_history(principal, actor_id)
    except HTTPException:
        return None
    audit = AuditDao(get_graph())
    total = audit.count(actor_id)
    pages = max(1, math.ceil(total / HISTORY_SIZE))
    page = min(page, pages)
    skip = (page - 1) * HISTORY_SIZE
    contacts = can_see_contacts_of(principal, actor_id)
    entries = []
    for entry in audit.history(actor_id, skip=skip, limit=HISTORY_SIZE):
        before, after = entry.before or {}, entry.after or {}
        changes = [
            (field, _shown(before.get(field)), _shown(after.get(field)))
            for field in dict.fromkeys([*before, *after])
            if contacts or field != "contacts"
        ]
        entries.append({"entry": entry, "changes": changes})
    return {
        "entries": entries,
        "total": total,
        "page": page,
        "pages": pages,
        "first": skip + 1,
        "last": skip + len(entries),
    }


def _shown(value: Any) -> str:
    """A changed value as short text (lists and objects as JSON); the template escapes it."""
    if value is None:
        return "–"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 200 else text[:199] + "…"


@bp.get("/valfardsluckor")
def gaps() -> str | tuple[str, int]:
    """Interest areas × target groups for one municipality or county, coloured by civil coverage."""
    area = request.args.get("area", "18").strip()
    is_county = len(area) == 2
    try:
        table = AnalysisDao(get_graph()).welfare_gaps(
            municipality_code=None if is_county else area, county_code=area if is_county else None
        )
    except CollaborationError as exc:
        return _error_page(exc.status, exc.errors or exc.message), exc.status
    county_code = area if is_county else municipalities()[area].county_code
    county_size = sum(1 for m in municipalities().values() if m.county_code == county_code)
    areas: list[dict[str, str]] = []
    groups: list[dict[str, str]] = []
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for cell in table["cells"]:
        ia, tg = cell["interest_area"], cell["target_group"]
        if ia not in areas:
            areas.append(ia)
        if tg not in groups:
            groups.append(tg)
        cells[(ia["id"], tg["id"])] = {**cell, "coverage": _coverage(cell, county_size)}
    return render_template(
        "web/gaps.html",
        active="gaps",
        area=area,
        is_county=is_county,
        area_groups=area_groups(),
        areas=areas,
        groups=groups,
        cells=cells,
        coverage=table["target_group_coverage"],
        place=(find_county(area).name if is_county else find_municipality(area).name),  # type: ignore[union-attr]
    )


def _coverage(cell: dict[str, Any], county_size: int) -> str:
    """The colour class: no civil actor at all; few (a municipality far below the county's median,
    or a county where most municipalities have none); or covered."""
    if cell.get("flag") == "unknown":
        # Too few of the area's civil actors say whom they serve to call an empty cell a gap.
        return "unknown"
    if cell["count"] == 0:
        return "none"
    if cell.get("flag") or len(cell.get("municipalities_none") or ()) * 2 > county_size:
        return "low"
    return "ok"


def _error_page(code: int, detail: Any) -> str:
    return render_template("web/error.html", code=code, detail=detail, active=None)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(explorer.bp)
    # The app's error handlers (registry.errors) answer a browser with this page.
    app.extensions["registry.error_page"] = _error_page
    umbrella_page.init_app(app)
