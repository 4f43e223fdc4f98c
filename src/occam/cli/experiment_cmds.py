"""``occam experiments``, ``occam run`` and ``occam sweep``: the experiment registry on the command
line (SPEC 14).

- ``occam experiments`` lists every registered experiment with its config keys and defaults;
- ``occam run NAME [--quick] [--set KEY=VALUE ...] --out DIR`` runs one config;
- ``occam sweep NAME --grid KEY=V1,V2 ... [--set KEY=VALUE ...] [--backend process|ray|serial]
  [--address HOST:PORT] [--workers N] --out DIR`` runs the grid (resumable; see
  :mod:`occam.experiments.sweep`).

Values are parsed as JSON when they parse (``3``, ``0.5``, ``[1,2]``, ``true``), else as text, and
then converted to the config field's type; nested config keys are dotted (``learning.trials``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from occam.errors import OccamError


@contextmanager
def _clean_errors() -> Iterator[None]:
    """occam errors as one line on stderr (exit 2; 1 for failed sweep cells), no traceback."""
    from rich.console import Console

    from occam.experiments import SweepError

    try:
        yield
    except OccamError as exc:
        message = str(exc).replace("[", r"\[")  # escape rich markup
        Console(stderr=True).print(f"[bold red]Error:[/bold red] {message}", highlight=False)
        raise typer.Exit(code=1 if isinstance(exc, SweepError) else 2) from None


def split_values(text: str) -> list[str]:
    """Split ``v1,v2,[1,2],v3`` on the commas outside brackets and quotes."""
    items, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [item.strip() for item in items]


def _pairs(items: list[str], option: str) -> dict[str, str]:
    from occam.experiments import ConfigError

    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{option}: expected KEY=VALUE; got {item!r}")
        out[key.strip()] = value.strip()
    return out


def experiments_cmd() -> None:
    """List the registered experiments (name, SPEC section, description, config keys)."""
    from rich.console import Console
    from rich.table import Table

    from occam.experiments import experiments

    table = Table(title="registered experiments (occam run NAME / occam sweep NAME)")
    for col in ("name", "SPEC", "description", "config keys (defaults)"):
        table.add_column(col, overflow="fold")
    for name, exp in experiments().items():
        keys = ", ".join(f"{k}={v}" for k, v in exp.fields().items())
        table.add_row(name, exp.spec, exp.description, keys)
    Console(width=160).print(table)


def _print_rows(rows: list[dict[str, Any]], title: str, limit: int = 40) -> None:
    from rich.console import Console
    from rich.table import Table

    from occam.report import column_union, format_value

    columns = column_union(rows)
    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="right", overflow="fold")
    for row in rows[:limit]:
        table.add_row(*(format_value(row.get(c)) for c in columns))
    console = Console(width=max(Console().width, 160))
    console.print(table)
    if len(rows) > limit:
        console.print(f"… {len(rows) - limit} more rows in the CSV")


def _set_threads(threads: int) -> None:
    """torch CPU threads: set now when torch is loaded, else through OMP_NUM_THREADS (read when
    torch loads), so experiments without torch do not pay for importing it."""
    import os
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    else:
        os.environ["OMP_NUM_THREADS"] = str(threads)


def run_cmd(
    name: str = typer.Argument(..., help="A registered experiment (see `occam experiments`)."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    quick: bool = typer.Option(False, "--quick", help="The experiment's quick sizes."),
    set_: list[str] = typer.Option([], "--set", help="Config override KEY=VALUE (repeatable)."),
    threads: int = typer.Option(1, "--threads", help="torch CPU threads."),
) -> None:
    """Run one registered experiment; print its results table and the files it wrote."""
    with _clean_errors():
        from occam.experiments import ConfigError, get_experiment
        from occam.experiments.progress import ConsoleProgress
        from occam.report import write_csv

        if threads < 1:
            raise ConfigError(f"--threads: expected an integer >= 1; got {threads}")
        exp = get_experiment(name)
        config = exp.config(quick=quick, **_pairs(set_, "--set"))
        _set_threads(threads)
        with ConsoleProgress() as progress:
            res = exp.run(config, out, progress)
        table_path = write_csv(Path(out) / "table.csv", res.rows)
        _print_rows(res.rows, f"{name}: {len(res.rows)} rows")
        for key, path in {**res.files, "table": table_path}.items():
            typer.echo(f"{key}: {path}")


def sweep_cmd(
    name: str = typer.Argument(..., help="A registered experiment (see `occam experiments`)."),
    out: Path = typer.Option(..., "--out", help="Output folder (rerun to resume)."),
    grid_: list[str] = typer.Option(
        [], "--grid", help="Axis KEY=V1,V2,... (repeatable; the product is swept)."
    ),
    set_: list[str] = typer.Option([], "--set", help="Fixed override KEY=VALUE (repeatable)."),
    quick: bool = typer.Option(False, "--quick", help="Start from the quick sizes."),
    backend: str = typer.Option("process", "--backend", help="process, ray or serial."),
    address: str = typer.Option(
        None, "--address", help="Ray cluster HOST:PORT (default: a local Ray instance)."
    ),
    workers: int = typer.Option(None, "--workers", help="Process pool size (default: CPUs)."),
) -> None:
    """Run a registered experiment over a grid of configs; write sweep.csv / sweep.json."""
    with _clean_errors():
        from occam.experiments import ConfigError, grid, sweep

        axes = {k: split_values(v) for k, v in _pairs(grid_, "--grid").items()}
        if any(v == [""] for v in axes.values()):
            raise ConfigError("--grid: every axis needs at least one value")
        configs = grid(name, axes, quick=quick, **_pairs(set_, "--set"))
        table = sweep(
            name, configs, out, backend=backend, address=address, workers=workers, progress=True
        )
        _print_rows(table, f"sweep of {name}: {len(configs)} cells, {len(table)} rows")
        typer.echo(f"table: {Path(out).resolve() / 'sweep.csv'}")


def register(app: typer.Typer) -> None:
    """Attach experiments, run and sweep to the top-level app."""
    app.command("experiments")(experiments_cmd)
    app.command("run")(run_cmd)
    app.command("sweep")(sweep_cmd)
