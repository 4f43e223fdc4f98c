"""The Tetrakis experiment behind ``occam tetrakis`` (SPEC 9, 14; issue 5 item 5), registered as
``tetrakis``.

Part (i), "picture": the 2-D Tetrakis triangulation (SPEC 9.1) on a few cells, and the Tetrakis
function T_C (SPEC 9.3) of a small random circuit on [0, 1]² as a heatmap with contour lines and the
level-K triangulation drawn over it.

Part (ii), "resnet": the certified complexity R(θ) (SPEC 4.3, engines "interval" and "global") of
the ResNet that computes T_C exactly (SPEC 9.4, :func:`occam.tetrakis.resnet_for_circuit_report`)
for random circuits, in three sweeps: against |C| (d, K fixed), against K (d, n_gates fixed) and
against d (K, n_gates fixed). For each sweep and engine a least-squares line
log R = b·log X + a is fitted over all runs (X = |C|, K or d), reported as the exponent b with its
standard error and R² (:func:`occam.stats.loglog_fit`); for K the growth factor per level, exp of
the slope of log R against K, is reported too. The results table has one row per network.

Outputs (into ``out_dir``): ``tetrakis_triangulation.png``, ``tetrakis_function.png``,
``tetrakis_resnet_R.png``, ``results.json`` (config, rows, fits), ``results.csv`` (rows),
``report.md`` and ``report.html``. Rows already in ``results.json`` from an earlier run with the
same config are reused (resume).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from occam.experiments.registry import Progress, Results, register
from occam.report.document import Report
from occam.report.io import write_csv, write_json
from occam.stats import loglog_fit
from occam.tetrakis.function import Decoder, TetrakisFunction, random_circuit
from occam.tetrakis.grid import locate

__all__ = [
    "TetrakisExperimentConfig",
    "fits_for",
    "plot_function",
    "plot_resnet_sweeps",
    "plot_triangulation",
    "resnet_rows",
    "run",
    "triangles_2d",
]

PARTS = ("picture", "resnet")


@dataclass(frozen=True)
class TetrakisExperimentConfig:
    """Sizes of the Tetrakis experiment; :meth:`quick` gives the `--quick` sizes."""

    seed: int = 0
    parts: tuple[str, ...] = PARTS
    engines: tuple[str, ...] = ("interval", "global")
    # picture
    picture_cells: int = 4  # the triangulation picture shows [0, cells]^2
    picture_K: int = 3
    picture_gates: int = 30
    picture_resolution: int = 301
    # resnet sweeps
    n_outputs: int = 2
    circuits_per_point: int = 3
    gates: tuple[int, ...] = (5, 10, 20, 40, 80, 160)
    sweep_d: int = 2
    sweep_K: int = 2
    Ks: tuple[int, ...] = (1, 2, 3, 4, 5)
    ds: tuple[int, ...] = (1, 2, 3, 4)
    sweep_gates: int = 20

    def __post_init__(self) -> None:
        unknown = set(self.parts) - set(PARTS)
        if unknown or not self.parts:
            raise ValueError(f"parts: expected a non-empty subset of {PARTS}, got {self.parts!r}")
        for name in ("gates", "Ks", "ds", "engines", "parts"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if min(self.Ks) < 1 or min(self.ds) < 1 or min(self.gates) < 1:
            raise ValueError("Ks, ds and gates must be positive")
        if self.circuits_per_point < 1:
            raise ValueError(f"circuits_per_point: expected ≥ 1, got {self.circuits_per_point}")

    @classmethod
    def quick(cls, **overrides: Any) -> TetrakisExperimentConfig:
        """Sizes that finish in well under a minute on one core."""
        base = dict(
            circuits_per_point=2,
            gates=(5, 10, 20, 40),
            Ks=(1, 2, 3),
            ds=(1, 2, 3),
            sweep_gates=10,
            picture_resolution=161,
        )
        base.update(overrides)
        return cls(**base)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


# ------------------------------------------------------------------------------ part (i)


def triangles_2d(cells: int) -> np.ndarray:
    """The Tetrakis triangles (SPEC 9.1) covering [0, cells]², int (n_tri, 3, 2), found by locating
    four interior probe points per unit cell (one in each of the cell's quarter triangles)."""
    if cells < 1:
        raise ValueError(f"cells: expected ≥ 1, got {cells}")
    probes = np.array([[0.5, 0.2], [0.8, 0.5], [0.5, 0.8], [0.2, 0.5]])
    corners = np.indices((cells, cells)).reshape(2, -1).T.astype(np.float64)
    pts = (corners[:, None, :] + probes[None, :, :]).reshape(-1, 2)
    v, w = locate(pts)
    tris = set()
    for k in range(pts.shape[0]):
        verts = tuple(sorted(tuple(int(c) for c in v[k, j]) for j in range(3) if w[k, j] > 0))
        if len(verts) == 3:
            tris.add(verts)
    return np.array(sorted(tris), dtype=np.int64)


def plot_triangulation(path: str | Path, cells: int = 4) -> Path:
    """PNG of the Tetrakis triangulation of [0, cells]², even grid points (the mirror centres)
    marked."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon

    from occam.report.plots import save_figure

    tris = triangles_2d(cells)
    fig = Figure(figsize=(5, 5))
    ax = fig.add_subplot(1, 1, 1)
    for k, tri in enumerate(tris):
        ax.add_patch(
            Polygon(
                tri,
                closed=True,
                facecolor=("#dbe9f6" if k % 2 else "#f6e7db"),
                edgecolor="#333333",
                linewidth=0.8,
            )
        )
    g = np.indices((cells + 1, cells + 1)).reshape(2, -1).T
    even = np.all(g % 2 == 0, axis=1)
    ax.scatter(g[even, 0], g[even, 1], s=30, c="#c0392b", zorder=3, label="all coordinates even")
    ax.scatter(g[~even, 0], g[~even, 1], s=12, c="#333333", zorder=3, label="other grid points")
    ax.set_xlim(-0.1, cells + 0.1)
    ax.set_ylim(-0.1, cells + 0.1)
    ax.set_aspect("equal")
    ax.set_title(f"Tetrakis triangulation of [0,{cells}]² ({len(tris)} triangles)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=2, fontsize=8)
    return save_figure(fig, Path(path))


def plot_function(path: str | Path, T: TetrakisFunction, resolution: int = 301) -> Path:
    """PNG of a 2-D Tetrakis function: heatmap, contour lines, the level-K triangulation and the
    grid values dec(C(v))."""
    from matplotlib.figure import Figure

    from occam.report.plots import save_figure

    if T.d != 2:
        raise ValueError(f"plot_function: needs d = 2, got d = {T.d}")
    lo, hi = T.domain.low, T.domain.high
    xs = np.linspace(lo[0], hi[0], resolution)
    ys = np.linspace(lo[1], hi[1], resolution)
    X, Y = np.meshgrid(xs, ys)
    Z = T(np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)
    fig = Figure(figsize=(6.2, 5))
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(
        Z, origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]), cmap="viridis", aspect="auto"
    )
    ax.contour(X, Y, Z, levels=10, colors="white", linewidths=0.6, alpha=0.8)
    n = 2**T.K
    h = T.domain.rho / n
    for tri in triangles_2d(n):
        p = lo + h * np.vstack([tri, tri[:1]])
        ax.plot(p[:, 0], p[:, 1], color="black", linewidth=0.3, alpha=0.5)
    fig.colorbar(im, ax=ax, label="T_C(x)")
    ax.set_title(f"Tetrakis function of a random circuit (|C| = {T.circuit.size}, K = {T.K})")
    ax.set_xlabel("x_0")
    ax.set_ylabel("x_1")
    return save_figure(fig, Path(path))


# ------------------------------------------------------------------------------ part (ii)


def _row_key(row: dict[str, Any]) -> tuple:
    return (row["sweep"], row["d"], row["K"], row["n_gates"], row["seed"])


def _stable_seed(spec: dict[str, Any], base: int) -> int:
    """A seed that depends only on the spec and the base seed (Python's hash() of str is salted)."""
    text = f"{spec['sweep']}:{spec['d']}:{spec['K']}:{spec['n_gates']}:{spec['rep']}:{base}"
    return int.from_bytes(text.encode(), "little") % (2**31 - 1)


def resnet_rows(
    cfg: TetrakisExperimentConfig,
    previous: Sequence[dict[str, Any]] = (),
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """One row per (sweep, d, K, n_gates, repetition): |C| and the report of
    :func:`occam.tetrakis.resnet_for_circuit_report` (width, depth, nonzeros, R per engine)."""
    from occam.tetrakis.resnet import resnet_for_circuit_report

    specs = []
    for sweep, values in (("size", cfg.gates), ("K", cfg.Ks), ("d", cfg.ds)):
        for v in values:
            for rep in range(cfg.circuits_per_point):
                spec = {
                    "sweep": sweep,
                    "d": v if sweep == "d" else cfg.sweep_d,
                    "K": v if sweep == "K" else cfg.sweep_K,
                    "n_gates": v if sweep == "size" else cfg.sweep_gates,
                    "rep": rep,
                }
                spec["seed"] = _stable_seed(spec, cfg.seed)
                specs.append(spec)
    done = {_row_key(r): r for r in previous}
    rows = []
    for i, spec in enumerate(specs):
        key = _row_key(spec)
        if key in done:
            rows.append(done[key])
        else:
            d, K = spec["d"], spec["K"]
            C = random_circuit(d * (K + 1), spec["n_gates"], cfg.n_outputs, seed=spec["seed"])
            t0 = time.perf_counter()
            rep = resnet_for_circuit_report(C, d, K, dec=Decoder(), engines=cfg.engines)
            row = {
                **spec,
                "size": C.size,
                "depth_C": C.depth,
                "width": rep.width,
                "hidden": rep.hidden,
                "depth": rep.depth,
                "nonzeros": rep.nonzeros,
                "max_abs_entry": rep.max_abs_entry,
                "seconds": time.perf_counter() - t0,
            }
            for engine in cfg.engines:
                row[f"R_{engine}"] = rep.r[engine]
            rows.append(row)
        if progress is not None:
            progress(i + 1, len(specs))
    return rows


def fits_for(rows: Sequence[dict[str, Any]], engines: Sequence[str]) -> list[dict[str, Any]]:
    """Fitted exponents per sweep and engine (log R against log |C|, log K, log d; and the
    per-level growth factor exp(slope of log R against K))."""
    out = []
    for sweep, xkey in (("size", "size"), ("K", "K"), ("d", "d")):
        sel = [r for r in rows if r["sweep"] == sweep]
        for engine in engines:
            x = [r[xkey] for r in sel]
            y = [r[f"R_{engine}"] for r in sel]
            fit = loglog_fit(x, y)
            entry = {
                "sweep": sweep,
                "x": "|C|" if sweep == "size" else sweep,
                "engine": engine,
                "exponent": fit.slope,
                "exponent_se": fit.stderr,
                "r2": fit.r2,
                "n": fit.n,
            }
            if sweep == "K":
                entry["growth_per_level"] = math.exp(loglog_fit(x, y, log_x=False).slope)
            out.append(entry)
    return out


def plot_resnet_sweeps(
    path: str | Path,
    rows: Sequence[dict[str, Any]],
    fits: Sequence[dict[str, Any]],
    engines: Sequence[str],
) -> Path:
    """PNG: R(θ) of the constructed ResNets against |C|, K and d (log-log, fitted lines)."""
    from matplotlib.figure import Figure

    from occam.report.plots import save_figure

    fig = Figure(figsize=(13, 4))
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    for p, (sweep, xkey, label) in enumerate(
        (("size", "size", "|C| (gates)"), ("K", "K", "K (grid level)"), ("d", "d", "d (dimension)"))
    ):
        ax = fig.add_subplot(1, 3, p + 1)
        sel = [r for r in rows if r["sweep"] == sweep]
        for e, engine in enumerate(engines):
            x = np.array([r[xkey] for r in sel], dtype=np.float64)
            y = np.array([r[f"R_{engine}"] for r in sel], dtype=np.float64)
            if x.size == 0:
                continue
            c = colours[e % len(colours)]
            ax.scatter(x, y, s=14, color=c, alpha=0.7)
            fit = next(f for f in fits if f["sweep"] == sweep and f["engine"] == engine)
            if math.isfinite(fit["exponent"]):
                lx = np.log(x[x > 0])
                a = np.mean(np.log(y[x > 0])) - fit["exponent"] * np.mean(lx)
                xx = np.linspace(x.min(), x.max(), 50)
                ax.plot(
                    xx,
                    np.exp(a) * xx ** fit["exponent"],
                    color=c,
                    label=f"{engine}: slope {fit['exponent']:.2f}",
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        xs_all = sorted({r[xkey] for r in sel})
        if xs_all:
            shown = xs_all if len(xs_all) <= 8 else xs_all[:: math.ceil(len(xs_all) / 8)]
            ax.set_xticks(shown, [str(v) for v in shown])
            ax.minorticks_off()
        ax.set_xlabel(label)
        ax.set_ylabel("certified R(θ)")
        ax.legend(fontsize=8)
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle("Certified complexity of the ResNet computing T_C exactly (SPEC 9.4)")
    return save_figure(fig, Path(path))


# ------------------------------------------------------------------------------ runner


def _picture_part(cfg: TetrakisExperimentConfig, out: Path, report: Report, files: dict) -> dict:
    """Part (i): the triangulation and a Tetrakis function as PNG, their report section; returns
    the picture facts (|C|, K, d, explicit size bound)."""
    files["triangulation"] = plot_triangulation(
        out / "tetrakis_triangulation.png", cfg.picture_cells
    )
    C = random_circuit(2 * (cfg.picture_K + 1), cfg.picture_gates, 3, seed=cfg.seed)
    T = TetrakisFunction(C, 2, cfg.picture_K, domain=(0.0, 1.0), dec=Decoder())
    files["function"] = plot_function(out / "tetrakis_function.png", T, cfg.picture_resolution)
    picture = {"size": C.size, "K": cfg.picture_K, "d": 2, "explicit_size_bound": T.size_bound()}
    report.heading("(i) The triangulation and a Tetrakis function")
    report.paragraph(
        "SPEC 9.1: for each coordinate the nearest even integer e_i and t_i = |x_i − e_i|; "
        "sorting the t_i gives the d+1 vertices and weights. The Kuhn triangulation mirrored "
        "across every face; in 2-D the tetrakis square tiling."
    )
    report.figure(files["triangulation"], "Tetrakis triangulation")
    report.paragraph(
        f"T_C for a random circuit with |C| = {C.size} gates on 2·(K+1) = {C.n_inputs} input "
        f"bits, K = {cfg.picture_K}, dec = unsigned integer of its 3 output bits. The size "
        f"bound of the explicit circuit (SPEC 9.3, F = K fractional bits) is "
        f"{picture['explicit_size_bound']} gates."
    )
    report.figure(files["function"], "Tetrakis function of a random circuit")
    return picture


def _previous_rows(out: Path, cfg: TetrakisExperimentConfig) -> list[dict[str, Any]]:
    """Rows of an earlier run into ``out`` with the same config (resume), else none."""
    old = out / "results.json"
    if not old.is_file():
        return []
    try:
        data = json.loads(old.read_text())
    except (OSError, ValueError):
        return []
    return list(data.get("rows", [])) if data.get("config") == cfg.to_dict() else []


def _resnet_report(cfg: TetrakisExperimentConfig, rows, fits, report: Report, figure: Path):
    """The report section of part (ii): fitted exponents, the figure and every run."""
    report.heading("(ii) Certified R(θ) of the ResNet computing T_C (SPEC 9.4)")
    report.paragraph(
        f"Random circuits ({cfg.circuits_per_point} per point, {cfg.n_outputs} outputs read "
        f"as an unsigned integer); sweeps: |C| at d = {cfg.sweep_d}, K = {cfg.sweep_K}; "
        f"K at d = {cfg.sweep_d}, {cfg.sweep_gates} gates; d at K = {cfg.sweep_K}, "
        f"{cfg.sweep_gates} gates. Fits: log R = b·log X + a over all runs of a sweep."
    )
    keys = ("sweep", "x", "engine", "exponent", "exponent_se", "r2", "n", "growth_per_level")
    report.table(
        ["sweep", "X", "engine", "exponent b", "± se", "R²", "n", "growth per K level"],
        [[f.get(k) for k in keys] for f in fits],
    )
    report.figure(figure, "R(θ) against |C|, K and d")
    cols = ["sweep", "d", "K", "n_gates", "size", "width", "depth", "nonzeros"]
    cols += [f"R_{e}" for e in cfg.engines]
    report.table(cols, [[r[c] for c in cols] for r in rows])


@register(
    "tetrakis",
    config=TetrakisExperimentConfig,
    quick=TetrakisExperimentConfig.quick,
    description="Tetrakis triangulation pictures; certified R(θ) of the exact ResNet vs |C|, K, d",
    spec="9",
    timing_columns=("seconds",),
)
def run(cfg: TetrakisExperimentConfig, out_dir: Path, progress: Progress) -> Results:
    """Run the parts in ``cfg.parts``; write figures, ``results.json`` / ``results.csv`` and the
    report into ``out_dir``. Rows: one per network of part (ii); summary: ``picture``, ``fits``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    res = Results()
    report = Report("Tetrakis triangulation, Tetrakis functions and their ResNets")
    picture: dict[str, Any] = {}
    fits: list[dict[str, Any]] = []
    if "picture" in cfg.parts:
        picture = _picture_part(cfg, out, report, res.files)
        progress.step("picture", 1, 1)
    if "resnet" in cfg.parts:
        res.rows = resnet_rows(
            cfg, _previous_rows(out, cfg), lambda i, n: progress.step("resnet", i, n)
        )
        fits = fits_for(res.rows, cfg.engines)
        res.files["resnet"] = plot_resnet_sweeps(
            out / "tetrakis_resnet_R.png", res.rows, fits, cfg.engines
        )
        res.files["csv"] = write_csv(out / "results.csv", res.rows)
        _resnet_report(cfg, res.rows, fits, report, res.files["resnet"])
    res.summary = {"picture": picture, "fits": fits}
    res.files["json"] = write_json(
        out / "results.json",
        {"config": cfg.to_dict(), "picture": picture, "rows": res.rows, "fits": fits},
    )
    res.files.update({f"report_{k}": v for k, v in report.write(out).items()})
    return res
