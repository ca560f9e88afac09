"""`registry export hsds OUT_DIR`: the registry as an HSDS 3.0 tabular data package and NDJSON, with progress."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from graph_schema.refdata import counties, municipalities
from registry.cli_support import open_graph
from registry.config import Settings
from registry.dao.actors import ActorDao
from registry.dao.hsds import HsdsDao
from registry.dao.taxonomy import TaxonomyDao
from registry.domain.actor import KINDS, SECTORS, ActorFilter
from registry.hsds.export import write_package


@click.group("export")
def export_group() -> None:
    """Öppna data ut / Open data out: HSDS 3.0 (Open Referral)."""


def _known(kind: str, values: tuple[str, ...], known: Any, label: str) -> tuple[str, ...]:
    unknown = [v for v in values if v not in known]
    if unknown:
        raise click.BadParameter(f"okänd {label} / unknown {kind}: {', '.join(unknown)}")
    return tuple(dict.fromkeys(values))


@export_group.command("hsds")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--municipality", multiple=True, help="Kommunkod (SCB), kan upprepas / Municipality code (repeatable)")
@click.option("--county", multiple=True, help="Länskod (SCB), kan upprepas / County code (repeatable)")
@click.option("--interest-area", multiple=True, help="Verksamhetsområde (id) / Interest area id (repeatable)")
@click.option("--target-group", multiple=True, help="Målgrupp (id) / Target group id (repeatable)")
@click.option("--sector", multiple=True, type=click.Choice(sorted(SECTORS)), help="Sektor / Sector (repeatable)")
@click.option("--kind", multiple=True, type=click.Choice(sorted(KINDS)), help="Typ av aktör / Actor kind (repeatable)")
@click.option(
    "--with-contacts",
    is_flag=True,
    help="Ta med kontaktpersoner (personuppgifter; inte för öppna data) / Include contact persons (personal data)",
)
@click.option("--no-progress", is_flag=True, help="Ingen förloppsindikator / No progress bar")
@click.pass_obj
def export_hsds(
    settings: Settings,
    out_dir: Path,
    municipality: tuple[str, ...],
    county: tuple[str, ...],
    interest_area: tuple[str, ...],
    target_group: tuple[str, ...],
    sector: tuple[str, ...],
    kind: tuple[str, ...],
    with_contacts: bool,
    no_progress: bool,
) -> None:
    """Skriv HSDS 3.0: datapackage.json, en CSV per objekt och organizations.ndjson / Write HSDS 3.0:
    datapackage.json, one CSV per object and organizations.ndjson.

    Samma filter som sökningen; arkiverade aktörer ingår inte. Kontaktpersoner bara med
    --with-contacts. / The search's filters; archived actors are left out. Contact persons only
    with --with-contacts.
    """
    with open_graph(settings) as graph:
        taxonomy = TaxonomyDao(graph)
        for option, ids, vocabulary in (
            ("--interest-area", interest_area, "interest_areas"),
            ("--target-group", target_group, "target_groups"),
        ):
            unknown = taxonomy.unknown(vocabulary, list(ids))  # type: ignore[arg-type]
            if unknown:
                raise click.BadParameter(f"okänd term / unknown term: {', '.join(unknown)}", param_hint=option)
        f = ActorFilter(
            municipalities=_known("municipality", municipality, municipalities(), "kommun"),
            counties=_known("county", county, counties(), "län"),
            interest_areas=tuple(dict.fromkeys(interest_area)),
            target_groups=tuple(dict.fromkeys(target_group)),
            sectors=tuple(dict.fromkeys(sector)),
            kinds=tuple(dict.fromkeys(kind)),
        )
        terms = HsdsDao(graph).terms()
        bar = tqdm(desc="HSDS", unit=" aktörer", disable=no_progress, file=sys.stderr, dynamic_ncols=True)
        try:
            rows = write_package(
                ActorDao(graph).export(f),
                terms,
                out_dir,
                lambda _actor: with_contacts,
                progress=bar.update,
            )
        finally:
            bar.close()
    click.echo(
        f"{out_dir}: {rows['organization']} organisationer / organizations, "
        f"{rows['service']} tjänster / services, {rows['taxonomy_term']} termer / terms"
    )
