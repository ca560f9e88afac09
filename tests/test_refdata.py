"""Reference lookups and normalisation, no database needed."""

from __future__ import annotations

import pytest

from graph_schema.refdata import (
    counties,
    find_county,
    find_municipality,
    municipalities,
    municipality_for_postal_code,
    taxonomy,
)
from registry.domain import normalize


def test_reference_sizes() -> None:
    assert len(counties()) == 21
    assert len(municipalities()) == 290
    assert all(m.county_code in counties() for m in municipalities().values())


@pytest.mark.parametrize("query", ["1881", "Kumla", "kumla kommun", "KUMLA"])
def test_find_municipality(query: str) -> None:
    found = find_municipality(query)
    assert found is not None and found.code == "1881"


def test_find_county() -> None:
    assert find_county("Örebro län").code == "18"  # type: ignore[union-attr]
    assert find_county("orebro").code == "18"  # type: ignore[union-attr]
    assert find_county("Atlantis") is None


def test_postal_lookup_with_locality_fallback() -> None:
    assert municipality_for_postal_code("692 31") == "1881"
    assert municipality_for_postal_code("00000", "Kumla") == "1881"
    assert municipality_for_postal_code("00000", "Ingenstans") is None


def test_taxonomy_terms_are_consistent() -> None:
    for kind, terms in taxonomy().items():
        ids = {t.id for t in terms}
        assert len(ids) == len(terms), kind
        assert all(t.broader in ids for t in terms if t.broader), kind


@pytest.mark.parametrize(("raw", "expected"), [("8024123450", "802412-3450"), ("802412-3450", "802412-3450")])
def test_org_number(raw: str, expected: str) -> None:
    # 802412-3450 is Luhn-valid; the check is stdnum's, not ours.
    assert normalize.org_number(raw) == expected


def test_org_number_rejects_bad_check_digit() -> None:
    with pytest.raises(ValueError, match="organisationsnummer"):
        normalize.org_number("802412-3456")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("058642090", "+4658642090"),
        ("0586-48134", "+4658648134"),
        ("+4658213128", "+4658213128"),
        ("070-174 06 12", "+46701740612"),
    ],
)
def test_phone(raw: str, expected: str) -> None:
    assert normalize.phone(raw) == expected


def test_postal_code_and_website_and_emails() -> None:
    assert normalize.postal_code("69231") == "692 31"
    assert normalize.postal_code("SE-692 31") == "692 31"
    with pytest.raises(ValueError):
        normalize.postal_code("6923")
    assert normalize.website(" ") is None
    assert normalize.website("www.Kumla.example/x") == "https://www.kumla.example/x"
    assert normalize.emails("A@x.example, b@y.example;a@x.example") == ["a@x.example", "b@y.example"]
    with pytest.raises(ValueError):
        normalize.emails("not-an-address")
