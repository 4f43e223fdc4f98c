"""Registration of every sub-command on the top-level typer app."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach all command groups to ``app``: train/complexity/prune/demo, compile/frontier,
    learn/iwls and experiments/run/sweep at the top level, then the ``circuit``, ``tetrakis`` and
    ``rnorm``, ``fw`` groups and ``compositional``; the help text lists the registered
    experiments."""
    from occam.cli import (
        circuit_cmds,
        compile_cmds,
        compositional_cmds,
        experiment_cmds,
        fw_cmds,
        learn_cmds,
        main_cmds,
        rnorm_cmds,
        tetrakis_cmds,
    )
    from occam.experiments import names

    main_cmds.register(app)
    compile_cmds.register(app)
    experiment_cmds.register(app)
    learn_cmds.register(app)
    base = (app.info.help or "").split("\n\nExperiments")[0]
    app.info.help = (
        f"{base}\n\nExperiments (occam run NAME / occam sweep NAME): {', '.join(names())}."
    )
    app.add_typer(circuit_cmds.app, name="circuit")
    app.add_typer(tetrakis_cmds.app, name="tetrakis")
    app.add_typer(rnorm_cmds.app, name="rnorm")
    app.add_typer(fw_cmds.app, name="fw")
    app.command("compositional")(compositional_cmds.compositional_cmd)
