"""Benchmark of graph recovery's unit sensitivities (SPEC 13) and of table circuits (SPEC 10).

1. ``unit_sensitivity`` (forward-mode: one tangent per input, all units at once) against the
   baseline of per-sample reverse-mode Jacobians (``torch.func.vmap(jacrev)``, one call per layer;
   the absolute value is taken per sample, so a plain backward of a sum cannot replace it).
2. ``table_circuit`` (distinct sub-functions multiplexed once per level) against the baseline that
   calls the builder's MUX for every pair of rows (the builder's hashing still shares gates, so
   both give the same circuit; only the build time differs).

Timing: torch one thread, one warm-up, medians over ``--repeats`` interleaved rounds.

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

from occam.circuits import Builder
from occam.circuits.encoding import ints_to_bits
from occam.compositional import binary_tree
from occam.compositional.networks import dense_resnet, graph_resnet
from occam.compositional.recovery import unit_sensitivity
from occam.htmc.tables import table_circuit

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


def _naive_table(codes, width):
    n = int(codes.size).bit_length() - 1
    b = Builder()
    xs = b.inputs(n)
    bits = ints_to_bits(codes, width)
    for o in range(width):
        nodes = [int(v) for v in bits[:, o]]
        for i in range(n):
            nodes = [b.MUX(xs[i], nodes[2 * r + 1], nodes[2 * r]) for r in range(len(nodes) // 2)]
        b.output(nodes[0])
    return b.build()


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

    r = np.arange(2**14)
    codes = np.round(np.sin(3 * (r & 127) / 128) * np.cos(2 * (r >> 7) / 128) * 64).astype(np.int64)
    fp = table_circuit(codes, 6)
    assert _naive_table(codes, fp.width).size == fp.size
    t_tab = _median_time(lambda: table_circuit(codes, 6), args.repeats)
    t_naive = _median_time(lambda: _naive_table(codes, fp.width), args.repeats)

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
        f"| table circuit, 14 input bits, {fp.width} outputs ({fp.size} gates, equal) | "
        f"distinct sub-functions {t_tab * 1e3:.0f} ms | MUX per row pair {t_naive * 1e3:.0f} ms | "
        f"{t_naive / t_tab:.1f}x |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
