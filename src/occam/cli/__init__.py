"""The ``occam`` command line (typer). Sub-command groups live in sibling modules."""

from __future__ import annotations

import typer

from occam.cli._errors import OccamGroup, run_main

app = typer.Typer(
    cls=OccamGroup,
    name="occam",
    help="Measure and minimise the circuit complexity of functions learned by ResNets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _register() -> None:
    # Imported here so that `occam --help` stays fast and each group stays in its own file.
    from occam.cli import commands

    commands.register(app)


def main() -> None:
    _register()
    run_main(app)
