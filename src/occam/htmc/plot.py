"""Log-log plot of frontiers (SPEC 2.3): gates against ε, the Pareto staircase C̄ and the fitted
rate line s = (ĉ/ε)^γ̂ of SPEC 2.4 ii, several frontiers (a method and its baselines) in one figure.

matplotlib is imported inside the function (Agg canvas, no global backend switch), so
``import occam.htmc`` stays light.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from occam._atomic import atomic_write_bytes
from occam.htmc.estimates import fit_rate
from occam.htmc.frontier import Frontier, FrontierError

__all__ = ["plot_frontiers"]


def plot_frontiers(
    frontiers: Mapping[str, Frontier],
    path: str | Path,
    *,
    title: str = "Circuit size against error",
    fit: bool = True,
    show_dominated: bool = True,
) -> Path:
    """Write a PNG: for each labelled frontier its points (dominated ones faint), the staircase
    C̄(ε) through its Pareto points (up to where C̄ drops to 0), a dotted vertical line at the
    constant's error, and (with ``fit``) the fitted line (ĉ/ε)^γ̂ labelled with γ̂ when at least
    two Pareto points allow it. Zero-gate points cannot sit on a log axis and are left out.
    Returns the path (written atomically)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not frontiers:
        raise FrontierError("plot_frontiers: expected at least one frontier")
    fig = Figure(figsize=(6.0, 4.5), layout="constrained")
    ax = fig.subplots()
    for i, (label, fr) in enumerate(frontiers.items()):
        if not isinstance(fr, Frontier):
            raise FrontierError(f"plot_frontiers: {label!r} is not a Frontier")
        _draw_frontier(ax, label, fr, f"C{i % 10}", fit=fit, show_dominated=show_dominated)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("error ε")
    ax.set_ylabel("gates |C|")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return atomic_write_bytes(path, buf.getvalue())


def _draw_frontier(
    ax, label: str, fr: Frontier, color: str, *, fit: bool, show_dominated: bool
) -> None:
    """One frontier of :func:`plot_frontiers` on ``ax``: dominated points (faint), the staircase
    C̄(ε) through the Pareto points, the constant's error and the fitted rate line."""
    front = [p for p in fr.pareto() if p.gates > 0 and p.error > 0]
    if show_dominated:
        mask = fr.pareto_mask()
        others = [
            p
            for p, on in zip(fr.points, mask, strict=True)
            if p.gates > 0 and p.error > 0 and not on
        ]
        if others:
            ax.scatter(
                [p.error for p in others],
                [p.gates for p in others],
                s=10,
                color=color,
                alpha=0.25,
            )
    if front:
        e = np.array([p.error for p in front])
        s = np.array([p.gates for p in front], dtype=np.float64)
        # C̄ drops to 0 at the first 0-gate circuit or at the constant's error
        zero = [p.error for p in fr.pareto() if p.gates == 0]
        if fr.constant_error is not None:
            zero.append(fr.constant_error)
        right = min(zero) if zero else e[-1] * 1.5
        ax.step(
            np.append(e, max(right, e[-1])),
            np.append(s, s[-1]),
            where="post",
            color=color,
            label=f"{label} ({fr.norm})",
        )
        ax.scatter(e, s, s=18, color=color)
    if fr.constant_error is not None and fr.constant_error > 0:
        ax.axvline(fr.constant_error, color=color, linestyle=":", linewidth=1)
    if fit and len(front) >= 2:
        rate = fit_rate(fr)
        if math.isfinite(rate.gamma):
            grid = np.geomspace(min(p.error for p in front), max(p.error for p in front), 50)
            ax.plot(
                grid,
                rate.predict(grid),
                color=color,
                linestyle="--",
                linewidth=1,
                label=f"fit γ̂={rate.gamma:.2f}",
            )
