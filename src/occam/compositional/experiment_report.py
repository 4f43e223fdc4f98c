"""Figures and the Markdown/HTML report of ``occam compositional`` (SPEC 13, SPEC 14)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["build_report", "plot_circuits", "plot_convexity", "plot_error_vs_n", "plot_recovery"]


def _figure(ncols: int = 1, width: float = 4.2):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, 3.6), layout="constrained")
    return fig, fig.subplots(1, ncols, squeeze=False)[0]


def _save(fig, path: Path) -> Path:
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from occam._atomic import atomic_write_bytes

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    atomic_write_bytes(path, buf.getvalue())
    return path


def plot_error_vs_n(summary: list[dict], cfg, path: Path) -> Path:
    fig, axes = _figure(len(cfg.d_values))
    for ax, d in zip(axes, cfg.d_values, strict=True):
        for net in cfg.networks:
            for target, style in (("compositional", "-"), ("control", ":")):
                pts = [
                    r for r in summary if (r["target"], r["d"], r["network"]) == (target, d, net)
                ]
                if pts:
                    ax.errorbar(
                        [r["n"] for r in pts],
                        [r["mean"] for r in pts],
                        yerr=[r["std"] for r in pts],
                        ls=style,
                        marker=".",
                        label=f"{net} ({target[:4]})",
                    )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"d = {d}")
        ax.set_xlabel("n")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("test RMSE / std(f)")
    axes[-1].legend(fontsize=6)
    return _save(fig, path)


def plot_recovery(rows: list[dict], path: Path) -> Path:
    fig, axes = _figure(2)
    for key in sorted({(r["network"], r["lam"]) for r in rows}):
        pts = [r for r in rows if (r["network"], r["lam"]) == key]
        for ax, metric in zip(axes, ("coverage", "precision"), strict=True):
            ax.plot(
                [r["step"] for r in pts],
                [r[metric] for r in pts],
                marker=".",
                label=f"{key[0]} λ={key[1]:g}",
            )
    for ax, metric in zip(axes, ("coverage", "precision"), strict=True):
        ax.set_xlabel("training step")
        ax.set_title(metric)
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize=6)
    return _save(fig, path)


def plot_circuits(rows: list[dict], path: Path) -> Path:
    fig, axes = _figure(1, 5.0)
    ax = axes[0]
    for target, construction in (
        ("compositional", "per-node"),
        ("compositional", "per-node compiled"),
        ("compositional", "flat table"),
        ("control", "flat table"),
    ):
        pts = [
            r
            for r in rows
            if (r["target"], r["construction"]) == (target, construction) and r["found"]
        ]
        ds = sorted({r["d"] for r in pts})
        if ds:
            ax.plot(
                ds,
                [np.mean([r["size"] for r in pts if r["d"] == d]) for d in ds],
                marker="o",
                label=f"{target}, {construction}",
            )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("d")
    ax.set_ylabel("gates at relative error ε")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    return _save(fig, path)


def _num(v: Any) -> float:
    """A table value as a float for plotting (None, inf and non-positive sizes: NaN)."""
    return float(v) if v is not None and math.isfinite(v) and v > 0 else np.nan


def _finish_loglog(ax, xlabel: str, title: str) -> None:
    """Log-log axes with a label, a title, a small legend and a light grid (each panel below)."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)


def plot_convexity(conv: dict, acc: dict, path: Path) -> Path:
    """Left: size needed at error ε per construction; middle: the compiled frontiers (error,
    size) and the MLMC estimators (RMSE, expected size); right: MLMC variance versus copies."""
    fig, axes = _figure(3)
    ax = axes[0]
    t = conv["table"]
    for key in ("size_f", "size_g", "compiled_h", "naive_sum", "mlmc_expected"):
        ys = [_num(r.get(key)) for r in t]
        ax.plot([r["eps"] for r in t], ys, marker="o", ms=3, label=key)
    _finish_loglog(ax, "ε (L² to the true function)", "size needed at error ε")
    from matplotlib.ticker import NullFormatter

    ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels of a short log axis overlap
    ax.set_ylabel("gates")
    ax = axes[1]
    for name in ("f", "g", "compiled_h", "h naive sum"):
        pts = [r for r in conv["frontier"] if r["function"] == name]
        ax.plot(
            [r["error_l2"] for r in pts], [_num(r["size"]) for r in pts], "o-", ms=3, label=name
        )
    ax.scatter(
        [r["rmse"] for r in conv["mlmc"]],
        [_num(r["expected_size"]) for r in conv["mlmc"]],
        s=6,
        c="grey",
        alpha=0.6,
        label="MLMC (RMSE, E size)",
    )
    _finish_loglog(ax, "L² error", "compiled levels")
    ax = axes[2]
    ax.loglog(
        [r["copies"] for r in acc["rows"]],
        [r["variance"] for r in acc["rows"]],
        "o-",
        label="measured",
    )
    ax.loglog(
        [r["copies"] for r in acc["rows"]],
        [r["variance_theory"] for r in acc["rows"]],
        "--",
        label="Σ(1/p−1)E ΔA² / n",
    )
    _finish_loglog(ax, "copies n", "MLMC variance")
    return _save(fig, path)


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return "—" if not math.isfinite(v) else f"{v:.4g}"
    return str(v)


