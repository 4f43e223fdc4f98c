"""Compiler speed (issue 16): compile time per gate against the builder's raw rate on arithmetic,
measured in the same process.

* Baseline: :class:`occam.circuits.Builder` driven directly by :mod:`occam.circuits.arith` on pure
  arithmetic with no network around it: a 64 × 64-bit signed multiplier and random 16-term
  constant linear combinations of 16-bit words (the operation a neuron is made of). Gates per CPU
  second of the construction.
* Compiler: :func:`occam.compiler.quantize` + :func:`occam.compiler.build_circuit` (quantisation,
  integer range propagation, construction: everything that makes the circuit) on ResNets of the
  demo's size (width 16, hidden 16, depth 3, d_in 2) at several widths b = k = F_w = F_a, dense and
  pruned to 30% of the weights. Gates per CPU second, and the ratio to the baseline rate (target:
  the compiler within 3× of the builder, i.e. ratio ≥ 1/3). The time of the bit-exact verification
  (10^5 random inputs + corners, or exhaustive) and of the error measurement on 10^5 points is
  reported beside it, per gate.

Times are CPU seconds (``time.process_time``) of the one thread doing the work, the least of three
runs, because the machine is shared. Run:
``python benchmarks/bench_compiler.py [--quick] [--out benchmarks/results/compiler.md]``.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from occam import ResNet
from occam.circuits import Builder, arith
from occam.compiler import ErrorSample, FixedPointSpec, build_circuit, measure, quantize
from occam.prune import magnitude_prune
from occam.tasks import Box

REPEATS = 3


def _rate(fn) -> tuple[int, float]:
    """Gates and the least CPU time over :data:`REPEATS` runs (the machine is shared)."""
    best = float("inf")
    for _ in range(REPEATS):
        start = time.process_time()
        gates = fn()
        best = min(best, time.process_time() - start)
    return gates, best


def baseline_multiplier(bits: int = 64) -> int:
    b = Builder()
    x, y = b.inputs(bits, "a"), b.inputs(bits, "b")
    for node in arith.multiply(b, x, y):
        b.output(node)
    return b.n_gates


def baseline_linear(terms: int = 16, bits: int = 16, repeats: int = 8, seed: int = 0) -> int:
    rng = np.random.default_rng(seed)
    b = Builder()
    words = [b.inputs(bits, f"x{j}_") for j in range(terms)]
    for _ in range(repeats):
        coeffs = [int(c) for c in rng.integers(-(2**10), 2**10, size=terms)]
        for node in arith.linear_combination(b, words, coeffs):
            b.output(node)
    return b.n_gates


def compile_case(model: ResNet, box: Box, bits: int, sample: ErrorSample) -> dict:
    spec = FixedPointSpec(bits, bits, bits)
    build = float("inf")
    for _ in range(REPEATS):
        start = time.process_time()
        qnet = quantize(model, box, spec)
        circuit, layout = build_circuit(qnet)
        build = min(build, time.process_time() - start)
    start = time.process_time()
    cc = measure(circuit, layout, qnet, sample)
    check = time.process_time() - start
    assert cc.verified
    return {
        "weights": qnet.n_weights,
        "bits": bits,
        "gates": circuit.size,
        "build_s": build,
        "check_s": check,
        "rate": circuit.size / build,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer widths")
    parser.add_argument("--out", type=Path, default=None, help="write a Markdown table here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    base = {}
    for name, fn in (
        ("64×64 multiplier", baseline_multiplier),
        ("16-term lin. comb.", baseline_linear),
    ):
        fn()  # warm-up (imports, allocator)
        gates, seconds = _rate(fn)
        base[name] = (gates, seconds, gates / seconds)
    base_rate = min(r for _, _, r in base.values())
    box = Box.cube(2)
    dense = ResNet(2, 16, 16, 3, dtype=torch.float64, seed=0)
    pruned = magnitude_prune(dense, 0.3)
    sample = ErrorSample.draw(dense, box, n=100_000, seed=1)
    compile_case(pruned, box, 2, sample)  # warm-up: numba compiles the simulator once
    widths = (4, 8) if args.quick else (4, 6, 8, 10, 12)
    rows = []
    for label, model in (("dense", dense), ("pruned 30%", pruned)):
        for bits in widths:
            row = compile_case(model, box, bits, sample)
            row["net"] = label
            rows.append(row)
    lines = [
        "# Compiler speed (issue 16)",
        "",
        f"Command: `python benchmarks/bench_compiler.py{' --quick' if args.quick else ''}`; "
        f"Python {sys.version.split()[0]}, {platform.machine()}, CPU seconds of one thread.",
        "",
        "Baseline: the builder driven by `occam.circuits.arith` on pure arithmetic.",
        "",
        "| baseline | gates | CPU s | gates/s |",
        "|---|---:|---:|---:|",
    ]
    for name, (gates, seconds, rate) in base.items():
        lines.append(f"| {name} | {gates} | {seconds:.3f} | {rate:,.0f} |")
    lines += [
        "",
        "Compiler: quantise + range propagation + build of a ResNet (d_in 2, width 16, hidden 16, "
        "depth 3, random init), widths b = k = F_w = F_a; ratio = compiler rate / slower "
        f"baseline rate ({base_rate:,.0f} gates/s); verification (bit-exact vs the integer "
        "model) + error measurement on 10^5 points by simulation reported beside it.",
        "",
        "| net | nonzero weights | b | gates | build CPU s | gates/s | ratio | "
        "verify+measure CPU s | µs/gate (verify+measure) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['net']} | {r['weights']} | {r['bits']} | {r['gates']} | {r['build_s']:.3f} | "
            f"{r['rate']:,.0f} | {r['rate'] / base_rate:.2f} | {r['check_s']:.3f} | "
            f"{1e6 * r['check_s'] / r['gates']:.2f} |"
        )
    ratios = [r["rate"] / base_rate for r in rows]
    lines += [
        "",
        f"Compiler rate / builder rate: min {min(ratios):.2f}, median {np.median(ratios):.2f} "
        f"(target ≥ 0.33, i.e. within 3×).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
