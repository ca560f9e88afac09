"""`registry gdpr export | erase --email ADDRESS | --phone NUMBER [--name NAME]`: a person's data,
for access requests and erasure (see `registry.dao.gdpr` for how far it reaches)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click

from registry.cli_support import open_graph
from registry.config import Settings
from registry.dao.gdpr import GdprDao, Lookup
from registry.domain import normalize
from registry.identity import Writer


def _address(value: str) -> str:
    try:
        found = normalize.emails(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--email") from exc
    if len(found) != 1:
        raise click.BadParameter("one address / en adress", param_hint="--email")
    return found[0]


def _lookup(email: str | None, phone: str | None, name: str | None) -> Lookup:
    """The person as the options name them; a usage error (exit 2) for a lookup that names nobody."""
    if not (email or phone):
        raise click.UsageError("ange --email eller --phone (med --name) / give --email or --phone (with --name)")
    if name and not phone:
        raise click.UsageError(
            "--name bara tillsammans med --phone: ett namn kan vara någon annans / "
            "--name only with --phone: a name alone can be someone else's"
        )
    if phone:
        try:
            normalize.phone(phone)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--phone") from exc
    return Lookup(_address(email) if email else None, phone, name.strip() if name else None)


def _who(options: Callable[..., Any]) -> Callable[..., Any]:
    """The three ways to name the person, shared by both commands."""
    options = click.option("--name", help="The person's name; only together with --phone.")(options)
    options = click.option("--phone", help="The person's phone number (any common form).")(options)
    return click.option("--email", help="The person's e-mail address.")(options)


@click.group()
def gdpr() -> None:
    """Personal data (GDPR): export or erase a person's data, found by e-mail, phone, or name + phone."""


@gdpr.command("export")
@_who
@click.pass_obj
def export(settings: Settings, email: str | None, phone: str | None, name: str | None) -> None:
    """Print, as JSON, everything stored about the person (contact records and other mentions)."""
    lookup = _lookup(email, phone, name)
    with open_graph(settings) as graph:
        result = GdprDao(graph).export(lookup.email, phone=lookup.phone, name=lookup.name)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))


@gdpr.command("erase")
@_who
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def erase(settings: Settings, email: str | None, phone: str | None, name: str | None, yes: bool) -> None:
    """Remove the person everywhere, redact the history, and print (JSON) what was removed."""
    lookup = _lookup(email, phone, name)
    if not yes:
        who = ", ".join(v for v in (lookup.name, lookup.email, lookup.phone) if v)
        click.confirm(f"Erase every trace of {who}? This cannot be undone", abort=True, err=True)
    with open_graph(settings) as graph:
        report = GdprDao(graph).erase(lookup.email, phone=lookup.phone, name=lookup.name, writer=Writer.cli())
    click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    if report["remaining"]:
        click.echo(f"warning: {report['remaining']} mentions remain; check them by hand", err=True)
        sys.exit(2)
