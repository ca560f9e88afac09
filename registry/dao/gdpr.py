"""Personal data of one person, found by e-mail address, by phone, or by name + phone: export it
(access request) or erase it.

Who the person is. The requester gives an address, a phone number, or a name with a phone
number. Their contact records are the `ContactPerson` nodes with that address, that number, or
that name and number; and, since an import treats the same name and phone as the same person
(`registry.erasure`), every other contact record with the name and phone of one already found,
and with the address of one already found, until nothing new turns up. Register rows without an
address so still lead to the person.

Where the person is. Any node or relationship property (texts, and lists of texts) that
mentions one of the person's addresses, one of their contact records' ids, or one of their
numbers in the same text as their name; a number given alone (`--phone`) counts alone. An
import run's report counts when it holds one of the numbers at all: reports are written without
values now (`importers.report.redact`), but older ones quote the rows' numbers.

Erasure, in one transaction:

1. deletes those `ContactPerson` nodes;
2. removes the addresses (and a number given alone) from every list property that holds them
   (e.g. `Actor.emails`);
3. redacts every other text about the person: inside JSON texts (audit `before`/`after`,
   source-record `fields`, import-run reports) a contact record of the person becomes
   `{"id": …, "redacted": true}` and the person's addresses, names and numbers become
   "[raderad]"; audit events so changed get `redacted_at`;
4. records one `gdpr.erase` audit event per affected actor, naming no personal data;
5. lists the person as erased (`ErasedContact`: keyed hashes of the addresses, and of each
   contact record's phone with its name; see `registry.erasure`), so that importing a register
   that still holds them does not bring them back;
6. searches for the person again and reports anything left (there should be nothing).

A name alone is never searched for: the same name can be someone else's. A number is searched
for alone only when the requester gave it alone; otherwise only beside the name, since a
contact's phone can be the organisation's switchboard.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, LiteralString

import phonenumbers
from neo4j import ManagedTransaction

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.dao.audit import record_audit
from registry.db import Graph
from registry.domain import normalize
from registry.erasure import erasure_key, hashes_of
from registry.identity import Writer
from registry.tokens import load_secret

REDACTED = "[raderad]"

# Candidates: contact records with one of the addresses or numbers; names are compared in Python
# (`normalize.fold`), where accents and case fold the way the import's suppression folds them.
_CONTACTS: LiteralString = f"""
MATCH (c:{L.CONTACT_PERSON})
WHERE toLower(c.email) IN $emails OR c.phone IN $phones
OPTIONAL MATCH (a:{L.ACTOR})-[:{R.HAS_CONTACT}]->(c)
RETURN c.id AS id, c.name AS name, c.role AS role, c.email AS email, c.phone AS phone,
       a.id AS actor_id, a.name AS actor_name
ORDER BY actor_name, c.name
"""

# Any node property (text, or list of texts) that contains every term of one of $groups (lower-
# case), or, in an import run, any of $loose. Reference data and taxonomies hold no personal data.
_NODE_MENTIONS: LiteralString = f"""
MATCH (n)
WHERE NOT (n:{L.SCHEMA_MIGRATION} OR n:{L.MUNICIPALITY} OR n:{L.COUNTY} OR n:{L.INTEREST_AREA} OR n:{L.TARGET_GROUP})
WITH n, [k IN keys(n) WHERE
  (n[k] IS :: STRING AND (any(g IN $groups WHERE all(t IN g WHERE toLower(n[k]) CONTAINS t))
                          OR (n:{L.IMPORT_RUN} AND any(t IN $loose WHERE toLower(n[k]) CONTAINS t))))
  OR (n[k] IS :: LIST<STRING NOT NULL>
      AND any(x IN n[k] WHERE any(g IN $groups WHERE all(t IN g WHERE toLower(x) CONTAINS t))))] AS hits
WHERE size(hits) > 0
RETURN elementId(n) AS element_id, labels(n)[0] AS label, n.id AS id, n.action AS action, toString(n.at) AS at,
       n {{.*}} AS props, hits
"""

_REL_MENTIONS: LiteralString = """
MATCH (s)-[r]->(e)
WITH s, r, e, [k IN keys(r) WHERE
  (r[k] IS :: STRING AND any(g IN $groups WHERE all(t IN g WHERE toLower(r[k]) CONTAINS t)))
  OR (r[k] IS :: LIST<STRING NOT NULL>
      AND any(x IN r[k] WHERE any(g IN $groups WHERE all(t IN g WHERE toLower(x) CONTAINS t))))] AS hits
