"""Any network the registry draws as GraphML or GEXF, for Gephi, Cytoscape or networkx, through networkx's writers.

Every attribute has one declared type (Gephi makes a typed column of each): text, integer,
floating point or boolean. A value missing on a node or an edge is left out rather than written
as an empty string, so a numeric column stays numeric. Lists (an actor's terms) are joined with
"; ", since GraphML has no list type
(an actor's terms, the levels a challenge is anchored at). Parallel relationships (two kinds of dependency between
the same actors) are kept: the graph is a directed multigraph keyed by relationship id.

networkx writes GEXF 1.2 (its newest); Gephi reads it, and it is what "GEXF" means below.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from graph_schema.refdata import municipalities
from registry.domain.network import Network

# format -> (media type, file suffix)
GRAPH_FORMATS: dict[str, tuple[str, str]] = {
    "graphml": ("application/graphml+xml", ".graphml"),
    "gexf": ("application/gexf+xml", ".gexf"),
}

# Edge properties and their one type; anything else a relationship carries is text.
_EDGE_TYPES: dict[str, type] = {
    "strength": int,
    "amount_sek": int,
    "year": int,
    "mutual": bool,
}
# Names the writers give a meaning of their own (GEXF's dynamics, networkx's ids): renamed.
_RESERVED = {
    "start": "start_value",
    "end": "end_value",
    "id": "relationship_id",
    "key": "relationship_key",
    "type": "relationship_type",
    "label": "relationship_label",
}


class GraphFormatError(ValueError):
    """An unknown format or file suffix (the message names the known ones)."""


def format_for(path: Path) -> str | None:
    """'graphml' or 'gexf' from a file name's suffix; None for anything else (an HTML map)."""
    suffix = path.suffix.lower()
    return next((fmt for fmt, (_, s) in GRAPH_FORMATS.items() if s == suffix), None)


def _typed(key: str, value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    kind = _EDGE_TYPES.get(key, str)
    if kind is bool:
        return bool(value)
    if kind is int:
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    return str(value)


def to_networkx(network: Network, terms: Mapping[str, Mapping[str, Sequence[str]]] | None = None) -> nx.MultiDiGraph:
    """The network as a networkx multigraph with typed attributes; `terms`: actor id -> {interest_areas,
    target_groups} (term ids), for the nodes' term columns."""
    graph = nx.MultiDiGraph()
    places = municipalities()
    for node in network.nodes:
        attributes: dict[str, Any] = {"label": node.name, "name": node.name, "node_type": node.label}
        for key, value in (("sector", node.sector), ("kind", node.kind), ("municipality_code", node.municipality_code)):
            if value:
                attributes[key] = str(value)
        if node.municipality_code and node.municipality_code in places:
            attributes["municipality"] = places[node.municipality_code].name
        for vocabulary, ids in (terms or {}).get(node.id, {}).items():
            if ids:
                attributes[vocabulary] = "; ".join(sorted(ids))
        graph.add_node(node.id, **attributes)
    for edge in network.edges:
        # "type" means the edge's direction to GEXF, so the relationship type has a name of its own.
        attributes = {"relationship_type": edge.type}
        for key, value in edge.properties.items():
            typed = _typed(key, value) if value is not None else None
            if typed is not None:
                attributes[_RESERVED.get(key, key)] = typed
        graph.add_edge(edge.source, edge.target, key=edge.id, **attributes)
    return graph


def graph_bytes(network: Network, fmt: str, terms: Mapping[str, Mapping[str, Sequence[str]]] | None = None) -> bytes:
    """The network as a GraphML or GEXF document (UTF-8)."""
    if fmt not in GRAPH_FORMATS:
        raise GraphFormatError(f"okänt format {fmt!r} / unknown format (graphml, gexf)")
    graph = to_networkx(network, terms)
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml_xml(graph, buffer, encoding="utf-8")
    else:
        nx.write_gexf(graph, buffer, encoding="utf-8")
    return buffer.getvalue()


def write_graph_file(
    network: Network, path: Path, terms: Mapping[str, Mapping[str, Sequence[str]]] | None = None
) -> None:
    fmt = format_for(path)
    if fmt is None:
        raise GraphFormatError(
            "filnamnet ska sluta på .graphml eller .gexf / the file name must end in .graphml or .gexf"
        )
    path.write_bytes(graph_bytes(network, fmt, terms))


def filename(slug: str, fmt: str) -> str:
    """A safe download name: `natverk-<slug>.<suffix>`."""
    return f"natverk-{re.sub(r'[^A-Za-z0-9._-]+', '-', slug)[:100]}{GRAPH_FORMATS[fmt][1]}"
