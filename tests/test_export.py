"""GET /api/v1/actors/export: CSV and JSON with the search filters, formula cells neutralised, contacts per caller."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from flask import Flask, g, request
from flask.testing import FlaskClient

from registry.api.actors import neutralise
from registry.db import Graph
from registry.demo import load_demo
from registry.identity import Principal, Role


@pytest.fixture
def role_client(app: Flask) -> Iterator[FlaskClient]:
    """Requests act as the role in X-Test-Role (tokens come with the authentication issue)."""

    @app.before_request
    def _principal() -> None:
        role = request.headers.get("X-Test-Role")
        if role:
            g.principal = Principal(Role(role), token_id="test")

    yield app.test_client()


def read_csv(client: FlaskClient, query: str, headers: dict[str, str] | None = None) -> list[dict[str, str]]:
    response = client.get(f"/api/v1/actors/export?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # so Excel reads UTF-8
    delimiter = "," if "delimiter=comma" in query else ";"
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))


def test_csv_with_the_search_filters(client: FlaskClient, graph: Graph) -> None:
    load_demo(graph)
    rows = read_csv(client, "municipality=Kumla&target_group=elderly&sector=civil")
    expected = client.get("/api/v1/actors?municipality=Kumla&target_group=elderly&sector=civil&page_size=100")
    assert {r["name"] for r in rows} == {i["name"] for i in expected.get_json()["items"]}
    linden = next(r for r in rows if r["name"] == "Kumla Pensionärsförening Linden")
    assert linden["municipality"] == "Kumla" and linden["county_code"] == "18"
    assert "elderly" in linden["target_groups"].split("; ")
    names = [r["name"] for r in read_csv(client, "county=18")]
    assert len(names) == 52
    assert "contacts" not in read_csv(client, "county=18")[0]


def test_csv_neutralises_formula_cells(client: FlaskClient, admin_client: FlaskClient, graph: Graph) -> None:
    actor = {
        "name": '=HYPERLINK("http://evil.example";"click")',
        "sector": "civil",
        "kind": "association",
        "description": "@SUM(1+1)",
        "activities": "-2+3",
        "phones": ["+46313900600"],
        "alt_names": ["+cmd"],
    }
    assert admin_client.post("/api/v1/actors", json=actor).status_code == 201
    for query in ("", "delimiter=comma"):
        (row,) = read_csv(client, query)
        assert row["name"] == '\'=HYPERLINK("http://evil.example";"click")'
        assert row["description"] == "'@SUM(1+1)"
        assert row["activities"] == "'-2+3"
        assert row["phones"] == "'+46313900600"
        assert row["alt_names"] == "'+cmd"


def test_neutralise() -> None:
    assert [neutralise(c) for c in ("=1", "+1", "-1", "@1", "\t1", "a=1", "")] == [
        "'=1",
        "'+1",
        "'-1",
        "'@1",
        "'\t1",
        "a=1",
        "",
    ]


def test_json_export_is_the_actor_shape(client: FlaskClient, graph: Graph) -> None:
    load_demo(graph)
    response = client.get("/api/v1/actors/export?format=json&municipality=Nora")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    total = client.get("/api/v1/actors?municipality=Nora&facets=false").get_json()["total"]
    assert len(body) == total > 0
    assert [a["name"] for a in body] == sorted((a["name"] for a in body), key=lambda n: n.casefold())
    assert all("contacts" not in a for a in body)
    assert all(a["municipality"] is not None for a in body)


def test_export_of_nothing(client: FlaskClient, graph: Graph) -> None:
    assert client.get("/api/v1/actors/export?format=json").get_json() == []
    assert read_csv(client, "") == []


def test_contacts_in_exports_only_for_those_allowed(role_client: FlaskClient, graph: Graph) -> None:
    load_demo(graph)
    coordinator = {"X-Test-Role": "coordinator"}
    rows = read_csv(role_client, "municipality=Kumla", coordinator)
    assert any(r["contacts"] for r in rows)
    body = role_client.get("/api/v1/actors/export?format=json&municipality=Kumla", headers=coordinator).get_json()
    assert any(a.get("contacts") for a in body)
    reader = {"X-Test-Role": "reader"}
    assert "contacts" not in read_csv(role_client, "municipality=Kumla", reader)[0]
    body = role_client.get("/api/v1/actors/export?format=json&municipality=Kumla", headers=reader).get_json()
    assert not any("contacts" in a for a in body)


@pytest.mark.parametrize("query", ["format=xml", "delimiter=tab", "near=1,2&radius_km=-5", "interest_area=nope"])
def test_bad_export_arguments_are_422(client: FlaskClient, graph: Graph, query: str) -> None:
    assert client.get(f"/api/v1/actors/export?{query}").status_code == 422


@pytest.mark.parametrize(
    "cell",
    [
        '＝HYPERLINK("http://evil.example")',  # full-width equals sign: '=' after NFKC
        "﹦1+1",  # small equals sign
        "＋cmd",
        "－1+2",
        "＠SUM(1)",
        " =1+1",  # a space before the sign
        "\u200b=1+1",  # zero-width space
        "\u202e=1+1",  # right-to-left override
    ],
)
def test_neutralise_sees_through_compatibility_forms_and_invisible_marks(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


def test_neutralise_leaves_ordinary_text() -> None:
    assert [neutralise(c) for c in ("Ｋｕｍｌａ", "a＝1", "Föreningen = vi", "")] == [
        "Ｋｕｍｌａ",
        "a＝1",
        "Föreningen = vi",
        "",
    ]


def test_full_width_formula_in_an_export(client: FlaskClient, admin_client: FlaskClient, graph: Graph) -> None:
    actor = {"name": '＝HYPERLINK("http://evil.example")', "sector": "civil", "kind": "association"}
    assert admin_client.post("/api/v1/actors", json=actor).status_code == 201
    (row,) = read_csv(client, "")
    assert row["name"] == '\'＝HYPERLINK("http://evil.example")'