def _section_errors(r, cfg, summary) -> None:
    r.heading("(i) Test error versus n")
    nets = list(cfg.networks)
    rows = []
    for target in ("compositional", "control"):
        for d in cfg.d_values:
            for n in cfg.n_values:
                cells = []
                for net in nets:
                    m = [
                        s
                        for s in summary
                        if (s["target"], s["d"], s["n"], s["network"]) == (target, d, n, net)
                    ]
                    cells.append(f"{m[0]['mean']:.3f} ± {m[0]['std']:.3f}" if m else "—")
                rows.append([target, d, n, *cells])
    r.table(["target", "d", "n", *nets], rows)


def _section_recovery(r, cfg, rec) -> None:
    r.heading("(ii) Graph recovery versus regulariser strength")
    r.paragraph(
        f"d = {cfg.recovery_d}, n = {cfg.recovery_n}, {cfg.recovery_steps} steps; τ = 1e-3 × the "
        "largest unit sensitivity (fixed in advance). Coverage is the fraction of internal nodes "
        "(output excluded) whose leaf set some unit recovers exactly; precision/recall are over "
        "(unit, input) pairs against each unit's best-matching node."
    )
    last = {}
    for row in rec:
        key = (row["network"], row["lam"])
        if key not in last or row["step"] > last[key]["step"]:
            last[key] = row
    r.table(
        [
            "network",
            "λ",
            "precision",
            "recall",
            "coverage",
            "active units",
            "mean support",
            "full-support fraction",
            "test error",
        ],
        [
            [
                k[0],
                _fmt(k[1]),
                _fmt(v["precision"]),
                _fmt(v["recall"]),
                _fmt(v["coverage"]),
                v["n_active"],
                _fmt(v["mean_support"]),
                _fmt(v["full_support_fraction"]),
                _fmt(v["rel_test_error"]),
            ]
            for k, v in last.items()
        ],
    )


