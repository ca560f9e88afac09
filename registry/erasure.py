"""Erased people stay erased: keyed hashes that let an import recognise a person without storing who they were.

`registry gdpr erase` removes a person's data, but the register files the data came from still
hold it, so the next import would bring the person back. Erasure therefore leaves behind
`ErasedContact` nodes holding HMAC-SHA256 hashes, never the data itself: one of the normalised
e-mail address, and one per erased contact record of its phone number together with the name.
An importer drops a contact person whose address, or whose phone number and name, hash to a
listed value, and drops a listed address from an actor's e-mail list.

Why keyed: a plain hash of an e-mail address is undone by hashing a list of guessed addresses.
The key derives from the server secret (`registry.tokens.load_secret`), which lives outside the
database. Changing that secret makes the list unrecognisable (as it does every API token), so
keep it. Why the phone only with the name: a contact's phone can be the organisation's
switchboard, and a colleague listed with it must not vanish.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from registry.domain import normalize

EMAIL = "email"
PHONE = "phone"


def erasure_key(secret: bytes) -> bytes:
    """A key of its own for these hashes, so they can never be compared with token hashes."""
    return hmac.new(secret, b"registry/erased-contact/v1", hashlib.sha256).digest()


def _hash(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _phone(value: str) -> str:
    try:
        return normalize.phone(value)
    except ValueError:
        return re.sub(r"\D", "", value)


def email_hash(key: bytes, email: str) -> str:
    return _hash(key, f"{EMAIL}:{email.strip().lower()}")


def phone_hash(key: bytes, phone: str, name: str) -> str:
    return _hash(key, f"{PHONE}:{_phone(phone)}:{normalize.fold(name)}")


def hashes_of(key: bytes, emails: Iterable[str], contacts: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """The suppression entries for an erased person: their addresses, and each contact record's phone with its name."""
    entries = {email_hash(key, email): EMAIL for email in emails}
    for contact in contacts:
        if contact.get("phone") and contact.get("name"):
            entries[phone_hash(key, str(contact["phone"]), str(contact["name"]))] = PHONE
    return [{"hash": h, "kind": kind} for h, kind in sorted(entries.items())]


@dataclass
class Suppression:
    """The erased people one import must not bring back."""

    key: bytes
    hashes: frozenset[str]
    contacts: int = 0
    emails: int = 0

    def _listed(self, text: str) -> bool:
        return text in self.hashes

    def contact_erased(self, contact: dict[str, Any]) -> bool:
        if contact.get("email") and self._listed(email_hash(self.key, str(contact["email"]))):
            return True
        phone, name = contact.get("phone"), contact.get("name")
        return bool(phone and name and self._listed(phone_hash(self.key, str(phone), str(name))))

    def apply(self, record: dict[str, Any]) -> bool:
        """Removes erased contact persons and addresses from a normalised record; True if any went."""
        changed = False
        contacts = record.get("contacts")
        if contacts:
            kept = [c for c in contacts if not self.contact_erased(c)]
            if len(kept) != len(contacts):
                self.contacts += len(contacts) - len(kept)
                changed = True
                if kept:
                    record["contacts"] = kept
                else:
                    del record["contacts"]
        emails = record.get("emails")
        if emails:
            kept_emails = [e for e in emails if not self._listed(email_hash(self.key, e))]
            if len(kept_emails) != len(emails):
                self.emails += len(emails) - len(kept_emails)
                changed = True
                if kept_emails:
                    record["emails"] = kept_emails
                else:
                    del record["emails"]
        return changed
