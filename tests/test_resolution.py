"""Entity resolution (issue 13, the matching half): Swedish match keys, blocking on names and contacts,
shared contacts that never count, branches kept apart, scores with reasons, judgements and undo.

The first tests check the scoring alone; the rest run the real importer against the real Neo4j on
the labelled registers of tests/fixtures/resolution (and the `three` registers of the import tests).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask, g, request
from flask.testing import FlaskClient
from neo4j import ManagedTransaction

from bench.generator import VARIANT_KINDS, actors, variants
from bench.resolution import LABELLED, _key, import_labelled, labelled_truth, predicted, scores
from importers import resolve
from importers.batch import CandidateFeatures
from importers.match_index import MatchIndex
from importers.records import derived_id
from registry.cli import main
from registry.dao.imports import ImportDao
from registry.db import Graph
from registry.identity import Principal, Role
from tests.import_helpers import FIXTURES, actor_by_name, counts, run

THREE = FIXTURES / "three"


def _f(name: str, municipality: str = "1881", **props: object) -> resolve.Features:
    contacts = props.pop("contacts", ())
    return resolve.features(name, {"name": name, "municipality_code": municipality, **props}, contacts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Kumlas Hembygdsförening", "Kumla Hembygdsförening"),  # genitive -s
        ("Karlskoga Ensamhetsnätverket", "Karlskoga Ensamhetsnätverk"),  # definite -et
        ("Kumla Blåsorkestern", "Kumla Blåsorkester"),  # definite -en
        ("Hembygdsvännerna i Kumla", "Kumla Hembygdsvänner"),  # definite plural -na
        ("Föreningen Vänskapsbron", "Vänskapsbron förening"),  # form word moved
        ("SV Örebro län", "Studieförbundet Vuxenskolan Örebro län"),  # abbreviation
        ("Vuxenskolan Örebro län", "Studieförbundet Vuxenskolan Örebro län"),  # "Studieförbundet" dropped
        ("NBV Örebro län", "Nykterhetsrörelsens Bildningsverksamhet i Örebro län"),
        ("Kga-Dfs Orkesterförening", "Karlskoga-Degerfors Orkesterförening"),  # place abbreviations
        ("Kumla IF", "Kumla Idrottsförening"),
        ("Afasiföreningen i Örebro län", "Örebro läns Afasiförening"),
    ],
)
def test_swedish_forms_of_one_name_share_a_match_key(one: str, other: str) -> None:
    assert _f(one).key == _f(other).key
    assert f"n:{_f(one).key}" in _f(other).blocking_keys()


def test_different_names_keep_different_keys() -> None:
    # An IK and an IF of one town are two clubs; compounds are not cut.
    assert _f("Kumla IK").key != _f("Kumla IF").key
    assert _f("Kumla Idrottsklubb").key != _f("Kumla Idrottsförening").key


def test_a_contact_persons_name_appended_is_not_part_of_the_name() -> None:
    plain = _f("Sydnärkes Schackklubb")
    appended = _f("Sydnärkes Schackklubb Per Holm", contacts=["Per Holm"])
    assert appended.key == plain.key
    match = resolve.score(appended, plain)
    assert match is not None and match.score >= resolve.MERGE_AT


def test_shared_domains_and_generic_addresses_are_never_evidence() -> None:
    national = _f("Rädda Barnen Kumla", emails=["info@raddabarnen.se"], website="https://www.raddabarnen.se")
    assert not national.emails and not national.sites
    platform = _f("Kumla Innebandyklubb", website="https://www.laget.se/kumlaibk")
    assert not platform.sites
    free = _f("Kumla Brukshundklubb", emails=["kumlabk@gmail.com"])
    # A free-mail domain says nothing, but one specific address on it does.
    assert free.emails == {"kumlabk@gmail.com"}
    own = _f("Kumla Motorklubb", website="http://www.Kumlamk.example/", emails=["info@kumlamk.example"])
    assert own.sites == {"kumlamk.example"} and own.emails == {"info@kumlamk.example"}
    assert {"e:info@kumlamk.example", "w:kumlamk.example"} <= set(own.blocking_keys())
    # Rädda Barnen in Kumla and in Hallsberg share the national site and address: no match.
    hallsberg = _f("Rädda Barnen", "1861", emails=["info@raddabarnen.se"], website="raddabarnen.se")
    match = resolve.score(national, hallsberg)
    assert match is not None and match.score < resolve.REVIEW_AT
    assert not any("samma" in r for r in match.reasons)


def test_branches_of_a_national_organisation_stay_apart() -> None:
    kumla, hallsberg = _f("PRO Kumla", phones=["+46313900690"]), _f("PRO Hallsberg", "1861", phones=["+46313900690"])
    match = resolve.score(kumla, hallsberg)
    # Even a shared phone (the district's) does not make two places one branch.
    assert match is not None and match.score < resolve.REVIEW_AT
    assert any("olika orter" in r for r in match.reasons)
    unnamed = resolve.score(_f("SPF Seniorerna"), _f("SPF Seniorerna", "1861"))
    assert unnamed is not None and unnamed.score < resolve.REVIEW_AT


def test_a_shared_contact_is_at_least_worth_a_review() -> None:
    match = resolve.score(
        _f("KMK Motorsport", website="http://www.kumlamk.example/"), _f("Kumla Motorklubb", website="kumlamk.example")
    )
    assert match is not None and resolve.REVIEW_AT <= match.score < resolve.MERGE_AT
    assert any("samma webbplats" in r for r in match.reasons)


def test_one_distinctive_word_after_place_and_kind_names_another_association() -> None:
    # "Lomma Idrottsförening" says only where and what kind: "... Gläntan" is another club.
    plain, other = _f("Lomma Idrottsförening", "1262"), _f("Lomma Idrottsförening Gläntan", "1262")
    match = resolve.score(other, plain)
    assert match is not None and match.score < resolve.REVIEW_AT
    assert any("ett eget namnord" in r for r in match.reasons)
    # The same pair sharing its own e-mail address is worth a person's look.
    shared = resolve.score(
        _f("Lomma Idrottsförening Gläntan", "1262", emails=["glantan@lif.example"]),
        _f("Lomma Idrottsförening", "1262", emails=["glantan@lif.example"]),
    )
    assert shared is not None and shared.score >= resolve.REVIEW_AT
    # A contact person's two words are not one distinctive word, and a name with a word of its own
    # ("Kulturföreningen Vågen") is not only place and kind.
    person = resolve.score(_f("Kumla Konstförening Anna Svensson"), _f("Kumla Konstförening"))
    assert person is not None and person.score >= resolve.REVIEW_AT
    named = resolve.score(_f("Kulturföreningen Vågen Kumla"), _f("Kulturföreningen Vågen"))
    assert named is not None and not any("ett eget namnord" in r for r in named.reasons)


def test_a_name_twin_is_not_merged_when_another_actor_shares_the_records_contact() -> None:
    record = _f("Föreningen BK Ängen", "0180", emails=["info@kallan.example"])
    namesake = _f("Ånge Bollklubb", "2260", emails=["info@angebk.example"])
    renamed_from = _f("Bildningsförbundet Källan", "0180", emails=["info@kallan.example"])
    alone = resolve.best_match(record, [namesake])
    assert alone is not None and alone.score >= resolve.MERGE_AT  # the name keys are one
    both = resolve.best_match(record, [namesake, renamed_from])
    assert both is not None and resolve.REVIEW_AT <= both.score < resolve.MERGE_AT
    assert any("en person avgör" in r for r in both.reasons)


def test_one_register_merges_only_a_name_it_lists_twice() -> None:
    one = _f("Afasiföreningen i Örebro län", phones=["+46701740612"], sources=["register:1862"])
    other = _f("Örebro Afasiförening", phones=["+46701740612"])
    match = resolve.score(other, one, source="register:1862")
    assert match is not None and resolve.REVIEW_AT <= match.score < resolve.MERGE_AT
    # Without a shared contact, two rows of one register are two associations...
    assert resolve.score(_f("Örebro Afasiförening"), one, source="register:1862") is None
    assert resolve.score(_f("Afasiföreningen i Örebro län", "1880"), one, source="register:1862") is None
    # ... unless it lists one name twice in one municipality.
    twice = resolve.score(_f("Örebro läns Afasiförening"), one, source="register:1862")
    assert twice is not None and twice.score >= resolve.MERGE_AT


def test_generator_variants_are_deterministic_and_of_every_kind() -> None:
    records = list(actors(3000, 7))
    first, second = list(variants(records, 0.2, 7)), list(variants(records, 0.2, 7))
    assert first == second
    assert {v["variant"] for v in first} >= {*VARIANT_KINDS, "branch"} - {"spelling"}
    assert all("org_number" not in v for v in first)


# -- through the importer, against Neo4j ----------------------------------------------------------


def test_labelled_registers_meet_the_targets(graph: Graph) -> None:
    import_labelled(graph)
    merged, queued = predicted(graph)
    truth, rows = labelled_truth()
    auto, together = scores(merged, truth), scores(queued, truth)
    assert auto["precision"] >= 0.995
    assert together["recall"] >= 0.95 and together["precision"] >= 0.98
    # No branch of a national organisation merged with another's, nor queued against it.
    different = {(_key(r["left"]), _key(r["right"])) for r in rows if r["judgement"] == "different"}
    assert not {tuple(sorted(p)) for p in different} & queued
    # Each kind of evidence did its part, and says so in the item's reasons.
    reasons = {
        r["key"]: r["reasons"]
        for r in graph.read(
            "MATCH (r:ReviewItem)-[:CANDIDATE]->(s:SourceRecord) RETURN s.key AS key, r.reasons AS reasons"
        )
    }
    assert any("samma e-post" in r for r in reasons[_key("hallsberg:H01")])  # SV: abbreviation + e-mail
    assert any("samma telefonnummer" in r for r in reasons[_key("askersund:A01")])  # NBV + phone
    assert any("samma webbplats" in r for r in reasons[_key("hallsberg:H08")])  # website only: queued
    assert any("samma namnnyckel" in r for r in reasons[_key("hallsberg:H03")])  # seat in another county


def test_reasons_and_judgements_are_listed(
    graph: Graph, runner: CliRunner, cli_env: dict[str, str], app: Flask
) -> None:
    for name, municipality in LABELLED[:2]:
        run(graph, FIXTURES.parent / "resolution" / name, municipality=municipality)

    @app.before_request
    def principal_from_header() -> None:
        role = request.headers.get("X-Test-Role")
        if role:
            g.principal = Principal(Role(role))

    client = app.test_client()
    listed = client.get("/api/v1/reviews?status=merged", headers={"X-Test-Role": "coordinator"})
    assert listed.status_code == 200
    items = {i["record"]["key"]: i for i in listed.get_json()}
    sv = items[_key("hallsberg:H01")]
    assert sv["judgement"] == "positive" and sv["decided_by"] == "import" and sv["decided_at"]
    assert any("samma e-post" in r for r in sv["reasons"])
    cli = runner.invoke(main, ["review", "list", "--status", "merged"], env=cli_env)
    assert cli.exit_code == 0, cli.output
    assert "SV Örebro län" in cli.output and "samma e-post" in cli.output and "positive, import" in cli.output


def test_undo_splits_a_merged_actor_back_by_its_source_records(
    graph: Graph, runner: CliRunner, cli_env: dict[str, str]
) -> None:
    run(graph, THREE / "kumla.csv", municipality="Kumla")
    report = run(graph, THREE / "hallsberg.csv", municipality="Hallsberg")
    assert counts(report)["merged"] == 1
    item = derived_id("review", "register:1861:H-7")
    study = actor_by_name(graph, "Studieförbundet Vuxenskolan Örebro län")
    assert sorted(study["records"]) == ["register:1861:H-7", "register:1881:K-1"]

    undone = runner.invoke(main, ["review", "undo", item], env=cli_env)
    assert undone.exit_code == 0, undone.output
    study = actor_by_name(graph, "Studieförbundet Vuxenskolan Örebro län")
    assert study["records"] == ["register:1881:K-1"]
    assert study["sources"] == ["register:1881"]
    assert "1861" not in study["active_in"]
    split = graph.read_one(
        "MATCH (s:SourceRecord {key: 'register:1861:H-7'})-[:DESCRIBES]->(a:Actor) "
        "RETURN a.id AS id, a.sources AS sources, a.website AS website"
    )
    assert split == {
        "id": derived_id("actor", "register:1861:H-7"),
        "sources": ["register:1861"],
        "website": "https://sv-orebrolan.example",
    }
    status = graph.read_one("MATCH (r:ReviewItem {id: $id}) RETURN r.status AS s, r.undone_from AS f", id=item)
    assert status == {"s": "rejected", "f": "merged"}
    # Twice is refused; and the two stay apart when both registers are imported again.
    again = runner.invoke(main, ["review", "undo", item], env=cli_env)
    assert again.exit_code == 1 and "kan inte ångras" in again.output
    run(graph, THREE / "kumla.csv", municipality="Kumla")
    run(graph, THREE / "hallsberg.csv", municipality="Hallsberg")
    assert actor_by_name(graph, "Studieförbundet Vuxenskolan Örebro län")["records"] == ["register:1881:K-1"]


def test_a_negative_judgement_keeps_two_records_apart_on_later_imports(
    graph: Graph, runner: CliRunner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    run(graph, THREE / "kumla.csv", municipality="Kumla")
    run(graph, THREE / "hallsberg.csv", municipality="Hallsberg")
    item = derived_id("review", "register:1861:H-8")
    rejected = runner.invoke(main, ["review", "reject", item], env=cli_env)
    assert rejected.exit_code == 0, rejected.output
    candidate = actor_by_name(graph, "Kumla Hallsbergs Brukshundklubb")["id"]
    again = run(graph, THREE / "hallsberg.csv", municipality="Hallsberg")
    assert counts(again)["unchanged"] == 3
    # The record's own actor is removed by hand and the club moves: the next import resolves the
    # record again, and the judgement keeps it from the candidate it was judged not to be.
    graph.write("MATCH (a:Actor {name: 'Hallsbergs Brukshundklubb'}) DETACH DELETE a")
    moved = tmp_path / "hallsberg.csv"
    moved.write_bytes((THREE / "hallsberg.csv").read_bytes().replace(b"Hundv\xe4gen 2", b"Hundv\xe4gen 4"))
    third = run(graph, moved, municipality="Hallsberg")
    assert counts(third)["queued"] == 0 and counts(third)["merged"] == 0
    record = graph.read_one(
        "MATCH (s:SourceRecord {key: 'register:1861:H-8'})-[:DESCRIBES]->(a:Actor) RETURN a.id AS id"
    )
    assert record is not None and record["id"] != candidate
    assert graph.read_one("MATCH (r:ReviewItem {id: $id}) RETURN r.status AS s", id=item) == {"s": "rejected"}


def test_unsure_leaves_the_record_alone_and_the_item_open(graph: Graph, app: Flask) -> None:
    run(graph, THREE / "kumla.csv", municipality="Kumla")
    run(graph, THREE / "hallsberg.csv", municipality="Hallsberg")
    item = derived_id("review", "register:1861:H-8")

    @app.before_request
    def principal_from_header() -> None:
        g.principal = Principal(Role.COORDINATOR, name="samordnare-test")

    client: FlaskClient = app.test_client()
    answer = client.post(f"/api/v1/reviews/{item}/unsure")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "unsure"
    shown = client.get(f"/api/v1/reviews/{item}").get_json()
    assert shown["judgement"] == "unsure" and shown["decided_by"] == "samordnare-test"
    assert actor_by_name(graph, "Hallsbergs Brukshundklubb")["records"] == ["register:1861:H-8"]
    # Still open: a person can reject it later, but an undo has no merge to undo.
    assert client.post(f"/api/v1/reviews/{item}/undo").status_code == 409
    assert client.post(f"/api/v1/reviews/{item}/reject").status_code == 200
    assert json.loads(json.dumps(client.get(f"/api/v1/reviews/{item}").get_json()))["judgement"] == "negative"


def test_candidate_features_are_kept_while_the_actors_version_stands(graph: Graph) -> None:
    """The importer keeps candidates' features over batches, and reads an actor anew once it changed."""
    run(graph, THREE / "kumla.csv", municipality="Kumla")
    reads: list[list[str]] = []

    class CountingDao(ImportDao):
        @staticmethod
        def candidates(tx: ManagedTransaction, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
            found = ImportDao.candidates(tx, rows)
            reads.append(sorted(r["id"] for r in found))
            return found

    dao, kept, index = CountingDao(graph), CandidateFeatures(), MatchIndex()
    index.load(dao, None)
    club = resolve.features("new", {"name": "Kumla Hallsbergs Brukshundklubb", "municipality_code": "1881"})
    [found] = index.candidates([club.blocking_keys()], 10)
    club_id = actor_by_name(graph, "Kumla Hallsbergs Brukshundklubb")["id"]
    assert club_id in found
    first = graph.read_tx(lambda tx: kept.read(tx, dao, found))
    assert reads == [sorted(found)] and first[club_id].text == club.text
    again = graph.read_tx(lambda tx: kept.read(tx, dao, found))
    assert again == first and reads[-1] == []
    graph.write("MATCH (a:Actor {id: $id}) SET a.name = 'Kumla Brukshundklubb', a.version = a.version + 1", id=club_id)
    third = graph.read_tx(lambda tx: kept.read(tx, dao, found))
    assert reads[-1] == [club_id]
    assert third[club_id].text != first[club_id].text
    # Fewer places than candidates: each read still answers for every actor it was asked about.
    small, some = CandidateFeatures(size=1), [r["id"] for r in graph.read("MATCH (a:Actor) RETURN a.id AS id LIMIT 3")]
    assert len(some) == 3
    for _ in range(2):
        assert set(graph.read_tx(lambda tx: small.read(tx, dao, some))) == set(some)


def test_match_index_ranks_rare_keys_first_and_caps_each_record() -> None:
    """A shared e-mail (a key of its own) outranks a name word many actors have, and at most
    `limit` candidates come back, the common key's filling the places left."""
    index = MatchIndex()
    for n in range(100):
        index.add(f"club-{n:03}", ["t:idrott@18"])
    index.add("twin", ["t:idrott@18", "e:kansli@twin.se"])
    index.add("namesake", ["n:kumla schack"])
    [rare, common, nothing] = index.candidates([["t:idrott@18", "e:kansli@twin.se"], ["t:idrott@18"], ["n:okänd"]], 5)
    assert rare[0] == "twin" and len(rare) == 5
    assert common == [f"club-{n:03}" for n in range(5)]
    assert nothing == []
    # Keys added after a lookup are found by the next one, in insertion order after older actors.
    index.add("late", ["n:kumla schack"])
    assert index.candidates([["n:kumla schack"]], 5) == [["namesake", "late"]]


def test_match_index_sees_another_imports_actors_after_it_loaded(graph: Graph) -> None:
    """Another import's new actor (committed after this import loaded its keys) is still found: each
    batch asks whether another import ran meanwhile, and then reads the keys of actors changed since."""
    run(graph, THREE / "kumla.csv", municipality="Kumla")
    dao, index = ImportDao(graph), MatchIndex()
    index.load(dao, "this-run")
    keys = resolve.match_keys({"name": "Askersunds Ensamhetsnätverk", "municipality_code": "1882"})
    assert index.candidates([keys], 10) == [[]]
    make = "CREATE (:Actor {id: $id, name: 'x', match_keys: $keys, version: $version, updated_at: datetime()})"
    # Written by no import (a test's own write): no import ran since, so a batch reads nothing more.
    graph.write(make, id="no-import", keys=keys, version=1)
    index.load(dao, "this-run")
    assert index.candidates([keys], 10) == [[]]
    graph.write("CREATE (:ImportRun {id: 'other-run', source: 'register:1882', status: 'running'})")
    graph.write(make, id="other-import", keys=keys, version=1)
    index.load(dao, "this-run")
    assert index.candidates([keys], 10) == [["no-import", "other-import"]]
    # Actors the import knows at their version (its own writes) are not read again.
    graph.write(make, id="mine", keys=keys, version=3)
    now = graph.read_one("RETURN datetime() AS now")
    assert now is not None
    known = {("mine", 3), ("other-import", 1)}
    changed, _ = dao.match_keys_since(now["now"], 60, "this-run", lambda i, v: (i, v) in known)
    read = {c[0] for c in changed}
    assert "no-import" in read and not read & {"mine", "other-import"}
