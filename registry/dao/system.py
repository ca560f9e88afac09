"""Database facts for the health check."""

from __future__ import annotations

from typing import Any, LiteralString

from graph_schema.contract import Label as L
from registry.db import Graph

_SCHEMA_VERSION: LiteralString = f"MATCH (m:{L.SCHEMA_MIGRATION}) RETURN max(m.id) AS version"


class SystemDao:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def info(self) -> dict[str, Any]:
        self.graph.driver.verify_connectivity()
        server = self.graph.driver.get_server_info()
        row = self.graph.read_one(_SCHEMA_VERSION)
        return {"neo4j_version": server.agent, "schema_version": row["version"] if row else None}
