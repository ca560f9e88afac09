"""Fictional collaboration data for the demo (`relationships.json`): dependencies, funding,
perceptions, agreements, two arenas with meetings and one challenge per CROSS municipality.

Loaded after the demo actors. Every id is derived from the record's key, and everything is
merged by id and written only when created, so a second load changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from typing import Any

from graph_schema.contract import Rel as R
from graph_schema.relationship_types import WRITABLE
from registry.dao.agreements import AgreementDao
from registry.dao.arenas import ArenaDao
from registry.dao.challenges import ChallengeDao
from registry.dao.relationships import RelationshipDao, history_entry
from registry.db import Graph
from registry.demo.ids import demo_id
from registry.domain.relationships import MEETING_CHECKLIST, META_PROPERTIES, TYPE_PROPERTIES

DEMO_BY = "demo"


@dataclass(frozen=True)
class CollaborationResult:
    agreements: int
    arenas: int
    challenges: int
    relationships: int

    @property
    def created_anything(self) -> bool:
        return bool(self.agreements or self.arenas or self.challenges or self.relationships)


def load_collaboration_records() -> dict[str, Any]:
    text = resources.files("registry.demo").joinpath("relationships.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


# The properties stored as dates: validity, and what the declarations declare as a date.
_DATES = frozenset({"valid_from", "valid_to"} | {p.name for d in WRITABLE for p in d.stored if p.kind == "date"})


def _props(record: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for name in names:
        value = record.get(name)
        if value is None:
            continue
        props[name] = _date(value) if name in _DATES else value
    return props


def relationship_key(record: dict[str, Any]) -> str:
    """What identifies a demo relationship: type, ends, and what tells two of a type apart."""
    parts = [record["type"], record["from"], record["to"]]
    parts += [str(record.get(k, "")) for k in ("kind", "resource", "form", "year")]
    return "rel:" + ":".join(parts)


def load_collaboration(graph: Graph) -> CollaborationResult:
    data = load_collaboration_records()
    rel_rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TYPE_PROPERTIES}

    def add(rel_type: str, key: str, from_key: str, to_id: str, props: dict[str, Any]) -> None:
        rel_rows[rel_type].append(
            {"id": demo_id(key), "from": demo_id(from_key), "to": to_id, "props": props, "by": DEMO_BY}
        )

    for record in data["relationships"]:
        props = _props(record, (*TYPE_PROPERTIES[record["type"]], *META_PROPERTIES))
        add(record["type"], relationship_key(record), record["from"], demo_id(record["to"]), props)

    agreements = []
    for g in data["agreements"]:
        agreements.append(
            {
                "id": demo_id(g["key"]),
                "props": _props(g, ("kind", "title", "description", "valid_from", "valid_to", "url")),
            }
        )
        for party in g["parties"]:
            add(R.PARTY_TO, f"party:{g['key']}:{party}", party, demo_id(g["key"]), {"source": "demo"})

    arenas, meetings = [], []
    for a in data["arenas"]:
        arena_id = demo_id(a["key"])
        arenas.append(
            {
                "id": arena_id,
                "props": {
                    "name": a["name"],
                    "description": a["description"],
                    "municipality_code": a["municipality"],
                    "cadence": a["cadence"],
                },
                "interest_areas": a["interest_areas"],
            }
        )
        for p in a["participants"]:
            props = {"role": p["role"], "since": _date(p["since"]), "source": "demo"}
            add(R.PARTICIPATES_IN, f"participates:{a['key']}:{p['actor']}", p["actor"], arena_id, props)
        for m in a["meetings"]:
            done = set(m["done"])
            props = {
                "date": _date(m["date"]),
                "purpose": m["purpose"],
                "notes": m["notes"],
                "decisions": m["decisions"],
                "next_steps": m["next_steps"],
                **{item: item in done for item in MEETING_CHECKLIST.ids},
            }
            meetings.append(
                {
                    "id": demo_id(f"meeting:{m['key']}"),
                    "arena": arena_id,
                    "props": props,
                    "participants": [demo_id(k) for k in m["participants"]],
                }
            )

    challenges = []
    for c in data["challenges"]:
        challenge_id = demo_id(c["key"])
        challenges.append(
            {
                "id": challenge_id,
                "props": {"name": c["name"], "description": c["description"]},
                "interest_areas": c["interest_areas"],
                "target_groups": c["target_groups"],
                "municipality_codes": c["municipalities"],
            }
        )
        for e in c["engaged"]:
            history = [history_entry(stage, dt.date.fromisoformat(on), DEMO_BY) for stage, on in e["history"]]
            props: dict[str, Any] = {
                "stage": e["history"][-1][0],
                "since": _date(e["history"][0][1]),
                "anchored": e["anchored"],
                "history": history,
                "source": "demo",
            }
            if e.get("note"):
                props["note"] = e["note"]
            add(R.ENGAGED_IN, f"engaged:{c['key']}:{e['actor']}", e["actor"], challenge_id, props)

    created_agreements = AgreementDao(graph).upsert_many(agreements, DEMO_BY)
    created_arenas = ArenaDao(graph).upsert_many(arenas, meetings, DEMO_BY)
    created_challenges = ChallengeDao(graph).upsert_many(challenges, DEMO_BY)
    dao = RelationshipDao(graph)
    created: Counter[str] = Counter()
    for rel_type, rows in rel_rows.items():
        if rows:
            created[rel_type] = dao.upsert_many(rel_type, rows)
    return CollaborationResult(created_agreements, created_arenas, created_challenges, sum(created.values()))
