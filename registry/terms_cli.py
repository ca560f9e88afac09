"""`registry terms`: re-derive imported actors' terms and points, and show how much of the graph has them."""

from __future__ import annotations

import json
from pathlib import Path

import click

from graph_schema.refdata import find_municipality
from importers.categories import CategoryMapper
from importers.columns import load_mapping
from importers.readers import ReadError
from importers.rederive import rederive
from importers.vocabulary import VocabularyError, parse_rules
from registry.cli_support import open_graph
from registry.config import Settings
from registry.dao.derived_terms import DerivedTermsDao


@click.group("terms")
def terms() -> None:
    """Härledda verksamhetsområden, målgrupper och koordinater / Derived interest areas, target groups and points."""


def _mapper(mapping: Path | None) -> CategoryMapper:
    if mapping is None:
        return CategoryMapper()
    try:
        loaded = load_mapping(mapping)
        return CategoryMapper(loaded.categories, loaded.target_groups, parse_rules(loaded.rules, str(mapping)))
    except (ReadError, VocabularyError) as exc:
        raise click.ClickException(str(exc)) from exc


@terms.command("rederive")
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Mappningsfil med egna regler / mapping file with own rules (as for import)",
)
@click.option("--stale-only", is_flag=True, help="Bara aktörer härledda med en äldre vokabulär / only older ones")
@click.option("--json", "as_json", is_flag=True, help="Rapporten som JSON / the report as JSON")
@click.pass_obj
def terms_rederive(settings: Settings, mapping: Path | None, stale_only: bool, as_json: bool) -> None:
    """Räkna om härledda termer och punkter för importerade aktörer / Recompute derived terms and points.

    Ändrar bara det en import härledde (termer mappade från kategori eller härledda ur text,
    härledda punkter); angivna termer och givna punkter lämnas. En andra körning ändrar inget. /
    Changes only what an import derived; stated terms and given points stay. A second run changes nothing.
    """
    with open_graph(settings, start_local=False) as graph:
        report = rederive(graph, _mapper(mapping), only_stale=stale_only)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(report.lines()))


@terms.command("coverage")
@click.option("--municipality", help="Kommunkod eller namn / municipality code or name")
@click.pass_obj
def terms_coverage(settings: Settings, municipality: str | None) -> None:
    """Andel aktörer med verksamhetsområde, målgrupp och koordinater / Share of actors with terms and points."""
    code = None
    if municipality:
        found = find_municipality(municipality)
        if found is None:
            raise click.ClickException(f"okänd kommun / unknown municipality: {municipality}")
        code = found.code
    with open_graph(settings, start_local=False) as graph:
        c = DerivedTermsDao(graph).coverage(code)
    total = c["actors"]

    def pct(n: int) -> str:
        return f"{100 * n / total:.1f} %" if total else "–"

    click.echo(f"Civila aktörer / civil actors: {total}")
    click.echo(
        f"  med verksamhetsområde / with an interest area: {c['with_interest_area']} ({pct(c['with_interest_area'])})"
    )
    click.echo(f"  med målgrupp / with a target group: {c['with_target_group']} ({pct(c['with_target_group'])})")
    click.echo(f"  med koordinater / with coordinates: {c['with_coordinates']} ({pct(c['with_coordinates'])})")
    for precision, n in sorted(c["by_precision"].items()):
        click.echo(f"    {precision}: {n}")
