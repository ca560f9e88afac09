"""Network queries: ego, area, arena and challenge networks, shortest paths, and their API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient

from registry.dao.actors import ActorDao
from registry.dao.arenas import ArenaDao
from registry.dao.challenges import ChallengeDao
from registry.dao.network import NetworkDao
from registry.dao.relationships import RelationshipDao
from registry.db import Graph
from registry.domain.network import Network
from registry.domain.relationships import InvalidError, NotFoundError
from registry.identity import Writer

# The writer of relationships these tests create through the DAO (its writes take one).
WRITER = Writer.cli()

TODAY = dt.date.today()


def actor(key: str, sector: str = "civil", municipality: str = "1881", **extra: Any) -> dict[str, Any]:
    return {
        "id": key,
        "props": {"name": key.upper(), "sector": sector, "kind": "association", "municipality_code": municipality},
        **extra,
    }


@pytest.fixture
def chain(graph: Graph) -> Graph:
    """a — b — c — d in Kumla (a chain of dependencies), e in Örebro, x archived next to a."""
    ActorDao(graph).upsert_many(
        [
            actor("a", "public", interest_areas=["loneliness"]),
            actor("b", interest_areas=["social-support"]),
            actor("c", target_groups=["elderly"]),
            actor("d"),
            actor("e", municipality="1880"),
            actor("x"),
            actor("lonely", municipality="1881"),
        ]
    )
    dao = RelationshipDao(graph)
    dao.create("DEPENDS_ON", "b", "a", {"kind": "power", "resource": "money", "strength": 5}, {}, WRITER)
    dao.create("DEPENDS_ON", "b", "c", {"kind": "symbiotic"}, {}, WRITER)
    dao.create("FUNDS", "c", "d", {"year": 2025, "form": "other", "amount_sek": 100}, {}, WRITER)
    dao.create("PERCEIVES", "d", "e", {"valence": 1}, {}, WRITER)
    dao.create("PERCEIVES", "x", "a", {"valence": 1}, {}, WRITER)
    graph.write("MATCH (x:Actor {id: 'x'}) SET x.archived = true")
    return graph


def ids(network: Network) -> list[str]:
    return [n.id for n in network.nodes]


def test_ego_depth(chain: Graph) -> None:
    dao = NetworkDao(chain)
    assert ids(dao.ego("a", depth=1)) == ["a", "b"]
    assert ids(dao.ego("a", depth=2)) == ["a", "b", "c"]
    three = dao.ego("a", depth=3)
    assert ids(three) == ["a", "b", "c", "d"]
    assert sorted((e.type, e.source, e.target) for e in three.edges) == [
        ("DEPENDS_ON", "b", "a"),
        ("DEPENDS_ON", "b", "c"),
        ("FUNDS", "c", "d"),
    ]
    assert three.truncated_from is None


def test_edges_carry_their_properties_and_mutuality(chain: Graph) -> None:
    edges = {(e.source, e.target): e for e in NetworkDao(chain).ego("b", depth=1).edges}
    assert edges[("b", "a")].properties == {"kind": "power", "resource": "money", "strength": 5, "mutual": False}
    assert edges[("b", "c")].properties["mutual"] is True
    assert all(e.id for e in edges.values())


def test_nodes_carry_plain_text_facts(chain: Graph) -> None:
    node = NetworkDao(chain).ego("a", depth=1).nodes[0]
    assert (node.label, node.name, node.sector, node.municipality_code) == ("Actor", "A", "public", "1881")
    assert node.facts["Kommun / Municipality"] == "Kumla"
    assert all(isinstance(v, str) for v in node.facts.values())


def test_ego_follows_only_the_chosen_types(chain: Graph) -> None:
    dao = NetworkDao(chain)
    assert ids(dao.ego("c", depth=3, types=["FUNDS"])) == ["c", "d"]
    assert ids(dao.ego("c", depth=3, types=["FUNDS", "PERCEIVES"])) == ["c", "d", "e"]
    with pytest.raises(InvalidError):
        dao.ego("c", types=["LIKES"])
    with pytest.raises(InvalidError):
        dao.ego("c", depth=4)
    with pytest.raises(NotFoundError):
        dao.ego("nobody")


def test_ego_sees_relationships_valid_on_the_day(chain: Graph) -> None:
    dao = RelationshipDao(chain)
    old = dao.create(
        "PERCEIVES",
        "a",
        "d",
        {"valence": -1},
        {"valid_from": dt.date(2020, 1, 1), "valid_to": dt.date(2021, 1, 1)},
        WRITER,
    )
    future = dao.create(
        "PERCEIVES", "a", "lonely", {"valence": 2}, {"valid_from": TODAY + dt.timedelta(days=10)}, WRITER
    )
    network = NetworkDao(chain)
    assert ids(network.ego("a", depth=1)) == ["a", "b"]
    assert set(ids(network.ego("a", depth=1, valid_at=dt.date(2020, 6, 1)))) == {"a", "b", "d"}
    assert "lonely" in ids(network.ego("a", depth=1, valid_at=TODAY + dt.timedelta(days=11)))
    assert old["id"] not in [e.id for e in network.ego("a", depth=1).edges]
    assert future["id"] in [e.id for e in network.ego("a", depth=1, valid_at=TODAY + dt.timedelta(days=11)).edges]


def test_memberships_count_until_they_end(chain: Graph) -> None:
    chain.write(
        "MATCH (d:Actor {id: 'd'}), (l:Actor {id: 'lonely'}) "
        "MERGE (d)-[:MEMBER_OF {since: '2015-01-01', until: '2022-01-01'}]->(l)"
    )
    network = NetworkDao(chain)
    assert "lonely" not in ids(network.ego("d", depth=1))
    assert "lonely" in ids(network.ego("d", depth=1, valid_at=dt.date(2020, 1, 1)))


def test_archived_actors_are_left_out(chain: Graph) -> None:
    assert "x" not in ids(NetworkDao(chain).ego("a", depth=3))


def test_limit_cuts_and_says_how_many_there_were(chain: Graph) -> None:
    dao = RelationshipDao(chain)
    for key in ("p", "q", "r"):
        ActorDao(chain).upsert_many([actor(key)])
        dao.create("PERCEIVES", key, "a", {"valence": 1}, {}, WRITER)
    network = NetworkDao(chain).ego("a", depth=2, limit=3)
    assert network.truncated_from == 6  # a, b, p, q, r at depth 1; c at depth 2
    assert len(network.nodes) == 3 and ids(network)[0] == "a"
    kept = set(ids(network))
    assert all(e.source in kept and e.target in kept for e in network.edges)


def test_area_network(chain: Graph) -> None:
    arena = ArenaDao(chain).create({"name": "Forum", "municipality_code": "1881"}, "t", writer=Writer.cli())
    RelationshipDao(chain).create("PARTICIPATES_IN", "b", arena["id"], {"role": "member"}, {}, WRITER)
    dao = NetworkDao(chain)
    kumla = dao.area(municipality_code="1881")
    assert set(ids(kumla)) == {"a", "b", "c", "d", "lonely", arena["id"]}
    assert ("PERCEIVES", "d", "e") not in {(e.type, e.source, e.target) for e in kumla.edges}  # e is in Örebro
    county = dao.area(county_code="18")
    assert "e" in ids(county)
    assert ids(county)[0] == "b"  # the best connected first
    assert set(ids(dao.area(municipality_code="1881", interest_area="social-support"))) == {"a", "b", arena["id"]}
    assert set(ids(dao.area(municipality_code="1881", target_group="elderly"))) == {"c"}
    cut = dao.area(county_code="18", limit=2)
    assert cut.truncated_from == 7 and len(cut.nodes) == 2
    with pytest.raises(InvalidError):
        dao.area()
    with pytest.raises(InvalidError):
        dao.area(municipality_code="1881", county_code="18")


def test_arena_and_challenge_networks(chain: Graph) -> None:
    arena = ArenaDao(chain).create({"name": "Forum", "municipality_code": "1881"}, "t", writer=Writer.cli())
    challenge = ChallengeDao(chain).create(
        {"name": "Ensamhet", "municipality_codes": ["1881"]}, "t", writer=Writer.cli()
    )
    rels = RelationshipDao(chain)
    rels.create("PARTICIPATES_IN", "a", arena["id"], {"role": "convener"}, {}, WRITER)
    rels.create("PARTICIPATES_IN", "b", arena["id"], {"role": "member"}, {}, WRITER)
    rels.create(
        "PARTICIPATES_IN", "d", arena["id"], {"role": "guest"}, {"valid_to": TODAY - dt.timedelta(days=1)}, WRITER
    )
    rels.create("ENGAGED_IN", "c", challenge["id"], {"stage": "knowledge"}, {}, WRITER)
    dao = NetworkDao(chain)
    network = dao.arena(arena["id"])
    assert set(ids(network)) == {arena["id"], "a", "b"}
    assert {(e.type, e.source, e.target) for e in network.edges} == {
        ("PARTICIPATES_IN", "a", arena["id"]),
        ("PARTICIPATES_IN", "b", arena["id"]),
        ("DEPENDS_ON", "b", "a"),
    }
    roles = {e.source: e.properties["role"] for e in network.edges if e.type == "PARTICIPATES_IN"}
    assert roles == {"a": "convener", "b": "member"}
    engaged = dao.challenge(challenge["id"])
    assert ids(engaged) == [challenge["id"], "c"]
    assert engaged.edges[0].properties["stage"] == "knowledge"
    with pytest.raises(NotFoundError):
        dao.arena("nope")
    with pytest.raises(NotFoundError):
        dao.challenge("nope")


def test_shortest_paths_find_who_can_introduce_us(chain: Graph) -> None:
    dao = NetworkDao(chain)
    paths = dao.paths("a", "d")
    assert [ids(p) for p in paths] == [["a", "b", "c", "d"]]
    assert [e.type for e in paths[0].edges] == ["DEPENDS_ON", "DEPENDS_ON", "FUNDS"]
    assert dao.paths("a", "d", max_hops=2) == []
    arena = ArenaDao(chain).create({"name": "Forum", "municipality_code": "1881"}, "t", writer=Writer.cli())
    RelationshipDao(chain).create("PARTICIPATES_IN", "a", arena["id"], {"role": "member"}, {}, WRITER)
    RelationshipDao(chain).create("PARTICIPATES_IN", "d", arena["id"], {"role": "member"}, {}, WRITER)
    via_arena = dao.paths("a", "d")
    assert [ids(p) for p in via_arena] == [["a", arena["id"], "d"]]
    assert dao.paths("a", "lonely") == []
    with pytest.raises(NotFoundError):
        dao.paths("a", "nobody")
    with pytest.raises(InvalidError):
        dao.paths("a", "a")
    with pytest.raises(InvalidError):
        dao.paths("a", "d", max_hops=7)


# -- API ---------------------------------------------------------------------------------------


def test_network_api_returns_the_dao_network(chain: Graph, client: FlaskClient) -> None:
    response = client.get("/api/v1/actors/a/network", query_string={"depth": 2, "types": "DEPENDS_ON,FUNDS"})
    assert response.status_code == 200
    assert response.get_json() == NetworkDao(chain).ego("a", depth=2, types=["DEPENDS_ON", "FUNDS"]).to_dict()
    limited = client.get("/api/v1/actors/a/network", query_string={"depth": 3, "limit": 2}).get_json()
    assert limited["truncated_from"] == 4 and len(limited["nodes"]) == 2


@pytest.mark.parametrize(
    "query",
    [{"depth": 0}, {"depth": 4}, {"depth": "två"}, {"types": "LIKES"}, {"valid_at": "31/12"}, {"limit": 0}],
)
def test_network_api_rejects_bad_queries(chain: Graph, client: FlaskClient, query: dict[str, Any]) -> None:
    response = client.get("/api/v1/actors/a/network", query_string=query)
    assert response.status_code == 422
    assert response.get_json()["message"]


def test_network_api_unknown_actor(chain: Graph, client: FlaskClient) -> None:
    response = client.get("/api/v1/actors/nobody/network")
    assert response.status_code == 404
    assert "Actor not found" in response.get_json()["message"]


def test_paths_api(chain: Graph, client: FlaskClient) -> None:
    response = client.get("/api/v1/paths", query_string={"from": "a", "to": "d", "max_hops": 3})
    assert response.status_code == 200
    body = response.get_json()
    assert body["max_hops"] == 3
    assert [([n["id"] for n in p["nodes"]], p["hops"]) for p in body["paths"]] == [(["a", "b", "c", "d"], 3)]
    assert client.get("/api/v1/paths", query_string={"from": "a", "to": "d", "max_hops": 2}).get_json()["paths"] == []
    assert client.get("/api/v1/paths", query_string={"from": "a"}).status_code == 422
    assert client.get("/api/v1/paths", query_string={"from": "a", "to": "zz"}).status_code == 404
    assert client.get("/api/v1/paths", query_string={"from": "a", "to": "d", "max_hops": 9}).status_code == 422


def test_arena_and_challenge_network_api(chain: Graph, client: FlaskClient) -> None:
    arena = ArenaDao(chain).create({"name": "Forum", "municipality_code": "1881"}, "t", writer=Writer.cli())
    challenge = ChallengeDao(chain).create(
        {"name": "Ensamhet", "municipality_codes": ["1881"]}, "t", writer=Writer.cli()
    )
    assert client.get(f"/api/v1/arenas/{arena['id']}/network").get_json()["nodes"][0]["label"] == "Arena"
    assert client.get(f"/api/v1/challenges/{challenge['id']}/network").get_json()["nodes"][0]["label"] == "Challenge"
    assert client.get("/api/v1/arenas/nope/network").status_code == 404
    assert client.get("/api/v1/challenges/nope/network").status_code == 404
