"""Guards over the relationship type declarations (graph_schema.relationship_types): whatever a
declared type needs elsewhere (its id constraint, the API's round trip, a map style, a page group,
the audit trail, the network views) is checked for every declaration, so a new type that misses one
fails here instead of silently (a 404 by id, dropped properties, a grey "other" edge, no constraint).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

import pytest
from flask.testing import FlaskClient

from graph_schema.contract import RELATIONSHIPS, Label
from graph_schema.relationship_types import DECLARED, MUTUAL_KINDS, NETWORK, WRITABLE, Property, RelationshipType
from registry.api.relationship_schemas import PROPERTY_SCHEMAS, GroupedRelationshipsSchema
from registry.dao import network as network_dao
from registry.dao import relationships as relationships_dao
from registry.dao.actors import ActorDao
from registry.dao.audit import RELATIONSHIP_SUBJECTS
from registry.db import Graph
from registry.domain.network import NetworkEdge
from registry.domain.relationships import NETWORK_TYPES, RELATIONSHIP_TYPES
from registry.web.pages import RELATIONSHIP_GROUPS, relationship_group
from visualisations import encoding
from visualisations.subjects import MAP_TYPES


def _ids(declared: tuple[RelationshipType, ...]) -> list[str]:
    return [d.type for d in declared]


def sample(prop: Property) -> Any:
    """A valid value of a declared property, as JSON."""
    if prop.vocabulary is not None:
        first = prop.vocabulary.ids[0]
        return [first] if prop.kind == "terms" else first
    if prop.kind == "integer":
        assert prop.bounds is not None
        return prop.bounds[0] if prop.bounds[0] > 0 else prop.bounds[1]
    if prop.kind == "date":
        return "2024-01-01"
    return "text"


def sample_properties(declared: RelationshipType) -> dict[str, Any]:
    return {p.name: sample(p) for p in declared.stored}


# -- without a database ------------------------------------------------------------------------


@pytest.mark.parametrize("declared", DECLARED, ids=_ids(DECLARED))
def test_every_declared_type_has_a_contract_entry_and_the_network_follows_it(declared: RelationshipType) -> None:
    assert declared.type in RELATIONSHIPS
    assert set(declared.property_names) <= set(RELATIONSHIPS[declared.type].properties)
    assert declared.type in NETWORK_TYPES
    assert declared.type in MAP_TYPES
    assert declared.type in relationships_dao.TYPES
    assert declared.type in GroupedRelationshipsSchema().fields
    assert set(declared.property_names) <= set(network_dao._EDGE_KEYS)


@pytest.mark.parametrize("declared", WRITABLE, ids=_ids(WRITABLE))
def test_every_writable_type_has_a_schema_an_identity_and_an_audit_subject(declared: RelationshipType) -> None:
    assert declared.type in RELATIONSHIP_TYPES
    assert declared.type in RELATIONSHIP_SUBJECTS
    assert declared.type in relationships_dao._IDENTITY
    assert declared.type in relationships_dao._BY_ID
    schema = PROPERTY_SCHEMAS[declared.type]()
    assert set(schema.fields) == {p.name for p in declared.properties}
    assert schema.load(sample_properties(declared)) is not None


@pytest.mark.parametrize("declared", DECLARED, ids=_ids(DECLARED))
def test_every_declared_type_has_a_map_style(declared: RelationshipType) -> None:
    for look in declared.map.styles:
        assert look.key in encoding.EDGE_STYLES
    edge = NetworkEdge("e", declared.type, "a", "b", sample_properties(declared))
    style = encoding.edge_style(edge)
    assert style is not encoding.OTHER
    assert style.key in {look.key for look in declared.map.styles}


@pytest.mark.parametrize("declared", DECLARED, ids=_ids(DECLARED))
def test_every_declared_type_has_a_page_group(declared: RelationshipType) -> None:
    for group in declared.page.groups:
        assert group.key in RELATIONSHIP_GROUPS
    for name in declared.page.details:
        assert name in {p.name for p in declared.properties}
    item = {"type": declared.type, "properties": sample_properties(declared)}
    assert relationship_group(item) in {g.key for g in declared.page.groups}


def test_mutual_kinds_are_values_of_kind() -> None:
    for declared in DECLARED:
        kinds = {p.name: p for p in declared.properties}.get("kind")
        if declared.mutual_kinds:
            assert kinds is not None and kinds.vocabulary is not None
            assert declared.mutual_kinds <= set(kinds.vocabulary.ids)
    assert {"symbiotic", "competition"} == MUTUAL_KINDS


def test_the_identity_condition_derives_from_the_declared_identity() -> None:
    assert relationships_dao._IDENTITY["DEPENDS_ON"] == (
        "r.kind = me.kind AND coalesce(r.resource, '') = coalesce(me.resource, '')"
    )
    assert relationships_dao._IDENTITY["PERCEIVES"] == "true"


def test_network_types_are_writable_first() -> None:
    assert [t.id for t in NETWORK_TYPES] == [d.type for d in NETWORK]
    assert [d.type for d in NETWORK if not d.writable] == ["MEMBER_OF"]


# -- against the database ----------------------------------------------------------------------


@pytest.mark.parametrize("declared", WRITABLE, ids=_ids(WRITABLE))
def test_every_writable_type_has_its_id_constraint_after_migrating(graph: Graph, declared: RelationshipType) -> None:
    rows = graph.read(
        "SHOW CONSTRAINTS YIELD entityType, labelsOrTypes, properties, type "
        "WHERE entityType = 'RELATIONSHIP' AND type = 'RELATIONSHIP_UNIQUENESS' "
        "RETURN labelsOrTypes AS types, properties"
    )
    assert any(r["types"] == [declared.type] and r["properties"] == ["id"] for r in rows), declared.type


def _end_of(graph: Graph, label: str, node_id: str) -> str:
    """A node to end at: actors through the DAO, the rest as bare nodes (the API needs only a label and
    an id)."""
    if label == Label.ACTOR:
        props = {"name": node_id, "sector": "civil", "kind": "association", "municipality_code": "1881"}
        ActorDao(graph).upsert_many([{"id": node_id, "props": props}])
    else:
        queries: dict[str, LiteralString] = {
            Label.AGREEMENT: "CREATE (:Agreement {id: $id, title: $id, kind: 'policy'})",
            Label.ARENA: "CREATE (:Arena {id: $id, name: $id, municipality_code: '1881'})",
            Label.CHALLENGE: "CREATE (:Challenge {id: $id, name: $id})",
        }
        graph.write(queries[label], id=node_id)
    return node_id


@pytest.mark.parametrize("declared", WRITABLE, ids=_ids(WRITABLE))
def test_every_writable_type_round_trips_through_the_api(
    graph: Graph,
    coordinator_client: FlaskClient,
    declared: RelationshipType,
) -> None:
    client = coordinator_client
    spec = RELATIONSHIPS[declared.type]
    start = _end_of(graph, sorted(spec.start)[0], "start")
    end = _end_of(graph, sorted(spec.end)[0], "end")
    props = sample_properties(declared)
    body = {"type": declared.type, "from": start, "to": end, "properties": props}

    created = client.post("/api/v1/relationships", json=body)
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert item["properties"] == props
    rel_id = item["id"]

    fetched = client.get(f"/api/v1/relationships/{rel_id}")
    assert fetched.status_code == 200 and fetched.get_json() == item

    # The same relationship again for overlapping dates is a 409.
    twin = client.post("/api/v1/relationships", json=body)
    assert twin.status_code == 409, twin.get_json()

    patched = client.patch(
        f"/api/v1/relationships/{rel_id}", json={"note": "ändrad"}, headers={"If-Match": fetched.headers["ETag"]}
    )
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["note"] == "ändrad" and patched.get_json()["version"] == 2

    ended = client.post(f"/api/v1/relationships/{rel_id}/end", json={"valid_to": dt.date.today().isoformat()})
    assert ended.status_code == 200, ended.get_json()
    assert ended.get_json()["current"] is False

    grouped = client.get(f"/api/v1/actors/{start}/relationships").get_json()
    assert [r["id"] for r in grouped[declared.type]] == [rel_id]

    deleted = client.delete(f"/api/v1/relationships/{rel_id}")
    assert deleted.status_code == 204
    assert client.get(f"/api/v1/relationships/{rel_id}").status_code == 404
    actions = graph.read("MATCH (e:AuditEvent {subject_id: $id}) RETURN e.action AS action ORDER BY e.at", id=rel_id)
    assert [a["action"] for a in actions] == [
        "relationship.create",
        "relationship.update",
        "relationship.end",
        "relationship.delete",
    ]
