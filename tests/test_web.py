"""The officers' pages: search with filters and facets, the actor page, language, escaping, errors."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from registry.db import Graph
from registry.demo import demo_id
from registry.identity import Role
from tests.auth_support import issue_token


def names(html: str) -> list[str]:
    return re.findall(r'class="name" href="[^"]+">([^<]+)</a>', html)


def test_kumla_elderly_search_lists_the_pensioners(client: FlaskClient, demo_graph: Graph) -> None:
    response = client.get("/?area=1881&target_group=elderly&sector=civil")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    found = names(html)
    assert len(found) >= 3
    assert "Kumla Pensionärsförening Linden" in found
    assert re.search(r"\d+ aktörer", html)
    # The facets and the map link come with the answer.
    assert "Fördelning" in html
    assert "/karta?area=1881&amp;target_group=elderly" in html, "the map link lands on the explorer"


def test_page_search_equals_the_api(client: FlaskClient, demo_graph: Graph) -> None:
    page = names(client.get("/?area=18&interest_area=pensioners").get_data(as_text=True))
    api = client.get("/api/v1/actors?county=18&interest_area=pensioners&sort=name&page_size=20").get_json()
    assert page == [i["name"] for i in api["items"]]


def test_free_text_without_accents(client: FlaskClient, demo_graph: Graph) -> None:
    assert "Kumla Pensionärsförening Linden" in names(client.get("/?q=pensionar").get_data(as_text=True))


def test_english_by_switch_and_remembered(client: FlaskClient, demo_graph: Graph) -> None:
    english = client.get("/?lang=en")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Find actors" in english.get_data(as_text=True)
    assert "lang=en" in english.headers["Set-Cookie"]
    assert "Find actors" in client.get("/").get_data(as_text=True), "the cookie keeps English"
    assert "Sök aktörer" in client.get("/?lang=sv").get_data(as_text=True)


def test_bad_filters_are_a_page_with_the_reason(client: FlaskClient, demo_graph: Graph) -> None:
    for query in ("/?sector=galaxy", "/?area=9999", "/?interest_area=nope"):
        response = client.get(query)
        assert response.status_code == 422, query
        assert 'role="alert"' in response.get_data(as_text=True)


def test_actor_page_hides_contacts_from_anonymous_and_shows_them_to_admins(
    client: FlaskClient,
    admin_client: FlaskClient,
    demo_graph: Graph,
) -> None:
    url = f"/aktorer/{demo_id('kumla-pensionarsforening-linden')}"
    anonymous = client.get(url).get_data(as_text=True)
    assert "Kumla Pensionärsförening Linden" in anonymous
    assert "Kontaktpersoner" not in anonymous
    assert "Kontaktpersoner" in admin_client.get(url).get_data(as_text=True)
    assert f'src="/maps/actors/{demo_id("kumla-pensionarsforening-linden")}"' in anonymous
    assert client.get("/aktorer/no-such-actor").status_code == 404


def test_hostile_names_render_as_text(admin_client: FlaskClient, client: FlaskClient, graph: Graph) -> None:
    hostile = '<img src=x onerror=alert(1)>"><script>alert(2)</script>'
    created = admin_client.post(
        "/api/v1/actors", json={"name": hostile, "sector": "civil", "kind": "association", "municipality": "1881"}
    )
    assert created.status_code == 201, created.get_json()
    for url in ("/?area=1881", f"/aktorer/{created.get_json()['id']}"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html and "<script>alert" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_pages_load_nothing_from_outside(client: FlaskClient, demo_graph: Graph) -> None:
    for url in ("/", f"/aktorer/{demo_id('kumla-kommun')}"):
        html = client.get(url).get_data(as_text=True)
        # Links to an actor's own website are fine; nothing may be *loaded* from elsewhere.
        assert re.findall(r"""src=["']?(?:https?:)?//""", html) == [], url
        assert re.findall(r"""<link[^>]+href=["']?(?:https?:)?//""", html) == [], url
        assert "<script" not in html, "the pages need no script of their own"
    assert client.get("/static/web/web.css").status_code == 200


def test_every_form_control_has_a_label(client: FlaskClient, demo_graph: Graph) -> None:
    html = client.get("/").get_data(as_text=True)
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html)
    assert ids
    for control in ids:
        assert f'for="{control}"' in html, control


def test_reader_token_sees_no_contacts_either(app: Flask, graph: Graph, demo_graph: Graph) -> None:
    reader = issue_token(graph, Role.READER)
    html = app.test_client().get(
        f"/aktorer/{demo_id('kumla-pensionarsforening-linden')}", headers={"Authorization": f"Bearer {reader}"}
    )
    assert "Kontaktpersoner" not in html.get_data(as_text=True)


def test_welfare_gaps_page_for_the_county(client: FlaskClient, demo_graph: Graph) -> None:
    response = client.get("/valfardsluckor?area=18")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Välfärdsluckor i Örebro län" in html
    classes = re.findall(r'<td class="(none|low|ok)"', html)
    assert len(classes) >= 25 * 11
    assert {"none", "ok"} <= set(classes), "the demo county has both covered cells and gaps"


def test_a_gap_cell_links_to_the_actors_behind_it(client: FlaskClient, demo_graph: Graph) -> None:
    html = client.get("/valfardsluckor?area=1881").get_data(as_text=True)
    link = r"/\?area=1881&amp;interest_area=pensioners&amp;target_group=elderly&amp;sector=civil"
    match = re.search(rf'<a href="({link})"[^>]*>(\d+)</a>', html)
    assert match, "the pensioners × elderly cell links to a search"
    count = int(match.group(2))
    assert count >= 1
    listed = names(client.get(match.group(1).replace("&amp;", "&")).get_data(as_text=True))
    assert len(listed) == count


def test_unknown_area_is_404_page(client: FlaskClient, demo_graph: Graph) -> None:
    response = client.get("/valfardsluckor?area=9999")
    assert response.status_code == 404
    assert 'role="alert"' in response.get_data(as_text=True)
