"""Circuit → ResNet (SPEC 8, Prop 12) and the Tetrakis ResNet (SPEC 9.4): the constants.

Part A, ``to_resnet`` on random circuits with fan-out
(:func:`occam.tetrakis.function.random_circuit`) and on random formulas (every gate read once),
both gate variants: |C|, blocks L, width, nonzeros per gate, and R(θ)/|C| for the empirical engine
(sample: 4096 random ±1 points and 4096 uniform points of [−1, 1]^n) and the certified engines
(interval, global over [−1, 1]^n), next to the stated bounds
(``minmax``: R_emp ≤ 10·√n_out·|C| + n_out; ``boolean``: R_int ≤ R_glob ≤ 6·Σ_g P(g) + n_out).
Exactness is checked on every row (all 2^n inputs, n = 12).

Part B, throughput: evaluating the circuit through its ResNet (torch float64 forward, one
thread, dense matrices) against the named baseline ``Circuit.simulate`` (bit-parallel numba kernel),
same 16,384 patterns; ratio = ResNet time / simulate time.

Part C, ``resnet_for_circuit`` (SPEC 9.4) against ``TetrakisFunction`` (SPEC 9.3): max |difference|
on 2000 random points, grid points and ties, evaluation time of both (ratio), and R(θ) per engine.

Times are CPU seconds of this process (``time.process_time``); the machine has 2 cores shared
with other jobs. Run: ``.venv/bin/python benchmarks/bench_to_resnet.py``
(``--out benchmarks/results/to_resnet.md``).
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from occam.circuits import Circuit, Op
from occam.complexity import certified
from occam.nets.from_circuit import bits_to_signs, path_weight, simulate_resnet, to_resnet
from occam.report import atomic_write_text
from occam.tetrakis import TetrakisFunction
from occam.tetrakis.function import Decoder, random_circuit
from occam.tetrakis.resnet import resnet_for_circuit, resnet_for_circuit_report


def formula(n: int, n_gates: int, n_outputs: int, seed: int) -> Circuit:
    """A random formula: each gate reads inputs or gates nobody has read yet; the unread gates
    are then joined pairwise by AND/OR gates down to ``n_outputs`` outputs (|C| ≥ n_gates)."""
    rng = np.random.default_rng(seed)
    free: list[int] = []
    ops, fanins = [], []
    for g in range(n_gates):
        op = int(rng.choice([Op.AND, Op.OR, Op.NOT], p=[0.425, 0.425, 0.15]))

        def operand() -> int:
            if free and rng.random() < 0.7:
                return free.pop(int(rng.integers(len(free))))
            return int(rng.integers(2, n + 2))

        a = operand()
        b = a if op == Op.NOT else operand()
        ops.append(op)
        fanins.append((a, b))
        free.append(n + 2 + g)
    while len(free) > n_outputs:  # join the unread gates pairwise, so every gate is live
        a, b = free.pop(0), free.pop(0)
        ops.append(int(rng.choice([Op.AND, Op.OR])))
        fanins.append((a, b))
        free.append(n + 2 + len(ops) - 1)
    return Circuit(n, np.array(ops, np.uint8), np.array(fanins, np.int64), np.array(free))


def r(model, **kw) -> float:
    with torch.no_grad():
        return float(certified(model, **kw))


def part_a(rows: list[str], quick: bool) -> None:
    n = 12
    sizes = (50, 200) if quick else (50, 100, 200, 400, 800)
    bits = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
    rng = np.random.default_rng(0)
    sample = np.vstack([bits_to_signs(rng.random((4096, n)) < 0.5), rng.uniform(-1, 1, (4096, n))])
    box = (-np.ones(n), np.ones(n))
    rows += [
        "| family | n_out | gates | \\|C\\| | L | width | nonzeros/\\|C\\| | "
        "R_emp/\\|C\\| (bound) | R_int/\\|C\\| | R_glob/\\|C\\| | ΣP/\\|C\\| | "
        "R_int/\\|C\\| | R_glob/\\|C\\| (bound) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for family in ("random DAG", "formula"):
        for n_out in (1, 4):
            for s in sizes if family == "random DAG" else sizes[:4]:
                c = (
                    random_circuit(n, s, n_out, seed=s + n_out)
                    if family == "random DAG"
                    else formula(n, s, n_out, seed=s + n_out)
                )
                mm, bo = to_resnet(c), to_resnet(c, gates="boolean")
                truth = c.simulate(bits)
                assert np.array_equal(simulate_resnet(mm, bits), truth)
                assert np.array_equal(simulate_resnet(bo, bits), truth)
                size = c.size
                pw = path_weight(c)
                emp = r(mm, x=torch.as_tensor(sample), engine="empirical")
                mi, mg = r(mm, domain=box, engine="interval"), r(mm, domain=box, engine="global")
                bi, bg = r(bo, domain=box, engine="interval"), r(bo, domain=box, engine="global")
                emp_bound = 10 * math.sqrt(n_out) * size + n_out
                b_bound = 6 * pw + n_out
                assert emp <= emp_bound and bi <= bg * (1 + 1e-9) and bg <= b_bound * (1 + 1e-9)
                rows.append(
                    f"| {family} | {n_out} | {s} | {size} | {mm.config.depth} | "
                    f"{mm.config.width} | {mm.n_nonzero() / size:.2f} / "
                    f"{bo.n_nonzero() / size:.2f} | "
                    f"{emp / size:.2f} ({emp_bound / size:.1f}) | {mi / size:.3g} | "
                    f"{mg / size:.3g} | "
                    f"{pw / size:.3g} | {bi / size:.3g} | {bg / size:.3g} ({b_bound / size:.3g}) |"
                )
                print(rows[-1], flush=True)


def part_b(rows: list[str], quick: bool) -> None:
    n = 16
    bits = ((np.arange(2**14)[:, None] >> np.arange(n)) & 1).astype(bool)
    rows += [
        "| gates | \\|C\\| | L | width | hidden | build (s) | ResNet forward (s) | simulate (s) | "
        "ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in (100, 400) if quick else (100, 400, 800):
        c = random_circuit(n, s, 4, seed=s)
        t0 = time.process_time()
        model = to_resnet(c)
        t_build = time.process_time() - t0
        t0 = time.process_time()
        out = simulate_resnet(model, bits)
        t_net = time.process_time() - t0
        c.simulate(bits[:64])  # compile / warm up
        t0 = time.process_time()
        ref = c.simulate(bits)
        t_sim = time.process_time() - t0
        assert np.array_equal(out, ref)
        rows.append(
            f"| {s} | {c.size} | {model.config.depth} | {model.config.width} | "
            f"{model.config.hidden} | {t_build:.3f} | {t_net:.3f} | {t_sim:.4f} | "
            f"{t_net / max(t_sim, 1e-9):.0f} |"
        )
        print(rows[-1], flush=True)


def part_c(rows: list[str], quick: bool) -> None:
    rows += [
        "| d | K | \\|C\\| | width | depth | nonzeros | max abs diff | T_C (s) | ResNet (s) | "
        "R_emp | R_int | R_glob |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    cases = [(1, 3), (2, 3), (3, 3)] if quick else [(1, 3), (1, 5), (2, 2), (2, 4), (3, 3), (3, 5)]
    dec = Decoder(signed=False, scale=0.25, offset=-0.5)
    for d, K in cases:
        c = random_circuit(d * (K + 1), 30, 3, seed=7 * d + K)
        rng = np.random.default_rng(d + 10 * K)
        x = np.vstack(
            [
                rng.random((1500, d)),
                rng.integers(0, 2**K + 1, (250, d)) / 2**K,
                np.repeat(rng.random((250, 1)), d, axis=1),
            ]
        )
        tf = TetrakisFunction(c, d, K, dec=dec)
        t0 = time.process_time()
        want = tf(x)
        t_ref = time.process_time() - t0
        rep = resnet_for_circuit_report(
            c, d, K, dec=dec, engines=("empirical", "interval", "global")
        )
        model = resnet_for_circuit(c, d, K, dec=dec)
        t0 = time.process_time()
        with torch.no_grad():
            got = model(torch.as_tensor(x)).numpy()[:, 0]
        t_net = time.process_time() - t0
        err = float(np.abs(got - want).max())
        assert err <= 1e-9
        rows.append(
            f"| {d} | {K} | {c.size} | {rep.width} | {rep.depth} | {rep.nonzeros} | {err:.1e} | "
            f"{t_ref:.3f} | {t_net:.3f} | {rep.r['empirical']:.3g} | {rep.r['interval']:.3g} | "
            f"{rep.r['global']:.3g} |"
        )
        print(rows[-1], flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/to_resnet.md")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    cmd = "`.venv/bin/python benchmarks/bench_to_resnet.py" + (" --quick`" if args.quick else "`")
    rows = [
        "# Circuit → ResNet (SPEC 8) and the Tetrakis ResNet (SPEC 9.4)",
        "",
        f"Command: {cmd}",
        "",
        f"Machine: {platform.machine()}, 2 cores shared with other jobs during the run; CPU "
        f"seconds of this process, one torch thread. Python {sys.version.split()[0]}, torch "
        f"{torch.__version__}, numpy {np.__version__}.",
        "",
        "## A. to_resnet: sparsity and R(θ)/|C| (n = 12 inputs, Ω = [−1, 1]^12)",
        "",
        'Columns 8-10 are `gates="minmax"` (default, SPEC 8), column 11 the path weight of the '
        'circuit, 12-13 `gates="boolean"`. '
        "nonzeros/|C| is minmax / boolean. R_emp: empirical engine on 4096 random ±1 points and "
        "4096 uniform points; its bound is 10·√n_out·|C| + n_out. The boolean bound is "
        "6·ΣP + n_out with ΣP = Σ_g P(g) the path weight (= |C| or less for formulas). Every row "
        "was checked exact on all 2^12 inputs and the bounds were asserted.",
        "",
    ]
    part_a(rows, args.quick)
    rows += [
        "",
        "## B. Throughput: ResNet forward vs `Circuit.simulate` (baseline), 2^14 patterns, n = 16",
        "",
        "ratio = ResNet time / simulate time (same patterns, outputs checked equal).",
        "",
    ]
    part_b(rows, args.quick)
    rows += [
        "",
        "## C. resnet_for_circuit (SPEC 9.4) vs TetrakisFunction (SPEC 9.3)",
        "",
        "2000 points (random, grid, ties), dec = 0.25·z − 0.5 on 3 output bits, Ω = [0, 1]^d; "
        "R per engine (empirical on 4096 uniform points).",
        "",
    ]
    part_c(rows, args.quick)
    out = atomic_write_text(Path(args.out), "\n".join(rows) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
