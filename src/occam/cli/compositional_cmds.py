"""`occam compositional`: compositional sparsity, MLMC and composition experiments (SPEC 13, 10)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import typer


def compositional_cmd(
    out: Path = typer.Option(Path("runs/compositional"), "--out", help="Output folder."),
    quick: bool = typer.Option(
        False, "--quick", help="Quick sizes (≤ 10 minutes on 2 cores; 200 training steps)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the recovery and convexity parts."),
    family: str = typer.Option("tanh", "--family", help="Node family: tanh or poly3."),
    redo: list[str] = typer.Option(
        [],
        "--redo",
        help="Run this part again even if OUT/parts/ holds it for the same settings (repeatable): "
        "mlmc_acceptance, convexity, circuits, recovery, error_vs_n, or all.",
    ),
) -> None:
    """Test error vs n (sparse, dense, ℓ1, path-norm, Occam nets; compositional targets and a
    smooth control), graph recovery vs λ, verified circuit size vs d, MLMC convexity; writes CSV
    tables, PNG plots and report.md/report.html with a verdict per claim. Resumable: each finished
    part is saved in OUT/parts/ and reused by a rerun with the same settings for that part."""
    from rich.console import Console
    from rich.table import Table

    from occam.compositional.experiment import PARTS, CompositionalExperimentConfig, run
    from occam.compositional.targets import FAMILIES
    from occam.errors import OccamError

    console = Console()
    err = Console(stderr=True)
    if family not in FAMILIES:
        err.print(f"[bold red]Error:[/bold red] --family must be one of {FAMILIES}, got {family!r}")
        raise typer.Exit(code=2)
    bad = [p for p in redo if p not in PARTS and p != "all"]
    if bad:
        err.print(
            f"[bold red]Error:[/bold red] --redo: unknown part {bad[0]!r}; choose from "
            f"{', '.join(PARTS)}, all"
        )
        raise typer.Exit(code=2)
    if seed < 0:
        err.print(f"[bold red]Error:[/bold red] --seed must be >= 0, got {seed}")
        raise typer.Exit(code=2)
    import torch

    torch.set_num_threads(1)
    config = CompositionalExperimentConfig.quick() if quick else CompositionalExperimentConfig()
    config = replace(config, seed=seed, family=family)
    start = time.perf_counter()
    try:
        with console.status("occam compositional") as status:

            def progress(msg: str) -> None:
                status.update(f"[{time.perf_counter() - start:6.0f} s] {msg}")
                console.log(msg)

            result = run(config, out, progress, redo=True if "all" in redo else tuple(redo))
    except OccamError as e:
        err.print(f"[bold red]Error:[/bold red] {e}")
        raise typer.Exit(code=2) from None
    table = Table(title=f"Claims and verdicts ({time.perf_counter() - start:.0f} s)")
    for name in ("source", "verdict", "measured"):
        table.add_column(name, overflow="fold")
    for v in result["verdicts"]:
        table.add_row(v["source"], v["verdict"], v["measured"])
    console.print(table)
    console.print(f"report: {Path(out) / 'report.md'}")
