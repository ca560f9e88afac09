"""Issue 15, item 12: text direction controls are refused in names, and a contact read with GET
can be sent back with PATCH (its id kept), while an id of another actor's contact is refused."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from registry.db import Graph
from registry.domain import normalize

RLO = "\u202e"


def _actor(client: FlaskClient, **changes: Any) -> dict[str, Any]:
    body = {
        "name": "Kumla Boulesällskap",
        "sector": "civil",
        "kind": "association",
        "contacts": [
            {"name": "Lennart Rydholm", "role": "Ordförande", "phone": "070-174 06 38"},
            {"name": "Gunilla Ekstrand", "role": "Kassör", "email": "gunilla@boule-kumla.example"},
        ],
        **changes,
    }
    response = client.post("/api/v1/actors", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_normalize_function() -> None:
    assert normalize.bidi_controls(f"Kumla {RLO}FI") == ["U+202E"]
    assert normalize.without_bidi_controls("Kumla IF") == "Kumla IF"
    with pytest.raises(ValueError, match="U\\+202E"):
        normalize.without_bidi_controls(f"Kumla {RLO}FI")
    assert normalize.bidi_controls("مركز الشباب") == []  # right-to-left script itself is fine


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        ("/api/v1/actors", {"name": f"Kumla {RLO}FI", "sector": "civil", "kind": "association"}, "name"),
        (
            "/api/v1/actors",
            {"name": "Kumla IF", "sector": "civil", "kind": "association", "alt_names": [f"\u2067x{RLO}"]},
            "alt_names[0]",
        ),
        (
            "/api/v1/actors",
            {"name": "Kumla IF", "sector": "civil", "kind": "association", "contacts": [{"name": f"An{RLO}na"}]},
            "contacts[0].name",
        ),
        ("/api/v1/arenas", {"name": f"Samråd {RLO}"}, "name"),
    ],
)
def test_direction_controls_in_names_are_422(
    admin_client: FlaskClient,
    graph: Graph,
    path: str,
    body: dict[str, Any],
    where: str,
) -> None:
    response = admin_client.post(path, json=body)
    assert response.status_code == 422
    assert "U+" in response.get_json()["errors"]["json"][where][0]
    assert graph.read_one("MATCH (a:Actor) RETURN count(a) AS n") == {"n": 0}


def test_get_then_patch_keeps_the_contacts(admin_client: FlaskClient, graph: Graph) -> None:
    created = _actor(admin_client)
    path = f"/api/v1/actors/{created['id']}"
    got = admin_client.get(path)
    contacts = got.get_json()["contacts"]
    assert all(c["id"] for c in contacts)
    ids = {c["name"]: c["id"] for c in contacts}
    changed = [{**c, "role": "Vice ordförande"} if c["name"] == "Lennart Rydholm" else c for c in contacts]
    changed.append({"name": "Ny Person", "role": "Sekreterare"})
    response = admin_client.patch(path, json={"contacts": changed}, headers={"If-Match": got.headers["ETag"]})
    assert response.status_code == 200, response.get_json()
    after = {c["name"]: c for c in response.get_json()["contacts"]}
    assert after["Lennart Rydholm"]["id"] == ids["Lennart Rydholm"]
    assert after["Lennart Rydholm"]["role"] == "Vice ordförande"
    assert after["Gunilla Ekstrand"]["id"] == ids["Gunilla Ekstrand"]
    assert after["Ny Person"]["id"] not in ids.values()
    assert graph.read_one("MATCH (c:ContactPerson) RETURN count(c) AS n") == {"n": 3}


def test_another_actors_contact_id_is_refused(admin_client: FlaskClient, graph: Graph) -> None:
    mine = _actor(admin_client)
    theirs = _actor(admin_client, name="Hällabrottets Fältrittklubb", contacts=[{"name": "Anna Svensson"}])
    foreign = theirs["contacts"][0]["id"]
    path = f"/api/v1/actors/{mine['id']}"
    etag = admin_client.get(path).headers["ETag"]
    response = admin_client.patch(
        path,
        json={"contacts": [{"id": foreign, "name": "Anna Svensson", "role": "Övertagen"}]},
        headers={"If-Match": etag},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["contacts"]["0"]["id"]
    owner = graph.read(
        "MATCH (a:Actor)-[:HAS_CONTACT]->(c:ContactPerson {id: $id}) RETURN a.id AS a, c.role AS role", id=foreign
    )
    assert owner == [{"a": theirs["id"], "role": None}]
    # Twice the same contact, and an id on a new actor, are refused too.
    own = admin_client.get(path).get_json()["contacts"][0]
    twice = admin_client.patch(path, json={"contacts": [own, own]}, headers={"If-Match": etag})
    assert twice.status_code == 422
    create = admin_client.post(
        "/api/v1/actors",
        json={
            "name": "Ny förening",
            "sector": "civil",
            "kind": "association",
            "contacts": [{"id": foreign, "name": "X"}],
        },
    )
    assert create.status_code == 422
