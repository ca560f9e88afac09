"""`registry`: the one command line for running, migrating and feeding the service."""

from __future__ import annotations

import os
import shutil
import sys

import click
from neo4j.exceptions import AuthError, ConnectionPoolError, ServiceUnavailable, SessionExpired

from graph_schema.migrate import migrate
from importers.cli import import_group, review_group
from importers.rederive import rederive
from registry.cli_support import ensure_database, fail, local_database, open_graph
from registry.config import Settings, load_settings
from registry.demo import load_demo
from registry.export_cli import export_group
from registry.gdpr_cli import gdpr
from registry.localdb import LocalDbError
from registry.terms_cli import terms
from registry.tokens_cli import tokens
from visualisations.cli import map_group

# The driver's ways of saying that the database is not there (or went away midway).
UNREACHABLE = (ServiceUnavailable, SessionExpired, ConnectionPoolError)


class RegistryGroup(click.Group):
    """The top command: whichever subcommand meets an unreachable database (or wrong credentials)
    ends with one line on stderr and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except UNREACHABLE as exc:
            settings = ctx.obj
            uri = settings.effective_uri if isinstance(settings, Settings) else "?"
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            fail(f"databasen svarar inte / the database is unreachable: Neo4j at {uri} ({reason})")
        except AuthError as exc:
            settings = ctx.obj
            uri = settings.effective_uri if isinstance(settings, Settings) else "?"
            fail(f"Neo4j at {uri} refused the credentials (NEO4J_USER / NEO4J_PASSWORD): {exc.message}")


@click.group(cls=RegistryGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Aktörsregister för samverkan / Actor registry for public–civil collaboration."""
    ctx.obj = load_settings()


# -- database ---------------------------------------------------------------------------
@main.group()
def db() -> None:
    """The database: the local Neo4j (start, stop, status) and schema migrations."""


@db.command("start")
@click.pass_obj
def db_start(settings: Settings) -> None:
    """Build (once) and start the local Neo4j; print its Bolt URI."""
    try:
        status, started = local_database(settings).start()
    except LocalDbError as exc:
        fail(str(exc))
    word = "Started" if started else "Already running:"
    click.echo(f"{word} Neo4j at {status.uri} (pid {status.pid}, data in {status.home})", err=True)
    click.echo(status.uri)


@db.command("stop")
@click.pass_obj
def db_stop(settings: Settings) -> None:
    """Stop the local Neo4j cleanly."""
    if local_database(settings).stop():
        click.echo("Stopped the local Neo4j.")
    else:
        click.echo("The local Neo4j was not running.")


@db.command("status")
@click.pass_obj
def db_status(settings: Settings) -> None:
    """Is the local Neo4j running? Exit code 0 if it is, 3 if not."""
    status = local_database(settings).status()
    if status.running:
        click.echo(f"running: {status.uri} (pid {status.pid}, data in {status.home})")
    else:
        click.echo(f"stopped (data in {status.home})")
        sys.exit(3)


@db.command("migrate")
@click.pass_obj
def db_migrate(settings: Settings) -> None:
    """Apply schema migrations and load reference data; a second run changes nothing."""
    with open_graph(settings) as graph:
        try:
            result = migrate(graph.driver, settings.neo4j_database)
            # The data half of a shipped vocabulary change: imported actors derived with an older
            # vocabulary get today's terms and points (registry terms rederive --stale-only).
            rederived = rederive(graph, only_stale=True)
        except (ServiceUnavailable, AuthError) as exc:
            fail(f"cannot reach Neo4j at {settings.effective_uri}: {exc}")
    if rederived.examined:
        click.echo("terms re-derived with the shipped vocabulary:")
        click.echo("\n".join(rederived.lines()))
    for m in result.applied:
        click.echo(f"applied {m.id:04d} {m.name}: {m.description}")
    for m in result.changed_checksums:
        click.echo(
            f"warning: migration {m.id:04d} {m.name} changed after it was applied; add a new one instead",
            err=True,
        )
    ref = result.reference
    if ref:
        click.echo(
            f"reference data: {ref.counties} counties, {ref.municipalities} municipalities, "
            f"{ref.changed} changed, {ref.taxonomy_created} taxonomy terms created"
        )
    if not result.changed_anything:
        click.echo(f"Nothing to do: all {len(result.already)} migrations applied, reference data current.")


# -- demo -------------------------------------------------------------------------------
@main.group()
def demo() -> None:
    """Fictional demo data for Örebro län."""


@demo.command("load")
@click.pass_obj
def demo_load(settings: Settings) -> None:
    """Load the demo data (idempotent: a second load changes nothing)."""
    with open_graph(settings) as graph:
        try:
            result = load_demo(graph)
        except ServiceUnavailable as exc:
            fail(f"cannot reach Neo4j at {settings.effective_uri}: {exc}")
    a = result.actors
    click.echo(
        f"demo actors: {a.created} created, {a.updated} updated, {a.unchanged} unchanged; "
        f"{result.memberships} memberships"
    )


# -- serve ------------------------------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", type=int, default=None, help="gunicorn workers [default: WEB_CONCURRENCY or 2×cores+1]")
@click.pass_obj
def serve(settings: Settings, host: str, port: int, workers: int | None) -> None:
    """Serve the API under gunicorn (starts the local Neo4j when NEO4J_URI is unset)."""
    ensure_database(settings)
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
    if not gunicorn:
        fail("gunicorn is not installed in this environment")
    count = workers or int(os.environ.get("WEB_CONCURRENCY", 0)) or (2 * (os.cpu_count() or 1) + 1)
    click.echo(f"Serving on http://{host}:{port} (docs at /docs) with {count} workers.", err=True)
    args = [
        gunicorn,
        "--workers",
        str(count),
        "--threads",
        "2",
        "--bind",
        f"{host}:{port}",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        "registry.wsgi:app",
    ]
    os.execv(gunicorn, args)  # noqa: S606


main.add_command(tokens)
main.add_command(gdpr)
main.add_command(map_group)
main.add_command(import_group)
main.add_command(review_group)
main.add_command(export_group)
main.add_command(terms)

if __name__ == "__main__":
    main()
