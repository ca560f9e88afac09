"""Deterministic, fictional networks of any size for tests and benchmarks (no database needed).

The shape follows what area maps in the registry look like: a few public hubs (municipalities,
a region, departments) that fund and hold power, umbrella organisations with members, meeting
arenas, and many associations with one to three relationships each.
"""

from __future__ import annotations

import random

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.domain.network import Network, NetworkEdge, NetworkNode

_CIVIL_KINDS = ("association", "association", "association", "study-association", "faith-community", "foundation")
_PUBLIC_KINDS = ("municipality", "municipal-department", "primary-care", "region")
_PLACES = ("Askersund", "Hällefors", "Karlskoga", "Kumla", "Ljusnarsberg", "Nora", "Örebro", "Lindesberg")
_CODES = ("1882", "1863", "1883", "1881", "1864", "1884", "1880", "1885")
_WORDS = ("Pensionärsförening", "Idrottsklubb", "Kulturförening", "Syföreningen", "Hembygdsförening", "Scoutkår")


def sample_network(n: int, seed: int = 1) -> Network:
    """About `n` nodes (exactly n) and 1.6 edges per node, the same for the same n and seed."""
    rnd = random.Random(seed)  # noqa: S311 (fictional test data, not secrets)
    nodes: list[NetworkNode] = []
    edges: list[NetworkEdge] = []
    public = max(2, n // 50)
    umbrellas = max(1, n // 80)
    arenas = max(1, n // 100)
    for i in range(n):
        place = i % len(_PLACES)
        facts: dict[str, object] = {"municipality": _PLACES[place], "founded_year": 1900 + rnd.randrange(120)}
        if i < public:
            kind = _PUBLIC_KINDS[i % len(_PUBLIC_KINDS)]
            node = NetworkNode(f"p{i}", L.ACTOR, f"{_PLACES[place]} {kind} {i}", "public", kind, _CODES[place], facts)
        elif i < public + umbrellas:
            facts["member_count"] = rnd.randrange(5, 400)
            node = NetworkNode(
                f"u{i}", L.ACTOR, f"Paraplyet i {_PLACES[place]} {i}", "civil", "umbrella", _CODES[place], facts
            )
        elif i < public + umbrellas + arenas:
            node = NetworkNode(f"a{i}", L.ARENA, f"Mötesplats {_PLACES[place]} {i}", municipality_code=_CODES[place])
        else:
            kind = rnd.choice(_CIVIL_KINDS)
            facts["member_count"] = rnd.randrange(5, 900)
            name = f"{_PLACES[place]} {rnd.choice(_WORDS)} {i}"
            node = NetworkNode(f"c{i}", L.ACTOR, name, "civil", kind, _CODES[place], facts)
        nodes.append(node)
    hubs = nodes[:public]
    umbrella_nodes = nodes[public : public + umbrellas]
    arena_nodes = nodes[public + umbrellas : public + umbrellas + arenas]
    civil = nodes[public + umbrellas + arenas :]
    for c in civil:
        roll = rnd.random()
        if roll < 0.1:
            continue  # some actors have no relationships at all
        hub = rnd.choice(hubs)
        if roll < 0.45:
            props: dict[str, object] = {"amount_sek": rnd.randrange(5, 500) * 1000, "year": 2024, "form": "grant"}
            edges.append(NetworkEdge(f"e{len(edges)}", R.FUNDS, hub.id, c.id, props))
        elif roll < 0.6:
            props = {"kind": "power", "resource": "money", "strength": rnd.randrange(1, 6)}
            edges.append(NetworkEdge(f"e{len(edges)}", R.DEPENDS_ON, c.id, hub.id, props))
        else:
            edges.append(NetworkEdge(f"e{len(edges)}", R.MEMBER_OF, c.id, rnd.choice(umbrella_nodes).id))
        if rnd.random() < 0.35:
            edges.append(NetworkEdge(f"e{len(edges)}", R.PARTICIPATES_IN, c.id, rnd.choice(arena_nodes).id))
        if rnd.random() < 0.25:
            other = rnd.choice(civil)
            if other.id != c.id:
                kind = rnd.choice(("symbiotic", "competition"))
                props = {"kind": kind, "strength": rnd.randrange(1, 6)}
                edges.append(NetworkEdge(f"e{len(edges)}", R.DEPENDS_ON, c.id, other.id, props))
        if rnd.random() < 0.1:
            other = rnd.choice(civil)
            if other.id != c.id:
                props = {"valence": rnd.choice((-2, -1, 1, 2))}
                edges.append(NetworkEdge(f"e{len(edges)}", R.PERCEIVES, c.id, other.id, props))
    return Network(nodes, edges)
