"""The benchmark generator is deterministic and its data is valid by the product's own rules."""

from __future__ import annotations

from bench.generator import actors, register_row
from graph_schema.refdata import municipalities, municipality_for_postal_code, taxonomy
from registry.domain import normalize


def test_same_seed_same_records_other_seed_other_records() -> None:
    assert list(actors(300, seed=7)) == list(actors(300, seed=7))
    assert list(actors(50, seed=7)) != list(actors(50, seed=8))


def test_records_are_valid() -> None:
    area_ids = {t.id for t in taxonomy()["interest_areas"]}
    group_ids = {t.id for t in taxonomy()["target_groups"]}
    seen: set[tuple[str, str]] = set()
    for record in actors(2000, seed=1):
        assert record["municipality"] in municipalities()
        assert set(record["interest_areas"]) <= area_ids and set(record["target_groups"]) <= group_ids
        if "org_number" in record:
            assert normalize.org_number(record["org_number"]) == record["org_number"]
        if "postal_code" in record:
            assert municipality_for_postal_code(record["postal_code"]) == record["municipality"]
        key = (record["municipality"], record["name"])
        assert key not in seen, key
        seen.add(key)


def test_register_row_reads_like_a_swedish_register() -> None:
    record = next(actors(1, seed=3))
    row = register_row(record)
    assert row["Föreningsnamn"] == record["name"]
    assert row["Kommun"] == municipalities()[record["municipality"]].name
