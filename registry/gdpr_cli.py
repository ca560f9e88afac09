"""`registry gdpr export | erase --email ADDRESS`: a person's data, for access requests and erasure."""

from __future__ import annotations

import json
import sys

import click

from registry.auth import cli_principal
from registry.config import Settings
from registry.dao.audit import Channel
from registry.dao.gdpr import GdprDao
from registry.domain import normalize


def _address(value: str) -> str:
    try:
        found = normalize.emails(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    if len(found) != 1:
        raise click.BadParameter("one address / en adress")
    return found[0]


def _dao(settings: Settings) -> GdprDao:
    # Imported here: registry.cli imports this module to add the command group.
    from registry.cli import _ensure_database, graph_from

    _ensure_database(settings)
    return GdprDao(graph_from(settings))


@click.group()
def gdpr() -> None:
    """Personal data (GDPR): export or erase a person's data, found by e-mail address."""


@gdpr.command("export")
@click.option("--email", required=True, help="The person's e-mail address.")
@click.pass_obj
def export(settings: Settings, email: str) -> None:
    """Print, as JSON, everything stored about the person (contact records and other mentions)."""
    dao = _dao(settings)
    try:
        result = dao.export(_address(email))
    finally:
        dao.graph.close()
    click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))


@gdpr.command("erase")
@click.option("--email", required=True, help="The person's e-mail address.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def erase(settings: Settings, email: str, yes: bool) -> None:
    """Remove the person everywhere, redact the history, and print (JSON) what was removed."""
    address = _address(email)
    if not yes:
        click.confirm(f"Erase every trace of {address}? This cannot be undone", abort=True, err=True)
    dao = _dao(settings)
    try:
        report = dao.erase(address, who=cli_principal(), channel=Channel.CLI)
    finally:
        dao.graph.close()
    click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    if report["remaining"]:
        click.echo(f"warning: {report['remaining']} mentions remain; check them by hand", err=True)
        sys.exit(2)
