"""Reading HSDS 3.0 (Open Referral) from another directory: JSON organizations or the tabular data package.

`registry import register FILE --format hsds` takes
- JSON: NDJSON (one organization a line, as `registry export hsds` and HSDS's `format=ndjson`
  write), an array of organizations, one organization, or an HSDS API page (`contents`);
- the tabular package: its `datapackage.json` (the CSVs beside it) or a zip of the package.

Each organization becomes one register row of canonical fields, and from there the import is
any register's: the same validation, matching, provenance and review. A term of the registry's
own taxonomies (recognised by taxonomy id or name) maps back to its id; another directory's terms
are matched by their names like any register's categories, and what matches nothing is reported.
The tabular package is joined through a temporary SQLite file, so memory stays flat.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from importers.categories import CategoryMapper
from importers.source import MAX_JSON_VALUE, JsonStream, ReadError, Row, RowError, Source
from registry.hsds import mapping

# The register columns a row carries; each maps to a canonical field through importers.columns.
HEADERS = [
    "id",
    "name",
    "org number",
    "description",
    "activities",
    "street address",
    "postal code",
    "city",
    "municipality",
    "email",
    "phone",
    "website",
    "founded",
    "category",
    "target group",
    "contact person",
    "contact role",
    "contact email",
    "contact phone",
]

# Tables read from a tabular package, with the column that joins each to its parent.
_TABLES: dict[str, tuple[str, str | None]] = {
    "organization": ("organizations.csv", None),
    "organization_identifier": ("organization_identifiers.csv", "organization_id"),
    "service": ("services.csv", "organization_id"),
    "location": ("locations.csv", "organization_id"),
    "address": ("addresses.csv", "location_id"),
    "phone": ("phones.csv", "organization_id"),
    "contact": ("contacts.csv", "organization_id"),
    "attribute": ("attributes.csv", "link_id"),
    "taxonomy_term": ("taxonomy_terms.csv", None),
}
_MAX_CSV_FIELD = 1024 * 1024


@dataclass
class HsdsSource(Source):
    """An HSDS input; `rows()` yields one register row per organization."""

    layout: str = "ndjson"  # ndjson | array | object | tabular

    def rows(self) -> Iterator[Row | RowError]:
        if self.layout == "tabular":
            return _tabular_rows(self.path)
        return _json_rows(self.path, self.layout)


def open_hsds(path: Path) -> HsdsSource:
    """Recognises the layout (before anything is written) and reads nothing else yet."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError as exc:
        raise ReadError(f"filen kan inte läsas / the file cannot be read: {exc.strerror or exc}") from exc
    if not head.strip():
        raise ReadError("filen är tom / the file is empty")
    if head.startswith(b"PK\x03\x04") or path.name == "datapackage.json":
        _check_package(path)
        return HsdsSource(path, "hsds", encoding="utf-8", headers=list(HEADERS), layout="tabular")
    first = head.decode("utf-8-sig", errors="replace").lstrip()[:1]
    if first == "[":
        return HsdsSource(path, "hsds", encoding="utf-8", headers=list(HEADERS), layout="array")
    if first != "{":
        raise ReadError(
            "filen är varken HSDS-JSON eller ett tabellpaket (datapackage.json eller zip) / the file is neither "
            "HSDS JSON nor a tabular package (datapackage.json or a zip)"
        )
    with path.open(encoding="utf-8-sig") as handle:
        line = handle.readline(MAX_JSON_VALUE)
    try:
        json.loads(line)
        layout = "ndjson"
    except json.JSONDecodeError:
        layout = "object"
    return HsdsSource(path, "hsds", encoding="utf-8", headers=list(HEADERS), layout=layout)


# -- JSON -------------------------------------------------------------------------------------------
def _json_rows(path: Path, layout: str) -> Iterator[Row | RowError]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if layout == "ndjson":
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield RowError(number, f"ogiltig JSON / invalid JSON: {exc.msg}")
                    continue
                pages = value.get("contents") if isinstance(value, dict) else None
                for item in pages if isinstance(pages, list) else [value]:
                    yield _row(number, item, {})
            return
        stream = JsonStream(handle)
        if layout == "array":
            stream.expect("[")
            if stream.peek() == "]":
                return
            while True:
                line, value = stream.value()
                yield _row(line, value, {})
                if stream.expect(",]") == "]":
                    break
            stream.end()
            return
        line, value = stream.value()
        stream.end()
        if isinstance(value, dict) and isinstance(value.get("contents"), list):
            for item in value["contents"]:
                yield _row(line, item, {})
        elif isinstance(value, dict) and isinstance(value.get("organizations"), list):
            for item in value["organizations"]:
                yield _row(line, item, {})
        else:
            yield _row(line, value, {})


