"""Reading and normalising without a database: formats, encodings, headers, categories, the normalisers."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from importers.categories import CategoryMapper
from importers.columns import ColumnMap, Mapping, header_key, load_mapping
from importers.merge import ActorState, apply_record
from importers.readers import _CHUNK, ReadError, Row, RowError, open_source
from importers.records import Context, RowRejectedError, normalise_row
from registry.domain import normalize
from tests.import_helpers import FIXTURES


@pytest.mark.parametrize(
    ("name", "fmt", "encoding", "delimiter"),
    [
        ("kumla.ibgo.json", "ibgo", "utf-8", None),
        ("kumla-cp1252.csv", "csv", "cp1252", ";"),
        ("kumla-utf8bom.csv", "csv", "utf-8-sig", ","),
        ("kumla.xlsx", "xlsx", None, None),
        ("three/hallsberg.csv", "csv", "cp1252", ","),
        ("malformed/quoted-newlines.tsv", "csv", "utf-8", "\t"),
        ("malformed/utf16.txt", "csv", "utf-16", "\t"),
        ("layouts/records.json", "json", "utf-8", None),
        ("layouts/records.jsonl", "jsonl", "utf-8", None),
    ],
)
def test_formats_are_detected_from_content(name: str, fmt: str, encoding: str | None, delimiter: str | None) -> None:
    source = open_source(FIXTURES / name)
    assert (source.format, source.encoding, source.delimiter) == (fmt, encoding, delimiter)


def test_every_kumla_file_yields_the_same_rows_in_order() -> None:
    ibgo = [r for r in open_source(FIXTURES / "kumla.ibgo.json").rows() if isinstance(r, Row)]
    assert [r.values["Name"] for r in ibgo][:2] == ["KUMLA SCHACKKLUBB", "Kumla Seniorförening Gläntan"]
    assert ibgo[0].line == 4  # the line its object starts on
    for name in ("kumla-cp1252.csv", "kumla-utf8bom.csv", "kumla.xlsx"):
        source = open_source(FIXTURES / name)
        rows = [r for r in source.rows() if isinstance(r, Row)]
        assert [r.values["Föreningsnamn"] for r in rows] == [c.values["Name"] for c in ibgo], name
        assert [r.line for r in rows] == list(range(2, 14)), name
        assert rows[1].values["Hemsida"] == "glantan-kumla.example"


def test_a_trailing_empty_column_and_a_named_sheet() -> None:
    assert open_source(FIXTURES / "kumla-utf8bom.csv").headers == open_source(FIXTURES / "kumla-cp1252.csv").headers
    other = open_source(FIXTURES / "kumla.xlsx", sheet="Om exporten")
    assert other.headers == ["Exporterad från kommunens föreningsregister (fiktiva data)"]
    with pytest.raises(ReadError, match="finns inte"):
        open_source(FIXTURES / "kumla.xlsx", sheet="Blad9")


def test_truncated_and_malformed_json(tmp_path: Path) -> None:
    source = open_source(FIXTURES / "malformed" / "truncated.ibgo.json")
    with pytest.raises(ReadError, match="avkortad"):
        list(source.rows())
    trailing = tmp_path / "trailing.json"
    trailing.write_text('[{"Namn": "A"}] [1]', encoding="utf-8")
    with pytest.raises(ReadError, match="efter"):
        list(open_source(trailing).rows())
    not_records = tmp_path / "numbers.json"
    not_records.write_text('[{"Namn": "A"}, 3, {"Namn": {"x": 1}}]', encoding="utf-8")
    rows = list(open_source(not_records).rows())
    assert [type(r) for r in rows] == [Row, RowError, RowError]
    layout = tmp_path / "layout.json"
    layout.write_text('{\n"Föreningar": []\n}', encoding="utf-8")
    with pytest.raises(ReadError, match="okänd JSON-layout"):
        open_source(layout)


def test_json_values_split_across_read_chunks(tmp_path: Path) -> None:
    """A number or string cut by the reader's chunk boundary is read whole."""
    records = [{"Namn": f"Förening {i}", "Antal medlemmar": 123456789 + i, "Pad": "x" * 97} for i in range(1500)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    assert path.stat().st_size > 2 * _CHUNK
    rows = [r for r in open_source(path).rows() if isinstance(r, Row)]
    assert [int(r.values["Antal medlemmar"]) for r in rows] == [123456789 + i for i in range(1500)]


def test_interbook_go_total_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "ibgo.json"
    path.write_text(json.dumps({"Customers": [{"Id": 1, "Name": "A"}], "TotalNumberOfElements": 2}), encoding="utf-8")
    source = open_source(path)
    assert source.format == "ibgo"
    assert len(list(source.rows())) == 1
    assert source.declared_total == 2  # read after the records, where this file has it


def test_binary_and_empty_files() -> None:
    with pytest.raises(ReadError, match="inte text"):
        open_source(FIXTURES / "malformed" / "garbage.bin")
    with pytest.raises(ReadError, match="tom"):
        open_source(FIXTURES / "malformed" / "empty.csv")
    with pytest.raises(ReadError, match="inte en XLSX"):
        open_source(FIXTURES / "kumla-cp1252.csv", "xlsx")


def test_headers_match_their_synonyms() -> None:
    columns = ColumnMap("register", Mapping())
    columns.add(["FÖRENINGSNAMN", "Org.nr", "E-POST", "Epost", "Tel", "Mobil", "Adress", "Utdelningsadress", "Övrigt"])
    assert columns.resolved["FÖRENINGSNAMN"] == "name"
    assert columns.resolved["Org.nr"] == "org_number"
    assert columns.resolved["E-POST"] == columns.resolved["Epost"] == "email"
    assert columns.resolved["Tel"] == columns.resolved["Mobil"] == "phone"
    assert columns.unmapped == ["Övrigt"]
    assert columns.duplicates == ["Utdelningsadress"]
    assert columns.canonical({"Tel": "1", "Mobil": "2", "Adress": "A"}) == {"phone": ["1", "2"], "street_address": "A"}
    assert header_key("Antal  medlemmar") == header_key("antal_medlemmar") == "antalmedlemmar"


def test_mapping_files_are_checked(tmp_path: Path) -> None:
    good = tmp_path / "m.json"
    good.write_text(json.dumps({"columns": {"X": "name", "Y": ""}, "categories": {"Racing": "sports"}}), "utf-8")
    mapping = load_mapping(good)
    assert mapping.columns == {"X": "name", "Y": None}
    assert mapping.categories == {"Racing": ["sports"]}
    for text, fragment in (
        ('{"columns": {"X": "nickname"}}', "inget känt fält"),
        ('{"kolumner": {}}', "okända nycklar"),
        ("[columns\n", "varken JSON eller TOML"),
        ('{"categories": {"A": [1]}}', "lista av id"),
    ):
        bad = tmp_path / "bad.toml"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ReadError, match=fragment):
            load_mapping(bad)


