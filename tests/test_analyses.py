"""Analyses: welfare gaps, brokers, isolated actors, power and money, and the readiness heuristic."""

from __future__ import annotations

import datetime as dt
from typing import Any

import networkx as nx
import pytest
from flask.testing import FlaskClient

from registry.dao.actors import ActorDao
from registry.dao.agreements import AgreementDao
from registry.dao.analyses import AnalysisDao, score_readiness
from registry.dao.arenas import ArenaDao
from registry.dao.relationships import RelationshipDao
from registry.db import Graph
from registry.identity import Writer

# The writer of relationships these tests create through the DAO (its writes take one).
WRITER = Writer.cli()

TODAY = dt.date.today()


def actor(key: str, code: str, sector: str = "civil", **extra: Any) -> dict[str, Any]:
    props = {"name": key, "sector": sector, "kind": "association", "municipality_code": code}
    props.update(extra.pop("props", {}))
    return {"id": key, "props": props, **extra}


# -- welfare gaps -------------------------------------------------------------------------------

# Civil actors working on loneliness for the elderly, per municipality of Örebro län (18): the
# median of the twelve municipalities is 4, Kumla (1881) has one, Lekeberg, Hällefors and
# Ljusnarsberg none.
LONELINESS = {"1880": 6, "1882": 4, "1883": 4, "1884": 4, "1885": 4, "1860": 4, "1861": 4, "1862": 4, "1881": 1}


@pytest.fixture
def gaps(graph: Graph) -> Graph:
    records = [
        actor(f"{code}-{i}", code, interest_areas=["loneliness"], target_groups=["elderly"])
        for code, n in LONELINESS.items()
        for i in range(n)
    ]
    records += [
        # Public actors and archived ones do not count.
        actor("hallefors-public", "1863", "public", interest_areas=["loneliness"], target_groups=["elderly"]),
        actor("hallefors-archived", "1863", interest_areas=["loneliness"], target_groups=["elderly"]),
        # Seated in Örebro, active in Kumla too: counts in both.
        actor("choir", "1880", interest_areas=["music"], target_groups=["youth"], active_in=["1881"]),
    ]
    ActorDao(graph).upsert_many(records)
    graph.write("MATCH (a:Actor {id: 'hallefors-archived'}) SET a.archived = true")
    return graph


def cell(result: dict[str, Any], area: str, group: str) -> dict[str, Any]:
    return next(c for c in result["cells"] if (c["interest_area"]["id"], c["target_group"]["id"]) == (area, group))


def test_welfare_gaps_for_a_municipality(gaps: Graph) -> None:
    dao = AnalysisDao(gaps)
    kumla = dao.welfare_gaps(municipality_code="1881")
    assert kumla["area"] == {"type": "municipality", "code": "1881", "name": "Kumla"}
    assert kumla["civil_actors"] == 2
    assert cell(kumla, "loneliness", "elderly") == {
        **cell(kumla, "loneliness", "elderly"),
        "count": 1,
        "county_median": 4,
        "county_total": 35,
        "flag": "far_below",
    }
    # Narrower terms count toward broader ones.
    assert cell(kumla, "social-support", "elderly")["count"] == 1
    assert cell(kumla, "music", "youth")["count"] == 1 and cell(kumla, "music", "youth")["flag"] is None
    assert cell(kumla, "culture", "youth")["count"] == 1
    assert cell(kumla, "addiction", "children")["flag"] == "none_in_county"
    hallefors = dao.welfare_gaps(municipality_code="1863")
    assert cell(hallefors, "loneliness", "elderly")["count"] == 0
    assert cell(hallefors, "loneliness", "elderly")["flag"] == "none"
    assert cell(dao.welfare_gaps(municipality_code="1880"), "loneliness", "elderly")["flag"] is None
    assert kumla["cells_total"] == len(kumla["cells"])


