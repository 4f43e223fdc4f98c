"""Experiments (SPEC 14): a registry of typed configs with one run function each, and sweeps.

Every experiment is registered with :func:`register` as a frozen dataclass config (its defaults
are the full sizes; ``quick`` gives sizes that finish in minutes on 2 CPU cores) and one function
``run(config, out_dir, progress) -> Results``, which writes JSON, CSV, PNG and a Markdown/HTML
report (atomically, through :mod:`occam.report`) into ``out_dir`` and returns the results table
(:class:`Results`: ``rows``, ``summary``, ``files``). Built in: ``demo``, ``tetrakis``, ``rnorm``.

::

    from occam import experiments
    experiments.names()                                        # ['demo', 'tetrakis', 'rnorm', ...]
    exp = experiments.get_experiment("rnorm")
    res = exp.run(exp.config(quick=True), "runs/rnorm")        # Results(rows, summary, files)
    table = experiments.sweep(
        "rnorm",
        experiments.grid("rnorm", {"learning.seed": [0, 1, 2]}, quick=True),
        "runs/rnorm-sweep",
        backend="process",                                     # or "ray", address="HOST:PORT"
    )

Registering a new experiment (e.g. in ``occam/experiments/my_thing.py``)::

    @dataclass(frozen=True)
    class MyConfig:
        n: int = 1000
        seed: int = 0

        @classmethod
        def quick(cls) -> "MyConfig":
            return cls(n=100)

    @register("my-thing", config=MyConfig, quick=MyConfig.quick, description="...", spec="11")
    def run(config: MyConfig, out_dir: Path, progress: Progress) -> Results:
        ...
        return Results(rows=[...], summary={...}, files={...})

A sweep runs the module of ``run`` again in each worker (its ``@register`` line registers it
there), so an experiment must live in an importable module. Add a built-in one to
``_BUILTIN_MODULES`` in :mod:`occam.experiments.registry` so that ``occam experiments`` lists it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from occam.experiments.registry import (
    ConfigError,
    Experiment,
    Progress,
    Results,
    apply_overrides,
    config_dict,
    experiments,
    get_experiment,
    register,
)
from occam.experiments.sweep import BACKENDS, SweepError, cell_id, grid, sweep

__all__ = [
    "BACKENDS",
    "ConfigError",
    "Experiment",
    "Progress",
    "Results",
    "SweepError",
    "apply_overrides",
    "cell_id",
    "config_dict",
    "experiments",
    "get_experiment",
    "grid",
    "names",
    "register",
    "run",
    "sweep",
]


def names() -> list[str]:
    """Names of the registered experiments."""
    return list(experiments())


def run(
    name: str | Experiment,
    out_dir: str | Path,
    *,
    quick: bool = False,
    progress: Progress | None = None,
    **overrides: Any,
) -> Results:
    """Run experiment ``name`` once on its default (or quick) config with ``overrides``."""
    exp = get_experiment(name)
    return exp.run(exp.config(quick=quick, **overrides), out_dir, progress)
