"""The IWLS 2020 sweep behind ``occam iwls`` (issue 18 item 3), registered as ``iwls``.

One cell of the sweep is one function (:class:`IwlsFunctionConfig`: its train/validation PLA
paths and the learner settings); :func:`run` learns it, writes ``NAME.aig`` into the cell folder
and reads the file back (:func:`occam.learn.iwls.learn_and_write`), so every number of the row is
that of the file. :func:`run_iwls` sweeps every function of a benchmark folder through
:func:`occam.experiments.sweep` (process pool by default, Ray with ``backend="ray"``): cells are
saved as they finish and a rerun skips the finished ones (resume); then it writes the summary by
family (``summary.md``, ``summary.json``, ``families.png``) and ``functions.csv``.

The function's name only names its files; the learner sees the examples alone. The family (the
benchmark README's table) is used for reporting only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from occam.experiments.progress import ConsoleProgress
from occam.experiments.registry import Progress, Results, register
from occam.experiments.sweep import CELL_FILE, CELLS, cell_id, sweep
from occam.learn.iwls import find_functions, learn_and_write, summarize
from occam.learn.learner import LearnError
from occam.report.io import write_csv, write_json

__all__ = ["IwlsFunctionConfig", "run", "run_iwls"]

NAME = "iwls"


@dataclass(frozen=True)
class IwlsFunctionConfig:
    """One function: PLA paths, a name for its files, the node budget and learner settings
    (``routes``: comma-separated route names, empty for all)."""

    train: str = ""
    valid: str = ""
    name: str = "function"
    max_nodes: int = 5000
    seed: int = 0
    quick: bool = False
    routes: str = ""

    @classmethod
    def quick_config(cls) -> IwlsFunctionConfig:
        return cls(quick=True)


def _row(record: dict) -> dict:
    row = {
        k: record[k]
        for k in (
            "name",
            "family",
            "n_inputs",
            "route",
            "valid_accuracy_file",
            "ands",
            "abc_ands",
            "gates",
            "levels",
            "seconds",
            "cpu_seconds",
        )
    }
    for rn, r in record["routes"].items():
        row[f"{rn}_valid_accuracy"] = r.get("valid_accuracy")
        row[f"{rn}_ands"] = r.get("ands")
    return row


@register(
    NAME,
    config=IwlsFunctionConfig,
    quick=IwlsFunctionConfig.quick_config,
    description="IWLS 2020: learn one function into a checked AIG within the node budget",
    spec="13, issue 18",
    timing_columns=("seconds", "cpu_seconds"),
)
def run(config: IwlsFunctionConfig, out_dir: Path, progress: Progress) -> Results:
    """Learn ``config``'s function; the row and the record are those of the written file."""
    if not config.train or not config.valid:
        raise LearnError("iwls: give the train and valid PLA paths of the function")
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", config.name):
        raise LearnError(f"iwls: name must be letters, digits, '_', '-', '.'; got {config.name!r}")
    progress.log(f"learning {config.name}")
    routes = tuple(r for r in config.routes.split(",") if r) or None
    record = learn_and_write(
        config.train,
        config.valid,
        out_dir,
        config.name,
        max_nodes=config.max_nodes,
        seed=config.seed,
        quick=config.quick,
        routes=routes,
    )
    rec_path = write_json(out_dir / f"{config.name}.json", record)
    return Results(
        rows=[_row(record)],
        summary=record,
        files={"aig": out_dir / record["file"], "record": rec_path},
    )


class _FunctionProgress(ConsoleProgress):
    """Console progress that names each finished function with its accuracy and size."""

    def __init__(self, out: Path, names: dict[str, str]) -> None:
        super().__init__(transient=False)
        self.out, self.names = out, names

    def log(self, message: str) -> None:
        m = re.fullmatch(r"cell ([0-9a-f]+) finished", message)
        if m is None or m.group(1) not in self.names:
            super().log(message)
            return
        rec = json.loads((self.out / CELLS / m.group(1) / CELL_FILE).read_text())["summary"]
        self.console.print(
            f"{rec['name']}: {rec['route']} {100 * rec['valid_accuracy_file']:.2f}% "
            f"{rec['ands']} ANDs {rec['seconds']:.0f} s",
            highlight=False,
        )


def run_iwls(
    root: str | Path,
    out: str | Path,
    *,
    quick: bool = False,
    max_nodes: int = 5000,
    seed: int = 0,
    backend: str = "process",
    address: str | None = None,
    workers: int | None = 2,
    only: list[str] | None = None,
    routes: tuple[str, ...] | None = None,
    progress: bool | Progress = True,
) -> dict[str, Any]:
    """Sweep every function of ``root`` (``only``: a subset by name) into ``out``; returns the
    summary by family (:func:`occam.learn.iwls.summarize`) of the functions of this call."""
    funcs = find_functions(root)
    if only:
        unknown = sorted(set(only) - {n for n, _, _ in funcs})
        if unknown:
            raise LearnError(f"only: no such functions in {root}: {unknown}")
        funcs = [f for f in funcs if f[0] in set(only)]
    configs = [
        IwlsFunctionConfig(
            str(Path(t).resolve()),
            str(Path(v).resolve()),
            n,
            max_nodes,
            seed,
            quick,
            ",".join(routes or ()),
        )
        for n, t, v in funcs
    ]
    out_dir = Path(out).resolve()
    ids = {cell_id(NAME, c): c.name for c in configs}
    shown: bool | Progress = progress
    if progress is True:
        shown = _FunctionProgress(out_dir, ids)
    sweep(NAME, configs, out_dir, backend=backend, address=address, workers=workers, progress=shown)
    records = [
        json.loads((out_dir / CELLS / cid / CELL_FILE).read_text())["summary"] for cid in ids
    ]
    for rec, cid in zip(records, ids, strict=True):
        rec["file"] = f"{CELLS}/{cid}/{rec['file']}"
    rows = [_row(r) | {"file": r["file"]} for r in records]
    write_csv(out_dir / "functions.csv", rows)
    return summarize(records, out_dir)
