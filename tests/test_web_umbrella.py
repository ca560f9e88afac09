"""The umbrella member page through Flask's test client: sign-in with a token, the session, CSRF,
editing a member (saved, audited, never a lost update), escaping, scoping, and the list upload."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.app import create_app
from registry.dao.imports import ImportDao
from registry.dao.tokens import TokenDao
from registry.db import Graph
from registry.domain import normalize
from registry.identity import Channel, Principal, Role, Writer
from tests.auth_support import (
    MEMBER,
    NON_MEMBER,
    OTHER_MEMBER,
    PUBLIC_ACTOR,
    UMBRELLA,
    Tokens,
    bearer,
    member_etag,
    pending_membership,
)
from tests.import_helpers import FIXTURES

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ETAG = re.compile(r'name="etag" value="([^"]+)"')


@pytest.fixture(autouse=True)
def name_keys(demo_graph: Graph) -> Graph:
    """The graph as any earlier import leaves it: every actor has the name key that matching by
    name looks up. (A dry run writes nothing, so it cannot add keys the demo loader left out.)"""
    ImportDao(demo_graph).backfill_name_keys(normalize.name_key)
    return demo_graph


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the form"
    return found.group(1)


@pytest.fixture
def page(app: Flask, tmp_path: Path) -> FlaskClient:
    app.config["UMBRELLA_UPLOAD_DIR"] = str(tmp_path / "uploads")
    return app.test_client()


def _sign_in(client: FlaskClient, token: str) -> FlaskClient:
    form = client.get("/paraply/logga-in")
    assert form.status_code == 200
    response = client.post("/paraply/logga-in", data={"token": token, "csrf_token": _csrf(form.text)})
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith("/paraply/")
    return client


def _member_form(client: FlaskClient, member_id: str) -> dict[str, Any]:
    """The edit form's fields as the page filled them in, ticked boxes included."""
    response = client.get(f"/paraply/medlemmar/{member_id}")
    assert response.status_code == 200, response.text
    html = response.text
    fields: dict[str, Any] = {"target_groups": re.findall(r'name="target_groups" value="([^"]+)" checked', html)}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        if name != "target_groups":
            fields[name] = value
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html, re.S):
        fields[name] = value
    fields["csrf_token"], fields["etag"] = _csrf(html), _ETAG.search(html).group(1)  # type: ignore[union-attr]
    return fields


def _open_members(graph: Graph) -> int:
    row = graph.read_one(
        "MATCH ()-[r:MEMBER_OF]->(:Actor {id: $u}) WHERE r.until IS NULL RETURN count(r) AS n", u=UMBRELLA
    )
    return int(row["n"]) if row else 0


def _member(graph: Graph, member_id: str) -> dict:
    row = graph.read_one("MATCH (a:Actor {id: $id}) RETURN a {.*} AS a", id=member_id)
    assert row is not None
    # Match keys are the importer's index (importers.resolve), refreshed on every import: not data.
    return {k: v for k, v in row["a"].items() if k != "match_keys"}


# -- signing in -------------------------------------------------------------------------------
def test_a_bad_token_is_refused_with_a_message(demo_graph: Graph, page: FlaskClient, tokens: Tokens) -> None:
    form = page.get("/paraply/logga-in?lang=sv")
    assert 'type="password"' in form.text and '<label for="token">' in form.text
    for presented in ("not-a-token", tokens.umbrella[:-4] + "AAAA"):
        response = page.post("/paraply/logga-in", data={"token": presented, "csrf_token": _csrf(form.text)})
        assert response.status_code == 401
        assert "Ogiltig eller återkallad token." in response.text
    # Nobody is signed in: the member page sends the browser to the sign-in.
    assert page.get("/paraply/").status_code == 302


def test_only_umbrella_tokens_sign_in(demo_graph: Graph, page: FlaskClient, tokens: Tokens) -> None:
    form = page.get("/paraply/logga-in")
    response = page.post("/paraply/logga-in", data={"token": tokens.admin, "csrf_token": _csrf(form.text)})
    assert response.status_code == 403
    assert "bara för paraplyorganisationer" in response.text
    assert page.get("/paraply/").status_code == 302


def test_the_session_cookie_is_http_only_and_lax(demo_graph: Graph, page: FlaskClient, tokens: Tokens) -> None:
    form = page.get("/paraply/logga-in")
    response = page.post("/paraply/logga-in", data={"token": tokens.umbrella, "csrf_token": _csrf(form.text)})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert tokens.umbrella not in cookie, "the token itself never goes into the cookie"
    members = page.get("/paraply/")
    assert members.status_code == 200
    assert members.headers["Cache-Control"] == "no-store"


