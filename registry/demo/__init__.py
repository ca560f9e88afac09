"""Fictional demo data for Örebro län (`orebro.json`), loaded idempotently by `registry demo load`.

Every name, address, e-mail and phone number in it is invented; phone numbers come from the
ranges Sweden's PTS reserves for fiction, e-mail and web addresses from the `.example` domain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from graph_schema.contract import NODES, Label
from graph_schema.refdata import municipalities
from registry.dao.actors import ActorDao, WriteResult
from registry.db import Graph
from registry.demo.ids import DEMO_NAMESPACE, demo_id
from registry.demo.relationships import CollaborationResult, load_collaboration
from registry.domain import normalize

__all__ = ["DEMO_NAMESPACE", "demo_id", "load_demo", "load_demo_records"]

# The demo's fields are the contract's actor properties; these are normalised or set by `to_record`.
_NORMALISED = frozenset(
    {"org_number", "postal_code", "website", "emails", "phones", "municipality_code", "county_code"}
)
_PROPERTIES = frozenset(NODES[Label.ACTOR].properties) - _NORMALISED


def load_demo_records() -> list[dict[str, Any]]:
    text = resources.files("registry.demo").joinpath("orebro.json").read_text(encoding="utf-8")
    actors: list[dict[str, Any]] = json.loads(text)["actors"]
    return actors


def to_record(actor: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {k: v for k, v in actor.items() if k in _PROPERTIES}
    code = actor["municipality"]
    props["municipality_code"] = code
    props["county_code"] = municipalities()[code].county_code
    if "org_number" in actor:
        props["org_number"] = normalize.org_number(actor["org_number"])
    if "postal_code" in actor:
        props["postal_code"] = normalize.postal_code(actor["postal_code"])
    if actor.get("website"):
        props["website"] = normalize.website(actor["website"])
    props["emails"] = normalize.emails(actor.get("emails", []))
    props["phones"] = [normalize.phone(p) for p in actor.get("phones", [])]
    props["sources"] = ["demo"]
    contacts = [
        {
            "id": demo_id(f"{actor['key']}/contact/{i}"),
            "name": c["name"],
            "role": c.get("role"),
            "email": c.get("email"),
            "phone": normalize.phone(c["phone"]) if c.get("phone") else None,
        }
        for i, c in enumerate(actor.get("contacts", []))
    ]
    return {
        "id": demo_id(actor["key"]),
        "props": props,
        "active_in": actor.get("active_in", []),
        "interest_areas": actor.get("interest_areas", []),
        "target_groups": actor.get("target_groups", []),
        "contacts": contacts,
    }


@dataclass(frozen=True)
class DemoResult:
    actors: WriteResult
    memberships: int
    # Relationships, agreements, arenas and challenges (registry.demo.relationships).
    collaboration: CollaborationResult | None = None


def load_demo(graph: Graph) -> DemoResult:
    actors = load_demo_records()
    dao = ActorDao(graph)
    result = dao.upsert_many([to_record(a) for a in actors])
    memberships = [
        {
            "member": demo_id(a["key"]),
            "umbrella": demo_id(m["umbrella"]),
            "since": m.get("since"),
            "role": m.get("role"),
            "source": "demo",
        }
        for a in actors
        for m in a.get("member_of", [])
    ]
    dao.upsert_memberships(memberships)
    return DemoResult(result, len(memberships), load_collaboration(graph))
