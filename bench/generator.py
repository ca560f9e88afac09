"""Deterministic synthetic actors at national scale, for benchmarks (never for the product's data).

`actors(n, seed)` yields `n` actor records in the shape of the demo data
(`registry/demo/orebro.json`): the same `n` and `seed` give the same records, byte for byte,
on every machine. Actors spread over all 290 municipalities in proportion to the number of
postal codes each has (a public proxy for population that ships with the product), with
realistic Swedish association names, kinds, interest areas and target groups.

    python -m bench.generator --actors 250000 --out var/bench/actors-250k.jsonl
    python -m bench.generator --actors 250000 --format csv --out var/bench/register-250k.csv
    python -m bench.generator --actors 5000 --format csv --out var/bench/base.csv \
        --variants 0.1 --variants-out var/bench/variants.csv

`--variants RATE` also writes a second register of the same associations written the way
another municipality's register would (`variants`): for each kind of difference entity
resolution must see through, a share of the actors, deterministic by seed; and decoys, other
branches of an organisation in other places, which must stay apart (bench/resolution.py).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import defaultdict
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path
from typing import Any

from stdnum import luhn

from graph_schema.refdata import municipalities, postal_areas, taxonomy

# (weight, sector, kind, name patterns, interest areas, target groups). {p} is a place name,
# {w} a word from WORDS, {s} a saint's or person's first name used in many association names.
PROFILES: tuple[tuple[int, str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (
        14,
        "civil",
        "association",
        ("{p} Idrottsförening", "IFK {p}", "{p} IK", "{p} Bollklubb", "{p} FF"),
        ("sports", "football"),
        ("children", "youth", "adults"),
    ),
    (
        6,
        "civil",
        "association",
        ("{p} Skidklubb", "{p} Orienteringsklubb", "Friluftsfrämjandet {w} {p}"),
        ("outdoor", "sports"),
        ("everyone", "families"),
    ),
    (
        9,
        "civil",
        "association",
        ("{p} Pensionärsförening", "Seniorföreningen {w} i {p}", "{p} Seniorklubb"),
        ("pensioners", "loneliness"),
        ("elderly",),
    ),
    (
        6,
        "civil",
        "association",
        ("{p} Hembygdsförening", "{p}s Hembygdsgille", "Föreningen Gamla {p}"),
        ("local-history", "culture"),
        ("everyone", "elderly"),
    ),
    (
        6,
        "civil",
        "association",
        ("{p} Kulturförening", "{p} Konstförening", "Teaterföreningen {w}"),
        ("culture",),
        ("everyone", "adults"),
    ),
    (
        5,
        "civil",
        "association",
        ("{p} Kammarkör", "{p} Musikförening", "Spelmanslaget {w}"),
        ("music", "culture"),
        ("adults", "youth"),
    ),
    (
        5,
        "civil",
        "association",
        ("Funktionsrättsföreningen {w} {p}", "{p} Handikappförening", "Föreningen Tillgänglig {p}"),
        ("disability-rights", "social-support"),
        ("disabilities", "next-of-kin"),
    ),
    (
        5,
        "civil",
        "association",
        ("{w} Kulturförening i {p}", "Somaliska föreningen i {p}", "Internationella föreningen {p}"),
        ("immigrant-cultural", "integration"),
        ("newly-arrived", "families"),
    ),
    (
        6,
        "civil",
        "association",
        ("{p} Scoutkår", "Ungdomsföreningen {w}", "{p} Fritidsgårdsförening"),
        ("children-youth", "scouting"),
        ("children", "youth"),
    ),
    (
        5,
        "civil",
        "association",
        ("Stödföreningen {w} i {p}", "Föreningen Gemenskap {p}", "{p} Besöksvänner"),
        ("social-support", "loneliness"),
        ("elderly", "adults"),
    ),
    (3, "civil", "association", ("Anhörigföreningen i {p}", "{p} Anhörigcirkel"), ("carer-support",), ("next-of-kin",)),
    (
        3,
        "civil",
        "association",
        ("Föreningen Nykter {p}", "{p} Återhämtningsförening"),
        ("addiction", "mental-health"),
        ("adults", "youth"),
    ),
    (
        4,
        "civil",
        "association",
        ("{p} Naturskyddsförening", "Miljöföreningen {w}", "{p} Fågelklubb"),
        ("environment",),
        ("everyone",),
    ),
    (
        5,
        "civil",
        "association",
        ("Byalaget i {p}", "{p} Bygdeförening", "Intresseföreningen {w} {p}"),
        ("local-development",),
        ("everyone",),
    ),
    (
        4,
        "civil",
        "faith-community",
        ("{s}s församling {p}", "{p} Missionsförsamling", "Pingstkyrkan {p}"),
        ("faith", "social-support"),
        ("everyone", "families"),
    ),
    (
        2,
        "civil",
        "study-association",
        ("Studieförbundet {w} {p}", "Bildningsförbundet {w}"),
        ("study-associations",),
        ("adults", "newly-arrived"),
    ),
    (
        3,
        "civil",
        "foundation",
        ("Stiftelsen {w} {p}", "Stiftelsen {s}gården"),
        ("social-support", "culture"),
        ("everyone",),
    ),
    (
        2,
        "civil",
        "cooperative",
        ("Kooperativet {w} i {p}", "{p} Sociala Kooperativ"),
        ("social-support",),
        ("unemployed",),
    ),
    (1, "civil", "umbrella", ("{p} Föreningsråd", "Föreningsalliansen {p}"), ("other",), ("everyone",)),
    (
        3,
        "public",
        "municipal-department",
        ("Fritidsförvaltningen {p}", "Socialtjänsten {p}", "Kulturskolan {p}"),
        ("social-support", "children-youth"),
        ("everyone", "youth"),
    ),
    (
        2,
        "public",
        "primary-care",
        ("Vårdcentralen {p}", "Hälsocentralen {w} {p}"),
        ("health", "care"),
        ("everyone", "elderly"),
    ),
    (1, "private", "company", ("{w} Omsorg AB {p}", "{p} Friskvård AB"), ("health", "care"), ("elderly", "adults")),
)

WORDS = (
    "Linden",
    "Gläntan",
    "Ljuset",
    "Eken",
    "Björken",
    "Vågen",
    "Bron",
    "Källan",
    "Stigen",
    "Hamnen",
    "Solsidan",
    "Norrsken",
    "Framtid",
    "Gemenskap",
    "Samklang",
    "Vänskap",
    "Glädjen",
    "Horisont",
    "Trädet",
    "Fyren",
    "Kompassen",
    "Ankaret",
    "Tranan",
    "Älven",
    "Berget",
    "Dalen",
    "Skogen",
    "Ängen",
)
SAINTS = ("Sankt Olof", "Sankta Birgitta", "Sankt Nikolai", "Sankt Lars", "Sankt Mikael", "Sankta Maria")
ACTIVITIES = (
    "träffar varje vecka",
    "studiecirklar",
    "föreläsningar",
    "utflykter",
    "träning för alla åldrar",
    "läxhjälp",
    "språkcafé",
    "körsång",
    "fika och samtal",
    "friluftsdagar",
    "stödsamtal",
    "matlagning",
    "digital hjälp för seniorer",
    "lovaktiviteter",
    "kulturarrangemang",
    "besöksverksamhet",
)


def _places_by_municipality() -> dict[str, list[tuple[str, str]]]:
    places: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for area in sorted(postal_areas().values(), key=lambda a: a.postal_code):
        places[area.municipality_code].append((area.postal_code, area.locality.title()))
    return places


def _org_number(rng: random.Random, used: set[str]) -> str:
    while True:
        body = "8" + "".join(str(rng.randrange(10)) for _ in range(8))
        number = body + luhn.calc_check_digit(body)
        if number not in used:
            used.add(number)
            return f"{number[:6]}-{number[6:]}"


def actors(n: int, seed: int = 20261127) -> Iterator[dict[str, Any]]:
    """`n` deterministic synthetic actors (demo-data shape; keys `bench-000001` ...)."""
    rng = random.Random(seed)
    places = _places_by_municipality()
    codes = sorted(municipalities())
    # Every municipality has postal codes except a few; give those a floor weight so all 290 appear.
    cum_weights = list(accumulate(max(len(places.get(code, ())), 3) for code in codes))
    profile_cum_weights = list(accumulate(p[0] for p in PROFILES))
    neighbours = {code: [c for c in codes if c[:2] == code[:2] and c != code] for code in codes}
    used_org_numbers: set[str] = set()
    # Registers hold one association of a name per municipality; duplicates would look like the
    # same actor to entity resolution and distort import benchmarks.
    used_names: set[tuple[str, str]] = set()
    for i in range(1, n + 1):
        code = rng.choices(codes, cum_weights=cum_weights)[0]
        municipality = municipalities()[code]
        local = places.get(code) or [("", municipality.name)]
        postal_code, locality = rng.choice(local)
        _, sector, kind, patterns, areas, groups = rng.choices(PROFILES, cum_weights=profile_cum_weights)[0]
        place = rng.choice((locality, municipality.name))
        name = rng.choice(patterns).format(p=place, w=rng.choice(WORDS), s=rng.choice(SAINTS))
        if (code, name) in used_names:
            name = f"{name} {rng.choice(WORDS)}"
        branch = 2
        base = name
        while (code, name) in used_names:
            name = f"{base} avd. {branch}"
            branch += 1
        used_names.add((code, name))
        first, second = rng.sample(ACTIVITIES, 2)
        slug = f"bench-{i:06d}"
        record: dict[str, Any] = {
            "key": slug,
            "name": name,
            "sector": sector,
            "kind": kind,
            "description": f"{name} i {municipality.name}: {first} och {second}.",
            "activities": ", ".join(rng.sample(ACTIVITIES, 3)),
            "street_address": f"{rng.choice(WORDS)}gatan {rng.randint(1, 80)}",
            "locality": locality,
            "municipality": code,
            "interest_areas": sorted(set(rng.sample(areas, min(len(areas), rng.randint(1, 2))))),
            "target_groups": sorted(set(rng.sample(groups, min(len(groups), rng.randint(1, 2))))),
            "emails": [f"info@{slug}.example"],
        }
        if postal_code:
            record["postal_code"] = f"{postal_code[:3]} {postal_code[3:]}"
        if rng.random() < 0.55:
            record["org_number"] = _org_number(rng, used_org_numbers)
        if sector == "civil" and rng.random() < 0.8:
            record["member_count"] = rng.randint(8, 1200)
            record["founded_year"] = rng.randint(1890, 2024)
        if kind in ("study-association", "umbrella") or rng.random() < 0.04:
            near = neighbours[code]
            record["active_in"] = sorted(rng.sample(near, min(len(near), rng.randint(1, 4))))
        yield record


# The kinds of variant another register writes an association as (bench/resolution.py measures each).
VARIANT_KINDS = (
    "abbreviation",  # Idrottsförening <-> IF, Bollklubb <-> BK, Studieförbundet dropped
    "genitive",  # "Kumla Hembygdsförening" -> "Kumlas Hembygdsförening"
    "definite",  # "... Skidklubb" -> "... Skidklubben", "... Kammarkör" -> "... Kammarkören"
    "form",  # "Föreningen Gemenskap X" -> "Gemenskap X förening", "X Kulturförening" -> "Kulturföreningen X"
    "contact",  # a contact person's name appended to the association's name
    "seat",  # an invoice address in another county, the same name
    "renamed",  # another name, the same e-mail address
    "spelling",  # v/w, k/c, doubled letters: a phonetic twin
)
_ABBREVIATIONS = (
    ("Idrottsförening", "IF"),
    ("Idrottsklubb", "IK"),
    ("Bollklubb", "BK"),
    ("Fotbollsförening", "FF"),
    ("Orienteringsklubb", "OK"),
)
_DEFINITE = (("förening", "en"), ("klubb", "en"), ("kör", "en"), ("sällskap", "et"), ("lag", "et"), ("råd", "et"))
PEOPLE = ("Anna Berg", "Per Holm", "Eva Nord", "Karl Lind", "Maja Ek", "Olof Strand")


def _variant_name(kind: str, name: str, rng: random.Random) -> str | None:
    """`name` written as another register would for this kind of variant; None when it does not apply."""
    words = name.split(" ")
    if kind == "abbreviation":
        for long, short in _ABBREVIATIONS:
            if long in words:
                return name.replace(long, short)
            if short in words:
                return " ".join(long if w == short else w for w in words)
        if name.startswith("Studieförbundet "):
            return name.removeprefix("Studieförbundet ")
        return None
    if kind == "genitive":
        if len(words) > 1 and not words[0].endswith("s") and words[0][:1].isupper() and words[0] not in ("IFK",):
            return " ".join([words[0] + "s", *words[1:]])
        return None
    if kind == "definite":
        last = words[-1]
        for noun, ending in _DEFINITE:
            if last.casefold().endswith(noun):
                return " ".join([*words[:-1], last + ending])
        return None
    if kind == "form":
        if name.startswith("Föreningen "):
            return name.removeprefix("Föreningen ") + " förening"
        if len(words) == 2 and words[-1].endswith("förening"):
            return f"{words[1]}en {words[0]}"
        return None
    if kind == "spelling":
        for a, b in (("v", "w"), ("k", "c"), ("ck", "k"), ("s", "z")):
            index = name.find(a, 1)
            if index > 0:
                return name[:index] + b + name[index + len(a) :]
        return None
    if kind == "renamed":
        return "Föreningen " + "".join(w[0] for w in words if w[:1].isalpha()).upper() + " " + rng.choice(WORDS)
    return name


def variants(records: list[dict[str, Any]], rate: float, seed: int = 20261127) -> Iterator[dict[str, Any]]:
    """A second register's rows for a share `rate` of `records`, each a variant of one kind
    (`same_as` names its original), and about a third as many decoys: the same organisation's
    branch in another place (`same_as` None). No organisation numbers: registers rarely have them."""
    rng = random.Random(seed + 1)
    places = _places_by_municipality()
    codes = sorted(municipalities())
    for record in records:
        if rng.random() >= rate:
            continue
        kind = rng.choice(VARIANT_KINDS)
        name = _variant_name(kind, record["name"], rng)
        if name is None:
            kind, name = "contact", record["name"]
        row: dict[str, Any] = {k: v for k, v in record.items() if k != "org_number"}
        row.update(key=f"{record['key']}-v", name=name, same_as=record["key"], variant=kind)
        if kind == "contact":
            person = rng.choice(PEOPLE)
            row.update(name=f"{name} {person}", contact=person)
        if kind == "seat":
            county = municipalities()[record["municipality"]].county_code
            elsewhere = rng.choice([c for c in codes if municipalities()[c].county_code != county and places.get(c)])
            postal, locality = rng.choice(places[elsewhere])
            row.update(municipality=elsewhere, postal_code=f"{postal[:3]} {postal[3:]}", locality=locality)
            row["street_address"] = f"Box {rng.randint(100, 9999)}"
        if kind not in ("renamed", "seat") and rng.random() < 0.5:
            row.pop("emails", None)
        yield row
        place = record["locality"]
        if rng.random() < 0.33 and place in record["name"]:
            county = municipalities()[record["municipality"]].county_code
            other = rng.choice([c for c in codes if municipalities()[c].county_code == county and places.get(c)])
            postal, _ = rng.choice(places[other])
            # The branch is named after its municipality ("PRO Kumla" / "PRO Hallsberg").
            locality = municipalities()[other].name
            if locality != place and other != record["municipality"]:
                yield {
                    **{k: v for k, v in record.items() if k != "org_number"},
                    "key": f"{record['key']}-b",
                    "name": record["name"].replace(place, locality),
                    "municipality": other,
                    "postal_code": f"{postal[:3]} {postal[3:]}",
                    "locality": locality,
                    "emails": [f"info@{record['key']}-b.example"],
                    "same_as": None,
                    "variant": "branch",
                }


# Column headers as a Swedish municipal register export would have them (for importer benchmarks).
CSV_COLUMNS = (
    ("Föreningsnamn", "name"),
    ("Organisationsnummer", "org_number"),
    ("Kategori", "kind"),
    ("Verksamhet", "activities"),
    ("Gatuadress", "street_address"),
    ("Postnummer", "postal_code"),
    ("Ort", "locality"),
    ("Kommun", "municipality"),
    ("E-post", "emails"),
    ("Antal medlemmar", "member_count"),
    ("Bildad", "founded_year"),
    ("Målgrupp", "target_groups"),
    ("Id", "key"),
)


def register_row(record: dict[str, Any]) -> dict[str, str]:
    """One record as a municipal register shows it: Swedish category and target-group words, the
    municipality by name, lists joined with commas."""
    terms = taxonomy()
    area_sv = {t.id: t.sv for t in terms["interest_areas"]}
    roots = {t.id for t in terms["interest_areas"] if t.broader is None}
    group_sv = {t.id: t.sv for t in terms["target_groups"]}
    row: dict[str, str] = {}
    for header, field in CSV_COLUMNS:
        value = record.get(field, "")
        if field == "kind":
            # A register has one category per association: the broadest of its areas.
            areas = record["interest_areas"]
            value = area_sv[next((a for a in areas if a in roots), areas[0])]
        elif field == "municipality":
            value = municipalities()[record["municipality"]].name
        elif field == "target_groups":
            value = [group_sv[g] for g in record.get("target_groups", [])]
        row[header] = ", ".join(value) if isinstance(value, list) else str(value)
    return row


def write_csv(records: Iterator[dict[str, Any]], path: Path, delimiter: str = ";", *, contact: bool = False) -> int:
    """Writes the register; with `contact`, a Kontaktperson column too (the variants' register)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow([header for header, _ in CSV_COLUMNS] + (["Kontaktperson"] if contact else []))
        for record in records:
            row = list(register_row(record).values())
            writer.writerow(row + ([record.get("contact", "")] if contact else []))
            count += 1
    return count


def write_jsonl(records: Iterator[dict[str, Any]], path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--actors", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--variants", type=float, metavar="RATE", help="share of actors a second register varies")
    parser.add_argument("--variants-out", type=Path, help="where the second register goes (CSV)")
    args = parser.parse_args(argv)
    if (args.variants is None) != (args.variants_out is None):
        parser.error("--variants and --variants-out go together")
    records = list(actors(args.actors, args.seed))
    count = write_csv(iter(records), args.out) if args.format == "csv" else write_jsonl(iter(records), args.out)
    print(f"wrote {count} actors to {args.out}", file=sys.stderr)
    if args.variants is not None:
        written = write_csv(variants(records, args.variants, args.seed), args.variants_out, contact=True)
        print(f"wrote {written} variant rows to {args.variants_out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