def test_a_revoked_token_ends_the_session_and_sign_out_ends_it_too(
    demo_graph: Graph,
    page: FlaskClient,
    tokens: Tokens,
) -> None:
    _sign_in(page, tokens.umbrella)
    assert page.get("/paraply/").status_code == 200
    TokenDao(demo_graph).revoke(
        tokens.umbrella.split("_")[1], writer=Writer(Principal(Role.ADMIN, name="test"), Channel.CLI)
    )
    gone = page.get("/paraply/")
    assert gone.status_code == 302 and "expired=1" in gone.headers["Location"]

    again = page.application.test_client()
    _sign_in(again, tokens.other_umbrella)
    members = again.get("/paraply/")
    out = again.post("/paraply/logga-ut", data={"csrf_token": _csrf(members.text)})
    assert out.status_code == 302
    assert again.get("/paraply/").status_code == 302


# -- CSRF ---------------------------------------------------------------------------------------
def test_forms_without_the_csrf_token_are_400_and_change_nothing(
    demo_graph: Graph,
    page: FlaskClient,
    tokens: Tokens,
) -> None:
    page.get("/paraply/logga-in")
    assert page.post("/paraply/logga-in", data={"token": tokens.umbrella}).status_code == 400
    _sign_in(page, tokens.umbrella)
    fields = _member_form(page, MEMBER)
    fields["member_count"] = "999"
    fields.pop("csrf_token")
    refused = page.post(f"/paraply/medlemmar/{MEMBER}", data=fields)
    assert refused.status_code == 400
    assert "Formuläret har gått ut" in refused.text
    forged = page.post(f"/paraply/medlemmar/{MEMBER}", data={**fields, "csrf_token": "forged"})
    assert forged.status_code == 400
    assert _member(demo_graph, MEMBER).get("member_count") != 999


def test_the_api_needs_no_csrf_token_even_with_a_session_cookie(
    demo_graph: Graph,
    page: FlaskClient,
    tokens: Tokens,
) -> None:
    _sign_in(page, tokens.umbrella)
    etag = member_etag(page, tokens.umbrella, UMBRELLA, MEMBER)
    response = page.patch(
        f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}",
        json={"member_count": 31},
        headers=bearer(tokens.umbrella, **{"If-Match": etag}),
    )
    assert response.status_code == 200, response.get_json()
    # The session alone is no API credential.
    anonymous = page.patch(
        f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}", json={"member_count": 32}, headers={"If-Match": etag}
    )
    assert anonymous.status_code == 401


def test_signed_in_the_actor_pages_show_the_own_members_history_and_no_one_elses(
    demo_graph: Graph,
    page: FlaskClient,
    tokens: Tokens,
) -> None:
    assert "Ändringshistorik" not in page.get(f"/aktorer/{MEMBER}").text
    _sign_in(page, tokens.umbrella)
    own, other = page.get(f"/aktorer/{MEMBER}").text, page.get(f"/aktorer/{NON_MEMBER}").text
    assert "Ändringshistorik" in own
    assert "Ändringshistorik" not in other
    page.post("/paraply/logga-ut", data={"csrf_token": _csrf(page.get("/paraply/").text)})
    assert "Ändringshistorik" not in page.get(f"/aktorer/{MEMBER}").text


# -- editing ----------------------------------------------------------------------------------
def test_an_edit_is_saved_and_recorded_in_the_audit_trail(
    demo_graph: Graph,
    page: FlaskClient,
    tokens: Tokens,
) -> None:
    _sign_in(page, tokens.umbrella)
    fields = _member_form(page, MEMBER)
    assert fields["contact-0-name"], "the umbrella sees its member's contact persons"
    fields.update(member_count="412", phones="070-174 06 40", activities="Boule och studiecirklar")
    saved = page.post(f"/paraply/medlemmar/{MEMBER}", data={**fields, "target_groups": ["elderly"]})
    assert saved.status_code == 302, saved.text
    after = _member(demo_graph, MEMBER)
    assert after["member_count"] == 412
    assert after["activities"] == "Boule och studiecirklar"
    assert after["phones"] == ["+46701740640"]
    event = demo_graph.read_one(
        "MATCH (e:AuditEvent {action: 'actor.update', subject_id: $id}) "
        "RETURN e.token_id AS token, e.role AS role, e.actor_id AS umbrella, e.before AS before, e.after AS after",
        id=MEMBER,
    )
    assert event is not None
    assert event["token"] == tokens.umbrella.split("_")[1] and event["role"] == "umbrella"
    assert event["umbrella"] == UMBRELLA
    assert '"member_count": 412' in event["after"]
    # Fields the form did not change are not written, so they are not in the event either.
    assert "emails" not in event["after"]
    listed = page.get(saved.headers["Location"])
    assert "Ändringarna sparades." in listed.text


