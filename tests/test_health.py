"""GET /health, the OpenAPI document, Swagger UI without CDNs, and the one error shape."""

from __future__ import annotations

import re
import socket

from flask.testing import FlaskClient

from registry.app import create_app


def test_health_ok(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["neo4j_version"].startswith("Neo4j/5.")
    assert body["schema_version"] >= 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_health_503_when_database_unreachable() -> None:
    app = create_app({"TESTING": True, "NEO4J_URI": f"bolt://127.0.0.1:{_free_port()}", "NEO4J_PASSWORD": "x" * 8})
    response = app.test_client().get("/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["code"] == 503
    assert body["status"] == "Service Unavailable"
    assert "not reachable" in body["message"]


def test_openapi_document(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/health" in spec["paths"]


def test_swagger_ui_loads_nothing_from_outside(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    external = re.findall(r"""(?:src|href)=["']?(https?://[^"' >]+)""", html)
    assert external == []
    for asset in re.findall(r"""(?:src|href)=["']([^"']+)["']""", html):
        assert client.get(asset).status_code == 200, asset


def test_unknown_path_is_json_404(client: FlaskClient) -> None:
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == 404 and body["status"] == "Not Found" and body["message"]


def test_wrong_method_is_json_405(client: FlaskClient) -> None:
    response = client.delete("/health")
    assert response.status_code == 405
    assert response.get_json()["code"] == 405
