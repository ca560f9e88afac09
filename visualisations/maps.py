"""Relationship maps: a `Network` becomes a pyvis graph, laid out, encoded and rendered as one HTML page.

pyvis stays the graph-building API (`MapNetwork` is a pyvis `Network`), with its faults closed:
adding nodes and edges is O(1) instead of a scan of every node and edge so far, the page comes
from this package's own template (see `visualisations.page`), and files are written as UTF-8.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
from pyvis.edge import Edge
from pyvis.network import Network as PyvisNetwork
from pyvis.node import Node

from graph_schema.contract import Label as L
from registry.domain.network import Network
from visualisations import SIZE_BY, SizeBy
from visualisations import encoding as enc
from visualisations.layout import SEED, layout
from visualisations.page import render_page, write_page

# Above this many nodes vis-network's physics would take too long in the browser: the server's
# layout is final and physics stays off.
PHYSICS_MAX_NODES = 250
# Past this a map is refused with a message saying how to filter.
MAX_NODES = 5000
# Exact betweenness costs O(n·m); larger maps sample this many sources (seeded, so repeatable).
BETWEENNESS_EXACT_MAX = 300
BETWEENNESS_SAMPLES = 100

_MIN_SIZE, _MAX_SIZE = 12, 40


class MapTooLargeError(Exception):
    """The network has more nodes than a map can show usefully."""

    def __init__(self, nodes: int, max_nodes: int) -> None:
        self.nodes = nodes
        self.max_nodes = max_nodes
        super().__init__(
            f"Kartan skulle få {nodes} noder, fler än {max_nodes}. Begränsa den med filter: lägre djup, "
            "färre relationstyper (types), ett datum (valid_at), ett intresseområde (interest_area) eller "
            f"en målgrupp (target_group). / The map would have {nodes} nodes, more than {max_nodes}. Narrow it "
            "with filters: a lower depth, fewer relationship types (types), a date (valid_at), an interest "
            "area (interest_area) or a target group (target_group)."
        )


class MapNetwork(PyvisNetwork):
    """A pyvis Network whose HTML is this package's safe, offline page."""

    def __init__(self) -> None:
        super().__init__(directed=True, cdn_resources="in_line")
        self.page: dict[str, Any] = {}

    def add_node(self, n_id, label=None, shape="dot", color="#97c2fc", **options):  # type: ignore[no-untyped-def]
        # pyvis checks `n_id not in self.node_ids` (a list): quadratic in the number of nodes.
        if n_id in self.node_map:
            return
        node = Node(n_id, shape, label=label if label else n_id, font_color=self.font_color, **options)
        self.nodes.append(node.options)
        self.node_ids.append(n_id)
        self.node_map[n_id] = node.options

    def add_edge(self, source, to, **options):  # type: ignore[no-untyped-def]
        # pyvis scans the node list for both ends; parallel edges of different types are kept.
        if source not in self.node_map or to not in self.node_map:
            raise ValueError(f"edge between unknown nodes {source!r} and {to!r}")
        self.edges.append(Edge(source, to, self.directed, **options).options)

    def generate_html(self, name: str = "index.html", local: bool = True, notebook: bool = False) -> str:
        self.html = render_page(**self.page)
        return self.html

    def write_html(self, name: str, local: bool = True, notebook: bool = False, open_browser: bool = False) -> None:
        write_page(self.generate_html(), name)


@dataclass(frozen=True)
class MapSummary:
    nodes: int
    edges: int
    physics: bool


def _metric(graph: nx.Graph, size_by: SizeBy) -> dict[Any, float]:
    if size_by == "betweenness":
        if len(graph) <= BETWEENNESS_EXACT_MAX:
            return nx.betweenness_centrality(graph)
        return nx.betweenness_centrality(graph, k=BETWEENNESS_SAMPLES, seed=SEED)
    return {n: float(d) for n, d in graph.degree}


def build_map(network: Network, *, title: str, size_by: SizeBy = "degree", max_nodes: int | None = None) -> MapNetwork:
    """The pyvis graph of a network, ready to render. Raises MapTooLargeError past `max_nodes`."""
    max_nodes = MAX_NODES if max_nodes is None else max_nodes
    total = max(len(network.nodes), network.truncated_from or 0)
    if total > max_nodes:
        raise MapTooLargeError(total, max_nodes)
    if size_by not in SIZE_BY:
        raise ValueError(f"size_by must be one of {SIZE_BY}")

    nodes = sorted(network.nodes, key=lambda n: (n.label, n.name, n.id))
    index = {node.id: i for i, node in enumerate(nodes)}
    edges = sorted(
        (e for e in network.edges if e.source in index and e.target in index and e.source != e.target),
        key=lambda e: (index[e.source], index[e.target], e.type, e.id),
    )
    graph = nx.Graph()
    graph.add_nodes_from(range(len(nodes)))
    graph.add_edges_from((index[e.source], index[e.target]) for e in edges)
    positions = layout(graph)
    metric = _metric(graph, size_by)
    top = max(metric.values(), default=0.0) or 1.0
    physics = len(nodes) <= PHYSICS_MAX_NODES

    net = MapNetwork()
    group_keys: dict[str, int] = {}
    groups: list[dict[str, Any]] = []
    legend_nodes: dict[str, dict[str, str]] = {}
    for i, node in enumerate(nodes):
        style = enc.node_style(node)
        if style.key not in group_keys:
            group_keys[style.key] = len(groups)
            groups.append(
                {
                    "shape": style.shape,
                    "color": style.colour,
                    "border": style.colour,
                    "term": _group_term(node),
                }
            )
            legend_nodes[style.key] = {
                "colour": style.colour,
                "symbol": enc.SHAPE_SYMBOLS.get(style.shape, "●"),
                "text": _group_term(node),
            }
        x, y = positions[i]
        size = round(_MIN_SIZE + (_MAX_SIZE - _MIN_SIZE) * math.sqrt(metric[i] / top)) if style.sized else 0
        net.add_node(
            i,
            label=enc.short_label(node.name) or node.id,
            name=enc.fact_text(node.name),
            shape=style.shape,
            group=group_keys[style.key],
            x=x,
            y=y,
            size=size,
            facts=_facts(node),
        )

    style_keys: dict[str, int] = {}
    edge_styles: list[dict[str, Any]] = []
    for edge in edges:
        style = enc.edge_style(edge)
        if style.key not in style_keys:
            style_keys[style.key] = len(edge_styles)
            edge_styles.append(
                {
                    "term": style.term.both(),
                    "color": style.colour,
                    "arrows": style.arrows.replace(";", ", "),
                    "dashes": style.dashes,
                    "power": style.key == "power",
                }
            )
        net.add_edge(
            index[edge.source],
            index[edge.target],
            style=style_keys[style.key],
            width=enc.edge_width(edge, style),
            label=enc.edge_label(edge, style),
            details=enc.edge_details(edge, style),
        )

    data = {
        "groups": groups,
        "edgeStyles": edge_styles,
        # [label, group, x, y, size, facts, full name when the label is shortened]
        "nodes": [_node_row(n) for n in net.nodes],
        "edges": [[e["from"], e["to"], e["style"], e["width"], e["label"], e["details"]] for e in net.edges],
        "physics": physics,
        "options": _vis_options(len(nodes), physics),
    }
    net.page = {
        "title": title,
        "data": data,
        "legend": _legend(legend_nodes, edges, size_by, physics),
        "node_count": len(nodes),
        "edge_count": len(edges),
        "truncated_from": network.truncated_from,
    }
    return net


