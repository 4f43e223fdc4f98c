"""Benchmark of graph recovery's unit sensitivities (SPEC 13).

``unit_sensitivity`` (forward-mode: one tangent per input, all units at once) against the
baseline of per-sample reverse-mode Jacobians (``torch.func.vmap(jacrev)``, one call per layer;
the absolute value is taken per sample, so a plain backward of a sum cannot replace it).

Timing: torch one thread; the correctness check (both agree to 1e-10) is the warm-up; then the
median of ``--repeats`` timed calls per method.

    python benchmarks/bench_compositional.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from occam.compositional import binary_tree
from occam.compositional.networks import dense_resnet, graph_resnet
from occam.compositional.recovery import unit_sensitivity

RESULTS = Path(__file__).resolve().parent / "results" / "compositional.md"


def _autograd_sensitivity(model, x):
    """Baseline: per-sample Jacobians ∂h_ℓ/∂x by reverse mode, vectorised over the sample
    (``torch.func.vmap(jacrev)``), one call per layer."""
    from torch.func import jacrev, vmap

    out = []
    W = model.matrices().W
    for ell in range(model.config.depth):

        def hidden(xx, ell=ell):
            return model.trace(xx[None, :]).hidden[ell][0]

        per = vmap(jacrev(hidden))(x)  # (n, k, d)
        norms = torch.linalg.vector_norm(W[ell], dim=0)[:, None]
        out.append((per.abs().mean(0) * norms).detach().numpy())
    return np.stack(out)


def _median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--n", type=int, default=1024)
    args = ap.parse_args()
    torch.set_num_threads(1)
    graph = binary_tree(16)
    _, layout = graph_resnet(graph, hidden_per_node=8)
    model = dense_resnet(layout.config, seed=0)
    x = torch.rand(args.n, 16, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    fast = unit_sensitivity(model, x)
    ref = _autograd_sensitivity(model, x)
    assert np.allclose(fast, ref, rtol=1e-10, atol=1e-13)
    t_fast = _median_time(lambda: unit_sensitivity(model, x), args.repeats)
    t_ref = _median_time(lambda: _autograd_sensitivity(model, x), args.repeats)

    lines = [
        "# bench_compositional",
        "",
        f"Command: `{shlex.join([sys.executable.split('/')[-1], *sys.argv])}`; "
        f"{platform.processor() or platform.machine()}, torch threads 1, "
        f"median of {args.repeats}; the machine was shared with other jobs (load varies).",
        "",
        "| task | occam | baseline | baseline / occam |",
        "| --- | --- | --- | --- |",
        f"| unit sensitivities, dense ResNet d=16 (w={layout.config.width}, "
        f"k={layout.config.hidden}, L={layout.config.depth}), n={args.n} | forward-mode "
        f"{t_fast * 1e3:.1f} ms | vmap(jacrev) {t_ref * 1e3:.1f} ms | "
        f"{t_ref / t_fast:.1f}x |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