def _section_circuits(r, cfg, circ, stages) -> None:
    r.heading("(iii) Verified circuit size versus d at fixed error")
    r.paragraph(
        f"ε = {cfg.circuit_eps_rel} × std(f) (L² on {cfg.circuit_n_eval} uniform points). "
        "Per-node: truth-table circuits of each quantised node function, composed with clamps. "
        "Per-node compiled: for each node function a ResNet (width = arity, "
        f"{cfg.circuit_node_hidden} hidden units, depth 1) trained by full-batch Adam "
        f"({cfg.circuit_node_steps} steps, {cfg.circuit_node_n} uniform samples of the node, "
        "trained once per node function and shared across d), compiled to a fixed-point "
        "arithmetic circuit (k input bits, F_w weight bits, F_a = F_o activation/output bits; "
        "verified exhaustively against its integer model"
        + (
            "; the best composition rebuilt from ABC-optimised, cec-proved nodes"
            if cfg.circuit_node_abc
            else ""
        )
        + "); a non-leaf node re-encodes each child's output word to its enc_k cell index "
        "(constant add, dropped bits, clamp) before the compiled net; the stages are composed "
        "with clamps to the nodes' certified ranges. Flat table: one table over all d·k input "
        f"bits, built only up to 2^{cfg.flat_max_bits} rows. Every size is that of a built "
        "circuit whose error was measured by simulating it. k, F: input and output precision "
        "(F = F_o for compiled nodes); F_w, F_a: weight and activation bits of compiled nodes; "
        "keep: fraction of node-net parameters kept by sensitivity pruning (not retrained; "
        f"levels {list(cfg.circuit_compiled_keep)} tried by the search); "
        "node-net error: the largest relative L² error of a float node net on its node."
    )
    r.table(
        [
            "d",
            "seed",
            "target",
            "construction",
            "found",
            "gates",
            "k",
            "F",
            "F_w",
            "F_a",
            "ABC",
            "keep",
            "error",
            "ε",
            "node-net error",
        ],
        [
            [
                c["d"],
                c["seed"],
                c["target"],
                c["construction"],
                c["found"],
                _fmt(c["size"]),
                _fmt(c["k"]),
                _fmt(c["frac_bits"]),
                _fmt(c.get("weight_bits")),
                _fmt(c.get("act_bits")),
                _fmt(c.get("abc")),
                _fmt(c.get("keep")),
                _fmt(c["error_l2"]),
                _fmt(c["eps"]),
                _fmt(c.get("node_net_max_rel_error")),
            ]
            for c in circ
        ],
    )
    seed0 = cfg.circuit_seeds[0]
    sizes: dict[int, dict[str, Any]] = {}
    for c in circ:
        if c["seed"] == seed0 and c["target"] == "compositional" and c["found"]:
            sizes.setdefault(c["d"], {})[c["construction"]] = c["size"]
    ratios = [
        f"d = {d}: {v['per-node compiled'] / v['per-node']:.0f}×"
        for d, v in sorted(sizes.items())
        if "per-node" in v and "per-node compiled" in v and v["per-node"] > 0
    ]
    if ratios:
        r.paragraph(
            "Compiled node circuits against truth-table node circuits at the same ε "
            f"(seed {seed0}, size ratio): " + ", ".join(ratios) + ". At two inputs of a few "
            "bits a node's table is far smaller than the arithmetic (adders of the weighted "
            "sums) of even a small network. Tables grow like 2^(arity·k) and compiled nets "
            "do not, so the order could reverse for nodes of many inputs (not measured here)."
        )
    for construction in ("per-node", "per-node compiled"):
        rows = [s for s in stages if s.get("construction", "per-node") == construction]
        dmax = max((s["d"] for s in rows), default=None)
        sel = [s for s in rows if s["d"] == dmax and s["seed"] == seed0]
        if not sel:
            continue
        tot = next(
            c
            for c in circ
            if c["d"] == dmax and c["construction"] == construction and c["seed"] == seed0
        )
        r.paragraph(
            f"Eq. (1) account of the {construction} circuit at d = {dmax}: measured total "
            f"{_fmt(tot.get('total_error'))}, Σ telescoping terms "
            f"{_fmt(tot.get('sum_telescoping'))},"
            f" Σ bound terms {_fmt(tot.get('sum_bound'))}."
        )
        r.table(
            [
                "stage",
                "gates",
                "clamp gates",
                "‖g − A‖ on π_j",
                "Lip downstream",
                "bound term",
                "measured term ‖H_{j−1} − H_j‖",
            ],
            [
                [
                    s["name"],
                    s["size"],
                    s["clamp_gates"],
                    _fmt(s["local_error"]),
                    _fmt(s["lipschitz_downstream"]),
                    _fmt(s["bound_term"]),
                    _fmt(s["telescoping_term"]),
                ]
                for s in sel
            ],
        )


def _section_convexity(r, cfg, conv, acc) -> None:
    r.heading("(iv) Convexity (Thm 4) with the MLMC combiner, on compiled frontiers")
    width, hidden, depth = cfg.convexity_net
    nets = conv.get("nets", {})
    r.paragraph(
        f"f and g are two random {cfg.convexity_inputs}-input tanh nodes (the node family of "
        "the targets) and h = (f+g)/2. One ResNet (w, k, L) = "
        f"({width}, {hidden}, {depth}) is trained on each of f, g and h ({cfg.convexity_n_train} "
        f"uniform points, Adam, {cfg.convexity_steps} steps; test RMSE "
        + ", ".join(f"{k} {e:.3g}" for k, e in nets.items())
        + ") and compiled at the uniform widths b = k = F_w = F_a ∈ "
        f"{list(cfg.convexity_bits)}"
        + (
            " (each circuit collapsed to its truth table when smaller)"
            if cfg.convexity_collapse
            else ""
        )
        + ", every circuit verified bit for bit against its integer model; its error is the L² "
        "error to the true function on "
        f"{cfg.circuit_n_eval} uniform points, measured by simulating the circuit. The levels "
        "are rewired onto the common "
        f"{max(cfg.convexity_bits)}-bit encoding (the k-bit cell index is the top k bits of the "
        "K-bit one; no gates). h is built (a) by the MLMC combiner over every window [k0, K'] "
        "of the naive-sum levels (A^f_b + A^g_b)/2, with p_k ∝ sqrt(V_k/s_k) rounded to powers "
        f"of two and scaled by the budget ratios {list(cfg.convexity_budgets)}, and "
        f"{list(cfg.convexity_copies)} averaged copies (`mlmc_expected`: the least expected size "
        "over the coins among configurations whose RMSE over draws and points is ≤ ε; "
        "`mlmc_realised_best`: the least size among 5 realised draws per configuration, each a "
        "built circuit whose error was measured), (b) by the naive sum (A^f_b + A^g_b)/2, and "
        "(c) as the baseline by the compiled frontier of the network trained on h "
        "(`compiled_h`). Sizes are the least gates among the circuits of that construction "
        "with error ≤ ε (— when none reaches ε; the trained nets' errors are a floor). "
        "γ̂ fits (size against 1/ε): "
        + ", ".join(
            f"{k}: {v['gamma']:.2f} [{v['ci_low']:.2f}, {v['ci_high']:.2f}]"
            for k, v in conv["fits"].items()
        )
    )
    keys = [
        "eps",
        "size_f",
        "size_g",
        "max_fg",
        "mlmc_expected",
        "mlmc_realised_best",
        "naive_sum",
        "compiled_h",
    ]
    r.table(keys, [[_fmt(row.get(k)) for k in keys] for row in conv["table"]])
    r.paragraph(
        f"MLMC acceptance (issue 20): hierarchy sizes {acc['sizes']}, log2(1/p) = "
        f"{acc['log2_inv_p']}, variance slope in n {acc['slope']:.3f}."
    )
    r.table(
        ["copies", "circuit gates", "mean error T", "SE", "z", "variance", "theory"],
        [
            [
                a["copies"],
                a["circuit_size"],
                _fmt(a["mean_error"]),
                _fmt(a["mean_error_se"]),
                _fmt(a["z_score"]),
                _fmt(a["variance"]),
                _fmt(a["variance_theory"]),
            ]
            for a in acc["rows"]
        ],
    )


