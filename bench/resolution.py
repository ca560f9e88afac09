"""Entity resolution measured: pairwise precision, recall and F1 of the real import pipeline.

    .venv/bin/python -m bench.resolution                       # the labelled set, then generated data
    .venv/bin/python -m bench.resolution --only labelled
    .venv/bin/python -m bench.resolution --only generated --actors 5000 --variants 0.1

Each evaluation gets a fresh local Neo4j (as bench/import_register.py), migrated like production,
and runs the importer itself (`importers.engine.run_import`) on the registers one after another.
Then it reads from the graph which source records ended on which actor, and which wait for review
against which actor, and compares the pairs with the truth:

* *merges*: two records on one actor are a predicted pair;
* *merges + review queue*: also a record waiting for review paired with every record of its
  candidate actor.

The labelled set is tests/fixtures/resolution (five fictional registers of Örebro län in the real
shapes; `pairs.csv` judges each pair that matters, with why; unlisted pairs are different). The
generated set is bench/generator.py's register (`--actors`) and a second register of the same
associations written differently (`--variants RATE`: abbreviations, genitive, definite endings,
moved form words, a contact's name appended, an invoice seat in another county, a new name with the
same e-mail, branches of one organisation in other places as decoys).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, LiteralString

from bench.generator import actors, variants, write_csv
from bench.import_register import FreshNeo4j
from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from graph_schema.refdata import find_municipality, seed_taxonomy
from importers import resolve
from importers.engine import ImportOptions, run_import
from registry.config import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "resolution"
# The labelled registers in import order, with the municipality each belongs to.
LABELLED = (
    ("kumla.ibgo.json", "Kumla"),
    ("hallsberg.csv", "Hallsberg"),
    ("askersund.csv", "Askersund"),
    ("karlskoga.ibgo.json", "Karlskoga"),
    ("degerfors.csv", "Degerfors"),
)

_PLACED: LiteralString = f"""
MATCH (s:{L.SOURCE_RECORD}) OPTIONAL MATCH (s)-[:{R.DESCRIBES}]->(a:{L.ACTOR})
RETURN s.key AS key, a.id AS actor
"""
_QUEUED: LiteralString = f"""
MATCH (r:{L.REVIEW_ITEM} {{status: 'pending'}})-[:{R.CANDIDATE}]->(s:{L.SOURCE_RECORD}),
      (r)-[:{R.CANDIDATE}]->(a:{L.ACTOR})
RETURN s.key AS key, a.id AS actor
"""

_NAMES: LiteralString = f"""
MATCH (s:{L.SOURCE_RECORD})
RETURN s.key AS key, s.fields AS fields
"""

Pair = tuple[str, str]


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def predicted(graph: Any) -> tuple[set[Pair], set[Pair]]:
    """The pairs the graph says are one actor (merges), and those plus the review queue's."""
    on: dict[str, list[str]] = defaultdict(list)
    for row in graph.read(_PLACED):
        if row["actor"]:
            on[row["actor"]].append(row["key"])
    merged = {_pair(a, b) for keys in on.values() for a, b in itertools.combinations(sorted(keys), 2)}
    queued = {_pair(row["key"], other) for row in graph.read(_QUEUED) for other in on.get(row["actor"], [])}
    return merged, merged | queued


def truth_pairs(same: list[Pair]) -> set[Pair]:
    """All pairs within the clusters the `same` pairs make (transitively)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in same:
        parent[find(a)] = find(b)
    clusters: dict[str, list[str]] = defaultdict(list)
    for x in list(parent):
        clusters[find(x)].append(x)
    return {_pair(a, b) for members in clusters.values() for a, b in itertools.combinations(sorted(members), 2)}


def scores(pred: set[Pair], truth: set[Pair]) -> dict[str, float]:
    hits = len(pred & truth)
    precision = hits / len(pred) if pred else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs": len(pred),
        "true": hits,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def _key(ref: str) -> str:
    """'kumla:101' -> the record key the importer gives it ('register:1881:101')."""
    stem, record_id = ref.split(":", 1)
    municipality = find_municipality(stem)
    assert municipality is not None, stem
    return f"register:{municipality.code}:{record_id}"


def labelled_truth() -> tuple[set[Pair], list[dict[str, str]]]:
    with (FIXTURES / "pairs.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    same = [_pair(_key(r["left"]), _key(r["right"])) for r in rows if r["judgement"] == "same"]
    return truth_pairs(same), rows


def import_labelled(graph: Any) -> list[dict[str, Any]]:
    """Imports the labelled registers in order; returns each import's counts."""
    reports = []
    for name, municipality in LABELLED:
        report = run_import(graph, ImportOptions(kind="register", path=FIXTURES / name, municipality=municipality))
        if report.outcome != "imported":
            raise SystemExit(f"{name}: {report.outcome} {report.message}")
        reports.append({"file": name, **report.to_json()["counts"]})
    return reports


def evaluate_labelled(graph: Any, *, verbose: bool) -> dict[str, Any]:
    started = time.monotonic()
    reports = import_labelled(graph)
    merged, queued = predicted(graph)
    truth, rows = labelled_truth()
    result = {
        "set": "labelled (tests/fixtures/resolution)",
        "records": sum(r["read"] for r in reports),
        "true_pairs": len(truth),
        "merges": scores(merged, truth),
        "merges_and_queue": scores(queued, truth),
        "seconds": round(time.monotonic() - started, 1),
    }
    if verbose:
        why = {_pair(_key(r["left"]), _key(r["right"])): r["why"] for r in rows}
        for pair in sorted(merged - truth):
            print(f"  false merge: {pair} {why.get(pair, '')}", file=sys.stderr)
        for pair in sorted((queued - merged) - truth):
            print(f"  false queue: {pair} {why.get(pair, '')}", file=sys.stderr)
        for pair in sorted(truth - queued):
            print(f"  missed: {pair} {why.get(pair, '')}", file=sys.stderr)
        for pair in sorted((truth & queued) - merged):
            print(f"  queued (right): {pair} {why.get(pair, '')}", file=sys.stderr)
    return result


