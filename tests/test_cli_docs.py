"""Every command of `registry` has help text, answers --help, and is named in the README."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from registry.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
    return found


def test_every_command_has_help_and_answers_help() -> None:
    runner = CliRunner()
    for path, command in _commands(main):
        assert (command.help or "").strip(), f"registry {' '.join(path)} has no help text"
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output


def test_every_command_is_in_the_readme() -> None:
    for path, command in _commands(main):
        if isinstance(command, click.Group):
            continue
        assert f"registry {' '.join(path)}" in README, f"README does not mention `registry {' '.join(path)}`"
