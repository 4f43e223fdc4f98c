"""``occam compile`` and ``occam frontier`` (SPEC 7, 2.3, 15): a saved ResNet → verified circuits.

``occam compile MODEL.pt --eps E --out C.aig`` searches (:class:`occam.compiler.CircuitSearch`) for
the smallest verified circuit whose L2 error against the float network is at most E, and writes
binary AIGER plus ``C.json`` (the keys of :meth:`occam.compiler.CompiledCircuit.metadata`); when no
circuit reaches E within the budget it says so, writes nothing and exits with status 1.

``occam frontier MODEL.pt --out DIR`` runs the search for a geometric grid of ε and writes
``frontier.csv`` (every built circuit with its provenance and a ``pareto`` column),
``frontier.json`` (with the fitted rate γ̂ of SPEC 2.4), the Pareto circuits as
``circuits/frontier_XX.aig`` + ``.json`` and the log-log plot ``frontier.png`` (gates against
error). The compiler's records become an :class:`occam.htmc.Frontier` here, in the top layer (the
compiler sits below ``occam.htmc`` and does not import it); its Pareto set and C̄(ε) count the
best constant as a free point.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from occam.cli.main_cmds import (
    UsageError,
    _clean_errors,
    _load_checkpoint,
    _load_task,
    _set_threads,
    _task_from_meta,
    console,
)

err_console = Console(stderr=True)


@contextmanager
def _occam_errors():
    """User errors as one line (exit 2, :func:`occam.cli.main_cmds._clean_errors`); an ABC failure
    (not the user's fault, but no traceback either) as one line with exit 1."""
    from occam.circuits.abc import AbcError, AbcNotFoundError

    with _clean_errors():
        try:
            yield
        except (AbcError, AbcNotFoundError) as exc:
            err_console.print(f"ABC: {exc}", highlight=False, markup=False)
            raise typer.Exit(code=1) from None


def _setup(model_path: Path, task: str | None, data: Path | None, n_eval: int, seed: int):
    """Model, task and error sample (the task's distribution with its target; data tasks: the
    data points and labels)."""
    from occam.compiler import ErrorSample

    if n_eval < 100:
        raise UsageError(f"--n-eval: expected at least 100 points; got {n_eval}")
    model, meta = _load_checkpoint(model_path)
    model = model.double()
    t = _load_task(task, data, {}) if (task or data) else _task_from_meta(meta, model_path)
    if (t.d_in, t.d_out) != (model.config.d_in, model.config.d_out):
        raise UsageError(
            f"--task/--data: the task has d_in={t.d_in}, d_out={t.d_out} but the model has "
            f"d_in={model.config.d_in}, d_out={model.config.d_out}"
        )
    if t.is_data:
        x, y = t.data
        sample = ErrorSample.draw(model, t.domain, x=x, target=y)
    else:
        x = t.sample_x(n_eval, np.random.default_rng(seed))
        sample = ErrorSample.draw(model, t.domain, x=x, target=t.target)
    return model, t, sample


def _search(model, t, sample, name: str, prune: str, max_bits: int, seed: int, collapse: bool):
    from occam.compiler import CircuitSearch

    if prune not in ("sensitivity", "magnitude"):
        raise UsageError(f"--prune: expected sensitivity or magnitude; got {prune!r}")
    if not 1 <= max_bits <= 24:
        raise UsageError(f"--max-bits: expected an integer in [1, 24]; got {max_bits}")
    return CircuitSearch(
        model,
        t.domain,
        sample=sample,
        prune_method=prune,
        max_bits=max_bits,
        collapse=collapse,
        seed=seed,
        name=name,
        log=lambda msg: console.print(f"[dim]{msg}[/dim]", highlight=False),
    )


def _check_error_kind(error: str, sample) -> None:
    if error not in ("net", "target"):
        raise UsageError(f"--error: expected net or target; got {error!r}")
    if error == "target" and sample.y is None:
        raise UsageError("--error target: the task has no target")


def _circuit_table(cc, title: str) -> Table:
    table = Table(title=title)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    s = cc.spec
    rows = [
        ("gates |C| (AND, OR, NOT)", cc.gates),
        ("AIG ANDs", cc.aig_ands),
        ("depth", cc.circuit.depth),
        ("nonzero weights", cc.qnet.n_weights),
        ("gates before collapsing", cc.collapsed_from),
        (
            "bits k / F_w / F_a / F_o",
            f"{s.input_bits} / {s.weight_bits} / {s.act_bits} / {s.output_frac}",
        ),
        ("L2 error vs net", f"{cc.error_net.l2:.4g} (3σ bound {cc.error_net.l2_ucb:.4g})"),
        ("L∞ error vs net (sample)", f"{cc.error_net.linf:.4g}"),
    ]
    if cc.error_target is not None:
        rows.append(("L2 error vs target", f"{cc.error_target.l2:.4g}"))
    v = cc.verification
    how = "exhaustive" if v.exhaustive else "random + corners"
    rows.append(("verified vs integer model", f"{v.verified} ({v.n_checked} inputs, {how})"))
    if cc.abc is not None:
        rows.append(("gates before ABC", cc.abc.gates_before))
        rows.append(("AIG ANDs before ABC", cc.abc.aig_ands_before))
        rows.append(("cec: equivalent", cc.abc.cec_equivalent))
    for name, value in rows:
        if value is not None:
            table.add_row(name, str(value))
    return table


# Options shared by `occam compile` and `occam frontier` (one declaration each).
CollapseOpt = Annotated[
    bool,
    typer.Option("--collapse", help="Rebuild each circuit from its truth table (≤ 16 input bits)."),
]
ErrorOpt = Annotated[str, typer.Option("--error", help="net (the float network) or target.")]
PruneOpt = Annotated[str, typer.Option("--prune", help="sensitivity or magnitude.")]
MaxBitsOpt = Annotated[int, typer.Option("--max-bits", help="Largest width tried.")]
NEvalOpt = Annotated[int, typer.Option("--n-eval", help="Points the error is measured on.")]
TaskOpt = Annotated[
    Optional[str],  # noqa: UP045 (typer reads the annotation at run time)
    typer.Option("--task", help="Task (default: the one the model records)."),
]
DataOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--data", help="Measure on this data file instead."),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the error sample.")]
ThreadsOpt = Annotated[int, typer.Option("--threads", help="torch CPU threads.")]


