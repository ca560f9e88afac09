"""CPU time of the importer's reading and normalising pass alone (no database), three passes over one file.

Used to compare two versions of the importer in the same run: run it from each tree with that
tree first on PYTHONPATH (see docs/benchmarks.md, session 4).

    .venv/bin/python -m bench.normalise_pass LABEL [FILE]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from importers.categories import CategoryMapper
from importers.columns import ColumnMap, Mapping
from importers.readers import Row, open_source
from importers.records import Context, RowRejectedError, normalise_row


def main() -> None:
    label = sys.argv[1] if len(sys.argv) > 1 else "run"
    path = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("var/bench/register-5000-20261127.csv")
    times = []
    n = 0
    for _ in range(3):
        started = time.process_time()
        ctx = Context(kind="register", source="bench", categories=CategoryMapper())
        source = open_source(path, "auto")
        columns = ColumnMap("register", Mapping())
        columns.add(source.headers or [])
        n = 0
        for item in source.rows():
            if isinstance(item, Row):
                try:
                    normalise_row(columns.canonical(item.values), ctx)
                    n += 1
                except RowRejectedError:
                    pass
        times.append(time.process_time() - started)
    print(label, n, "rows, CPU s per pass:", [round(x, 3) for x in times])


if __name__ == "__main__":
    main()
