"""The map explorer (`/karta`): pick an actor, a place, an arena or a challenge and the map's filters.

The page embeds the answer of the map routes (`registry.api.maps`) in a frame and links to the
same map as a file, so what an officer sees, shares and downloads is one map. It is a plain GET
form: the address of a map is the state, shareable and bookmarkable, and nothing runs in the
page. Values are checked here before the frame asks for anything, so a bad value is a page with
the reason (422), an unknown subject a 404 page, never a broken frame or a 500.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from graph_schema.refdata import find_county, find_municipality, taxonomy
from registry.dao.actors import ActorDao
from registry.dao.arenas import ArenaDao
from registry.dao.challenges import ChallengeDao
from registry.db import get_graph
from registry.domain.actor import ActorFilter, text_query
from registry.domain.relationships import NETWORK_TYPES, NotFoundError
from registry.web import i18n
from registry.web.options import area_groups, term_options
from registry.web.umbrella import adopt_session
from visualisations import SIZE_BY
from visualisations.maps import MAX_NODES
from visualisations.subjects import MAP_TYPES

bp = Blueprint("explorer", __name__)
bp.before_request(adopt_session)

SUBJECTS = ("actor", "area", "arena", "challenge")
MAX_DEPTH = 3
# How many actors a name search offers, and how many arenas or challenges a list holds.
ACTOR_MATCHES = 10
LIST_LIMIT = 200
_SCALARS = (
    "subject",
    "q",
    "actor",
    "area",
    "arena",
    "challenge",
    "depth",
    "interest_area",
    "target_group",
    "size_by",
    "valid_at",
)


def _known_term(kind: str, error: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        if value not in {t.id for t in taxonomy()[kind]}:
            raise ValidationError(error)

    return check


class ExplorerArgs(Schema):
    """The explorer's query: the map routes' parameters plus which subject the map is about."""

    class Meta:
        unknown = EXCLUDE

    subject = fields.String(
        load_default=None,
        validate=validate.OneOf(
            SUBJECTS,
            error="Välj aktör, område, arena eller utmaning / Choose an actor, an area, an arena or a challenge.",
        ),
    )
    q = fields.String(
        load_default="",
        validate=validate.Length(max=200, error="Högst 200 tecken / At most 200 characters."),
    )
    actor = fields.String(load_default=None, validate=validate.Length(1, 100, error="Ogiltigt id / Invalid id."))
    area = fields.String(
        load_default=None,
        validate=validate.Regexp(
            r"^\d{2}(\d{2})?$",
            error="Ett läns kod (2 siffror) eller en kommuns (4 siffror) / A county code (2 digits) or a "
            "municipality code (4 digits).",
        ),
    )
    arena = fields.String(load_default=None, validate=validate.Length(1, 100, error="Ogiltigt id / Invalid id."))
    challenge = fields.String(load_default=None, validate=validate.Length(1, 100, error="Ogiltigt id / Invalid id."))
    depth = fields.Integer(
        load_default=1,
        validate=validate.Range(1, MAX_DEPTH, error="Djupet ska vara 1–3 / Depth must be 1–3."),
        error_messages={"invalid": "Djupet ska vara ett heltal 1–3 / Depth must be a whole number 1–3."},
    )
    types = fields.List(
        fields.String(
            validate=validate.OneOf(MAP_TYPES, error="Okänd relationstyp / Unknown relationship type: {input}.")
        ),
        load_default=list,
    )
    interest_area = fields.String(
        load_default=None,
        validate=_known_term("interest_areas", "Okänt verksamhetsområde / Unknown interest area."),
    )
    target_group = fields.String(
        load_default=None,
        validate=_known_term("target_groups", "Okänd målgrupp / Unknown target group."),
    )
    size_by = fields.String(
        load_default="degree",
        validate=validate.OneOf(
            SIZE_BY, error="Storlek efter degree eller betweenness / Size by degree or betweenness."
        ),
    )
    valid_at = fields.Date(
        load_default=None,
        error_messages={"invalid": "Ogiltigt datum, skriv ÅÅÅÅ-MM-DD / Invalid date, write YYYY-MM-DD."},
    )

    @post_load
    def _subject(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # A link such as `/karta?area=1881` names its subject by the field it sets.
        if data["subject"] is None:
            data["subject"] = next((s for s in SUBJECTS if data.get(s)), None)
        data["types"] = list(dict.fromkeys(data["types"]))
        return data


def _raw_args() -> dict[str, Any]:
    """The query as the schema reads it: empty fields (an unset select) are absent, and `types`
    may come as repeated checkboxes or, like the map routes take it, comma-separated."""
    raw: dict[str, Any] = {}
    for key in _SCALARS:
        value = request.args.get(key, "").strip()
        if value:
            raw[key] = value
    types = [part.strip() for value in request.args.getlist("types") for part in value.split(",")]
    raw["types"] = [t for t in types if t]
    return raw


def map_query(args: dict[str, Any]) -> dict[str, str]:
    """The map route's query arguments for the chosen subject (the defaults left out, bar depth)."""
    subject = args["subject"]
    query: dict[str, str] = {}
    if subject == "actor":
        query["depth"] = str(args["depth"])
    if subject == "area":
        for key in ("interest_area", "target_group"):
            if args.get(key):
                query[key] = args[key]
    if subject in ("actor", "area"):
        if args["types"]:
            query["types"] = ",".join(args["types"])
        if args["valid_at"]:
            query["valid_at"] = args["valid_at"].isoformat()
    if args["size_by"] != "degree":
        query["size_by"] = args["size_by"]
    return query


