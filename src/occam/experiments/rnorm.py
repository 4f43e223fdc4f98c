"""R-norm experiments on parity (SPEC 12 d; seed 004), registered as ``rnorm``.

(i)  :func:`rnorm_versus_d` — the minimum R-norm of a parity interpolant on all of {±1}^d, for the
     ridge-restricted dictionary (directions ±1/√d) and the free dictionary (ridge ∪ sign
     directions ∪ random directions), next to the two constructions' norms, with log-log fits
     of the exponents (seed 004: ridge Θ(d^{3/2}), free Θ(d)). The free minimum is computed three
     ways where possible: the LP (:func:`~occam.rnorm.lp.min_rnorm_interpolation`) for small d,
     and for every d the exact flip-symmetric value 1/max|E χσ| over the sign directions
     (:func:`~occam.rnorm.parity.sign_min_rnorm`) with the certified lower bound 1/max|E χσ| over
     the whole union (weak duality with λ = χ/2^d); the two coincide when the best unit is a
     sign unit, which makes the union minimum exact without the LP.
(ii) :func:`learning_curve` — learning χ_S with |S| = d from n uniform samples of {±1}^d by
     minimum-R-norm interpolation over the sign dictionary; population error (exact, over all
     2^d points) of the clipped interpolant versus n, against n/d² and n/d³.

:func:`run` writes JSON/CSV tables, PNG figures and a summary (atomically). Its results table
holds the rows of (i) (``part = "versus_d"``) and then of (ii) (``part = "learning"``); the
exponent fits (:func:`occam.stats.loglog_fit`) are in the summary.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from occam.experiments.registry import Progress, Results, register
from occam.report.io import write_csv, write_json
from occam.rnorm.dictionary import (
    random_dictionary,
    ridge_dictionary,
    sign_dictionary,
    union_dictionary,
)
from occam.rnorm.lp import _dual_scores, min_rnorm_interpolation
from occam.rnorm.parity import (
    averaged_parity_rnorm,
    cube,
    parity,
    ridge_min_rnorm,
    ridge_parity_rnorm,
    sign_min_rnorm,
)
from occam.stats import loglog_fit


# -- configs ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class RNormVersusDConfig:
    """Experiment (i): dimensions, largest d solved by the full LP, random directions, seed."""

    d_values: tuple[int, ...] = tuple(range(2, 13))
    lp_max_d: int = 10
    n_random: int = 8
    seed: int = 0


@dataclass(frozen=True)
class LearningConfig:
    """Experiment (ii): dimensions, sample sizes as multiples of d², trials, seed."""

    d_values: tuple[int, ...] = (4, 5, 6, 7, 8)
    n_over_d2: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
    trials: int = 3
    seed: int = 0


@dataclass(frozen=True)
class RNormExperimentConfig:
    """Both experiments: (i) ``versus_d`` and (ii) ``learning``."""

    versus_d: RNormVersusDConfig = field(default_factory=RNormVersusDConfig)
    learning: LearningConfig = field(default_factory=LearningConfig)

    @classmethod
    def quick(cls) -> RNormExperimentConfig:
        """Sizes that finish in seconds."""
        return cls(
            RNormVersusDConfig(d_values=tuple(range(2, 8)), lp_max_d=5, n_random=4),
            LearningConfig(d_values=(3, 4, 5), n_over_d2=(0.5, 1.0, 2.0, 4.0), trials=1),
        )


# -- (i) minimum R-norm versus d --------------------------------------------------------------
def union_lower_bound(d: int, n_random: int, seed: int) -> tuple[float, float]:
    """(1/max|E χσ| over ridge ∪ sign ∪ random units, 1/max over the random units alone).

    Weak duality with λ = χ/2^d (Σλ = 0): every interpolant has ‖u‖₁ ≥ 1/max_i |E χ σ_i|.
    """
    X = cube(d)
    lam = parity(X) / X.shape[0]
    dic = union_dictionary(ridge_dictionary(d), sign_dictionary(d))
    Z = dic.projections(X)
    best_sign = _dual_scores(Z, dic.kinks(Z), lam)
    best_rand = 0.0
    if n_random > 0:
        rnd = random_dictionary(d, n_random, seed)
        Zr = rnd.projections(X)
        best_rand = _dual_scores(Zr, rnd.kinks(Zr), lam)
    best = max(best_sign, best_rand)
    return 1.0 / best, (math.inf if best_rand == 0 else 1.0 / best_rand)


def rnorm_versus_d(
    config: RNormVersusDConfig, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """Rows per d: LP minima (ridge; union when d ≤ lp_max_d), exact references, constructions."""
    rows = []
    for d in config.d_values:
        X = cube(d)
        y = parity(X)
        ridge = min_rnorm_interpolation(X, y, ridge_dictionary(d)).require_optimal()
        row: dict[str, Any] = {
            "d": d,
            "ridge_lp": ridge.fun,
            "ridge_exact": ridge_min_rnorm(d),
            "ridge_construction": ridge_parity_rnorm(d),
            "averaged_construction": averaged_parity_rnorm(d),
            "sign_exact": sign_min_rnorm(d),
        }
        lower, random_only = union_lower_bound(d, config.n_random, config.seed)
        row["union_lower_bound"] = lower
        row["random_only_lower_bound"] = random_only
        if d <= config.lp_max_d:
            dic = union_dictionary(
                ridge_dictionary(d),
                sign_dictionary(d),
                random_dictionary(d, config.n_random, config.seed),
            )
            res = min_rnorm_interpolation(X, y, dic).require_optimal()
            row["union_lp"] = res.fun
            row["union_lp_certificate"] = res.lower_bound
            row["union_lp_seconds"] = res.solve_time
            row["union_lp_units"] = res.n_neurons
        else:
            row["union_lp"] = math.nan
            row["union_lp_certificate"] = math.nan
            row["union_lp_seconds"] = math.nan
            row["union_lp_units"] = 0
        # the union minimum is exact when the certified lower bound meets the sign value
        row["union_exact"] = (
            row["sign_exact"] if abs(lower - row["sign_exact"]) <= 1e-9 * lower else math.nan
        )
        row["free_min"] = row["union_lp"] if not math.isnan(row["union_lp"]) else row["union_exact"]
        rows.append(row)
        if progress is not None:
            progress.log(f"d={d}: ridge {row['ridge_lp']:.4g}, free {row['free_min']:.4g}")
    return rows


def exponent_fits(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Exponent fits (:meth:`occam.stats.LogLogFit.as_dict`: ``slope`` is the exponent) over all
    d and over the upper half of the d range, per series."""
    d = np.array([r["d"] for r in rows], dtype=np.float64)
    out = {}
    half = d >= np.median(d)
    for key in ("ridge_lp", "free_min", "ridge_construction", "averaged_construction"):
        vals = np.array([r[key] for r in rows], dtype=np.float64)
        if np.sum(np.isfinite(vals)) >= 3:
            out[key] = loglog_fit(d, vals).as_dict()
        if np.sum(np.isfinite(vals[half])) >= 3:
            out[key + "_upper_half"] = loglog_fit(d[half], vals[half]).as_dict()
    return out


