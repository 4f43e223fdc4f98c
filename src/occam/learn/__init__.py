"""Learning small circuits from examples (issue 18; SPEC 14 ``occam learn``): routes that turn
labelled Boolean examples into circuits within an AIG node budget, chosen on validation, and the
IWLS 2020 benchmark helpers. Importing it does not load torch (the ``resnet`` route imports the
torch side, :mod:`occam.train`, :mod:`occam.prune`, :mod:`occam.compiler`, inside its ``fit``);
sits above :mod:`occam.circuits` and those.

::

    from occam.circuits.io import read_pla
    from occam.learn import CircuitLearner

    xt, yt = read_pla("ex00.train.pla.gz")
    xv, yv = read_pla("ex00.valid.pla.gz")
    lr = CircuitLearner(max_nodes=5000).fit(xt, yt, xv, yv)   # every route, chosen on validation
    lr.route_, lr.valid_accuracy_, lr.results_                # per-route accuracy, ANDs, seconds
    check = lr.write("model.aig", xv, yv)                     # the file, read back and checked
    check.accuracy, check.header_ands, check.abc_levels

A new route is any object with ``name`` and ``fit(data, max_nodes, seed, quick) -> Candidate``
(:class:`Route`); pass it in ``routes=[...]`` beside the shipped names. The ResNet route
(``resnet``: compile the sign of a trained, pruned network, :mod:`occam.learn.resnet_route`) and
the Frank-Wolfe route (``fw``: a weighted vote of small circuits) of issue 18 are shipped routes
of this kind.
"""

from __future__ import annotations

from occam.learn.learner import CircuitLearner, FileCheck, LearnError, check_file
from occam.learn.routes import ROUTES, Candidate, Data, Route, tie_margin

__all__ = [
    "ROUTES",
    "Candidate",
    "CircuitLearner",
    "Data",
    "FileCheck",
    "LearnError",
    "Route",
    "check_file",
    "tie_margin",
]
