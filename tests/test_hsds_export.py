"""HSDS exports: `registry export hsds OUT_DIR` and GET /api/v1/actors/export?format=hsds|hsds-tabular.

The tabular package validates against tabular.json's fields, every NDJSON organization against
Open Referral's schemas; contact persons only with --with-contacts (CLI) or for callers allowed."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from click.testing import CliRunner
from flask.testing import FlaskClient

from registry.cli import main
from registry.db import Graph
from registry.demo import load_demo_records
from registry.hsds.tabular import TABLES, path_of
from tests.auth_support import Tokens, bearer
from tests.hsds_validation import assert_organization_valid, assert_package_valid

CONTACT_NAMES = {c["name"] for r in load_demo_records() for c in r.get("contacts", [])}


def _organizations(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_cli_writes_a_valid_package_and_ndjson(
    demo_graph: Graph,
    runner: CliRunner,
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    out = tmp_path / "hsds"
    result = runner.invoke(main, ["export", "hsds", str(out), "--no-progress"], env=cli_env)
    assert result.exit_code == 0, result.output
    total = len(load_demo_records())
    counts = assert_package_valid(out)
    assert counts["organization"] == total and counts["service"] == total and counts["location"] == total
    assert counts["taxonomy"] == 2 and counts["taxonomy_term"] > 20
    assert counts["contact"] == 0  # open data: no personal data without --with-contacts
    orgs = _organizations((out / "organizations.ndjson").read_text("utf-8"))
    assert len(orgs) == total
    for org in orgs:
        assert_organization_valid(org)
    text = "".join((out / path_of(t)).read_text("utf-8") for t in TABLES) + json.dumps(orgs, ensure_ascii=False)
    assert not any(name in text for name in CONTACT_NAMES)
    # Every attribute points at a term the package has.
    term_ids = {line.split(",")[0] for line in (out / "taxonomy_terms.csv").read_text("utf-8").splitlines()[1:]}
    attribute_terms = {a["taxonomy_term_id"] for o in orgs for s in o["services"] for a in s.get("attributes", [])}
    assert attribute_terms and attribute_terms <= term_ids


def test_cli_filters_and_contacts_on_request(
    demo_graph: Graph,
    runner: CliRunner,
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    out = tmp_path / "kumla"
    args = ["export", "hsds", str(out), "--municipality", "1881", "--with-contacts", "--no-progress"]
    result = runner.invoke(main, args, env=cli_env)
    assert result.exit_code == 0, result.output
    counts = assert_package_valid(out)
    kumla = [r for r in load_demo_records() if r["municipality"] == "1881" or "1881" in r.get("active_in", [])]
    assert counts["organization"] == len(kumla)
    assert counts["contact"] == sum(len(r.get("contacts", [])) for r in kumla) > 0
    bad = runner.invoke(main, ["export", "hsds", str(tmp_path / "x"), "--municipality", "9999"], env=cli_env)
    assert bad.exit_code != 0 and "9999" in bad.output
    bad = runner.invoke(main, ["export", "hsds", str(tmp_path / "y"), "--interest-area", "nope"], env=cli_env)
    assert bad.exit_code != 0 and "nope" in bad.output


def test_api_export_hsds_ndjson_and_contacts(client: FlaskClient, tokens: Tokens) -> None:
    anonymous = client.get("/api/v1/actors/export?format=hsds")
    assert anonymous.status_code == 200 and anonymous.mimetype == "application/x-ndjson"
    orgs = _organizations(anonymous.get_data(as_text=True))
    assert len(orgs) == len(load_demo_records())
    for org in orgs:
        assert_organization_valid(org)
        assert "contacts" not in org
    reader = client.get("/api/v1/actors/export?format=hsds", headers=bearer(tokens.reader)).get_data(as_text=True)
    assert not any(name in reader for name in CONTACT_NAMES)
    coordinator = _organizations(
        client.get("/api/v1/actors/export?format=hsds", headers=bearer(tokens.coordinator)).get_data(as_text=True)
    )
    assert {c["name"] for o in coordinator for c in o.get("contacts", [])} == CONTACT_NAMES
    filtered = _organizations(client.get("/api/v1/actors/export?format=hsds&municipality=1881").get_data(as_text=True))
    assert 0 < len(filtered) < len(orgs)


def test_api_export_tabular_zip(client: FlaskClient, tokens: Tokens, tmp_path: Path) -> None:
    for token, with_contacts in ((None, False), (tokens.admin, True)):
        answer = client.get("/api/v1/actors/export?format=hsds-tabular", headers=bearer(token))
        assert answer.status_code == 200 and answer.mimetype == "application/zip"
        folder = tmp_path / ("admin" if with_contacts else "anonymous")
        with zipfile.ZipFile(io.BytesIO(answer.get_data())) as archive:
            assert set(archive.namelist()) == {"datapackage.json", *(path_of(t) for t in TABLES)}
            archive.extractall(folder)
        counts = assert_package_valid(folder)
        assert counts["organization"] == len(load_demo_records())
        assert (counts["contact"] > 0) is with_contacts


def test_api_export_rejects_unknown_format(client: FlaskClient, demo_graph: Graph) -> None:
    answer = client.get("/api/v1/actors/export?format=hsds-xml")
    assert answer.status_code == 422
