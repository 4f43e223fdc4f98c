"""Truth table + ABC frontier (issue 16 item 7, the direct logic-synthesis baseline).

For ``sine1d`` and ``smooth2d`` (``occam.tasks``) and a few (k, b) — k input bits per coordinate
(d·k ≤ 16), b output bits — the quantised target's truth table is built as a circuit
(``occam.circuits.tables``, shared ROBDD of multiplexers), optimised by ABC and proved
equivalent with ``cec``, and its error against the target is measured by simulating the
optimised circuit (``occam.htmc.truth_table``). Compared in the same run, on the same tables:

* ``table``: the ROBDD circuit before ABC (the starting point);
* ``resyn2``: ABC's classic script;
* ``compress2rs x2``: the default of ``truth_table_circuit`` (``compress2rs; compress2rs``).

The frontier keeps, per (k, b), the smaller of the two ABC results (both proved by ``cec``).

Reported per task: every circuit (gates in {AND, OR, NOT}, AIG ANDs, L2 and L∞ errors, CPU
seconds of Python + ABC), the Pareto frontier, C̄(ε) at ε = 0.1, 0.03, 0.01 × std(f) (the
target's standard deviation = the best constant's L2 error), the fitted rate γ̂ with its 95 %
interval and the restricted sup bound at γ = γ̂ (SPEC 2.4).

Run: ``.venv/bin/python benchmarks/bench_truth_table.py``
(``--out benchmarks/results/truth_table_abc.md``, ``--quick`` for a smaller grid,
``--csv-dir DIR`` also writes the frontiers as CSV).
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

from occam.circuits import abc
from occam.htmc import Frontier, fit_rate, sup_bound, truth_table_circuit
from occam.htmc.truth_table import DEFAULT_SCRIPT, constant_errors
from occam.tasks import get_task

GRIDS = {
    "sine1d": [(1, 1), (2, 1), (2, 2), (3, 2), (3, 3)]
    + [(k, b) for k in (4, 6, 8, 10, 12) for b in (k - 2, k, k + 2)],
    "smooth2d": [(1, 1), (2, 1), (2, 2)]
    + [(k, b) for k in (3, 4, 5, 6, 7) for b in (k - 2, k, k + 2) if b >= 1]
    + [(8, 8)],
}
QUICK = {
    "sine1d": [(4, 4), (6, 6), (8, 8)],
    "smooth2d": [(3, 3), (4, 4), (5, 5)],
}
REL_EPS = (0.1, 0.03, 0.01)
SCRIPTS = (DEFAULT_SCRIPT, "resyn2")
N_EVAL = 100_000


def _cpu() -> float:
    """CPU seconds of this process and its finished children (ABC runs as a child)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "—"


