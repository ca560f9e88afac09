"""Umbrella member lists: memberships created, confirmed, ended by --sync (never deleted) and reopened."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from registry.cli import main
from registry.db import Graph
from registry.demo import demo_id, load_demo
from tests.import_helpers import FIXTURES, actor_by_name, counts, run

UMBRELLA_ORG = "802462-5819"  # Bergslagens föreningsråd in the demo data
LISTS = FIXTURES / "members"


@pytest.fixture
def umbrella(graph: Graph) -> str:
    load_demo(graph)
    return demo_id("bergslagens-foreningsrad")


def _memberships(graph: Graph, umbrella: str) -> dict[str, dict]:
    rows = graph.read("MATCH (m:Actor)-[r:MEMBER_OF]->(:Actor {id: $u}) RETURN m.name AS name, r {.*} AS r", u=umbrella)
    return {row["name"]: row["r"] for row in rows}


def test_member_list_links_members_to_the_umbrella(graph: Graph, umbrella: str) -> None:
    report = run(graph, LISTS / "bergslagen-2025.csv", kind="members", umbrella=UMBRELLA_ORG)
    assert report.outcome == "imported", report.message
    assert report.umbrella == umbrella
    assert report.source == f"members:{umbrella}"
    assert counts(report)["merged"] == 3  # by org number, and two by name in Askersund
    assert counts(report)["created"] == 2
    members = _memberships(graph, umbrella)
    assert members["Kumla Pensionärsförening Linden"]["source"] == report.source
    assert members["Kumla Pensionärsförening Linden"]["since"] == "2013-10-01"
    assert members["Askersunds Seniorer Tivedsbygden"]["since"] == "2015"
    assert members["Nora Fiskevårdsförening"] == {
        "since": "2024-03",
        "role": "stödmedlem",
        "source": report.source,
        "status": "confirmed",  # an admin's import (the CLI): no consent step
    }
    # No municipality in the list: the umbrella's own (Nora).
    assert actor_by_name(graph, "Föreningen Utan Kommun")["seat"] == ["1884"]
    assert actor_by_name(graph, "Nora Fiskevårdsförening")["kind"] == "association"
    assert len(members) == 13 + 2
    assert report.memberships["ended"] == 0
    again = run(graph, LISTS / "bergslagen-2025.csv", kind="members", umbrella=umbrella)
    assert counts(again)["unchanged"] == 5
    assert again.memberships["changed"] == 0


def test_sync_ends_memberships_missing_from_the_list_and_deletes_nothing(graph: Graph, umbrella: str) -> None:
    run(graph, LISTS / "bergslagen-2025.csv", kind="members", umbrella=umbrella)
    before = graph.read_one("MATCH (a:Actor) RETURN count(a) AS n")
    dry = run(graph, LISTS / "bergslagen-2026.csv", kind="members", umbrella=umbrella, sync=True, dry_run=True)
    assert dry.memberships["ended"] == 11
    assert all(r.get("until") is None for r in _memberships(graph, umbrella).values())
    report = run(graph, LISTS / "bergslagen-2026.csv", kind="members", umbrella=umbrella, sync=True)
    # 13 demo members, of which this year's list names two; one newcomer.
    assert report.memberships["ended"] == 11
    assert counts(report)["created"] == 1
    members = _memberships(graph, umbrella)
    today = date.today().isoformat()
    assert members["Byalaget Gruvbacken i Åmmeberg"]["until"] == today
    assert members["Kumla Pensionärsförening Linden"].get("until") is None
    assert members["Lindesbergs Schacksällskap"].get("until") is None
    assert len(members) == 16  # ended, not deleted
    after = graph.read_one("MATCH (a:Actor) RETURN count(a) AS n")
    assert after is not None and before is not None and after["n"] == before["n"] + 1
    # Relisted next time: the membership is open again.
    relisted = run(graph, LISTS / "bergslagen-2025.csv", kind="members", umbrella=umbrella)
    assert relisted.memberships["changed"] >= 1
    assert _memberships(graph, umbrella)["Byalaget Gruvbacken i Åmmeberg"].get("until") is None


def test_sync_is_skipped_when_rows_were_rejected(graph: Graph, umbrella: str, tmp_path) -> None:
    path = tmp_path / "members.csv"
    path.write_text("Medlemsorganisation;Org.nr;Kommun\nNora Bågskyttar;;Nora\nTrasig;123;Nora\n", encoding="utf-8")
    report = run(graph, path, kind="members", umbrella=umbrella, sync=True)
    assert counts(report)["rejected"] == 1
    assert "hoppades över" in report.memberships["sync"]
    assert all(r.get("until") is None for r in _memberships(graph, umbrella).values())


def test_unknown_umbrella_fails_cleanly(graph: Graph, runner: CliRunner, cli_env: dict[str, str]) -> None:
    result = runner.invoke(
        main, ["import", "members", str(LISTS / "bergslagen-2025.csv"), "--umbrella", "no-such-actor"], env=cli_env
    )
    assert result.exit_code == 1
    assert "finns inte" in result.output
    assert graph.read_one("MATCH (n) WHERE n:Actor OR n:ImportRun RETURN count(n) AS n") == {"n": 0}


def test_members_command(graph: Graph, umbrella: str, runner: CliRunner, cli_env: dict[str, str]) -> None:
    args = ["import", "members", str(LISTS / "bergslagen-2026.csv"), "--umbrella", UMBRELLA_ORG, "--sync"]
    result = runner.invoke(main, args, env=cli_env)
    assert result.exit_code == 0, result.output
    assert "medlemskap / memberships" in result.output and "11 avslutade / ended" in result.output
