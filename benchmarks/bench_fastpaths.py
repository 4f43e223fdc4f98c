"""Public paths against their kernels, in the same run (issue 15 item 5).

A. ``Circuit.simulate(bits)`` (bool patterns in, bool outputs out) against the compiled kernel
   ``Circuit.simulate_words(words)`` on pre-packed words, on ABC's 48-bit array multiplier
   (``berkeley-abc -c "gen -m -N 48 mult48.blif; strash; write_aiger -s mult48.aig"``: 17,904 AIG
   ANDs, read back as 26,690 AND/OR/NOT gates) at 2^20 random patterns. Reported: seconds of the
   pack, kernel and unpack steps and of the public call; rate = AIG ANDs × patterns / s.
   Target: public rate ≥ 0.5 × kernel rate.
B. ``occam.tetrakis.interpolate(values_fn, x)`` with a cheap vectorised ``values_fn`` (flat index
   by strides into the grid array) against ``scipy.interpolate.RegularGridInterpolator`` (linear)
   and occam's own ``GridFunction`` at d = 8 on a 9^8 grid, 20,000 uniform points, same values.
   Target: generic path ≥ 10 × scipy.

Times are the best of ``--repeats`` calls, in CPU seconds (the targets) and wall seconds (both
reported; see :func:`best_time`).
Run: ``python benchmarks/bench_fastpaths.py --out benchmarks/results/fastpaths.md``
(``--quick``: 2^18 patterns, 7^8 grid).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy
from scipy.interpolate import RegularGridInterpolator

from occam._atomic import atomic_write_bytes
from occam.circuits import Circuit, read
from occam.circuits.io.aig import circuit_to_aig
from occam.circuits.simulate import pack_bits, unpack_bits
from occam.tetrakis import GridFunction, interpolate


def best_time(fn, repeats: int) -> tuple[float, float]:
    """(best CPU seconds, best wall seconds) over ``repeats`` calls.

    Everything timed here is single-threaded, so CPU time is the work done; on a CPU shared by
    several busy engineers the wall time of a 10 ms call is mostly preemption, which is why the
    targets are judged on CPU time (both are reported)."""
    cpu = wall = float("inf")
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu = min(cpu, time.process_time() - c0)
        wall = min(wall, time.perf_counter() - w0)
    return cpu, wall


def multiplier(bits: int) -> Circuit:
    """ABC's ``gen -m`` array multiplier, read back through AIGER."""
    abc = shutil.which("berkeley-abc") or shutil.which("abc")
    if abc is None:
        raise SystemExit("bench_fastpaths: the berkeley-abc binary is needed for part A")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = f"gen -m -N {bits} m.blif; strash; write_aiger -s m.aig"
        subprocess.run([abc, "-c", cmd], cwd=tmp, check=True, capture_output=True)
        return read(Path(tmp) / "m.aig")


def bench_simulate(n_patterns: int, repeats: int) -> dict[str, float]:
    c = multiplier(48)
    n_and = circuit_to_aig(c).n_ands
    bits = np.random.default_rng(0).random((n_patterns, c.n_inputs)) < 0.5
    words = pack_bits(bits)
    out_words = c.simulate_words(words)  # also compiles and caches the plan
    assert np.array_equal(c.simulate(bits[:4096]), unpack_bits(out_words, n_patterns)[:4096])
    (t_pack, w_pack) = best_time(lambda: pack_bits(bits), repeats)
    (t_kernel, w_kernel) = best_time(lambda: c.simulate_words(words), repeats)
    (t_unpack, w_unpack) = best_time(lambda: unpack_bits(out_words, n_patterns), repeats)
    (t_public, w_public) = best_time(lambda: c.simulate(bits), repeats)
    return {
        "gates": c.size,
        "aig_ands": n_and,
        "patterns": n_patterns,
        "pack": t_pack,
        "kernel": t_kernel,
        "unpack": t_unpack,
        "public": t_public,
        "kernel_rate": n_and * n_patterns / t_kernel,
        "public_rate": n_and * n_patterns / t_public,
        "wall": {"pack": w_pack, "kernel": w_kernel, "unpack": w_unpack, "public": w_public},
    }


def bench_interpolate(d: int, side: int, n: int, repeats: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(side,) * d)
    flat = values.reshape(-1)
    strides = np.array([side ** (d - 1 - i) for i in range(d)], dtype=np.int64)

    def values_fn(v: np.ndarray) -> np.ndarray:
        return flat[v @ strides]

    x = rng.uniform(0.0, side - 1.0, size=(n, d))
    rgi = RegularGridInterpolator(
        tuple(np.arange(side, dtype=np.float64) for _ in range(d)), values
    )
    gf = GridFunction(values)
    got = interpolate(values_fn, x)
    assert np.allclose(got, gf(x), rtol=0, atol=1e-12)  # same function, two occam paths
    (t_generic, w_generic) = best_time(lambda: interpolate(values_fn, x), repeats)
    (t_grid, w_grid) = best_time(lambda: gf(x), repeats)
    (t_scipy, w_scipy) = best_time(lambda: rgi(x), repeats)
    return {
        "d": d,
        "side": side,
        "points": n,
        "generic": t_generic,
        "grid_function": t_grid,
        "scipy": t_scipy,
        "ratio_generic": t_scipy / t_generic,
        "ratio_grid": t_scipy / t_grid,
        "wall": {"generic": w_generic, "grid_function": w_grid, "scipy": w_scipy},
    }


