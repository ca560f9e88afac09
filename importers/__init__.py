"""Importers: association registers and umbrella member lists into the graph."""
