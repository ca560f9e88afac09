"""The choices the pages' forms offer: taxonomy terms and the areas (counties with their
municipalities), in the page's language. Shared by the search page and the map explorer."""

from __future__ import annotations

from graph_schema.refdata import counties, municipalities, taxonomy
from registry.web import i18n


def term_options(kind: str) -> list[tuple[str, str]]:
    return sorted(((t.id, i18n.pick(t.sv, t.en)) for t in taxonomy()[kind]), key=lambda o: o[1].casefold())


def area_groups() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Counties with their municipalities, for one grouped select: (county code, name, [(code, name)])."""
    by_county: dict[str, list[tuple[str, str]]] = {}
    for m in municipalities().values():
        by_county.setdefault(m.county_code, []).append((m.code, m.name))
    return [
        (c.code, c.name, sorted(by_county.get(c.code, []), key=lambda m: m[1]))
        for c in sorted(counties().values(), key=lambda c: c.name)
    ]
