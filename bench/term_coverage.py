"""Term and coordinate coverage and derived-term precision on the judged fixture registers.

Reads the four registers of tests/fixtures/terms (Interbook Go JSON, FRI- and RBOK-like CSV in
Windows-1252) through the importer's own reading and normalising (no database needed) and
compares each record's derived terms with its hand judgement (tests/fixtures/terms/records.py):

- interest-area coverage: records with a category or an activity that get at least one interest area;
- target-group recall: records whose words indicate a target group (judged non-empty) that get one;
- precision: derived interest areas and target groups (category- or text-derived; stated ones are
  the register's word) that the judgement accepts, over all derived ones;
- coordinates: records with a postal code or a locality that get a point, and at which precision.

    .venv/bin/python -m bench.term_coverage [--misses]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from importers.categories import CategoryMapper
from importers.columns import ColumnMap, Mapping, ibgo_canonical
from importers.readers import Row, open_source
from importers.records import Context, RowRejectedError, normalise_row
from registry.domain.normalize import fold

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "terms"


def _judged_records() -> Any:
    # The judged records live with the fixtures they describe, outside any package.
    spec = importlib.util.spec_from_file_location("judged_records", FIXTURES / "records.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_RECORDS = _judged_records()
FILES, judged = _RECORDS.FILES, _RECORDS.judged


def _rows(path: Path, municipality: str | None) -> list[tuple[dict[str, Any], Any]]:
    mapper = CategoryMapper()
    ctx = Context(kind="register", source=path.name, categories=mapper, municipality=municipality)
    source = open_source(path, "auto")
    columns = ColumnMap("register", Mapping())
    if source.headers is not None:
        columns.add(source.headers)
    out = []
    for item in source.rows():
        if not isinstance(item, Row):
            continue
        raw = ibgo_canonical(item.values, {}) if source.format == "ibgo" else columns.canonical(item.values)
        try:
            out.append((raw, normalise_row(raw, ctx)))
        except RowRejectedError as exc:
            print(f"{path.name}: rejected line {item.line}: {exc}", file=sys.stderr)
    return out


def measure(show_misses: bool = False) -> dict[str, Any]:
    c: Counter[str] = Counter()
    precision_by_how: Counter[str] = Counter()
    wrong: list[str] = []
    misses: list[str] = []
    for name, (code, records) in FILES.items():
        by_name = {fold(r[0]): r for r in records}
        municipality = code if len(code) == 4 else None
        for _raw, normalised in _rows(FIXTURES / name, municipality):
            record = normalised.record
            judged_record = by_name[fold(record["name"])]
            areas, groups = judged(judged_record)
            c["records"] += 1
            provenance = record.get("term_provenance") or {}
            got_areas = set(record.get("interest_areas") or [])
            got_groups = set(record.get("target_groups") or [])
            if normalised.has_category_or_activity:
                c["with_text"] += 1
                c["with_text_and_area"] += bool(got_areas)
            if groups:
                c["indicated"] += 1
                c["indicated_and_group"] += bool(got_groups)
                if not got_groups:
                    misses.append(f"{record['name']}: no target group (judged {sorted(groups)})")
            for scheme, got, accepted in (("interest_areas", got_areas, areas), ("target_groups", got_groups, groups)):
                for term in got:
                    how = (provenance.get(scheme) or {}).get(term, {}).get("how", "?")
                    if how == "stated":
                        continue
                    c["derived"] += 1
                    precision_by_how[f"{how}:total"] += 1
                    if term in accepted:
                        c["derived_correct"] += 1
                        precision_by_how[f"{how}:correct"] += 1
                    else:
                        rule = (provenance.get(scheme) or {}).get(term, {}).get("rule")
                        wrong.append(f"{record['name']}: {term} (rule {rule}; judged {sorted(accepted)})")
            if normalised.has_place:
                c["with_place"] += 1
                c["with_place_and_point"] += normalised.located is not None
            if normalised.located is not None:
                c[f"precision:{normalised.located.precision}"] += 1

    def share(part: str, whole: str) -> float:
        return round(c[part] / c[whole], 4) if c[whole] else 0.0

    result = {
        "records": c["records"],
        "interest_area_coverage": share("with_text_and_area", "with_text"),
        "target_group_recall": share("indicated_and_group", "indicated"),
        "derived_precision": share("derived_correct", "derived"),
        "derived_terms": c["derived"],
        "coordinates_coverage": share("with_place_and_point", "with_place"),
        "precision_counts": {k.split(":")[1]: v for k, v in sorted(c.items()) if k.startswith("precision:")},
        "counts": {k: v for k, v in c.items() if not k.startswith("precision:")},
        "wrong": wrong,
        "misses": misses,
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--misses", action="store_true", help="list wrong derived terms and missed target groups")
    args = parser.parse_args()
    r = measure(args.misses)
    c = r["counts"]
    print(f"records: {r['records']} (judged by hand, tests/fixtures/terms/records.py)")
    print(
        f"interest area, records with a category or activity: {c['with_text_and_area']}/{c['with_text']} "
        f"= {100 * r['interest_area_coverage']:.1f} %  (target >= 97 %)"
    )
    print(
        f"target group, records whose words indicate one: {c['indicated_and_group']}/{c['indicated']} "
        f"= {100 * r['target_group_recall']:.1f} %  (target >= 70 %)"
    )
    print(
        f"derived-term precision: {c['derived_correct']}/{c['derived']} = {r['derived_precision']:.3f}  (target >= 0.9)"
    )
    print(
        f"coordinates, records with a postal code or locality: {c['with_place_and_point']}/{c['with_place']} "
        f"= {100 * r['coordinates_coverage']:.1f} %  (target >= 95 %); by precision: {r['precision_counts']}"
    )
    if args.misses:
        print("\nderived terms the judgement does not accept:")
        print("\n".join(f"  {w}" for w in r["wrong"]) or "  none")
        print("\nrecords indicating a target group that got none:")
        print("\n".join(f"  {m}" for m in r["misses"]) or "  none")


if __name__ == "__main__":
    main()
