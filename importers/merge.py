"""How a source record changes an actor: the stated rules for fields that sources disagree on.

Every register's claim survives; which one the actor shows follows three rules, none of
which depends on the order the registers were imported in:

- **Lists are united** (e-mail addresses, phones, activities, interest areas, target groups,
  contacts, the municipalities it is active in): each source adds its items and withdraws
  only what it gave itself. Every register's municipality stays an ACTIVE_IN municipality.
- **The seat** (street address, postal code, locality and municipality, always taken together
  from one record) is the best *seat claim* (`SeatClaim`, one per record, kept on the actor as
  `seat_claims`): a claim inside the actor's area (the municipalities of the registers that
  list it) beats one in the same county, which beats one elsewhere (a Bankgirot box, a head
  office in another county); then a stated seat (an address or a Kommun column) beats a
  derived one (the register's own municipality given with --municipality); then the newer
  claim beats the older; last the record key, so that the choice is never import order.
- **Other single values**: the first value wins; a source updates a value only while the
  field still holds what that same source last wrote there.

A value a person changed by hand (the seat included) is never overwritten by an import. A
losing value is not lost: it stays in the record's `fields` on its SourceRecord node (the
provenance that the API and the actor page show as `sources`), and the import report counts
the disagreements per field.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graph_schema.refdata import municipalities
from importers.actor_fields import derived_fields
from importers.records import derived_id
from registry.domain.normalize import fold

# The seat: these fields always come together from one record.
SEAT = ("street_address", "postal_code", "locality", "municipality_code")
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
STATE_PROPS = (*SCALARS, *PROP_LISTS, "sources", "seat_claims", "alt_names")
# How a record's seat was found (importers.engine sets `seat_basis` on the record): a Kommun
# column or an address is stated; the register's --municipality (or a member list's umbrella)
# is derived.
STATED_BASES = frozenset({"stated", "address"})
# Sources that are people, not registers: their seat is a hand edit, never replaced by a claim.
HAND_SOURCES = frozenset({"api", "demo"})


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
        # The claims are bookkeeping of the seat rule; the seat fields themselves are audited.
        view.update({k: sorted(v) for k, v in self.links.items()})
        view["contacts"] = [{**c, "id": cid} for cid, c in sorted(self.contacts.items())]
        return view

    def to_row(self, match_keys: Sequence[str] | None = None) -> dict[str, Any]:
        """The write of this actor: every property the importer manages (None removes it).
        `match_keys`: its blocking keys, when the caller has them (else computed here)."""
        props: dict[str, Any] = {k: self.props.get(k) for k in (*SCALARS, *PROP_LISTS, "sources", "seat_claims")}
        props.update(derived_fields(self.props, self.links.get("active_in", []), match_keys))
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


def contact_id(record_key: str, name: str) -> str:
    return derived_id("contact", f"{record_key}/{fold(name)}")


def _contacts(record_key: str, record: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    if not record:
        return {}
    # An erased person's contact record in a stored record is a stub without a name: it is gone.
    return {contact_id(record_key, c["name"]): dict(c) for c in record.get("contacts") or [] if c.get("name")}


def _items(text: str | None) -> list[str]:
    """Activities as the items they list ("Fotboll, bandy" -> two), for uniting them across sources."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


@dataclass(frozen=True)
class SeatClaim:
    """What one record says the seat is, and how strong that is (see the module's rule)."""

    key: str
    source: str
    seat: dict[str, str]
    # The register's own municipality (its --municipality, else the record's seat).
    area: str | None
    basis: str
    at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "seat": {k: self.seat[k] for k in SEAT if k in self.seat},
            "area": self.area,
            "basis": self.basis,
            "at": self.at,
        }

    @classmethod
    def from_json(cls, key: str, value: dict[str, Any]) -> SeatClaim:
        return cls(
            key,
            str(value.get("source") or ""),
            {k: v for k, v in (value.get("seat") or {}).items() if v is not None},
            value.get("area"),
            str(value.get("basis") or "derived"),
            str(value.get("at") or ""),
        )

    @property
    def municipality(self) -> str | None:
        return self.seat.get("municipality_code")

    def municipalities(self) -> list[str]:
        """The municipalities the actor is active in by this record: the register's, and the seat
        when it lies in the register's county (an invoice box in another county is no activity)."""
        found = [self.area] if self.area else []
        seat = self.municipality
        if seat and seat not in found and (not self.area or county_of(seat) == county_of(self.area)):
            found.append(seat)
        return found


def _seat_of(values: dict[str, Any]) -> dict[str, str]:
    return {k: values[k] for k in SEAT if values.get(k) is not None}


def claim_of(record_key: str, source: str, record: dict[str, Any], at: str) -> SeatClaim:
    """The seat claim of one record (as normalised by importers.records and marked by the engine)."""
    seat = _seat_of(record)
    active = [c for c in record.get("active_in") or [] if c]
    area = active[0] if active else seat.get("municipality_code")
    basis = record.get("seat_basis")
    if basis is None:
        # Records stored before the engine marked the basis: an address that locates the seat is stated.
        basis = "address" if seat.get("postal_code") else "derived"
    return SeatClaim(record_key, source, seat, area, str(basis), at)


def _rank(claim: SeatClaim, areas: set[str], counties: set[str]) -> tuple[int, int, str, str]:
    where = claim.municipality
    inside = 2 if where in areas else 1 if county_of(where) in counties else 0
    return (inside, 1 if claim.basis in STATED_BASES else 0, claim.at, claim.key)


