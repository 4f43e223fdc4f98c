"""Sweeps: one registered experiment over a grid of configs, in a process pool or on Ray (SPEC 14).

:func:`sweep` runs every config as one *cell* and returns one table: for each cell, in the order
the configs were given, the experiment's rows with two things put in front, ``cell`` (the cell's
id) and the config keys that differ between the cells. Backends:

- ``"process"`` (default): a local pool of ``workers`` processes (default: one per CPU core),
  started with ``spawn`` and one math thread each;
- ``"ray"``: tasks on a Ray cluster (``address="HOST:PORT"``, or the instance already started
  with ``ray.init``, or a new local one); the code of ``occam`` travels with the tasks, files a
  cell writes on a remote node come back to ``out_dir``;
- ``"serial"``: in this process, one cell after the other (debugging).

Every backend runs the same function on the same config, so the tables agree except in the
experiment's ``timing_columns`` (wall times).

Layout of ``out_dir`` and resuming: cell ``c`` writes its files into ``out_dir/cells/c/``; when it
finishes, ``cells/c/cell.json`` (config, rows, summary, files) is written atomically, and so are
``sweep.json`` (every cell's status, the table) and ``sweep.csv`` (the table). A cell is *finished*
when its ``cell.json`` exists with the same experiment and config, so rerunning an interrupted
sweep (a cell raised, the machine went down) runs only the missing cells. The cell id is a hash
of the experiment name and the config, so adding configs to a sweep keeps the finished ones.
A cell that raises is recorded as failed, the others go on, and :class:`SweepError` is raised at
the end with the table of the finished cells.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from occam.errors import OccamError
from occam.experiments.registry import (
    ConfigError,
    Experiment,
    Progress,
    _flatten,
    config_dict,
    get_experiment,
)

__all__ = ["BACKENDS", "SweepError", "cell_id", "grid", "sweep"]

BACKENDS = ("process", "ray", "serial")
CELLS = "cells"
CELL_FILE = "cell.json"


class SweepError(OccamError, RuntimeError):
    """Some cells of a sweep raised; ``failed`` maps cell id -> error text, ``table`` holds the
    rows of the finished cells. Rerunning the sweep runs only the unfinished cells."""

    def __init__(self, failed: dict[str, str], table: list[dict[str, Any]], out_dir: Path):
        self.failed, self.table, self.out_dir = failed, table, out_dir
        first = next(iter(failed.values())).strip().splitlines()[-1]
        super().__init__(
            f"{len(failed)} sweep cell(s) failed (first: {first}); the finished cells are saved "
            f"in {out_dir}; rerun the same sweep to run only the missing cells"
        )


def cell_id(experiment: str, config: Any) -> str:
    """16 hex digits of SHA-256 over the experiment name and the config's canonical JSON."""
    text = json.dumps([experiment, config_dict(config)], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def grid(
    experiment: str | Experiment,
    axes: Mapping[str, Sequence[Any]],
    *,
    quick: bool = False,
    **fixed: Any,
) -> list[Any]:
    """Configs of the Cartesian product of ``axes`` (dotted key -> values; the last key varies
    fastest) on top of the default (or quick) config with ``fixed`` overrides."""
    exp = get_experiment(experiment)
    keys = list(axes)
    for key in keys:
        if isinstance(axes[key], (str, bytes)) or not len(axes[key]):
            raise ConfigError(f"grid: axis {key!r} needs a non-empty sequence of values")
    base = exp.config(quick=quick, **fixed)
    from occam.experiments.registry import apply_overrides

    return [
        apply_overrides(base, dict(zip(keys, values, strict=True)))
        for values in itertools.product(*(axes[k] for k in keys))
    ]


# -- one cell, run wherever the backend puts it ---------------------------------------------------
@dataclass(frozen=True)
class _Job:
    """What a worker needs: where to find the experiment (module + name, so nothing but two strings
    is pickled for it), the config, the folder, and whether to ship the files back."""

    module: str
    name: str
    config: Any
    cell_dir: str
    ship_files: bool


def _init_worker() -> None:
    """One math thread per worker process (set before torch/numba/BLAS are imported)."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = "1"


def _run_cell(job: _Job) -> dict[str, Any]:
    """Run one cell; returns rows, summary, files (relative to the cell folder) and, when
    ``ship_files``, the bytes of every file written (the run used a temporary folder)."""
    from occam.report.io import jsonable

    importlib.import_module(job.module)
    exp = get_experiment(job.name)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix="occam-cell-")) if job.ship_files else Path(job.cell_dir)
    try:
        res = exp.run(job.config, work, Progress())
        files = {
            k: str(Path(v).resolve().relative_to(work.resolve())) for k, v in res.files.items()
        }
        payload = None
        if job.ship_files:
            payload = {
                str(p.relative_to(work)): p.read_bytes() for p in work.rglob("*") if p.is_file()
            }
        return {
            "rows": jsonable(res.rows),
            "summary": jsonable(res.summary),
            "files": files,
            "payload": payload,
        }
    finally:
        if job.ship_files:
            shutil.rmtree(work, ignore_errors=True)


# -- the sweep -----------------------------------------------------------------------------------
def _load_cell(path: Path, name: str, config: Any) -> dict[str, Any] | None:
    """The saved cell record when it belongs to this experiment and config, else None."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if data.get("experiment") != name or data.get("config") != json.loads(
        json.dumps(config_dict(config))
    ):
        return None
    return data


