"""Registration of every sub-command on the top-level typer app."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach all command groups to ``app``."""
    from occam.cli import circuit_cmds

    app.add_typer(circuit_cmds.app, name="circuit")