# -- one organization -------------------------------------------------------------------------------
def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _items(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _term_of(attribute: dict[str, Any], terms: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    nested = attribute.get("taxonomy_term")
    if isinstance(nested, dict):
        return nested
    return terms.get(str(attribute.get("taxonomy_term_id") or ""))


def _vocabulary(term: dict[str, Any]) -> str | None:
    """'interest_areas' or 'target_groups' for a term of the registry's own taxonomies, else None."""
    taxonomy = mapping.TAXONOMY_BY_ID.get(str(term.get("taxonomy_id") or "")) or mapping.TAXONOMY_BY_NAME.get(
        str(term.get("taxonomy") or "")
    )
    return taxonomy.key if taxonomy else None


@functools.cache
def _mapper() -> CategoryMapper:
    return CategoryMapper()


def _names_target_group(text: str) -> bool:
    found, unknown = _mapper().target_groups([text])
    return bool(found) and not unknown


def _row(line: int, org: Any, terms: dict[str, dict[str, Any]]) -> Row | RowError:
    """An HSDS organization (with its nesting) as a register row."""
    if not isinstance(org, dict):
        return RowError(line, "organisationen är inte ett objekt / the organization is not an object")
    values: dict[str, Any] = {}

    def put(header: str, value: Any) -> None:
        text = _text(value)
        if text:
            values[header] = text

    put("id", org.get("id"))
    put("name", org.get("name"))
    for identifier in _items(org.get("organization_identifiers")):
        scheme, kind = identifier.get("identifier_scheme"), str(identifier.get("identifier_type") or "")
        if scheme == mapping.ORG_NUMBER_SCHEME or kind.casefold() in (mapping.ORG_NUMBER_TYPE, "org number"):
            put("org number", identifier.get("identifier"))
            break
    put("description", org.get("description"))
    put("website", org.get("website"))
    put("founded", org.get("year_incorporated"))
    emails = [org.get("email")]
    phones = [p.get("number") for p in _items(org.get("phones"))]
    areas: list[str] = []
    groups: list[str] = []
    for service in _items(org.get("services")):
        emails.append(service.get("email"))
        phones += [p.get("number") for p in _items(service.get("phones"))]
        if _text(service.get("description")) and service.get("description") != org.get("description"):
            put("activities", service.get("description"))
        for attribute in _items(service.get("attributes")):
            term = _term_of(attribute, terms)
            if term is None:
                continue
            vocabulary = _vocabulary(term)
            # The registry's own terms by their id (the code); another directory's by their name:
            # a target group when it names one of the registry's, else a category like a register's.
            text = _text(term.get("code")) if vocabulary else _text(term.get("name"))
            if text and vocabulary is None:
                vocabulary = "target_groups" if _names_target_group(text) else "interest_areas"
            if text:
                (groups if vocabulary == "target_groups" else areas).append(text)
    for loc in _items(org.get("locations")):
        if loc.get("external_identifier_type") == mapping.MUNICIPALITY_ID_TYPE:
            put("municipality", loc.get("external_identifier"))
        for address in _items(loc.get("addresses"))[:1]:
            put("street address", address.get("address_1"))
            put("postal code", address.get("postal_code"))
            put("city", address.get("city"))
            if "municipality" not in values:
                put("municipality", address.get("region"))
        if "municipality" in values:
            break
    for contact in _items(org.get("contacts"))[:1]:
        put("contact person", contact.get("name"))
        put("contact role", contact.get("title"))
        put("contact email", contact.get("email"))
        numbers = _items(contact.get("phones"))
        if numbers:
            put("contact phone", numbers[0].get("number"))
    # Several values of one field go as a list (importers.columns keeps each).
    for header, items in (("email", emails), ("phone", phones), ("category", areas), ("target group", groups)):
        texts = list(dict.fromkeys(t for t in (_text(i) for i in items) if t))
        if texts:
            values[header] = texts
    return Row(line, values)


# -- the tabular package ----------------------------------------------------------------------------
class _Package:
    """The package's CSV files, from a folder or a zip, opened by their HSDS path."""

    def __init__(self, path: Path, stack: ExitStack) -> None:
        self.path = path
        self.stack = stack
        self.archive: zipfile.ZipFile | None = None
        if path.name != "datapackage.json":
            try:
                self.archive = stack.enter_context(zipfile.ZipFile(path))
            except zipfile.BadZipFile as exc:
                raise ReadError("zip-filen är trasig / the zip file is damaged") from exc

    def _names(self) -> dict[str, str]:
        """Entry name by file name (a zip may hold the package in a folder)."""
        assert self.archive is not None
        return {Path(n).name: n for n in self.archive.namelist() if not n.endswith("/")}

    def has(self, name: str) -> bool:
        if self.archive is None:
            return (self.path.parent / name).is_file()
        return name in self._names()

    def open(self, name: str) -> IO[str]:
        if self.archive is None:
            return self.stack.enter_context((self.path.parent / name).open(encoding="utf-8-sig", newline=""))
        raw = self.stack.enter_context(self.archive.open(self._names()[name]))
        return self.stack.enter_context(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))


def _check_package(path: Path) -> None:
    with ExitStack() as stack:
        package = _Package(path, stack)
        if not package.has("organizations.csv"):
            raise ReadError("tabellpaketet saknar organizations.csv / the tabular package has no organizations.csv")


def _load(db: sqlite3.Connection, table: str, handle: IO[str]) -> None:
    reader = csv.reader(handle)
    header = next(reader, None)
    if not header:
        return
    names = [f"c{i}" for i in range(len(header))]
    db.execute(f"CREATE TABLE t_{table} ({', '.join(names)})")
    db.execute("INSERT INTO meta VALUES (?, ?)", (table, json.dumps(header)))
    marks = ", ".join("?" * len(header))
    batch: list[list[str]] = []
    for cells in reader:
        batch.append((cells + [""] * len(header))[: len(header)])
        if len(batch) >= 5000:
            db.executemany(f"INSERT INTO t_{table} VALUES ({marks})", batch)  # noqa: S608
            batch = []
    db.executemany(f"INSERT INTO t_{table} VALUES ({marks})", batch)  # noqa: S608


class _Tables:
    """Rows of the loaded tables as dicts, by the column that joins them to their parent."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.headers = {t: json.loads(h) for t, h in db.execute("SELECT name, header FROM meta")}
        for table, (_, key) in _TABLES.items():
            if key and table in self.headers and key in self.headers[table]:
                column = f"c{self.headers[table].index(key)}"
                db.execute(f"CREATE INDEX i_{table} ON t_{table} ({column})")

    def all(self, table: str) -> Iterable[dict[str, str]]:
        if table not in self.headers:
            return
        header = self.headers[table]
        for cells in self.db.execute(f"SELECT * FROM t_{table}"):  # noqa: S608 (a fixed table name)
            yield {h: v for h, v in zip(header, cells, strict=True) if v != ""}

    def where(self, table: str, key: str, value: str) -> list[dict[str, str]]:
        header = self.headers.get(table)
        if header is None or key not in header:
            return []
        column = f"c{header.index(key)}"
        cursor = self.db.execute(f"SELECT * FROM t_{table} WHERE {column} = ?", (value,))  # noqa: S608
        return [{h: v for h, v in zip(header, cells, strict=True) if v != ""} for cells in cursor]


def _tabular_rows(path: Path) -> Iterator[Row | RowError]:
    with tempfile.TemporaryDirectory(prefix="hsds-import-") as tmp, ExitStack() as stack:
        csv.field_size_limit(_MAX_CSV_FIELD)
        db = sqlite3.connect(Path(tmp) / "package.sqlite")
        stack.callback(db.close)
        db.execute("CREATE TABLE meta (name, header)")
        package = _Package(path, stack)
        for table, (name, _) in _TABLES.items():
            if package.has(name):
                _load(db, table, package.open(name))
        tables = _Tables(db)
        terms = {t["id"]: t for t in tables.all("taxonomy_term") if "id" in t}
        for number, org in enumerate(tables.all("organization"), 2):
            org_id = org.get("id", "")
            nested: dict[str, Any] = dict(org)
            nested["organization_identifiers"] = tables.where("organization_identifier", "organization_id", org_id)
            nested["phones"] = [p for p in tables.where("phone", "organization_id", org_id) if not p.get("contact_id")]
            nested["contacts"] = [
                {**c, "phones": tables.where("phone", "contact_id", c.get("id", ""))}
                for c in tables.where("contact", "organization_id", org_id)
            ]
            nested["locations"] = [
                {**loc, "addresses": tables.where("address", "location_id", loc.get("id", ""))}
                for loc in tables.where("location", "organization_id", org_id)
            ]
            nested["services"] = [
                {**svc, "attributes": tables.where("attribute", "link_id", svc.get("id", ""))}
                for svc in tables.where("service", "organization_id", org_id)
            ]
            # A row's line is its line in organizations.csv (after the header).
            yield _row(number, nested, terms)
