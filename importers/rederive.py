"""`registry terms rederive`: recompute the derived terms of imported actors and every actor's derived point.

When the vocabulary changes (a new shipped `terms.toml`, or a mapping file's rules), actors
imported earlier still carry what the old rules said. This recomputes, for every imported actor,
the terms its register text gives now (categories from its source records; activities, name and
description from the actor) and its locality-level point, then changes only what an import
derived: stated terms and given points stay. Running it twice changes nothing the second time.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from neo4j.spatial import WGS84Point

from graph_schema.refdata import DERIVED_PRECISIONS, locate
from importers.categories import CategoryMapper
from importers.vocabulary import shipped
from registry.dao.derived_terms import DerivedTermsDao
from registry.dao.imports import audit_row
from registry.db import Graph
from registry.identity import Writer

AUTO = ("category", "derived")
_SCHEMES = (("interest_areas", "areas"), ("target_groups", "groups"))


@dataclass
class RederiveReport:
    examined: int = 0
    changed: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"examined": self.examined, "changed": self.changed, **dict(self.counts), "examples": self.examples}

    def lines(self) -> list[str]:
        c = self.counts
        out = [
            f"Granskade aktörer / actors examined: {self.examined}; ändrade / changed: {self.changed}",
            f"  termer tillagda / terms added: {c['terms_added']}, borttagna / removed: {c['terms_removed']}, "
            f"ny proveniens / provenance updated: {c['provenance_updated']}",
            f"  punkter satta eller flyttade / points set or moved: {c['points_set']}",
        ]
        for example in self.examples:
            out.append(f"  {example['name']}: {', '.join(example['changes'])}")
        return out


def _categories(records: list[str | None]) -> list[str]:
    found: list[str] = []
    for text in records:
        try:
            data = json.loads(text) if text else {}
        except json.JSONDecodeError:
            continue
        for category in data.get("categories") or []:
            if category not in found:
                found.append(category)
    return found


def plan(actor: dict[str, Any], mapper: CategoryMapper) -> dict[str, Any] | None:
    """The write that brings one actor's derived terms and point up to date, or None when nothing changes."""
    activities = [a for a in (actor.get("activities") or "").split(", ") if a]
    derivation, _ = mapper.derive(
        categories=_categories(actor.get("records") or []),
        activities=activities,
        name=actor.get("name"),
        description=actor.get("description"),
    )
    wanted = {"areas": derivation.interest_areas, "groups": derivation.target_groups}
    # A term derived by a rule this run does not know (a mapping file's, not given now) is kept as it is.
    known = {r.id for r in mapper.rule_set.rules} | {"taxonomy"} | ({"mapping"} if mapper.extra_areas else set())
    row: dict[str, Any] = {"id": actor["id"], "changes": [], "before": {}, "after": {}}
    if not actor.get("imported", True):
        # Terms of an actor no register described are a person's: only its point may be derived.
        wanted = {"areas": {}, "groups": {}}
    for scheme, short in _SCHEMES:
        current = {t["id"]: t for t in actor.get(scheme) or []}
        auto = {t for t, edge in current.items() if edge.get("how") in AUTO and edge.get("rule") in known}
        kept = set(current) - auto
        derived = {t: p for t, p in wanted[short].items() if p.how in AUTO}
        remove = sorted(auto - set(derived))
        set_terms = []
        for term, provenance in sorted(derived.items()):
            if term in kept:
                continue
            edge = current.get(term)
            if edge is None or any(edge.get(k) != v for k, v in provenance.as_dict().items()):
                set_terms.append({"term": term, **provenance.as_dict()})
                row["changes"].append(("+" if edge is None else "~") + term)
        row["changes"] += [f"-{t}" for t in remove]
        row[f"remove_{short}"] = remove
        row[f"set_{short}"] = set_terms
        before = sorted(current)
        after = sorted((set(current) - set(remove)) | {p["term"] for p in set_terms})
        if before != after:
            row["before"][scheme], row["after"][scheme] = before, after
    located = locate(actor.get("postal_code"), actor.get("locality"), actor.get("municipality_code"))
    derivable = not actor.get("has_point") or actor.get("precision") in DERIVED_PRECISIONS
    row["set_point"] = False
    row["point"], row["precision"] = None, None
    if derivable and located is not None:
        same = (
            actor.get("precision") == located.precision
            and actor.get("lat") is not None
            and abs(actor["lat"] - located.lat) < 1e-9
            and abs(actor["lon"] - located.lon) < 1e-9
        )
        if not same:
            row.update(set_point=True, point=WGS84Point((located.lon, located.lat)), precision=located.precision)
            row["changes"].append(f"point:{located.precision}")
    if not row["changes"]:
        return None
    row["changed"] = True
    return row


def rederive(
    graph: Graph,
    mapper: CategoryMapper | None = None,
    *,
    only_stale: bool = False,
    batch: int = 500,
    writer: Writer | None = None,
    max_examples: int = 20,
) -> RederiveReport:
    """Recomputes every imported actor (or, with `only_stale`, those not derived with this vocabulary).
    The audit trail names `writer`: the operator at the command line unless the caller says otherwise."""
    mapper = mapper or CategoryMapper()
    # The shipped vocabulary's version: a mapping file's rules are the officer's, not a reason to redo.
    version = str(shipped().version)
    writer = writer or Writer.cli()
    dao = DerivedTermsDao(graph)
    report = RederiveReport()
    after = ""
    while True:
        actors = dao.page(after, batch, version if only_stale else None)
        if not actors:
            break
        rows, audit = [], []
        for actor in actors:
            report.examined += 1
            row = plan(actor, mapper)
            if row is None:
                continue
            report.changed += 1
            for change in row["changes"]:
                key = {"+": "terms_added", "-": "terms_removed", "~": "provenance_updated"}.get(change[0], "points_set")
                report.counts[key] += 1
            if len(report.examples) < max_examples:
                report.examples.append({"id": actor["id"], "name": actor.get("name"), "changes": row["changes"]})
            event = audit_row("actor.update", actor["id"], row.pop("before"), row.pop("after"))
            if event is not None:
                audit.append(event)
            row.pop("changes")
            rows.append(row)
        dao.write(rows, [a["id"] for a in actors], version, audit, writer)
        after = actors[-1]["id"]
    if report.examined:
        dao.refresh_terms_text()
    return report
