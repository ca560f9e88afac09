"""Validators for HSDS output: Open Referral's object schemas (jsonschema) and tabular.json's fields.

The schemas are the copies the product ships (registry/hsds/schema, CC BY-SA 4.0). They refer to
each other by file name (`"$ref": "phone.json"`), so each is registered under its file name in
one `referencing` registry. Formats are checked too (uuid, email, uri, date-time).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from registry.hsds.tabular import TABLES, columns, path_of, tabular_schema

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "registry" / "hsds" / "schema"
BASE = "https://hsds.invalid/schema/"


@cache
def _registry() -> Registry:
    resources = []
    for path in SCHEMA_DIR.glob("*.json"):
        contents = json.loads(path.read_text("utf-8"))
        resources.append((BASE + path.name, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator of one HSDS object (`organization`, `service`, `location`, `taxonomy`, ...)."""
    return Draft202012Validator({"$ref": BASE + f"{name}.json"}, registry=_registry(), format_checker=FormatChecker())


def errors(name: str, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(name).iter_errors(instance)]


def assert_valid(name: str, instance: Any) -> None:
    found = errors(name, instance)
    assert not found, f"{name} {instance.get('id') if isinstance(instance, dict) else ''}: {found}"


def assert_organization_valid(org: dict[str, Any]) -> None:
    """The organization and every object nested in it, each against its own schema."""
    assert_valid("organization", org)
    for loc in org.get("locations", []):
        assert_valid("location", loc)
        for address in loc.get("addresses", []):
            assert_valid("address", address)
    for svc in org.get("services", []):
        assert_valid("service", svc)
        for attribute in svc.get("attributes", []):
            assert_valid("attribute", attribute)
            assert_valid("taxonomy_term", attribute["taxonomy_term"])
    for contact in org.get("contacts", []):
        assert_valid("contact", contact)
    for identifier in org.get("organization_identifiers", []):
        assert_valid("organization_identifier", identifier)


@cache
def _row_validator(table: str) -> Draft202012Validator:
    # tabular.json's field definitions as a JSON Schema of one CSV row (values typed from text).
    spec = tabular_schema()[table]["properties"]
    properties = {}
    for name in columns(table):
        field = spec[name]
        prop: dict[str, Any] = {"type": field["type"]}
        if "format" in field:
            prop["format"] = field["format"]
        enum = field.get("constraints", {}).get("enum")
        if enum:
            prop["enum"] = enum
        properties[name] = prop
    return Draft202012Validator(
        {"type": "object", "properties": properties, "additionalProperties": False}, format_checker=FormatChecker()
    )


def _typed(table: str, row: dict[str, str]) -> dict[str, Any]:
    spec = tabular_schema()[table]["properties"]
    out: dict[str, Any] = {}
    for name, text in row.items():
        if text == "":
            continue
        kind = spec[name]["type"] if name in spec else "string"
        if kind in ("number", "integer"):
            try:
                out[name] = float(text) if kind == "number" else int(text)
            except ValueError:
                out[name] = text  # fails the type check below, with the value in the message
        else:
            out[name] = text
    return out


def package_rows(directory: Path) -> Iterator[tuple[str, dict[str, str]]]:
    for table in TABLES:
        with (directory / path_of(table)).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                yield table, row


def assert_package_valid(directory: Path) -> dict[str, int]:
    """Every file named in datapackage.json exists with exactly tabular.json's columns; every row's
    values have the field's type and format; ids are unique per table. Rows per table."""
    descriptor = json.loads((directory / "datapackage.json").read_text("utf-8"))
    assert descriptor["profile"] == "tabular-data-package"
    counts: dict[str, int] = {}
    for resource in descriptor["resources"]:
        table = resource["name"]
        assert [f["name"] for f in resource["schema"]["fields"]] == list(columns(table))
        with (directory / resource["path"]).open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames == list(columns(table)), table
            seen: set[str] = set()
            for row in reader:
                typed = _typed(table, row)
                problems = [e.message for e in _row_validator(table).iter_errors(typed)]
                assert not problems, f"{table} {row.get('id')}: {problems}"
                assert row["id"] not in seen, f"{table}: duplicate id {row['id']}"
                seen.add(row["id"])
            counts[table] = len(seen)
    return counts
