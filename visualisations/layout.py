"""Deterministic server-side layout with networkx: the same network always gets the same picture.

networkx's spring layout costs O(n²) per iteration, which is fine for a few dozen nodes and far
too slow for thousands. Large graphs are therefore laid out on several levels: nodes without
relationships go to a grid beside the rest; the rest is split into communities (label
propagation, seeded), the graph of communities is laid out (recursively, the same way), and each
community is laid out on its own around its place. Every step is seeded and every collection is
sorted, so the result does not depend on hash order or the process it runs in.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable

import networkx as nx

SEED = 20230901
# Largest graph laid out directly by spring_layout (its cost grows with the square of this).
DIRECT_MAX = 90
# Distance between neighbouring nodes in vis-network's canvas units.
UNIT = 110.0

Pos = dict[int, tuple[float, float]]


def layout(graph: nx.Graph, seed: int = SEED) -> dict[Hashable, tuple[float, float]]:
    """Positions for every node of an undirected graph, in canvas units, centred on (0, 0)."""
    names = sorted(graph.nodes, key=str)
    if not names:
        return {}
    # Work on 0..n-1 in sorted order: integers sort fast and the same way in every process.
    number = {name: i for i, name in enumerate(names)}
    graph = nx.relabel_nodes(graph, number, copy=True)
    nodes = list(range(len(names)))
    degree = dict(graph.degree)
    isolated = [n for n in nodes if degree[n] == 0]
    # A leaf hangs on one neighbour that has others: it is placed in a fan around that neighbour
    # instead of taking part in the (expensive) force layout.
    leaves: dict[int, list[int]] = defaultdict(list)
    for n in nodes:
        if degree[n] == 1:
            parent = next(iter(graph[n]))
            if degree[parent] > 1:
                leaves[parent].append(n)
    hanging = {leaf for group in leaves.values() for leaf in group}
    core = _copy(graph, [n for n in nodes if degree[n] > 0 and n not in hanging])
    pos = _multilevel(core, seed) if len(core) else {}
    pos.update(_fans(core, pos, leaves))
    pos.update(_grid_beside(isolated, pos))
    return {names[i]: xy for i, xy in _centred(pos).items()}


def _fans(core: nx.Graph, pos: Pos, leaves: dict[int, list[int]]) -> Pos:
    """Leaves on rings around their neighbour, opening away from the neighbour's other links."""
    placed: Pos = {}
    for parent in sorted(leaves):
        px, py = pos[parent]
        others = [pos[v] for v in core[parent]]
        mx = sum(x for x, _ in others) / len(others) if others else px - 1
        my = sum(y for _, y in others) / len(others) if others else py
        away = math.atan2(py - my, px - mx)
        members = leaves[parent]
        done, ring = 0, 1
        while done < len(members):
            radius = UNIT * 0.75 * ring
            capacity = max(6, int(2 * math.pi * radius / (UNIT * 0.45)))
            count = min(capacity, len(members) - done)
            for j in range(count):
                if ring == 1 and count <= 5:
                    # A few leaves share the half circle facing away from the rest of the map.
                    angle = away + (j - (count - 1) / 2) * (math.pi / 4)
                else:
                    angle = away + j * 2 * math.pi / count
                placed[members[done + j]] = (px + radius * math.cos(angle), py + radius * math.sin(angle))
            done += count
            ring += 1
    return placed


def _copy(graph: nx.Graph, nodes: list[int]) -> nx.Graph:
    """A fresh graph with nodes and edges in sorted order (subgraph views iterate in hash order)."""
    keep = set(nodes)
    copy = nx.Graph()
    copy.add_nodes_from(sorted(nodes))
    copy.add_edges_from(
        sorted((min(u, v), max(u, v)) for u, v in graph.edges(nodes) if u in keep and v in keep and u != v)
    )
    return copy


def _spring(graph: nx.Graph, seed: int) -> Pos:
    n = len(graph)
    if n == 1:
        return {next(iter(graph)): (0.0, 0.0)}
    raw = nx.spring_layout(graph, seed=seed, method="force", iterations=30)
    # spring_layout scales into [-1, 1]; spread so neighbours end up about one unit apart.
    spread = UNIT * max(1.0, math.sqrt(n)) * 0.9
    return {node: (float(x) * spread, float(y) * spread) for node, (x, y) in raw.items()}


def _multilevel(graph: nx.Graph, seed: int) -> Pos:
    if len(graph) <= DIRECT_MAX:
        return _spring(graph, seed)
    groups = _partition(graph, seed)
    if len(groups) <= 1:
        return _spring(graph, seed)
    quotient = _quotient(graph, groups)
    centres = _multilevel(quotient, seed)
    local = [_spring(_copy(graph, group), seed) for group in groups]
    radii = [_radius(p) for p in local]
    scale = _separation(quotient, centres, radii)
    pos: Pos = {}
    for i, group_pos in enumerate(local):
        cx, cy = centres[i]
        for node, (x, y) in group_pos.items():
            pos[node] = (cx * scale + x, cy * scale + y)
    return pos


