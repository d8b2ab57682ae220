"""docs/cli.md is generated from the click commands (scripts/gen_cli_docs.py) and must be current."""
from __future__ import annotations

from pathlib import Path

import click

from plugin_integration.cli import main
from plugin_integration.cli_reference import render

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _commands(command: click.Command, path: str, ctx: click.Context) -> list[tuple[str, click.Command]]:
    out = [(path, command)]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                out += _commands(sub, f"{path} {name}", click.Context(sub, info_name=name, parent=ctx))
    return out


def test_cli_reference_is_current() -> None:
    current = DOC.read_text(encoding="utf-8")
    assert current == render(main), "docs/cli.md is stale: run .venv/bin/python scripts/gen_cli_docs.py"


def test_reference_has_every_command_and_option() -> None:
    text = render(main)
    commands = _commands(main, "mmltr", click.Context(main, info_name="mmltr"))
    assert len(commands) > 30 and {"mmltr dashboards export", "mmltr dashboards install"} <= {p for p, _ in commands}
    for path, command in commands:
        assert f"## `{path}`" in text
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert f"`{param.opts[0]}`" in text.split(f"## `{path}`", 1)[1], (path, param.opts)
    assert "\\\\|" not in text  # a choice renders once-escaped in a table cell
