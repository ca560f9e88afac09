"""The actor domain without a database: derived search fields, Swedish sort keys, queries, municipality derivation."""

from __future__ import annotations

from registry.domain.actor import (
    KINDS,
    RESOURCES,
    SECTORS,
    derived_fields,
    lucene_escape,
    prepare_write,
    search_tokens,
    sort_key,
    text_query,
)


def test_vocabulary_is_bilingual() -> None:
    for vocabulary in (SECTORS, KINDS, RESOURCES):
        for term in vocabulary.values():
            assert term.sv and term.en
    assert {"municipality", "region", "municipal-department", "primary-care", "association", "umbrella"} <= set(KINDS)
    assert {"study-association", "faith-community", "foundation", "cooperative", "company", "other"} <= set(KINDS)


def test_search_tokens_fold_and_split_compounds() -> None:
    tokens = search_tokens(["Kumla Pensionärsförening Linden", None, "Byföreningen i Åmmeberg"])
    assert tokens[:2] == ["kumla", "pensionarsforening"]
    for part in ("forening", "pensionars", "pensionar", "foreningen", "ammeberg", "linden"):
        assert part in tokens
    assert len(tokens) == len(set(tokens))
    # A short word that merely ends like a head is not split.
    assert search_tokens(["Gård"]) == ["gard"]


def test_derived_fields() -> None:
    derived = derived_fields(
        {
            "name": "Kumla Pensionärsförening",
            "alt_names": ["PF Kumla", "Linden"],
            "activities": "Boule och kaffe",
            "description": "Träffar för äldre",
            "municipality_code": "1881",
        }
    )
    assert derived["search_name"].split()[:2] == ["kumla", "pensionarsforening"]
    assert "linden" in derived["search_name"].split()
    assert derived["search_text"] == "boule och kaffe traffar for aldre"
    assert derived["alt_names_text"] == "PF Kumla ; Linden"
    assert derived["name_sort"] == "kumla pensionärsförening".replace("ä", "|").replace("ö", "}")
    assert derived["county_code"] == "18"
    assert derived["search_place"] == "m1881 c18"
    assert derived_fields({"name": "X"})["county_code"] is None
    # Active in Nora (Örebro län) and Stockholm: both places and both counties.
    assert derived_fields({"name": "X", "municipality_code": "1881"}, ["1884", "0180"])["search_place"] == (
        "m1881 m1884 m0180 c18 c01"
    )


def test_text_query_within_places() -> None:
    query = text_query("kör")
    assert query is not None
    limited = query.within(["1881"], ["01"])
    assert limited.folded.endswith(" +search_place:(m1881 c01)")
    assert limited.swedish.endswith(" +search_place:(m1881 c01)")
    assert query.within([], []) is query


def test_sort_key_is_swedish_alphabetical() -> None:
    names = ["Örnen", "Zeta", "Ängen", "Åsen", "alfa", "Éclair", "Ålen"]
    assert sorted(names, key=sort_key) == ["alfa", "Éclair", "Zeta", "Ålen", "Åsen", "Ängen", "Örnen"]


def test_text_query_escapes_and_requires_every_word() -> None:
    query = text_query("Pensionär förening")
    assert query is not None
    assert query.tokens == ("pensionar", "forening")
    assert query.folded.count("+(") == 2
    assert "pensionar*" in query.folded and "pensionar~1" in query.folded
    long = text_query("pensionärsförning")
    assert long is not None and "pensionarsforning~2" in long.folded
    assert query.swedish == "+pensionär +förening"
    assert text_query("  !!! ") is None
    # Short words get no fuzzy term (too many neighbours), long ones two edits.
    short = text_query("idk")
    assert short is not None and "~" not in short.folded
    assert lucene_escape('a:b*c"d(e)\\') == 'a\\:b\\*c\\"d\\(e\\)\\\\'
    many = text_query(" ".join(f"ord{i}" for i in range(50)))
    assert many is not None and len(many.tokens) == 12


def test_prepare_write_derives_the_municipality_and_reports_a_miss() -> None:
    write = prepare_write({"name": "X", "postal_code": "692 31", "interest_areas": ["health"]})
    assert write.props["municipality_code"] == "1881"
    assert write.links == {"interest_areas": ["health"]}
    assert write.warnings == () and write.props["sources"] == ["api"]
    missed = prepare_write({"name": "X", "postal_code": "999 99"})
    assert missed.props["municipality_code"] is None
    assert missed.warnings[0]["field"] == "municipality"
    nothing = prepare_write({"name": "X"})
    assert nothing.warnings and nothing.props["municipality_code"] is None
    given = prepare_write({"name": "X", "municipality": "1884", "postal_code": "692 31"})
    assert given.props["municipality_code"] == "1884" and not given.warnings


def test_prepare_update_keeps_the_seat_when_a_new_address_is_unknown() -> None:
    current = {"municipality_code": "1881", "postal_code": "692 31", "sources": ["demo"]}
    write = prepare_write({"postal_code": "999 99"}, current)
    assert "municipality_code" not in write.props
    assert write.warnings and write.props["sources"] == ["demo", "api"]
    moved = prepare_write({"postal_code": "713 31"}, current)
    assert moved.props["municipality_code"] == "1884"
    untouched = prepare_write({"member_count": 3}, current)
    assert "municipality_code" not in untouched.props and not untouched.warnings
