"""The map routes' input checks, documentation and command line (answers before any network query runs)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from registry.cli import main

BAD_QUERIES = [
    ("/maps/actors/x?depth=0", "depth"),
    ("/maps/actors/x?depth=4", "depth"),
    ("/maps/actors/x?depth=två", "depth"),
    ("/maps/actors/x?types=DEPENDS_ON,HACKS", "types"),
    ("/maps/actors/x?types=LOCATED_IN", "types"),
    ("/maps/actors/x?valid_at=2025-13-01", "valid_at"),
    ("/maps/actors/x?size_by=colour", "size_by"),
    ("/maps/municipalities/1881?interest_area=", "interest_area"),
    ("/maps/municipalities/1881?target_group=" + "x" * 101, "target_group"),
    ("/maps/counties/18?valid_at=igår", "valid_at"),
    ("/maps/arenas/x?download=kanske", "download"),
    ("/maps/challenges/x?size_by=", "size_by"),
]


@pytest.mark.parametrize(("url", "field"), BAD_QUERIES)
def test_bad_input_is_a_4xx_json_error_naming_the_field(client: FlaskClient, url: str, field: str) -> None:
    response = client.get(url)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == 422 and body["status"] == "Unprocessable Entity" and body["message"]
    assert field in body["errors"]["query"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/maps/municipalities/9999", "Kommunen finns inte / Municipality not found"),
        ("/maps/municipalities/<script>", "Kommunen finns inte / Municipality not found"),
        ("/maps/counties/99", "Länet finns inte / County not found"),
    ],
)
def test_an_unknown_place_is_a_404(client: FlaskClient, url: str, message: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response.get_json()["message"] == message


def test_the_routes_are_documented_as_html_pages(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    for path in (
        "/maps/actors/{actor_id}",
        "/maps/municipalities/{code}",
        "/maps/counties/{code}",
        "/maps/arenas/{arena_id}",
        "/maps/challenges/{challenge_id}",
    ):
        get = spec["paths"][path]["get"]
        assert "text/html" in get["responses"]["200"]["content"], path
        names = {p["name"] for p in get["parameters"]}
        assert {"size_by", "download"} <= names
        assert " / " in get["summary"]  # Swedish / English
    actor_params = {p["name"] for p in spec["paths"]["/maps/actors/{actor_id}"]["get"]["parameters"]}
    assert {"depth", "types", "valid_at"} <= actor_params
    area_params = {p["name"] for p in spec["paths"]["/maps/municipalities/{code}"]["get"]["parameters"]}
    assert {"interest_area", "target_group", "types", "valid_at"} <= area_params


def test_every_map_command_has_help(runner: CliRunner) -> None:
    result = runner.invoke(main, ["map", "--help"])
    assert result.exit_code == 0
    for command in ("actor", "municipality", "county", "arena", "challenge"):
        assert command in result.output
        sub = runner.invoke(main, ["map", command, "--help"])
        assert sub.exit_code == 0, sub.output
        assert "--output" in sub.output and "--size-by" in sub.output


def test_the_map_command_checks_its_input_before_the_database(runner: CliRunner, tmp_path: object) -> None:
    result = runner.invoke(main, ["map", "actor", "x", "--depth", "5", "-o", "karta.html"])
    assert result.exit_code == 2 and "depth" in result.output
    result = runner.invoke(main, ["map", "municipality", "1881", "--type", "HACKS", "-o", "karta.html"])
    assert result.exit_code == 2 and "--type" in result.output
    result = runner.invoke(main, ["map", "actor", "x"])
    assert result.exit_code == 2 and "--output" in result.output