def _varying_keys(configs: Sequence[Any]) -> list[str]:
    flat = [dict(_flatten(config_dict(c))) for c in configs]
    keys = list(flat[0]) if flat else []
    return [k for k in keys if len({json.dumps(f.get(k)) for f in flat}) > 1]


class _Ledger:
    """The sweep's state on disk: which cells are finished, the table, sweep.json / sweep.csv."""

    def __init__(self, exp: Experiment, configs: list[Any], out: Path) -> None:
        self.exp, self.configs, self.out = exp, configs, out
        self.ids = [cell_id(exp.name, c) for c in configs]
        self.varying = _varying_keys(configs)
        self.records: dict[str, dict[str, Any]] = {}
        self.failed: dict[str, str] = {}
        for cid, config in zip(self.ids, configs, strict=True):
            record = _load_cell(self.cell_dir(cid) / CELL_FILE, exp.name, config)
            if record is not None:
                self.records[cid] = record

    def cell_dir(self, cid: str) -> Path:
        return self.out / CELLS / cid

    def pending(self) -> list[tuple[str, Any]]:
        seen: set[str] = set()
        todo = []
        for cid, config in zip(self.ids, self.configs, strict=True):
            if cid not in self.records and cid not in seen:
                seen.add(cid)
                todo.append((cid, config))
        return todo

    def finish(self, cid: str, config: Any, result: dict[str, Any]) -> None:
        from occam.report.io import write_json

        cell = self.cell_dir(cid)
        for rel, data in (result.get("payload") or {}).items():
            from occam._atomic import atomic_write_bytes

            atomic_write_bytes(cell / rel, data)
        record = {
            "experiment": self.exp.name,
            "cell": cid,
            "config": config_dict(config),
            "rows": result["rows"],
            "summary": result["summary"],
            "files": result["files"],
        }
        write_json(cell / CELL_FILE, record)
        self.records[cid] = json.loads((cell / CELL_FILE).read_text())
        self.failed.pop(cid, None)
        self.save()

    def fail(self, cid: str, error: str) -> None:
        self.failed[cid] = error
        self.save()

    def table(self) -> list[dict[str, Any]]:
        rows = []
        for cid, config in zip(self.ids, self.configs, strict=True):
            record = self.records.get(cid)
            if record is None:
                continue
            flat = dict(_flatten(config_dict(config)))
            params = {k: flat[k] for k in self.varying}
            rows.extend({"cell": cid, **params, **row} for row in record["rows"])
        return rows

    def save(self) -> None:
        from occam.report.io import column_union, write_csv, write_json

        table = self.table()
        cells = [
            {
                "cell": cid,
                "status": "done"
                if cid in self.records
                else ("failed" if cid in self.failed else "pending"),
                "error": self.failed.get(cid),
                "config": config_dict(config),
            }
            for cid, config in zip(self.ids, self.configs, strict=True)
        ]
        write_json(
            self.out / "sweep.json",
            {"experiment": self.exp.name, "varying": self.varying, "cells": cells, "rows": table},
        )
        write_csv(self.out / "sweep.csv", table, column_union(table))