# -- occam compile -------------------------------------------------------------------------------
def compile_cmd(
    model_path: Path = typer.Argument(..., help="A model saved by `occam train`/`occam demo`."),
    eps: float = typer.Option(..., "--eps", help="Largest L2 error allowed (vs --error)."),
    out: Path = typer.Option(Path("circuit.aig"), "--out", help="Binary AIGER file to write."),
    use_abc: bool = typer.Option(False, "--abc", help="Optimise with ABC (proved by cec)."),
    collapse: CollapseOpt = False,
    error: ErrorOpt = "net",
    prune: PruneOpt = "sensitivity",
    max_bits: MaxBitsOpt = 16,
    budget: int = typer.Option(40, "--budget", help="Most circuits the search builds."),
    n_eval: NEvalOpt = 100_000,
    task: TaskOpt = None,
    data: DataOpt = None,
    seed: SeedOpt = 0,
    threads: ThreadsOpt = 1,
) -> None:
    """Smallest verified circuit with L2 error ≤ EPS: writes OUT (.aig) and OUT's .json.

    The error is dec∘C∘enc_k against the float network (or the target) measured by simulating the
    circuit on --n-eval points of the task's distribution (a data task: its points); a circuit is
    accepted when the 3σ upper confidence bound of that L2 error is ≤ EPS. Searches pruning level
    and bit widths (at most --budget circuits, each verified bit for bit against its integer
    model); writes nothing and exits with status 1 when none reaches EPS."""
    with _occam_errors():
        from occam.compiler import optimize_abc

        _set_threads(threads)
        if out.suffix != ".aig":
            raise UsageError(f"--out: expected a .aig file name; got {str(out)!r}")
        if not (eps > 0 and math.isfinite(eps)):
            raise UsageError(f"--eps: expected a positive number; got {eps}")
        if budget < 1:
            raise UsageError(f"--budget: expected an integer >= 1; got {budget}")
        model, t, sample = _setup(model_path, task, data, n_eval, seed)
        _check_error_kind(error, sample)
        search = _search(model, t, sample, model_path.name, prune, max_bits, seed, collapse)
        with console.status(f"searching for a circuit with L2 error ≤ {eps:g} (vs {error})"):
            result = search.search(eps, error=error, budget=budget)
        if not result.success:
            err_console.print(
                f"[bold red]No circuit found:[/bold red] {result.message} after building "
                f"{result.n_built} circuits; nothing written. Try a larger --eps or --budget.",
                highlight=False,
            )
            raise typer.Exit(code=1)
        cc = result.best.compiled
        if use_abc:
            cc = optimize_abc(cc, sample, seed=seed)
        cc.provenance["circuits_built"] = result.n_built
        cc.provenance["eps"] = eps
        cc.provenance["error"] = error
        aig, meta = cc.write(out)
        console.print(_circuit_table(cc, f"{model_path.name} → {aig.name} (ε = {eps:g})"))
        console.print(f"searched {result.n_built} circuits; wrote {aig} and {meta}")