def _quotient(graph: nx.Graph, groups: list[list[int]]) -> nx.Graph:
    """The graph of groups: one node per group, an edge weighted by the edges between two groups."""
    index = {node: i for i, group in enumerate(groups) for node in group}
    weights: dict[tuple[int, int], int] = defaultdict(int)
    for u, v in graph.edges:
        a, b = index[u], index[v]
        if a != b:
            weights[(min(a, b), max(a, b))] += 1
    quotient = nx.Graph()
    quotient.add_nodes_from(range(len(groups)))
    quotient.add_weighted_edges_from((a, b, w) for (a, b), w in sorted(weights.items()))
    return quotient


def _partition(graph: nx.Graph, seed: int) -> list[list[int]]:
    """Groups of at most DIRECT_MAX nodes, each made of neighbouring communities, in a stable order.

    Packing communities into groups of about DIRECT_MAX nodes keeps the number of spring_layout
    calls, whose fixed cost dominates for small graphs, near n / DIRECT_MAX.
    """
    communities = sorted(_communities(graph, seed), key=lambda c: (-len(c), c[0]))
    if len(communities) <= 1:
        return _chunks_in_bfs_order(graph, sorted(graph.nodes))
    quotient = _quotient(graph, communities)
    groups: list[list[int]] = [[]]
    seen: set[int] = set()
    for start in range(len(communities)):
        if start in seen:
            continue
        seen.add(start)
        for c in [start, *(v for _, v in nx.bfs_edges(quotient, start, sort_neighbors=_sorted))]:
            seen.add(c)
            if len(groups[-1]) + len(communities[c]) > DIRECT_MAX:
                groups.append([])
            groups[-1].extend(communities[c])
    return [g for g in groups if g]


def _communities(graph: nx.Graph, seed: int) -> list[list[int]]:
    """Label-propagation communities, the large ones split again, none above DIRECT_MAX nodes."""
    found: list[list[int]] = []
    for community in nx.community.fast_label_propagation_communities(graph, seed=seed):
        members = sorted(community)
        if len(members) <= DIRECT_MAX:
            found.append(members)
        elif len(members) < len(graph):
            found.extend(_communities(_copy(graph, members), seed))
        else:
            found.extend(_chunks_in_bfs_order(graph, members))
    return found


def _chunks_in_bfs_order(graph: nx.Graph, members: list[int]) -> list[list[int]]:
    order: list[int] = []
    seen: set[int] = set()
    sub = _copy(graph, members)
    for start in members:
        if start in seen:
            continue
        for node in [start, *(v for _, v in nx.bfs_edges(sub, start, sort_neighbors=_sorted))]:
            seen.add(node)
            order.append(node)
    return [order[i : i + DIRECT_MAX] for i in range(0, len(order), DIRECT_MAX)]


def _sorted(nodes: Iterable[int]) -> list[int]:
    return sorted(nodes)


def _radius(pos: Pos) -> float:
    return max((math.hypot(x, y) for x, y in pos.values()), default=0.0) + UNIT / 2


def _separation(quotient: nx.Graph, centres: Pos, radii: list[float]) -> float:
    """How far to stretch the community layout so that linked communities do not overlap."""
    needed = []
    for a, b in quotient.edges:
        (ax, ay), (bx, by) = centres[a], centres[b]
        distance = math.hypot(ax - bx, ay - by)
        if distance > 0:
            needed.append((radii[a] + radii[b]) / distance)
    if not needed:
        return 2 * max(radii) / UNIT
    # Stretching for the tightest pair would scatter everything else; the median pair is enough.
    needed.sort()
    return max(1.0, needed[len(needed) // 2])


def _grid_beside(nodes: list[int], pos: Pos) -> Pos:
    """Nodes without relationships in rows below the connected part, in their (sorted) order."""
    if not nodes:
        return {}
    columns = max(1, math.ceil(math.sqrt(len(nodes) * 2)))
    if pos:
        xs = [x for x, _ in pos.values()]
        ys = [y for _, y in pos.values()]
        left, top = min(xs), max(ys) + 2 * UNIT
        columns = max(columns, int((max(xs) - min(xs)) / UNIT) + 1)
    else:
        left, top = 0.0, 0.0
    step = UNIT * 0.8
    return {node: (left + (i % columns) * step, top + (i // columns) * step) for i, node in enumerate(nodes)}


def _centred(pos: Pos) -> Pos:
    if not pos:
        return pos
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    return {node: (round(x - cx, 1), round(y - cy, 1)) for node, (x, y) in pos.items()}
