"""`occam tetrakis`: the Tetrakis triangulation, a Tetrakis function and R(θ) of its ResNet
(SPEC 9, 14; issue 5)."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    help="Tetrakis triangulation and functions (SPEC 9): pictures, and R(θ) of the ResNet "
    "computing T_C against |C|, K and d.",
    invoke_without_command=True,
)


@app.callback()
def tetrakis(
    out: Path = typer.Option(Path("runs/tetrakis"), "--out", help="Output folder."),
    quick: bool = typer.Option(False, "--quick", help="Small sizes (under a minute)."),
    seed: int = typer.Option(0, "--seed", help="Base seed of the random circuits."),
    part: str = typer.Option(
        "all", "--part", help="Which part to run: all, picture (i) or resnet (ii)."
    ),
) -> None:
    """Draw the triangulation and a Tetrakis function; tabulate and fit R(θ) of the ResNet."""
    from rich.console import Console
    from rich.table import Table

    from occam.experiments import get_experiment
    from occam.experiments.progress import ConsoleProgress

    parts = {"all": ("picture", "resnet"), "picture": ("picture",), "resnet": ("resnet",)}
    if part not in parts:
        raise typer.BadParameter(
            f"expected one of {sorted(parts)}, got {part!r}", param_hint="--part"
        )
    experiment = get_experiment("tetrakis")
    cfg = experiment.config(quick=quick, seed=seed, parts=parts[part])
    console = Console()
    with ConsoleProgress(console) as progress:
        res = experiment.run(cfg, out, progress)
    picture, fits = res.summary["picture"], res.summary["fits"]
    if picture:
        console.print(
            f"(i) random circuit |C| = {picture['size']}, K = {picture['K']}: "
            f"explicit Tetrakis circuit size bound {picture['explicit_size_bound']}"
        )
    if res.rows:
        table = Table(title="(ii) certified R(θ) of the ResNet computing T_C: fitted exponents")
        for col in ("sweep", "X", "engine", "exponent", "± se", "R²", "n", "growth / level"):
            table.add_column(col, justify="right")
        for f in fits:
            growth = f.get("growth_per_level")
            table.add_row(
                f["sweep"],
                f["x"],
                f["engine"],
                f"{f['exponent']:.3f}",
                f"{f['exponent_se']:.3f}",
                f"{f['r2']:.3f}",
                str(f["n"]),
                "" if growth is None else f"{growth:.2f}",
            )
        console.print(table)
        rows = Table(title="(ii) runs")
        cols = ["sweep", "d", "K", "size", "width", "depth", *[f"R_{e}" for e in cfg.engines]]
        for col in cols:
            rows.add_column(col, justify="right")
        for r in res.rows:
            rows.add_row(*[f"{r[c]:.4g}" if isinstance(r[c], float) else str(r[c]) for c in cols])
        console.print(rows)
    for name, path in res.files.items():
        console.print(f"{name}: {path}")
