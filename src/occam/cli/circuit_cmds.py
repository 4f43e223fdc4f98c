"""`occam circuit ...` commands (issue 3)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Boolean circuits: stats, optimisation with ABC, exact synthesis.",
                  no_args_is_help=True)