WHERE size(hits) > 0
RETURN elementId(r) AS element_id, type(r) AS type, s.id AS start_id, e.id AS end_id, r {.*} AS props, hits
"""

_DELETE_CONTACTS: LiteralString = f"""
MATCH (c:{L.CONTACT_PERSON})
WHERE c.id IN $ids
DETACH DELETE c
"""

_SET_NODE: LiteralString = """
MATCH (n) WHERE elementId(n) = $element_id
SET n += $props
"""

_STAMP_REDACTED: LiteralString = f"""
MATCH (n:{L.AUDIT_EVENT}) WHERE elementId(n) = $element_id
SET n.redacted_at = datetime()
"""

_BUMP_ACTOR: LiteralString = f"""
MATCH (a:{L.ACTOR}) WHERE elementId(a) = $element_id
SET a.version = coalesce(a.version, 0) + 1, a.updated_at = datetime()
"""

_ERASED: LiteralString = f"""
UNWIND $rows AS row
MERGE (e:{L.ERASED_CONTACT} {{hash: row.hash}})
ON CREATE SET e.kind = row.kind, e.erased_at = datetime()
"""

_SET_REL: LiteralString = """
MATCH ()-[r]->() WHERE elementId(r) = $element_id
SET r += $props
"""


def phone_variants(number: str) -> list[str]:
    """A number in the forms registers and people write it: +46701740638, +46 70 174 06 38,
    070-174 06 38, 0701740638."""
    variants = {number}
    try:
        parsed = phonenumbers.parse(number, "SE")
    except phonenumbers.NumberParseException:
        return sorted(variants)
    for style in (
        phonenumbers.PhoneNumberFormat.E164,
        phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        phonenumbers.PhoneNumberFormat.NATIONAL,
    ):
        written = phonenumbers.format_number(parsed, style)
        variants.update({written, re.sub(r"[^\d+]", "", written)})
    return sorted(variants)


def _e164(number: Any) -> str | None:
    try:
        return normalize.phone(str(number)) if number else None
    except ValueError:
        return None


@dataclass
class Lookup:
    """What the requester identified the person by: an address, a number, or a name with a number."""

    email: str | None = None
    phone: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if self.email:
            self.email = self.email.strip().lower()
        if self.phone:
            self.phone = normalize.phone(self.phone)
        if not (self.email or self.phone):
            raise ValueError("en e-postadress eller ett telefonnummer / an e-mail address or a phone number")
        if self.name and not self.phone:
            raise ValueError("ett namn bara tillsammans med telefonnummer / a name only together with a phone number")

    def as_json(self) -> dict[str, str | None]:
        return {"email": self.email, "phone": self.phone, "name": self.name}


@dataclass
class Person:
    """The person: their addresses, their (name, number) pairs, a number given alone, and the contact
    records found from these."""

    emails: set[str] = field(default_factory=set)
    pairs: set[tuple[str, str]] = field(default_factory=set)
    lone_phones: set[str] = field(default_factory=set)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    given_name: str | None = None

    @classmethod
    def of(cls, lookup: Lookup) -> Person:
        person = cls(given_name=lookup.name)
        if lookup.email:
            person.emails.add(lookup.email)
        if lookup.phone and lookup.name:
            person.pairs.add((normalize.fold(lookup.name), lookup.phone))
        elif lookup.phone:
            person.lone_phones.add(lookup.phone)
        return person

    def owns(self, record: dict[str, Any]) -> bool:
        """Is this contact record (a node's properties, or a record inside a JSON text) the person's?"""
        if str(record.get("email") or "").strip().lower() in self.emails:
            return True
        phone = _e164(record.get("phone"))
        if phone is None:
            return False
        if phone in self.lone_phones:
            return True
        return bool(record.get("name")) and (normalize.fold(str(record["name"])), phone) in self.pairs

    def learn(self, contact: dict[str, Any]) -> None:
        """A contact record found to be the person's adds its address and its name + number."""
        self.contacts.append(contact)
        if contact.get("email"):
            self.emails.add(str(contact["email"]).strip().lower())
        phone = _e164(contact.get("phone"))
        if phone and contact.get("name"):
            self.pairs.add((normalize.fold(str(contact["name"])), phone))

    @property
    def phones(self) -> list[str]:
        return sorted(self.lone_phones | {phone for _, phone in self.pairs})

    @property
    def contact_ids(self) -> list[str]:
        return sorted({c["id"] for c in self.contacts if c.get("id")})

    @property
    def names(self) -> list[str]:
        names = {c["name"] for c in self.contacts if c.get("name")}
        if self.given_name:
            names.add(self.given_name)
        return sorted(names)

    @property
    def phone_texts(self) -> list[str]:
        """Every number in every written form, plus the forms the contact records stored."""
        texts = {str(c["phone"]) for c in self.contacts if c.get("phone")}
        for phone in self.phones:
            texts.update(phone_variants(phone))
        return sorted(texts)

    def groups(self, *, with_ids: bool = True) -> list[list[str]]:
        """Term groups (lower case) a text about the person contains all of: an address, a contact
        id, a number given alone, or one of their numbers beside one of their names."""
        groups = [[e] for e in sorted(self.emails)]
        if with_ids:
            groups += [[i.lower()] for i in self.contact_ids]
        groups += [[v.lower()] for p in sorted(self.lone_phones) for v in phone_variants(p)]
        names = {n.lower() for n in self.names}
        for folded, phone in sorted(self.pairs):
            for name in sorted(names | {folded}):
                if normalize.fold(name) == folded:
                    groups += [[v.lower(), name] for v in phone_variants(phone)]
        return groups

    def loose(self) -> list[str]:
        """Any number of theirs, alone: what an import run's report may quote."""
        return sorted({v.lower() for p in self.phones for v in phone_variants(p)})

    def mentioned_in(self, text: str) -> bool:
        lowered = text.lower()
        return any(all(t in lowered for t in g) for g in self.groups())


def _redact_text(text: str, person: Person) -> str:
    """A plain text known to be about the person: addresses, names and numbers go."""
    result = text
    for value in sorted([*person.emails, *person.names, *person.phone_texts], key=len, reverse=True):
        result = re.sub(re.escape(value), REDACTED, result, flags=re.IGNORECASE)
    return result


def _is_theirs(value: dict[str, Any], person: Person) -> bool:
    return value.get("id") in set(person.contact_ids) or person.owns(value)


def _redact_json(value: Any, person: Person) -> Any:
    if isinstance(value, dict):
        if _is_theirs(value, person):
            return {"id": value.get("id"), "redacted": True}
        return {k: _redact_json(v, person) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v, person) for v in value]
    if isinstance(value, str):
        return _redact_text(value, person)
    return value


