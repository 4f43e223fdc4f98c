"""Compositional sparsity, MLMC and composition with clamps (SPEC 13, SPEC 10; seeds 003, 000),
registered as ``compositional``. The experiments themselves live in
:mod:`occam.compositional.experiment`; this module only adapts them to the registry: the results
table is experiment (i) (one row per trained network: d, n, seed, target, network, relative
test and train error, nonzeros) and the summary holds the verdicts, fits and timings."""

from __future__ import annotations

from pathlib import Path

from occam.compositional.experiment import CompositionalExperimentConfig
from occam.compositional.experiment import run as run_compositional
from occam.experiments.registry import Progress, Results, register

__all__ = ["CompositionalExperimentConfig", "run"]


@register(
    "compositional",
    config=CompositionalExperimentConfig,
    quick=CompositionalExperimentConfig.quick,
    description="Compositional targets: sparse vs dense nets, graph recovery, circuit size vs d, "
    "MLMC convexity",
    spec="13, 10",
)
def run(config: CompositionalExperimentConfig, out: Path, progress: Progress) -> Results:
    """Run the four experiments of :mod:`occam.compositional.experiment` into ``out``."""
    result = run_compositional(config, out, progress.log)
    rows = result.pop("rows")
    files = result.pop("files")
    return Results(rows=rows, summary=result, files=files)