def test_welfare_gaps_for_a_county(gaps: Graph) -> None:
    county = AnalysisDao(gaps).welfare_gaps(county_code="18")
    assert county["area"] == {"type": "county", "code": "18", "name": "Örebro län"}
    loneliness = cell(county, "loneliness", "elderly")
    assert (loneliness["count"], loneliness["municipality_median"], loneliness["flag"]) == (35, 4, None)
    assert [m["code"] for m in loneliness["municipalities_none"]] == ["1814", "1863", "1864"]
    assert loneliness["municipalities_far_below"] == [{"code": "1881", "name": "Kumla", "count": 1}]
    assert cell(county, "music", "youth")["count"] == 1  # one actor, though active in two municipalities
    assert cell(county, "addiction", "children")["flag"] == "none_in_county"


def test_welfare_gap_options(gaps: Graph) -> None:
    dao = AnalysisDao(gaps)
    only = dao.welfare_gaps(municipality_code="1881", only_gaps=True)
    assert all(c["flag"] for c in only["cells"]) and only["gaps"] == len(only["cells"])
    focused = dao.welfare_gaps(municipality_code="1881", interest_area="social-support", target_group="elderly")
    assert sorted(c["interest_area"]["id"] for c in focused["cells"]) == sorted(
        ["social-support", "loneliness", "addiction", "carer-support", "violence"]
    )
    strict = dao.welfare_gaps(municipality_code="1881", ratio=0.2)
    assert cell(strict, "loneliness", "elderly")["flag"] is None


def test_welfare_gaps_api(gaps: Graph, client: FlaskClient) -> None:
    response = client.get("/api/v1/analyses/welfare-gaps", query_string={"municipality": "1881", "only_gaps": "true"})
    assert response.status_code == 200
    assert ("loneliness", "elderly", "far_below") in {
        (c["interest_area"]["id"], c["target_group"]["id"], c["flag"]) for c in response.get_json()["cells"]
    }
    for bad, status in (
        ({}, 422),
        ({"municipality": "1881", "county": "18"}, 422),
        ({"municipality": "18"}, 422),
        ({"municipality": "9999"}, 404),
        ({"county": "99"}, 404),
        ({"county": "18", "ratio": 0}, 422),
        ({"county": "18", "interest_area": "knitting"}, 422),
    ):
        answer = client.get("/api/v1/analyses/welfare-gaps", query_string=bad)
        assert answer.status_code == status, (bad, answer.get_json())
        assert answer.get_json()["message"]


# -- brokers ------------------------------------------------------------------------------------


@pytest.fixture
def bridge(graph: Graph) -> Graph:
    """Public p1, p2 reach civil c1, c2, c3 only through b; c3 hangs off c2; o is in another
    municipality; an arena joins p1 and c1 too."""
    ActorDao(graph).upsert_many(
        [
            actor("p1", "1881", "public"),
            actor("p2", "1881", "public"),
            actor("b", "1881"),
            actor("c1", "1881"),
            actor("c2", "1881"),
            actor("c3", "1881"),
            actor("o", "1880", "public"),
        ]
    )
    dao = RelationshipDao(graph)
    dao.create("DEPENDS_ON", "b", "p1", {"kind": "power"}, {}, WRITER)
    dao.create("FUNDS", "p2", "b", {"year": 2025, "form": "other"}, {}, WRITER)
    dao.create("DEPENDS_ON", "b", "c1", {"kind": "symbiotic"}, {}, WRITER)
    dao.create("PERCEIVES", "b", "c2", {"valence": 1}, {}, WRITER)
    dao.create("DEPENDS_ON", "c3", "c2", {"kind": "competition"}, {}, WRITER)
    dao.create("PERCEIVES", "o", "c3", {"valence": 1}, {}, WRITER)
    return graph


def test_brokers_rank_who_bridges_public_and_civil(bridge: Graph) -> None:
    result = AnalysisDao(bridge).brokers(municipality_code="1881")
    assert (result["actors"], result["public_sources"], result["civil_targets"]) == (6, 2, 4)
    ranked = [(b["actor"]["id"], b["public_neighbours"], b["civil_neighbours"]) for b in result["brokers"]]
    assert ranked == [("b", 2, 2), ("c2", 0, 2)]
    assert result["brokers"][0]["score"] > result["brokers"][1]["score"] > 0
    assert result["sampled_sources"] is None


