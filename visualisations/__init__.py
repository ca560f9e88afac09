"""Relationship maps drawn with pyvis, safe and offline."""

from typing import Literal

# Here rather than in `maps`, so the web layer can name the choice without importing the renderer
# while the `registry` package is still being initialised.
SizeBy = Literal["degree", "betweenness"]
SIZE_BY: tuple[SizeBy, ...] = ("degree", "betweenness")
