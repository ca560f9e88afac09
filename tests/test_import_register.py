"""Register imports against a real Neo4j: one graph from every format, idempotence, resolution, provenance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.cli import main
from registry.db import Graph
from registry.demo import demo_id, load_demo
from tests.conftest import wipe
from tests.import_helpers import FIXTURES, KUMLA, actor_by_name, counts, run, snapshot

KUMLA_FILES = ("kumla.ibgo.json", "kumla-cp1252.csv", "kumla-utf8bom.csv", "kumla.xlsx")


def test_every_format_gives_the_same_graph(graph: Graph) -> None:
    """The contract test: one register as Interbook Go JSON, `;` CSV in Windows-1252, `,` CSV in
    UTF-8 with BOM, and XLSX."""
    pictures = {}
    detected = {}
    for name in KUMLA_FILES:
        wipe(graph)
        report = run(graph, FIXTURES / name, municipality="Kumla", source="kumla-register")
        assert report.outcome == "imported", (name, report.message)
        assert counts(report)["read"] == 12
        assert counts(report)["rejected"] == 0
        detected[name] = (report.format, report.encoding, report.delimiter)
        pictures[name] = snapshot(graph)
    assert detected == {
        "kumla.ibgo.json": ("ibgo", "utf-8", None),
        "kumla-cp1252.csv": ("csv", "cp1252", ";"),
        "kumla-utf8bom.csv": ("csv", "utf-8-sig", ","),
        "kumla.xlsx": ("xlsx", None, None),
    }
    first = pictures["kumla.ibgo.json"]
    assert len([k for k in first["nodes"] if k.startswith("Actor:")]) == 12
    for name in KUMLA_FILES[1:]:
        assert pictures[name]["nodes"] == first["nodes"], name
        assert pictures[name]["relationships"] == first["relationships"], name


def test_messy_values_are_normalised(graph: Graph) -> None:
    report = run(graph, FIXTURES / "kumla-cp1252.csv", municipality="Kumla")
    assert report.outcome == "imported"
    chess = actor_by_name(graph, "Kumla Schackklubb")  # was 'KUMLA SCHACKKLUBB'
    assert chess["locality"] == "Kumla"  # was 'KUMLA'
    assert chess["postal_code"] == "692 31"  # was '69231'
    assert chess["phones"] == ["+46313900600"]  # was '0313900600'
    assert "website" not in chess  # was ' '
    assert "street_address" not in chess  # 'Se hemsidan' is not an address
    assert chess["contacts"][0]["name"] == "Anna Svensson"  # was 'Anna svensson'
    assert chess["seat"] == [KUMLA] and chess["county_code"] == "18"
    assert chess["sector"] == "civil" and chess["kind"] == "association"
    # "Idrottsföreningar" mapped from the category, hobby derived from the activity "Schack".
    assert sorted(chess["works_on"]) == ["hobby", "sports"]
    glantan = actor_by_name(graph, "Kumla Seniorförening Gläntan")
    assert glantan["website"] == "https://glantan-kumla.example"
    assert glantan["emails"] == ["ordforande@glantan-kumla.example", "kassor@glantan-kumla.example"]
    assert glantan["activities"] == "Boule, bingo, resor"  # 'dans och gemenska...' was cut off
    assert sorted(glantan["works_on"]) == ["pensioners", "sports"]  # sports derived from the activity "Boule"
    ifk = actor_by_name(graph, "IFK Kumla Fotboll")
    assert ifk["phones"] == ["+46313900602", "+46701740606"]
    assert ifk["website"] == "http://www.ifkkumla.example"
    assert ifk["contacts"][0]["name"] == "Per-Olof Larsson"
    assert ifk["name_key"] == "fotboll ifk kumla"
    motor = actor_by_name(graph, "Kumla Motorklubb")
    # The vocabulary knows motor clubs now (importers/vocabulary/terms.toml): sports, from the category.
    assert motor["works_on"] == ["sports"] and "activities" not in motor
    assert report.unknown_categories == {}
    church = actor_by_name(graph, "Kumla Pingstförsamling")
    assert church["kind"] == "faith-community" and church["works_on"] == ["faith"]
    scouts = actor_by_name(graph, "Kumla Scoutkår")  # no postal code: the register's municipality
    assert scouts["seat"] == [KUMLA] and scouts["phones"] == ["+46313900605"]
    study = actor_by_name(graph, "Studieförbundet Vuxenskolan Örebro län")
    assert study["seat"] == ["1880"] and study["active_in"] == [KUMLA]
    assert study["kind"] == "study-association"
    assert {w["line"]: w["field"] for w in report.warnings} == {2: "street_address", 6: "street_address", 7: "email"}
    assert report.columns["unmapped"] == ["Kommundel"]


def test_second_import_changes_nothing(graph: Graph) -> None:
    first = run(graph, FIXTURES / "kumla.xlsx", municipality="Kumla")
    assert counts(first)["created"] == 12
    before = snapshot(graph)
    second = run(graph, FIXTURES / "kumla.xlsx", municipality="Kumla")
    assert counts(second) == {
        "read": 12,
        "created": 0,
        "updated": 0,
        "merged": 0,
        "unchanged": 12,
        "queued": 0,
        "rejected": 0,
    }
    assert snapshot(graph) == before
    versions = graph.read("MATCH (a:Actor) RETURN DISTINCT a.version AS v")
    assert versions == [{"v": 1}]


def test_one_association_in_three_registers_is_one_actor(graph: Graph) -> None:
    folder = FIXTURES / "three"
    reports = [
        run(graph, folder / "kumla.csv", municipality="Kumla"),
        run(graph, folder / "hallsberg.csv", municipality="Hallsberg"),
        run(graph, folder / "askersund.ibgo.json", municipality="Askersund"),
    ]
    assert [r.outcome for r in reports] == ["imported"] * 3
    assert [counts(r)["merged"] for r in reports] == [0, 1, 1]
    rows = graph.read("MATCH (a:Actor) WHERE a.name_key = 'lan orebro studieforbund vuxenskolan' RETURN a.id AS id")
    assert len(rows) == 1
    study = actor_by_name(graph, "Studieförbundet Vuxenskolan Örebro län")
    assert study["seat"] == ["1880"]
    assert sorted(study["active_in"]) == ["1861", "1881", "1882"]
    assert sorted(study["sources"]) == ["register:1861", "register:1881", "register:1882"]
    assert sorted(study["records"]) == ["register:1861:H-7", "register:1881:K-1", "register:1882:7"]
    # The first register gave the website; the others' spellings of it are the same site.
    assert study["website"] == "https://sv-orebrolan.example"


def test_a_near_match_in_another_municipality_waits_for_review(graph: Graph) -> None:
    run(graph, FIXTURES / "three" / "kumla.csv", municipality="Kumla")
    report = run(graph, FIXTURES / "three" / "hallsberg.csv", municipality="Hallsberg")
    assert counts(report)["queued"] == 1
    item = graph.read_one(
        "MATCH (r:ReviewItem {status: 'pending'})-[:CANDIDATE]->(s:SourceRecord), (r)-[:CANDIDATE]->(a:Actor) "
        "RETURN r.status AS status, r.score AS score, r.reasons AS reasons, s.key AS record, a.name AS candidate, "
        "EXISTS { (s)-[:DESCRIBES]->() } AS described"
    )
    assert item is not None
    assert item["status"] == "pending"
    assert item["record"] == "register:1861:H-8"
    assert item["candidate"] == "Kumla Hallsbergs Brukshundklubb"
    assert 60 <= item["score"] < 90
    assert any("delvis olika orter" in r for r in item["reasons"])
    assert item["described"] is False
    # Still waiting, unchanged: a second import neither duplicates the item nor decides it.
    again = run(graph, FIXTURES / "three" / "hallsberg.csv", municipality="Hallsberg")
    assert counts(again)["unchanged"] == 3
    assert graph.read_one("MATCH (r:ReviewItem) RETURN count(r) AS n") == {"n": 2}  # this one and the merge of H-7


def test_org_number_match_merges_and_keeps_existing_values(graph: Graph, tmp_path: Path) -> None:
    """The stated rule: the first value wins; the register's differing value stays in provenance."""
    load_demo(graph)
    path = tmp_path / "register.csv"
    path.write_text(
        "Föreningsnamn;Org.nr;Hemsida;Telefon;Postnr;Antal medlemmar\n"
        "PRO Linden Kumla;8020041227;https://other-linden.example;0313900650;692 31;210\n",
        encoding="utf-8",
    )
    report = run(graph, path, municipality="Kumla")
    assert counts(report)["merged"] == 1
    linden = actor_by_name(graph, "Kumla Pensionärsförening Linden")  # name kept
    assert linden["id"] == demo_id("kumla-pensionarsforening-linden")
    assert linden["website"] == "https://linden-kumla.example"  # kept
    assert "+46313900650" in linden["phones"]  # lists grow
    assert report.conflicts["website"] == 1 and report.conflicts["name"] == 1
    fields = graph.read_one(
        "MATCH (s:SourceRecord)-[:DESCRIBES]->(a:Actor {id: $id}) RETURN s.fields AS f", id=linden["id"]
    )
    assert fields is not None
    assert json.loads(fields["f"])["website"] == "https://other-linden.example"  # the losing value, in provenance
    assert sorted(linden["sources"]) == ["demo", "register:1881"]


