"""`occam rnorm`: two-layer R-norm experiments on parity (SPEC 12 d; issue 7)."""

from __future__ import annotations

import math
from pathlib import Path

import typer

app = typer.Typer(
    help="Two-layer R-norm and parity (SPEC 12): minimum R-norm versus d (ridge versus free "
    "dictionary, exponent fits) and learning χ_S by minimum R-norm interpolation.",
    invoke_without_command=True,
)


def _fmt(value: float) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.4g}"


@app.callback()
def rnorm(
    out: Path = typer.Option(Path("runs/rnorm"), "--out", help="Output folder."),
    quick: bool = typer.Option(False, "--quick", help="Small sizes (well under a minute)."),
    seed: int = typer.Option(0, "--seed", help="Seed of random directions and samples."),
) -> None:
    """Run both experiments, write JSON/CSV/PNG into OUT and print the tables."""
    from rich.console import Console
    from rich.table import Table

    from occam.experiments import get_experiment
    from occam.experiments.progress import ConsoleProgress

    experiment = get_experiment("rnorm")
    config = experiment.config(quick=quick, **{"versus_d.seed": seed, "learning.seed": seed})
    console = Console()
    with ConsoleProgress(console) as progress:
        res = experiment.run(config, out, progress)
    summary = res.summary
    vs_d = [r for r in res.rows if r["part"] == "versus_d"]

    table = Table(title="Minimum R-norm of a parity interpolant on {±1}^d")
    for name in (
        "d",
        "ridge LP",
        "ridge exact",
        "ridge constr.",
        "free min",
        "free LP",
        "union lower bd",
        "averaged constr.",
    ):
        table.add_column(name, justify="right")
    for r in vs_d:
        table.add_row(
            str(r["d"]),
            _fmt(r["ridge_lp"]),
            _fmt(r["ridge_exact"]),
            _fmt(r["ridge_construction"]),
            _fmt(r["free_min"]),
            _fmt(r["union_lp"]),
            _fmt(r["union_lower_bound"]),
            _fmt(r["averaged_construction"]),
        )
    console.print(table)

    fits = Table(title="Log-log exponent fits (95% interval)")
    for name in ("series", "exponent", "interval", "points"):
        fits.add_column(name)
    for key, fit in summary["fits"].items():
        fits.add_row(
            key,
            f"{fit['slope']:.3f}",
            f"[{fit['ci_low']:.3f}, {fit['ci_high']:.3f}]",
            str(fit["n"]),
        )
    console.print(fits)

    learn = Table(title="Learning χ on {±1}^d: population MSE of clip(g) (mean over trials)")
    for name in ("d", "n", "n/d²", "n/d³", "MSE", "error rate", "R-norm"):
        learn.add_column(name, justify="right")
    rows = [r for r in res.rows if r["part"] == "learning"]
    for d, n in sorted({(r["d"], r["n"]) for r in rows}):
        sub = [r for r in rows if r["d"] == d and r["n"] == n]

        def mean(key: str, sub: list = sub) -> float:
            return sum(r[key] for r in sub) / len(sub)

        learn.add_row(
            str(d),
            str(n),
            f"{n / d**2:.3g}",
            f"{n / d**3:.3g}",
            f"{mean('mse'):.3f}",
            f"{mean('error_rate'):.3f}",
            f"{mean('rnorm'):.4g}",
        )
    console.print(learn)
    verdict = "yes" if summary["free_below_averaged_for_all_d"] else "NO"
    console.print(f"free minimum ≤ averaged construction for every d: {verdict}")
    console.print(f"results written to {out}")
