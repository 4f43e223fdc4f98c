"""Benchmark of the circuit learner on IWLS 2020 (issue 18 acceptance).

Runs ``occam.experiments.iwls.run_iwls`` (the code behind ``occam iwls``) on a subset of the
benchmark (default: two functions per family) and compares, on the same functions in the same run,
the chosen circuit against the named baseline of the contest paper, a single decision tree (our
``tree`` route), and every other route; the published figures (arXiv 2012.02530, Table III, test
accuracy over 100 functions) are printed beside them, not as a same-run comparison. The run is
resumable: rerunning the same command skips finished functions.

    python benchmarks/bench_iwls.py [--root /work/shared/benchmarks/iwls2020] [--out DIR]
        [--only ex00,ex11,...] [--quick] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from occam.experiments.iwls import CELLS, run_iwls
from occam.learn.iwls import summary_markdown

RESULTS = Path(__file__).resolve().parent / "results" / "iwls.md"
DEFAULT_ONLY = ",".join(f"ex{k:02d}" for lo in range(0, 90, 10) for k in (lo + 3, lo + 6))
PUBLISHED = [
    ("contest winner (test, 100 functions)", 88.69, 2518),
    ("runner-up", 87.50, 1168),
    ("fringe-feature trees", 85.23, None),
    ("single decision tree", 80.15, 304),
    ("virtual best of all teams", 91.0, 1141),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default="/work/shared/benchmarks/iwls2020")
    ap.add_argument("--out", default="iwls-bench")
    ap.add_argument("--only", default=DEFAULT_ONLY)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--write", action="store_true", help=f"write {RESULTS}")
    args = ap.parse_args()
    t0 = time.perf_counter()
    started = time.time()
    names = args.only.split(",")
    summary = run_iwls(args.root, args.out, quick=args.quick, workers=args.workers, only=names)
    wall = time.perf_counter() - t0
    paths = [p for p in Path(args.out).glob(f"{CELLS}/*/ex*.json") if p.stem in set(names)]
    recs = [json.loads(p.read_text()) for p in paths]
    fresh = sum(p.stat().st_mtime >= started for p in paths)
    chosen = np.array([r["valid_accuracy_file"] for r in recs])
    tree = np.array([r["routes"]["tree"]["valid_accuracy"] for r in recs])
    ands = np.array([r["ands"] for r in recs])
    tree_ands = np.array([r["routes"]["tree"]["ands"] for r in recs])
    lines = [
        f"command: `{' '.join(shlex.quote(a) for a in ['python', *sys.argv])}`",
        f"functions: {len(recs)}; learning time summed over functions "
        f"{summary['total_seconds']:.0f} s (mean {summary['total_seconds'] / len(recs):.0f} s); "
        f"CPU time summed {summary['total_cpu_seconds']:.0f} s; wall time of this invocation "
        f"{wall:.0f} s for the {fresh} functions it learned (the others were resumed)",
        "",
        "| same run, same functions | mean valid acc % | mean ANDs |",
        "|---|---|---|",
        f"| occam learn (chosen on validation) | {100 * chosen.mean():.2f} | {ands.mean():.0f} |",
        f"| baseline: single decision tree (route tree) | {100 * tree.mean():.2f} | "
        f"{tree_ands.mean():.0f} |",
        f"| ratio chosen / tree | {chosen.mean() / tree.mean():.3f} | "
        f"{ands.mean() / tree_ands.mean():.2f} |",
        "",
        "| published (test accuracy, 100 functions; not this run) | acc % | ANDs |",
        "|---|---|---|",
        *(f"| {n} | {a:.2f} | {'' if s is None else s} |" for n, a, s in PUBLISHED),
        "",
        summary_markdown(summary),
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        RESULTS.write_text("# IWLS 2020: learning small circuits from examples\n\n" + text)


if __name__ == "__main__":
    main()
