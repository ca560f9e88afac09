"""One guard for all input, before any route sees it: too deep JSON, lone surrogates, huge numbers.

Each of these once ended in a 500 somewhere down the line (issue 15): the standard library's JSON
parser recurses and runs out of stack on deep nesting (webargs parses with it); a lone surrogate
("\\ud800", which JSON may escape) cannot be encoded as UTF-8, so the driver fails to send it; and
a whole number past 64 bits cannot be sent to Neo4j at all (OverflowError), nor can a page number
that overflows once multiplied by the page size. Rather than a check in each route, every request
passes `check_request` first (a `before_request` hook registered ahead of authentication), which
answers 400 for a body that is not acceptable JSON (not JSON at all, too deep) and 422, in the
error shape of the API, naming the place, for a value no field of this service accepts:

- JSON nested deeper than `MAX_DEPTH` levels (no resource has more than a few);
- a lone surrogate in any string: JSON body (keys too), query, form field, path;
- in JSON, an integer outside the signed 64-bit range, or a string of digits outside it (marshmallow
  reads "123" into an Integer field);
- a text direction control (U+202E and its kin, `normalize.bidi_controls`) in a name: any JSON or
  form field called `name`, `…_name` or `…names` (actors, contacts, arenas, challenges, …);
- in the query, a form or the path, a whole number of `MAX_DIGITS` digits or more: no parameter of
  this service is that large (org numbers and phone numbers have at most 12 digits), and every
  page number multiplied by any page size stays within 64 bits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, request
from flask_smorest import abort

from registry.domain import normalize

MAX_DEPTH = 32
MAX_DIGITS = 16
INT64 = 2**63 - 1

_SURROGATE = re.compile("[\ud800-\udfff]")
_WHOLE = re.compile(r"^\s*[+-]?\d+\s*$")
_LONG_WHOLE = re.compile(rf"^\s*[+-]?0*\d{{{MAX_DIGITS},}}\s*$")

_INDEX = re.compile(r"\[\d+\]$")


def _bidi_message(value: str) -> str:
    try:
        normalize.without_bidi_controls(value)
    except ValueError as exc:
        return str(exc)
    return ""


SURROGATE_MESSAGE = "ogiltigt tecken (ensamt surrogattecken) / invalid character (lone surrogate)"
NUMBER_MESSAGE = "talet är för stort / the number is too large"


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any, int]]:
    """Every scalar and key of a parsed JSON value with its path and depth; iterative, so that depth
    itself cannot exhaust the stack."""
    stack: list[tuple[str, Any, int]] = [(path, value, 0)]
    while stack:
        where, item, depth = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                yield f"{where}.{key}" if where else str(key), key, depth + 1
                stack.append((f"{where}.{key}" if where else str(key), inner, depth + 1))
        elif isinstance(item, list):
            for index, inner in enumerate(item):
                stack.append((f"{where}[{index}]", inner, depth + 1))
        else:
            yield where, item, depth


def _beyond_int64(text: str) -> bool:
    """Digits outside the signed 64-bit range; by length first, since Python refuses to convert
    a string of more than 4,300 digits at all."""
    digits = text.strip().lstrip("+-").lstrip("0")
    return len(digits) > len(str(INT64)) or (len(digits) == len(str(INT64)) and int(digits) > INT64)


def _is_name(where: str) -> bool:
    """Is this the place of a name ('name', 'contacts[0].name', 'alt_names[1]', 'display_name')?"""
    field = _INDEX.sub("", where.rsplit(".", 1)[-1])
    return field.endswith(("name", "names"))


def _json_problems(data: Any) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for where, value, _ in _walk(data):
        if isinstance(value, str):
            if _SURROGATE.search(value):
                problems.setdefault(where or "$", []).append(SURROGATE_MESSAGE)
            elif _is_name(where) and normalize.bidi_controls(value):
                problems.setdefault(where, []).append(_bidi_message(value))
            elif _WHOLE.match(value) and _beyond_int64(value):
                problems.setdefault(where or "$", []).append(NUMBER_MESSAGE)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT64:
            problems.setdefault(where or "$", []).append(NUMBER_MESSAGE)
    return problems


def _depth(data: Any) -> int:
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            stack.extend((inner, depth + 1) for inner in (item.values() if isinstance(item, dict) else item))
    return deepest


def _text_problems(pairs: Iterable[tuple[str, Any]]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for key, value in pairs:
        for text in (key, value):
            if not isinstance(text, str):
                continue
            if _SURROGATE.search(text):
                problems.setdefault(key, []).append(SURROGATE_MESSAGE)
            elif _is_name(key) and normalize.bidi_controls(text):
                problems.setdefault(key, []).append(_bidi_message(text))
            elif _LONG_WHOLE.match(text):
                problems.setdefault(key, []).append(NUMBER_MESSAGE)
    return problems


def _json_body() -> Any:
    """The parsed body of a JSON request; 400 when it is not JSON (nor UTF-8, nor numbers Python reads)."""
    try:
        return json.loads(request.get_data(cache=True))
    except RecursionError:
        abort(400, message=f"JSON nästlad för djupt / JSON nested too deeply (max {MAX_DEPTH})")
    except ValueError:
        abort(400, message="Ogiltig JSON / Invalid JSON body.", errors={"json": ["Invalid JSON body."]})


def check_request() -> None:
    """Refuses, before any route runs, input that no route accepts (see the module docstring)."""
    errors: dict[str, dict[str, list[str]]] = {}
    if request.view_args:
        found = _text_problems(request.view_args.items())
        if found:
            errors["path"] = found
    found = _text_problems(request.args.items(multi=True))
    if found:
        errors["query"] = found
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        found = _text_problems(request.form.items(multi=True))
        if found:
            errors["form"] = found
    # A JSON content type on an empty body (a GET some clients label so) has nothing to check.
    if request.is_json and request.get_data(cache=True):
        data = _json_body()
        if _depth(data) > MAX_DEPTH:
            abort(400, message=f"JSON nästlad för djupt / JSON nested too deeply (max {MAX_DEPTH})")
        found = _json_problems(data)
        if found:
            errors["json"] = found
    if errors:
        abort(422, errors=errors, message="Ogiltiga värden / Invalid values.")


def init_app(app: Flask) -> None:
    """Register first, so that the guard runs before authentication and every other hook."""
    app.before_request(check_request)
