"""What each kind of map shows: which network query it runs and what its title says (sv/en).

The routes and the command line both go through here, so a map looks the same however it was
asked for. The queries themselves are `registry.dao.network.NetworkDao`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict, Unpack

from graph_schema.refdata import counties, municipalities
from graph_schema.relationship_types import DECLARED, type_names
from registry.dao.network import NetworkDao
from registry.db import Graph
from registry.domain.network import Network
from registry.domain.relationships import CollaborationError, NotFoundError
from visualisations import maps

# The relationship types a map can be filtered to (the collaboration model's, not bookkeeping):
# those between actors first, then those from an actor to an agreement, an arena or a challenge.
MAP_TYPES: tuple[str, ...] = type_names(
    (*(d for d in DECLARED if d.ends_at_actor), *(d for d in DECLARED if not d.ends_at_actor))
)


class SubjectNotFoundError(Exception):
    """The actor, place, arena or challenge a map is about does not exist."""


class MapQueryError(Exception):
    """The network query refused the request (a 4xx with the query's own message)."""

    def __init__(self, status: int, message: str, errors: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors


def _ask(query: Callable[[], Network]) -> Network:
    """Runs a network query, turning the relationship model's refusals into this module's errors."""
    try:
        return query()
    except NotFoundError as exc:
        raise SubjectNotFoundError(exc.message) from exc
    except CollaborationError as exc:
        raise MapQueryError(exc.status, exc.message, exc.errors) from exc


@dataclass(frozen=True)
class Subject:
    network: Network
    title: str
    slug: str  # for file names


def _name_of(network: Network, node_id: str) -> str | None:
    return next((n.name for n in network.nodes if n.id == node_id), None)


def _named(query: Callable[[NetworkDao], Network], graph: Graph, node_id: str, missing: str) -> tuple[Network, str]:
    """The network around one node and the node's name; `missing` when the node does not exist."""
    dao = NetworkDao(graph)
    network = _ask(lambda: query(dao))
    name = _name_of(network, node_id)
    if name is None:
        raise SubjectNotFoundError(missing)
    return network, name


def actor_map(
    graph: Graph,
    actor_id: str,
    *,
    depth: int = 1,
    types: list[str] | None = None,
    valid_at: date | None = None,
) -> Subject:
    network, name = _named(
        lambda dao: dao.ego(actor_id, depth=depth, types=types, valid_at=valid_at, limit=maps.MAX_NODES),
        graph,
        actor_id,
        "Aktören finns inte / Actor not found",
    )
    suffix = f" (djup {depth} / depth {depth})"
    return Subject(network, f"Relationskarta: {name} / Relationship map: {name}{suffix}", f"actor-{actor_id}")


def _area_map(graph: Graph, title: str, slug: str, **area: Any) -> Subject:
    """The map of a municipality's or a county's actors (`area`: the network query's filters)."""
    network = _ask(lambda: NetworkDao(graph).area(**area, limit=maps.MAX_NODES))
    return Subject(network, f"Områdeskarta: {title} / Area map: {title}", slug)


class AreaFilters(TypedDict, total=False):
    """What narrows an area map (as `NetworkDao.area` takes it)."""

    interest_area: str | None
    target_group: str | None
    types: list[str] | None
    valid_at: date | None


def municipality_map(graph: Graph, code: str, **filters: Unpack[AreaFilters]) -> Subject:
    place = municipalities().get(code)
    if place is None:
        raise SubjectNotFoundError("Kommunen finns inte / Municipality not found")
    return _area_map(graph, place.name, f"municipality-{code}", municipality_code=code, **filters)


def county_map(graph: Graph, code: str, **filters: Unpack[AreaFilters]) -> Subject:
    county = counties().get(code)
    if county is None:
        raise SubjectNotFoundError("Länet finns inte / County not found")
    return _area_map(graph, county.name, f"county-{code}", county_code=code, **filters)


def arena_map(graph: Graph, arena_id: str) -> Subject:
    network, name = _named(lambda dao: dao.arena(arena_id), graph, arena_id, "Arenan finns inte / Arena not found")
    return Subject(network, f"Arenakarta: {name} / Arena map: {name}", f"arena-{arena_id}")


def challenge_map(graph: Graph, challenge_id: str) -> Subject:
    network, name = _named(
        lambda dao: dao.challenge(challenge_id), graph, challenge_id, "Utmaningen finns inte / Challenge not found"
    )
    return Subject(
        network,
        f"Utmaningskarta: {name} / Challenge map: {name} (steg per aktör / stage per actor)",
        f"challenge-{challenge_id}",
    )