def _list_item_theirs(item: Any, person: Person) -> bool:
    text = str(item).lower()
    return any(e in text for e in person.emails) or _e164(item) in person.lone_phones


def redact_value(value: Any, person: Person) -> Any:
    """The property value with the person removed: list items that are their address (or a number
    given alone) are dropped, JSON texts are redacted structurally, other texts by substitution."""
    if isinstance(value, list):
        return [_redact_text(v, person) for v in value if not _list_item_theirs(v, person)]
    if not isinstance(value, str):
        return value
    try:
        parsed = json.loads(value)
    except ValueError:
        return _redact_text(value, person)
    if isinstance(parsed, dict | list):
        return json.dumps(_redact_json(parsed, person), ensure_ascii=False, sort_keys=True)
    return _redact_text(value, person)


def _excerpt(value: Any, person: Person) -> Any:
    """For an export: only the parts of a value that are about the person, never a neighbour's data."""
    if isinstance(value, list):
        return [v for v in value if person.mentioned_in(str(v)) or _list_item_theirs(v, person)]
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        found: list[Any] = []
        _collect(parsed, person, found)
        return found or value
    return value


def _collect(value: Any, person: Person, found: list[Any]) -> None:
    if isinstance(value, dict):
        if _is_theirs(value, person):
            found.append(value)
            return
        for v in value.values():
            _collect(v, person, found)
    elif isinstance(value, list):
        for v in value:
            _collect(v, person, found)
    elif isinstance(value, str) and (person.mentioned_in(value) or any(t in value.lower() for t in person.loose())):
        found.append(value)


# A person's records lead to more (an address to a name + number, and back); a handful of rounds
# reaches every chain a register produces, and bounds a pathological one.
_MAX_ROUNDS = 8


def _person(tx: ManagedTransaction, lookup: Lookup) -> Person:
    person = Person.of(lookup)
    seen: set[str] = set()
    for _ in range(_MAX_ROUNDS):
        phones = sorted({v for p in person.phones for v in phone_variants(p)})
        rows = [r.data() for r in tx.run(_CONTACTS, emails=sorted(person.emails), phones=phones)]
        new = [r for r in rows if r["id"] not in seen and person.owns(r)]
        if not new:
            break
        for row in new:
            seen.add(row["id"])
            person.learn(row)
    person.contacts.sort(key=lambda c: (c.get("actor_name") or "", c.get("name") or "", c["id"]))
    return person