def render_map(network: Network, *, title: str, size_by: SizeBy = "degree", max_nodes: int | None = None) -> str:
    """The complete HTML page of a map."""
    return build_map(network, title=title, size_by=size_by, max_nodes=max_nodes).generate_html()


def write_map(
    network: Network, path: str | Path, *, title: str, size_by: SizeBy = "degree", max_nodes: int | None = None
) -> MapSummary:
    net = build_map(network, title=title, size_by=size_by, max_nodes=max_nodes)
    net.write_html(str(path))
    return MapSummary(len(net.nodes), len(net.edges), net.page["data"]["physics"])


def _node_row(node: dict[str, Any]) -> list[Any]:
    row = [node["label"], node["group"], node["x"], node["y"], node["size"], node["facts"]]
    if node["name"] != node["label"]:
        row.append(node["name"])
    return row


def _group_term(node: Any) -> str:
    if node.label == L.ACTOR:
        kind = enc.KIND_TERMS.get(node.kind or "", enc.KIND_TERMS["other"])
        if node.kind == enc.UMBRELLA:
            return kind.both()
        sector = enc.SECTOR_TERMS.get(node.sector or "")
        return f"{kind.both()} · {sector.both()}" if sector else kind.both()
    return enc.LABEL_TERMS.get(node.label, enc.Term(node.label, node.label)).both()


def _facts(node: Any) -> str:
    return "\n".join(enc.node_fact_lines(node))


def _vis_options(n: int, physics: bool) -> dict[str, Any]:
    large = n > PHYSICS_MAX_NODES
    return {
        "autoResize": True,
        "layout": {"randomSeed": SEED, "improvedLayout": False},
        "physics": {
            "enabled": physics,
            "solver": "barnesHut",
            "barnesHut": {"gravitationalConstant": -3000, "springLength": 110, "avoidOverlap": 0.1},
            "stabilization": {"enabled": True, "iterations": 100, "updateInterval": 25, "fit": True},
        },
        "interaction": {
            "hover": not large,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": large,
            "navigationButtons": False,
            "keyboard": {"enabled": True, "bindToWindow": False},
        },
        "nodes": {
            "font": {"face": "system-ui, sans-serif", "size": 14},
            "borderWidth": 1,
        },
        "edges": {
            "smooth": False if large else {"enabled": True, "type": "continuous", "roundness": 0.3},
            "font": {"face": "system-ui, sans-serif", "size": 11, "align": "middle"},
            "arrows": {"to": {"scaleFactor": 0.6}, "from": {"scaleFactor": 0.6}},
        },
    }


_ARROWS = {"": "—", "to": "→", "to;from": "↔"}


def _legend(nodes: dict[str, dict[str, str]], edges: list[Any], size_by: SizeBy, physics: bool) -> dict[str, Any]:
    present = Counter(enc.edge_style(e).key for e in edges)
    edge_items = []
    for key, style in enc.EDGE_STYLES.items():
        if key not in present:
            continue
        text = style.term.both()
        if style.legend_note:
            text += f" ({style.legend_note.sv} / {style.legend_note.en})"
        edge_items.append(
            {"colour": style.colour, "dashes": style.dashes, "arrow": _ARROWS.get(style.arrows, "→"), "text": text}
        )
    size = (
        "Storlek: antal relationer. / Size: number of relationships."
        if size_by == "degree"
        else "Storlek: mellanhandsroll (betweenness). / Size: betweenness (brokerage)."
    )
    layout_text = (
        "Layouten räknas fram i webbläsaren och står sedan still. / The layout settles in the browser, then holds."
        if physics
        else "Stor karta: layouten är beräknad i förväg och står still. / Large map: the layout is precomputed "
        "and fixed."
    )
    return {
        "nodes": sorted(nodes.values(), key=lambda item: item["text"]),
        "edges": edge_items,
        "size": size,
        "layout": layout_text,
    }
