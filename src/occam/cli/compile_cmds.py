"""``occam compile`` and ``occam frontier`` (SPEC 7, 2.3, 15): a saved ResNet → verified circuits.

``occam compile MODEL.pt --eps E --out C.aig`` searches (:class:`occam.compiler.CircuitSearch`) for
the smallest verified circuit whose L2 error against the float network is at most E, and writes
binary AIGER plus ``C.json`` (the keys of :meth:`occam.compiler.CompiledCircuit.metadata`); when no
circuit reaches E within the budget it says so, writes nothing and exits with status 1.

``occam frontier MODEL.pt --out DIR`` runs the search for a geometric grid of ε and writes
``frontier.csv`` (every built circuit with its provenance and a ``pareto`` column),
``frontier.json``, the Pareto circuits as ``circuits/frontier_XX.aig`` + ``.json`` and the log-log
plot ``frontier.png`` (gates against error). The Pareto set is computed here (the top layer) from
the compiler's records: a record is on it when no other record has at most its error with fewer
gates.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import typer
from rich.table import Table

from occam.cli.main_cmds import (
    UsageError,
    _clean_errors,
    _load_checkpoint,
    _load_task,
    _set_threads,
    _task_from_meta,
    console,
    err_console,
)


@contextmanager
def _occam_errors():
    from occam.errors import OccamError

    with _clean_errors():
        try:
            yield
        except OccamError as exc:
            raise UsageError(str(exc)) from None


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


def _search(model, t, sample, name: str, prune: str, max_bits: int, seed: int):
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
        table.add_row(name, str(value))
    return table


# -- occam compile -------------------------------------------------------------------------------
def compile_cmd(
    model_path: Path = typer.Argument(..., help="A model saved by `occam train`/`occam demo`."),
    eps: float = typer.Option(..., "--eps", help="Largest L2 error allowed (vs --error)."),
    out: Path = typer.Option(Path("circuit.aig"), "--out", help="Binary AIGER file to write."),
    use_abc: bool = typer.Option(False, "--abc", help="Optimise with ABC (proved by cec)."),
    error: str = typer.Option("net", "--error", help="net (the float network) or target."),
    prune: str = typer.Option("sensitivity", "--prune", help="sensitivity or magnitude."),
    max_bits: int = typer.Option(16, "--max-bits", help="Largest width tried."),
    budget: int = typer.Option(40, "--budget", help="Most circuits the search builds."),
    n_eval: int = typer.Option(100_000, "--n-eval", help="Points the error is measured on."),
    task: str = typer.Option(None, "--task", help="Task (default: the one the model records)."),
    data: Path = typer.Option(None, "--data", help="Measure on this data file instead."),
    seed: int = typer.Option(0, "--seed", help="Seed of the error sample."),
    threads: int = typer.Option(1, "--threads", help="torch CPU threads."),
) -> None:
    """Smallest verified circuit with L2 error ≤ EPS: writes OUT (.aig) and OUT's .json."""
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
        search = _search(model, t, sample, model_path.name, prune, max_bits, seed)
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
def pareto(records: list, error: str = "net") -> list:
    """Records not dominated in (error, gates): sorted by error, each with fewer gates than every
    record of smaller or equal error."""
    ordered = sorted(records, key=lambda r: (r.error(error), r.gates))
    front, best = [], math.inf
    for r in ordered:
        if r.gates < best:
            front.append(r)
            best = r.gates
    return front


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


def _plot(records: list, front: list, abc_records: list, error: str, path: Path, title: str):
    from matplotlib.figure import Figure

    from occam.report.plots import _save

    fig = Figure(figsize=(5.6, 4.2), layout="constrained")
    ax = fig.subplots()
    ax.scatter(
        [r.error(error) for r in records],
        [r.gates for r in records],
        s=10,
        color="0.7",
        label="built circuits",
    )
    ax.plot(
        [r.error(error) for r in front],
        [r.gates for r in front],
        marker="o",
        color="C0",
        drawstyle="steps-post",
        label="Pareto (compiled)",
    )
    if abc_records:
        ax.scatter(
            [r.error(error) for r in abc_records],
            [r.gates for r in abc_records],
            marker="s",
            color="C3",
            label="Pareto after ABC",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"L2 error vs {error}")
    ax.set_ylabel("gates |C|")
    ax.set_title(title)
    ax.legend()
    return _save(fig, path)


