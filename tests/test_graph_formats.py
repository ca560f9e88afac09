"""GraphML and GEXF of every network the registry draws (actor at depth 1–3, municipality, county,
arena, challenge), from the API's network route, the map routes and `registry map -o`: they parse
in networkx with the same nodes and edges and with typed attributes (what Gephi reads as columns)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from registry.cli import main
from registry.dao.actors import ActorDao
from registry.db import Graph
from registry.demo import demo_id, load_demo
from registry.demo.relationships import load_collaboration, load_collaboration_records
from visualisations.subjects import Subject, actor_map, arena_map, challenge_map, county_map, municipality_map

ACTOR = demo_id("kumla-pensionarsforening-linden")


@pytest.fixture
def collaboration(graph: Graph) -> Graph:
    load_demo(graph)
    load_collaboration(graph)
    return graph


def _parse(fmt: str, body: bytes) -> nx.Graph:
    reader = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    return reader(io.BytesIO(body))


def _json_network(client: FlaskClient, depth: int) -> dict[str, Any]:
    return client.get(f"/api/v1/actors/{ACTOR}/network?depth={depth}").get_json()


def _check_types(parsed: nx.Graph) -> None:
    """Every attribute keeps its type on every element: names and codes text, numbers numbers."""
    for _, data in parsed.nodes(data=True):
        assert isinstance(data["name"], str) and isinstance(data["node_type"], str)
        for key in ("sector", "kind", "municipality_code", "interest_areas", "target_groups"):
            assert key not in data or isinstance(data[key], str), (key, data)
    for _, _, data in parsed.edges(data=True):
        assert isinstance(data["relationship_type"], str)
        for key in ("strength", "amount_sek", "year"):
            assert key not in data or isinstance(data[key], int), (key, data)
        assert "mutual" not in data or isinstance(data["mutual"], bool)


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_actor_network_route_as_graph_file(client: FlaskClient, collaboration: Graph, fmt: str, depth: int) -> None:
    expected = _json_network(client, depth)
    answer = client.get(f"/api/v1/actors/{ACTOR}/network?depth={depth}&format={fmt}")
    assert answer.status_code == 200
    assert answer.mimetype == f"application/{fmt}+xml"
    assert "attachment" in answer.headers["Content-Disposition"]
    parsed = _parse(fmt, answer.get_data())
    assert set(parsed.nodes) == {n["id"] for n in expected["nodes"]}
    assert parsed.number_of_edges() == len(expected["edges"]) > 0
    _check_types(parsed)
    me = parsed.nodes[ACTOR]
    assert me["name"] == "Kumla pensionärsförening Linden" or "Linden" in me["name"]
    assert me["municipality"] == "Kumla" and "elderly" in me["target_groups"]


def _maps() -> list[tuple[str, Callable[[Graph], Subject]]]:
    data = load_collaboration_records()
    arena = demo_id(data["arenas"][0]["key"])
    challenge = demo_id(data["challenges"][0]["key"])
    return [
        (f"/maps/actors/{ACTOR}?depth=2", lambda g: actor_map(g, ACTOR, depth=2)),
        ("/maps/municipalities/1881", lambda g: municipality_map(g, "1881")),
        ("/maps/counties/18", lambda g: county_map(g, "18")),
        (f"/maps/arenas/{arena}", lambda g: arena_map(g, arena)),
        (f"/maps/challenges/{challenge}", lambda g: challenge_map(g, challenge)),
    ]


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_every_map_route_as_graph_file(client: FlaskClient, collaboration: Graph, fmt: str) -> None:
    for url, subject in _maps():
        joiner = "&" if "?" in url else "?"
        answer = client.get(f"{url}{joiner}format={fmt}")
        assert answer.status_code == 200, (url, answer.get_data(as_text=True)[:300])
        parsed = _parse(fmt, answer.get_data())
        network = subject(collaboration).network  # what the HTML map of the same route draws
        assert set(parsed.nodes) == {n.id for n in network.nodes}, url
        assert parsed.number_of_edges() == len(network.edges) > 0, url
        _check_types(parsed)
    challenge = _maps()[-1][0]
    parsed = _parse(fmt, client.get(f"{challenge}?format={fmt}").get_data())
    stages = {d.get("stage") for _, _, d in parsed.edges(data=True) if d["relationship_type"] == "ENGAGED_IN"}
    assert stages and None not in stages


def test_bad_format_is_422(client: FlaskClient, collaboration: Graph) -> None:
    for url in (f"/maps/actors/{ACTOR}?format=svg", f"/api/v1/actors/{ACTOR}/network?format=dot"):
        answer = client.get(url)
        assert answer.status_code == 422, url
        assert answer.get_json()["errors"]["query"]["format"]


def test_cli_writes_graphml_and_gexf(
    collaboration: Graph, runner: CliRunner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    for suffix, reader in ((".graphml", nx.read_graphml), (".gexf", nx.read_gexf)):
        out = tmp_path / f"kumla{suffix}"
        result = runner.invoke(main, ["map", "municipality", "1881", "-o", str(out)], env=cli_env)
        assert result.exit_code == 0, result.output
        parsed = reader(out)
        _check_types(parsed)
        assert parsed.number_of_nodes() > 5
    html = tmp_path / "kumla.html"
    assert runner.invoke(main, ["map", "municipality", "1881", "-o", str(html)], env=cli_env).exit_code == 0
    assert html.read_text("utf-8").lstrip().lower().startswith("<html") or "<html" in html.read_text("utf-8")


def test_a_500_node_area_network_keeps_its_types(client: FlaskClient, graph: Graph) -> None:
    umbrella = "00000000-0000-4000-8000-000000000500"
    records = [
        {
            "id": f"00000000-0000-4000-8000-{i:012d}",
            "props": {
                "name": f"Fiktiv förening {i} <&\"'>",
                "sector": "civil",
                "kind": "umbrella" if i == 500 else "association",
                "municipality_code": "1880",
                "county_code": "18",
                "member_count": i,
            },
            "interest_areas": ["sports"] if i % 2 else ["culture", "music"],
            "target_groups": ["youth"],
        }
        for i in range(1, 501)
    ]
    dao = ActorDao(graph)
    dao.upsert_many(records)
    dao.upsert_memberships(
        [
            {"member": r["id"], "umbrella": umbrella, "since": "2020-01-01", "role": "medlem", "source": "test"}
            for r in records[:-1]
        ]
    )
    for fmt in ("graphml", "gexf"):
        answer = client.get(f"/maps/municipalities/1880?format={fmt}")
        assert answer.status_code == 200
        parsed = _parse(fmt, answer.get_data())
        assert parsed.number_of_nodes() == 500
        assert parsed.number_of_edges() == 499
        _check_types(parsed)
        one = parsed.nodes["00000000-0000-4000-8000-000000000002"]
        assert one["name"] == "Fiktiv förening 2 <&\"'>"  # markup survives as text
        assert one["interest_areas"] == "culture; music" and one["sector"] == "civil"
        assert {d["relationship_type"] for _, _, d in parsed.edges(data=True)} == {"MEMBER_OF"}
        assert all(d["since"] == "2020-01-01" for _, _, d in parsed.edges(data=True))
