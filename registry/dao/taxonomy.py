"""Taxonomies: interest areas (verksamhetsområden) and target groups (målgrupper), hierarchical through BROADER.

Each change records its audit event (labels and broader term, before and after), naming the
required `Writer`, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, LiteralString

from neo4j import ManagedTransaction
from neo4j.exceptions import ConstraintError

from graph_schema.contract import Label as L
from graph_schema.contract import Rel as R
from registry.dao.audit import record_audit
from registry.db import Graph
from registry.identity import Writer

Kind = Literal["interest_areas", "target_groups"]


class TaxonomyError(Exception):
    """A change the taxonomy cannot take; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class TermExistsError(TaxonomyError):
    pass


class TermInUseError(TaxonomyError):
    pass


@dataclass(frozen=True)
class _Queries:
    list: LiteralString
    get: LiteralString
    ids: LiteralString
    create: LiteralString
    update: LiteralString
    set_broader: LiteralString
    would_cycle: LiteralString
    usage: LiteralString
    delete: LiteralString
    state: LiteralString


def _queries(label: LiteralString, rel: LiteralString) -> _Queries:
    term: LiteralString = f"""t {{
  .id, .label_sv, .label_en,
  broader: head([(t)-[:{R.BROADER}]->(b:{label}) | b.id]),
  narrower: [(n:{label})-[:{R.BROADER}]->(t) | n.id],
  actor_count: COUNT {{
    MATCH (a:{L.ACTOR})-[:{rel}]->(:{label})-[:{R.BROADER}*0..]->(t) WHERE coalesce(a.archived, false) = false
    RETURN DISTINCT a
  }}
}} AS term"""
    return _Queries(
        list=f"MATCH (t:{label}) RETURN " + term + " ORDER BY t.label_sv",
        get=f"MATCH (t:{label} {{id: $id}}) RETURN " + term,
        ids=f"MATCH (t:{label}) WHERE t.id IN $ids RETURN collect(t.id) AS ids",
        create=f"CREATE (t:{label} {{id: $id, label_sv: $label_sv, label_en: $label_en}}) RETURN t.id AS id",
        update=f"MATCH (t:{label} {{id: $id}}) SET t += $props RETURN t.id AS id",
        set_broader=f"""
MATCH (t:{label} {{id: $id}})
OPTIONAL MATCH (t)-[old:{R.BROADER}]->()
DELETE old
WITH DISTINCT t
MATCH (b:{label} {{id: $broader}})
MERGE (t)-[:{R.BROADER}]->(b)
""",
        would_cycle=f"""
MATCH (b:{label} {{id: $broader}})
RETURN b.id = $id OR EXISTS {{ (b)-[:{R.BROADER}*1..]->(:{label} {{id: $id}}) }} AS cycle
""",
        usage=f"""
MATCH (t:{label} {{id: $id}})
RETURN COUNT {{ (:{L.ACTOR})-[:{rel}]->(t) }} AS actors, COUNT {{ (:{label})-[:{R.BROADER}]->(t) }} AS narrower
""",
        delete=f"MATCH (t:{label} {{id: $id}}) DETACH DELETE t",
        state=f"""
MATCH (t:{label} {{id: $id}})
RETURN t.label_sv AS label_sv, t.label_en AS label_en, head([(t)-[:{R.BROADER}]->(b:{label}) | b.id]) AS broader
""",
    )


_BY_KIND: dict[str, _Queries] = {
    "interest_areas": _queries(L.INTEREST_AREA, R.WORKS_ON),
    "target_groups": _queries(L.TARGET_GROUP, R.SERVES),
}
_LABEL: dict[str, str] = {"interest_areas": L.INTEREST_AREA, "target_groups": L.TARGET_GROUP}


def _state(tx: ManagedTransaction, kind: Kind, term_id: str) -> dict[str, Any] | None:
    record = tx.run(_BY_KIND[kind].state, id=term_id).single()
    return record.data() if record else None


