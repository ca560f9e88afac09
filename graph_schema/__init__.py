"""The graph's contract: labels, relationship types, constraints, indexes, migrations and reference data."""

from graph_schema.contract import NODES, RELATIONSHIPS, Label, Rel

__all__ = ["NODES", "RELATIONSHIPS", "Label", "Rel"]
