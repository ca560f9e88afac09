"""POST /api/v1/imports: the same importer and report over HTTP, for admins, with a size limit."""

from __future__ import annotations

import io

import pytest
from flask import Flask, g, request
from flask.testing import FlaskClient

from registry.db import Graph
from registry.demo import load_demo
from registry.identity import Principal, Role
from tests.import_helpers import FIXTURES

ADMIN = {"X-Test-Role": "admin"}


@pytest.fixture
def client_as(app: Flask) -> FlaskClient:
    @app.before_request
    def principal_from_header() -> None:
        role = request.headers.get("X-Test-Role")
        if role:
            g.principal = Principal(Role(role))

    return app.test_client()


def _upload(name: str, **form: str) -> dict:
    data: dict = {"file": (io.BytesIO((FIXTURES / name).read_bytes()), name.rsplit("/", 1)[-1])}
    data.update(form)
    return data


def test_admin_imports_a_register_and_gets_the_report(graph: Graph, client_as: FlaskClient) -> None:
    response = client_as.post(
        "/api/v1/imports",
        data=_upload("kumla.xlsx", municipality="Kumla"),
        headers=ADMIN,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["outcome"] == "imported"
    assert report["file"] == "kumla.xlsx" and report["format"] == "xlsx"
    assert report["counts"]["created"] == 12
    assert report["suppressed"] == {"contacts": 0, "emails": 0}
    assert report["source"] == "register:1881"
    assert graph.read_one("MATCH (a:Actor) RETURN count(a) AS n") == {"n": 12}
    again = client_as.post("/api/v1/imports", data=_upload("kumla.xlsx", municipality="Kumla"), headers=ADMIN)
    assert again.get_json()["counts"]["unchanged"] == 12


def test_only_admins_import(graph: Graph, client_as: FlaskClient) -> None:
    assert client_as.post("/api/v1/imports", data=_upload("kumla.xlsx")).status_code == 401
    forbidden = client_as.post("/api/v1/imports", data=_upload("kumla.xlsx"), headers={"X-Test-Role": "coordinator"})
    assert forbidden.status_code == 403
    assert graph.read_one("MATCH (a:Actor) RETURN count(a) AS n") == {"n": 0}


def test_a_file_that_cannot_be_imported_is_a_422_with_the_report(graph: Graph, client_as: FlaskClient) -> None:
    response = client_as.post("/api/v1/imports", data=_upload("malformed/truncated.ibgo.json"), headers=ADMIN)
    assert response.status_code == 422
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert "avkortad" in body["message"]
    assert body["errors"]["report"]["outcome"] == "failed"
    strict = client_as.post(
        "/api/v1/imports",
        data=_upload("malformed/invalid-orgnr.csv", municipality="Kumla", strict="true"),
        headers=ADMIN,
    )
    assert strict.status_code == 422
    assert strict.get_json()["errors"]["report"]["rejected"] == [
        {
            "line": 3,
            "reason": "ogiltigt organisationsnummer / invalid organisation number (värdet utelämnat / value omitted)",
        }
    ]
    assert graph.read_one("MATCH (n) WHERE n:Actor OR n:ImportRun RETURN count(n) AS n") == {"n": 0}


def test_bad_form_input_is_a_422(client_as: FlaskClient) -> None:
    no_file = client_as.post("/api/v1/imports", data={"municipality": "Kumla"}, headers=ADMIN)
    assert no_file.status_code == 422
    assert "file" in no_file.get_json()["errors"]["files"]
    wrong_kind = client_as.post("/api/v1/imports", data=_upload("kumla.xlsx", kind="bank"), headers=ADMIN)
    assert wrong_kind.status_code == 422
    no_umbrella = client_as.post("/api/v1/imports", data=_upload("kumla.xlsx", kind="members"), headers=ADMIN)
    assert no_umbrella.status_code == 422


def test_uploads_over_the_limit_are_refused_with_413(app: Flask, client_as: FlaskClient, graph: Graph) -> None:
    app.config["IMPORT_MAX_BYTES"] = 4096
    big = {"file": (io.BytesIO(b"Namn\n" + b"Kumla Stor Forening\n" * 1000), "big.csv")}
    response = client_as.post("/api/v1/imports", data=big, headers=ADMIN)
    assert response.status_code == 413
    body = response.get_json()
    assert body["code"] == 413 and "större än" in body["message"]
    assert graph.read_one("MATCH (n) WHERE n:Actor OR n:ImportRun RETURN count(n) AS n") == {"n": 0}
    small = client_as.post("/api/v1/imports", data=_upload("three/kumla.csv", municipality="Kumla"), headers=ADMIN)
    assert small.status_code == 200


def test_member_list_with_a_mapping_over_the_api(graph: Graph, client_as: FlaskClient) -> None:
    load_demo(graph)
    members = client_as.post(
        "/api/v1/imports",
        data=_upload("members/bergslagen-2025.csv", kind="members", umbrella="802462-5819"),
        headers=ADMIN,
    )
    assert members.status_code == 200, members.get_json()
    assert members.get_json()["counts"]["merged"] == 3
    mapping = (FIXTURES / "layouts" / "odd-layout.mapping.toml").read_bytes()
    data = _upload("layouts/odd-layout.csv")
    data["mapping"] = (io.BytesIO(mapping), "mapping.toml")
    mapped = client_as.post("/api/v1/imports", data=data, headers=ADMIN)
    assert mapped.status_code == 200, mapped.get_json()
    assert mapped.get_json()["columns"]["unmapped"] == ["Bidragsgrupp"]


def test_the_import_endpoint_is_in_the_openapi_document(client_as: FlaskClient) -> None:
    spec = client_as.get("/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/imports"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"/api/v1/reviews", "/api/v1/reviews/{item_id}/accept"} <= set(spec["paths"])


def test_a_bound_source_is_refused_over_http_unless_rebound(graph: Graph, client_as: FlaskClient) -> None:
    """The API runs the same check: another municipality's file under a bound source is a 422."""
    first = client_as.post("/api/v1/imports", data=_upload("multi/kumla-id.ibgo.json", source="fritid"), headers=ADMIN)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["municipality"] == "1881" and first.get_json()["municipality_inferred"] is True
    form = {"source": "fritid"}
    refused = client_as.post("/api/v1/imports", data=_upload("multi/hallsberg-id.ibgo.json", **form), headers=ADMIN)
    assert refused.status_code == 422
    assert "bound to another register" in refused.get_json()["message"]
    rebound = client_as.post(
        "/api/v1/imports",
        data=_upload("multi/hallsberg-id.ibgo.json", rebind_source="true", **form),
        headers=ADMIN,
    )
    assert rebound.status_code == 200, rebound.get_json()
