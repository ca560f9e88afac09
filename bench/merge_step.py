"""The merge step alone (importers.merge): what applying a record and building its write costs per row.

    .venv/bin/python -m bench.merge_step --rows 25000 --repeat 5

Three cases, each over `--rows` records of the same shape as an imported register row: a first
record making a new actor (most rows of an import), a second register's record of the same
actor (the seat rule weighs two claims, lists are united), and `to_row` (the write's parameters).
No database: this isolates the Python work the seat rule and provenance add to every row, which a
whole import (bench/import_register.py) measures only through the noise of Neo4j and the machine.
Prints the median of the repeats and the 50th/95th percentile of microseconds per row over
batches of 1,000.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from typing import Any

from importers.merge import ActorState, apply_record

_FIRST: dict[str, Any] = {
    "name": "Kumla Idrottsförening",
    "sector": "civil",
    "kind": "association",
    "municipality_code": "1881",
    "postal_code": "692 31",
    "street_address": "Idrottsvägen 1",
    "locality": "Kumla",
    "activities": "Fotboll, Bandy",
    "emails": ["info@kumla-if.example"],
    "phones": ["+46701234567"],
    "interest_areas": ["sports"],
    "seat_basis": "address",
}
_SECOND: dict[str, Any] = {
    **_FIRST,
    "municipality_code": "1880",
    "postal_code": "702 11",
    "street_address": "Box 200",
    "locality": "Örebro",
    "active_in": ["1880"],
    "activities": "Fotboll, Friidrott",
}


def _per_row(fn: Any, items: list[Any]) -> tuple[float, list[float]]:
    batches: list[float] = []
    started = time.perf_counter()
    for start in range(0, len(items), 1000):
        t = time.perf_counter()
        for item in items[start : start + 1000]:
            fn(item)
        batches.append((time.perf_counter() - t) * 1e6 / len(items[start : start + 1000]))
    return time.perf_counter() - started, batches


def measure(rows: int) -> dict[str, tuple[float, list[float]]]:
    states = [ActorState.new(str(i)) for i in range(rows)]
    first = _per_row(lambda s: apply_record(s, f"k:{s.id}", "k", dict(_FIRST), None, Counter()), states)
    second = _per_row(lambda s: apply_record(s, f"o:{s.id}", "o", dict(_SECOND), None, Counter()), states)
    write = _per_row(lambda s: s.to_row(), states)
    return {"first record": first, "second register": second, "to_row": write}


def main() -> None:
    parser = argparse.ArgumentParser(description="The merge step alone: cost per row of applying a record.")
    parser.add_argument("--rows", type=int, default=25_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    runs = [measure(args.rows) for _ in range(args.repeat)]
    print(f"| case ({args.rows:,} rows, {args.repeat} runs) | median s | µs/row p50 | µs/row p95 |")
    print("| --- | ---: | ---: | ---: |")
    for case in runs[0]:
        seconds = statistics.median(r[case][0] for r in runs)
        batches = sorted(b for r in runs for b in r[case][1])
        p50 = batches[len(batches) // 2]
        p95 = batches[min(len(batches) - 1, int(len(batches) * 0.95))]
        print(f"| {case} | {seconds:.2f} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
