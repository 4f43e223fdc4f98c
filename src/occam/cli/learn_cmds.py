"""`occam learn` and `occam iwls` (issue 18): learning small circuits from examples."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


@contextmanager
def _clean_errors():
    """User errors (occam's, missing files) print one line and exit 2, without traceback."""
    from occam.errors import OccamError

    try:
        yield
    except (OccamError, FileNotFoundError) as e:
        # soft_wrap: a long file path stays on one line (copyable, greppable)
        err_console.print(f"[bold red]Error:[/bold red] {e}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None


def _routes(text: str | None) -> tuple[str, ...] | None:
    return None if not text else tuple(r.strip() for r in text.split(",") if r.strip())


def learn_cmd(
    train: Path = typer.Argument(..., help="Training set, PLA (.pla or .pla.gz)."),
    valid: Path = typer.Option(..., "--valid", help="Validation set, PLA (chooses the route)."),
    out: Path = typer.Option(Path("model.aig"), "--out", help="Binary AIGER file to write."),
    max_nodes: int = typer.Option(5000, "--max-nodes", help="AIG AND budget."),
    routes: str = typer.Option(
        None,
        "--routes",
        help="Comma-separated routes (default all: tree,forest,cover,fringe,word,fw,resnet).",
    ),
    seed: int = typer.Option(0, "--seed"),
    quick: bool = typer.Option(False, "--quick", help="Smaller hyper-parameter grids."),
) -> None:
    """Learn one circuit from examples; every route compared on validation, the file checked."""
    from rich.table import Table

    from occam.circuits.io import read_pla
    from occam.learn import CircuitLearner

    with _clean_errors():
        xt, yt = read_pla(train)
        xv, yv = read_pla(valid)
        learner = CircuitLearner(_routes(routes), max_nodes=max_nodes, seed=seed, quick=quick)
        with console.status("learning") as status:
            learner.fit(xt, yt, xv, yv, progress=lambda r: status.update(f"route {r}"))
        check = learner.write(out, xv, yv)
    table = Table(title=f"{train.name}: routes (validation accuracy)")
    for col in ("route", "valid acc %", "train acc %", "ANDs", "s", "detail"):
        table.add_column(col)
    for name, r in learner.results_.items():
        if "error" in r:
            table.add_row(name, "-", "-", "-", f"{r['seconds']:.1f}", r["error"])
        else:
            table.add_row(
                name + (" *" if name == learner.route_ else ""),
                f"{100 * r['valid_accuracy']:.2f}",
                f"{100 * r['train_accuracy']:.2f}",
                str(r["ands"]),
                f"{r['seconds']:.1f}",
                r["detail"],
            )
    console.print(table)
    console.print(
        f"{out}: route {learner.route_}, validation accuracy {100 * check.accuracy:.2f}% "
        f"(simulated from the file), AIG ANDs {check.header_ands} (ABC: {check.abc_ands}, "
        f"{check.abc_levels} levels), {check.gates} gates in {{AND, OR, NOT}}",
        soft_wrap=True,
    )


def iwls_cmd(
    root: Path = typer.Argument(..., help="Benchmark folder with train/ and validation/."),
    out: Path = typer.Option(Path("iwls-results"), "--out", help="Results folder (resumable)."),
    quick: bool = typer.Option(False, "--quick", help="Smaller hyper-parameter grids."),
    max_nodes: int = typer.Option(5000, "--max-nodes", help="AIG AND budget."),
    backend: str = typer.Option("process", "--backend", help="process, ray or serial."),
    address: str = typer.Option(None, "--address", help="Ray cluster HOST:PORT."),
    workers: int = typer.Option(2, "--workers", help="Local processes / local Ray CPUs."),
    only: str = typer.Option(None, "--only", help="Comma-separated function names (a subset)."),
    routes: str = typer.Option(None, "--routes", help="Comma-separated routes (default all)."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Learn every function of an IWLS-style benchmark, saving each result as it finishes."""
    from occam.experiments.iwls import run_iwls
    from occam.learn.iwls import find_functions, summary_markdown

    with _clean_errors():
        total = len(find_functions(root))
        summary = run_iwls(
            root,
            out,
            quick=quick,
            max_nodes=max_nodes,
            seed=seed,
            backend=backend,
            address=address,
            workers=workers,
            only=list(_routes(only) or ()),
            routes=_routes(routes),
        )
    console.print(summary_markdown(summary))
    console.print(
        f"{summary['functions']} of {total} functions in {out} "
        "(summary.md, summary.json, families.png, functions.csv; circuits in cells/*/NAME.aig)"
    )


def register(app: typer.Typer) -> None:
    """Attach ``learn`` and ``iwls`` to the top-level app."""
    app.command("learn")(learn_cmd)
    app.command("iwls")(iwls_cmd)