def test_broker_scores_are_networkx_subset_betweenness(bridge: Graph) -> None:
    # igraph computes them; the published scale is networkx's, checked on the same graph.
    graph = nx.Graph([("b", "p1"), ("p2", "b"), ("b", "c1"), ("b", "c2"), ("c3", "c2")])
    expected = nx.betweenness_centrality_subset(
        graph, sources=["p1", "p2"], targets=["b", "c1", "c2", "c3"], normalized=True
    )
    result = AnalysisDao(bridge).brokers(municipality_code="1881")
    assert {b["actor"]["id"]: b["score"] for b in result["brokers"]} == {
        node: round(score, 6) for node, score in expected.items() if score > 0
    }


def test_an_arena_can_be_the_bridge(bridge: Graph) -> None:
    arena = ArenaDao(bridge).create({"name": "Forum", "municipality_code": "1881"}, "t", writer=Writer.cli())
    RelationshipDao(bridge).create("PARTICIPATES_IN", "p1", arena["id"], {"role": "convener"}, {}, WRITER)
    RelationshipDao(bridge).create("PARTICIPATES_IN", "c3", arena["id"], {"role": "member"}, {}, WRITER)
    result = AnalysisDao(bridge).brokers(municipality_code="1881")
    assert [n["id"] for n in result["bridging_arenas_and_agreements"]] == [arena["id"]]


def test_brokers_sample_sources_past_the_cap(bridge: Graph) -> None:
    result = AnalysisDao(bridge).brokers(municipality_code="1881", max_sources=1)
    assert result["sampled_sources"] == 1
    assert result["brokers"][0]["actor"]["id"] == "b"


def test_brokers_api(bridge: Graph, client: FlaskClient) -> None:
    response = client.get("/api/v1/analyses/brokers", query_string={"county": "18", "limit": 1})
    assert response.status_code == 200
    body = response.get_json()
    assert [b["actor"]["id"] for b in body["brokers"]] == ["b"]
    assert client.get("/api/v1/analyses/brokers", query_string={"county": "18", "limit": 0}).status_code == 422


# -- isolated -----------------------------------------------------------------------------------


def test_isolated_actors(bridge: Graph, client: FlaskClient) -> None:
    ActorDao(bridge).upsert_many([actor("alone", "1881"), actor("member", "1881"), actor("was", "1881", "public")])
    bridge.write("MATCH (m:Actor {id: 'member'}), (u:Actor {id: 'b'}) MERGE (m)-[:MEMBER_OF]->(u)")
    RelationshipDao(bridge).create(
        "PERCEIVES", "was", "b", {"valence": 1}, {"valid_to": TODAY - dt.timedelta(days=1)}, WRITER
    )
    result = AnalysisDao(bridge).isolated(municipality_code="1881")
    assert (result["actors_in_area"], result["total"]) == (9, 3)
    assert [(a["id"], a["memberships"]) for a in result["items"]] == [("alone", 0), ("member", 1), ("was", 0)]
    earlier = AnalysisDao(bridge).isolated(municipality_code="1881", valid_at=TODAY - dt.timedelta(days=2))
    assert [a["id"] for a in earlier["items"]] == ["alone", "member"]
    public = client.get("/api/v1/analyses/isolated", query_string={"municipality": "1881", "sector": "public"})
    assert public.status_code == 200
    assert [a["id"] for a in public.get_json()] == ["was"]
    assert public.headers["X-Area-Actors"] == "3"
    paged = client.get("/api/v1/analyses/isolated", query_string={"county": "18", "page_size": 2})
    assert len(paged.get_json()) == 2 and '"total": 3' in paged.headers["X-Pagination"]
    assert client.get("/api/v1/analyses/isolated", query_string={"county": "18", "sector": "x"}).status_code == 422


# -- power --------------------------------------------------------------------------------------