def _mentions(
    tx: ManagedTransaction, person: Person, *, with_ids: bool = True
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    groups, loose = person.groups(with_ids=with_ids), person.loose()
    nodes = [r.data() for r in tx.run(_NODE_MENTIONS, groups=groups, loose=loose)]
    rels = [r.data() for r in tx.run(_REL_MENTIONS, groups=groups)]
    return nodes, rels


def _affected_actor_ids(person: Person, nodes: Iterable[dict[str, Any]]) -> list[str]:
    ids = {c["actor_id"] for c in person.contacts if c.get("actor_id")}
    ids.update(n["id"] for n in nodes if n["label"] == L.ACTOR and n.get("id"))
    return sorted(ids)


class GdprDao:
    def __init__(self, graph: Graph, secret: bytes | None = None) -> None:
        self.graph = graph
        # The server secret keys the suppression hashes; read when an erasure first needs it.
        self._secret = secret

    def export(self, email: str | None = None, *, phone: str | None = None, name: str | None = None) -> dict[str, Any]:
        """Everything stored about the person (register extract, GDPR art. 15); raises ValueError
        for a lookup that identifies nobody (see `Lookup`)."""
        lookup = Lookup(email, phone, name)

        def work(tx: ManagedTransaction) -> dict[str, Any]:
            person = _person(tx, lookup)
            nodes, rels = _mentions(tx, person)
            contact_ids = set(person.contact_ids)
            return {
                **lookup.as_json(),
                "contacts": [
                    {
                        "id": c["id"],
                        "name": c["name"],
                        "role": c["role"],
                        "email": c["email"],
                        "phone": c["phone"],
                        "actor": {"id": c["actor_id"], "name": c["actor_name"]} if c["actor_id"] else None,
                    }
                    for c in person.contacts
                ],
                "mentions": [
                    {
                        "label": n["label"],
                        "id": n["id"],
                        **({"action": n["action"], "at": n["at"]} if n["label"] == L.AUDIT_EVENT else {}),
                        "properties": {k: _excerpt(n["props"][k], person) for k in n["hits"]},
                    }
                    for n in nodes
                    if not (n["label"] == L.CONTACT_PERSON and n["id"] in contact_ids)
                ]
                + [
                    {
                        "relationship": r["type"],
                        "start_id": r["start_id"],
                        "end_id": r["end_id"],
                        "properties": {k: _excerpt(r["props"][k], person) for k in r["hits"]},
                    }
                    for r in rels
                ],
            }

        return self.graph.read_tx(work)

    def erase(
        self,
        email: str | None = None,
        *,
        phone: str | None = None,
        name: str | None = None,
        writer: Writer,
    ) -> dict[str, Any]:
        """Removes the person everywhere (GDPR art. 17); returns what was removed and redacted."""
        lookup = Lookup(email, phone, name)
        if self._secret is None:
            self._secret = load_secret()
        key = erasure_key(self._secret)

        def work(tx: ManagedTransaction) -> dict[str, Any]:
            person = _person(tx, lookup)
            nodes, rels = _mentions(tx, person)
            contact_ids = set(person.contact_ids)
            tx.run(_ERASED, rows=hashes_of(key, sorted(person.emails), person.contacts)).consume()
            tx.run(_DELETE_CONTACTS, ids=sorted(contact_ids)).consume()
            redacted: dict[str, int] = {}
            actor_fields: dict[str, list[str]] = {}
            for n in nodes:
                if n["label"] == L.CONTACT_PERSON and n["id"] in contact_ids:
                    continue
                props = {k: redact_value(n["props"][k], person) for k in n["hits"]}
                tx.run(_SET_NODE, element_id=n["element_id"], props=props).consume()
                redacted[n["label"]] = redacted.get(n["label"], 0) + 1
                if n["label"] == L.AUDIT_EVENT:
                    tx.run(_STAMP_REDACTED, element_id=n["element_id"]).consume()
                if n["label"] == L.ACTOR:
                    tx.run(_BUMP_ACTOR, element_id=n["element_id"]).consume()
                    actor_fields[n["id"]] = sorted(n["hits"])
            for r in rels:
                props = {k: redact_value(r["props"][k], person) for k in r["hits"]}
                tx.run(_SET_REL, element_id=r["element_id"], props=props).consume()
                redacted[r["type"]] = redacted.get(r["type"], 0) + 1
            removed = [
                {"id": c["id"], "actor_id": c["actor_id"], "actor_name": c["actor_name"]} for c in person.contacts
            ]
            for actor_id in _affected_actor_ids(person, nodes):
                record_audit(
                    tx,
                    writer.principal,
                    writer.channel,
                    "gdpr.erase",
                    L.ACTOR,
                    actor_id,
                    None,
                    {
                        "contacts_removed": sorted(c["id"] for c in removed if c["actor_id"] == actor_id),
                        "fields_redacted": actor_fields.get(actor_id, []),
                    },
                )
            # The redacted stubs keep the erased contacts' ids (so an auditor can tell what went);
            # what must be gone is the addresses, the numbers and every contact record of the person.
            left_nodes, left_rels = _mentions(tx, person, with_ids=False)
            return {
                "contacts_removed": removed,
                "redacted": dict(sorted(redacted.items())),
                "remaining": len(left_nodes) + len(left_rels),
            }

        return self.graph.write_tx(work)