def build_report(cfg, verdicts, summary, rec, circ, stages, conv, acc, figs, timings, reused=None):
    from occam.report import Report

    r = Report("Compositional sparsity, MLMC and composition (SPEC 13, SPEC 10)")
    r.paragraph(
        f"Targets: random compositional functions on the binary tree (node family `{cfg.family}`: "
        "g(u) = Σ_j c_j tanh(w_jᵀu + b_j), 4 units, ‖w_j‖ = 2, Σ|c_j| = 1, so every node maps "
        "[−1, 1]² into [−1, 1] with per-argument derivative bounds ≤ 2) on Ω = [−1, 1]^d, and a "
        "generic smooth control (a Gaussian-process sample, squared-exponential kernel, "
        "lengthscale 1, 512 random Fourier features) with the target's mean and standard "
        "deviation. Networks: the graph-reflecting sparse ResNet (masks from the tree, "
        f"{cfg.hidden_per_node} hidden units and {cfg.node_width} residual coordinates per node, "
        "initial weights rescaled to the masked fan-in), the dense ResNet of the same (w, k, L), "
        f"and dense ResNets trained with ℓ1, path-norm and Occam R̃ penalties (λ = {cfg.lams}); "
        f"Adam, lr {cfg.lr} cosine, {cfg.steps} steps, batch {cfg.batch_size}, the same for every "
        "network. Errors are test RMSE / std(f) on a fresh uniform sample. The per-node sizes "
        "(16 units, 2 coordinates) and the fan-in rescaling were chosen in a pilot of 3 instances "
        "(d = 8, 16, n = 1024, 200 steps) after 8 units and 1 coordinate left some node blocks "
        "dead; the dense nets' learning rate was not tuned separately."
        + (
            f" With {cfg.steps} training steps (the default is 2000) every network is "
            "under-trained, so the verdicts on trained networks are indicative only."
            if cfg.steps < 1000
            else ""
        )
    )
    r.heading("Claims and verdicts")
    r.table(
        ["source", "claim", "measured", "verdict"],
        [[v.source, v.claim, v.measured, v.verdict] for v in verdicts],
    )
    _section_errors(r, cfg, summary)
    r.figure(
        figs["error"],
        "relative test error versus n (mean ± std over seeds); solid: "
        "compositional target, dotted: control",
    )
    _section_recovery(r, cfg, rec)
    r.figure(figs["recovery"], "coverage and precision over training")
    _section_circuits(r, cfg, circ, stages)
    r.figure(figs["circuits"], "gates at fixed relative error versus d")
    _section_convexity(r, cfg, conv, acc)
    r.figure(
        figs["convexity"],
        "left: size needed at error ε; middle: compiled levels and MLMC estimators; "
        "right: MLMC variance versus copies",
    )
    r.heading("Timings")
    reused = reused or {}
    r.table(
        ["part", "seconds", "run"],
        [
            [k, f"{v:.1f}", f"reused (finished {reused[k]})" if k in reused else "this run"]
            for k, v in timings.items()
        ],
    )
    if reused:
        r.paragraph(
            "Reused parts were computed by an earlier run into this folder with the same "
            "settings for that part (saved in `parts/`); `occam compositional --redo PART` "
            "runs one again."
        )
    return r
