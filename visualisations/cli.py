"""`registry map ...`: write a relationship map as a standalone HTML file, or as GraphML/GEXF for Gephi."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from graph_schema.contract import Label as L
from registry.cli_support import fail, open_graph
from registry.config import Settings
from registry.dao.hsds import HsdsDao
from registry.db import Graph
from visualisations import SIZE_BY, SizeBy, subjects
from visualisations.graphfile import format_for, write_graph_file
from visualisations.maps import MapSummary, MapTooLargeError, write_map


def _output(function: Callable) -> Callable:  # type: ignore[type-arg]
    function = click.option(
        "-o",
        "--output",
        "output",
        required=True,
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="Filen att skriva: .html (karta), .graphml eller .gexf (för Gephi) / The file to write: .html (map), "
        ".graphml or .gexf (for Gephi)",
    )(function)
    return click.option(
        "--size-by", type=click.Choice(SIZE_BY), default="degree", show_default=True, help="Nodstorlek / Node size"
    )(function)


def _filters(function: Callable) -> Callable:  # type: ignore[type-arg]
    function = click.option(
        "--type",
        "types",
        multiple=True,
        type=click.Choice(subjects.MAP_TYPES),
        help="Bara denna relationstyp (kan upprepas) / Only this relationship type (repeatable)",
    )(function)
    return click.option(
        "--valid-at",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="Relationer som gäller detta datum / Relationships valid at this date (YYYY-MM-DD)",
    )(function)


def _area_filters(function: Callable) -> Callable:  # type: ignore[type-arg]
    function = click.option("--interest-area", default=None, help="Intresseområde (id) / Interest area (id)")(function)
    return click.option("--target-group", default=None, help="Målgrupp (id) / Target group (id)")(function)


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _write(settings: Settings, output: Path, size_by: SizeBy, make: Callable[[Graph], subjects.Subject]) -> None:
    with open_graph(settings) as graph:
        try:
            subject = make(graph)
            if format_for(output) is not None:
                actors = [n.id for n in subject.network.nodes if n.label == L.ACTOR]
                write_graph_file(subject.network, output, HsdsDao(graph).actor_terms(actors))
                summary = MapSummary(len(subject.network.nodes), len(subject.network.edges), physics=False)
            else:
                summary = write_map(subject.network, output, title=subject.title, size_by=size_by)
        except (subjects.SubjectNotFoundError, subjects.MapQueryError, MapTooLargeError) as exc:
            fail(str(exc))
    click.echo(f"{output}: {summary.nodes} noder / nodes, {summary.edges} relationer / relationships")


@click.group("map")
def map_group() -> None:
    """Relationskartor som HTML-filer / Relationship maps as HTML files."""


def _map_command(
    name: str,
    argument: str,
    make: Callable[..., subjects.Subject],
    help_text: str,
    *options: Callable[[Callable], Callable],  # type: ignore[type-arg]
) -> None:
    """`registry map NAME ID`: the subject's id, its own options (in the order given), then the output's."""

    def command(settings: Settings, output: Path, size_by: SizeBy, **given: Any) -> None:
        subject_id = given.pop(argument)
        if "types" in given:
            given["types"] = list(given["types"]) or None
        if "valid_at" in given:
            given["valid_at"] = _day(given["valid_at"])
        _write(settings, output, size_by, lambda graph: make(graph, subject_id, **given))

    wrapped = _output(click.pass_obj(command))
    for option in reversed(options):
        wrapped = option(wrapped)
    map_group.command(name, help=help_text)(click.argument(argument)(wrapped))


_map_command(
    "actor",
    "actor_id",
    subjects.actor_map,
    "Karta runt en aktör / Map around an actor (ego map).",
    click.option("--depth", type=click.IntRange(1, 3), default=1, show_default=True, help="Antal steg / Hops"),
    _filters,
)
_map_command(
    "municipality",
    "code",
    subjects.municipality_map,
    "Områdeskarta för en kommun (SCB-kod) / Area map of a municipality (SCB code).",
    _area_filters,
    _filters,
)
_map_command(
    "county",
    "code",
    subjects.county_map,
    "Områdeskarta för ett län (SCB-kod) / Area map of a county (SCB code).",
    _area_filters,
    _filters,
)
_map_command("arena", "arena_id", subjects.arena_map, "Karta över en mötesarena / Map of a meeting arena.")
_map_command(
    "challenge",
    "challenge_id",
    subjects.challenge_map,
    "Karta över en samhällsutmaning med varje aktörs steg / Map of a challenge with each actor's stage.",
)
