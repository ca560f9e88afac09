"""Swedish counties, municipalities and postal codes (SCB codes), shipped as package data.

Source: sjbrg/swedish-geodata (CC0 1.0, public domain), codes from Statistics Sweden (SCB);
see `reference/README.md`. Lookups are pure Python; `load_reference` writes the counties and
municipalities into the graph idempotently.
"""

from __future__ import annotations

import csv
import functools
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import LiteralString

from neo4j import Driver

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R


@dataclass(frozen=True)
class County:
    code: str
    name: str
    short_name: str


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    official_name: str
    county_code: str


@dataclass(frozen=True)
class PostalArea:
    postal_code: str
    locality: str
    municipality_code: str


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("graph_schema").joinpath("reference", filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@functools.cache
def counties() -> dict[str, County]:
    return {
        r["county_code"]: County(r["county_code"], r["county_name"], r["county_name_short"])
        for r in _rows("counties.csv")
    }


@functools.cache
def municipalities() -> dict[str, Municipality]:
    return {
        r["municipality_code"]: Municipality(
            r["municipality_code"], r["municipality_name_short"], r["municipality_name"], r["county_code"]
        )
        for r in _rows("municipalities.csv")
    }


@functools.cache
def postal_areas() -> dict[str, PostalArea]:
    return {
        r["postal_code"]: PostalArea(r["postal_code"], r["locality"], r["municipality_code"])
        for r in _rows("postal_to_municipality.csv")
    }


def fold(text: str) -> str:
    """Case- and accent-insensitive key: 'ÖREBRO' and 'orebro' meet."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


@functools.cache
def _municipality_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for m in municipalities().values():
        for key in (m.code, m.name, m.official_name, m.official_name.removesuffix(" kommun")):
            index[fold(key)] = m.code
    return index


def find_municipality(code_or_name: str) -> Municipality | None:
    """A municipality by SCB code ('1881'), short name ('Kumla') or official name ('Kumla kommun')."""
    code = _municipality_index().get(fold(code_or_name))
    return municipalities()[code] if code else None


@functools.cache
def _county_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for c in counties().values():
        for key in (c.code, c.name, c.short_name):
            index[fold(key)] = c.code
    return index


def find_county(code_or_name: str) -> County | None:
    """A county by SCB code ('18'), name ('Örebro län') or short name ('Örebro')."""
    code = _county_index().get(fold(code_or_name))
    return counties()[code] if code else None


@functools.cache
def _locality_index() -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for area in postal_areas().values():
        index.setdefault(fold(area.locality), set()).add(area.municipality_code)
    return index


def municipality_for_postal_code(postal_code: str, locality: str | None = None) -> str | None:
    """The municipality code for a postal code, falling back to an unambiguous locality name.

    The table covers about 82% of codes (box and company codes are missing), so a miss is
    normal and the caller reports it.
    """
    digits = "".join(ch for ch in postal_code if ch.isdigit())
    area = postal_areas().get(digits)
    if area:
        return area.municipality_code
    if locality:
        codes = _locality_index().get(fold(locality), set())
        if len(codes) == 1:
            return next(iter(codes))
    return None


_LOAD_COUNTIES: LiteralString = f"""
UNWIND $rows AS row
MERGE (c:{L.COUNTY} {{code: row.code}})
WITH c, row WHERE c.name IS NULL OR c.name <> row.name OR c.short_name <> row.short_name
SET c.name = row.name, c.short_name = row.short_name
RETURN count(c) AS changed
"""

_LOAD_MUNICIPALITIES: LiteralString = f"""
UNWIND $rows AS row
MATCH (c:{L.COUNTY} {{code: row.county_code}})
MERGE (m:{L.MUNICIPALITY} {{code: row.code}})
WITH m, c, row
WHERE m.name IS NULL OR m.name <> row.name OR m.official_name <> row.official_name
   OR m.county_code <> row.county_code OR NOT (m)-[:{R.IN_COUNTY}]->(c)
SET m.name = row.name, m.official_name = row.official_name, m.county_code = row.county_code
MERGE (m)-[:{R.IN_COUNTY}]->(c)
RETURN count(m) AS changed
"""


@dataclass(frozen=True)
class ReferenceResult:
    counties: int
    municipalities: int
    changed: int
    taxonomy_created: int = 0


def load_reference(driver: Driver, database: str) -> ReferenceResult:
    """Writes counties, municipalities and the starting taxonomies; a rerun changes nothing."""
    county_rows = [vars(c) for c in counties().values()]
    municipality_rows = [vars(m) for m in municipalities().values()]
    changed = 0
    steps: tuple[tuple[LiteralString, list[dict[str, str]]], ...] = (
        (_LOAD_COUNTIES, county_rows),
        (_LOAD_MUNICIPALITIES, municipality_rows),
    )
    for query, rows in steps:
        records, _, _ = driver.execute_query(query, rows=rows, database_=database)
        changed += int(records[0]["changed"])
    return ReferenceResult(
        len(county_rows), len(municipality_rows), changed, taxonomy_created=seed_taxonomy(driver, database)
    )


@dataclass(frozen=True)
class Term:
    id: str
    sv: str
    en: str
    broader: str | None = None


@functools.cache
def taxonomy() -> dict[str, tuple[Term, ...]]:
    """The starting interest areas and target groups (`reference/taxonomy.json`)."""
    import json

    data = json.loads(resources.files("graph_schema").joinpath("reference", "taxonomy.json").read_text("utf-8"))
    return {
        kind: tuple(Term(t["id"], t["sv"], t["en"], t.get("broader")) for t in data[kind])
        for kind in ("interest_areas", "target_groups")
    }


_SEED_INTEREST_AREAS: LiteralString = f"""
UNWIND $rows AS row
MERGE (t:{L.INTEREST_AREA} {{id: row.id}})
ON CREATE SET t.label_sv = row.sv, t.label_en = row.en, t.seeded = true
WITH t, row WHERE row.broader IS NOT NULL
MATCH (b:{L.INTEREST_AREA} {{id: row.broader}})
MERGE (t)-[:{R.BROADER}]->(b)
"""

_SEED_TARGET_GROUPS: LiteralString = f"""
UNWIND $rows AS row
MERGE (t:{L.TARGET_GROUP} {{id: row.id}})
ON CREATE SET t.label_sv = row.sv, t.label_en = row.en, t.seeded = true
WITH t, row WHERE row.broader IS NOT NULL
MATCH (b:{L.TARGET_GROUP} {{id: row.broader}})
MERGE (t)-[:{R.BROADER}]->(b)
"""


def seed_taxonomy(driver: Driver, database: str) -> int:
    """Creates missing starting terms; never overwrites labels an admin has changed. Returns nodes created."""
    created = 0
    terms = taxonomy()
    steps: tuple[tuple[LiteralString, tuple[Term, ...]], ...] = (
        (_SEED_INTEREST_AREAS, terms["interest_areas"]),
        (_SEED_TARGET_GROUPS, terms["target_groups"]),
    )
    for query, rows in steps:
        # Parents first, so a child's MATCH on its broader term finds it within one UNWIND.
        ordered = sorted((vars(t) for t in rows), key=lambda r: r["broader"] is not None)
        _, summary, _ = driver.execute_query(query, rows=ordered, database_=database)
        created += summary.counters.nodes_created
    return created
