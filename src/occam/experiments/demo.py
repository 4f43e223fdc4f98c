"""The demo experiment behind ``occam demo`` (issue 2 item 7, SPEC 14), registered as ``demo``.

On the built-in 2-D task (``smooth2d`` by default) it

1. trains an Occam-regularised ResNet (penalty R̃ = ``ideal`` with Adam by default, or proximal
   gradient with ``occam_optimizer="prox"``; SPEC 5)
   and a weight-decay one (penalty ℓ2, Adam) from the same initialisation and data;
2. tabulates for both the test error, R̃, R for each engine, ℓ1, ℓ2, path-norm and nonzeros;
3. runs importance pruning (SPEC 6) on both, with mean ± std over trials, the first-order
   prediction and R̃/√N;
4. writes into the output folder: ``report.md`` and ``report.html``, ``training.png``,
   ``pruning.png``, ``results.json``, ``summary.csv``, ``prune_<run>.csv``/``.json``,
   ``history_<run>.json`` and the models ``model_<run>.pt`` (``occam.train.save_model``).

The results table has one row per net (``run`` plus the columns of
:func:`occam.report.summary.complexity_summary`). Training checkpoints (``checkpoint_<run>.pt``)
make an interrupted demo resume where it stopped.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from occam.experiments.registry import Progress, Results, register
from occam.report.document import Report
from occam.report.io import write_csv, write_json


@dataclass(frozen=True)
class DemoConfig:
    """Sizes of the demo. ``DemoConfig.quick()`` is the --quick variant (seconds, for tests)."""

    task: str = "smooth2d"
    n_train: int = 1024
    n_test: int = 1024
    width: int = 16
    hidden: int = 16
    depth: int = 3
    steps: int = 2000
    batch_size: int = 128
    lr: float = 1e-2
    lr_schedule: str = "cosine"
    occam_penalty: str = "ideal"
    occam_optimizer: str = "adam"
    occam_lam: float = 1e-3
    l2_lam: float = 1e-4
    prune_sample: int = 512
    prune_points: int = 8
    prune_trials: int = 20
    compress_tolerance: float = 1.1
    seed: int = 0

    @classmethod
    def quick(cls, **overrides: Any) -> DemoConfig:
        base = cls(
            n_train=256,
            n_test=256,
            width=8,
            hidden=8,
            depth=2,
            steps=150,
            batch_size=64,
            prune_sample=128,
            prune_points=4,
            prune_trials=5,
        )
        return replace(base, **overrides)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def train_config(self, run: str) -> Any:
        """The :class:`occam.train.TrainConfig` of net ``run`` ("occam" or "l2")."""
        from occam.train import TrainConfig

        common = {
            "width": self.width,
            "hidden": self.hidden,
            "depth": self.depth,
            "lr": self.lr,
            "lr_schedule": self.lr_schedule,
            "steps": self.steps,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "dtype": "float64",
            "log_every": max(1, self.steps // 30),
        }
        if run == "occam":
            return TrainConfig(
                penalty=self.occam_penalty,
                optimizer=self.occam_optimizer,
                lam=self.occam_lam,
                **common,
            )
        if run == "l2":
            return TrainConfig(penalty="l2", optimizer="adam", lam=self.l2_lam, **common)
        raise ValueError(f"run: expected 'occam' or 'l2', got {run!r}")


RUNS = {"occam": "Occam (R̃ penalty)", "l2": "weight decay (ℓ2)"}
LABELS = {
    **RUNS,
    "occam_pruned": "Occam, pruned",
    "l2_pruned": "weight decay, pruned",
}


def compress(model, x, y, tolerance: float) -> tuple[int, Any]:
    """An N found by bisection over 0..P such that deterministic sensitivity pruning to N entries
    keeps the training error within ``tolerance`` × the unpruned one, while N − 1 does not (the
    smallest such N when the error is monotone in N; the kept sets are nested). Returns
    (N, pruned model); the returned net always satisfies the tolerance.
    """
    from occam.prune import sensitivity_prune
    from occam.train import error

    limit = tolerance * error(model, x, y)
    lo, hi = 0, model.n_parameters  # error(hi) <= limit always (nothing pruned)
    best = model
    while hi - lo > 1:
        mid = (lo + hi) // 2
        candidate = sensitivity_prune(model, x, mid)
        if error(candidate, x, y) <= limit:
            hi, best = mid, candidate
        else:
            lo = mid
    if best is model:
        best = sensitivity_prune(model, x, hi)
    return hi, best


def _prune_values(n_parameters: int, points: int) -> list[int]:
    """A geometric grid of N between 5% and 80% of the parameters."""
    import numpy as np

    grid = np.geomspace(0.05, 0.8, points) * n_parameters
    return sorted({max(1, round(v)) for v in grid})


def _train_nets(config: DemoConfig, task: Any, data: tuple, out: Path, progress: Progress):
    """Train the Occam and the weight-decay net; save models and histories; return
    (models, histories, model metadata)."""
    from occam.train import save_model, train

    x_tr, y_tr, x_te, y_te = data
    models, histories, metas = {}, {}, {}
    for run in RUNS:
        cfg = config.train_config(run)
        progress.log(
            f"training the {RUNS[run]} net: {cfg.steps} steps, penalty {cfg.penalty}, "
            f"λ = {cfg.lam:g}, optimizer {cfg.optimizer}"
        )
        result = train(
            x_tr,
            y_tr,
            cfg,
            x_test=x_te,
            y_test=y_te,
            progress=progress.bars,
            checkpoint=out / f"checkpoint_{run}.pt",
        )
        models[run], histories[run] = result.model, result.history
        metas[run] = {
            "task": config.task,
            "task_params": {},
            "n_train": config.n_train,
            "n_test": config.n_test,
            "seed": config.seed,
            "config": cfg.to_dict(),
        }
        save_model(out / f"model_{run}.pt", result.model, metas[run])
        write_json(out / f"history_{run}.json", result.history)
    return models, histories, metas


def _prune_nets(config: DemoConfig, models: dict, x_test: Any, y_te: Any, out: Path, progress):
    """Importance-pruning curves of every net (SPEC 6), written as prune_<run>.json / .csv."""
    from occam.prune import prune_curve

    curves = {}
    for run, model in models.items():
        n_values = _prune_values(model.n_parameters, config.prune_points)
        progress.log(
            f"importance pruning of the {RUNS[run]} net: N in {n_values}, "
            f"{config.prune_trials} trials each"
        )
        curve = prune_curve(
            model,
            x_test[: config.prune_sample],
            y_te[: config.prune_sample],
            n_values=n_values,
            trials=config.prune_trials,
            seed=config.seed,
        )
        curves[run] = curve
        write_json(out / f"prune_{run}.json", curve.to_dict())
        write_csv(out / f"prune_{run}.csv", curve.rows(), curve.FIELDS)
    return curves


@register(
    "demo",
    config=DemoConfig,
    quick=DemoConfig.quick,
    description="Occam vs weight-decay ResNet on a built-in task: complexity, pruning, report",
    spec="5, 6, 14",
)
def run(config: DemoConfig, out_dir: Path, progress: Progress) -> Results:
    """Run the demo pipeline (module docstring), write every output into ``out_dir``.

    Returns the table (one row per net: ``run`` and the complexity summary columns), the summary
    (``config``, ``task``, ``summary`` run -> row, ``prune`` run -> PruneCurve dict,
    ``wall_seconds``; the content of ``results.json``) and the files.
    """
    import torch

    from occam.report.plots import plot_pruning, plot_training
    from occam.report.summary import SUMMARY_COLUMNS, complexity_summary
    from occam.tasks import get_task
    from occam.train import save_model

    start = time.perf_counter()
    out = Path(out_dir).resolve()  # figure paths in the report resolve from any folder
    out.mkdir(parents=True, exist_ok=True)
    task = get_task(config.task)
    data = task.train_test(config.n_train, config.n_test, seed=config.seed)
    x_tr, y_tr, x_te, y_te = data
    x_test = torch.as_tensor(x_te, dtype=torch.float64)
    models, histories, metas = _train_nets(config, task, data, out, progress)
    summary = {run: complexity_summary(m, x_test, y_te, task.domain) for run, m in models.items()}
    curves = _prune_nets(config, models, x_test, y_te, out, progress)
    for run, model in list(models.items()):
        n, pruned = compress(model, x_tr, y_tr, config.compress_tolerance)
        progress.log(
            f"sensitivity pruning of the {RUNS[run]} net: {n} of {model.n_parameters} kept"
        )
        summary[f"{run}_pruned"] = complexity_summary(pruned, x_test, y_te, task.domain)
        save_model(out / f"model_{run}_pruned.pt", pruned, {**metas[run], "pruned_from": run})

    files = {
        "training": plot_training(
            {RUNS[r]: h for r, h in histories.items()},
            out / "training.png",
            title=f"Training on {config.task}",
        ),
        "pruning": plot_pruning(
            {RUNS[r]: c for r, c in curves.items()},
            out / "pruning.png",
            title=f"Importance pruning on {config.task}",
        ),
    }
    rows = [{"run": run, **row} for run, row in summary.items()]
    files["summary"] = write_csv(out / "summary.csv", rows, ["run", *SUMMARY_COLUMNS])
    wall = time.perf_counter() - start
    results = {
        "config": config.to_dict(),
        "task": {"name": task.name, "description": task.description},
        "summary": summary,
        "prune": {run: c.to_dict() for run, c in curves.items()},
        "wall_seconds": wall,
    }
    files["results"] = write_json(out / "results.json", results)
    report = build_report(config, task.description, summary, curves, files, wall)
    files.update(report.write(out))
    return Results(rows=rows, summary=results, files=files)


def summary_rows(summary: dict[str, dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """(headers, rows) of the comparison table, one row per run."""
    from occam.report.summary import COLUMN_TITLES, SUMMARY_COLUMNS

    headers = ["run", *(COLUMN_TITLES[c] for c in SUMMARY_COLUMNS)]
    rows = [
        [LABELS.get(run, run), *(row[c] for c in SUMMARY_COLUMNS)] for run, row in summary.items()
    ]
    return headers, rows


def build_report(
    config: DemoConfig,
    description: str,
    summary: dict[str, dict[str, Any]],
    curves: dict[str, Any],
    files: dict[str, Path],
    wall: float,
) -> Report:
    """The demo's Markdown/HTML report."""
    report = Report(f"occam demo: {config.task}")
    report.paragraph(
        f"Task: {description}. {config.n_train} training and {config.n_test} test points; "
        f"ResNet width {config.width}, hidden {config.hidden}, depth {config.depth}; "
        f"{config.steps} steps, batch {config.batch_size}, seed {config.seed}. "
        f"Occam net: penalty {config.occam_penalty}, optimizer {config.occam_optimizer}, "
        f"λ = {config.occam_lam:g}. Weight-decay net: ℓ2 penalty, Adam, λ = {config.l2_lam:g}. "
        f"Wall time {wall:.1f} s."
    )
    report.heading("Error and complexity")
    report.paragraph(
        "Test error is the RMS error on the test sample. R̃ (SPEC 4.2) and R emp. are computed on "
        "the test sample; R interval and R global are certified over the domain (SPEC 4.3). "
        "ℓ1, ℓ2 and the path-norm are the baselines of SPEC 4.4. The 'pruned' rows keep the "
        "entries of largest |θ|·‖∂f/∂θ‖ (deterministic sensitivity pruning, SPEC 6), as few as "
        f"bisection finds with training error within {config.compress_tolerance:g}× the "
        "unpruned net's; their nonzeros show how far each net compresses."
    )
    report.table(*summary_rows(summary))
    report.heading("Training curves")
    report.figure(files["training"], "Loss, test error and penalty against the step")
    report.heading("Importance pruning")
    report.paragraph(
        "Each parameter is kept with probability p = min(1, c·|θ|·‖∂f/∂θ‖) (expected count N) and "
        "rescaled by 1/p. The error is the L² distance to the unpruned net on "
        f"{config.prune_sample} test points, mean ± std over {config.prune_trials} trials. "
        "The first-order prediction is sqrt(Σ_p (1/p_p − 1) a_p²) with a_p = |θ_p|·‖∂f/∂θ_p‖; "
        "when no probability is clipped at 1 it equals sqrt(R̃²/N − Σ_p a_p²), and it is always "
        "below R̃/√N, which is the first-order error of the Poisson sampler (λ_p = N a_p/R̃). "
        "A measured/first-order ratio far above 1 means that "
        "higher-order effects dominate at that N, typically from perturbed input weights V "
        "that move pre-activations across the ReLU kink (for instance switching on units that "
        "were inactive on the sample), which the first-order expansion cannot see."
    )
    report.figure(files["pruning"], "Pruning error against the number of kept parameters")
    for run, curve in curves.items():
        report.heading(f"{RUNS.get(run, run)}: pruning curve", level=3)
        report.table(*curve.summary_table(with_ratio=True))
    report.heading("Files")
    report.paragraph(
        "results.json (everything above), summary.csv, prune_<run>.csv / .json, "
        "history_<run>.json, model_<run>.pt (load with occam.train.load_model)."
    )
    return report