def test_a_changed_record_updates_what_it_wrote_but_not_a_manual_edit(graph: Graph, tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    header = "Id;Föreningsnamn;Telefon;Hemsida;Postnr;Ort\n"
    path.write_text(header + "7;Kumla Cykelklubb;0313900610;kumlack.example;692 31;Kumla\n", encoding="utf-8")
    run(graph, path, municipality="Kumla")
    # An officer corrects the website by hand.
    graph.write("MATCH (a:Actor {name: 'Kumla Cykelklubb'}) SET a.website = 'https://cykel.kumla.example'")
    path.write_text(header + "7;Kumla Cykelklubb;0313900611;kumla-ck.example;692 32;Kumla\n", encoding="utf-8")
    report = run(graph, path, municipality="Kumla")
    assert counts(report)["updated"] == 1
    club = actor_by_name(graph, "Kumla Cykelklubb")
    assert club["phones"] == ["+46313900611"]  # the register's own value follows the register
    assert club["postal_code"] == "692 32"
    assert club["website"] == "https://cykel.kumla.example"  # the hand edit stays
    assert report.conflicts["website"] == 1


def test_invalid_rows_are_rejected_with_line_numbers_and_the_rest_imported(graph: Graph) -> None:
    report = run(graph, FIXTURES / "malformed" / "invalid-orgnr.csv", municipality="Kumla")
    assert report.outcome == "imported"
    assert counts(report)["created"] == 2
    assert [r["line"] for r in report.rejected] == [3]
    assert "organisationsnummer" in report.rejected[0]["reason"]
    assert [(w["line"], w["field"]) for w in report.warnings] == [(4, "phone")]
    names = {r["n"] for r in graph.read("MATCH (a:Actor) RETURN a.name AS n")}
    assert names == {"Kumla Tennisklubb", "Kumla Biodlarförening"}


def test_strict_writes_nothing_when_a_row_is_invalid(graph: Graph) -> None:
    report = run(graph, FIXTURES / "malformed" / "invalid-orgnr.csv", municipality="Kumla", strict=True)
    assert report.outcome == "aborted"
    assert [r["line"] for r in report.rejected] == [3]
    assert graph.read_one("MATCH (n) WHERE n:Actor OR n:SourceRecord OR n:ImportRun RETURN count(n) AS n") == {"n": 0}


def test_dry_run_writes_nothing_but_reports_what_it_would_do(graph: Graph) -> None:
    report = run(graph, FIXTURES / "kumla.ibgo.json", municipality="Kumla", dry_run=True)
    assert report.outcome == "dry-run"
    assert counts(report)["created"] == 12
    assert graph.read_one("MATCH (n) WHERE n:Actor OR n:SourceRecord OR n:ImportRun RETURN count(n) AS n") == {"n": 0}


def test_formula_cells_and_duplicates_are_rejected(graph: Graph) -> None:
    formulas = run(graph, FIXTURES / "malformed" / "formulas.csv", municipality="Kumla")
    assert [r["line"] for r in formulas.rejected] == [2, 3]
    assert all("formel" in r["reason"] for r in formulas.rejected)
    dance = actor_by_name(graph, "Kumla Dansklubb")  # '+46...' is a phone, not a formula
    assert dance["phones"] == ["+46313900600"]
    actor_by_name(graph, "-Kumla Minus-")
    duplicates = run(graph, FIXTURES / "malformed" / "duplicates.csv", municipality="Kumla")
    assert [r["line"] for r in duplicates.rejected] == [4]
    assert "rad 2" in duplicates.rejected[0]["reason"]
    assert counts(duplicates)["created"] == 2


def test_a_one_megabyte_cell_rejects_its_row_only(graph: Graph, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("Föreningsnamn;Beskrivning;Postnr\n")
        handle.write("Kumla Roddklubb;Rodd;692 31\n")
        handle.write('Kumla Stor;"' + "x" * 1_048_576 + '";692 31\n')
        handle.write("Kumla Kanotklubb;Kanot;692 31\n")
    report = run(graph, path, municipality="Kumla")
    assert counts(report)["created"] == 2
    assert [r["line"] for r in report.rejected] == [3]
    assert "för långt" in report.rejected[0]["reason"]


def test_quoted_line_breaks_tabs_and_extra_fields(graph: Graph) -> None:
    report = run(graph, FIXTURES / "malformed" / "quoted-newlines.tsv", municipality="Kumla")
    assert report.delimiter == "\t"
    assert counts(report)["created"] == 2
    # The description spans lines 2-4, so the row with a field too many is line 5.
    assert [r["line"] for r in report.rejected] == [5]
    birds = actor_by_name(graph, "Kumla Fågelklubb")
    assert birds["description"] == "Fågelskådning, utflykter och föredrag"


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("empty.csv", "tom"),
        ("header-only.csv", "inga rader"),
        ("no-name-column.csv", "ingen kolumn för namn"),
        ("truncated.ibgo.json", "avkortad"),
        ("garbage.bin", "inte text"),
        ("mojibake.csv", "ingen kolumn för namn"),
        ("does-not-exist.csv", "kan inte läsas"),
    ],
)
def test_unreadable_files_fail_with_one_message_and_write_nothing(
    graph: Graph, runner: CliRunner, cli_env: dict[str, str], name: str, fragment: str
) -> None:
    result = runner.invoke(
        main, ["import", "register", str(FIXTURES / "malformed" / name), "--municipality", "Kumla"], env=cli_env
    )
    assert result.exit_code == 1, result.output
    assert fragment in result.output
    assert graph.read_one("MATCH (n) WHERE n:Actor OR n:SourceRecord OR n:ImportRun RETURN count(n) AS n") == {"n": 0}


