"""Exact-synthesis time per function (issue 3, SPEC 2.6): occam against cirbo on the same truth
tables and the same basis {AND, OR, NOT} (NOT counted as a gate).

* occam: :func:`occam.circuits.exact.minimum_circuit` (binary AND/OR DAG with complemented edges,
  NOT gates paid per complemented node, symmetry breaking; glucose4).
* cirbo (PyPI, the ``benchmark`` extra): ``CircuitFinderSat`` with the basis
  ``[lnot_, rnot_, and_, or_]`` (its NOT is a 2-input gate that ignores one input; it costs one
  gate, as ours), called with ``s = 1, 2, ...`` gates until a circuit is found — the same
  "increase s until SAT" loop (cirbo's own solver default, CaDiCaL 1.9.5).

Functions: a representative of every NPN class of 3-input functions that needs at least one
gate (classes under input permutation and negation and output negation; sizes over {AND, OR, NOT}
are not NPN invariant, so each representative is just one member), plus a fixed set of 4-input
functions. Times are CPU seconds of the process doing the work (``time.process_time``; cirbo runs
in a forked child with a wall-clock guard) because the machine is shared with other jobs.
Both include CNF construction in Python. Minimum sizes must agree wherever both finish.

Run: ``.venv/bin/python benchmarks/bench_exact.py`` (``--quick``, ``--timeout``,
``--out benchmarks/results/exact.md``).
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing as mp
import platform
import sys
import time
from pathlib import Path

import numpy as np

from occam.circuits.exact import minimum_circuit, truth_table_string

FOUR_INPUT = {
    "and4": 0x8000,
    "x0x1 + x2x3": 0xF888,
    "threshold >= 3 of 4": 0xE880,
    "exactly two of 4": 0x1668,
    "mux x3 ? x1 : x0 (+x2 unused)": 0xCCAA,
    "0xCAFE": 0xCAFE,
    "parity4": 0x6996,
}


def npn_representatives(n: int) -> list[int]:
    """Smallest truth table (int, bit r = row r) of each NPN class of ``n``-input functions."""
    rows = 1 << n
    full = (1 << rows) - 1
    seen: set[int] = set()
    reps = []
    for f in range(1 << rows):
        if f in seen:
            continue
        orbit = set()
        for perm in itertools.permutations(range(n)):
            for neg in range(1 << n):
                g = 0
                for r in range(rows):
                    if (f >> r) & 1:
                        r2 = 0
                        for i in range(n):
                            if ((r >> i) & 1) ^ ((neg >> i) & 1):
                                r2 |= 1 << perm[i]
                        g |= 1 << r2
                orbit.add(g)
                orbit.add(full ^ g)
        seen |= orbit
        reps.append(min(orbit))
    return reps


def table(f: int, n: int) -> np.ndarray:
    return np.array([(f >> r) & 1 for r in range(1 << n)], dtype=bool)


def run_occam(f: int, n: int, timeout: float) -> tuple[int | None, float, str]:
    t0 = time.process_time()
    res = minimum_circuit(table(f, n), time_limit=timeout)
    return res.size if res.success else None, time.process_time() - t0, res.outcome


def _cirbo_child(f: int, n: int, conn) -> None:
    from cirbo.core.truth_table import TruthTableModel
    from cirbo.synthesis.circuit_search import CircuitFinderSat, Operation
    from cirbo.synthesis.exception import NoSolutionError

    # cirbo's row j has input 0 as the most significant bit of j: reverse the bits of our rows
    def our_row(j: int) -> int:
        return sum(1 << (n - 1 - i) for i in range(n) if (j >> i) & 1)

    tt = [[bool((f >> our_row(j)) & 1) for j in range(1 << n)]]
    basis = [Operation.lnot_, Operation.rnot_, Operation.and_, Operation.or_]
    t0 = time.process_time()
    for s in range(1, 40):
        try:
            circuit = CircuitFinderSat(TruthTableModel(tt), s, basis=basis).find_circuit()
        except NoSolutionError:
            continue
        conn.send((s, time.process_time() - t0, circuit.gates_number() - n))
        return
    conn.send((None, time.process_time() - t0, None))


def run_cirbo(f: int, n: int, timeout: float) -> tuple[int | None, float | None]:
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_cirbo_child, args=(f, n, child))
    proc.start()
    ok = parent.poll(timeout)
    if not ok:
        proc.kill()
        proc.join()
        return None, None
    s, t, _ = parent.recv()
    proc.join()
    return s, t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3-input classes only")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per function and tool")
    ap.add_argument("--out", type=Path, default=None, help="write the markdown table here")
    args = ap.parse_args()

    cases: list[tuple[str, int, int]] = []
    for f in npn_representatives(3):
        res = minimum_circuit(table(f, 3))
        if res.size:  # cirbo needs an output gate: skip constants and projections
            cases.append((f"3-input NPN class {truth_table_string(table(f, 3))}", f, 3))
    if not args.quick:
        cases += [(name, f, 4) for name, f in FOUR_INPUT.items()]

    rows = []
    tot_o = tot_c = 0.0
    for name, f, n in cases:
        s_o, t_o, status = run_occam(f, n, args.timeout)
        s_c, t_c = run_cirbo(f, n, args.timeout)
        if s_o is not None and s_c is not None:
            assert s_o == s_c, f"size mismatch on {name}: occam {s_o}, cirbo {s_c}"
            tot_o += t_o
            tot_c += t_c
        ratio = f"{t_c / t_o:.1f}" if (t_c is not None and s_o is not None and t_o > 0) else "—"
        rows.append(
            f"| {name} | {truth_table_string(table(f, n))} | "
            f"{s_o if s_o is not None else status} | {t_o:.3f} | "
            f"{s_c if s_c is not None else f'timeout ({args.timeout:g} s)'} | "
            f"{'—' if t_c is None else f'{t_c:.3f}'} | {ratio} |"
        )
        print(rows[-1], flush=True)

    cmd = (
        "`.venv/bin/python benchmarks/bench_exact.py"
        + (" --quick" if args.quick else "")
        + (f" --timeout {args.timeout:g}`" if args.timeout != 300.0 else "`")
    )
    text = "\n".join(
        [
            "# Exact synthesis: occam vs cirbo",
            "",
            f"Command: {cmd}",
            "",
            f"Machine: {platform.machine()}, 2 cores shared with other jobs during the run; CPU "
            f"seconds (`time.process_time`) of the process doing the work, one thread. Python "
            f"{sys.version.split()[0]}.",
            "",
            "Basis {AND, OR, NOT} for both, NOT counted as a gate; minimum size = first s with a "
            "circuit. occam: `minimum_circuit` (glucose4). cirbo 1.1.0: `CircuitFinderSat` with "
            "basis `[lnot_, rnot_, and_, or_]`, s = 1, 2, ... (CaDiCaL 1.9.5). Ratio = cirbo time "
            "/ occam time. Sizes agree wherever both finished (asserted by the script).",
            "",
            "| function | truth table | occam size | occam CPU s | cirbo size | cirbo CPU s | "
            "ratio |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Total over functions both solved: occam {tot_o:.2f} s, cirbo {tot_c:.2f} s "
            f"(ratio {tot_c / tot_o if tot_o else float('nan'):.1f}).",
            "",
        ]
    )
    if args.out is not None:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
