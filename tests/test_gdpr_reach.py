"""Erasure's reach (issue 15, item 4): a person known to the registry only by name and phone, as
register rows without an e-mail address leave them, is found by phone, by name + phone, and
through an address on one of their records; erased, nothing of them is left in any property of
any node or relationship, and a re-import of the same register does not bring them back, not
even into the import run's report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from registry.cli import main
from registry.db import Graph
from tests.auth_support import bearer
from tests.import_helpers import run

HEADER = "Id;Föreningsnamn;Telefon;Kontaktperson;Kontaktpersonens roll;Kontaktpersonens e-post;Kontaktpersonens telefon"
# Three associations list Lennart (fictional) by name and mobile, none with an address; the third
# row's own phone column holds his number with a note, which the importer cannot read and warns
# about. Gunilla, on the same rows, must survive every erasure.
ROWS = (
    "1;Kumla Boulesällskap;;Lennart Rydholm;Ordförande;;070-174 06 38",
    "2;Hällabrottets Fältrittklubb;;LENNART RYDHOLM;Kassör;;0701740638",
    "3;Kumla Bridgeklubb;070-174 06 38 (kväll);Lennart Rydholm;;;+46 70 174 06 38",
    "4;Kumla Schackklubb;;Gunilla Ekstrand;Sekreterare;gunilla@schack-kumla.example;070-111 22 33",
)
TRACES = ("lennart", "rydholm", "+46701740638", "070-174 06 38", "0701740638", "70 174 06 38")
LEGACY_REASON = "invalid phone number: '070-174 06 38 (kväll)'"
NEIGHBOUR = ("gunilla ekstrand", "+46701112233")


def _everything(graph: Graph) -> str:
    """Every property of every node and relationship, of every label, as one lower-case text."""
    nodes = graph.read("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    rels = graph.read("MATCH ()-[r]->() RETURN type(r) AS type, properties(r) AS props")
    return json.dumps([*nodes, *rels], ensure_ascii=False, default=str).lower()


def _left(graph: Graph) -> list[str]:
    text = _everything(graph)
    return [trace for trace in TRACES if trace in text]


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "kumla.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def imported(graph: Graph, register: Path, token_secret: str) -> Graph:
    report = run(graph, register, municipality="Kumla", source="kumla-register")
    assert report.ok, report.table()
    # A report written before reports were redacted, quoting the number verbatim.
    graph.write(
        "CREATE (:ImportRun {id: 'legacy-run', status: 'imported', report: $report})",
        report=json.dumps(
            {"warnings": [{"line": 4, "field": "phone", "reason": "invalid phone: '070-174 06 38 (kväll)'"}]}
        ),
    )
    return graph


def test_the_import_leaves_the_person_in_every_kind_of_place(imported: Graph) -> None:
    """The picture before erasure, as the issue found it: contacts, source records, audit events."""
    assert imported.read_one("MATCH (c:ContactPerson {name: 'Lennart Rydholm'}) RETURN count(c) AS n") == {"n": 3}
    text = _everything(imported)
    assert all(trace in text for trace in ("rydholm", "+46701740638"))
    rows = imported.read("MATCH (n) RETURN labels(n)[0] AS label, properties(n) AS props")
    found = {r["label"] for r in rows if "+46701740638" in json.dumps(r["props"], default=str)}
    assert found >= {"ContactPerson", "SourceRecord", "AuditEvent"}


def test_reports_never_quote_the_value(imported: Graph) -> None:
    reports = imported.read("MATCH (r:ImportRun) WHERE r.id <> 'legacy-run' RETURN r.report AS report")
    assert reports and all("070-174" not in r["report"] and "kväll" not in r["report"] for r in reports)
    warnings = json.loads(reports[0]["report"])["warnings"]
    assert [(w["line"], w["field"]) for w in warnings] == [(4, "phone")]


@pytest.mark.parametrize(
    "how",
    [["--phone", "070-174 06 38"], ["--name", "lennart rydholm", "--phone", "+46701740638"]],
    ids=["phone", "name+phone"],
)
def test_erase_by_phone_leaves_nothing_and_a_reimport_brings_nothing_back(
    imported: Graph, register: Path, runner: CliRunner, cli_env: dict, how: list[str]
) -> None:
    result = runner.invoke(main, ["gdpr", "erase", *how, "--yes"], env=cli_env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["contacts_removed"]) == 3
    assert report["remaining"] == 0
    assert _left(imported) == []
    assert all(trace in _everything(imported) for trace in NEIGHBOUR)

    again = run(imported, register, municipality="Kumla", source="kumla-register")
    assert again.ok, again.table()
    assert again.to_json()["suppressed"]["contacts"] == 3
    assert _left(imported) == []
    assert all(trace in _everything(imported) for trace in NEIGHBOUR)


def test_erase_by_address_reaches_the_same_name_and_phone_without_one(
    imported: Graph, runner: CliRunner, cli_env: dict
) -> None:
    """An address on one record identifies the person; their other records, by name + phone, go too."""
    imported.write(
        "MATCH (c:ContactPerson {name: 'Lennart Rydholm'})<-[:HAS_CONTACT]-(:Actor {name: 'Kumla Boulesällskap'}) "
        "SET c.email = 'lennart@boule-kumla.example'"
    )
    export = runner.invoke(main, ["gdpr", "export", "--email", "lennart@boule-kumla.example"], env=cli_env)
    assert export.exit_code == 0, export.output
    assert len(json.loads(export.stdout)["contacts"]) == 3
    result = runner.invoke(main, ["gdpr", "erase", "--email", "lennart@boule-kumla.example", "--yes"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["remaining"] == 0
    assert _left(imported) == []
    assert "boule-kumla" not in _everything(imported)


def test_export_by_name_and_phone_and_options_checked(imported: Graph, runner: CliRunner, cli_env: dict) -> None:
    result = runner.invoke(main, ["gdpr", "export", "--name", "Lennart Rydholm", "--phone", "0701740638"], env=cli_env)
    assert result.exit_code == 0, result.output
    export = json.loads(result.stdout)
    assert {c["actor"]["name"] for c in export["contacts"]} == {
        "Kumla Boulesällskap",
        "Hällabrottets Fältrittklubb",
        "Kumla Bridgeklubb",
    }
    labels = {m.get("label") for m in export["mentions"]}
    assert {"SourceRecord", "AuditEvent", "ImportRun"} <= labels
    assert "gunilla" not in result.stdout.lower()
    # A name alone identifies nobody; a number that is not one is refused.
    alone = runner.invoke(main, ["gdpr", "export", "--name", "Lennart Rydholm"], env=cli_env)
    assert alone.exit_code == 2 and "--phone" in alone.output
    bad = runner.invoke(main, ["gdpr", "export", "--phone", "inte ett nummer"], env=cli_env)
    assert bad.exit_code == 2


def test_admin_api_finds_and_erases_by_name_and_phone(imported: Graph, client: FlaskClient, admin_token: str) -> None:
    admin = bearer(admin_token)
    name_alone = client.post("/api/v1/gdpr/export", json={"name": "Lennart Rydholm"}, headers=admin)
    assert name_alone.status_code == 422
    bad = client.post("/api/v1/gdpr/export", json={"phone": "inte ett nummer"}, headers=admin)
    assert bad.status_code == 422 and "phone" in bad.get_json()["errors"]["json"]
    export = client.post(
        "/api/v1/gdpr/export", json={"name": "Lennart Rydholm", "phone": "070-174 06 38"}, headers=admin
    )
    assert export.status_code == 200
    assert len(export.get_json()["contacts"]) == 3 and export.get_json()["phone"] == "+46701740638"
    erased = client.post(
        "/api/v1/gdpr/erase", json={"name": "Lennart Rydholm", "phone": "070-174 06 38"}, headers=admin
    )
    assert erased.status_code == 200 and erased.get_json()["remaining"] == 0
    assert _left(imported) == []
