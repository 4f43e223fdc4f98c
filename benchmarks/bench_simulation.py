"""Simulation throughput (issue 3): gate·patterns per second on circuits of ≥ 100k gates and
≥ 10^6 patterns, occam's numba kernel against two baselines run in the same process:

* Python integers as bit vectors: one big ``int`` per node holding every pattern, one gate at a
  time (``v[g] = v[a] & v[b]``, ``v[a] | v[b]``, NOT as ``v[a] ^ mask``), each value dropped after
  its last use (the same liveness the numba kernel exploits, so memory stays bounded);
* ABC's own bit-parallel simulator ``&sim`` (Gia) on the same AIG. ``&sim`` refuses purely
  combinational networks, so the AIGER file given to ABC carries one dummy latch (next state 0)
  that no gate reads; every frame then simulates ``W`` random words through all ANDs, and
  ``F`` frames make ``F · W · 64`` patterns. The time is ABC's own ``time`` command around
  ``&sim`` (the file read is excluded). ABC counts AND nodes of the AIG; both counts are given.

Circuits: a random layered circuit (64 inputs, width 500, depth 200: 100,000 gates) and a
128 × 128-bit signed multiplier built with :mod:`occam.circuits.arith`.

All times are CPU seconds of the one thread doing the work (``time.process_time`` here, ABC's
``time`` command, which reports ``clock()``), because the machine is shared and wall time would
mostly measure the other jobs.

Run: ``.venv/bin/python benchmarks/bench_simulation.py`` (``--patterns``, ``--quick``,
``--out benchmarks/results/simulation.md``).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from occam.circuits import Builder, Circuit, arith
from occam.circuits.simulate import SimPlan, block_words
from occam.report import atomic_write_text

ABC = shutil.which("berkeley-abc") or shutil.which("abc")


# ------------------------------------------------------------------------------ circuits


def random_layered(n_inputs: int, width: int, depth: int, seed: int = 0) -> Circuit:
    """Layer ℓ has ``width`` gates of random type; fanin ``a`` from layer ℓ−1 (a permutation of
    it, so no gate is dead), ``b`` from layers ℓ−1 or ℓ−2 (inputs count as layer 0); outputs are
    the last layer."""
    rng = np.random.default_rng(seed)
    layers = [(2, 2 + n_inputs)]
    ops, fan = [], []
    nxt = 2 + n_inputs
    for _ in range(depth):
        lo = layers[max(0, len(layers) - 2)][0]
        prev_lo, hi = layers[-1]
        op = rng.integers(0, 3, size=width)
        if hi - prev_lo == width:  # every gate of the previous layer is read: nothing is dead
            a = prev_lo + rng.permutation(width)
        else:
            a = rng.integers(prev_lo, hi, size=width)
        b = np.where(op == 2, a, rng.integers(lo, hi, size=width))
        ops.append(op)
        fan.append(np.stack([a, b], axis=1))
        layers.append((nxt, nxt + width))
        nxt += width
    return Circuit(
        n_inputs,
        np.concatenate(ops).astype(np.uint8),
        np.concatenate(fan),
        np.arange(*layers[-1]),
    )


def multiplier(n: int) -> Circuit:
    b = Builder()
    x = b.inputs(n, "a")
    y = b.inputs(n, "b")
    for j, v in enumerate(arith.multiply(b, x, y, signed=True)):
        b.output(v, f"p{j}")
    return b.build()


# ------------------------------------------------------------------------------ engines


def time_numba(c: Circuit, words: np.ndarray, repeats: int) -> tuple[float, np.ndarray]:
    c.simulate_words(words[:, :64])  # compile / load the cached kernel
    best = np.inf
    out = None
    for _ in range(repeats):
        t = time.process_time()
        out = c.simulate_words(words)
        best = min(best, time.process_time() - t)
    return best, out


def time_numpy(c: Circuit, words: np.ndarray) -> tuple[float, np.ndarray]:
    t = time.process_time()
    out = c.simulate_words(words, engine="numpy")
    return time.process_time() - t, out


def time_python_ints(c: Circuit, words: np.ndarray) -> tuple[float, np.ndarray]:
    """Baseline: big Python ints as bit vectors, one gate at a time. Timed: the gate loop only."""
    n_words = words.shape[1]
    n_bytes = 8 * n_words
    mask = (1 << (64 * n_words)) - 1
    base = c.n_inputs + 2
    ops = c.ops.tolist()
    fan = c.fanins.tolist()
    last = [-1] * c.n_nodes
    for g, (a, b) in enumerate(fan):
        last[a] = g
        last[b] = g
    for o in c.outputs.tolist():
        last[o] = len(ops)
    v: list[int | None] = [None] * c.n_nodes
    v[0] = 0
    v[1] = mask
    for i in range(c.n_inputs):
        v[2 + i] = int.from_bytes(words[i].astype("<u8").tobytes(), "little")
    t = time.process_time()
    for g, (op, (a, b)) in enumerate(zip(ops, fan, strict=True)):
        if op == 0:
            v[base + g] = v[a] & v[b]
        elif op == 1:
            v[base + g] = v[a] | v[b]
        else:
            v[base + g] = v[a] ^ mask
        if a >= base and last[a] == g:
            v[a] = None
        if b >= base and last[b] == g:
            v[b] = None
    dt = time.process_time() - t
    out = np.stack(
        [
            np.frombuffer(v[o].to_bytes(n_bytes, "little"), dtype="<u8").astype(np.uint64)
            for o in c.outputs.tolist()
        ]
    )
    return dt, out


def _delta(x: int, out: bytearray) -> None:
    while x & ~0x7F:
        out.append((x & 0x7F) | 0x80)
        x >>= 7
    out.append(x)


def latched_aiger(c: Circuit) -> tuple[bytes, int]:
    """Binary AIGER of ``c`` plus one unused latch (next state 0), and the number of ANDs.

    Uses engineer E's exact {AND, OR, NOT} → AIG map :func:`occam.circuits.io.circuit_to_aig`."""
    from occam.circuits.io import circuit_to_aig

    aig = circuit_to_aig(c)
    n_in, n_and = aig.n_inputs, aig.n_ands

    def shift(lit: int) -> int:  # AND variables move up by one to make room for the latch
        return lit + 2 if (lit >> 1) > n_in else lit

    out = bytearray(b"aig %d %d 1 %d %d\n" % (n_in + 1 + n_and, n_in, len(aig.outputs), n_and))
    out += b"0\n"
    for lit in aig.outputs.tolist():
        out += b"%d\n" % shift(lit)
    for j, (a, b) in enumerate(aig.ands.tolist()):
        lhs = 2 * (n_in + 2 + j)
        r0, r1 = sorted((shift(a), shift(b)), reverse=True)
        _delta(lhs - r0, out)
        _delta(r0 - r1, out)
    out += b"c\nbench_simulation: combinational circuit plus one dummy latch\n"
    return bytes(out), n_and


