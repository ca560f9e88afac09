"""The actor page's relationships, grouped as the API groups them, and its history, shown only to
those the history API answers."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from flask.testing import FlaskClient

from registry.db import Graph
from registry.demo import demo_id
from registry.web.pages import RELATIONSHIP_GROUPS, relationship_group
from tests.auth_support import MEMBER, NON_MEMBER, PUBLIC_ACTOR, UMBRELLA, Tokens, bearer, member_etag

ITEM = re.compile(r'<li data-group="(\w+)" data-other="([^"]+)"(?: class="ended")?>(.*?)</li>', re.S)


def page_items(html: str) -> list[tuple[str, str, str]]:
    return ITEM.findall(html)


def api_groups(client: FlaskClient, actor_id: str) -> Counter[tuple[str, str]]:
    grouped = client.get(f"/api/v1/actors/{actor_id}/relationships").get_json()
    return Counter((relationship_group(item), item["other"]["id"]) for items in grouped.values() for item in items)


@pytest.mark.parametrize("key", ["kumla-kommun", "kumla-pensionarsforening-linden", "bergslagens-foreningsrad"])
def test_relationships_are_grouped_as_the_api_answers(client: FlaskClient, demo_graph: Graph, key: str) -> None:
    actor_id = demo_id(key)
    expected = api_groups(client, actor_id)
    assert expected, "the demo actor has relationships"
    html = client.get(f"/aktorer/{actor_id}").get_data(as_text=True)
    shown = Counter((group, other) for group, other, _ in page_items(html))
    assert shown == expected
    # Every group has its heading, in the report's order, and says so when it is empty.
    positions = [html.index(f'id="rel-{group}"') for group in RELATIONSHIP_GROUPS]
    assert positions == sorted(positions)
    empty = [g for g in RELATIONSHIP_GROUPS if not any(group == g for group, _ in expected)]
    assert html.count("Inga registrerade.") == len(empty)


def test_kumla_kommun_shows_many_kinds_with_their_key_properties(client: FlaskClient, demo_graph: Graph) -> None:
    grouped = client.get(f"/api/v1/actors/{PUBLIC_ACTOR}/relationships").get_json()
    html = client.get(f"/aktorer/{PUBLIC_ACTOR}").get_data(as_text=True)
    items = page_items(html)
    assert len({group for group, _, _ in items}) >= 4, "the municipality has several kinds of relationship"

    def text_of(group: str, other: str) -> str:
        # Only ASCII white space folded: amounts are grouped with narrow no-break spaces.
        return " ".join(re.sub(r"[ \t\n]+", " ", body) for g, o, body in items if g == group and o == other)

    for grant in grouped["FUNDS"]:
        text = text_of("funding", grant["other"]["id"])
        assert str(grant["properties"]["year"]) in text
        assert ("Finansierar" if grant["direction"] == "out" else "Finansieras av") in text
        if grant["properties"].get("amount_sek"):
            assert f"{grant['properties']['amount_sek']:,}".replace(",", "\u202f") + " kr" in text
    for dependency in grouped["DEPENDS_ON"]:
        text = text_of(dependency["properties"]["kind"], dependency["other"]["id"])
        assert dependency["other"]["name"] in text
        if dependency["properties"]["kind"] == "power":
            assert ("Beroende av" if dependency["direction"] == "out" else "Har makt över") in text
    for engagement in grouped["ENGAGED_IN"]:
        assert "steg: " in text_of("challenges", engagement["other"]["id"])
    for perception in grouped["PERCEIVES"]:
        assert "värdering " in text_of("perceptions", perception["other"]["id"])
    # Other actors link to their pages; arenas and challenges to their maps in the explorer.
    for arena in grouped["PARTICIPATES_IN"]:
        assert f'href="/karta?arena={arena["other"]["id"]}"' in html


def test_memberships_both_ways(client: FlaskClient, demo_graph: Graph) -> None:
    member = client.get(f"/aktorer/{MEMBER}").get_data(as_text=True)
    text = next(body for group, other, body in page_items(member) if group == "memberships" and other == UMBRELLA)
    assert "Medlem i" in text and f'href="/aktorer/{UMBRELLA}"' in text
    umbrella = client.get(f"/aktorer/{UMBRELLA}").get_data(as_text=True)
    text = next(body for group, other, body in page_items(umbrella) if group == "memberships" and other == MEMBER)
    assert "Har som medlem" in text


def test_english_group_labels(client: FlaskClient, demo_graph: Graph) -> None:
    html = client.get(f"/aktorer/{PUBLIC_ACTOR}?lang=en").get_data(as_text=True)
    for label in ("Dependencies", "Power (asymmetric)", "Funding", "Perceptions", "Agreements", "Memberships"):
        assert label in html


def test_a_hostile_name_at_the_other_end_is_text(client: FlaskClient, demo_graph: Graph, tokens: Tokens) -> None:
    hostile = '<img src=x onerror=alert(1)>"><script>alert(2)</script>'
    created = client.post(
        "/api/v1/actors",
        json={"name": hostile, "sector": "civil", "kind": "association", "municipality": "1881"},
        headers=bearer(tokens.admin),
    )
    assert created.status_code == 201, created.get_json()
    rel = client.post(
        "/api/v1/relationships",
        json={"type": "PERCEIVES", "from": created.get_json()["id"], "to": PUBLIC_ACTOR, "properties": {"valence": -1}},
        headers=bearer(tokens.coordinator),
    )
    assert rel.status_code == 201, rel.get_json()
    html = client.get(f"/aktorer/{PUBLIC_ACTOR}").get_data(as_text=True)
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "värdering \u22121" in html


def _change_member(client: FlaskClient, tokens: Tokens) -> None:
    path = f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}"
    tag = member_etag(client, tokens.umbrella, UMBRELLA, MEMBER)
    response = client.patch(path, json={"member_count": 77}, headers=bearer(tokens.umbrella, **{"If-Match": tag}))
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    ("who", "actor", "shown"),
    [
        ("anonymous", MEMBER, False),
        ("reader", MEMBER, False),
        ("other_umbrella", MEMBER, False),
        ("umbrella", NON_MEMBER, False),
        ("umbrella", MEMBER, True),
        ("coordinator", MEMBER, True),
        ("admin", MEMBER, True),
    ],
)
def test_history_only_for_those_the_history_api_answers(
    client: FlaskClient,
    demo_graph: Graph,
    tokens: Tokens,
    who: str,
    actor: str,
    shown: bool,
) -> None:
    _change_member(client, tokens)
    headers = bearer(tokens.by_name(who))
    html = client.get(f"/aktorer/{actor}", headers=headers).get_data(as_text=True)
    api = client.get(f"/api/v1/actors/{actor}/history", headers=headers)
    assert ("Ändringshistorik" in html) is shown
    assert (api.status_code == 200) is shown, "the page and the API apply one rule"
    if shown:
        rows = re.findall(r"<tr>\s*<td>", html)
        assert len(rows) == len(api.get_json())
        assert "member_count: – → 77" in html or re.search(r"member_count: \d+ → 77", html)
        assert "Bergslagens föreningsråd" in html


def test_history_pages_through_every_change(
    client: FlaskClient,
    demo_graph: Graph,
    tokens: Tokens,
) -> None:
    """Past 50 changes the page shows the latest 50 and links to the older ones; no change is hidden."""
    headers = bearer(tokens.admin)
    for count in range(61):
        etag = client.get(f"/api/v1/actors/{MEMBER}", headers=headers).headers["ETag"]
        answer = client.patch(
            f"/api/v1/actors/{MEMBER}", json={"member_count": count}, headers={**headers, "If-Match": etag}
        )
        assert answer.status_code == 200, answer.get_json()
    api = client.get(f"/api/v1/actors/{MEMBER}/history", headers=headers)
    total = json.loads(api.headers["X-Pagination"])["total"]
    assert total >= 61

    first = client.get(f"/aktorer/{MEMBER}", headers=headers).get_data(as_text=True)
    assert len(re.findall(r"<tr>\s*<td>", first)) == 50
    assert f"Ändring 1–50 av {total}, senaste först." in first
    assert "member_count: 59 → 60" in first  # the latest change is on the first page
    assert f'href="/aktorer/{MEMBER}?history_page=2#history-heading" rel="next"' in first
    assert 'rel="prev"' not in first

    second = client.get(f"/aktorer/{MEMBER}?history_page=2", headers=headers).get_data(as_text=True)
    assert len(re.findall(r"<tr>\s*<td>", second)) == total - 50
    assert f"Ändring 51–{total} av {total}" in second
    assert "member_count: – → 0" in second or re.search(r"member_count: \d+ → 0<", second)
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # A page past the end shows the last one; nonsense shows the first.
    assert f"Ändring 51–{total}" in client.get(f"/aktorer/{MEMBER}?history_page=99", headers=headers).get_data(
        as_text=True
    )
    assert "Ändring 1–50" in client.get(f"/aktorer/{MEMBER}?history_page=x", headers=headers).get_data(as_text=True)
