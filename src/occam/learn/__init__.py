"""Learning small circuits from examples (issue 18; SPEC 13 ``occam learn``): routes that turn
labelled Boolean examples into circuits within an AIG node budget, chosen on validation, and the
IWLS 2020 benchmark runner. Torch-free; sits above :mod:`occam.circuits`."""

from __future__ import annotations

from occam.learn.learner import CircuitLearner, FileCheck, LearnError, check_file
from occam.learn.routes import ROUTES, Candidate, Data, Route

__all__ = [
    "ROUTES",
    "Candidate",
    "CircuitLearner",
    "Data",
    "FileCheck",
    "LearnError",
    "Route",
    "check_file",
]
