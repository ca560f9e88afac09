"""Bearer tokens: created by the CLI and shown once, stored as a keyed hash, resolved per request,
revoked at once; open and closed registries; who sees contact persons; the object-level rules."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException

from registry.app import create_app
from registry.auth import (
    UMBRELLA_EDITABLE_FIELDS,
    Write,
    authorize,
    authorize_actor_write,
    authorize_history,
    authorize_membership_add,
    can_see_contacts,
)
from registry.cli import main
from registry.db import Graph
from registry.identity import Principal, Role
from registry.tokens import digest, generate, parse
from tests.auth_support import (
    MEMBER,
    NON_MEMBER,
    OTHER_UMBRELLA,
    PUBLIC_ACTOR,
    TEST_SECRET,
    UMBRELLA,
    Tokens,
    bearer,
    issue_token,
)

MEMBERS = f"/api/v1/umbrellas/{UMBRELLA}/members?page_size=50"


def _create(runner: CliRunner, env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(main, ["tokens", "create", *args], env=env)


def test_cli_creates_a_token_shown_once_and_stores_only_its_hash(
    demo_graph: Graph,
    client: FlaskClient,
    runner: CliRunner,
    cli_env: dict[str, str],
) -> None:
    result = _create(runner, cli_env, "--role", "umbrella", "--actor", UMBRELLA, "--name", "BFR kansli")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    token_id = parse(token)
    assert token_id is not None
    assert "Bergslagens föreningsråd" in result.stderr
    row = demo_graph.read_one("MATCH (t:ApiToken {id: $id}) RETURN t {.*} AS t", id=token_id)
    assert row is not None
    stored = row["t"]
    assert stored["hash"] == digest(TEST_SECRET.encode(), token)
    assert token not in str(stored) and token.split("_", 2)[2] not in str(stored)  # the secret part
    assert (stored["role"], stored["actor_id"], stored["name"]) == ("umbrella", UMBRELLA, "BFR kansli")

    listed = runner.invoke(main, ["tokens", "list"], env=cli_env)
    assert listed.exit_code == 0
    assert token_id in listed.output and "Bergslagens föreningsråd" in listed.output
    assert token not in listed.output

    # The umbrella token sees its members' contact persons.
    members = client.get(MEMBERS, headers=bearer(token)).get_json()
    assert all("contacts" in m for m in members)


def test_cli_refuses_inconsistent_roles_and_unknown_actors(demo_graph: Graph, runner: CliRunner, cli_env: dict) -> None:
    assert _create(runner, cli_env, "--role", "umbrella").exit_code != 0
    assert _create(runner, cli_env, "--role", "reader", "--actor", UMBRELLA).exit_code != 0
    unknown = _create(runner, cli_env, "--role", "umbrella", "--actor", "no-such-actor")
    assert unknown.exit_code != 0 and "no actor" in unknown.output
    assert _create(runner, cli_env, "--role", "superuser").exit_code != 0
    assert demo_graph.read_one("MATCH (t:ApiToken) RETURN count(t) AS n") == {"n": 0}


def test_revoked_token_stops_working_at_once(
    demo_graph: Graph,
    client: FlaskClient,
    runner: CliRunner,
    cli_env: dict[str, str],
) -> None:
    token = issue_token(demo_graph, Role.COORDINATOR)
    assert client.get(MEMBERS, headers=bearer(token)).status_code == 200
    result = runner.invoke(main, ["tokens", "revoke", str(parse(token))], env=cli_env)
    assert result.exit_code == 0 and "Revoked" in result.output
    response = client.get(MEMBERS, headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["code"] == 401
    assert str(parse(token)) not in runner.invoke(main, ["tokens", "list"], env=cli_env).output
    assert str(parse(token)) in runner.invoke(main, ["tokens", "list", "--all"], env=cli_env).output
    again = runner.invoke(main, ["tokens", "revoke", str(parse(token))], env=cli_env)
    assert "already revoked" in again.output
    assert runner.invoke(main, ["tokens", "revoke", "0123456789ab"], env=cli_env).exit_code != 0


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nonsense",
        "Basic dXNlcjpwYXNz",
        "Bearer reg_0123456789ab_" + "A" * 43,  # well-formed, unknown id
    ],
)
def test_bad_credentials_get_401_never_anonymous_access(demo_graph: Graph, client: FlaskClient, header: str) -> None:
    response = client.get(MEMBERS, headers={"Authorization": header})
    assert response.status_code == 401
    body = response.get_json()
    assert body["code"] == 401 and "token" in body["message"].lower()


def test_a_token_with_a_known_id_but_wrong_secret_is_refused(demo_graph: Graph, client: FlaskClient) -> None:
    token = issue_token(demo_graph, Role.ADMIN)
    forged = token[:-1] + ("B" if token.endswith("A") else "A")
    assert client.get(MEMBERS, headers=bearer(forged)).status_code == 401
    assert client.get(MEMBERS, headers=bearer(token)).status_code == 200


def test_a_token_hashed_under_another_secret_is_refused(demo_graph: Graph, client: FlaskClient) -> None:
    token = issue_token(demo_graph, Role.ADMIN)
    app = create_app({**client.application.config, "REGISTRY_TOKEN_SECRET": "another-secret-" + "x" * 32})
    assert app.test_client().get(MEMBERS, headers=bearer(token)).status_code == 401


def test_open_registry_anonymous_reads_public_data_without_contacts(
    demo_graph: Graph,
    client: FlaskClient,
    tokens: Tokens,
) -> None:
    anonymous = client.get(MEMBERS)
    assert anonymous.status_code == 200
    members = anonymous.get_json()
    assert len(members) == 13
    assert '"total": 13' in anonymous.headers["X-Pagination"]
    assert all("contacts" not in m for m in members)
    assert "kerstin" not in anonymous.get_data(as_text=True).lower()
    for token in (tokens.reader, tokens.other_umbrella):
        assert all("contacts" not in m for m in client.get(MEMBERS, headers=bearer(token)).get_json())
    for token in (tokens.coordinator, tokens.admin, tokens.umbrella):
        listed = client.get(MEMBERS, headers=bearer(token)).get_json()
        assert all(m["contacts"] for m in listed if m["id"] == MEMBER)


@pytest.fixture
def closed_client(app: Flask) -> FlaskClient:
    closed = create_app({**app.config, "REGISTRY_ACCESS": "closed"})
    return closed.test_client()


def test_closed_registry_answers_anonymous_callers_with_401(
    demo_graph: Graph,
    closed_client: FlaskClient,
    tokens: Tokens,
) -> None:
    response = closed_client.get(MEMBERS)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert closed_client.get(f"/api/v1/umbrellas/{UMBRELLA}/members/{MEMBER}").status_code == 401
    assert closed_client.get("/no/such/path").status_code == 401
    # What says nothing about the data stays open: the health check and the API's documentation.
    assert closed_client.get("/health").status_code == 200
    assert closed_client.get("/openapi.json").status_code == 200
    assert closed_client.get("/docs").status_code == 200
    assert closed_client.get(MEMBERS, headers=bearer(tokens.reader)).status_code == 200


def test_access_setting_is_checked(app: Flask) -> None:
    with pytest.raises(ValueError, match="REGISTRY_ACCESS"):
        create_app({**app.config, "REGISTRY_ACCESS": "ajar"})


def test_openapi_declares_the_bearer_scheme(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert {"bearerAuth": []} in spec["security"]


def test_token_format_is_checked_before_any_lookup() -> None:
    new = generate()
    assert parse(new.plaintext) == new.id
    assert re.fullmatch(r"reg_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", new.plaintext)
    for bad in ("", "reg_", "reg_XYZ_abc", new.plaintext + "x", "bearer " + new.plaintext):
        assert parse(bad) is None
    assert generate().plaintext != new.plaintext


# -- the rules themselves, called as resources call them -----------------------------------
def _status(call) -> int:  # type: ignore[no-untyped-def]
    try:
        call()
    except HTTPException as exc:
        return int(exc.code or 0)
    return 200


def test_object_level_rules(demo_graph: Graph, app: Flask) -> None:
    umbrella = Principal(Role.UMBRELLA, token_id="t1", actor_id=UMBRELLA)
    other = Principal(Role.UMBRELLA, token_id="t2", actor_id=OTHER_UMBRELLA)
    admin, coordinator, reader = (Principal(r, token_id="t") for r in (Role.ADMIN, Role.COORDINATOR, Role.READER))
    anonymous = Principal(Role.ANONYMOUS)
    with app.test_request_context():
        # Actor updates: an umbrella for its current members, in the fields it may change.
        assert _status(lambda: authorize_actor_write(umbrella, MEMBER, fields={"activities", "contacts"})) == 200
        assert _status(lambda: authorize_actor_write(umbrella, MEMBER, fields={"org_number"})) == 403
        assert _status(lambda: authorize_actor_write(umbrella, MEMBER, fields={"municipality_code"})) == 403
        assert _status(lambda: authorize_actor_write(umbrella, NON_MEMBER)) == 403
        assert _status(lambda: authorize_actor_write(umbrella, UMBRELLA)) == 403
        assert _status(lambda: authorize_actor_write(other, MEMBER)) == 403
        assert _status(lambda: authorize_actor_write(admin, NON_MEMBER, fields={"org_number"})) == 200
        assert _status(lambda: authorize_actor_write(coordinator, MEMBER)) == 403
        assert _status(lambda: authorize_actor_write(reader, MEMBER)) == 403
        assert _status(lambda: authorize_actor_write(anonymous, MEMBER)) == 401
        # Enrolment: only civil-society actors, only into its own umbrella.
        assert _status(lambda: authorize_membership_add(umbrella, UMBRELLA, NON_MEMBER)) == 200
        assert _status(lambda: authorize_membership_add(umbrella, UMBRELLA, PUBLIC_ACTOR)) == 403
        assert _status(lambda: authorize_membership_add(other, UMBRELLA, NON_MEMBER)) == 403
        assert _status(lambda: authorize_membership_add(coordinator, UMBRELLA, PUBLIC_ACTOR)) == 200
        # History.
        assert _status(lambda: authorize_history(umbrella, MEMBER)) == 200
        assert _status(lambda: authorize_history(umbrella, NON_MEMBER)) == 403
        assert _status(lambda: authorize_history(reader, MEMBER)) == 403
        # Role-level kinds of write.
        assert _status(lambda: authorize(coordinator, Write.RELATIONSHIP)) == 200
        assert _status(lambda: authorize(umbrella, Write.RELATIONSHIP)) == 403
        assert _status(lambda: authorize(coordinator, Write.TAXONOMY)) == 403
        assert _status(lambda: authorize(admin, Write.TOKEN)) == 200
    assert "org_number" not in UMBRELLA_EDITABLE_FIELDS and "municipality_code" not in UMBRELLA_EDITABLE_FIELDS


def test_contact_visibility_rule() -> None:
    umbrella = Principal(Role.UMBRELLA, actor_id=UMBRELLA)
    assert can_see_contacts(umbrella, umbrella_ids=frozenset({UMBRELLA}))
    assert not can_see_contacts(umbrella, umbrella_ids=frozenset({OTHER_UMBRELLA}))
    assert not can_see_contacts(Principal(Role.READER))
    assert not can_see_contacts(Principal(Role.ANONYMOUS))
    assert can_see_contacts(Principal(Role.COORDINATOR)) and can_see_contacts(Principal(Role.ADMIN))


def test_migration_adds_token_and_audit_keys(graph: Graph) -> None:
    constraints = {r["name"] for r in graph.read("SHOW CONSTRAINTS YIELD name")}
    assert {"api_token_id", "audit_event_id"} <= constraints
    indexes = {r["name"] for r in graph.read("SHOW INDEXES YIELD name")}
    assert {"audit_event_subject", "audit_event_at", "contact_person_email"} <= indexes


def test_server_secret_from_the_environment_or_a_private_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from registry.tokens import SECRET_ENV, SECRET_FILE_ENV, TokenSecretError, load_secret

    path = tmp_path / "sub" / "token-secret"
    first = load_secret({SECRET_FILE_ENV: str(path)})
    assert len(first) >= 32 and path.stat().st_mode & 0o777 == 0o600
    assert load_secret({SECRET_FILE_ENV: str(path)}) == first, "the API and the CLI read the same secret"
    assert load_secret({SECRET_ENV: "e" * 40, SECRET_FILE_ENV: str(path)}) == b"e" * 40
    with pytest.raises(TokenSecretError, match="at least 32"):
        load_secret({SECRET_ENV: "short"})
    path.write_text("short\n")
    with pytest.raises(TokenSecretError):
        load_secret({SECRET_FILE_ENV: str(path)})
