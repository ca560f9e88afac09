"""The data-access layer: the only place Cypher lives outside graph_schema; one class per aggregate."""