def test_power_and_money(bridge: Graph, client: FlaskClient) -> None:
    ActorDao(bridge).upsert_many([actor("c4", "1881")])
    dao = RelationshipDao(bridge)
    dao.create("DEPENDS_ON", "c1", "p1", {"kind": "power", "resource": "premises", "strength": 4}, {}, WRITER)
    dao.create("DEPENDS_ON", "c4", "p2", {"kind": "power", "resource": "money", "strength": 2}, {}, WRITER)
    dao.create("FUNDS", "p1", "c1", {"year": 2025, "form": "association_grant", "amount_sek": 30000}, {}, WRITER)
    dao.create("FUNDS", "p1", "c4", {"year": 2025, "form": "iop", "amount_sek": 400000}, {}, WRITER)
    dao.create("FUNDS", "p1", "c4", {"year": 2024, "form": "iop", "amount_sek": 350000}, {}, WRITER)
    result = AnalysisDao(bridge).power(municipality_code="1881", year=2025)
    holders = [
        (h["actor"]["id"], h["dependents"], h["total_strength"], h["resources"]) for h in result["power_holders"]
    ]
    assert holders == [("p1", 2, 4, ["premises"]), ("p2", 1, 2, ["money"])]
    assert result["dependencies_total"] == 3
    assert result["dependencies"][0]["strength"] == 4
    money = result["money"]
    assert money["total_sek"] == 430000
    assert [(f["form"]["id"], f["amount_sek"]) for f in money["by_form"]] == [
        ("iop", 400000),
        ("association_grant", 30000),
        ("other", 0),
    ]
    assert money["funders"][0] == {**money["funders"][0], "amount_sek": 430000, "recipients": 2}
    assert money["recipients"][0]["actor"]["id"] == "c4"
    assert money["by_recipient_sector"] == [{"sector": "civil", "amount_sek": 430000}]
    assert AnalysisDao(bridge).power(municipality_code="1881", year=2024)["money"]["total_sek"] == 350000
    response = client.get("/api/v1/analyses/power", query_string={"municipality": "1881", "year": 2025})
    assert response.status_code == 200 and response.get_json()["money"]["total_sek"] == 430000
    assert client.get("/api/v1/analyses/power", query_string={"municipality": "1881", "year": "x"}).status_code == 422


# -- readiness ----------------------------------------------------------------------------------


@pytest.fixture
def pair(graph: Graph) -> Graph:
    ActorDao(graph).upsert_many(
        [
            actor(
                "social",
                "1881",
                "public",
                interest_areas=["loneliness", "care"],
                target_groups=["elderly"],
                props={"resources_offered": ["money", "premises"], "resources_needed": ["volunteers"]},
            ),
            actor(
                "friends",
                "1881",
                interest_areas=["loneliness"],
                target_groups=["elderly"],
                props={"resources_offered": ["volunteers", "time"], "resources_needed": ["premises"]},
            ),
            actor("rival", "1881", interest_areas=["sports"], target_groups=["youth"]),
        ]
    )
    rels = RelationshipDao(graph)
    rels.create("DEPENDS_ON", "social", "friends", {"kind": "symbiotic", "resource": "volunteers"}, {}, WRITER)
    rels.create("PERCEIVES", "social", "friends", {"valence": 2}, {}, WRITER)
    rels.create("PERCEIVES", "friends", "social", {"valence": 1}, {}, WRITER)
    agreement = AgreementDao(graph).create({"kind": "iop", "title": "IOP Vänkraft"}, "t", writer=Writer.cli())
    rels.create("PARTY_TO", "social", agreement["id"], {}, {}, WRITER)
    rels.create("PARTY_TO", "friends", agreement["id"], {}, {}, WRITER)
    arena = ArenaDao(graph).create({"name": "Träffen", "municipality_code": "1881"}, "t", writer=Writer.cli())
    rels.create("PARTICIPATES_IN", "social", arena["id"], {"role": "convener"}, {}, WRITER)
    rels.create("PARTICIPATES_IN", "friends", arena["id"], {"role": "member"}, {}, WRITER)
    rels.create("DEPENDS_ON", "rival", "friends", {"kind": "competition"}, {}, WRITER)
    rels.create("PERCEIVES", "rival", "friends", {"valence": -2}, {}, WRITER)
    return graph