def run_task(name: str, grid: list[tuple[int, int]], csv_dir: Path | None) -> list[str]:
    task = get_task(name)
    std, _ = constant_errors(task.fn, task.domain, n_eval=N_EVAL, seed=0)
    frontier = Frontier(norm="l2", constant_error=std)
    rows = []
    for i, (k, b) in enumerate(grid, 1):
        t0 = _cpu()
        # both scripts on the same table circuit, each proved equivalent by cec; keep the best
        c = truth_table_circuit(task.fn, task.domain, k, b, script=SCRIPTS, n_eval=N_EVAL, seed=0)
        cpu = _cpu() - t0
        assert c.verified
        sizes = c.meta["abc_sizes"]
        frontier.add(c.error_l2, c.gates, {**c.provenance(), "task": name})
        rows.append((k, b, c, sizes[SCRIPTS[1]], sizes[SCRIPTS[0]], cpu))
        print(
            f"{name} {i}/{len(grid)} k={k} b={b}: table {c.gates_table}, {sizes}, "
            f"L2 {c.error_l2:.3g}, {cpu:.1f} s",
            file=sys.stderr,
        )
    if csv_dir is not None:
        frontier.write_csv(csv_dir / f"truth_table_abc_{name}.csv")
    lines = [f"### {name}: {task.description}", ""]
    lines.append(
        f"std(f) = best constant's L2 error = {std:.4f} (on {N_EVAL} uniform points). "
        f"{len(grid)} circuits built, all proved equivalent by `cec`."
    )
    lines += [
        "",
        "| k | b | input bits | table gates | resyn2 gates | compress2rs×2 gates | kept gates "
        "| AIG ANDs | L2 error | L∞ error | CPU s | c2rs / table | c2rs / resyn2 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for k, b, c, rg, g, cpu in rows:
        tg = c.gates_table
        lines.append(
            f"| {k} | {b} | {k * c.d_in} | {tg} | {rg} | {g} | {c.gates} | {c.aig_ands} | "
            f"{c.error_l2:.3g} | {c.error_linf:.3g} | {cpu:.2f} | {_ratio(g, tg)} | "
            f"{_ratio(g, rg)} |"
        )
    front = frontier.pareto()
    lines += [
        "",
        "Pareto frontier (L2): "
        + ", ".join(
            f"(k={p.meta['input_bits']}, b={p.meta['output_bits']}: ε={p.error:.3g}, {p.gates})"
            for p in front
        ),
        "",
    ]
    lines += ["| relative ε | ε | C̄(ε) gates | circuit |", "|---|---|---|---|"]
    for rel in REL_EPS:
        eps = rel * std
        ub = frontier.upper_bound(eps)
        which = [p for p in front if p.error <= eps]
        desc = (
            f"k={which[-1].meta['input_bits']}, b={which[-1].meta['output_bits']}"
            if which
            else "none built reaches ε"
        )
        lines.append(f"| {rel} | {eps:.4g} | {ub:g} | {desc} |")
    rate = fit_rate(frontier)
    lines.append("")
    if np.isfinite(rate.gamma):
        sb = sup_bound(frontier, rate.gamma)
        lines.append(
            f"Fitted rate over {rate.n} Pareto points: γ̂ = {rate.gamma:.3f} "
            f"[{rate.gamma_low:.3f}, {rate.gamma_high:.3f}] (95 %), ĉ = {rate.c:.3g} "
            f"[{rate.c_low:.3g}, {rate.c_high:.3g}], R² = {rate.r2:.3f}. Restricted sup bound "
            f"at γ = γ̂: sup_(ε ≥ {sb.eps_min:.3g}) ε·C̄(ε)^(1/γ) = {sb.value:.3g} "
            f"(approached below ε = {sb.eps_at:.3g})."
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--csv-dir", type=Path, default=None)
    args = parser.parse_args()
    grids = QUICK if args.quick else GRIDS
    t0 = time.time()
    body = []
    for name, grid in grids.items():
        body += [*run_task(name, grid, args.csv_dir), ""]
    wall = time.time() - t0
    cmd = "benchmarks/bench_truth_table.py" + (" --quick" if args.quick else "")
    head = [
        "# Truth table + ABC: the direct logic-synthesis baseline",
        "",
        f"Command: `.venv/bin/python {cmd} --out benchmarks/results/truth_table_abc.md`",
        "",
        f"Machine: {platform.machine()}, 2 cores shared with other jobs; Python "
        f"{platform.python_version()}; ABC `{abc.find_abc()}`. CPU s = Python + ABC child "
        f"processes (getrusage) of one `truth_table_circuit` call (table, ROBDD circuits, both ABC "
        f"scripts with `cec`, simulation on the evaluation points); total wall time {wall:.0f} s.",
        "",
        "Each circuit: truth table of the target at the cell centres of enc_k (SPEC 2.2), "
        "outputs rounded to b bits over the table's range (dec = scale·z + offset), built as a "
        "shared ROBDD of multiplexers (variable order: the smallest of MSB-first orders), "
        "optimised by ABC and proved equivalent with `cec`; error against f measured by "
        "simulating the optimised circuit on 10^5 uniform points (L2) and on those plus every "
        "cell edge (L∞). Gates are |C| in {AND, OR, NOT} (SPEC 2.1). Baselines in the same run "
        "on the same starting circuit: the ROBDD circuit itself (table) and ABC `resyn2`; the "
        "frontier keeps the smaller ABC result (kept gates).",
        "",
    ]
    text = "\n".join(head + body)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)


if __name__ == "__main__":
    main()
