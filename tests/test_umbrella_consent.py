"""Membership is a claim that needs consent (issue 15, items 1 and 5): the attacks an outside test
made, reproduced against the real Neo4j, and the rule that an umbrella sees and edits only actors it
has rights over (a confirmed membership valid today, of a civil-society actor that is no umbrella).
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from registry.dao.actors import ActorDao
from registry.dao.imports import ImportDao
from registry.db import Graph
from registry.domain import normalize
from registry.identity import Role
from tests.auth_support import (
    MEMBER,
    NON_MEMBER,
    OTHER_MEMBER,
    OTHER_UMBRELLA,
    PUBLIC_ACTOR,
    UMBRELLA,
    Tokens,
    audit_count,
    bearer,
    issue_token,
    member_etag,
    pending_membership,
)

BASE = f"/api/v1/umbrellas/{UMBRELLA}/members"
OTHER_MEMBER_CONTACT = "Kristoffer Melin"  # IF Kåsan's contact person in the demo data
MEMBER_CONTACT = "Lennart Rydholm"
MUNICIPALITY_CONTACT = "Tomas Edgren"
# A valid, unused organisation number (Luhn), for the list that tries to set one.
FORGED_ORG_NUMBER = "802001-5510"
ATTACK_LIST = (
    "Medlemsorganisation;Org.nr;Kommun;E-post;Kontaktperson;Kontaktpersonens e-post\n"
    f"IF Kåsan Karlskoga;{FORGED_ORG_NUMBER};Karlskoga;kapare@kapad.example;Kalle Kapare;kalle@kapad.example\n"
)


@pytest.fixture(autouse=True)
def name_keys(demo_graph: Graph) -> Graph:
    """Every actor has the name key that matching by name looks up, as after any import."""
    ImportDao(demo_graph).backfill_name_keys(normalize.name_key)
    return demo_graph


def _actor(graph: Graph, actor_id: str) -> dict[str, Any]:
    row = graph.read_one(
        "MATCH (a:Actor {id: $id}) RETURN a {.*} AS a, "
        "[(a)-[:HAS_CONTACT]->(c) | c.name] AS contacts, "
        "[(a)-[r:MEMBER_OF]->(u) | [u.id, r.status, r.until]] AS memberships",
        id=actor_id,
    )
    assert row is not None
    return {**row["a"], "contact_names": sorted(row["contacts"]), "memberships": row["memberships"]}


def _membership(graph: Graph, member_id: str, umbrella_id: str = UMBRELLA) -> dict[str, Any] | None:
    row = graph.read_one(
        "MATCH (:Actor {id: $m})-[r:MEMBER_OF]->(:Actor {id: $u}) RETURN r {.*} AS r ORDER BY r.until DESC LIMIT 1",
        m=member_id,
        u=umbrella_id,
    )
    return row["r"] if row else None


def _upload(client: FlaskClient, token: str, content: str, **form: str) -> TestResponse:
    data: dict[str, Any] = {"file": (io.BytesIO(content.encode()), "medlemmar.csv"), **form}
    return client.post(f"{BASE}/import", data=data, headers=bearer(token), content_type="multipart/form-data")


def _sees_contacts(client: FlaskClient, token: str, actor_id: str) -> bool:
    """Whether any of the umbrella's ways to read an actor shows its contact persons: the actor API,
    the JSON export, and the history (403 for actors it has no rights over)."""
    actor = client.get(f"/api/v1/actors/{actor_id}", headers=bearer(token))
    assert actor.status_code == 200
    exported = client.get("/api/v1/actors/export?format=json", headers=bearer(token)).get_json()
    (row,) = [a for a in exported if a["id"] == actor_id]
    history = client.get(f"/api/v1/actors/{actor_id}/history", headers=bearer(token)).status_code
    shown = ["contacts" in actor.get_json(), "contacts" in row, history == 200]
    assert len(set(shown)) == 1, f"the actor API, the export and the history disagree: {shown}"
    return shown[0]


# -- item 1: the takeover through POST members ---------------------------------------------------
def test_posting_another_umbrellas_member_is_only_a_pending_claim(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    before = _actor(demo_graph, OTHER_MEMBER)
    response = client.post(BASE, json={"member_id": OTHER_MEMBER}, headers=bearer(tokens.umbrella))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["membership"]["status"] == "pending"
    assert "contacts" not in body, "a claim must not hand over the actor's contact persons"
    assert OTHER_MEMBER_CONTACT not in response.text
    one = client.get(f"{BASE}/{OTHER_MEMBER}", headers=bearer(tokens.umbrella))
    assert "contacts" not in one.get_json()
    listed = client.get(f"{BASE}?status=pending", headers=bearer(tokens.umbrella)).get_json()
    assert [m["id"] for m in listed] == [OTHER_MEMBER] and "contacts" not in listed[0]
    assert not _sees_contacts(client, tokens.umbrella, OTHER_MEMBER)

    # And no edits, by either route.
    tag = member_etag(client, tokens.umbrella, UMBRELLA, OTHER_MEMBER)
    takeover = {"website": "https://kapad.example", "contacts": [{"name": "Kalle Kapare"}]}
    headers = bearer(tokens.umbrella, **{"If-Match": tag})
    patched = client.patch(f"{BASE}/{OTHER_MEMBER}", json=takeover, headers=headers)
    assert patched.status_code == 403
    actor_tag = client.get(f"/api/v1/actors/{OTHER_MEMBER}", headers=bearer(tokens.umbrella)).headers["ETag"]
    direct = client.patch(
        f"/api/v1/actors/{OTHER_MEMBER}", json=takeover, headers=bearer(tokens.umbrella, **{"If-Match": actor_tag})
    )
    assert direct.status_code == 403
    after = _actor(demo_graph, OTHER_MEMBER)
    assert after["website"] == before["website"] and after["contact_names"] == before["contact_names"]
    # The other umbrella's own membership is untouched and still gives it its rights.
    assert _sees_contacts(client, tokens.other_umbrella, OTHER_MEMBER)


def test_an_umbrella_never_gains_rights_over_another_umbrella(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    events = audit_count(demo_graph)
    refused = client.post(BASE, json={"member_id": OTHER_UMBRELLA}, headers=bearer(tokens.umbrella))
    assert refused.status_code == 403
    assert audit_count(demo_graph) == events and _membership(demo_graph, OTHER_UMBRELLA) is None
    # A coordinator may record that one umbrella joined another (a federation), confirmed at once,
    # but that gives the first no rights over the second: not its contacts, not its edits.
    recorded = client.post(BASE, json={"member_id": OTHER_UMBRELLA}, headers=bearer(tokens.coordinator))
    assert recorded.status_code == 201 and recorded.get_json()["membership"]["status"] == "confirmed"
    assert not _sees_contacts(client, tokens.umbrella, OTHER_UMBRELLA)
    tag = member_etag(client, tokens.umbrella, UMBRELLA, OTHER_UMBRELLA)
    patched = client.patch(
        f"{BASE}/{OTHER_UMBRELLA}", json={"member_count": 1}, headers=bearer(tokens.umbrella, **{"If-Match": tag})
    )
    assert patched.status_code == 403


def test_confirming_gives_rights_declining_ends_the_claim(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    pending_membership(demo_graph, NON_MEMBER)
    decision = f"{BASE}/{NON_MEMBER}/decision"
    # Not the umbrella that asked, not another umbrella, not a reader.
    for token in (tokens.umbrella, tokens.other_umbrella, tokens.reader):
        assert client.post(decision, json={"decision": "confirm"}, headers=bearer(token)).status_code == 403
    assert client.post(decision, json={"decision": "maybe"}, headers=bearer(tokens.admin)).status_code == 422
    assert not _sees_contacts(client, tokens.umbrella, NON_MEMBER)

    confirmed = client.post(decision, json={"decision": "confirm"}, headers=bearer(tokens.coordinator))
    assert confirmed.status_code == 200, confirmed.get_json()
    membership = confirmed.get_json()["membership"]
    assert membership["status"] == "confirmed" and membership["decided_by"] == "test coordinator"
    assert client.post(decision, json={"decision": "decline"}, headers=bearer(tokens.admin)).status_code == 409
    assert _sees_contacts(client, tokens.umbrella, NON_MEMBER)
    tag = member_etag(client, tokens.umbrella, UMBRELLA, NON_MEMBER)
    patched = client.patch(
        f"{BASE}/{NON_MEMBER}", json={"member_count": 12}, headers=bearer(tokens.umbrella, **{"If-Match": tag})
    )
    assert patched.status_code == 200
    actions = [
        r["action"]
        for r in demo_graph.read(
            "MATCH (e:AuditEvent)-[:ABOUT]->(:Actor {id: $id}) WHERE e.action STARTS WITH 'membership' "
            "RETURN e.action AS action, e.role AS role ORDER BY e.at",
            id=NON_MEMBER,
        )
    ]
    assert actions == ["membership.add", "membership.confirm"]

    # Declining: the request ends (kept, with its decision), and gives nothing.
    pending_membership(demo_graph, NON_MEMBER, OTHER_UMBRELLA)
    other = f"/api/v1/umbrellas/{OTHER_UMBRELLA}/members/{NON_MEMBER}/decision"
    declined = client.post(other, json={"decision": "decline"}, headers=bearer(tokens.admin))
    assert declined.status_code == 200
    assert declined.get_json()["membership"]["status"] == "declined"
    assert declined.get_json()["membership"]["until"] == date.today().isoformat()
    assert not _sees_contacts(client, tokens.other_umbrella, NON_MEMBER)
    assert client.post(other, json={"decision": "confirm"}, headers=bearer(tokens.admin)).status_code == 404


def test_the_member_itself_may_confirm_with_its_own_token(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    pending_membership(demo_graph, NON_MEMBER)
    own = issue_token(demo_graph, Role.UMBRELLA, NON_MEMBER, name="IK Sjöängen")
    response = client.post(f"{BASE}/{NON_MEMBER}/decision", json={"decision": "confirm"}, headers=bearer(own))
    assert response.status_code == 200, response.get_json()
    assert (_membership(demo_graph, NON_MEMBER) or {})["status"] == "confirmed"


def test_existing_memberships_stay_confirmed(demo_graph: Graph, client: FlaskClient, tokens: Tokens) -> None:
    """Memberships recorded before consent existed have no status: they count as confirmed, so
    nothing changes for current users (no migration needed)."""
    assert "status" not in (_membership(demo_graph, MEMBER) or {})
    one = client.get(f"{BASE}/{MEMBER}", headers=bearer(tokens.umbrella)).get_json()
    assert one["membership"]["status"] == "confirmed" and "contacts" in one
    assert _sees_contacts(client, tokens.umbrella, MEMBER)


# -- item 1: the takeover through the member-list upload -----------------------------------------
def test_a_list_naming_another_umbrellas_member_writes_nothing_to_it(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    before = _actor(demo_graph, OTHER_MEMBER)
    assert before.get("org_number") is None
    preview = _upload(client, tokens.umbrella, ATTACK_LIST)
    assert preview.status_code == 200, preview.get_json()
    assert preview.get_json()["preview"]["pending"] == 1
    applied = _upload(client, tokens.umbrella, ATTACK_LIST, dry_run="false")
    assert applied.status_code == 200, applied.get_json()
    assert applied.get_json()["preview"]["matched"] == 1 and applied.get_json()["preview"]["created"] == 0
    after = _actor(demo_graph, OTHER_MEMBER)
    assert after.get("org_number") is None, "the list set the org number of an actor that is not its member"
    assert after["contact_names"] == before["contact_names"], "the list added a contact person"
    assert after["emails"] == before["emails"], "the list added an e-mail address"
    assert {k: after[k] for k in ("name", "sector")} == {k: before[k] for k in ("name", "sector")}
    assert (_membership(demo_graph, OTHER_MEMBER) or {})["status"] == "pending"
    assert not _sees_contacts(client, tokens.umbrella, OTHER_MEMBER)
    # Applying the same list again changes nothing, and keeps the claim pending.
    again = _upload(client, tokens.umbrella, ATTACK_LIST, dry_run="false")
    assert again.status_code == 200
    assert _actor(demo_graph, OTHER_MEMBER) == after


def test_a_list_still_updates_the_umbrellas_confirmed_members(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    listed = (
        "Medlemsorganisation;Org.nr;Kommun;E-post\n"
        "Kumla Pensionärsförening Linden;802004-1227;Kumla;kansli@linden-kumla.example\n"
    )
    applied = _upload(client, tokens.umbrella, listed, dry_run="false")
    assert applied.status_code == 200, applied.get_json()
    assert applied.get_json()["preview"]["pending"] == 0
    assert "kansli@linden-kumla.example" in _actor(demo_graph, MEMBER)["emails"]
    assert (_membership(demo_graph, MEMBER) or {}).get("status", "confirmed") == "confirmed"


def test_an_admins_list_is_trusted(demo_graph: Graph, client: FlaskClient, tokens: Tokens) -> None:
    """An admin's upload for an umbrella (like `registry import members`, run by an admin) records
    confirmed memberships and fills empty fields, as before: the admin vouches for the list."""
    applied = _upload(client, tokens.admin, ATTACK_LIST, dry_run="false")
    assert applied.status_code == 200, applied.get_json()
    assert (_membership(demo_graph, OTHER_MEMBER) or {})["status"] == "confirmed"
    assert _actor(demo_graph, OTHER_MEMBER)["org_number"] == FORGED_ORG_NUMBER


# -- item 5: contacts only through confirmed, current memberships of civil actors -------------------
def test_a_former_members_contacts_are_not_shown(demo_graph: Graph, client: FlaskClient, tokens: Tokens) -> None:
    assert _sees_contacts(client, tokens.umbrella, MEMBER)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    demo_graph.write(
        "MATCH (:Actor {id: $m})-[r:MEMBER_OF]->(:Actor {id: $u}) SET r.until = $until",
        m=MEMBER,
        u=UMBRELLA,
        until=yesterday,
    )
    assert not _sees_contacts(client, tokens.umbrella, MEMBER)
    assert MEMBER_CONTACT not in client.get(f"/api/v1/actors/{MEMBER}", headers=bearer(tokens.umbrella)).text
    csv_export = client.get("/api/v1/actors/export?municipality=Kumla", headers=bearer(tokens.umbrella)).text
    assert MEMBER_CONTACT not in csv_export


def test_a_membership_not_yet_begun_shows_no_contacts(demo_graph: Graph, client: FlaskClient, tokens: Tokens) -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    ActorDao(demo_graph).upsert_memberships(
        [{"member": NON_MEMBER, "umbrella": UMBRELLA, "since": tomorrow, "role": "medlem", "source": "test"}]
    )
    assert not _sees_contacts(client, tokens.umbrella, NON_MEMBER)


def test_a_municipality_on_the_list_shows_no_contacts(demo_graph: Graph, client: FlaskClient, tokens: Tokens) -> None:
    # A coordinator recorded that the municipality joined (confirmed): still not the umbrella's.
    recorded = client.post(BASE, json={"member_id": PUBLIC_ACTOR}, headers=bearer(tokens.coordinator))
    assert recorded.status_code == 201
    assert not _sees_contacts(client, tokens.umbrella, PUBLIC_ACTOR)
    assert MUNICIPALITY_CONTACT not in client.get(f"{BASE}?page_size=50", headers=bearer(tokens.umbrella)).text
    csv_export = client.get("/api/v1/actors/export?municipality=Kumla", headers=bearer(tokens.umbrella)).text
    assert MUNICIPALITY_CONTACT not in csv_export
    # A coordinator still sees them.
    assert "contacts" in client.get(f"/api/v1/actors/{PUBLIC_ACTOR}", headers=bearer(tokens.coordinator)).get_json()


def test_a_pending_claim_is_not_shown_as_a_membership(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    """An umbrella's unconfirmed claim must not read as a fact to anyone: not in the actor's
    `member_of`, not through the `member_of` search filter, until it is confirmed."""
    pending_membership(demo_graph, NON_MEMBER)

    def listed_as_member() -> tuple[bool, bool]:
        actor = client.get(f"/api/v1/actors/{NON_MEMBER}", headers=bearer(tokens.coordinator)).get_json()
        found = client.get(f"/api/v1/actors?member_of={UMBRELLA}&page_size=100").get_json()
        return (
            UMBRELLA in [m["id"] for m in actor["member_of"]],
            NON_MEMBER in [a["id"] for a in found["items"]],
        )

    assert listed_as_member() == (False, False)
    decision = f"{BASE}/{NON_MEMBER}/decision"
    assert client.post(decision, json={"decision": "confirm"}, headers=bearer(tokens.coordinator)).status_code == 200
    assert listed_as_member() == (True, True)
