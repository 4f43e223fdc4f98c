"""Benchmark of the minimum R-norm LP (SPEC 12 c; issue 7).

Baseline: the direct split-form LP with the explicit (scipy.sparse) feature matrix Φ
(``formulation="dense"``), solved by the HiGHS dual simplex, the strongest simple thing a user
would write. Also HiGHS on the chain encoding (dual simplex, interior point). Ours: occam's
structured interior point method (``solver="structured"``, occam.rnorm.ipm; the "auto" choice from
256 rows on). All are solved to optimality and must agree; the table reports wall and CPU seconds
(build + solve), the ratios, and the nonzero counts. Then the target size of issue 7 (2^12 = 4096
points, ridge ∪ 25 random directions = 102,399 units) under a 60 s limit: the structured solver
for a sparse teacher, parity and random labels, HiGHS (chain, interior point) as the baseline on
the teacher; the free dictionary of experiment (i) (with all sign directions) for d = 9..11; and
the exact parity shortcut (flip symmetry + certified lower bound) for the union dictionary at
d = 12.

Run:  .venv/bin/python benchmarks/bench_rnorm.py [--quick] [--out benchmarks/results/rnorm.md]
      [--experiments runs/rnorm/summary.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from occam.experiments.rnorm import union_lower_bound
from occam.report import atomic_write_text
from occam.rnorm import (
    TwoLayer,
    cube,
    min_rnorm_interpolation,
    parity,
    random_dictionary,
    ridge_dictionary,
    ridge_min_rnorm,
    sign_dictionary,
    sign_min_rnorm,
    union_dictionary,
)
from occam.stats import loglog_fit

N_RANDOM = 24
#: (key, formulation, solver): baseline first
RUNS = (
    ("dense", "dense", "simplex"),
    ("chain", "chain", "simplex"),
    ("ipm", "chain", "ipm"),
    ("structured", "auto", "structured"),
)
#: random directions at the target size: 25 × 4095 kinks + 24 ridge kinks = 102,399 units
N_RANDOM_BIG = 25


def teacher_target(X: np.ndarray, dic, seed: int) -> tuple[np.ndarray, float]:
    """y from 8 random units of the dictionary (so the optimum is at most the teacher's norm)."""
    W, b = dic.neurons(X)
    rng = np.random.default_rng(seed)
    idx = rng.choice(b.size, 8, replace=False)
    teacher = TwoLayer(W[idx], b[idx], rng.normal(size=8))
    return teacher(X), teacher.rnorm()


def nnz_dense(X: np.ndarray, dic) -> int:
    Z = dic.projections(X)
    return int(sum(np.sum(Z[:, i][:, None] > t[None, :]) for i, t in enumerate(dic.kinks(Z))))


def run_pair(d: int, target: str, limit: float) -> dict:
    X = cube(d)
    dic = union_dictionary(ridge_dictionary(d), random_dictionary(d, N_RANDOM, seed=0))
    if target == "teacher":
        y, _ = teacher_target(X, dic, seed=d)
    else:
        y = parity(X)
    row = {"d": d, "n": X.shape[0], "units": dic.n_neurons(X), "target": target}
    row["nnz_dense"] = 2 * nnz_dense(X, dic)
    for key, form, solver in RUNS:
        c0 = time.process_time()
        res = min_rnorm_interpolation(X, y, dic, formulation=form, solver=solver, time_limit=limit)
        row[f"{key}_cpu"] = time.process_time() - c0
        row[f"{key}_status"] = res.status
        row[f"{key}_s"] = res.solve_time + res.build_time
        row[f"{key}_fun"] = res.fun
        row[f"{key}_gap"] = res.gap
    ok = all(row[f"{key}_status"] == 0 for key, _, _ in RUNS)
    funs = [row[f"{key}_fun"] for key, _, _ in RUNS]
    row["agree"] = bool(ok and max(funs) - min(funs) <= 1e-6 * min(funs))
    return row


def experiments_section(path: Path) -> list[str]:
    """Markdown tables from the summary.json written by `occam rnorm` (SPEC 12 d)."""
    summary = json.loads(path.read_text())

    def fmt(value: object) -> str:
        return "—" if value is None else f"{value:.4g}"

    lines = [
        "## Experiments (`occam rnorm`)",
        "",
        f"Command: `.venv/bin/occam rnorm --out {path.parent}` (same machine and load).",
        "",
        "### (i) Minimum R-norm of a parity interpolant on all of {±1}^d",
        "",
        "ridge = LP over directions ±1/√d (exact value 2√d(d−1)); free = LP over ridge ∪ sign ∪ "
        "random directions where solved, else the exact flip-symmetric value, certified by the "
        "union lower bound 1/max|Eχσ|.",
        "",
        "| d | ridge LP | ridge exact | ridge construction | free LP | free min "
        "| union lower bound | averaged construction |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in summary["rnorm_vs_d"]:
        lines.append(
            f"| {r['d']} | {fmt(r['ridge_lp'])} | {fmt(r['ridge_exact'])} | "
            f"{fmt(r['ridge_construction'])} | {fmt(r['union_lp'])} | {fmt(r['free_min'])} | "
            f"{fmt(r['union_lower_bound'])} | {fmt(r['averaged_construction'])} |"
        )
    lines += ["", "| series | exponent | 95% interval | points |", "|---|---|---|---|"]
    for key, fit in summary["fits"].items():
        lines.append(
            f"| {key} | {fit['slope']:.3f} | [{fit['ci_low']:.3f}, {fit['ci_high']:.3f}] | "
            f"{fit['n']} |"
        )
    big_d = np.arange(12, 61)
    sign_fit = loglog_fit(big_d, [sign_min_rnorm(int(k)) for k in big_d])
    ridge_fit = loglog_fit(big_d, [ridge_min_rnorm(int(k)) for k in big_d])
    verdict = "yes" if summary["free_below_averaged_for_all_d"] else "NO"
    lines += [
        "",
        "The small-d fits are inflated by lower-order terms (ridge: 2√d(d−1)). The exact closed "
        "forms extend to larger d: over d = 12..60 the sign-dictionary minimum 1/max|Eχσ| has "
        f"exponent {sign_fit.slope:.3f} [{sign_fit.ci_low:.3f}, "
        f"{sign_fit.ci_high:.3f}] and the ridge minimum {ridge_fit.slope:.3f} "
        f"[{ridge_fit.ci_low:.3f}, {ridge_fit.ci_high:.3f}] (seed 004: 1 and 3/2).",
        "",
        f"Free minimum ≤ averaged construction for every d: {verdict}.",
        "",
        "### (ii) Learning χ on {±1}^d from n uniform samples (sign dictionary)",
        "",
        "| d | n | n/d² | n/d³ | population MSE of clip(g) | error rate | R-norm |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = summary["learning"]
    for d, n in sorted({(r["d"], r["n"]) for r in rows}):
        sub = [r for r in rows if r["d"] == d and r["n"] == n]
        mse = sum(r["mse"] for r in sub) / len(sub)
        err = sum(r["error_rate"] for r in sub) / len(sub)
        norm = sum(r["rnorm"] for r in sub) / len(sub)
        lines.append(
            f"| {d} | {n} | {n / d**2:.3g} | {n / d**3:.3g} | {mse:.3f} | {err:.3f} | {norm:.4g} |"
        )
    return [*lines, ""]


def target_size_runs() -> dict:
    """Issue 7 target size: 4096 points, > 10^5 units, 60 s limit; structured per target and one
    HiGHS baseline run."""
    X = cube(12)
    dic = union_dictionary(ridge_dictionary(12), random_dictionary(12, N_RANDOM_BIG, seed=0))
    y_teacher, teacher_norm = teacher_target(X, dic, seed=12)
    targets = {
        "teacher": y_teacher,
        "parity": parity(X),
        "noise": np.random.default_rng(0).normal(size=X.shape[0]),
    }
    big = {"teacher_norm": teacher_norm, "runs": []}
    for target, y in targets.items():
        for form, solver in (("auto", "structured"), ("chain", "ipm")):
            if solver == "ipm" and target != "teacher":
                continue  # one HiGHS baseline run (it stops at the limit either way)
            c0 = time.process_time()
            res = min_rnorm_interpolation(
                X, y, dic, formulation=form, solver=solver, time_limit=60.0
            )
            big["units"] = res.n_neurons
            big["runs"].append(
                {
                    "target": target,
                    "solver": solver,
                    "status": res.status,
                    "message": res.message,
                    "seconds": res.solve_time + res.build_time,
                    "cpu": time.process_time() - c0,
                    "fun": res.fun,
                    "gap": res.gap,
                    "units_used": 0 if res.x is None else int(np.count_nonzero(res.x)),
                }
            )
            print(big["runs"][-1], flush=True)
    return big


def free_dictionary_runs() -> list[dict]:
    """The free dictionary of experiment (i): ridge ∪ sign ∪ 8 random directions, parity."""
    free = []
    for d in (9, 10, 11):
        Xd = cube(d)
        dic_free = union_dictionary(
            ridge_dictionary(d), sign_dictionary(d), random_dictionary(d, 8, seed=0)
        )
        c0 = time.process_time()
        res = min_rnorm_interpolation(Xd, parity(Xd), dic_free, solver="structured")
        free.append(
            {
                "d": d,
                "units": res.n_neurons,
                "status": res.status,
                "seconds": res.solve_time + res.build_time,
                "cpu": time.process_time() - c0,
                "fun": res.fun,
                "gap": res.gap,
                "exact": sign_min_rnorm(d),
            }
        )
        print(free[-1], flush=True)
    return free


def header_lines(args: argparse.Namespace, limit: float, load_before, load_after) -> list[str]:
    """Command, machine and the legend of the main table."""
    return [
        "# R-norm LP benchmark (issue 7)",
        "",
        "Command: `.venv/bin/python benchmarks/bench_rnorm.py"
        + (" --quick" if args.quick else "")
        + (f" --experiments {args.experiments}" if args.experiments else "")
        + "`",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores shared by "
        f"8 engineers (load average {load_before[0]:.1f} before, {load_after[0]:.1f} after); "
        f"Python {sys.version.split()[0]}, HiGHS via scipy.optimize.linprog (one thread). Times "
        "are wall seconds (build + solve) and CPU seconds of this process; wall times are noisy "
        "on this shared CPU.",
        "",
        f"Dictionary: ridge (±1/√d) ∪ {N_RANDOM} random unit directions, all relevant biases; "
        "data: all of {±1}^d. Targets: `teacher` = 8 random units of the dictionary, "
        "`parity` = χ. Baseline = HiGHS on the explicit sparse Φ, dual simplex (`dense`); "
        "`chain` = HiGHS, chain encoding, dual simplex; `ipm` = HiGHS, chain encoding, "
        "interior point (the previous default); `structured` = occam's interior point method on "
        "the dense normal equations (occam.rnorm.ipm, the default from 256 rows on). Cells: "
        f"wall s / CPU s (build + solve), limit {limit:.0f} s.",
        "",
        "| d | n | units | target | nnz Φ (split) | dense s | chain s | ipm s | structured s | "
        "dense/structured | ipm/structured | optimum | same optimum | certificate gap "
        "(structured) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]


def pair_table(rows: list[dict]) -> list[str]:
    """One line per (d, target) pair of the main table."""
    lines = []

    def cell(r: dict, key: str) -> str:
        mark = "" if r[f"{key}_status"] == 0 else " (limit)"
        return f"{r[f'{key}_s']:.2f} / {r[f'{key}_cpu']:.2f}{mark}"

    def ratio(r: dict, key: str) -> str:
        value = r[f"{key}_s"] / r["structured_s"]
        if r["structured_status"] != 0:
            return "n/a"
        return f"{value:.1f}" if r[f"{key}_status"] == 0 else f"≥ {value:.1f}"

    for r in rows:
        ok = r["structured_status"] == 0
        all_ok = all(r[f"{key}_status"] == 0 for key, _, _ in RUNS)
        same = ("yes" if r["agree"] else "no") if all_ok else "n/a"
        opt = f"{r['structured_fun']:.8g}" if ok else "—"
        gap = f"{r['structured_gap']:.1e}" if ok else "—"
        lines.append(
            f"| {r['d']} | {r['n']} | {r['units']} | {r['target']} | {r['nnz_dense']:,} | "
            f"{cell(r, 'dense')} | {cell(r, 'chain')} | {cell(r, 'ipm')} | "
            f"{cell(r, 'structured')} | {ratio(r, 'dense')} | {ratio(r, 'ipm')} | {opt} | "
            f"{same} | {gap} |"
        )
    return lines


def big_table(big: dict) -> list[str]:
    """The target-size table (empty when not run)."""
    lines: list[str] = []
    if big:
        lines += [
            "",
            f"Target size (issue 7: 2^12 = 4096 points, ridge ∪ {N_RANDOM_BIG} random directions "
            f"= {big['units']:,} units; teacher norm {big['teacher_norm']:.6g}; 60 s limit each; "
            "`structured` forced, so no HiGHS fallback is hidden in its time):",
            "",
            "| target | solver | status | wall s | CPU s | optimum | certificate gap | "
            "units used |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for run in big["runs"]:
            ok = run["status"] == 0
            fun = f"{run['fun']:.10g}" if ok else "—"
            gap = f"{run['gap']:.1e}" if ok else "—"
            used = run["units_used"] if ok else "—"
            lines.append(
                f"| {run['target']} | {run['solver']} | {run['status']} | {run['seconds']:.1f} | "
                f"{run['cpu']:.1f} | {fun} | {gap} | {used} |"
            )
        lines += [""]
        for run in big["runs"]:
            if run["status"] != 0:
                lines.append(f"- {run['target']} / {run['solver']}: {run['message']}")
    return lines


def free_table(free: list[dict]) -> list[str]:
    """The free-dictionary table (empty when not run)."""
    lines: list[str] = []
    if free:
        lines += [
            "",
            "Free dictionary of experiment (i) (ridge ∪ sign ∪ 8 random directions, parity on all "
            "of {±1}^d), structured solver, against the exact flip-symmetric minimum:",
            "",
            "| d | units | status | wall s | CPU s | LP optimum | exact | certificate gap |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for f in free:
            ok = f["status"] == 0
            lines.append(
                f"| {f['d']} | {f['units']:,} | {f['status']} | {f['seconds']:.1f} | "
                f"{f['cpu']:.1f} | {f['fun']:.10g} | {f['exact']:.10g} | "
                f"{f['gap']:.1e} |"
                if ok
                else f"| {f['d']} | {f['units']:,} | {f['status']} | {f['seconds']:.1f} | "
                f"{f['cpu']:.1f} | — | {f['exact']:.10g} | — |"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="benchmarks/results/rnorm.md")
    parser.add_argument(
        "--experiments",
        default=None,
        help="summary.json of `occam rnorm --out DIR`, appended to the report",
    )
    args = parser.parse_args()
    limit = 120.0
    pairs = (
        [(8, "teacher"), (8, "parity")]
        if args.quick
        else [(8, "teacher"), (8, "parity"), (9, "teacher"), (9, "parity"), (10, "teacher")]
    )
    load_before = os.getloadavg()
    rows = []
    for d, target in pairs:
        row = run_pair(d, target, limit)
        print(row, flush=True)
        rows.append(row)
    big = {} if args.quick else target_size_runs()
    free = [] if args.quick else free_dictionary_runs()
    # exact parity minimum for the union dictionary at d = 12 via symmetry + certificate
    t0 = time.perf_counter()
    upper = sign_min_rnorm(12)
    lower, _ = union_lower_bound(12, N_RANDOM, 0)
    t_exact = time.perf_counter() - t0
    load_after = os.getloadavg()
    lines = header_lines(args, limit, load_before, load_after)
    lines += pair_table(rows) + big_table(big) + free_table(free)
    lines += [
        "",
        f"Exact union minimum at d = 12 (4096 points, sign ∪ ridge ∪ {N_RANDOM} random "
        f"directions): flip-symmetric value {upper:.10g}, certified lower bound {lower:.10g} "
        f"(weak duality with λ = χ/2^d), computed in {t_exact:.2f} s.",
        "",
    ]
    if args.experiments:
        lines += experiments_section(Path(args.experiments))
    atomic_write_text(args.out, "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
