"""Swedish counties, municipalities, postal codes (SCB codes) and locality coordinates, shipped as package data.

Sources: sjbrg/swedish-geodata (CC0 1.0, public domain), codes from Statistics Sweden (SCB);
localities from sphrak/svenska-stader (Apache-2.0, see `reference/NOTICE`); see
`reference/README.md`. Lookups are pure Python; `load_reference` writes the counties and
municipalities into the graph idempotently.
"""

from __future__ import annotations

import csv
import functools
import math
import statistics
import unicodedata
from collections.abc import Iterable
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


def _fold_index(names: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    """Each of a place's names, folded, to its code."""
    return {fold(name): code for code, all_names in names for name in all_names}


@functools.cache
def _municipality_index() -> dict[str, str]:
    return _fold_index(
        (m.code, (m.code, m.name, m.official_name, m.official_name.removesuffix(" kommun")))
        for m in municipalities().values()
    )


def find_municipality(code_or_name: str) -> Municipality | None:
    """A municipality by SCB code ('1881'), short name ('Kumla') or official name ('Kumla kommun')."""
    code = _municipality_index().get(fold(code_or_name))
    return municipalities()[code] if code else None


@functools.cache
def _county_index() -> dict[str, str]:
    return _fold_index((c.code, (c.code, c.name, c.short_name)) for c in counties().values())


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


# -- coordinates ----------------------------------------------------------------------------------
# How exact a stored point is, from best to worst. Only `address` is ever given by a person or a
# register; importers derive the other three from the locality table.
PRECISIONS = ("address", "postal_code", "locality", "municipality")
DERIVED_PRECISIONS = PRECISIONS[1:]

# Municipalities whose main locality does not bear their name.
_MAIN_LOCALITY = {
    "Lekeberg": "Fjugesta",
    "Ljusnarsberg": "Kopparberg",
    "Upplands Väsby": "Upplands Väsby",
    "Sundbyberg": "Sundbyberg",
    "Tyresö": "Tyresö",
    "Ekerö": "Ekerö",
    "Haninge": "Handen",
    "Huddinge": "Huddinge",
    "Botkyrka": "Tumba",
    "Salem": "Tumba",
    "Nykvarn": "Nykvarn",
    "Lilla Edet": "Lilla Edet",
    "Gnesta": "Gnesta",
    "Vingåker": "Vingåker",
    "Gullspång": "Hova",
    "Dals-Ed": "Ed",
    "Essunga": "Nossebro",
    "Grästorp": "Grästorp",
    "Orust": "Henån",
    "Tjörn": "Skärhamn",
    "Öckerö": "Öckerö",
    "Bjuv": "Bjuv",
    "Svalöv": "Svalöv",
    "Vellinge": "Vellinge",
    "Östra Göinge": "Broby",
    "Ydre": "Österbymo",
    "Kinda": "Kisa",
    "Boxholm": "Boxholm",
    "Åtvidaberg": "Åtvidaberg",
    "Valdemarsvik": "Valdemarsvik",
    "Söderköping": "Söderköping",
    "Mönsterås": "Mönsterås",
    "Torsås": "Torsås",
    "Högsby": "Högsby",
    "Berg": "Svenstavik",
    "Bräcke": "Bräcke",
    "Ragunda": "Hammarstrand",
    "Krokom": "Krokom",
    "Åre": "Järpen",
    "Härjedalen": "Sveg",
    "Nordanstig": "Bergsjö",
    "Ovanåker": "Edsbyn",
    "Ockelbo": "Ockelbo",
    "Malung-Sälen": "Malung",
    "Vansbro": "Vansbro",
    "Gagnef": "Djurås",
    "Smedjebacken": "Smedjebacken",
    "Storfors": "Storfors",
    "Munkfors": "Munkfors",
    "Eda": "Charlottenberg",
    "Grums": "Grums",
    "Forshaga": "Forshaga",
    "Gotland": "Visby",
    "Sorsele": "Sorsele",
    "Norsjö": "Norsjö",
    "Robertsfors": "Robertsfors",
    "Nordmaling": "Nordmaling",
    "Bjurholm": "Bjurholm",
    "Vindeln": "Vindeln",
    "Övertorneå": "Övertorneå",
    "Pajala": "Pajala",
    "Gällivare": "Gällivare",
    "Överkalix": "Överkalix",
    "Arvidsjaur": "Arvidsjaur",
    "Arjeplog": "Arjeplog",
    "Jokkmokk": "Jokkmokk",
    "Älvdalen": "Älvdalen",
}
# A locality whose county disagrees with its municipality's and whose point lies further than this
# from the median point of the municipality's localities is a slip of the source data (its README:
# "a locality whose county name does not match its municipality"); any point twice as far is one too.
_SLIP_KM = 40.0


@dataclass(frozen=True)
class Locality:
    name: str
    municipality_code: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Located:
    """A derived point and how exact it is (one of PRECISIONS)."""

    lat: float
    lon: float
    precision: str

    def as_dict(self) -> dict[str, float | str]:
        return {"lat": self.lat, "lon": self.lon, "precision": self.precision}


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    # Equirectangular distance: exact enough at locality scale to tell a slip from a village.
    x = math.radians(b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    y = math.radians(b[0] - a[0])
    return 6371.0 * math.hypot(x, y)


@functools.cache
def _localities() -> tuple[dict[tuple[str, str], Locality], tuple[dict[str, str], ...]]:
    by_name = {fold(m.name): m.code for m in municipalities().values()}
    rows: dict[str, list[Locality]] = {}
    county_agrees: dict[tuple[str, str], bool] = {}
    for r in _rows("localities.csv"):
        code = by_name.get(fold(r["municipality"]))
        if code is None:
            continue
        county = counties()[municipalities()[code].county_code]
        county_agrees[(r["locality"], code)] = fold(r["county"]) in (fold(county.short_name), fold(county.name))
        rows.setdefault(code, []).append(Locality(r["locality"], code, float(r["latitude"]), float(r["longitude"])))
    kept: dict[tuple[str, str], Locality] = {}
    slips: list[dict[str, str]] = []
    for code, places in rows.items():
        centre = (statistics.median(p.lat for p in places), statistics.median(p.lon for p in places))
        for place in places:
            far = _km(centre, (place.lat, place.lon))
            if far > 2 * _SLIP_KM or (far > _SLIP_KM and not county_agrees[(place.name, code)]):
                slips.append({"locality": place.name, "municipality_code": code})
                continue
            kept.setdefault((fold(place.name), code), place)
    return kept, tuple(slips)


def locality_slips() -> tuple[dict[str, str], ...]:
    """Rows of localities.csv left out because their point lies far from their municipality's other localities."""
    return _localities()[1]


@functools.cache
def _main_localities() -> dict[str, Locality]:
    places, _ = _localities()
    by_code: dict[str, list[Locality]] = {}
    for place in places.values():
        by_code.setdefault(place.municipality_code, []).append(place)
    main: dict[str, Locality] = {}
    for code, municipality in municipalities().items():
        candidates = by_code.get(code) or []
        wanted = fold(_MAIN_LOCALITY.get(municipality.name, municipality.name))
        named = [p for p in candidates if fold(p.name) == wanted]
        if named:
            main[code] = named[0]
        elif candidates:
            # No locality bears the name: the one nearest the middle of the municipality's localities.
            centre = (statistics.median(p.lat for p in candidates), statistics.median(p.lon for p in candidates))
            main[code] = min(candidates, key=lambda p: (_km(centre, (p.lat, p.lon)), p.name))
    return main


# Registers repeat a few hundred postal codes and localities thousands of times.
@functools.lru_cache(maxsize=1 << 14)
def locate(postal_code: str | None, locality: str | None, municipality_code: str | None) -> Located | None:
    """Locality-level coordinates: the postal code's locality, else the named locality, else the
    municipality's main locality; None when none of them is known."""
    places, _ = _localities()
    if postal_code:
        area = postal_areas().get("".join(ch for ch in postal_code if ch.isdigit()))
        if area is not None:
            place = places.get((fold(area.locality), area.municipality_code))
            if place is not None:
                return Located(place.lat, place.lon, "postal_code")
    if locality and municipality_code:
        place = places.get((fold(locality), municipality_code))
        if place is not None:
            return Located(place.lat, place.lon, "locality")
    if municipality_code:
        main = _main_localities().get(municipality_code)
        if main is not None:
            return Located(main.lat, main.lon, "municipality")
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
    # Search words beside the labels (full text finds an actor by its terms: registry.dao.term_mirrors).
    words: str = ""


@functools.cache
def taxonomy() -> dict[str, tuple[Term, ...]]:
    """The starting interest areas and target groups (`reference/taxonomy.json`)."""
    import json

    data = json.loads(resources.files("graph_schema").joinpath("reference", "taxonomy.json").read_text("utf-8"))
    return {
        kind: tuple(Term(t["id"], t["sv"], t["en"], t.get("broader"), t.get("words", "")) for t in data[kind])
        for kind in ("interest_areas", "target_groups")
    }


def _seed_terms(label: LiteralString) -> LiteralString:
    """Interest areas and target groups are seeded alike, each under its own label."""
    return f"""
UNWIND $rows AS row
MERGE (t:{label} {{id: row.id}})
ON CREATE SET t.label_sv = row.sv, t.label_en = row.en, t.seeded = true
SET t.search_words = row.words
WITH t, row WHERE row.broader IS NOT NULL
MATCH (b:{label} {{id: row.broader}})
MERGE (t)-[:{R.BROADER}]->(b)
"""


def seed_taxonomy(driver: Driver, database: str) -> int:
    """Creates missing starting terms and sets their search words; never overwrites labels an admin has changed.
    Returns nodes created."""
    created = 0
    terms = taxonomy()
    steps: tuple[tuple[LiteralString, tuple[Term, ...]], ...] = (
        (_seed_terms(L.INTEREST_AREA), terms["interest_areas"]),
        (_seed_terms(L.TARGET_GROUP), terms["target_groups"]),
    )
    for query, rows in steps:
        # Parents first, so a child's MATCH on its broader term finds it within one UNWIND.
        ordered = sorted((vars(t) for t in rows), key=lambda r: r["broader"] is not None)
        _, summary, _ = driver.execute_query(query, rows=ordered, database_=database)
        created += summary.counters.nodes_created
    return created
