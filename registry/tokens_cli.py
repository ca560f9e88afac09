"""`registry tokens create | list | revoke`: API tokens, shown once and stored only as a keyed hash."""

from __future__ import annotations

import click

from registry.cli_support import fail, open_graph
from registry.config import Settings
from registry.dao.tokens import TokenDao
from registry.identity import TOKEN_ROLES, Role, Writer
from registry.tokens import TokenSecretError, digest, generate, load_secret, parse


@click.group()
def tokens() -> None:
    """API tokens: create (shown once), list, revoke."""


@tokens.command("create")
@click.option("--role", required=True, type=click.Choice([str(r) for r in TOKEN_ROLES]), help="The token's role.")
@click.option("--actor", "actor_id", help="For --role umbrella: the umbrella actor's id.")
@click.option("--name", help="A label for lists and the audit trail, e.g. who the token is for.")
@click.pass_obj
def create(settings: Settings, role: str, actor_id: str | None, name: str | None) -> None:
    """Create a token and print it once on standard output; only its hash is stored."""
    if role == Role.UMBRELLA and not actor_id:
        fail("--role umbrella needs --actor UMBRELLA_ID (the umbrella organisation the token speaks for)")
    if role != Role.UMBRELLA and actor_id:
        fail("--actor belongs with --role umbrella only")
    try:
        secret = load_secret()
    except TokenSecretError as exc:
        fail(str(exc))
    with open_graph(settings) as graph:
        dao = TokenDao(graph)
        actor = dao.actor(actor_id) if actor_id else None
        if actor_id and actor is None:
            fail(f"no actor with id {actor_id}")
        if actor is not None and actor["kind"] != "umbrella" and not actor["members"]:
            click.echo(f"note: {actor['name']} is not marked as an umbrella and has no members yet", err=True)
        new = generate()
        dao.create(
            token_id=new.id,
            token_hash=digest(secret, new.plaintext),
            role=role,
            actor_id=actor_id,
            name=name,
            writer=Writer.cli(),
        )
    scope = f" for {actor['name']} ({actor_id})" if actor is not None else ""
    click.echo(f"Created token {new.id} ({role}{scope}). It is shown only now; keep it secret:", err=True)
    click.echo(new.plaintext)


@tokens.command("list")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked tokens.")
@click.pass_obj
def list_tokens(settings: Settings, include_revoked: bool) -> None:
    """List tokens (id, role, umbrella, name, created, revoked); never the tokens themselves."""
    with open_graph(settings) as graph:
        rows = TokenDao(graph).list(include_revoked=include_revoked)
    if not rows:
        click.echo("No tokens.")
        return
    for row in rows:
        actor = f"{row['actor_name'] or '?'} ({row['actor_id']})" if row["actor_id"] else "-"
        revoked = f"  revoked {row['revoked_at'][:19]}" if row["revoked_at"] else ""
        click.echo(
            f"{row['id']}  {row['role']:<11}  {actor}  {row['name'] or '-'}  created {row['created_at'][:19]}{revoked}"
        )


@tokens.command("revoke")
@click.argument("token")
@click.pass_obj
def revoke(settings: Settings, token: str) -> None:
    """Revoke a token by its id (or the whole token); it stops working at once."""
    token_id = parse(token) or token.strip()
    with open_graph(settings) as graph:
        row = TokenDao(graph).revoke(token_id, writer=Writer.cli())
    if row is None:
        fail(f"no token with id {token_id}")
    click.echo(f"Revoked token {token_id}." if row["was_active"] else f"Token {token_id} was already revoked.")