def render(sim: dict, itp: dict, command: str) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    ratio = sim["public_rate"] / sim["kernel_rate"]
    return "\n".join(
        [
            "# Fast public paths, measured against their kernels in the same run",
            "",
            f"Command: `{command}`",
            "",
            f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores shared with other "
            f"engineers (1-min load average {load:.1f} when written), Python "
            f"{platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}. "
            "Best of the repeats, CPU and wall seconds; rates, ratios and targets use CPU time "
            "(single-threaded code; on this shared CPU the wall time of a short call is mostly "
            "waiting for a core: wall ratios are listed too).",
            "",
            "## A. `Circuit.simulate(bits)` vs the kernel `simulate_words(words)`",
            "",
            f"ABC's 48-bit array multiplier (`gen -m -N 48`): {sim['aig_ands']:,} AIG ANDs "
            f"({sim['gates']:,} gates in AND/OR/NOT), {sim['patterns']:,} random patterns.",
            "",
            "| step | CPU s | wall s | AND·patterns per CPU s |",
            "|---|---|---|---|",
            f"| pack bools → words | {sim['pack']:.4f} | {sim['wall']['pack']:.4f} | |",
            f"| kernel (`simulate_words`) | {sim['kernel']:.4f} | {sim['wall']['kernel']:.4f} "
            f"| {sim['kernel_rate']:.3g} |",
            f"| unpack words → bools | {sim['unpack']:.4f} | {sim['wall']['unpack']:.4f} | |",
            f"| public `simulate(bits)` | {sim['public']:.4f} | {sim['wall']['public']:.4f} "
            f"| {sim['public_rate']:.3g} |",
            "",
            f"Public / kernel rate: **{ratio:.2f}** (target ≥ 0.5: "
            f"{'met' if ratio >= 0.5 else 'NOT met'}). Packing and unpacking are compiled "
            "one-pass kernels over the rows in memory order (before: `np.packbits` on the "
            "transposed array, 0.38 s of pack for a 0.086 s kernel on this circuit).",
            "",
            "## B. `tetrakis.interpolate(values_fn, x)` vs scipy",
            "",
            f"d = {itp['d']}, {itp['side']}^{itp['d']} grid, {itp['points']:,} uniform points, "
            "`values_fn` = flat index by strides (cheap, vectorised).",
            "",
            "| path | CPU s | wall s | scipy CPU time / this |",
            "|---|---|---|---|",
            f"| occam `interpolate(values_fn, x)` (generic) | {itp['generic']:.4f} "
            f"| {itp['wall']['generic']:.4f} | {itp['ratio_generic']:.1f}x |",
            f"| occam `GridFunction(values)(x)` | {itp['grid_function']:.4f} "
            f"| {itp['wall']['grid_function']:.4f} | {itp['ratio_grid']:.1f}x |",
            f"| scipy `RegularGridInterpolator` (linear) | {itp['scipy']:.4f} "
            f"| {itp['wall']['scipy']:.4f} | 1.0x |",
            "",
            f"Generic path: **{itp['ratio_generic']:.1f}x** scipy (target ≥ 10x: "
            f"{'met' if itp['ratio_generic'] >= 10 else 'NOT met'}). The vertices of positive "
            "weight are walked by compiled code straight to mixed-radix int64 keys (the "
            "(n, d+1, d) vertex array is never built) and deduplicated by an O(m) hash set "
            "(before: vertices materialised, then a sort-based unique that cost more than "
            "locating them: 4-5x scipy). `locate` shares the same compiled walk. The circuit "
            "path (`TetrakisFunction`) uses the same call: values_fn still sees each distinct "
            "vertex once. `GridFunction` needs no deduplication at all (it reads values by "
            "flat index), hence its lead.",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    n_patterns = 2**18 if args.quick else 2**20
    side = 7 if args.quick else 9
    sim = bench_simulate(n_patterns, args.repeats)
    print(
        f"simulate (CPU): pack {sim['pack']:.4f} s, kernel {sim['kernel']:.4f} s, unpack "
        f"{sim['unpack']:.4f} s, public {sim['public']:.4f} s, public/kernel rate "
        f"{sim['public_rate'] / sim['kernel_rate']:.2f}"
    )
    itp = bench_interpolate(8, side, 20_000, args.repeats)
    print(
        f"interpolate (CPU): generic {itp['generic']:.4f} s, GridFunction "
        f"{itp['grid_function']:.4f} s,"
        f" scipy {itp['scipy']:.4f} s, generic {itp['ratio_generic']:.1f}x scipy"
    )
    if args.out:
        command = "python benchmarks/bench_fastpaths.py " + " ".join(sys.argv[1:] or [])
        atomic_write_bytes(args.out, render(sim, itp, command.strip()).encode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
