"""Import identity: which register a file is, and which earlier record an id-less row continues.

Three things decide that before anything is written:

- **The register's municipality** is inferred, when not given, from the rows' postal codes:
  when at least 80 % of the rows that have a postal code (and at least half of all rows) lie in
  one municipality, that is the register's (`MunicipalityInference`).
- **How a row's seat was found** (`seat_basis`): a Kommun column or an address states it; the
  register's own municipality only derives it. The seat rule (importers.merge) weighs the two.
- **Renames in files without ids** (CSV exports): a row's key is its name and place, so next
  year's file with a renamed club has a new key. Before the batches, rows whose key is new are
  compared with the source's records that the file no longer has (`find_renames`). Sharing an
  exact e-mail address or website (host and path), or the same name key (the club moved), with
  exactly one of them, and that one with no other row, makes the row that record again: it
  updates the actor instead of making a second one. A shared phone alone, or a tie, is not sure:
  the row waits for review with the earlier record's actor as the candidate.

`IdlessRows` keeps the id-less rows on disk (SQLite), so a large file costs no memory per row.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

from rapidfuzz import fuzz

from graph_schema.refdata import municipalities, municipality_for_postal_code
from importers.keystore import ScratchDb
from importers.records import derived_id
from importers.spool import rekey as spool_rekey
from registry.domain import normalize

INFER_SHARE = 0.8
# After this many postal codes a file spread over several municipalities is known to be county-
# or country-wide: the pre-pass stops reading.
_INFER_ENOUGH = 5000


def _label(code: str) -> str:
    found = municipalities().get(code)
    return f"{found.name} ({code})" if found else code


class MunicipalityInference:
    """Counts the municipalities of the rows' postal codes (canonical rows, before normalising)."""

    def __init__(self) -> None:
        self.rows = 0
        self.codes: Counter[str] = Counter()

    def add(self, raw: dict[str, Any]) -> bool:
        """Counts one row; False once the answer is known to be 'no single municipality'."""
        self.rows += 1
        postal = _first(raw.get("postal_code"))
        if postal:
            try:
                code = municipality_for_postal_code(normalize.postal_code(postal), _first(raw.get("locality")))
            except ValueError:
                code = None
            if code:
                self.codes[code] += 1
        coded = sum(self.codes.values())
        return not (coded >= _INFER_ENOUGH and self.codes.most_common(1)[0][1] < coded / 2)

    def decided(self) -> str | None:
        coded = sum(self.codes.values())
        if not coded or coded * 2 < self.rows:
            return None
        code, count = self.codes.most_common(1)[0]
        return code if count >= INFER_SHARE * coded else None

    def describe(self) -> str | None:
        coded = sum(self.codes.values())
        if not coded:
            return None
        code, count = self.codes.most_common(1)[0]
        share = f"{count} av {coded} postnummer ({round(100 * count / coded)} %)"
        share_en = f"{count} of {coded} postal codes ({round(100 * count / coded)} %)"
        if self.decided():
            return (
                f"Kommunen härleddes ur postnumren: {share} ligger i {_label(code)} / the municipality was "
                f"inferred from the postal codes: {share_en} lie in {_label(code)}"
            )
        return (
            f"Kommunen härleddes inte (under 80 % av postnumren, eller för få rader med postnummer): "
            f"flest i {_label(code)}, {share}; ange --municipality / the municipality was not inferred "
            f"(under 80 % of the postal codes, or too few rows with one): most in {_label(code)}, "
            f"{share_en}; pass --municipality"
        )


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    text = str(value).strip() if value is not None else ""
    return text or None


def seat_basis(raw: dict[str, Any], record: dict[str, Any]) -> str:
    """'stated' (a Kommun column), 'address' (the postal code or locality locates it) or 'derived'
    (the register's --municipality, or a member list's umbrella)."""
    if _first(raw.get("municipality")):
        return "stated"
    postal, place = record.get("postal_code"), record.get("locality")
    if (postal or place) and municipality_for_postal_code(postal or "", place) == record.get("municipality_code"):
        return "address"
    return "derived"


def evidence(record: dict[str, Any]) -> set[str]:
    """What makes two records one organisation however it is named: exact e-mail addresses,
    phones, the website's host and path, and (kind 'name') the name key."""
    found = {f"email:{e.lower()}" for e in record.get("emails") or []}
    found |= {f"phone:{p}" for p in record.get("phones") or []}
    site = website_key(record.get("website"))
    if site:
        found.add(f"web:{site}")
    if record.get("name"):
        found.add(f"name:{normalize.name_key(record['name'])}")
    return found


def website_key(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url if "//" in url else f"//{url}")
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}" if host else None


class IdlessRows(ScratchDb):
    """Keys of rows without a register id, with their names and evidence, in a temporary SQLite file."""

    def __init__(self) -> None:
        super().__init__(
            "CREATE TABLE rows (key TEXT PRIMARY KEY, line INTEGER, name TEXT, evidence TEXT)",
            "CREATE TABLE graph (key TEXT PRIMARY KEY)",
        )
        self.count = 0

    def add(self, key: str, line: int, record: dict[str, Any]) -> None:
        if self.count == 0:
            self.db.execute("BEGIN")
        self.count += 1
        self.db.execute(
            "INSERT OR IGNORE INTO rows VALUES (?, ?, ?, ?)",
            (key, line, record.get("name"), json.dumps(sorted(evidence(record)))),
        )