def frontier_cmd(
    model_path: Path = typer.Argument(..., help="A model saved by `occam train`/`occam demo`."),
    out: Path = typer.Option(Path("occam-frontier"), "--out", help="Output folder."),
    points: int = typer.Option(8, "--points", help="Number of ε targets."),
    eps_min: float = typer.Option(None, "--eps-min", help="Smallest ε (default: net's error)."),
    eps_max: float = typer.Option(None, "--eps-max", help="Largest ε (default: spread / 2)."),
    use_abc: bool = typer.Option(False, "--abc", help="Also ABC-optimise the Pareto circuits."),
    error: str = typer.Option("net", "--error", help="net (the float network) or target."),
    prune: str = typer.Option("sensitivity", "--prune", help="sensitivity or magnitude."),
    max_bits: int = typer.Option(16, "--max-bits", help="Largest width tried."),
    budget: int = typer.Option(40, "--budget", help="Most circuits per ε."),
    n_eval: int = typer.Option(100_000, "--n-eval", help="Points the error is measured on."),
    task: str = typer.Option(None, "--task", help="Task (default: the one the model records)."),
    data: Path = typer.Option(None, "--data", help="Measure on this data file instead."),
    seed: int = typer.Option(0, "--seed", help="Seed of the error sample."),
    threads: int = typer.Option(1, "--threads", help="torch CPU threads."),
) -> None:
    """Size-versus-error frontier (SPEC 2.3): frontier.csv, Pareto circuits, frontier.png."""
    with _occam_errors():
        _set_threads(threads)
        if points < 1 or budget < 1:
            raise UsageError(f"--points/--budget: expected integers >= 1; got {points}, {budget}")
        model, t, sample = _setup(model_path, task, data, n_eval, seed)
        _check_error_kind(error, sample)
        eps_values, info = _eps_grid(sample, error, points, eps_min, eps_max)
        search = _search(model, t, sample, model_path.name, prune, max_bits, seed)
        results = search.frontier(eps_values, error=error, budget=budget)
        _write_frontier(out, search, results, eps_values, info, error, use_abc, seed, t.name)


def _write_frontier(out: Path, search, results, eps_values, info, error, use_abc, seed, name):
    from occam.compiler import RECORD_FIELDS, CircuitRecord, optimize_abc
    from occam.report.io import write_csv, write_json

    front = pareto(search.records, error)
    search.release(front)
    out.mkdir(parents=True, exist_ok=True)
    (out / "circuits").mkdir(exist_ok=True)
    abc_records, files = [], []
    for i, rec in enumerate(front):
        cc = rec.compiled
        if use_abc:
            cc = optimize_abc(cc, search.sample, seed=seed)
            abc_rec = CircuitRecord.of(cc, rec.model, rec.prune_method, rec.n_keep)
            abc_records.append(abc_rec)
        aig, _ = cc.write(out / "circuits" / f"frontier_{i:02d}.aig")
        files.append(str(aig.relative_to(out)))
    on_front = {id(r) for r in front}
    rows = [{**r.row(), "pareto": id(r) in on_front} for r in search.records]
    rows += [{**r.row(), "pareto": True} for r in abc_records]
    write_csv(out / "frontier.csv", rows, [*RECORD_FIELDS, "pareto"])
    _plot(search.records, front, abc_records, error, out / "frontier.png", f"Frontier: {name}")
    summary = {
        "model": search.name,
        "task": name,
        "error": error,
        "eps_targets": [float(e) for e in eps_values],
        "best_gates_per_eps": [r.best.gates if r.success else None for r in results],
        "circuits_built": search.n_built,
        "pareto": [{**r.row(), "file": f} for r, f in zip(front, files, strict=True)],
        "abc_pareto": [r.row() for r in abc_records],
        **info,
    }
    write_json(out / "frontier.json", summary)
    table = Table(title=f"Frontier of {search.name} ({search.n_built} circuits built)")
    for col in ("ε (L2 vs " + error + ")", "gates", "AIG ANDs", "N", "k/F_w/F_a", "file"):
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
    console.print(f"wrote {out / 'frontier.csv'}, {out / 'frontier.json'}, {out / 'frontier.png'}")


def register(app: typer.Typer) -> None:
    """Attach compile and frontier to the top-level app."""
    app.command("compile")(compile_cmd)
    app.command("frontier")(frontier_cmd)


__all__ = ["compile_cmd", "frontier_cmd", "pareto", "register"]