def test_categories_map_to_the_taxonomy() -> None:
    mapper = CategoryMapper({"Motor och racing": ["sports"]})
    for text in ("Idrottsföreningar", "Idrottsförening", "Idrott", "IDROTT"):
        assert mapper.categories([text]).interest_areas == ("sports",), text
    assert mapper.categories(["Invandrar- och kulturföreningar"]).interest_areas == ("immigrant-cultural",)
    assert set(mapper.categories(["Barn- och ungdomsidrott"]).interest_areas) == {"sports", "children-youth"}
    church = mapper.categories(["Religiösa föreningar"])
    assert church.interest_areas == ("faith",) and church.kind == "faith-community"
    assert mapper.categories(["Motor och racing"]).interest_areas == ("sports",)
    assert mapper.categories(["Korsettklubb"]).unknown == ("Korsettklubb",)
    groups, unknown = mapper.target_groups(["Barn 0–12 år, Unga 13–25 år", "Äldre", "Hundägare"])
    assert groups == ("children", "youth", "elderly") and unknown == ("Hundägare",)


def test_normalisers() -> None:
    assert normalize.org_name("KUMLA PENSIONÄRSFÖRENING") == "Kumla Pensionärsförening"
    assert normalize.org_name("IFK NORA OCH HALLSBERG") == "IFK Nora och Hallsberg"
    assert normalize.org_name("  SPF Seniorerna   Kumla ") == "SPF Seniorerna Kumla"
    assert normalize.person_name("karl-erik af LUNDH") == "Karl-Erik af Lundh"
    assert normalize.person_name("Anna McDonald") == "Anna McDonald"
    assert normalize.locality("VÄSTRA FRÖLUNDA") == "Västra Frölunda"
    assert normalize.street_address("Box 12") == "Box 12"
    assert normalize.street_address("STORGATAN 5") == "Storgatan 5"
    for text in ("Se hemsidan", "-", "Saknas", "info@x.example", "www.x.example"):
        with pytest.raises(ValueError, match="gatuadress"):
            normalize.street_address(text)
    assert normalize.year("Bildad 1923") == normalize.year("1923-05-01") == 1923
    with pytest.raises(ValueError):
        normalize.year("2999", latest=2026)
    assert normalize.count("ca 1 200") == 1200
    assert normalize.truncated_list("Fotboll, bandy, innebandy, gymna...") == "Fotboll, bandy, innebandy"
    assert normalize.truncated_list("Körsång och fika…") == "Körsång"
    assert normalize.name_key("Pensionärsföreningen i Kumla") == normalize.name_key("Kumla Pensionärsförening")
    assert normalize.name_key("PRO Kumla") == normalize.name_key("Kumla PRO") == "kumla pro"
    assert normalize.website_domain("https://www.kumlaif.example/om") == "kumlaif.example"


