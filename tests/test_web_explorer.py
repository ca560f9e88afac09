"""The map explorer page: each subject's frame shows the map route with the chosen filters, bad values
and unknown subjects are pages with the reason, names are text, and the map can be downloaded."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from flask.testing import FlaskClient

from registry.db import Graph
from registry.demo import demo_id
from visualisations import maps

ACTOR = demo_id("kumla-pensionarsforening-linden")
ARENA = demo_id("arena-kumla-ensamhet")
CHALLENGE = demo_id("utmaning-askersund")


def frame_src(page: str) -> str | None:
    match = re.search(r'<iframe class="map-frame" src="([^"]+)"', page)
    return htmllib.unescape(match.group(1)) if match else None


def download_href(page: str) -> str:
    match = re.search(r'<a class="button" href="([^"]+)" download>', page)
    assert match, "the page links to the map as a file"
    return htmllib.unescape(match.group(1))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            f"actor={ACTOR}&depth=2&types=DEPENDS_ON&types=FUNDS&valid_at=2025-06-01&size_by=betweenness",
            f"/maps/actors/{ACTOR}?depth=2&types=DEPENDS_ON,FUNDS&valid_at=2025-06-01&size_by=betweenness",
        ),
        (f"actor={ACTOR}", f"/maps/actors/{ACTOR}?depth=1"),
        (
            "area=1881&target_group=elderly&interest_area=pensioners",
            "/maps/municipalities/1881?interest_area=pensioners&target_group=elderly",
        ),
        ("area=18&types=FUNDS,MEMBER_OF", "/maps/counties/18?types=FUNDS,MEMBER_OF"),
        (f"arena={ARENA}", f"/maps/arenas/{ARENA}"),
        (f"challenge={CHALLENGE}&size_by=betweenness", f"/maps/challenges/{CHALLENGE}?size_by=betweenness"),
        # The subject button decides when several subjects are filled in.
        (f"subject=arena&area=1881&actor={ACTOR}&arena={ARENA}&depth=3", f"/maps/arenas/{ARENA}"),
        (f"subject=area&area=1881&actor={ACTOR}&arena={ARENA}&depth=3", "/maps/municipalities/1881"),
    ],
)
def test_each_subject_frames_its_map_route_with_the_chosen_filters(
    client: FlaskClient, demo_graph: Graph, query: str, expected: str
) -> None:
    response = client.get(f"/karta?{query}")
    assert response.status_code == 200
    src = frame_src(response.get_data(as_text=True))
    assert src == expected
    # The route takes what the frame asks for.
    framed = client.get(src)
    assert framed.status_code == 200
    assert framed.headers["Content-Type"] == "text/html; charset=utf-8"


def test_the_frame_shows_what_the_filters_choose(client: FlaskClient, demo_graph: Graph) -> None:
    page = client.get(f"/karta?actor={ACTOR}&depth=2&types=MEMBER_OF").get_data(as_text=True)
    assert "Kumla Pensionärsförening Linden" in page
    assert re.search(r'<option value="2" selected>', page), "the chosen depth stays chosen"
    assert re.search(r'id="types-MEMBER_OF" name="types" value="MEMBER_OF" checked', page)
    assert not re.search(r'id="types-FUNDS" name="types" value="FUNDS" checked', page)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (f"actor={ACTOR}&depth=4", "Djupet ska vara 1–3 / Depth must be 1–3."),
        (f"actor={ACTOR}&depth=två", "Djupet ska vara ett heltal 1–3"),
        (f"actor={ACTOR}&valid_at=2025-13-01", "Ogiltigt datum, skriv ÅÅÅÅ-MM-DD"),
        (f"actor={ACTOR}&types=DEPENDS_ON,HACKS", "Okänd relationstyp / Unknown relationship type: HACKS."),
        ("area=1881&size_by=colour", "Storlek efter degree eller betweenness"),
        ("area=18a", "Ett läns kod (2 siffror) eller en kommuns (4 siffror)"),
        ("area=1881&interest_area=nope", "Okänt verksamhetsområde / Unknown interest area."),
        ("subject=galaxy&area=1881", "Välj aktör, område, arena eller utmaning"),
    ],
)
def test_bad_values_are_a_422_page_with_the_reason(
    client: FlaskClient, demo_graph: Graph, query: str, message: str
) -> None:
    response = client.get(f"/karta?{query}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page
    assert htmllib.escape(message, quote=False) in page
    assert frame_src(page) is None, "no map for values the route would refuse"
    assert 'id="area"' in page, "the form is back for a correction"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("actor=no-such-actor", "Aktören finns inte."),
        ("area=9999", "Kommunen eller länet finns inte."),
        ("area=99", "Kommunen eller länet finns inte."),
        ("arena=no-such-arena", "Arenan finns inte."),
        ("challenge=no-such-challenge", "Samhällsutmaningen finns inte."),
    ],
)
def test_an_unknown_subject_is_a_404_page(client: FlaskClient, demo_graph: Graph, query: str, message: str) -> None:
    response = client.get(f"/karta?{query}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and message in page
    assert frame_src(page) is None


def test_english_labels_and_messages(client: FlaskClient, demo_graph: Graph) -> None:
    page = client.get("/karta?area=18a&lang=en").get_data(as_text=True)
    assert "Map explorer" in page and "Please check these fields:" in page
    assert "Show the area&#39;s map" in page and "Depth" in page


def test_a_name_search_links_to_the_actors_map(client: FlaskClient, demo_graph: Graph) -> None:
    page = client.get("/karta?subject=actor&q=linden&depth=2").get_data(as_text=True)
    assert frame_src(page) is None, "no actor chosen yet"
    links = re.findall(r'<a class="name" href="([^"]+)">([^<]+)</a>', page)
    href = next(htmllib.unescape(h) for h, name in links if name == "Kumla Pensionärsförening Linden")
    assert f"actor={ACTOR}" in href and "depth=2" in href and "q=" not in href
    chosen = client.get(href)
    assert chosen.status_code == 200
    assert frame_src(chosen.get_data(as_text=True)) == f"/maps/actors/{ACTOR}?depth=2"


def test_no_subject_is_an_empty_explorer(client: FlaskClient, demo_graph: Graph) -> None:
    response = client.get("/karta")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert frame_src(page) is None and "för att se en karta" in page
    # The demo's arenas and challenges are offered.
    assert f'<option value="{ARENA}"' in page and f'<option value="{CHALLENGE}"' in page


def test_the_area_narrows_the_arenas_and_challenges_offered(client: FlaskClient, demo_graph: Graph) -> None:
    page = client.get("/karta?area=1881").get_data(as_text=True)
    assert f'<option value="{ARENA}"' in page, "Kumla's arena"
    assert f'<option value="{CHALLENGE}"' not in page, "Askersund's challenge is elsewhere"


def test_the_download_link_gives_an_attachment(client: FlaskClient, demo_graph: Graph) -> None:
    for query, filename in (
        ("area=1881&target_group=elderly", "karta-municipality-1881.html"),
        (f"actor={ACTOR}&depth=2", f"karta-actor-{ACTOR}.html"),
        (f"challenge={CHALLENGE}", f"karta-challenge-{CHALLENGE}.html"),
    ):
        page = client.get(f"/karta?{query}").get_data(as_text=True)
        href = download_href(page)
        assert href.startswith(frame_src(page) or "-") and href.endswith("download=1")
        response = client.get(href)
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_the_search_pages_map_link_opens_the_explorer_with_the_area(client: FlaskClient, demo_graph: Graph) -> None:
    search = client.get("/?area=1881&target_group=elderly&sector=civil").get_data(as_text=True)
    match = re.search(r'<a class="button" href="([^"]+)">Visa dessa på en karta</a>', search)
    assert match
    page = client.get(htmllib.unescape(match.group(1))).get_data(as_text=True)
    assert '<option value="1881" selected>' in page
    assert '<option value="elderly" selected>' in page
    assert frame_src(page) == "/maps/municipalities/1881?target_group=elderly"


def test_a_hostile_name_is_text(admin_client: FlaskClient, client: FlaskClient, demo_graph: Graph) -> None:
    hostile = '<img src=x onerror=alert(1)>"><script>alert(2)</script> Linden'
    created = admin_client.post(
        "/api/v1/actors", json={"name": hostile, "sector": "civil", "kind": "association", "municipality": "1881"}
    )
    assert created.status_code == 201, created.get_json()
    actor_id = created.get_json()["id"]
    for url in (f"/karta?actor={actor_id}", "/karta?q=linden"):
        page = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in page and "<script>alert" not in page, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, url


def test_past_the_cap_the_frame_says_how_to_filter(
    client: FlaskClient, demo_graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maps, "MAX_NODES", 3)
    page = client.get("/karta?area=1881").get_data(as_text=True)
    src = frame_src(page)
    assert src
    # What a browser's frame asks for: a page, with the map's own message about the filters.
    framed = client.get(src, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert framed.status_code == 422
    assert framed.mimetype == "text/html"
    text = framed.get_data(as_text=True)
    assert 'role="alert"' in text and "fler än 3" in text and "interest_area" in text
    # API clients still get the one JSON shape.
    assert client.get(src, headers={"Accept": "application/json"}).get_json()["errors"]["max_nodes"] == 3


def test_a_missing_subject_in_a_frame_is_a_page_too(client: FlaskClient, demo_graph: Graph) -> None:
    framed = client.get("/maps/arenas/finns-inte", headers={"Accept": "text/html"})
    assert framed.status_code == 404 and framed.mimetype == "text/html"
    assert "Arenan finns inte" in framed.get_data(as_text=True)


def test_every_control_is_labelled_and_nothing_is_loaded_from_outside(client: FlaskClient, demo_graph: Graph) -> None:
    page = client.get(f"/karta?actor={ACTOR}&q=kumla").get_data(as_text=True)
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', page)
    assert len(ids) >= 10
    for control in ids:
        assert f'for="{control}"' in page, control
    assert "<script" not in page
    assert re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", page) == []
    assert 'aria-current="page"' in page and "Kartutforskaren" in page
