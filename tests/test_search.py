"""GET /api/v1/actors: every filter, Swedish full text, facets, sorting, pagination and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from registry.db import Graph
from registry.demo import demo_id, load_demo


def search(client: FlaskClient, query: str = "", **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/actors?{query}", query_string=params or None)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def names(body: dict[str, Any]) -> list[str]:
    return [item["name"] for item in body["items"]]


def all_names(client: FlaskClient, query: str) -> set[str]:
    body = search(client, f"{query}&page_size=100&facets=false")
    assert body["total"] <= 100
    return set(names(body))


# -- the Swedish examples of the issue ----------------------------------------------------------
def test_forening_finds_forening_without_the_accent(admin_client: FlaskClient, demo_graph: Graph) -> None:
    found = all_names(admin_client, "q=forening")
    assert "Kumla Pensionärsförening Linden" in found
    # Compounds whose last part is förening(en), and the word on its own.
    assert "Byföreningen Framåt Ställdalen" in found
    assert "Föreningen Hörselslingan" in found
    assert "IK Sjöängen Askersund" not in found


def test_pensionar_finds_pensionarsforeningen(admin_client: FlaskClient, demo_graph: Graph) -> None:
    found = all_names(admin_client, "q=pensionar")
    assert {"Kumla Pensionärsförening Linden", "Kopparbergs Pensionärsklubb Malmen"} <= found
    assert "Nora Pensionärsgille Trädgårdsstaden" in found


def test_a_typo_still_finds_it(admin_client: FlaskClient, demo_graph: Graph) -> None:
    assert "Kumla Pensionärsförening Linden" in all_names(admin_client, "q=pensionärsförning")
    assert "Kumla Pensionärsförening Linden" in all_names(admin_client, "q=PENSIONÄRSFÖRENING")


def test_swedish_stemming_finds_inflected_forms(admin_client: FlaskClient, demo_graph: Graph) -> None:
    # "föreningarna" is only reachable through the swedish analyzer's stemming (förening-).
    assert "Kumla Pensionärsförening Linden" in all_names(admin_client, "q=föreningarna")


def test_every_word_must_match_and_name_matches_rank_first(admin_client: FlaskClient, demo_graph: Graph) -> None:
    found = all_names(admin_client, "q=kumla pensionar")
    assert "Kumla Pensionärsförening Linden" in found
    assert "Nora Pensionärsgille Trädgårdsstaden" not in found
    body = search(admin_client, "q=pensionar&facets=false")
    assert "Pensionär" in body["items"][0]["name"]
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True)


def test_lucene_syntax_in_q_is_just_text(admin_client: FlaskClient, demo_graph: Graph) -> None:
    for q in ("pensionar*", 'name:"x" OR *', "(((", "\\", "AND OR NOT", "~2^3"):
        response = admin_client.get("/api/v1/actors", query_string={"q": q})
        assert response.status_code in (200, 422), (q, response.get_json())
    assert admin_client.get("/api/v1/actors", query_string={"q": "!!!"}).status_code == 422


def test_search_text_covers_alt_names_activities_and_description(admin_client: FlaskClient, demo_graph: Graph) -> None:
    assert "Region Örebro län" in all_names(admin_client, "q=regionen")  # an alternative name
    assert "Kumla Pensionärsförening Linden" in all_names(admin_client, "q=boule")  # activities


# -- the question the product exists for ------------------------------------------------------------
def test_which_actors_in_kumla_work_with_the_elderly(admin_client: FlaskClient, demo_graph: Graph) -> None:
    body = search(admin_client, "municipality=Kumla&target_group=elderly&sector=civil&page_size=100")
    found = set(names(body))
    assert len(found) >= 3
    assert {"Kumla Pensionärsförening Linden", "Kumla Seniorförening Gläntan"} <= found
    # Actors seated elsewhere but active in Kumla are part of Kumla's answer.
    assert "Föreningen Medlyssnarna Närke" in found
    for item in body["items"]:
        assert "elderly" in item["target_groups"]
        assert "1881" in {item["municipality"]["code"], *(p["code"] for p in item["active_in"])}
    assert body["facets"]["sector"] == [
        {"key": "civil", "label_sv": "Civilsamhälle", "label_en": "Civil society", "count": body["total"]}
    ]


# -- each filter ----------------------------------------------------------------------------------------
def test_municipality_by_code_or_name_repeatable(admin_client: FlaskClient, demo_graph: Graph) -> None:
    by_code = all_names(admin_client, "municipality=1881")
    assert (
        by_code
        == all_names(admin_client, "municipality=kumla")
        == all_names(admin_client, "municipality=Kumla%20kommun")
    )
    both = all_names(admin_client, "municipality=1881&municipality=Nora")
    assert by_code < both and "Nora kommun" in both and "Nora kommun" not in by_code


def test_text_within_an_area_counts_seat_and_active_in(admin_client: FlaskClient, demo_graph: Graph) -> None:
    # Medlyssnarna is seated in Örebro and active in Kumla: a text search in Kumla finds it.
    assert "Föreningen Medlyssnarna Närke" in all_names(admin_client, "q=medlyssnarna&municipality=Kumla")
    assert all_names(admin_client, "q=medlyssnarna&municipality=Nora") == set()
    in_kumla = all_names(admin_client, "q=forening&municipality=Kumla")
    assert in_kumla and in_kumla <= all_names(admin_client, "municipality=Kumla")
    assert in_kumla == all_names(admin_client, "q=forening") & all_names(admin_client, "municipality=Kumla")
    assert all_names(admin_client, "q=forening&county=01") == set()


def test_county(admin_client: FlaskClient, demo_graph: Graph) -> None:
    orebro = search(admin_client, "county=18&facets=false")
    assert orebro["total"] == 52
    assert search(admin_client, "county=Örebro län&facets=false")["total"] == 52
    assert search(admin_client, "county=01&facets=false")["total"] == 0


def test_postal_code(admin_client: FlaskClient, demo_graph: Graph) -> None:
    body = search(admin_client, "postal_code=69231&facets=false")
    assert body["total"] >= 1
    assert {i["postal_code"] for i in body["items"]} == {"692 31"}


def test_interest_area_includes_narrower_areas(admin_client: FlaskClient, demo_graph: Graph) -> None:
    social = all_names(admin_client, "interest_area=social-support")
    loneliness = all_names(admin_client, "interest_area=loneliness")
    assert loneliness and loneliness <= social
    music = all_names(admin_client, "interest_area=music")
    assert music <= all_names(admin_client, "interest_area=culture")


def test_target_group_includes_narrower_groups(admin_client: FlaskClient, demo_graph: Graph) -> None:
    unemployed = all_names(admin_client, "target_group=unemployed")
    assert unemployed and unemployed <= all_names(admin_client, "target_group=adults")


def test_sector_and_kind(admin_client: FlaskClient, demo_graph: Graph) -> None:
    public = search(admin_client, "sector=public&facets=false")
    assert public["total"] == 19
    assert {i["sector"] for i in public["items"]} == {"public"}
    care = search(admin_client, "kind=primary-care&kind=region&facets=false")
    assert care["total"] == 7
    assert search(admin_client, "sector=public&kind=association&facets=false")["total"] == 0


def test_member_of(admin_client: FlaskClient, demo_graph: Graph) -> None:
    umbrella = demo_id("bergslagens-foreningsrad")
    body = search(admin_client, f"member_of={umbrella}&facets=false&page_size=100")
    assert body["total"] >= 8
    assert "Kumla Pensionärsförening Linden" in names(body)
    assert "Bergslagens föreningsråd" not in names(body)


def test_has_org_number(admin_client: FlaskClient, demo_graph: Graph) -> None:
    with_number = search(admin_client, "has_org_number=true&facets=false&page_size=100")
    without = search(admin_client, "has_org_number=false&facets=false&page_size=100")
    assert with_number["total"] == 22 and without["total"] == 30
    assert all(i["org_number"] for i in with_number["items"])
    assert not any(i["org_number"] for i in without["items"])


def test_near_with_radius_and_distance_sort(admin_client: FlaskClient, graph: Graph) -> None:
    places = {"Kumla": (59.127, 15.143), "Örebro": (59.274, 15.213), "Nora": (59.519, 15.039), "Utan": None}
    for name, point in places.items():
        body: dict[str, Any] = {"name": f"Förening i {name}", "sector": "civil", "kind": "association"}
        if point:
            body["coordinates"] = {"lat": point[0], "lon": point[1]}
        assert admin_client.post("/api/v1/actors", json=body).status_code == 201
    near = search(admin_client, "near=59.127,15.143&radius_km=20&facets=false")
    assert names(near) == ["Förening i Kumla", "Förening i Örebro"]
    assert near["items"][0]["distance_km"] == pytest.approx(0, abs=0.01)
    assert near["items"][1]["distance_km"] == pytest.approx(17, abs=1.5)
    assert search(admin_client, "near=59.127,15.143&facets=false")["total"] == 1  # 10 km by default
    assert search(admin_client, "near=59.127,15.143&radius_km=50&facets=false")["total"] == 3
    by_name = search(admin_client, "near=59.127,15.143&radius_km=50&sort=name&facets=false")
    assert names(by_name) == ["Förening i Kumla", "Förening i Nora", "Förening i Örebro"]


# -- sorting, pagination, facets -------------------------------------------------------------------------
def test_name_sort_is_swedish(admin_client: FlaskClient, graph: Graph) -> None:
    for name in ("Örnen", "Zeta", "Ängen", "Åsen", "alfa", "Éclair"):
        assert (
            admin_client.post("/api/v1/actors", json={"name": name, "sector": "civil", "kind": "other"}).status_code
            == 201
        )
    assert names(search(admin_client, "sort=name&facets=false")) == ["alfa", "Éclair", "Zeta", "Åsen", "Ängen", "Örnen"]


def test_sort_by_last_update(admin_client: FlaskClient, graph: Graph) -> None:
    ids = []
    for name in ("Första", "Andra"):
        response = admin_client.post("/api/v1/actors", json={"name": name, "sector": "civil", "kind": "other"})
        ids.append(response.get_json()["id"])
    url = f"/api/v1/actors/{ids[0]}"
    tag = admin_client.get(url).headers["ETag"]
    assert admin_client.patch(url, json={"member_count": 5}, headers={"If-Match": tag}).status_code == 200
    assert names(search(admin_client, "sort=updated&facets=false")) == ["Första", "Andra"]


def test_pagination_pages_through_everything_once(admin_client: FlaskClient, demo_graph: Graph) -> None:
    seen: list[str] = []
    first = admin_client.get("/api/v1/actors?page_size=10&facets=false")
    assert '"total": 52' in first.headers["X-Pagination"]
    for page in range(1, 7):
        body = search(admin_client, f"page={page}&page_size=10&facets=false")
        assert body["total"] == 52 and body["page"] == page
        seen.extend(i["id"] for i in body["items"])
    assert len(seen) == 52 == len(set(seen))
    assert search(admin_client, "page=99999999999&page_size=10&facets=false")["items"] == []


def test_facets_count_the_same_filters(admin_client: FlaskClient, demo_graph: Graph) -> None:
    body = search(admin_client, "municipality=Kumla&page_size=1")
    facets = body["facets"]
    total = body["total"]
    assert sum(v["count"] for v in facets["sector"]) == total
    assert sum(v["count"] for v in facets["kind"]) == total
    kumla = next(v for v in facets["municipality"] if v["key"] == "1881")
    assert kumla["count"] == total and kumla["label_sv"] == "Kumla"
    elderly = next(v for v in facets["target_group"] if v["key"] == "elderly")
    assert elderly["label_sv"] == "Äldre 65+"
    assert elderly["count"] == search(admin_client, "municipality=Kumla&target_group=elderly&facets=false")["total"]
    # A broader area counts the actors of its narrower ones.
    social = next(v for v in facets["interest_area"] if v["key"] == "social-support")
    assert (
        social["count"] == search(admin_client, "municipality=Kumla&interest_area=social-support&facets=false")["total"]
    )
    assert search(admin_client, "municipality=Kumla&facets=false")["facets"] is None


# -- bad input -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("municipality=Atlantis", "municipality"),
        ("county=99", "county"),
        ("postal_code=12", "postal_code"),
        ("near=north", "near"),
        ("near=95,15", "near"),
        ("near=59,15&radius_km=-5", "radius_km"),
        ("near=59,15&radius_km=abc", "radius_km"),
        ("radius_km=5", "radius_km"),
        ("interest_area=no-such-area", "interest_area"),
        ("interest_area=Not%20A%20Slug", "interest_area"),
        ("target_group=martians", "target_group"),
        ("sector=government", "sector"),
        ("kind=club", "kind"),
        ("member_of=no-such-actor", "member_of"),
        ("has_org_number=perhaps", "has_org_number"),
        ("sort=popularity", "sort"),
        ("sort=distance", "sort"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_filters_are_422_naming_the_parameter(
    admin_client: FlaskClient, graph: Graph, query: str, field: str
) -> None:
    response = admin_client.get(f"/api/v1/actors?{query}")
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["query"], response.get_json()


def test_a_ten_megabyte_q_is_refused(admin_client: FlaskClient, graph: Graph) -> None:
    response = admin_client.get("/api/v1/actors", query_string={"q": "förening " * (10 * 1024 * 1024 // 10)})
    assert response.status_code == 422
    assert "q" in response.get_json()["errors"]["query"]


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page_size=0", "page_size=1000", "page=x"])
def test_bad_pagination_is_422(admin_client: FlaskClient, graph: Graph, query: str) -> None:
    response = admin_client.get(f"/api/v1/actors?{query}")
    assert response.status_code == 422


def test_m0006_backfills_place_tokens_like_the_writers(graph: Graph) -> None:
    from graph_schema.migrations.m0006_actor_search_places import STATEMENTS

    load_demo(graph)
    expected = {
        r["id"]: set(r["p"].split()) for r in graph.read("MATCH (a:Actor) RETURN a.id AS id, a.search_place AS p")
    }
    assert expected[demo_id("foreningen-medlyssnarna-narke")] >= {"m1880", "m1881", "c18"}
    graph.write("MATCH (a:Actor) REMOVE a.search_place")
    graph.write(STATEMENTS[0])
    rows = graph.read("MATCH (a:Actor) RETURN a.id AS id, a.search_place AS p")
    assert {r["id"]: set(r["p"].split()) for r in rows} == expected