# -- occam frontier ------------------------------------------------------------------------------
def _eps_grid(sample, error: str, points: int, eps_min, eps_max) -> tuple[np.ndarray, dict]:
    """Geometric ε grid: from half the distance to the best constant down to the float net's
    own test error (vs target; error=target: 1.25 × it) or 1/100 of the top."""
    ref = sample.f if error == "net" else sample.y
    spread = float(np.sqrt(np.mean(np.sum((ref - ref.mean(axis=0)) ** 2, axis=1))))
    net_err = None
    if sample.y is not None:
        net_err = float(np.sqrt(np.mean(np.sum((sample.f - sample.y) ** 2, axis=1))))
    hi = eps_max if eps_max is not None else 0.5 * spread
    if eps_min is not None:
        lo = eps_min
    elif net_err is not None:
        lo = net_err if error == "net" else 1.25 * net_err
    else:
        lo = hi / 100
    if not 0 < lo < hi:
        raise UsageError(f"--eps-min/--eps-max: need 0 < min < max; got {lo:g}, {hi:g}")
    info = {"constant_error": spread, "float_net_error_vs_target": net_err}
    return np.geomspace(hi, lo, points), info


def _frontier(records: list, error: str, constant_error: float):
    """An :class:`occam.htmc.Frontier` of the records (error = L2 vs ``error``); the provenance
    row is the point's metadata."""
    from occam.htmc import Frontier

    points = []
    for r in records:
        meta = {k: v for k, v in r.row().items() if k != "gates"}
        points.append((r.error(error), r.gates, meta))
    return Frontier(points, norm="l2", constant_error=constant_error)


def frontier_cmd(
    model_path: Path = typer.Argument(..., help="A model saved by `occam train`/`occam demo`."),
    out: Path = typer.Option(Path("occam-frontier"), "--out", help="Output folder."),
    points: int = typer.Option(8, "--points", help="Number of ε targets."),
    eps_min: float = typer.Option(None, "--eps-min", help="Smallest ε (default: net's error)."),
    eps_max: float = typer.Option(None, "--eps-max", help="Largest ε (default: spread / 2)."),
    use_abc: bool = typer.Option(False, "--abc", help="Also ABC-optimise the Pareto circuits."),
    collapse: CollapseOpt = False,
    error: ErrorOpt = "net",
    prune: PruneOpt = "sensitivity",
    max_bits: MaxBitsOpt = 16,
    budget: int = typer.Option(40, "--budget", help="Most circuits per ε."),
    n_eval: NEvalOpt = 100_000,
    task: TaskOpt = None,
    data: DataOpt = None,
    seed: SeedOpt = 0,
    threads: ThreadsOpt = 1,
) -> None:
    """Size-versus-error frontier (SPEC 2.3): frontier.csv, Pareto circuits, frontier.png.

    Runs the circuit search for --points targets ε, geometric between --eps-max (default: half
    the L2 distance of the network to its mean) and --eps-min (default: the network's own L2 error
    against the target); every built circuit is a frontier point (error measured by simulation,
    verified against its integer model); the Pareto circuits are written with their .json."""
    with _occam_errors():
        _set_threads(threads)
        if points < 1 or budget < 1:
            raise UsageError(f"--points/--budget: expected integers >= 1; got {points}, {budget}")
        model, t, sample = _setup(model_path, task, data, n_eval, seed)
        _check_error_kind(error, sample)
        eps_values, info = _eps_grid(sample, error, points, eps_min, eps_max)
        search = _search(model, t, sample, model_path.name, prune, max_bits, seed, collapse)
        results = _frontier_with_progress(search, eps_values, error, budget)
        _write_frontier(out, search, results, eps_values, info, error, use_abc, seed, t.name)


