"""Frank-Wolfe over Tetrakis functions (SPEC 11; paper Sec. 3.3, open question 3).

Torch-free. Learns g = Σ_j c_j T_{C_j}, a sum of Tetrakis functions of small circuits, by
Frank-Wolfe over the convex hull of the scaled atoms ±τ a(C,K) T_C:

* :mod:`occam.fw.design` — touched grid vertices, the pulled-back gradient G_K, a(C, K);
* :mod:`occam.fw.oracles` — linear minimisation oracles (enumeration, truth table + ABC, local
  search, SAT on the top vertices);
* :mod:`occam.fw.solver` — the Frank-Wolfe variants and the gap;
* :mod:`occam.fw.estimator` — :class:`FrankWolfe` (``fit``/``predict``, SPEC 15);
* :mod:`occam.fw.circuit` — the fitted sum as one circuit with quantised weights;
* :mod:`occam.fw.experiment` — recovery and scaling experiments behind ``occam fw``.
"""

from occam.fw.circuit import SumCircuit, build_sum_circuit
from occam.fw.design import GridLevel, atom_scale, build_level, pulled_back_gradient
from occam.fw.estimator import FittedAtom, FrankWolfe, FrankWolfeInputError
from occam.fw.oracles import (
    BestOfOracle,
    EnumerationOracle,
    LinearOracle,
    LocalSearchOracle,
    SatOracle,
    TruthTableOracle,
    make_oracle,
)
from occam.fw.solver import VARIANTS, corrective_weights, frank_wolfe

__all__ = [
    "VARIANTS",
    "BestOfOracle",
    "EnumerationOracle",
    "FittedAtom",
    "FrankWolfe",
    "FrankWolfeInputError",
    "GridLevel",
    "LinearOracle",
    "LocalSearchOracle",
    "SatOracle",
    "SumCircuit",
    "TruthTableOracle",
    "atom_scale",
    "build_level",
    "build_sum_circuit",
    "corrective_weights",
    "frank_wolfe",
    "make_oracle",
    "pulled_back_gradient",
]