def best_claim(claims: list[SeatClaim]) -> SeatClaim | None:
    """The claim the seat is taken from: inside the area, then stated, then newer, then by key."""
    if len(claims) <= 1:
        return claims[0] if claims else None
    areas = {c.area for c in claims if c.area}
    counties = {county for county in (county_of(a) for a in areas) if county}
    return max(claims, key=lambda c: _rank(c, areas, counties))


def load_claims(state: ActorState) -> tuple[dict[str, SeatClaim], str | None]:
    """The actor's seat claims by record key, and the key of the claim its seat was taken from."""
    text = state.props.get("seat_claims")
    if not text:
        return {}, None
    data = json.loads(text)
    claims = {key: SeatClaim.from_json(key, value) for key, value in (data.get("claims") or {}).items()}
    return claims, data.get("chosen")


# One encoder for every actor: json.dumps with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _store_claims(state: ActorState, claims: dict[str, SeatClaim], chosen: str | None) -> None:
    # Keys in a fixed order (claims sorted, each claim's fields as `to_json` lists them), so the
    # same claims are always the same text, without the cost of sort_keys.
    data = {"chosen": chosen, "claims": {k: claims[k].to_json() for k in sorted(claims)}}
    state.props["seat_claims"] = _ENCODER.encode(data)


def _now() -> str:
    # Nanoseconds since the epoch, fixed width: sorts as text, and costs far less per record than
    # formatting a datetime (bench/import_register.py writes 250,000 of them).
    return f"{time.time_ns():020d}"


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
        if name in SEAT:
            continue
        if name == "activities":
            if not props.get(name) and not old.get(name):
                if new.get(name):
                    props[name] = new[name]
                continue
            united = _list_rule(_items(props.get(name)), _items(old.get(name)), _items(new.get(name)))
            if united:
                props[name] = ", ".join(united)
            else:
                props.pop(name, None)
            continue
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
    _apply_seat(state, record_key, source, new, old, conflicts)
    old_contacts, new_contacts = _contacts(record_key, old), _contacts(record_key, new)
    for cid in old_contacts.keys() - new_contacts.keys():
        if state.contacts.pop(cid, None) is not None:
            state.removed_contacts.add(cid)
    for cid, contact in new_contacts.items():
        current = state.contacts.get(cid)
        if current is None or current == old_contacts.get(cid):
            state.contacts[cid] = contact
            state.removed_contacts.discard(cid)


def _apply_seat(
    state: ActorState,
    record_key: str,
    source: str,
    new: dict[str, Any],
    old: dict[str, Any],
    conflicts: Counter[str],
) -> None:
    """The seat by the claim rule, and ACTIVE_IN as every claim's municipalities plus what people added."""
    props = state.props
    if state.created and not props.get("seat_claims"):
        _first_claim(state, claim_of(record_key, source, new, _now()))
        return
    claims, chosen = load_claims(state)
    current = _seat_of(props)
    hand = False
    if not state.created and current:
        if claims:
            # The seat is no longer what the import chose: a person changed it.
            hand = chosen is None or chosen not in claims or claims[chosen].seat != current
        elif set(props.get("sources") or []) - {source} <= HAND_SOURCES and not old:
            # An actor written by people (the API, the demo) that a register lists for the first time.
            hand = True
        else:
            # Imported before seat claims were kept: its seat stands as a claim of its own.
            basis = "address" if current.get("postal_code") else "derived"
            key = record_key if old else "~earlier"
            claims[key] = SeatClaim(key, "", current, current.get("municipality_code"), basis, "")
            chosen = key
    before = {c for claim in claims.values() for c in claim.municipalities()}
    claim = claim_of(record_key, source, new, _now())
    earlier = claims.get(record_key)
    if earlier is not None and earlier.seat == claim.seat:
        # Newer means newer seat information: a record that changed only its phone keeps its age,
        # so that two equal claims do not take turns at every re-import.
        claim = SeatClaim(claim.key, claim.source, claim.seat, claim.area, claim.basis, earlier.at)
    claims[record_key] = claim
    after: list[str] = []
    for claim in sorted(claims.values(), key=lambda c: c.key):
        after.extend(c for c in claim.municipalities() if c not in after)
    if not hand:
        best = best_claim(list(claims.values()))
        assert best is not None
        chosen = best.key
        for name in SEAT:
            if best.seat.get(name) is not None:
                props[name] = best.seat[name]
            else:
                props.pop(name, None)
    mine = _seat_of(new)
    for name in SEAT:
        if mine.get(name) is not None and mine.get(name) != props.get(name):
            conflicts[name] += 1
    _store_claims(state, claims, chosen)
    seat = props.get("municipality_code")
    # What people added by hand (no claim gave it) stays; what the claims give is recomputed.
    kept = [c for c in state.links["active_in"] if c not in before]
    state.links["active_in"] = [c for c in dict.fromkeys([*kept, *after]) if c != seat]


def _first_claim(state: ActorState, claim: SeatClaim) -> None:
    """A new actor's first record (most rows of an import): its claim is the seat, no rule to weigh."""
    props = state.props
    for name in SEAT:
        if claim.seat.get(name) is not None:
            props[name] = claim.seat[name]
    _store_claims(state, {claim.key: claim}, claim.key)
    seat = props.get("municipality_code")
    state.links["active_in"] = [
        c for c in dict.fromkeys([*state.links["active_in"], *claim.municipalities()]) if c != seat
    ]