class RecordSource(Protocol):
    """What `find_renames` reads from the graph (registry.dao.imports.ImportDao)."""

    def record_keys(self, prefix: str, after: str, limit: int) -> list[str]: ...

    def records(self, keys: list[str]) -> list[dict[str, Any]]: ...


@dataclass
class Rename:
    line: int
    key: str
    name: str
    old_key: str
    old_name: str
    actor_id: str
    shared: list[str]
    score: float


@dataclass
class Renames:
    """What `find_renames` found: rows that continue an earlier record, sure and unsure."""

    source: str = ""
    sure: dict[str, Rename] = field(default_factory=dict)
    unsure: list[Rename] = field(default_factory=list)

    def notes(self) -> list[str]:
        notes = []
        for r in sorted(self.sure.values(), key=lambda r: r.line):
            notes.append(
                f"rad / line {r.line}: {r.name!r} är {r.old_name!r} från förra importen "
                f"(samma {', '.join(r.shared)}) / is {r.old_name!r} of the last import (same {', '.join(r.shared)})"
            )
        for r in self.unsure:
            notes.append(
                f"rad / line {r.line}: {r.name!r} kan vara {r.old_name!r} (samma {', '.join(r.shared)}): "
                f"till granskning / may be {r.old_name!r} (same {', '.join(r.shared)}): queued for review"
            )
        return notes

    def rekey(self, spool: IO[str]) -> IO[str]:
        """The spool with each sure row under its earlier record's key, rewritten in place."""

        def old_key(key: str) -> str | None:
            rename = self.sure.get(key)
            return rename.old_key if rename is not None else None

        return spool_rekey(spool, old_key)

    def unsure_rows(self) -> list[dict[str, Any]]:
        """Review items for `ImportDao.queue_renames`: the row's record waits with the earlier actor."""
        return [
            {
                "id": derived_id("review", r.key),
                "key": r.key,
                "source": self.source,
                "candidate": r.actor_id,
                "previous_key": r.old_key,
                "score": r.score,
                "reasons": [
                    f"samma {', '.join(r.shared)} som {r.old_name!r} i förra importen, som saknas nu / "
                    f"same {', '.join(r.shared)} as {r.old_name!r} of the last import, missing now"
                ],
            }
            for r in self.unsure
        ]


_KIND_WORDS = {
    "email": "e-post / e-mail",
    "phone": "telefon / phone",
    "web": "webbplats / website",
    "name": "namn / name",
}
_PAGE = 10_000


def find_renames(dao: RecordSource, source: str, rows: IdlessRows) -> Renames:
    """Id-less rows whose key is new, matched to the source's records that the file no longer has."""
    found = Renames(source)
    if rows.count == 0:
        return found
    db = rows.db
    prefix, after = f"{source}:~", ""
    while keys := dao.record_keys(prefix, after, _PAGE):
        db.executemany("INSERT OR IGNORE INTO graph VALUES (?)", [(k,) for k in keys])
        after = keys[-1]
        if len(keys) < _PAGE:
            break
    vanished = [k for (k,) in db.execute("SELECT key FROM graph WHERE key NOT IN (SELECT key FROM rows)")]
    if not vanished:
        return found
    new = list(db.execute("SELECT key, line, name, evidence FROM rows WHERE key NOT IN (SELECT key FROM graph)"))
    if not new:
        return found
    old: dict[str, dict[str, Any]] = {}
    by_token: dict[str, set[str]] = defaultdict(set)
    for start in range(0, len(vanished), _PAGE):
        for item in dao.records(vanished[start : start + _PAGE]):
            if not item.get("actor_id") or not item.get("fields"):
                continue
            fields = json.loads(item["fields"])
            old[item["key"]] = {"actor_id": item["actor_id"], "name": fields.get("name") or "", "fields": fields}
            for token in evidence(fields):
                by_token[token].add(item["key"])
    candidates: dict[str, dict[str, set[str]]] = {}
    wanted_by: dict[str, set[str]] = defaultdict(set)
    for key, _line, _name, tokens in new:
        shared: dict[str, set[str]] = defaultdict(set)
        for token in json.loads(tokens):
            for old_key in by_token.get(token, ()):
                shared[old_key].add(token.split(":", 1)[0])
        candidates[key] = shared
        for old_key in shared:
            wanted_by[old_key].add(key)
    for key, line, name, _tokens in new:
        shared = candidates[key]
        if not shared:
            continue
        best = max(shared, key=lambda k: (len(shared[k]), fuzz.token_set_ratio(name, old[k]["name"]), k))
        kinds = shared[best]
        mutual = len(shared) == 1 and wanted_by[best] == {key}
        rename = Rename(
            line,
            key,
            name,
            best,
            old[best]["name"],
            old[best]["actor_id"],
            [_KIND_WORDS[k] for k in sorted(kinds)],
            round(float(fuzz.token_set_ratio(name, old[best]["name"])), 1),
        )
        if mutual and kinds & {"email", "web", "name"}:
            found.sure[key] = rename
        else:
            found.unsure.append(rename)
    return found
