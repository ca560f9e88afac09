"""Multi-source merge semantics against a real Neo4j: every register's claim survives, the seat
follows the stated rule whatever the import order, and the provenance is shown as `sources`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from importers.merge import ActorState, apply_record, best_claim, load_claims
from registry.db import Graph
from tests.conftest import wipe
from tests.import_helpers import FIXTURES, actor_by_name, counts, run

MULTI = FIXTURES / "multi"
STUDY = "Studieförbundet Vuxenskolan Örebro län"
KUMLA_FILE = (MULTI / "kumla-fri.csv", "Kumla")
OREBRO_FILE = (MULTI / "orebro.ibgo.json", "Örebro")


def _import(graph: Graph, order: list[tuple[Path, str]]) -> dict[str, Any]:
    for path, municipality in order:
        report = run(graph, path, municipality=municipality)
        assert report.outcome == "imported", report.message
    rows = graph.read("MATCH (a:Actor) WHERE a.name_key = 'lan orebro studieforbund vuxenskolan' RETURN a.id AS id")
    assert len(rows) == 1, "one actor in both registers"
    return actor_by_name(graph, STUDY)


def _activities(actor: dict[str, Any]) -> set[str]:
    return {a.strip() for a in str(actor["activities"]).split(",")}


def test_the_same_study_association_ends_the_same_in_either_order(graph: Graph) -> None:
    """Small town first, county seat second, and the other way round: the same seat (the county
    seat's stated address beats the small town's derived one) and the union of activities."""
    pictures = []
    for order in ([KUMLA_FILE, OREBRO_FILE], [OREBRO_FILE, KUMLA_FILE]):
        wipe(graph)
        study = _import(graph, order)
        pictures.append(study)
        assert study["seat"] == ["1880"]
        assert study["street_address"] == "Fabriksgatan 9" and study["postal_code"] == "702 11"
        assert study["locality"] == "Örebro"
        assert study["active_in"] == ["1881"]  # the small town's register: active there
        assert _activities(study) == {"Studiecirklar", "Kurser", "Kultur för seniorer"}
        assert sorted(study["sources"]) == ["register:1880", "register:1881"]
    first, second = pictures
    for name in ("seat", "street_address", "postal_code", "locality", "active_in"):
        assert first[name] == second[name], name
    # The same interest areas; their order is that of the relationships, which the import order sets.
    assert sorted(first["works_on"]) == sorted(second["works_on"])


def test_categories_are_united_across_registers(graph: Graph, tmp_path: Path) -> None:
    """Each register's categories become interest areas of the one actor, not the last one's only."""
    sports = tmp_path / "hallsberg.csv"
    sports.write_bytes(
        (
            "Föreningsnamn;Kategori;Verksamhet;E-post;Hemsida\r\n"
            f"{STUDY};Idrottsföreningar;Friskvård;orebrolan@sv-orebrolan.example;https://sv-orebrolan.example\r\n"
        ).encode("cp1252")
    )
    run(graph, MULTI / "kumla-fri.csv", municipality="Kumla")
    run(graph, sports, municipality="Hallsberg")
    study = actor_by_name(graph, STUDY)
    assert "sports" in study["works_on"] and len(study["works_on"]) >= 2
    assert {"Studiecirklar", "Kurser", "Friskvård"} <= _activities(study)
    # Two derived seats of equal standing: the newer is the seat, the other register's stays active.
    assert study["seat"] == ["1861"] and study["active_in"] == ["1881"]


def test_a_register_withdrawing_an_activity_keeps_the_others(graph: Graph, tmp_path: Path) -> None:
    run(graph, MULTI / "kumla-fri.csv", municipality="Kumla")
    run(graph, MULTI / "orebro.ibgo.json", municipality="Örebro")
    changed = tmp_path / "kumla-fri.csv"
    text = (MULTI / "kumla-fri.csv").read_bytes().decode("cp1252").replace("Studiecirklar, Kurser", "Studiecirklar")
    changed.write_bytes(text.encode("cp1252"))
    report = run(graph, changed, municipality="Kumla")
    assert counts(report)["updated"] == 1
    study = actor_by_name(graph, STUDY)
    # Kumla withdrew "Kurser"; Örebro's items stay, and so does the seat.
    assert _activities(study) == {"Studiecirklar", "Kultur för seniorer"}
    assert study["seat"] == ["1880"]


def test_sources_in_the_api_and_on_the_actor_page(graph: Graph, client: FlaskClient) -> None:
    _import(graph, [KUMLA_FILE, OREBRO_FILE])
    study = actor_by_name(graph, STUDY)
    body = client.get(f"/api/v1/actors/{study['id']}").get_json()
    sources = {s["name"]: s for s in body["sources"]}
    assert set(sources) == {"register:1880", "register:1881"}
    orebro, kumla = sources["register:1880"], sources["register:1881"]
    assert orebro["record_id"] == "1" and orebro["seat"] is True and orebro["seat_basis"] == "address"
    assert kumla["record_id"] is None and kumla["seat"] is False and kumla["seat_basis"] == "derived"
    # Which source said what, and when.
    assert orebro["fields"]["street_address"] == "Fabriksgatan 9"
    assert kumla["fields"]["municipality_code"] == "1881"
    assert kumla["fields"]["activities"] == "Studiecirklar, Kurser"
    assert orebro["imported_at"] and kumla["imported_at"]
    assert "contacts" not in orebro["fields"]
    # Per field, whose value the actor shows: the seat is Örebro's, the name both say.
    assert {"street_address", "postal_code", "municipality_code", "name"} <= set(orebro["used"])
    assert "municipality_code" not in kumla["used"] and {"name", "activities"} <= set(kumla["used"])

    page = client.get(f"/aktorer/{study['id']}").get_data(as_text=True)
    assert 'id="sources-heading"' in page
    assert '<tr data-source="register:1880" class="seat">' in page
    assert '<tr data-source="register:1881">' in page
    assert "Studiecirklar, Kurser" in page  # Kumla's own words, beside Örebro's


# -- the seat rule, record by record (claims outside the county: the matching helper joins them) ----
def _record(municipality: str, *, area: str, basis: str, postal: str | None = None) -> dict[str, object]:
    record: dict[str, object] = {"name": "Afasiföreningen i Örebro län", "municipality_code": municipality}
    if municipality != area:
        record["active_in"] = [area]
    if postal:
        record["postal_code"] = postal
    record["seat_basis"] = basis
    return record


BANKGIROT = _record("0180", area="1861", basis="address", postal="105 19")  # a Bankgirot box in Stockholm
REGIONAL = _record("1980", area="1883", basis="address", postal="722 12")  # an office in Västerås
LOCAL = _record("1881", area="1881", basis="derived")  # the small town's register, no address
COUNTY_SEAT = _record("1880", area="1880", basis="address", postal="702 11")


@pytest.mark.parametrize(
    ("records", "seat", "active"),
    [
        # An invoice address in another county loses to the register's own municipality, derived or not.
        ([("h", BANKGIROT), ("k", LOCAL)], "1881", {"1861"}),
        ([("h", BANKGIROT), ("k", LOCAL), ("o", COUNTY_SEAT)], "1880", {"1861", "1881"}),
        ([("g", REGIONAL), ("o", COUNTY_SEAT)], "1880", {"1883"}),
        # A stated address beats a derived seat, both inside the area.
        ([("k", LOCAL), ("o", COUNTY_SEAT)], "1880", {"1881"}),
    ],
)
def test_the_seat_rule_is_the_same_in_every_order(
    records: list[tuple[str, dict[str, object]]], seat: str, active: set[str]
) -> None:
    import itertools

    for order in itertools.permutations(records):
        state = ActorState.new("a")
        for key, record in order:
            apply_record(state, f"{key}:1", key, dict(record), None, Counter())
        assert state.props["municipality_code"] == seat, order
        # Every register's municipality stays; an invoice box in another county is no activity.
        assert set(state.links["active_in"]) == active, order
        claims, chosen = load_claims(state)
        assert chosen == best_claim(list(claims.values())).key  # type: ignore[union-attr]


def test_a_seat_edited_by_hand_is_kept() -> None:
    state = ActorState.new("a")
    apply_record(state, "k:1", "k", dict(LOCAL), None, Counter())
    state.created = False
    state.props["municipality_code"] = "1882"  # a person moved it
    apply_record(state, "o:1", "o", dict(COUNTY_SEAT), None, Counter())
    assert state.props["municipality_code"] == "1882"
    assert set(state.links["active_in"]) == {"1880", "1881"}
