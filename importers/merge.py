"""How a source record changes an actor: the stated rule for fields that sources disagree on.

The rule, for every field: **the first value wins; a source updates a value only while the
field still holds what that same source last wrote there.** So a record that creates an
actor gives it all its values; a record merged into an existing actor fills only the fields
that are empty and adds to the lists (e-mail addresses, phones, municipalities it is active
in, interest areas, target groups, contacts); a changed record updates the values it wrote
earlier; and a value a person changed by hand is never overwritten by an import. The losing
value is not lost: it stays in the record's `fields` on its SourceRecord node (provenance),
and the import report counts the disagreements per field.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from graph_schema.refdata import municipalities
from importers.actor_fields import derived_fields
from importers.records import derived_id
from registry.domain.normalize import fold

SCALARS = (
    "name",
    "org_number",
    "sector",
    "kind",
    "description",
    "activities",
    "website",
    "street_address",
    "postal_code",
    "locality",
    "municipality_code",
    "founded_year",
    "member_count",
    "national_affiliation",
)
PROP_LISTS = ("emails", "phones")
LINK_LISTS = ("active_in", "interest_areas", "target_groups")
# Properties read back from the graph to decide what a record changes.
# alt_names is read, never written: the derived search fields are computed from it too.
STATE_PROPS = (*SCALARS, *PROP_LISTS, "sources", "alt_names")


@dataclass
class ActorState:
    """An actor as far as importers write it: properties, linked ids and contacts."""

    id: str
    props: dict[str, Any]
    links: dict[str, list[str]]
    contacts: dict[str, dict[str, Any]]
    created: bool = False
    original: tuple[Any, ...] = ()
    removed_contacts: set[str] = field(default_factory=set)
    # What the actor looked like before this batch, for the audit trail (None for a new actor).
    before: dict[str, Any] | None = None

    @classmethod
    def new(cls, actor_id: str) -> ActorState:
        state = cls(actor_id, {}, {k: [] for k in LINK_LISTS}, {}, created=True)
        state.original = state.snapshot()
        return state

    def _settle(self) -> ActorState:
        self.original = self.snapshot()
        self.before = self.audit_view()
        return self

    @classmethod
    def from_graph(cls, row: dict[str, Any]) -> ActorState:
        props = {k: v for k, v in (row["props"] or {}).items() if k in STATE_PROPS and v is not None}
        links = {k: sorted(row.get(k) or []) for k in LINK_LISTS}
        contacts = {c["id"]: {k: v for k, v in c.items() if v is not None} for c in row.get("contacts") or []}
        return cls(row["id"], props, links, contacts)._settle()

    def snapshot(self) -> tuple[Any, ...]:
        return (
            sorted((k, repr(v)) for k, v in self.props.items()),
            sorted((k, tuple(sorted(v))) for k, v in self.links.items()),
            sorted((k, repr(sorted(v.items()))) for k, v in self.contacts.items()),
        )

    @property
    def changed(self) -> bool:
        return self.created or self.snapshot() != self.original

    def summary(self) -> dict[str, Any]:
        """What entity resolution compares (see importers.resolve.Candidate)."""
        return {
            "id": self.id,
            "name": self.props.get("name"),
            "org_number": self.props.get("org_number"),
            "municipality_code": self.props.get("municipality_code"),
            "county_code": county_of(self.props.get("municipality_code")),
            "website": self.props.get("website"),
            "emails": list(self.props.get("emails") or []),
            "phones": list(self.props.get("phones") or []),
        }

    def audit_view(self) -> dict[str, Any]:
        """The actor's fields as the audit trail records them (like the API: fields, links, contacts with ids)."""
        view: dict[str, Any] = {k: self.props.get(k) for k in (*SCALARS, *PROP_LISTS, "sources")}
        view.update({k: sorted(v) for k, v in self.links.items()})
        view["contacts"] = [{**c, "id": cid} for cid, c in sorted(self.contacts.items())]
        return view

    def to_row(self) -> dict[str, Any]:
        """The write of this actor: every property the importer manages (None removes it)."""
        props: dict[str, Any] = {k: self.props.get(k) for k in (*SCALARS, *PROP_LISTS, "sources")}
        props.update(derived_fields(self.props, self.links.get("active_in", [])))
        return {
            "id": self.id,
            "created": self.created,
            "props": props,
            "seat": self.props.get("municipality_code"),
            **{k: list(v) for k, v in self.links.items()},
            "contacts": [{"id": cid, **c} for cid, c in sorted(self.contacts.items())],
            "removed_contacts": sorted(self.removed_contacts),
        }


def county_of(code: str | None) -> str | None:
    municipality = municipalities().get(code) if code else None
    return municipality.county_code if municipality else None


def _list_rule(current: list[Any], old: list[Any], new: list[Any]) -> list[Any]:
    """Keeps what others added, drops what this source withdrew, appends what it brings."""
    kept = [x for x in current if x not in old or x in new]
    return kept + [x for x in new if x not in kept]


def _municipalities(record: dict[str, Any] | None) -> list[str]:
    if not record:
        return []
    return [c for c in [record.get("municipality_code"), *(record.get("active_in") or [])] if c]


def contact_id(record_key: str, name: str) -> str:
    return derived_id("contact", f"{record_key}/{fold(name)}")


def _contacts(record_key: str, record: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    if not record:
        return {}
    # An erased person's contact record in a stored record is a stub without a name: it is gone.
    return {contact_id(record_key, c["name"]): dict(c) for c in record.get("contacts") or [] if c.get("name")}


def apply_record(
    state: ActorState,
    record_key: str,
    source: str,
    new: dict[str, Any],
    old: dict[str, Any] | None,
    conflicts: Counter[str],
    *,
    taken_org_numbers: dict[str, str] | None = None,
) -> None:
    """Applies one record (`old` is its previous version, if it was imported before) to `state`.

    `taken_org_numbers` maps organisation numbers to the actor that holds them: a record never
    gives an actor a number another actor already has (the graph keeps them unique).
    """
    old = old or {}
    props = state.props
    for name in SCALARS:
        value, previous, current = new.get(name), old.get(name), props.get(name)
        if value == current:
            continue
        if current is None or (previous is not None and current == previous):
            if value is None:
                props.pop(name, None)
                continue
            if name == "org_number" and taken_org_numbers and taken_org_numbers.get(value, state.id) != state.id:
                conflicts["org_number"] += 1
                continue
            props[name] = value
        elif value is not None:
            conflicts[name] += 1
    for name in PROP_LISTS:
        result = _list_rule(list(props.get(name) or []), list(old.get(name) or []), list(new.get(name) or []))
        if result:
            props[name] = result
        else:
            props.pop(name, None)
    sources = list(props.get("sources") or [])
    if source not in sources:
        props["sources"] = [*sources, source]
    for name in ("interest_areas", "target_groups"):
        state.links[name] = _list_rule(state.links[name], list(old.get(name) or []), list(new.get(name) or []))
    seat = props.get("municipality_code")
    active = _list_rule(state.links["active_in"], _municipalities(old), _municipalities(new))
    state.links["active_in"] = [c for c in active if c != seat]
    old_contacts, new_contacts = _contacts(record_key, old), _contacts(record_key, new)
    for cid in old_contacts.keys() - new_contacts.keys():
        if state.contacts.pop(cid, None) is not None:
            state.removed_contacts.add(cid)
    for cid, contact in new_contacts.items():
        current = state.contacts.get(cid)
        if current is None or current == old_contacts.get(cid):
            state.contacts[cid] = contact
            state.removed_contacts.discard(cid)
