"""The spool: pass 1 writes each valid row to a temporary text file, one line each, and pass 2 reads it
back in batches, so memory stays flat whatever the file's size. A line is tab-separated: the row's line
number, its content hash, its record key (JSON) and the record's JSON last, kept as text (its
SourceRecord stores it as is)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any


@dataclass(frozen=True, slots=True)
class SpooledRow:
    """A valid row as spooled: its line, record key, content hash, record, and the record's JSON text."""

    line: int
    key: str
    digest: str
    record: dict[str, Any]
    text: str


def write_row(spool: IO[str], line: int, digest: str, key: str, text: str) -> None:
    spool.write(f"{line}\t{digest}\t{json.dumps(key, ensure_ascii=False)}\t{text}\n")


def rekey(spool: IO[str], new_key: Callable[[str], str | None]) -> IO[str]:
    """The spool with each row whose key `new_key` maps to another under that one, rewritten in place."""
    spool.seek(0)
    lines = []
    for text in spool:
        number, digest, key, rest = text.split("\t", 3)
        renamed = new_key(json.loads(key))
        if renamed is not None:
            key = json.dumps(renamed, ensure_ascii=False)
        lines.append(f"{number}\t{digest}\t{key}\t{rest}")
    spool.seek(0)
    spool.truncate()
    spool.writelines(lines)
    return spool


def batches(spool: IO[str], size: Callable[[], int]) -> Iterator[list[SpooledRow]]:
    """The spooled rows in batches of `size()` rows, asked anew for each batch (it shrinks when Neo4j
    runs out of transaction memory)."""
    batch: list[SpooledRow] = []
    for line in spool:
        number, digest, key, text = line.rstrip("\n").split("\t", 3)
        batch.append(SpooledRow(int(number), json.loads(key), digest, json.loads(text), text))
        if len(batch) >= size():
            yield batch
            batch = []
    if batch:
        yield batch
