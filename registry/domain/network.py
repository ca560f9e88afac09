"""The network shape every relationship view shares: the API's network JSON and the maps.

A `Network` is plain data (no Neo4j types), so the maps can be drawn from the API's answer
and tests can build one by hand.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class NetworkNode:
    id: str
    # "Actor", "Arena", "Challenge", "Agreement" or "Municipality": the node's label in the graph.
    label: str
    name: str
    sector: str | None = None  # public | civil | private (actors only)
    kind: str | None = None  # actor kind, agreement kind, ...
    municipality_code: str | None = None
    # Key facts for tooltips (plain text values only; never HTML).
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NetworkEdge:
    id: str
    type: str  # a relationship type from graph_schema.contract.Rel
    source: str  # node id
    target: str  # node id
    # Type-specific properties: kind, resource, strength, amount_sek, year, form, valence, role, stage...
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class Network:
    nodes: list[NetworkNode] = field(default_factory=list)
    edges: list[NetworkEdge] = field(default_factory=list)
    # Set when the network was cut at a size cap: how many nodes there would have been.
    truncated_from: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [asdict(n) for n in self.nodes],
            "edges": [asdict(e) for e in self.edges],
            "truncated_from": self.truncated_from,
        }
