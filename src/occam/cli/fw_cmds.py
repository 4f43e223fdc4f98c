"""`occam fw`: Frank-Wolfe over Tetrakis functions against exact synthesis (SPEC 11, 14)."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    help="Frank-Wolfe over Tetrakis functions (SPEC 11): recovery of sums of small circuits and "
    "wall time against exact synthesis of the whole sum.",
    invoke_without_command=True,
)


@app.callback()
def fw(
    out: Path = typer.Option(Path("runs/fw"), "--out", help="Output folder."),
    quick: bool = typer.Option(False, "--quick", help="A few cells and seeds (about a minute)."),
    seeds: int = typer.Option(0, "--seeds", help="Number of seeds per cell (0: the default)."),
    cap: float = typer.Option(0.0, "--cap", help="Exact synthesis time cap in s (0: default)."),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="Run exact synthesis."),
) -> None:
    """Run the experiment and print the recovery table and the fitted wall-time growths."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from occam.fw.experiment import FWExperimentConfig, run

    if seeds < 0:
        raise typer.BadParameter(f"expected ≥ 0, got {seeds}", param_hint="--seeds")
    if cap < 0:
        raise typer.BadParameter(f"expected ≥ 0, got {cap}", param_hint="--cap")
    overrides: dict[str, object] = {"baseline": baseline}
    if seeds:
        overrides["seeds"] = tuple(range(seeds))
    if cap:
        overrides["exact_time_cap"] = cap
    cfg = (FWExperimentConfig.quick if quick else FWExperimentConfig)(**overrides)
    console = Console()
    with Progress(console=console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(name: str, i: int, n: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=n)
            bar.update(tasks[name], completed=i)

        res = run(cfg, out, progress=progress)
    table = Table(title="Recovery: rel. test MSE ≤ 1e-3 and Σ|C_j| ≤ 2 × truth")
    for col in ("m", "s", "recovered", "median rel. MSE", "mean size / truth"):
        table.add_column(col, justify="right")
    for r in res.recovery:
        table.add_row(
            str(r["m"]),
            str(r["s"]),
            f"{r['recovered']}/{r['seeds']}",
            f"{r['median_rel_mse']:.2e}",
            f"{r['mean_size_ratio']:.2f}",
        )
    console.print(table)
    fits = Table(title="Wall time growth, log t = slope · log x + c")
    for col in ("method", "against", "slope", "95% CI", "r²"):
        fits.add_column(col, justify="right")
    for f in res.fits:
        fits.add_row(
            f["method"],
            f["against"],
            f"{f['slope']:.3f}",
            f"[{f['ci_low']:.3f}, {f['ci_high']:.3f}]",
            f"{f['r2']:.3f}",
        )
    console.print(fits)
    for name, path in res.files.items():
        console.print(f"{name}: {path}")