def _row(**fields: str) -> dict:
    return normalise_row(fields, Context(kind="register", source="s", categories=CategoryMapper())).record


def test_rows_are_rejected_for_identity_problems_only() -> None:
    record = _row(name="Kumla Bågskytte", postal_code="69231", phone=["0313900600 / 070-174 06 05", "nej"])
    assert record["municipality_code"] == "1881"  # from the postal code
    assert record["phones"] == ["+46313900600", "+46701740605"]
    for fields, fragment in (
        ({"postal_code": "69231"}, "namn saknas"),
        ({"name": "X", "org_number": "802412-3457", "postal_code": "69231"}, "organisationsnummer"),
        ({"name": "X", "municipality": "Atlantis"}, "okänd kommun"),
        ({"name": "X"}, "kommun saknas"),
        ({"name": "X", "description": "=cmd|' /C calc'!A0", "municipality": "Kumla"}, "formel"),
    ):
        with pytest.raises(RowRejectedError, match=fragment):
            _row(**fields)


def test_the_merge_rule() -> None:
    state = ActorState.new("a1")
    conflicts: Counter[str] = Counter()
    first = {"name": "Kumla IF", "website": "https://a.example", "phones": ["+461"], "municipality_code": "1881"}
    apply_record(state, "s:1", "s", first, None, conflicts)
    second = {"name": "KUMLA IF", "website": "https://b.example", "phones": ["+462"], "municipality_code": "1861"}
    apply_record(state, "t:9", "t", second, None, conflicts)
    assert state.props["website"] == "https://a.example"  # first value wins
    assert state.props["phones"] == ["+461", "+462"]  # lists grow
    # Two derived seats of equal standing: the newer claim is the seat, the other stays active.
    assert state.props["municipality_code"] == "1861"
    assert state.links["active_in"] == ["1881"]
    assert state.props["sources"] == ["s", "t"]
    assert conflicts == Counter({"name": 1, "website": 1})
    changed = {**first, "website": "https://c.example", "phones": ["+463"]}
    apply_record(state, "s:1", "s", changed, first, conflicts)
    assert state.props["website"] == "https://c.example"  # its own value follows the source
    assert state.props["phones"] == ["+462", "+463"]  # withdrawn by its source, kept where another gave it
    state.props["website"] = "https://by-hand.example"
    apply_record(state, "s:1", "s", {**changed, "website": "https://d.example"}, changed, conflicts)
    assert state.props["website"] == "https://by-hand.example"  # a hand edit is never overwritten


def test_direction_controls_are_removed_from_a_registers_names_with_a_warning() -> None:
    ctx = Context(kind="register", source="s", categories=CategoryMapper())
    normalised = normalise_row({"name": "Kumla \u202eFöreningen Gnistan", "postal_code": "69231"}, ctx)
    assert normalised.record["name"] == "Kumla Föreningen Gnistan"
    assert [f for f, _ in normalised.warnings] == ["name"]
    assert "U+202E" in normalised.warnings[0][1]
