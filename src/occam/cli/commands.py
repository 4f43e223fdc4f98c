"""Registration of every sub-command on the top-level typer app."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach all command groups to ``app``: train/complexity/prune/demo at the top level, then the
    ``circuit``, ``tetrakis`` and ``rnorm`` groups."""
    from occam.cli import circuit_cmds, learn_cmds, main_cmds, rnorm_cmds, tetrakis_cmds

    main_cmds.register(app)
    learn_cmds.register(app)
    app.add_typer(circuit_cmds.app, name="circuit")
    app.add_typer(tetrakis_cmds.app, name="tetrakis")
    app.add_typer(rnorm_cmds.app, name="rnorm")