def _frontier_with_progress(search, eps_values, error: str, budget: int) -> list:
    """:meth:`CircuitSearch.search` for each ε under a rich progress bar (one step per ε)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    results = []
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("frontier search", total=len(eps_values))
        search.log = lambda msg: bar.console.print(f"[dim]{msg}[/dim]", highlight=False)
        for eps in eps_values:
            bar.update(task, description=f"ε = {eps:.3g} ({search.n_built} circuits built)")
            results.append(search.search(float(eps), error=error, budget=budget))
            bar.advance(task)
    return results


def _rate(frontier) -> dict:
    from occam.htmc import fit_rate

    fit = fit_rate(frontier)
    keys = ("gamma", "gamma_low", "gamma_high", "c", "c_low", "c_high", "n")
    return {k: getattr(fit, k) for k in keys}


def _write_frontier(out: Path, search, results, eps_values, info, error, use_abc, seed, name):
    from occam.compiler import CircuitRecord, optimize_abc
    from occam.htmc import plot_frontiers
    from occam.report.io import write_json

    compiled = _frontier(search.records, error, info["constant_error"])
    front = [search.records[i] for i in compiled.pareto_indices()]
    search.release(front)
    out.mkdir(parents=True, exist_ok=True)
    (out / "circuits").mkdir(exist_ok=True)
    abc_records, files = [], []
    for i, rec in enumerate(front):
        cc = rec.compiled
        if use_abc:
            cc = optimize_abc(cc, search.sample, seed=seed)
            abc_records.append(CircuitRecord.of(cc, rec.model, rec.prune_method, rec.n_keep))
        aig, _ = cc.write(out / "circuits" / f"frontier_{i:02d}.aig")
        files.append(str(aig.relative_to(out)))
    compiled.write_csv(out / "frontier.csv")
    frontiers = {"compiled": compiled}
    if use_abc:
        frontiers["compiled + ABC"] = _frontier(abc_records, error, info["constant_error"])
        frontiers["compiled + ABC"].write_csv(out / "frontier_abc.csv")
    plot_frontiers(frontiers, out / "frontier.png", title=f"{search.name} on {name}")
    summary = {
        "model": search.name,
        "task": name,
        "error": f"L2 vs {error}",
        "eps_targets": [float(e) for e in eps_values],
        "best_gates_per_eps": [r.best.gates if r.success else None for r in results],
        "circuits_built": search.n_built,
        "pareto": [{**r.row(), "file": f} for r, f in zip(front, files, strict=True)],
        "abc_pareto": [r.row() for r in abc_records],
        "rate": {label: _rate(fr) for label, fr in frontiers.items()},
        **info,
    }
    write_json(out / "frontier.json", summary)
    table = Table(title=f"Frontier of {search.name} ({search.n_built} circuits built)")
    for col in (f"ε (L2 vs {error})", "gates", "AIG ANDs", "N", "k/F_w/F_a", "file"):
        table.add_column(col, justify="right")
    for r, f in zip(front, files, strict=True):
        s = r.spec
        table.add_row(
            f"{r.error(error):.4g}",
            str(r.gates),
            str(r.aig_ands),
            str(r.n_keep),
            f"{s.input_bits}/{s.weight_bits}/{s.act_bits}",
            f,
        )
    console.print(table)
    rate = summary["rate"]["compiled"]
    console.print(
        f"fitted rate γ̂ = {rate['gamma']:.3g} [{rate['gamma_low']:.3g}, {rate['gamma_high']:.3g}] "
        f"from {rate['n']} Pareto points"
    )
    console.print(f"wrote {out / 'frontier.csv'}, {out / 'frontier.json'}, {out / 'frontier.png'}")


def register(app: typer.Typer) -> None:
    """Attach compile and frontier to the top-level app."""
    app.command("compile")(compile_cmd)
    app.command("frontier")(frontier_cmd)


__all__ = ["compile_cmd", "frontier_cmd", "register"]