def test_removing_and_adding_contact_persons(demo_graph: Graph, page: FlaskClient, tokens: Tokens) -> None:
    _sign_in(page, tokens.umbrella)
    fields = _member_form(page, MEMBER)
    assert fields["contact-1-name"] and not fields["contact-2-name"]
    for key in ("name", "role", "email", "phone"):
        fields[f"contact-0-{key}"] = ""
    fields.update({"contact-2-name": "Ny Kontakt", "contact-2-email": "ny.kontakt@linden-kumla.example"})
    assert page.post(f"/paraply/medlemmar/{MEMBER}", data=fields).status_code == 302
    names = demo_graph.read_one(
        "MATCH (:Actor {id: $id})-[:HAS_CONTACT]->(c) RETURN collect(c.name) AS names, collect(c.email) AS emails",
        id=MEMBER,
    )
    assert names is not None and len(names["names"]) == 2 and "Ny Kontakt" in names["names"]


def test_invalid_input_is_shown_again_with_the_reason(demo_graph: Graph, page: FlaskClient, tokens: Tokens) -> None:
    _sign_in(page, tokens.umbrella)
    fields = _member_form(page, MEMBER)
    fields.update(member_count="many", postal_code="<b>1</b>")
    response = page.post(f"/paraply/medlemmar/{MEMBER}", data=fields)
    assert response.status_code == 422
    assert "Rätta uppgifterna nedan" in response.text and "member_count" in response.text
    assert "&lt;b&gt;1&lt;/b&gt;" in response.text and "<b>1</b>" not in response.text


def test_a_concurrent_edit_gives_changed_meanwhile_not_a_lost_update(
    demo_graph: Graph,
    page: FlaskClient,
    tokens: Tokens,
) -> None:
    _sign_in(page, tokens.umbrella)
    fields = _member_form(page, MEMBER)
    # Someone else saves the member through the API after the form was loaded.
    etag = member_etag(page, tokens.admin, UMBRELLA, MEMBER)
    other = page.patch(
        f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}",
        json={"member_count": 250},
        headers=bearer(tokens.admin, **{"If-Match": etag}),
    )
    assert other.status_code == 200
    fields["activities"] = "Min ändring"
    response = page.post(f"/paraply/medlemmar/{MEMBER}", data=fields)
    assert response.status_code == 412
    assert "Någon annan ändrade medlemmen" in response.text
    assert "Min ändring" in response.text, "what the officer tried to save is shown, not lost"
    after = _member(demo_graph, MEMBER)
    assert after["member_count"] == 250 and after.get("activities") != "Min ändring"
    # The form now carries the new state's tag: saving again works.
    retry = _member_form(page, MEMBER)
    retry["activities"] = "Min ändring"
    assert page.post(f"/paraply/medlemmar/{MEMBER}", data=retry).status_code == 302
    assert _member(demo_graph, MEMBER)["member_count"] == 250


def test_another_umbrellas_member_is_403_and_unchanged(demo_graph: Graph, page: FlaskClient, tokens: Tokens) -> None:
    _sign_in(page, tokens.umbrella)
    fields = _member_form(page, MEMBER)
    before = _member(demo_graph, OTHER_MEMBER)
    assert page.get(f"/paraply/medlemmar/{OTHER_MEMBER}").status_code == 403
    response = page.post(f"/paraply/medlemmar/{OTHER_MEMBER}", data={**fields, "member_count": "5"})
    assert response.status_code == 403
    assert "inte medlem i er paraplyorganisation" in response.text
    assert _member(demo_graph, OTHER_MEMBER) == before


def test_a_hostile_member_name_renders_as_text(demo_graph: Graph, page: FlaskClient, tokens: Tokens) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    demo_graph.write("MATCH (a:Actor {id: $id}) SET a.name = $name", id=MEMBER, name=hostile)
    _sign_in(page, tokens.umbrella)
    for path in ("/paraply/", f"/paraply/medlemmar/{MEMBER}"):
        html = page.get(path).text
        assert "&lt;script&gt;alert(" in html
        assert "<script>alert" not in html and "<img src=x" not in html


