"""docker-compose.yml cannot run here (no Docker engine), so what can be checked of it is checked."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_services_and_healthchecks() -> None:
    services = _compose()["services"]
    assert set(services) >= {"neo4j", "api"}
    neo4j, api = services["neo4j"], services["api"]
    assert neo4j["image"].startswith("neo4j:5.26") and "community" in neo4j["image"]
    assert "healthcheck" in neo4j and "healthcheck" in api
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert any(str(v).split(":")[0] for v in neo4j["volumes"])
    assert set(_compose()["volumes"]) >= {v.split(":")[0] for v in neo4j["volumes"]}


def test_environment_names_match_the_code() -> None:
    services = _compose()["services"]
    api_env = services["api"]["environment"]
    names = set(api_env) if isinstance(api_env, dict) else {e.split("=")[0] for e in api_env}
    assert names >= {"NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"}
    config = (ROOT / "registry" / "config.py").read_text(encoding="utf-8")
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        assert f'"{name}"' in config
    neo4j_env = services["neo4j"]["environment"]
    assert "NEO4J_AUTH" in neo4j_env
    # The API reaches Neo4j by its service name over Bolt.
    assert "neo4j:7687" in str(api_env["NEO4J_URI"])


def test_dockerfile_runs_the_same_entry_point() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "registry.wsgi:app" in dockerfile or "registry serve" in dockerfile