def _with_query(path: str, query: dict[str, str]) -> str:
    # Commas stay readable: the routes split `types` on them after decoding either way.
    return f"{path}?{urlencode(query, safe=',')}" if query else path


def _resolve(args: dict[str, Any], actor: dict[str, Any] | None) -> tuple[str, str] | None:
    """(the map route's path, the subject's name) for the chosen subject; None when nothing is
    chosen yet. `actor` is the chosen actor as read already. Raises NotFoundError for an unknown
    subject."""
    subject = args["subject"]
    chosen = args.get(subject) if subject else None
    if not chosen:
        return None
    if subject == "actor":
        if actor is None:
            raise NotFoundError(i18n.t("actor.not_found"))
        return url_for("maps.ActorMap", actor_id=chosen), str(actor["name"])
    if subject == "area":
        county = find_county(chosen) if len(chosen) == 2 else None
        municipality = find_municipality(chosen) if len(chosen) == 4 else None
        if county is not None:
            return url_for("maps.CountyMap", code=chosen), county.name
        if municipality is not None:
            return url_for("maps.MunicipalityMap", code=chosen), municipality.name
        raise NotFoundError(i18n.t("explorer.not_found.area"))
    graph = get_graph()
    try:
        if subject == "arena":
            return url_for("maps.ArenaMap", arena_id=chosen), str(ArenaDao(graph).get(chosen)["name"])
        return url_for("maps.ChallengeMap", challenge_id=chosen), str(ChallengeDao(graph).get(chosen)["name"])
    except NotFoundError as exc:
        raise NotFoundError(i18n.t(f"explorer.not_found.{subject}")) from exc


def _actor_matches(args: dict[str, Any]) -> list[dict[str, Any]] | None:
    text = text_query(args["q"]) if args["q"] else None
    if text is None:
        return None
    result = ActorDao(get_graph()).search(
        ActorFilter(text=text), sort="relevance", skip=0, limit=ACTOR_MATCHES, facets=False
    )
    return result.items


def _choice_url(actor_id: str) -> str:
    """This page with the same filters, about `actor_id`."""
    keep = [(k, v) for k, v in request.args.items(multi=True) if k not in ("actor", "subject", "q", "lang") and v]
    return url_for("explorer.explorer") + "?" + urlencode([("subject", "actor"), ("actor", actor_id), *keep])