def test_unknown_format_and_municipality_fail_cleanly(graph: Graph, runner: CliRunner, cli_env: dict[str, str]) -> None:
    path = str(FIXTURES / "kumla-cp1252.csv")
    wrong = runner.invoke(main, ["import", "register", path, "--format", "xlsx"], env=cli_env)
    assert wrong.exit_code == 1 and "inte en XLSX" in wrong.output
    unknown = runner.invoke(main, ["import", "register", path, "--format", "odf"], env=cli_env)
    assert unknown.exit_code == 2 and "odf" in unknown.output
    nowhere = runner.invoke(main, ["import", "register", path, "--municipality", "Atlantis"], env=cli_env)
    assert nowhere.exit_code == 1 and "okänd kommun" in nowhere.output
    assert graph.read_one("MATCH (n) WHERE n:Actor OR n:ImportRun RETURN count(n) AS n") == {"n": 0}


def test_cli_prints_the_table_and_writes_the_json_report(
    graph: Graph, runner: CliRunner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    args = ["import", "register", str(FIXTURES / "malformed" / "invalid-orgnr.csv"), "--municipality", "1881"]
    result = runner.invoke(main, [*args, "--report", str(out)], env=cli_env)
    assert result.exit_code == 0, result.output
    for label in ("lästa rader", "nya aktörer", "uppdaterade", "sammanslagna", "oförändrade", "granskning"):
        assert label in result.output
    assert "rad / line 3:" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["counts"] == {
        "read": 3,
        "created": 2,
        "updated": 0,
        "merged": 0,
        "unchanged": 0,
        "queued": 0,
        "rejected": 1,
    }
    assert data["rejected"][0]["line"] == 3
    assert data["source"] == "register:1881"
    run_node = graph.read_one("MATCH (r:ImportRun) RETURN r.status AS status, r.report AS report")
    assert run_node is not None and run_node["status"] == "finished"
    assert json.loads(run_node["report"])["counts"]["created"] == 2
    again = runner.invoke(main, args, env=cli_env)
    assert "nya aktörer / created                              0" in again.output


def test_provenance_per_source(graph: Graph) -> None:
    report = run(graph, FIXTURES / "kumla.ibgo.json", municipality="Kumla", source="kumla-ibgo")
    row = graph.read_one(
        "MATCH (s:SourceRecord {key: 'kumla-ibgo:1003'})-[:DESCRIBES]->(a:Actor), (s)-[:FROM_RUN]->(r:ImportRun) "
        "RETURN s.source AS source, s.record_id AS record_id, s.imported_at IS NOT NULL AS at, r.id AS run, "
        "a.name AS name, a.sources AS sources"
    )
    assert row == {
        "source": "kumla-ibgo",
        "record_id": "1003",
        "at": True,
        "run": report.run_id,
        "name": "IFK Kumla Fotboll",
        "sources": ["kumla-ibgo"],
    }


def test_user_mapping_file_and_json_records(graph: Graph) -> None:
    folder = FIXTURES / "layouts"
    odd = run(graph, folder / "odd-layout.csv", mapping=folder / "odd-layout.mapping.toml")
    assert odd.outcome == "imported", odd.message
    assert counts(odd)["created"] == 2
    assert odd.columns["unmapped"] == ["Bidragsgrupp"]
    assert actor_by_name(graph, "Kumla Racingklubb")["works_on"] == ["sports"]
    assert actor_by_name(graph, "Kumla Seniordans")["seat"] == [KUMLA]
    array = run(graph, folder / "records.json")
    assert (array.format, counts(array)["created"]) == ("json", 2)
    assert actor_by_name(graph, "Kumla Friluftsfrämjande")["member_count"] == 120
    lines = run(graph, folder / "records.jsonl")
    assert lines.format == "jsonl"
    # The same records as the JSON array, under the same default source: already imported.
    assert counts(lines)["unchanged"] == 2
    assert [r["line"] for r in lines.rejected] == [3]


def test_utf16_text_is_read(graph: Graph) -> None:
    report = run(graph, FIXTURES / "malformed" / "utf16.txt", municipality="Kumla")
    assert report.encoding == "utf-16"
    actor_by_name(graph, "Örnens Idrottssällskap")