def test_readiness_of_a_pair_that_works_together(pair: Graph) -> None:
    result = AnalysisDao(pair).readiness("social", "friends")
    assert result["heuristic"] is True and "heuristik" in result["note"]["sv"].lower()
    factors = {f["factor"]: f for f in result["factors"]}
    assert list(factors) == ["goals", "resources", "dependency", "perceptions", "legal_framework"]
    assert factors["goals"]["score"] == 0.75  # loneliness, social support (its broader term), elderly
    assert "Ofrivillig ensamhet" in factors["goals"]["explanation"]["sv"]
    assert "Involuntary loneliness" in factors["goals"]["explanation"]["en"]
    assert factors["resources"]["score"] == 0.75
    assert "ideella krafter" in factors["resources"]["explanation"]["sv"]
    assert factors["dependency"]["score"] == 0.6
    assert factors["perceptions"]["score"] == 0.75
    assert (
        factors["legal_framework"]["score"] == 0.5 and "IOP Vänkraft" in factors["legal_framework"]["explanation"]["en"]
    )
    assert result["relationship_base"]["arenas"] == ["Träffen"]
    assert result["willingness"]["level"]["id"] == "high"
    assert result["opportunity"]["level"]["id"] in ("medium", "high")
    for factor in result["factors"]:
        assert factor["explanation"]["sv"] and factor["explanation"]["en"] and factor["supports"]


def test_readiness_of_rivals(pair: Graph) -> None:
    result = AnalysisDao(pair).readiness("rival", "friends")
    factors = {f["factor"]: f for f in result["factors"]}
    assert factors["dependency"]["score"] == -0.6 and factors["dependency"]["level"]["id"] == "hindering"
    assert factors["perceptions"]["score"] == -1.0
    assert "okänd" in factors["perceptions"]["explanation"]["sv"]  # friends has not said how it sees rival
    assert result["willingness"]["score"] < 0


def test_power_is_named_in_the_explanation() -> None:
    facts: dict[str, Any] = {
        "a": {"name": "Föreningen"},
        "b": {"name": "Kommunen"},
        "a_offers": None,
        "a_needs": ["money"],
        "b_offers": ["money"],
        "b_needs": None,
        "a_areas": [],
        "b_areas": [],
        "a_groups": [],
        "b_groups": [],
        "dependencies": [{"kind": "power", "a_depends": True, "resource": "money", "strength": 5}],
        "a_sees_b": [],
        "b_sees_a": [],
        "agreements": [],
        "arenas": [],
        "challenges": [],
        "funding": ["association_grant"],
    }
    result = score_readiness(facts)
    dependency = next(f for f in result["factors"] if f["factor"] == "dependency")
    assert "Kommunen har makt över Föreningen" in dependency["explanation"]["sv"]
    assert dependency["score"] == -0.2


def test_readiness_api(pair: Graph, client: FlaskClient) -> None:
    response = client.get("/api/v1/analyses/readiness", query_string={"a": "social", "b": "friends"})
    assert response.status_code == 200 and response.get_json()["heuristic"] is True
    assert client.get("/api/v1/analyses/readiness", query_string={"a": "social", "b": "nobody"}).status_code == 404
    assert client.get("/api/v1/analyses/readiness", query_string={"a": "social", "b": "social"}).status_code == 422
    assert client.get("/api/v1/analyses/readiness", query_string={"a": "social"}).status_code == 422


def test_every_analysis_explains_itself_in_openapi(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    for name in ("welfare-gaps", "brokers", "isolated", "power", "readiness"):
        operation = paths[f"/api/v1/analyses/{name}"]["get"]
        assert len(operation["description"]) > 200, name
    assert "HEURISTIK" in paths["/api/v1/analyses/readiness"]["get"]["description"]
    assert "betweenness" in paths["/api/v1/analyses/brokers"]["get"]["description"]