def time_abc(path: Path, n_patterns: int, words_per_frame: int) -> tuple[float, str]:
    frames = -(-n_patterns // (64 * words_per_frame))
    cmd = f"&r {path}; &ps; time; &sim -F {frames} -W {words_per_frame} -T 3600; time"
    res = subprocess.run([ABC, "-c", cmd], capture_output=True, text=True, timeout=900)
    text = res.stdout + res.stderr
    el = re.findall(r"elapse:\s*([0-9.]+)\s*seconds", text)
    if res.returncode != 0 or len(el) < 2:
        raise RuntimeError(f"ABC failed ({res.returncode}): {text[-2000:]}")
    return float(el[1]), text


# ------------------------------------------------------------------------------ main


def rate(work: float, seconds: float) -> str:
    """work / seconds, or a lower bound when the clock (ABC: 10 ms ticks) read 0."""
    return f"{work / seconds:.3g}" if seconds > 0 else f"> {work / 0.01:.3g}"


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patterns", type=int, default=1 << 20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="small circuits, for a smoke test")
    ap.add_argument("--out", type=Path, default=None)
    return ap.parse_args()


def bench_circuits(quick: bool) -> dict[str, Circuit]:
    """The two benchmark circuits (module docstring), or small ones for ``--quick``."""
    if quick:
        circuits = {"random layered 64 in, 50 x 20": random_layered(64, 50, 20).cleanup()}
        circuits["signed multiplier 8 x 8"] = multiplier(8)
    else:
        circuits = {"random layered 64 in, 500 x 200": random_layered(64, 500, 200).cleanup()}
        circuits["signed multiplier 128 x 128 (arith)"] = multiplier(128)
    return circuits


def time_abc_best(c: Circuit, n_patterns: int) -> dict:
    """ABC ``&sim`` on ``c`` plus a dummy latch, best of 64/256/1024 words per frame."""
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "c.aig"
        data, n_and = latched_aiger(c)
        p.write_bytes(data)
        best = None
        for w in (64, 256, 1024):
            t_abc, _ = time_abc(p, n_patterns, w)
            print(f"ABC &sim -W {w}: {t_abc:.3f} s", flush=True)
            if best is None or t_abc < best[0]:
                best = (t_abc, w)
    return {"abc": best[0], "abc_words": best[1], "abc_ands": n_and}


def bench_one(name: str, c: Circuit, words: np.ndarray, repeats: int) -> dict:
    """Time every engine on ``c`` with the input ``words``, checking their outputs agree."""
    n_words = words.shape[1]
    n_patterns = 64 * n_words
    plan = SimPlan(c.n_inputs, c.ops, c.fanins, c.outputs)
    slots = plan.n_slots
    t_nb, out_nb = time_numba(c, words, repeats)
    gp = c.size * n_patterns
    print(f"numba: {t_nb:.3f} s, {gp / t_nb:.3e} gate·patterns/s (slots {slots})", flush=True)
    row = {
        "name": name,
        "gates": c.size,
        "depth": c.depth,
        "slots": slots,
        "steps": int(plan.ops.shape[0]),
        "block": block_words(slots),
        "numba": t_nb,
    }
    t_py, out_py = time_python_ints(c, words)
    assert np.array_equal(out_py, out_nb), "Python-int baseline disagrees with numba kernel"
    row["python"] = t_py
    print(f"python ints: {t_py:.3f} s ({t_py / t_nb:.1f}x slower)", flush=True)
    # numpy levelised reference keeps every node: run it on 2^16 patterns and check
    sub = words[:, : min(n_words, 1024)]
    t_np, out_np = time_numpy(c, sub)
    assert np.array_equal(out_np, out_nb[:, : sub.shape[1]])
    row["numpy"] = t_np
    row["numpy_patterns"] = 64 * sub.shape[1]
    if ABC is not None:
        row.update(time_abc_best(c, n_patterns))
    return row


def table_rows(r: dict, n_patterns: int) -> list[str]:
    """The Markdown table rows of one circuit: occam numba, Python ints, ABC, numpy."""
    gp = r["gates"] * n_patterns
    lines = [
        f"| {r['name']} (depth {r['depth']}; kernel: {r['steps']:,} AND/OR steps, "
        f"{r['slots']} live rows, block {r['block']} words) | occam numba kernel "
        f"| {r['gates']:,} | {n_patterns:,} | {r['numba']:.3f} | "
        f"{rate(gp, r['numba'])} | 1 |",
        f"| | Python ints (one big int per node) | {r['gates']:,} | {n_patterns:,} | "
        f"{r['python']:.3f} | {rate(gp, r['python'])} | {r['python'] / r['numba']:.1f} |",
    ]
    if "abc" in r:
        agp = r["abc_ands"] * n_patterns
        lines.append(
            f"| | ABC `&sim` (best of W = 64/256/1024 words per frame: W = {r['abc_words']}) "
            f"| {r['abc_ands']:,} ANDs | {n_patterns:,} | {r['abc']:.3f} "
            f"| {rate(agp, r['abc'])} "
            f"| {r['abc'] / r['numba']:.1f} |"
        )
    else:
        lines.append("| | ABC `&sim` | — | — | skipped: berkeley-abc not found | — | — |")
    npat = r["numpy_patterns"]
    lines.append(
        f"| | occam numpy levelised reference | {r['gates']:,} | {npat:,} | {r['numpy']:.3f} "
        f"| {rate(r['gates'] * npat, r['numpy'])} | "
        f"({r['numpy'] / r['numba'] * n_patterns / npat:.1f} per pattern) |"
    )
    return lines


def report(rows: list[dict], args: argparse.Namespace, n_patterns: int) -> str:
    """The Markdown results page: command, machine, method, table and notes."""
    lines = [
        "# Simulation throughput",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_simulation.py"
        f"{' --quick' if args.quick else ''}"
        f"{'' if args.patterns == 1 << 20 else f' --patterns {args.patterns}'}`",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores shared "
        "with other jobs during the run; all times are CPU seconds of the working thread "
        f"(the numba time is the best of {args.repeats}), one thread everywhere. "
        f"Python {sys.version.split()[0]}, "
        f"numpy {np.__version__}. Patterns: {n_patterns:,} random (seeded).",
        "",
        "Throughput = gates × patterns / seconds, each engine on its own gate count "
        "(ours: AND+OR+NOT of SPEC 2.1; ABC: AND nodes of the AIG). "
        "Ratio = time of the baseline / time of occam numba, same patterns and function.",
        "",
        "| circuit | engine | gates | patterns | CPU time (s) | gate·patterns/s "
        "| time ratio vs numba |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines += table_rows(r, n_patterns)
    lines += [
        "",
        "Outputs of the numba kernel, the Python-int baseline and the numpy reference were checked "
        "equal on every pattern they share. ABC simulates its own random patterns (same count), "
        "so only its time is compared.",
        "",
        "Notes. The occam kernel absorbs NOT gates into complemented edges (as ABC's AIG does), "
        "skips gates outside the output cones, and recycles value rows after their last read, "
        "so a block of words for all live rows stays in the L2 cache; its gate·patterns/s "
        "still counts every SPEC 2.1 gate, NOTs included, and the time ratio is the fair "
        "comparison. The Python-int baseline is strong at 10^6 patterns: each gate is one C "
        "loop over a 128 KiB integer, so interpreter overhead is negligible and it is bound by "
        "memory traffic (every value lives in RAM/L3). ABC's `&sim` is a similar blocked "
        "bit-parallel simulator over AND nodes with complemented edges.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args()
    n_words = -(-args.patterns // 64)
    n_patterns = 64 * n_words
    rng = np.random.default_rng(2024)
    rows = []
    for name, c in bench_circuits(args.quick).items():
        print(f"== {name}: {c}", flush=True)
        words = rng.integers(0, 2**63, size=(c.n_inputs, n_words), dtype=np.uint64)
        words ^= rng.integers(0, 2, size=words.shape, dtype=np.uint64) << np.uint64(63)
        rows.append(bench_one(name, c, words, args.repeats))
    text = report(rows, args, n_patterns)
    print(text)
    if args.out is not None:
        atomic_write_text(args.out, text)


if __name__ == "__main__":
    main()
