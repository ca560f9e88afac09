"""Personal data of one person, found by e-mail address: export it (access request) or erase it.

A person is found as the `ContactPerson` nodes with that address, and the address itself
wherever it is stored (an actor's e-mail list, an imported source record, an audit event, a
note on a relationship). Erasure, in one transaction:

1. deletes those `ContactPerson` nodes;
2. removes the address from every list property that holds it (e.g. `Actor.emails`);
3. redacts every other text that mentions the address or the deleted contacts' ids: inside
   JSON texts (audit `before`/`after`, source-record `fields`) a contact record of the person
   becomes `{"id": …, "redacted": true}` and the person's address, name and phone numbers
   become "[raderad]"; audit events so changed get `redacted_at`;
4. records one `gdpr.erase` audit event per affected actor, naming no personal data;
5. lists the person as erased (`ErasedContact`: keyed hashes of the address, and of each
   contact record's phone with its name; see `registry.erasure`), so that importing a register
   that still holds them does not bring them back;
6. searches for the address again and reports anything left (there should be nothing).

Names and phone numbers alone are not searched for across the graph: the same name can be
someone else's, and a contact's phone can be the organisation's switchboard. They are redacted
only in texts that are about this person (that mention the address or the contact ids).
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
from registry.auth import Principal
from registry.dao.audit import Channel, record_audit
from registry.db import Graph
from registry.erasure import erasure_key, hashes_of
from registry.tokens import load_secret

REDACTED = "[raderad]"

_CONTACTS: LiteralString = f"""
MATCH (c:{L.CONTACT_PERSON})
WHERE toLower(c.email) = $email
OPTIONAL MATCH (a:{L.ACTOR})-[:{R.HAS_CONTACT}]->(c)
RETURN c.id AS id, c.name AS name, c.role AS role, c.email AS email, c.phone AS phone,
       a.id AS actor_id, a.name AS actor_name
ORDER BY actor_name, c.name
"""

# Any node property (text, or list of texts) that contains one of $terms (lower-case).
# Reference data and taxonomies hold no personal data and are skipped.
_NODE_MENTIONS: LiteralString = f"""
MATCH (n)
WHERE NOT (n:{L.SCHEMA_MIGRATION} OR n:{L.MUNICIPALITY} OR n:{L.COUNTY} OR n:{L.INTEREST_AREA} OR n:{L.TARGET_GROUP})
WITH n, [k IN keys(n) WHERE any(t IN $terms WHERE
  (n[k] IS :: STRING AND toLower(n[k]) CONTAINS t)
  OR (n[k] IS :: LIST<STRING NOT NULL> AND any(x IN n[k] WHERE toLower(x) CONTAINS t)))] AS hits
WHERE size(hits) > 0
RETURN elementId(n) AS element_id, labels(n)[0] AS label, n.id AS id, n.action AS action, toString(n.at) AS at,
       n {{.*}} AS props, hits
"""

_REL_MENTIONS: LiteralString = """
MATCH (s)-[r]->(e)
WITH s, r, e, [k IN keys(r) WHERE any(t IN $terms WHERE
  (r[k] IS :: STRING AND toLower(r[k]) CONTAINS t)
  OR (r[k] IS :: LIST<STRING NOT NULL> AND any(x IN r[k] WHERE toLower(x) CONTAINS t)))] AS hits
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


@dataclass
class Person:
    """What identifies the person: the address, and from their contact records ids, names, phones."""

    email: str
    contacts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def contact_ids(self) -> list[str]:
        return sorted({c["id"] for c in self.contacts if c.get("id")})

    @property
    def names(self) -> list[str]:
        return sorted({c["name"] for c in self.contacts if c.get("name")})

    @property
    def phones(self) -> list[str]:
        """Each stored number in the forms registers write it: +46701740606, 070-174 06 06, 0701740606."""
        variants: set[str] = set()
        for contact in self.contacts:
            if not contact.get("phone"):
                continue
            variants.add(contact["phone"])
            try:
                parsed = phonenumbers.parse(contact["phone"], "SE")
            except phonenumbers.NumberParseException:
                continue
            national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
            variants.update({national, re.sub(r"\D", "", national)})
        return sorted(variants)

    @property
    def search_terms(self) -> list[str]:
        """Texts that make a property about this person: the address and the contact ids."""
        return [self.email, *self.contact_ids]


def _redact_text(text: str, person: Person) -> str:
    """A plain text known to be about the person: address, names and numbers go."""
    result = text
    for value in sorted([person.email, *person.names, *person.phones], key=len, reverse=True):
        result = re.sub(re.escape(value), REDACTED, result, flags=re.IGNORECASE)
    return result


def _redact_json(value: Any, person: Person) -> Any:
    ids, email = set(person.contact_ids), person.email
    if isinstance(value, dict):
        if value.get("id") in ids or str(value.get("email") or "").lower() == email:
            return {"id": value.get("id"), "redacted": True}
        return {k: _redact_json(v, person) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v, person) for v in value]
    if isinstance(value, str):
        return _redact_text(value, person)
    return value


def redact_value(value: Any, person: Person) -> Any:
    """The property value with the person removed: list items that hold the address are dropped,
    JSON texts are redacted structurally, other texts by substitution."""
    if isinstance(value, list):
        return [_redact_text(v, person) for v in value if person.email not in str(v).lower()]
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
        return [v for v in value if any(t in str(v).lower() for t in person.search_terms)]
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
        if value.get("id") in person.contact_ids or str(value.get("email") or "").lower() == person.email:
            found.append(value)
            return
        for v in value.values():
            _collect(v, person, found)
    elif isinstance(value, list):
        for v in value:
            _collect(v, person, found)
    elif isinstance(value, str) and person.email in value.lower():
        found.append(value)


def _person(tx: ManagedTransaction, email: str) -> Person:
    rows = [r.data() for r in tx.run(_CONTACTS, email=email)]
    return Person(email, rows)


def _mentions(tx: ManagedTransaction, person: Person) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    terms = [t.lower() for t in person.search_terms]
    nodes = [r.data() for r in tx.run(_NODE_MENTIONS, terms=terms)]
    rels = [r.data() for r in tx.run(_REL_MENTIONS, terms=terms)]
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

    def export(self, email: str) -> dict[str, Any]:
        """Everything stored about the person with this address (register extract, GDPR art. 15)."""
        email = email.strip().lower()

        def work(tx: ManagedTransaction) -> dict[str, Any]:
            person = _person(tx, email)
            nodes, rels = _mentions(tx, person)
            contact_ids = set(person.contact_ids)
            return {
                "email": email,
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

    def erase(self, email: str, *, who: Principal, channel: Channel) -> dict[str, Any]:
        """Removes the person everywhere (GDPR art. 17); returns what was removed and redacted."""
        email = email.strip().lower()
        if self._secret is None:
            self._secret = load_secret()
        key = erasure_key(self._secret)

        def work(tx: ManagedTransaction) -> dict[str, Any]:
            person = _person(tx, email)
            nodes, rels = _mentions(tx, person)
            contact_ids = set(person.contact_ids)
            tx.run(_ERASED, rows=hashes_of(key, email, person.contacts)).consume()
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
                    who,
                    channel,
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
            # what must be gone is the address and every contact record of the person.
            left_nodes, left_rels = _mentions(tx, Person(email))
            return {
                "contacts_removed": removed,
                "redacted": dict(sorted(redacted.items())),
                "remaining": len(left_nodes) + len(left_rels),
            }

        return self.graph.write_tx(work)
