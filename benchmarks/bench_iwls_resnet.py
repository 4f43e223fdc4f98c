"""Route (a) of issue 18, the Occam ResNet, beside the other routes on IWLS 2020 functions.

One function per family by default. Every route is run by :class:`occam.learn.CircuitLearner`
(``quick`` grids unless ``--full``); per function the table gives each route's validation
accuracy and AIG AND count (recomputed by simulating its circuit), the resnet route's seconds and
the route the learner chose; then the resnet route's loss against the chosen circuit.

    python benchmarks/bench_iwls_resnet.py [--root /work/shared/benchmarks/iwls2020]
        [--only ex00,ex10,...] [--full]

Its output, with comments, is in ``benchmarks/results/iwls_resnet_route.md``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from occam.circuits.io import read_pla
from occam.learn import ROUTES, CircuitLearner

DEFAULT_ONLY = "ex00,ex10,ex20,ex30,ex40,ex50,ex60,ex70,ex75,ex80"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default="/work/shared/benchmarks/iwls2020")
    ap.add_argument("--only", default=DEFAULT_ONLY)
    ap.add_argument("--full", action="store_true", help="the full grids (default --quick ones)")
    args = ap.parse_args()
    root = Path(args.root)
    routes = list(ROUTES)
    head = "| function | inputs | " + " | ".join(f"{r} acc % / ANDs" for r in routes)
    head += " | resnet s | all routes s | chosen |"
    lines = [head, "|" + "---|" * (len(routes) + 5)]
    gaps, sizes, secs, wins = [], [], [], 0
    t_all = time.perf_counter()
    for name in args.only.split(","):
        xt, yt = read_pla(root / "train" / f"{name}.train.pla.gz")
        xv, yv = read_pla(root / "validation" / f"{name}.valid.pla.gz")
        t0 = time.perf_counter()
        lr = CircuitLearner(routes, quick=not args.full).fit(xt, yt[:, 0], xv, yv[:, 0])
        wall = time.perf_counter() - t0
        res = lr.results_
        cells = []
        for r in routes:
            v = res[r]
            ok = "valid_accuracy" in v
            cells.append(f"{100 * v['valid_accuracy']:.2f} / {v['ands']}" if ok else "none")
        rn = res["resnet"]
        lines.append(
            f"| {name} | {xt.shape[1]} | "
            + " | ".join(cells)
            + f" | {rn['seconds']:.1f} | {wall:.1f} | {lr.route_} |"
        )
        print(lines[-1], flush=True)
        secs.append(rn["seconds"])
        wins += lr.route_ == "resnet"
        if "valid_accuracy" in rn:
            gaps.append(lr.valid_accuracy_ - rn["valid_accuracy"])
            sizes.append(rn["ands"] / max(res[lr.route_]["ands"], 1))
    total = time.perf_counter() - t_all
    flag = "" if args.full else " --quick grids"
    lines += [
        "",
        f"{len(secs)} functions{flag}; resnet route chosen on {wins}; resnet route seconds mean "
        f"{np.mean(secs):.1f}, max {np.max(secs):.1f}; all routes together {total:.0f} s wall.",
        "Resnet route vs the chosen circuit: validation accuracy lower by "
        f"{100 * np.mean(gaps):.2f} points on average (median {100 * np.median(gaps):.2f}, "
        f"max {100 * np.max(gaps):.2f}); "
        f"AND count {np.median(sizes):.1f}x the chosen circuit's (median ratio).",
    ]
    cmd = " ".join(shlex.quote(a) for a in ["python", *sys.argv])
    text = "\n".join([f"command: `{cmd}`", "", *lines, ""])
    print(text)


if __name__ == "__main__":
    main()
