"""The IWLS 2020 benchmark run (issue 18 item 3): every function learned, its file checked, results
saved as they finish, resumable, in a process pool or on Ray.

A benchmark folder holds ``train/NAME.train.pla[.gz]`` and ``validation/NAME.valid.pla[.gz]``.
:func:`learn_function` is the per-function unit of work (a plain top-level function of a picklable
:class:`Task`, so any sweep engine can run it): it fits a :class:`CircuitLearner` and returns the
record and the bytes of the ``.aig``. The driver (:func:`run_benchmark`) writes the ``.aig``,
reads it back (occam simulation on validation, ABC ``print_stats``; :func:`check_file`) and
saves ``NAME.json`` atomically, so the numbers reported are those of the file even when the
worker ran on another machine. Functions whose ``NAME.json`` exists are skipped (resume).

The family of a function (:func:`family`, from the benchmark README's table of ids) is used for
REPORTING only; the learner never sees a name.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from occam._atomic import atomic_write_bytes
from occam.circuits.io import read_pla, write_aiger_bytes
from occam.learn.learner import CircuitLearner, LearnError, check_file

__all__ = [
    "FAMILIES",
    "Task",
    "family",
    "find_functions",
    "learn_function",
    "run_benchmark",
    "summarize",
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


@dataclass(frozen=True)
class Task:
    """One function to learn: paths and learner settings (picklable for pools and Ray)."""

    name: str
    train: str
    valid: str
    max_nodes: int = 5000
    seed: int = 0
    quick: bool = False
    routes: tuple[str, ...] | None = None


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


def learn_function(task: Task) -> tuple[dict, bytes]:
    """Fit one function; returns its record (per-route results, chosen route, seconds) and the
    binary AIGER bytes of the chosen circuit. Runs in a worker process."""
    t0 = time.perf_counter()
    xt, yt = read_pla(task.train)
    xv, yv = read_pla(task.valid)
    if yt.shape[1] != 1 or yv.shape[1] != 1:
        raise LearnError(f"{task.train}: expected one output, found {yt.shape[1]}")
    learner = CircuitLearner(
        task.routes, max_nodes=task.max_nodes, seed=task.seed, quick=task.quick
    ).fit(xt, yt[:, 0], xv, yv[:, 0])
    record = {
        "name": task.name,
        "n_inputs": int(xt.shape[1]),
        **learner.summary(),
        "seconds": time.perf_counter() - t0,
    }
    return record, write_aiger_bytes(learner.circuit_, binary=True)


def _save(task: Task, out: Path, record: dict, aig: bytes) -> dict:
    """Write the .aig, check the file, save the JSON record (driver side)."""
    path = out / f"{task.name}.aig"
    atomic_write_bytes(path, aig)
    xv, yv = read_pla(task.valid)
    check = check_file(path, xv, yv[:, 0])
    if check.header_ands > task.max_nodes:
        raise LearnError(f"{path}: AIGER header A={check.header_ands} exceeds {task.max_nodes}")
    record.update(
        family=family(task.name),
        file=path.name,
        valid_accuracy_file=check.accuracy,
        ands=check.header_ands,
        abc_ands=check.abc_ands,
        levels=check.abc_levels,
        gates=check.gates,
        depth=check.depth,
    )
    atomic_write_bytes(out / f"{task.name}.json", json.dumps(record, indent=1).encode())
    return record


def _pool_results(tasks: list[Task], workers: int) -> Iterator[tuple[Task, tuple[dict, bytes]]]:
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=workers) as pool:
        futs = {pool.submit(learn_function, t): t for t in tasks}
        for f in as_completed(futs):
            yield futs[f], f.result()


def _ray_results(
    tasks: list[Task], address: str | None, workers: int
) -> Iterator[tuple[Task, tuple[dict, bytes]]]:
    import ray

    started = not ray.is_initialized()
    if started:
        if address:
            ray.init(address=address)
        else:
            ray.init(num_cpus=workers, include_dashboard=False)
    try:
        remote = ray.remote(num_cpus=1)(learn_function)
        pending = {remote.remote(t): t for t in tasks}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                yield pending.pop(ref), ray.get(ref)
    finally:
        if started:
            ray.shutdown()


def run_benchmark(
    root: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    quick: bool = False,
    max_nodes: int = 5000,
    seed: int = 0,
    backend: str = "process",
    address: str | None = None,
    workers: int = 2,
    only: list[str] | None = None,
    routes: tuple[str, ...] | None = None,
    on_done: Callable[[dict, int, int], None] | None = None,
) -> dict:
    """Learn every function of ``root`` not yet in ``out``; returns :func:`summarize` of ``out``.

    ``backend`` is ``"process"`` (local pool of ``workers``) or ``"ray"`` (``address`` of a
    running cluster, or a local instance of ``workers`` CPUs). ``on_done(record, done, total)``
    reports progress after each saved function.
    """
    if backend not in ("process", "ray"):
        raise LearnError(f"backend must be 'process' or 'ray', received {backend!r}")
    if workers < 1:
        raise LearnError(f"workers must be >= 1, received {workers}")
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    funcs = find_functions(root)
    if only:
        unknown = sorted(set(only) - {n for n, _, _ in funcs})
        if unknown:
            raise LearnError(f"only: no such functions in {root}: {unknown}")
        funcs = [f for f in funcs if f[0] in set(only)]
    tasks = [
        Task(n, str(t), str(v), max_nodes, seed, quick, routes)
        for n, t, v in funcs
        if not (out_dir / f"{n}.json").exists()
    ]
    total, done = len(funcs), len(funcs) - len(tasks)
    if tasks:
        results = (
            _pool_results(tasks, workers)
            if backend == "process"
            else _ray_results(tasks, address, workers)
        )
        for task, (record, aig) in results:
            rec = _save(task, out_dir, record, aig)
            done += 1
            if on_done is not None:
                on_done(rec, done, total)
    names = {n for n, _, _ in funcs}
    return summarize(out_dir, names)


def _mean(v: list[float]) -> float:
    return float(np.mean(v)) if v else float("nan")


def summarize(out: str | os.PathLike[str], names: set[str] | None = None) -> dict:
    """Per family, per route and overall means from the ``NAME.json`` records in ``out``; writes
    ``summary.json``, ``summary.md`` and ``families.png`` there."""
    out_dir = Path(out)
    recs = []
    for p in sorted(out_dir.glob("*.json")):
        if p.name == "summary.json" or (names is not None and p.stem not in names):
            continue
        recs.append(json.loads(p.read_text()))
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
        "routes": route_names,
        "rows": rows,
    }
    atomic_write_bytes(out_dir / "summary.json", json.dumps(summary, indent=1).encode())
    atomic_write_bytes(out_dir / "summary.md", summary_markdown(summary).encode())
    if recs:
        _plot(rows[:-1], out_dir / "families.png")
    return summary


def summary_markdown(summary: dict) -> str:
    """Markdown tables: chosen circuit per family, then each route's own mean per family."""
    rn = summary["routes"]
    lines = [
        "| family | n | valid acc % | ANDs | gates | levels | s/function | chosen routes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in summary["rows"]:
        mix = ", ".join(f"{k} {v}" for k, v in sorted(r["mix"].items()))
        lines.append(
            f"| {r['family']} | {r['n']} | {100 * r['valid_accuracy']:.2f} | {r['ands']:.0f} | "
            f"{r['gates']:.0f} | {r['levels']:.1f} | {r['seconds']:.0f} | {mix} |"
        )
    lines += ["", "| family | " + " | ".join(f"{n} acc % / ANDs" for n in rn) + " |"]
    lines.append("|---|" + "---|" * len(rn))
    for r in summary["rows"]:
        cells = [f"{100 * r[f'{n}_accuracy']:.2f} / {r[f'{n}_ands']:.0f}" for n in rn]
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