def _name_at(record: dict[str, Any]) -> tuple[str, str]:
    return resolve.features("", {"name": record["name"]}).key, record["municipality"]


def _distinct(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The generator's actors without its accidental twins: a name that only differs from an
    earlier one of the same municipality by word order or a repeated word ("Norrsken Kulturförening
    i Stockholm" / "Stockholm Kulturförening Norrsken") is one association to any reader, so a
    register would not list both; the truth could not call them two."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for record in records:
        if _name_at(record) not in seen:
            seen.add(_name_at(record))
            kept.append(record)
    return kept


def evaluate_generated(graph: Any, n: int, rate: float, seed: int, *, verbose: bool) -> dict[str, Any]:
    """The generator's register, then a second register of variants of its associations."""
    with tempfile.TemporaryDirectory(prefix="bench-resolution-") as folder:
        base, second = Path(folder) / "base.csv", Path(folder) / "variants.csv"
        records = _distinct(actors(n, seed))
        write_csv(iter(records), base)
        taken = {_name_at(r) for r in records}
        # A decoy that happens to take an existing association's name and place is that association.
        written = [v for v in variants(records, rate, seed) if v["same_as"] or _name_at(v) not in taken]
        write_csv(iter(written), second, contact=True)
        started = time.monotonic()
        counts = []
        for path, source in ((base, "register:base"), (second, "register:variants")):
            report = run_import(graph, ImportOptions(kind="register", path=path, source=source))
            if report.outcome != "imported":
                raise SystemExit(f"{path.name}: {report.outcome} {report.message}")
            counts.append(report.to_json()["counts"])
        seconds = time.monotonic() - started
    merged, queued = predicted(graph)
    same = [_pair(f"register:variants:{v['key']}", f"register:base:{v['same_as']}") for v in written if v["same_as"]]
    truth = truth_pairs(same)
    kinds: dict[str, int] = defaultdict(int)
    for v in written:
        kinds[v["variant"]] += 1
    result = {
        "set": f"generated ({n} actors, variants {rate}, seed {seed})",
        "records": len(records) + len(written),
        "generator_twins_left_out": n - len(records),
        "variants": dict(sorted(kinds.items())),
        "true_pairs": len(truth),
        "merges": scores(merged, truth),
        "merges_and_queue": scores(queued, truth),
        "import_counts": counts,
        "seconds": round(seconds, 1),
    }
    if verbose:
        kind = {f"register:variants:{v['key']}": v["variant"] for v in written}
        missed: dict[str, int] = defaultdict(int)
        for a, b in truth - queued:
            missed[kind.get(a) or kind.get(b) or "?"] += 1
        wrong: dict[str, int] = defaultdict(int)
        for a, b in queued - truth:
            wrong[kind.get(a) or kind.get(b) or "base-base"] += 1
        print(f"  missed by kind: {dict(missed)}; false pairs by kind: {dict(wrong)}", file=sys.stderr)
        names = {
            r["key"]: f"{json.loads(r['fields'])['name']} ({json.loads(r['fields'])['municipality_code']})"
            for r in graph.read(_NAMES)
        }
        shown: dict[str, int] = defaultdict(int)
        for label, pairs in (("missed", truth - queued), ("false", queued - truth), ("false merge", merged - truth)):
            for a, b in sorted(pairs):
                k = f"{label} {kind.get(a) or kind.get(b) or 'base-base'}"
                shown[k] += 1
                if shown[k] <= 4:
                    print(f"  {k}: {names.get(a)!r} / {names.get(b)!r}", file=sys.stderr)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", choices=("labelled", "generated"))
    parser.add_argument("--actors", type=int, default=5000)
    parser.add_argument("--variants", type=float, default=0.1, help="share of actors written again differently")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--port", type=int, default=7898)
    parser.add_argument("--heap", default="1g")
    parser.add_argument("--pagecache", default="512m")
    parser.add_argument("--verbose", action="store_true", help="list every wrong and missed pair on stderr")
    args = parser.parse_args(argv)
    results = []
    if args.only != "generated":
        with FreshNeo4j("resolution-labelled", args.port, args.heap, args.pagecache) as db:
            seed_taxonomy(db.graph.driver, "neo4j")
            results.append(evaluate_labelled(db.graph, verbose=args.verbose))
    if args.only != "labelled":
        with FreshNeo4j("resolution-generated", args.port, args.heap, args.pagecache) as db:
            seed_taxonomy(db.graph.driver, "neo4j")
            results.append(evaluate_generated(db.graph, args.actors, args.variants, args.seed, verbose=args.verbose))
    print(json.dumps(results, indent=2, ensure_ascii=False), file=sys.stderr)
    print("| set | records | true pairs | merges P | merges R | merges F1 | + queue P | + queue R | + queue F1 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        m, q = r["merges"], r["merges_and_queue"]
        print(
            f"| {r['set']} | {r['records']:,} | {r['true_pairs']} | {m['precision']:.3f} | {m['recall']:.3f} | "
            f"{m['f1']:.3f} | {q['precision']:.3f} | {q['recall']:.3f} | {q['f1']:.3f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