def sweep(
    experiment: str | Experiment,
    configs: Iterable[Any],
    out_dir: str | Path,
    *,
    backend: str = "process",
    address: str | None = None,
    workers: int | None = None,
    progress: bool | Progress = True,
) -> list[dict[str, Any]]:
    """Run ``experiment`` on every config (config objects, or mappings of overrides applied to the
    default config) and return the sweep table; see the module docstring for backends, the
    layout of ``out_dir`` and resuming. ``workers`` bounds the local pool (default: CPU count);
    ``address`` is the Ray cluster (``HOST:PORT`` or ``ray://HOST:PORT``). Raises SweepError when
    cells failed, ConfigError for a bad backend, experiment or config."""
    exp = get_experiment(experiment)
    if backend not in BACKENDS:
        raise ConfigError(f"backend: expected one of {', '.join(BACKENDS)}; got {backend!r}")
    if address is not None and backend != "ray":
        raise ConfigError("address: only the ray backend takes a cluster address")
    if workers is not None and workers < 1:
        raise ConfigError(f"workers: expected an integer >= 1; got {workers}")
    configs = [exp.config(**c) if isinstance(c, Mapping) else c for c in configs]
    for c in configs:
        if not isinstance(c, exp.config_type):
            raise ConfigError(
                f"configs: expected {exp.config_type.__name__} or a mapping of overrides, "
                f"got {type(c).__name__}"
            )
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    ledger = _Ledger(exp, configs, out)
    todo = ledger.pending()
    ledger.save()
    from occam.experiments.progress import ConsoleProgress

    shown = (
        progress
        if isinstance(progress, Progress)
        else (ConsoleProgress() if progress else Progress())
    )
    total = len(set(ledger.ids))
    shown.log(
        f"sweep of {exp.name}: {total} cells, {total - len(todo)} finished before, "
        f"{len(todo)} to run ({backend})"
    )
    runner = {"process": _run_process, "ray": _run_ray, "serial": _run_serial}[backend]
    with shown:
        shown.step(f"{exp.name} cells", total - len(todo), total)
        if todo:
            runner(exp, todo, ledger, shown, workers=workers, address=address)
    if ledger.failed:
        raise SweepError(dict(ledger.failed), ledger.table(), out)
    return ledger.table()


def _job(exp: Experiment, cid: str, config: Any, ledger: _Ledger, ship: bool) -> _Job:
    return _Job(exp.run_function.__module__, exp.name, config, str(ledger.cell_dir(cid)), ship)


def _record(ledger: _Ledger, shown: Progress, cid: str, config: Any, outcome: Any) -> None:
    """Save one finished cell (outcome: result dict) or failure (outcome: error text)."""
    if isinstance(outcome, dict):
        ledger.finish(cid, config, outcome)
        shown.log(f"cell {cid} finished")
    else:
        ledger.fail(cid, outcome)
        shown.log(f"cell {cid} FAILED: {outcome.strip().splitlines()[-1]}")
    total = len(set(ledger.ids))
    shown.step(f"{ledger.exp.name} cells", len(ledger.records) + len(ledger.failed), total)


def _error_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def _run_serial(exp, todo, ledger, shown, **_: Any) -> None:
    for cid, config in todo:
        try:
            outcome: Any = _run_cell(_job(exp, cid, config, ledger, False))
        except Exception as exc:
            outcome = _error_text(exc)
        _record(ledger, shown, cid, config, outcome)


def _run_process(exp, todo, ledger, shown, *, workers: int | None, **_: Any) -> None:
    import multiprocessing

    n = min(workers or os.cpu_count() or 1, len(todo))
    pool = ProcessPoolExecutor(
        max_workers=n, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker
    )
    try:
        running: dict[Future, tuple[str, Any]] = {
            pool.submit(_run_cell, _job(exp, cid, config, ledger, False)): (cid, config)
            for cid, config in todo
        }
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                cid, config = running.pop(fut)
                exc = fut.exception()
                _record(
                    ledger, shown, cid, config, fut.result() if exc is None else _error_text(exc)
                )
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_ray(exp, todo, ledger, shown, *, address: str | None, **_: Any) -> None:
    """Submit every cell as a Ray task (one CPU each) and save each one as it finishes.

    Connects to ``address`` (or the running instance, or starts a local one, which it stops at
    the end). When it connects to a cluster it ships occam's own code with the tasks
    (``runtime_env.py_modules``), so the nodes need only the dependencies.
    """
    try:
        import ray
    except ImportError as exc:  # ray is a dependency; this guards broken installs
        raise ConfigError(f"backend ray: cannot import ray ({exc})") from None
    started = not ray.is_initialized()
    if started:
        import occam

        runtime_env = {"py_modules": [occam]} if address is not None else None
        ray.init(
            address=address, runtime_env=runtime_env, include_dashboard=False, log_to_driver=False
        )
    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(_run_cell)
        running = {
            remote.remote(_job(exp, cid, config, ledger, True)): (cid, config)
            for cid, config in todo
        }
        while running:
            done, _ = ray.wait(list(running), num_returns=1)
            for ref in done:
                cid, config = running.pop(ref)
                try:
                    outcome: Any = ray.get(ref)
                except Exception as exc:
                    outcome = _error_text(exc)
                _record(ledger, shown, cid, config, outcome)
    finally:
        if started:
            ray.shutdown()