class TaxonomyDao:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def list(self, kind: Kind) -> list[dict[str, Any]]:
        """Every term with its broader term, narrower terms and how many active actors it covers."""
        return [r["term"] for r in self.graph.read(_BY_KIND[kind].list)]

    def get(self, kind: Kind, term_id: str) -> dict[str, Any] | None:
        row = self.graph.read_one(_BY_KIND[kind].get, id=term_id)
        return row["term"] if row else None

    def unknown(self, kind: Kind, ids: list[str]) -> list[str]:
        """The ids among `ids` that are not terms of this taxonomy."""
        if not ids:
            return []
        row = self.graph.read_one(_BY_KIND[kind].ids, ids=list(ids))
        known = set(row["ids"]) if row else set()
        return [i for i in ids if i not in known]

    def create(
        self,
        kind: Kind,
        term_id: str,
        label_sv: str,
        label_en: str,
        broader: str | None,
        *,
        writer: Writer,
    ) -> dict[str, Any]:
        q = _BY_KIND[kind]

        def work(tx: ManagedTransaction) -> None:
            if broader is not None and tx.run(q.get, id=broader).single() is None:
                raise TaxonomyError("broader", f"Okänd överordnad term / Unknown broader term: {broader!r}")
            tx.run(q.create, id=term_id, label_sv=label_sv, label_en=label_en).consume()
            if broader is not None:
                tx.run(q.set_broader, id=term_id, broader=broader).consume()
            after = _state(tx, kind, term_id)
            record_audit(tx, writer.principal, writer.channel, "taxonomy.create", _LABEL[kind], term_id, None, after)

        try:
            self.graph.write_tx(work)
        except ConstraintError as exc:
            raise TermExistsError("id", f"Termen finns redan / The term already exists: {term_id!r}") from exc
        term = self.get(kind, term_id)
        assert term is not None
        return term

    def update(
        self,
        kind: Kind,
        term_id: str,
        changes: dict[str, Any],
        *,
        writer: Writer,
    ) -> dict[str, Any] | None:
        """Changes labels and/or the broader term (None makes it a top-level term); refuses a cycle."""
        q = _BY_KIND[kind]

        def work(tx: ManagedTransaction) -> bool:
            before = _state(tx, kind, term_id)
            labels = {k: v for k, v in changes.items() if k in ("label_sv", "label_en")}
            if tx.run(q.update, id=term_id, props=labels).single() is None:
                return False
            if "broader" in changes:
                broader = changes["broader"]
                if broader is not None:
                    row = tx.run(q.would_cycle, id=term_id, broader=broader).single()
                    if row is None:
                        raise TaxonomyError("broader", f"Okänd överordnad term / Unknown broader term: {broader!r}")
                    if row["cycle"]:
                        raise TaxonomyError(
                            "broader",
                            "En term kan inte ligga under sig själv / A term cannot be narrower than itself",
                        )
                tx.run(q.set_broader, id=term_id, broader=broader).consume()
            after = _state(tx, kind, term_id)
            record_audit(tx, writer.principal, writer.channel, "taxonomy.update", _LABEL[kind], term_id, before, after)
            return True

        return self.get(kind, term_id) if self.graph.write_tx(work) else None

    def delete(self, kind: Kind, term_id: str, *, writer: Writer) -> bool:
        """Deletes an unused leaf term; False if there is none. Raises TermInUseError otherwise."""
        q = _BY_KIND[kind]

        def work(tx: ManagedTransaction) -> bool:
            usage = tx.run(q.usage, id=term_id).single()
            if usage is None:
                return False
            if usage["actors"] or usage["narrower"]:
                raise TermInUseError(
                    "id",
                    f"Termen används av {usage['actors']} aktörer och har {usage['narrower']} underordnade termer / "
                    f"The term is used by {usage['actors']} actors and has {usage['narrower']} narrower terms",
                )
            before = _state(tx, kind, term_id)
            tx.run(q.delete, id=term_id).consume()
            record_audit(tx, writer.principal, writer.channel, "taxonomy.delete", _LABEL[kind], term_id, before, None)
            return True

        return self.graph.write_tx(work)
