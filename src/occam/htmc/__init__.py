"""HTMC: frontiers of built circuits and what they say about a function (SPEC 2.3-2.5).

- :mod:`occam.htmc.frontier`: :class:`Frontier` of (error, gates) points of circuits actually
  built and simulated, the upper bound C̄(ε), CSV round trip (SPEC 2.3).
- :mod:`occam.htmc.estimates`: the restricted sup bound sup_{ε ≥ ε_min} ε·C̄(ε)^{1/γ}, the fitted
  rate γ̂ and prefactor ĉ (SPEC 2.4), and the R-scaling of the paper's sandwich bound.
- :mod:`occam.htmc.generalization`: the generalisation-bound calculator of SPEC 2.5 (Thm 6).
- :mod:`occam.htmc.truth_table`: the direct logic-synthesis baseline, truth table + ABC.
- :mod:`occam.htmc.plot`: log-log plots of frontiers (matplotlib imported on use).

Torch-free: nothing here imports PyTorch. The truth-table names load on first use (they pull in
the circuit simulator and numba, which reading a frontier does not need).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from occam.htmc.estimates import (
    HtmcEstimate,
    RateFit,
    RScaling,
    SupBound,
    estimate,
    fit_rate,
    r_scaling,
    sup_bound,
)
from occam.htmc.frontier import NORMS, Frontier, FrontierError, FrontierPoint
from occam.htmc.generalization import (
    GeneralizationBound,
    HtmcGeneralizationBound,
    htmc_risk_bound,
    risk_bound,
)
from occam.htmc.plot import plot_frontiers

if TYPE_CHECKING:  # pragma: no cover
    from occam.htmc.truth_table import TruthTableCircuit as TruthTableCircuit
    from occam.htmc.truth_table import truth_table_circuit as truth_table_circuit
    from occam.htmc.truth_table import truth_table_frontier as truth_table_frontier

__all__ = [
    "NORMS",
    "Frontier",
    "FrontierError",
    "FrontierPoint",
    "GeneralizationBound",
    "HtmcEstimate",
    "HtmcGeneralizationBound",
    "RScaling",
    "RateFit",
    "SupBound",
    "TruthTableCircuit",
    "estimate",
    "fit_rate",
    "htmc_risk_bound",
    "plot_frontiers",
    "r_scaling",
    "risk_bound",
    "sup_bound",
    "truth_table_circuit",
    "truth_table_frontier",
]

_LAZY = {
    "TruthTableCircuit": "occam.htmc.truth_table",
    "truth_table_circuit": "occam.htmc.truth_table",
    "truth_table_frontier": "occam.htmc.truth_table",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'occam.htmc' has no attribute {name!r}")