# -- (ii) learning χ_S from samples -------------------------------------------------------------
def learning_curve(
    config: LearningConfig, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """Rows (d, n, trial): min-R-norm interpolant of n uniform samples of (x, χ(x)), x ∈ {±1}^d.

    Errors are exact population quantities over all 2^d points: ``mse`` of the clipped output
    clip(g, −1, 1) against χ, and ``error_rate`` = P(sign g ≠ χ).
    """
    rows = []
    rng = np.random.default_rng(config.seed)
    for d in config.d_values:
        Xall = cube(d)
        chi = parity(Xall)
        dic = sign_dictionary(d)
        n_values = sorted({max(2, round(r * d * d)) for r in config.n_over_d2})
        for n in n_values:
            for trial in range(config.trials):
                idx = rng.integers(0, Xall.shape[0], size=n)
                res = min_rnorm_interpolation(Xall[idx], chi[idx], dic).require_optimal()
                g = res.net(Xall)
                mse = float(np.mean((np.clip(g, -1.0, 1.0) - chi) ** 2))
                err = float(np.mean(np.sign(g) != chi))
                rows.append(
                    {
                        "d": d,
                        "n": n,
                        "trial": trial,
                        "n_over_d2": n / d**2,
                        "n_over_d3": n / d**3,
                        "n_distinct": int(np.unique(idx).size),
                        "rnorm": res.fun,
                        "mse": mse,
                        "error_rate": err,
                    }
                )
            if progress is not None:
                last = [r for r in rows if r["d"] == d and r["n"] == n]
                progress.log(f"d={d} n={n}: mse {np.mean([r['mse'] for r in last]):.3f}")
    return rows


# -- output -----------------------------------------------------------------------------------
def plot_versus_d(rows: list[dict[str, Any]], path: Path) -> Path:
    """PNG: the R-norm of each series against d, log-log."""
    from matplotlib.figure import Figure

    from occam.report.plots import save_figure

    d = [r["d"] for r in rows]
    fig = Figure(figsize=(6, 4.2))
    ax = fig.subplots()
    series = [
        ("ridge_lp", "ridge dictionary (LP)", "o-"),
        ("ridge_construction", "ridge sawtooth construction", "--"),
        ("free_min", "free dictionary (LP / exact)", "s-"),
        ("averaged_construction", "averaged construction", ":"),
    ]
    for key, label, style in series:
        ax.plot(d, [r[key] for r in rows], style, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("d")
    ax.set_ylabel("R-norm of the parity interpolant")
    ax.set_title("Minimum R-norm interpolation of parity on {±1}^d")
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def plot_learning(rows: list[dict[str, Any]], path: Path) -> Path:
    """PNG: population MSE against n, n/d² and n/d³, one line per d."""
    from matplotlib.figure import Figure

    from occam.report.plots import save_figure

    fig = Figure(figsize=(13, 4))
    axes = fig.subplots(1, 3)
    for d in sorted({r["d"] for r in rows}):
        sub = [r for r in rows if r["d"] == d]
        ns = sorted({r["n"] for r in sub})
        mse = [np.mean([r["mse"] for r in sub if r["n"] == n]) for n in ns]
        for ax, scale, name in zip(axes, (1, d**2, d**3), ("n", "n / d²", "n / d³"), strict=True):
            ax.plot(np.array(ns) / scale, mse, "o-", label=f"d={d}")
            ax.set_xscale("log")
            ax.set_xlabel(name)
    axes[0].set_ylabel("population MSE of clip(g)")
    axes[0].legend(fontsize=8)
    fig.suptitle("Learning χ on {±1}^d by minimum R-norm interpolation")
    return save_figure(fig, path)


@register(
    "rnorm",
    config=RNormExperimentConfig,
    quick=RNormExperimentConfig.quick,
    description="Two-layer R-norm and parity: min R-norm vs d, learning χ_S by interpolation",
    spec="12",
    timing_columns=("union_lp_seconds",),
)
def run(config: RNormExperimentConfig, out: Path, progress: Progress) -> Results:
    """Run (i) and (ii), write ``rnorm_vs_d.{json,csv,png}``, ``learning.{json,csv,png}`` and
    ``summary.json`` (config, fits, verdict, both row tables) into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    vs_d = rnorm_versus_d(config.versus_d, progress)
    fits = exponent_fits(vs_d)
    below = all(
        r["free_min"] <= r["averaged_construction"] * (1 + 1e-9)
        for r in vs_d
        if math.isfinite(r["free_min"])
    )
    files["rnorm_vs_d_json"] = write_json(out / "rnorm_vs_d.json", vs_d)
    files["rnorm_vs_d_csv"] = write_csv(out / "rnorm_vs_d.csv", vs_d)
    files["rnorm_vs_d_png"] = plot_versus_d(vs_d, out / "rnorm_vs_d.png")
    learn = learning_curve(config.learning, progress)
    files["learning_json"] = write_json(out / "learning.json", learn)
    files["learning_csv"] = write_csv(out / "learning.csv", learn)
    files["learning_png"] = plot_learning(learn, out / "learning.png")
    summary = {"config": asdict(config), "fits": fits, "free_below_averaged_for_all_d": below}
    files["summary"] = write_json(
        out / "summary.json", {**summary, "rnorm_vs_d": vs_d, "learning": learn}
    )
    rows = [{"part": "versus_d", **r} for r in vs_d] + [{"part": "learning", **r} for r in learn]
    return Results(rows=rows, summary=summary, files=files)


__all__ = [
    "LearningConfig",
    "RNormExperimentConfig",
    "RNormVersusDConfig",
    "exponent_fits",
    "learning_curve",
    "rnorm_versus_d",
    "run",
    "union_lower_bound",
]
