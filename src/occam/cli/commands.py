"""Registration of every sub-command on the top-level typer app."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach all command groups to ``app``."""
    from occam.cli import circuit_cmds

    app.add_typer(circuit_cmds.app, name="circuit")
    __import__("occam.cli.main_cmds", fromlist=["register"]).register(app)
    app.add_typer(__import__("occam.cli.tetrakis_cmds", fromlist=["app"]).app, name="tetrakis")
    app.add_typer(__import__("occam.cli.rnorm_cmds", fromlist=["app"]).app, name="rnorm")
