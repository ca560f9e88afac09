"""The HSDS tabular data package: `datapackage.json` and one CSV per HSDS object, written row by row.

Which files and columns there are comes from Open Referral's `schema/compiled/tabular.json`,
read at run time, so the package follows the schema the registry ships. Nested objects become
rows of their own table, joined by the foreign keys the mapping already sets (`organization_id`,
`location_id`, `link_id`, `resource_id`, ...). Cells hold the values exactly (no apostrophe before
a leading `+` or `=` as the spreadsheet CSV export adds): the package is for machines, and a
phone number must survive a round trip.
"""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import IO, Any

# The tables the registry writes, in the package's order; every file is present, header only when empty.
TABLES = (
    "organization",
    "organization_identifier",
    "service",
    "location",
    "address",
    "phone",
    "contact",
    "service_at_location",
    "service_area",
    "attribute",
    "metadata",
    "taxonomy",
    "taxonomy_term",
)

# Under each object, the lists whose items are rows of another table.
_CHILDREN: dict[str, tuple[tuple[str, str], ...]] = {
    "organization": (
        ("organization_identifiers", "organization_identifier"),
        ("phones", "phone"),
        ("locations", "location"),
        ("contacts", "contact"),
        ("services", "service"),
        ("attributes", "attribute"),
        ("metadata", "metadata"),
    ),
    "location": (("addresses", "address"), ("phones", "phone"), ("attributes", "attribute"), ("metadata", "metadata")),
    "service": (
        ("service_areas", "service_area"),
        ("service_at_locations", "service_at_location"),
        ("phones", "phone"),
        ("attributes", "attribute"),
        ("metadata", "metadata"),
    ),
    "contact": (("phones", "phone"),),
}


@functools.cache
def tabular_schema() -> dict[str, dict[str, Any]]:
    """Open Referral's table definitions (`compiled/tabular.json`), by HSDS object name."""
    text = resources.files("registry.hsds").joinpath("schema", "compiled", "tabular.json").read_text("utf-8")
    return {name: spec["items"] for name, spec in json.loads(text)["properties"].items()}


@functools.cache
def columns(table: str) -> tuple[str, ...]:
    """The table's CSV columns: its fields that are values, not lists of nested objects."""
    return tuple(name for name, field in tabular_schema()[table]["properties"].items() if field["type"] != "array")


def path_of(table: str) -> str:
    return str(tabular_schema()[table]["path"])


def flatten(table: str, item: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The object and every object nested in it, each with the table it is a row of."""
    yield table, item
    for key, child in _CHILDREN.get(table, ()):
        for nested in item.get(key) or ():
            yield from flatten(child, nested)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def datapackage(created: datetime | None = None) -> dict[str, Any]:
    """The package descriptor: each table's fields as tabular.json defines them."""
    resources_ = []
    for table in TABLES:
        spec = tabular_schema()[table]
        fields = []
        for name in columns(table):
            field = spec["properties"][name]
            fields.append(
                {k: field[k] for k in ("name", "type", "format", "title", "description", "constraints") if k in field}
            )
        resources_.append(
            {
                "name": table,
                "path": path_of(table),
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": fields, "primaryKey": ["id"]},
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "samverkan-registry-hsds",
        "title": "Aktörsregister för samverkan som HSDS 3.0 / Actor registry for collaboration as HSDS 3.0",
        "description": "Human Services Data Specification 3.0 (Open Referral, https://openreferral.org/), "
        "tabular form. The table definitions are Open Referral's, under CC BY-SA 4.0.",
        "created": (created or datetime.now(UTC)).isoformat(timespec="seconds"),
        "resources": resources_,
    }


class TabularWriter:
    """Writes a package into `directory`: `add` an organization (with its nesting) or a taxonomy
    object at a time, then `close`. Memory stays flat: each row goes straight to its file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}
        self.rows: dict[str, int] = dict.fromkeys(TABLES, 0)
        for table in TABLES:
            handle = (directory / path_of(table)).open("w", encoding="utf-8", newline="")
            self._files[table] = handle
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(columns(table))
            self._writers[table] = writer

    def add(self, table: str, item: Mapping[str, Any]) -> None:
        for name, row in flatten(table, item):
            self._writers[name].writerow([_cell(row.get(c)) for c in columns(name)])
            self.rows[name] += 1

    def add_all(self, table: str, items: Iterable[Mapping[str, Any]]) -> None:
        for item in items:
            self.add(table, item)

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()
        descriptor = json.dumps(datapackage(), ensure_ascii=False, indent=2)
        (self.directory / "datapackage.json").write_text(descriptor + "\n", encoding="utf-8")

    def __enter__(self) -> TabularWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
