"""Import from HSDS (`registry import register FILE --format hsds`): the round trip registry -> HSDS ->
a fresh registry keeps actors, interest areas, target groups and municipalities; another directory's
terms are matched by name; a rerun changes nothing."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from registry.cli import main
from registry.dao.actors import ActorDao
from registry.db import Graph
from registry.demo import load_demo_records
from registry.domain.actor import ActorFilter
from registry.identity import Role
from tests.auth_support import bearer, issue_token
from tests.conftest import wipe


def _snapshot(graph: Graph) -> set[tuple[Any, ...]]:
    return {
        (
            a["name"],
            a.get("org_number"),
            a.get("municipality_code"),
            tuple(sorted(t["id"] for t in a["interest_areas"])),
            tuple(sorted(t["id"] for t in a["target_groups"])),
        )
        for a in ActorDao(graph).export(ActorFilter())
    }


def _import(runner: CliRunner, env: dict[str, str], path: Path, tmp: Path) -> dict[str, Any]:
    report = tmp / f"report-{path.name}.json"
    args = ["import", "register", str(path), "--format", "hsds", "--report", str(report)]
    result = runner.invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    return json.loads(report.read_text("utf-8"))


@pytest.mark.parametrize("form", ["tabular", "ndjson", "zip"])
def test_round_trip_gives_the_same_actors_terms_and_places(
    demo_graph: Graph,
    runner: CliRunner,
    cli_env: dict[str, str],
    tmp_path: Path,
    form: str,
) -> None:
    before = _snapshot(demo_graph)
    assert len(before) == len(load_demo_records())
    out = tmp_path / "hsds"
    result = runner.invoke(main, ["export", "hsds", str(out), "--no-progress"], env=cli_env)
    assert result.exit_code == 0, result.output
    if form == "tabular":
        source = out / "datapackage.json"
    elif form == "ndjson":
        source = out / "organizations.ndjson"
    else:
        source = tmp_path / "hsds.zip"
        with zipfile.ZipFile(source, "w") as archive:
            for path in out.iterdir():
                if path.suffix in (".csv", ".json"):
                    archive.write(path, f"package/{path.name}")
    wipe(demo_graph)  # a fresh registry
    assert _snapshot(demo_graph) == set()
    report = _import(runner, cli_env, source, tmp_path)
    assert report["counts"]["rejected"] == 0, report
    assert _snapshot(demo_graph) == before
    # A rerun converges: nothing changes the second time.
    again = _import(runner, cli_env, source, tmp_path)
    assert again["counts"].get("created", 0) == 0 and again["counts"].get("updated", 0) == 0, again["counts"]
    assert _snapshot(demo_graph) == before


def test_another_directorys_json_matches_terms_by_name(
    graph: Graph, runner: CliRunner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    organizations = [
        {
            "id": "5f0c1a52-0000-4000-8000-000000000001",
            "name": "Fiktiva Idrottsföreningen Kumla",
            "description": "Fotboll och friidrott",
            "email": "info@fiktiv.example",
            "organization_identifiers": [
                {
                    "id": "5f0c1a52-0000-4000-8000-000000000002",
                    "identifier_type": "Org number",
                    "identifier": "802000-1080",
                }
            ],
            "locations": [
                {
                    "id": "5f0c1a52-0000-4000-8000-000000000003",
                    "location_type": "physical",
                    "addresses": [
                        {
                            "id": "5f0c1a52-0000-4000-8000-000000000004",
                            "address_1": "Idrottsvägen 1",
                            "city": "Kumla",
                            "state_province": "Örebro län",
                            "postal_code": "692 31",
                            "country": "SE",
                            "address_type": "physical",
                        }
                    ],
                }
            ],
            "services": [
                {
                    "id": "5f0c1a52-0000-4000-8000-000000000005",
                    "name": "Träning",
                    "status": "active",
                    "attributes": [
                        {"id": "5f0c1a52-0000-4000-8000-000000000006", "taxonomy_term": {"id": "x", "name": "Idrott"}},
                        {"id": "5f0c1a52-0000-4000-8000-000000000007", "taxonomy_term": {"id": "y", "name": "Äldre"}},
                        {"id": "5f0c1a52-0000-4000-8000-000000000008", "taxonomy_term": {"id": "z", "name": "Okänt x"}},
                    ],
                }
            ],
        },
        {"id": "5f0c1a52-0000-4000-8000-000000000009", "description": "no name"},
        "not an object",
    ]
    path = tmp_path / "other-directory.json"
    path.write_text(json.dumps(organizations, ensure_ascii=False), "utf-8")
    report = _import(runner, cli_env, path, tmp_path)
    assert report["counts"]["rejected"] == 2
    (actor,) = list(ActorDao(graph).export(ActorFilter()))
    assert actor["name"] == "Fiktiva Idrottsföreningen Kumla"
    assert actor["org_number"] == "802000-1080"
    assert actor["municipality_code"] == "1881"
    assert "sports" in {t["id"] for t in actor["interest_areas"]}
    assert {t["id"] for t in actor["target_groups"]} == {"elderly"}
    assert actor["sources"]  # provenance: the import's source, as for any register


def test_not_hsds_is_refused_before_anything_is_written(
    graph: Graph, runner: CliRunner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    for name, content in (("x.csv", "namn;ort\nA;B\n"), ("datapackage.json", "{}")):
        path = tmp_path / name
        path.write_text(content, "utf-8")
        result = runner.invoke(main, ["import", "register", str(path), "--format", "hsds"], env=cli_env)
        assert result.exit_code != 0
        assert "HSDS" in result.output or "organizations.csv" in result.output
    assert list(ActorDao(graph).export(ActorFilter())) == []


def test_the_import_api_takes_an_hsds_zip(
    client: FlaskClient,
    demo_graph: Graph,
    token_secret: str,
) -> None:
    before = _snapshot(demo_graph)
    package = client.get("/api/v1/actors/export?format=hsds-tabular").get_data()
    wipe(demo_graph)  # a fresh registry, whose admin uploads the other directory's package
    token = issue_token(demo_graph, Role.ADMIN)
    answer = client.post(
        "/api/v1/imports",
        data={"file": (io.BytesIO(package), "grannkatalog.zip"), "format": "hsds"},
        headers=bearer(token),
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["counts"]["rejected"] == 0
    assert _snapshot(demo_graph) == before