# -- the member list --------------------------------------------------------------------------
def test_upload_shows_the_preview_then_applies(demo_graph: Graph, page: FlaskClient, tokens: Tokens) -> None:
    _sign_in(page, tokens.umbrella)
    listing = page.get("/paraply/")
    assert "Kumla Pensionärsförening Linden" in listing.text
    content = (FIXTURES / "members" / "bergslagen-2026.csv").read_bytes()
    members_before = _open_members(demo_graph)
    preview = page.post(
        "/paraply/medlemslista",
        data={"file": (io.BytesIO(content), "medlemmar.csv"), "sync": "on", "csrf_token": _csrf(listing.text)},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200, preview.text
    assert "Inget är sparat ännu" in preview.text
    # Two of the list are members already, three are new; the other eleven members would end.
    assert re.search(r'id="preview-created">3<', preview.text)
    assert re.search(r'id="preview-ended">11<', preview.text)
    assert "Genomför" in preview.text
    assert _open_members(demo_graph) == members_before
    applied = page.post("/paraply/medlemslista/genomfor", data={"csrf_token": _csrf(preview.text)})
    assert applied.status_code == 200, applied.text
    assert "är inläst" in applied.text
    assert _open_members(demo_graph) == 5
    # The stored upload is gone: applying twice is not possible.
    twice = page.post("/paraply/medlemslista/genomfor", data={"csrf_token": _csrf(preview.text)})
    assert twice.status_code == 409


def test_an_unreadable_upload_shows_the_reason(demo_graph: Graph, page: FlaskClient, tokens: Tokens) -> None:
    _sign_in(page, tokens.umbrella)
    listing = page.get("/paraply/")
    garbage = (FIXTURES / "malformed" / "garbage.bin").read_bytes()
    response = page.post(
        "/paraply/medlemslista",
        data={"file": (io.BytesIO(garbage), "lista.csv"), "csrf_token": _csrf(listing.text)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Filen kunde inte läsas in" in response.text and "inte text" in response.text
    assert "Genomför" not in response.text


def test_a_municipality_on_the_list_is_shown_but_not_editable(
    demo_graph: Graph,
    page: FlaskClient,
    tokens: Tokens,
) -> None:
    # A coordinator records that the municipality joined the umbrella.
    joined = page.post(
        f"/api/v1/umbrellas/{UMBRELLA}/members", json={"member_id": PUBLIC_ACTOR}, headers=bearer(tokens.coordinator)
    )
    assert joined.status_code == 201
    _sign_in(page, tokens.umbrella)
    html = page.get("/paraply/").text
    row = html[html.index(f'id="member-{PUBLIC_ACTOR}"') :].split("</li>\n", 1)[0]
    assert "Kumla kommun" in row
    assert "/paraply/medlemmar/" not in row and "Kontaktpersoner" not in row
    assert page.get(f"/paraply/medlemmar/{PUBLIC_ACTOR}").status_code == 403


# -- consent and sessions (issue 15) ------------------------------------------------------------
def test_a_pending_member_is_listed_as_waiting_and_not_editable(
    demo_graph: Graph,
    page: FlaskClient,
    tokens: Tokens,
) -> None:
    pending_membership(demo_graph, OTHER_MEMBER)
    _sign_in(page, tokens.umbrella)
    html = page.get("/paraply/").text
    row = html[html.index(f'id="member-{OTHER_MEMBER}"') :].split("</li>\n", 1)[0]
    assert "Väntar på bekräftelse" in row
    assert "/paraply/medlemmar/" not in row and "Kristoffer Melin" not in row
    assert page.get(f"/paraply/medlemmar/{OTHER_MEMBER}").status_code == 403
    english = page.get("/paraply/?lang=en").text
    assert "Awaiting confirmation" in english
    # The actor page shows the signed-in umbrella no contact persons and no history of it either.
    actor_page = page.get(f"/aktorer/{OTHER_MEMBER}").text
    assert "Kristoffer Melin" not in actor_page and "Ändringshistorik" not in actor_page


def test_a_former_members_actor_page_shows_no_contacts(demo_graph: Graph, page: FlaskClient, tokens: Tokens) -> None:
    _sign_in(page, tokens.umbrella)
    assert "Lennart Rydholm" in page.get(f"/aktorer/{MEMBER}?lang=sv").text
    demo_graph.write(
        "MATCH (:Actor {id: $m})-[r:MEMBER_OF]->(:Actor {id: $u}) SET r.until = '2024-12-31'", m=MEMBER, u=UMBRELLA
    )
    former = page.get(f"/aktorer/{MEMBER}?lang=sv").text
    assert "Lennart Rydholm" not in former and "Ändringshistorik" not in former


def test_a_copied_cookie_is_refused_after_sign_out(demo_graph: Graph, page: FlaskClient, tokens: Tokens) -> None:
    _sign_in(page, tokens.umbrella)
    fields = _member_form(page, MEMBER)
    cookie = page.get_cookie("session")
    assert cookie is not None
    copy = page.application.test_client()
    copy.set_cookie("session", cookie.value)
    assert copy.get("/paraply/").status_code == 200, "the copy works while the session lasts"

    out = page.post("/paraply/logga-ut", data={"csrf_token": _csrf(page.get("/paraply/").text)})
    assert out.status_code == 302
    before = _member(demo_graph, MEMBER)
    assert copy.get("/paraply/").status_code == 302
    copy.set_cookie("session", cookie.value)  # the copy as it was taken, not as the refusal cleared it
    edit = copy.post(f"/paraply/medlemmar/{MEMBER}", data={**fields, "member_count": "5"})
    assert edit.status_code == 302 and "/paraply/logga-in" in edit.headers["Location"]
    assert _member(demo_graph, MEMBER) == before
    copy.set_cookie("session", cookie.value)
    assert "Ändringshistorik" not in copy.get(f"/aktorer/{MEMBER}").text
    # Signing in again starts a new session that works.
    _sign_in(page, tokens.umbrella)
    assert page.get("/paraply/").status_code == 200


def _cookie_header(client: FlaskClient, token: str, scheme: str = "http") -> str:
    base = f"{scheme}://localhost"
    form = client.get("/paraply/logga-in", base_url=base)
    # Over HTTPS, Flask-WTF also wants a same-origin Referer.
    response = client.post(
        "/paraply/logga-in",
        data={"token": token, "csrf_token": _csrf(form.text)},
        headers={"Referer": f"{base}/paraply/logga-in"},
        base_url=base,
    )
    assert response.status_code == 302, response.text
    return response.headers["Set-Cookie"]


def test_the_cookie_is_secure_over_https(app: Flask, demo_graph: Graph, tokens: Tokens) -> None:
    plain = _cookie_header(app.test_client(), tokens.umbrella)
    assert "Secure" not in plain, "a local http run keeps working"
    assert "; Secure" in _cookie_header(app.test_client(), tokens.umbrella, "https")
    # A forwarded scheme counts only from a proxy the configuration trusts.
    forwarded = app.test_client()
    forwarded.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"
    assert "Secure" not in _cookie_header(forwarded, tokens.umbrella)
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "; Secure" in _cookie_header(app.test_client(), tokens.umbrella)


def test_a_trusted_proxys_https_makes_the_cookie_secure(app: Flask, demo_graph: Graph, tokens: Tokens) -> None:
    behind = create_app(
        {
            **{k: app.config[k] for k in ("TESTING", "NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE")},
            "RATELIMIT_ENABLED": False,
            "REGISTRY_TRUSTED_PROXIES": 1,
        }
    )
    try:
        client = behind.test_client()
        client.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"  # the request itself is plain http
        form = client.get("/paraply/logga-in")
        response = client.post(
            "/paraply/logga-in",
            data={"token": tokens.umbrella, "csrf_token": _csrf(form.text)},
            headers={"Referer": "https://localhost/paraply/logga-in"},
        )
        assert response.status_code == 302, response.text
        assert "; Secure" in response.headers["Set-Cookie"]
    finally:
        behind.extensions["graph"].close()


def test_the_pages_upload_naming_another_umbrellas_member_writes_nothing_to_it(
    demo_graph: Graph,
    page: FlaskClient,
    tokens: Tokens,
) -> None:
    before = _member(demo_graph, OTHER_MEMBER)
    listed = (
        "Medlemsorganisation;Org.nr;Kommun;E-post;Kontaktperson\n"
        "IF Kåsan Karlskoga;802001-5510;Karlskoga;kapare@kapad.example;Kalle Kapare\n"
    )
    _sign_in(page, tokens.umbrella)
    preview = page.post(
        "/paraply/medlemslista",
        data={"file": (io.BytesIO(listed.encode()), "lista.csv"), "csrf_token": _csrf(page.get("/paraply/").text)},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200, preview.text
    assert re.search(r'id="preview-pending">1<', preview.text)
    applied = page.post("/paraply/medlemslista/genomfor", data={"csrf_token": _csrf(preview.text)})
    assert applied.status_code == 200, applied.text
    assert _member(demo_graph, OTHER_MEMBER) == before
    contacts = demo_graph.read("MATCH (:Actor {id: $id})-[:HAS_CONTACT]->(c) RETURN c.name AS name", id=OTHER_MEMBER)
    assert "Kalle Kapare" not in {c["name"] for c in contacts}
    assert "Väntar på bekräftelse" in page.get("/paraply/").text
