"""The IWLS 2020 benchmark (issue 18 item 3): finding the functions, learning one function into a
checked file, and the summary by family. The sweep over functions (process pool or Ray, resumable)
is the experiment ``iwls`` of :mod:`occam.experiments.iwls`, behind ``occam iwls``.

A benchmark folder holds ``train/NAME.train.pla[.gz]`` and ``validation/NAME.valid.pla[.gz]``.
:func:`learn_and_write` is the per-function unit of work: it fits a :class:`CircuitLearner`,
writes ``NAME.aig`` and reads it back (occam simulation on validation, ABC ``print_stats``;
:func:`check_file`), so the numbers of its record are those of the file.

The family of a function (:func:`family`, from the benchmark README's table of ids) is used for
REPORTING only; the learner never sees a name.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import numpy as np

from occam._atomic import atomic_write_bytes
from occam.circuits.io import read_pla
from occam.learn.learner import CircuitLearner, LearnError

__all__ = [
    "FAMILIES",
    "family",
    "find_functions",
    "learn_and_write",
    "summarize",
    "summary_markdown",
]

#: README table of the benchmark: id range → family (reporting only)
FAMILIES: list[tuple[int, int, str]] = [
    (0, 9, "adders"),
    (10, 19, "dividers"),
    (20, 29, "multipliers"),
    (30, 39, "comparators"),
    (40, 49, "square roots"),
    (50, 59, "PicoJava"),
    (60, 69, "MCNC i10"),
    (70, 79, "MCNC + symmetric"),
    (80, 89, "MNIST"),
]
_ID = re.compile(r"(\d+)")


def family(name: str) -> str:
    """Family of benchmark ``name`` (e.g. ``ex34`` → comparators), ``other`` when unknown."""
    m = _ID.search(name)
    if m is not None:
        k = int(m.group(1))
        for lo, hi, fam in FAMILIES:
            if lo <= k <= hi:
                return fam
    return "other"


def _pla(folder: Path, kind: str) -> dict[str, Path]:
    out = {}
    for p in sorted(folder.glob(f"*.{kind}.pla*")):
        if p.name.endswith((f".{kind}.pla", f".{kind}.pla.gz")):
            out[p.name.split(f".{kind}.pla")[0]] = p
    return out


def find_functions(root: str | os.PathLike[str]) -> list[tuple[str, Path, Path]]:
    """``(name, train, valid)`` for every function in ``root/train`` and ``root/validation``."""
    r = Path(root)
    for sub in ("train", "validation"):
        if not (r / sub).is_dir():
            raise LearnError(f"{r}: expected sub-folders train/ and validation/ ({sub}/ missing)")
    train, valid = _pla(r / "train", "train"), _pla(r / "validation", "valid")
    names = sorted(set(train) & set(valid))
    if not names:
        raise LearnError(f"{r}: no NAME.train.pla[.gz] with a matching NAME.valid.pla[.gz]")
    return [(n, train[n], valid[n]) for n in names]


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (ABC runs as a child process): on a
    shared machine wall time overstates what the learner costs, CPU time does not."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def learn_and_write(
    train: str | os.PathLike[str],
    valid: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    name: str,
    *,
    max_nodes: int = 5000,
    seed: int = 0,
    quick: bool = False,
    routes: tuple[str, ...] | None = None,
) -> dict:
    """Learn one function, write ``out_dir/NAME.aig`` and check the file (read back, simulated on
    validation, ABC ``print_stats``). ``name`` names the files only; the learner never sees it.

    Returns the record: per-route results, the chosen route, the file's validation accuracy,
    AIG ANDs (header ``A``; ABC's count beside it), {AND, OR, NOT} gates, levels, wall and CPU
    seconds of the learning.
    """
    t0 = time.perf_counter()
    cpu0 = _cpu_seconds()
    xt, yt = read_pla(train)
    xv, yv = read_pla(valid)
    for path, y in ((train, yt), (valid, yv)):
        if y.shape[1] != 1:
            raise LearnError(f"{path}: expected one output, found {y.shape[1]}")
    learner = CircuitLearner(routes, max_nodes=max_nodes, seed=seed, quick=quick)
    learner.fit(xt, yt[:, 0], xv, yv[:, 0])
    seconds = time.perf_counter() - t0
    cpu = _cpu_seconds() - cpu0
    check = learner.write(Path(out_dir) / f"{name}.aig", xv, yv[:, 0])
    return {
        "name": name,
        "family": family(name),
        "n_inputs": int(xt.shape[1]),
        **learner.summary(),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "file": Path(check.path).name,
        "valid_accuracy_file": check.accuracy,
        "ands": check.header_ands,
        "abc_ands": check.abc_ands,
        "levels": check.abc_levels,
        "gates": check.gates,
        "depth": check.depth,
    }


def _mean(v: list[float]) -> float | None:
    return float(np.mean(v)) if v else None


def summarize(records: list[dict], out: str | os.PathLike[str]) -> dict:
    """Per family, per route and overall means of the records of :func:`learn_and_write`;
    writes ``summary.json``, ``summary.md`` and ``families.png`` into ``out``."""
    out_dir = Path(out)
    recs = sorted(records, key=lambda r: r["name"])
    fams: dict[str, list[dict]] = {}
    for r in recs:
        fams.setdefault(r["family"], []).append(r)
    route_names = sorted({k for r in recs for k in r["routes"]})
    rows = []
    for fam, rs in [*fams.items(), ("all", recs)]:
        mix: dict[str, int] = {}
        for r in rs:
            mix[r["route"]] = mix.get(r["route"], 0) + 1
        row = {
            "family": fam,
            "n": len(rs),
            "valid_accuracy": _mean([r["valid_accuracy_file"] for r in rs]),
            "ands": _mean([r["ands"] for r in rs]),
            "gates": _mean([r["gates"] for r in rs]),
            "levels": _mean([r["levels"] for r in rs]),
            "seconds": _mean([r["seconds"] for r in rs]),
            "cpu_seconds": _mean([r.get("cpu_seconds", r["seconds"]) for r in rs]),
            "mix": mix,
        }
        for rn in route_names:
            ok = [r["routes"][rn] for r in rs if "valid_accuracy" in r["routes"].get(rn, {})]
            row[f"{rn}_accuracy"] = _mean([o["valid_accuracy"] for o in ok])
            row[f"{rn}_ands"] = _mean([o["ands"] for o in ok])
        rows.append(row)
    summary = {
        "functions": len(recs),
        "total_seconds": float(sum(r["seconds"] for r in recs)),
        "total_cpu_seconds": float(sum(r.get("cpu_seconds", r["seconds"]) for r in recs)),
        "routes": route_names,
        "rows": rows,
    }
    atomic_write_bytes(out_dir / "summary.json", json.dumps(summary, indent=1).encode())
    atomic_write_bytes(out_dir / "summary.md", summary_markdown(summary).encode())
    if recs:
        _plot(rows[:-1], out_dir / "families.png")
    return summary


def _fmt(v: float | None, spec: str = ".0f") -> str:
    return "-" if v is None else format(v, spec)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.2f}"


def summary_markdown(summary: dict) -> str:
    """Markdown tables: chosen circuit per family, then each route's own mean per family."""
    rn = summary["routes"]
    lines = [
        "| family | n | valid acc % | ANDs | gates | levels | wall s | CPU s | chosen routes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in summary["rows"]:
        mix = ", ".join(f"{k} {v}" for k, v in sorted(r["mix"].items()))
        lines.append(
            f"| {r['family']} | {r['n']} | {_pct(r['valid_accuracy'])} | {_fmt(r['ands'])} | "
            f"{_fmt(r['gates'])} | {_fmt(r['levels'], '.1f')} | {_fmt(r['seconds'])} | "
            f"{_fmt(r['cpu_seconds'])} | {mix} |"
        )
    lines += ["", "| family | " + " | ".join(f"{n} acc % / ANDs" for n in rn) + " |"]
    lines.append("|---|" + "---|" * len(rn))
    for r in summary["rows"]:
        cells = [f"{_pct(r[f'{n}_accuracy'])} / {_fmt(r[f'{n}_ands'])}" for n in rn]
        lines.append(f"| {r['family']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    fams = [r["family"] for r in rows]
    ax[0].barh(fams, [100 * r["valid_accuracy"] for r in rows])
    ax[0].set_xlabel("mean validation accuracy (%)")
    ax[0].set_xlim(50, 100)
    ax[1].barh(fams, [r["ands"] for r in rows])
    ax[1].set_xlabel("mean AIG ANDs")
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)
