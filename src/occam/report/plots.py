"""Report figures as PNG, drawn with matplotlib's Agg canvas (no GUI, no global backend switch).

- :func:`plot_training`: training curves (loss, test error, penalty against the step, log y axis)
  for one or several runs.
- :func:`plot_pruning`: pruning error against the number N of kept parameters on log-log axes, the
  measured mean ± std (and median) over trials, the first-order prediction
  sqrt(Σ_p (1/p_p − 1) θ_p² ‖∂_p f‖²) and the line R̃/√N (SPEC 6; Jacot Sec. 2.2).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from occam.report.io import atomic_write_bytes

TRAINING_KEYS = ("loss", "test_error", "penalty")
TRAINING_TITLES = {
    "loss": "training loss",
    "test_error": "test error",
    "penalty": "penalty (each run's own measure)",
}


def save_figure(fig: Figure, path: str | Path) -> Path:
    """A matplotlib figure as PNG (110 dpi, tight box), written atomically (every occam figure)."""
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return atomic_write_bytes(path, buf.getvalue())


def _positive(values: Sequence[Any]) -> np.ndarray:
    arr = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    arr[~(arr > 0)] = np.nan  # log axes: drop zeros, negatives and missing values
    return arr


def plot_training(
    histories: Mapping[str, Sequence[Mapping[str, Any]]],
    path: str | Path,
    keys: Sequence[str] = TRAINING_KEYS,
    title: str = "Training curves",
) -> Path:
    """One panel per key in ``keys`` (e.g. loss, test_error, penalty), one line per run, log y."""
    if not histories:
        raise ValueError("histories: expected at least one run")
    fig = Figure(figsize=(4.0 * len(keys), 3.6), layout="constrained")
    axes = fig.subplots(1, len(keys), squeeze=False)[0]
    for ax, key in zip(axes, keys, strict=True):
        for label, rows in histories.items():
            steps = [row["step"] for row in rows if key in row]
            values = _positive([row[key] for row in rows if key in row])
            if np.isfinite(values).any():
                ax.plot(steps, values, marker=".", label=label)
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_title(TRAINING_TITLES.get(key, key))
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(title)
    return save_figure(fig, path)


def plot_pruning(
    curves: Mapping[str, Any],
    path: str | Path,
    title: str = "Pruning error versus kept parameters",
) -> Path:
    """Log-log error against N: measured mean ± std (error bars), the first-order prediction and
    R̃/√N, for each :class:`occam.prune.PruneCurve` in ``curves`` (label -> curve)."""
    if not curves:
        raise ValueError("curves: expected at least one pruning curve")
    fig = Figure(figsize=(6.4, 4.6), layout="constrained")
    ax = fig.subplots()
    for i, (label, curve) in enumerate(curves.items()):
        color = f"C{i}"
        n = curve.column("n_keep")
        mean, std = curve.column("mean_error"), curve.column("std_error")
        lower = np.minimum(std, mean * 0.999)  # keep the bar above 0 on a log axis
        ax.errorbar(
            n,
            _positive(mean),
            yerr=[lower, std],
            fmt="o-",
            color=color,
            capsize=3,
            label=f"{label}: measured mean ± std",
        )
        ax.plot(
            n,
            _positive(curve.column("median_error")),
            "x",
            color=color,
            markersize=7,
            label=f"{label}: measured median",
        )
        ax.plot(
            n,
            _positive(curve.column("predicted_first_order")),
            "s--",
            color=color,
            alpha=0.8,
            label=f"{label}: first-order prediction",
        )
        ax.plot(
            n,
            _positive(curve.column("rtilde_over_sqrt_n")),
            ":",
            color=color,
            label=f"{label}: R̃/√N (R̃ = {curve.rtilde:.3g})",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N (kept parameters)")
    ax.set_ylabel("L² error against the unpruned net")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title(title)
    return save_figure(fig, path)