def _lists(area: str | None, chosen: dict[str, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Arenas and challenges to choose from: those of the chosen place, when there is one, and
    always the chosen ones (a shared link may name an arena elsewhere)."""
    county = area if area and len(area) == 2 and find_county(area) else None
    municipality = area if area and len(area) == 4 and find_municipality(area) else None
    graph = get_graph()
    arenas = ArenaDao(graph).search(municipality_code=municipality, county_code=county, limit=LIST_LIMIT).items
    challenges = ChallengeDao(graph).search(municipality_code=municipality, county_code=county, limit=LIST_LIMIT).items
    for items, key, dao in ((arenas, "arena", ArenaDao(graph)), (challenges, "challenge", ChallengeDao(graph))):
        wanted = chosen.get(key)
        if wanted and all(item["id"] != wanted for item in items):
            with contextlib.suppress(NotFoundError):  # an unknown one is the page's 404
                items.insert(0, dao.get(wanted))
    return arenas, challenges


def _form_values() -> dict[str, Any]:
    form: dict[str, Any] = {k: request.args.get(k, "") for k in _SCALARS}
    form["types"] = [p for v in request.args.getlist("types") for p in v.split(",") if p]
    return form


def _field_errors(messages: dict[str, Any]) -> list[tuple[str, str]]:
    """(the field's label, its messages) for the page, whatever marshmallow nested them in."""
    labels = {
        "subject": "explorer.subject",
        "q": "explorer.actor.q",
        "actor": "explorer.actor",
        "area": "search.area",
        "arena": "explorer.arena",
        "challenge": "explorer.challenge",
        "depth": "explorer.depth",
        "types": "explorer.types",
        "interest_area": "search.interest_area",
        "target_group": "search.target_group",
        "size_by": "explorer.size_by",
        "valid_at": "explorer.valid_at",
    }

    def flat(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [m for v in value.values() for m in flat(v)]
        if isinstance(value, list):
            return [m for v in value for m in flat(v)]
        return [str(value)]

    return [(i18n.t(labels[f]) if f in labels else f, " ".join(flat(m))) for f, m in messages.items()]


@bp.get("/karta")
def explorer() -> tuple[str, int]:
    status, errors, not_found = 200, [], None
    args: dict[str, Any] = {}
    try:
        loaded = ExplorerArgs().load(_raw_args())
        assert isinstance(loaded, dict)
        args = loaded
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"": exc.messages}
        status, errors = 422, _field_errors(messages)
    actor = ActorDao(get_graph()).get(args["actor"]) if args.get("actor") else None
    if actor is not None and actor.get("archived"):
        actor = None
    map_url = download_url = title = None
    if args:
        try:
            resolved = _resolve(args, actor)
        except NotFoundError as exc:
            status, not_found, resolved = 404, exc.message, None
        if resolved is not None:
            path, title = resolved
            query = map_query(args)
            map_url, download_url = _with_query(path, query), _with_query(path, {**query, "download": "1"})
    arenas, challenges = _lists(args.get("area"), {k: args[k] for k in ("arena", "challenge") if args.get(k)})
    page = render_template(
        "web/explorer.html",
        active="map",
        form=_form_values(),
        subject=args.get("subject") or "",
        errors=errors,
        not_found=not_found,
        map_url=map_url,
        download_url=download_url,
        title=title,
        matches=_actor_matches(args) if args else None,
        choice_url=_choice_url,
        chosen_actor=actor["name"] if actor else None,
        area_groups=area_groups(),
        interest_areas=term_options("interest_areas"),
        target_groups=term_options("target_groups"),
        map_types=[(t.id, i18n.pick(t.sv, t.en)) for t in NETWORK_TYPES if t.id in MAP_TYPES],
        size_options=[(s, i18n.t(f"explorer.size_by.{s}")) for s in SIZE_BY],
        depths=range(1, MAX_DEPTH + 1),
        arenas=arenas,
        challenges=challenges,
        # Grouped by thin spaces, as both languages write large numbers.
        max_nodes=f"{MAX_NODES:,}".replace(",", "\u202f"),
    )
    return page, status
