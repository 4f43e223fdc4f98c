"""The Frank-Wolfe experiment (SPEC 11, 14; issue 19 item 5), registered as ``fw``.

The experiment itself lives in :mod:`occam.fw.experiment` (sums of m Tetrakis functions of random
circuits of size s, Frank-Wolfe against exact synthesis of the whole sum, smooth built-in targets);
this module registers it: rows are the runs, the summary holds the recovery table and the fitted
wall-time growths.
"""

from __future__ import annotations

from pathlib import Path

from occam.experiments.registry import Progress, Results, register
from occam.fw.experiment import FWExperimentConfig
from occam.fw.experiment import run as run_fw

__all__ = ["run"]


@register(
    "fw",
    config=FWExperimentConfig,
    quick=FWExperimentConfig.quick,
    description="Frank-Wolfe over Tetrakis functions: recovery of sums of small circuits, "
    "wall time against exact synthesis",
    spec="11",
    timing_columns=("fw_time", "exact_time"),
)
def run(cfg: FWExperimentConfig, out_dir: Path, progress: Progress) -> Results:
    """Run :func:`occam.fw.experiment.run`; rows: one per fit; summary: recovery and fits."""
    res = run_fw(cfg, out_dir, progress=progress.step)
    return Results(
        rows=res.rows,
        summary={"recovery": res.recovery, "fits": res.fits},
        files=dict(res.files),
    )
