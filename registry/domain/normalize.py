"""Normalisation of the fields Swedish registers carry, with maintained libraries where they exist.

Each function returns the normalised value, or raises `ValueError` with a message an officer
can act on. Importers and the API share these, so a value means the same wherever it entered.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from stdnum.exceptions import ValidationError
from stdnum.se import orgnr

_POSTAL = re.compile(r"^(?:SE-?)?\s*(\d{3})\s?(\d{2})$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]{2,}$")
_SPLIT = re.compile(r"[,;\s]+")


def org_number(value: str) -> str:
    """'8024123456' or '802412-3456' -> '802412-3456'; the Luhn check digit must hold."""
    try:
        compact = orgnr.validate(value)
    except ValidationError as exc:
        raise ValueError(f"ogiltigt organisationsnummer / invalid organisation number: {value!r}") from exc
    return orgnr.format(compact)


def phone(value: str) -> str:
    """Swedish or international phone number -> E.164 ('+46586420900')."""
    try:
        parsed = phonenumbers.parse(value, "SE")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"ogiltigt telefonnummer / invalid phone number: {value!r}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"ogiltigt telefonnummer / invalid phone number: {value!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def postal_code(value: str) -> str:
    """'69231', '692 31', 'SE-692 31' -> '692 31'."""
    match = _POSTAL.match(value.strip())
    if not match:
        raise ValueError(f"ogiltigt postnummer / invalid postal code: {value!r}")
    return f"{match.group(1)} {match.group(2)}"


def emails(value: str | list[str]) -> list[str]:
    """One field may hold several addresses ('a@x.se, b@y.se'); each is checked, lower-cased, deduplicated."""
    parts = value if isinstance(value, list) else _SPLIT.split(value)
    result: list[str] = []
    for part in parts:
        address = part.strip().strip("<>").lower()
        if not address:
            continue
        if not _EMAIL.match(address):
            raise ValueError(f"ogiltig e-postadress / invalid e-mail address: {part!r}")
        if address not in result:
            result.append(address)
    return result


def website(value: str) -> str | None:
    """' ' -> None; 'www.x.se' -> 'https://www.x.se'; keeps an explicit http(s) scheme."""
    text = value.strip()
    if not text:
        return None
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or "." not in parts.netloc or " " in parts.netloc:
        raise ValueError(f"ogiltig webbadress / invalid website: {value!r}")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment))
