"""What every `registry` command group shares: the database a command works on (`open_graph`) and the
one way to end a command with a message (`fail`). A module of its own so that the groups
(`registry/*_cli.py`, `importers.cli`, `visualisations.cli`) and `registry.cli`, which adds them to the
one command, all import it, and none of them imports another."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from registry.config import Settings
from registry.db import Graph
from registry.localdb import LocalDbError, LocalNeo4j


def fail(message: str) -> NoReturn:
    """Ends the command: one line on stderr, exit code 1."""
    click.echo(f"registry: {message}", err=True)
    sys.exit(1)


def local_database(settings: Settings) -> LocalNeo4j:
    return LocalNeo4j(settings.local, settings.neo4j_user, settings.neo4j_password)


def ensure_database(settings: Settings) -> None:
    """With NEO4J_URI unset, the local Neo4j is the database: start it if it is not running."""
    if not settings.uses_local:
        return
    try:
        status, started = local_database(settings).start()
    except LocalDbError as exc:
        fail(str(exc))
    if started:
        click.echo(f"Started the local Neo4j at {status.uri} (data in {status.home}).", err=True)


def graph_from(settings: Settings) -> Graph:
    """The command's database, checked at once: an absent database is then one line and a non-zero
    exit within seconds (see `registry.cli.RegistryGroup`), not a traceback after the driver's retries."""
    graph = Graph(settings.effective_uri, settings.neo4j_user, settings.neo4j_password, settings.neo4j_database)
    graph.driver.verify_connectivity()
    return graph


@contextmanager
def open_graph(settings: Settings, *, start_local: bool = True) -> Iterator[Graph]:
    """The command's database, closed when the block ends. `start_local`: start the local Neo4j
    first when it is the database and not running (the `terms` commands do not)."""
    if start_local:
        ensure_database(settings)
    graph = graph_from(settings)
    try:
        yield graph
    finally:
        graph.close()
