"""The circuit learner (issue 18 item 2): every route fits, validation chooses, the file is checked.

:class:`CircuitLearner` follows scikit-learn (``fit``/``predict``/``score``; fitted attributes end
in ``_``). ``fit(X, y, X_valid, y_valid)`` runs each route of :mod:`occam.learn.routes` on the
training set (routes tune their hyper-parameters on validation) and keeps the candidate with the
best validation accuracy; candidates within ``tolerance_se`` binomial standard errors of the best
count as tied and the one with the fewest AIG ANDs wins (CART's one-standard-error rule: an Occam
tie-break, still decided on validation; :func:`occam.learn.routes.tie_margin`).

:meth:`CircuitLearner.write` writes binary AIGER and then *reads the file back*: the reported
accuracy is that of the file simulated by occam, the AND count is the AIGER header's ``A`` and ABC's
``print_stats`` of the same file gives its AND count and levels (issue 18 item 4). A file whose
header exceeds the node budget is an error, never a result.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from occam.circuits import Circuit
from occam.circuits.abc import run_abc
from occam.circuits.io import circuit_to_aig, read, write
from occam.errors import NotFittedError, OccamError
from occam.learn.routes import ROUTES, Candidate, Data, Route, accuracy, tie_margin, timed_fit

__all__ = ["CircuitLearner", "FileCheck", "LearnError", "check_file"]

_ABC_STATS = re.compile(r"and\s*=\s*(\d+)\s+lev\s*=\s*(\d+)")


class LearnError(OccamError):
    """Bad learner input (shapes, unknown route) or no route produced a circuit in budget."""


@dataclass(frozen=True)
class FileCheck:
    """What a written ``.aig`` holds: header ``A`` (AIG ANDs), ABC's AND count and levels from
    ``print_stats``, occam's {AND, OR, NOT} gate count and depth of the circuit read back, and its
    accuracy on the given examples."""

    path: str
    header_ands: int
    abc_ands: int
    abc_levels: int
    gates: int
    depth: int
    accuracy: float


def _aiger_header_ands(path: Path) -> int:
    with open(path, "rb") as f:
        head = f.readline().split()
    if len(head) < 6 or head[0] not in (b"aig", b"aag"):
        raise LearnError(f"{path}: not an AIGER file (header {b' '.join(head)!r})")
    return int(head[5])


def check_file(path: str | os.PathLike[str], x: np.ndarray, y: np.ndarray) -> FileCheck:
    """Read ``path`` back with occam and with ABC; accuracy on ``(x, y)`` is the file's."""
    p = Path(path)
    circuit = read(p)
    log, _ = run_abc("read c.aig; print_stats", {"c.aig": p.read_bytes()})
    m = _ABC_STATS.search(log)
    if m is None:
        raise LearnError(f"{p}: could not read ABC's print_stats:\n{log}")
    return FileCheck(
        str(p),
        _aiger_header_ands(p),
        int(m.group(1)),
        int(m.group(2)),
        circuit.size,
        circuit.depth,
        accuracy(circuit, x, y),
    )


def _as_xy(x: object, y: object, what: str) -> tuple[np.ndarray, np.ndarray]:
    xa = np.asarray(x)
    ya = np.asarray(y)
    if ya.ndim == 2 and ya.shape[1] == 1:
        ya = ya[:, 0]
    if xa.ndim != 2 or ya.ndim != 1 or xa.shape[0] != ya.shape[0]:
        raise LearnError(
            f"{what}: expected X of shape (n, d) and y of shape (n,), received {xa.shape} and "
            f"{ya.shape}"
        )
    for name, a in (("X", xa), ("y", ya)):
        if a.dtype != bool and a.size and not np.isin(a, (0, 1)).all():
            raise LearnError(f"{what}: {name} must be Boolean (0/1)")
    return xa.astype(bool), ya.astype(bool)


class CircuitLearner:
    """Learn one small circuit from examples (scikit-learn style; see the module docstring).

    Parameters
    ----------
    routes : route names of :data:`occam.learn.routes.ROUTES` and/or :class:`Route` objects
        (routes (a) ResNet and (b) Frank-Wolfe plug in as objects); default all shipped routes.
    max_nodes : AIG AND budget of the circuit (IWLS 2020: 5000).
    seed : seeds every route.
    quick : smaller hyper-parameter grids (``occam iwls --quick``).
    tolerance_se : validation accuracies within this many standard errors of the best count as
        tied, the smaller circuit wins (1: the one-standard-error rule; 0: best accuracy only).
    """

    def __init__(
        self,
        routes: Sequence[str | Route] | None = None,
        *,
        max_nodes: int = 5000,
        seed: int = 0,
        quick: bool = False,
        tolerance_se: float = 1.0,
    ) -> None:
        self.routes = tuple(routes) if routes is not None else tuple(ROUTES)
        self.max_nodes = max_nodes
        self.seed = seed
        self.quick = quick
        self.tolerance_se = tolerance_se

    def _route_objects(self) -> list[Route]:
        out: list[Route] = []
        for r in self.routes:
            if isinstance(r, str):
                if r not in ROUTES:
                    raise LearnError(f"routes: unknown route {r!r}; expected one of {list(ROUTES)}")
                out.append(ROUTES[r]())
            elif isinstance(r, Route):
                out.append(r)
            else:
                raise LearnError(f"routes: expected a route name or Route, received {r!r}")
        if not out:
            raise LearnError("routes: give at least one route")
        return out

    def fit(
        self,
        x: object,
        y: object,
        x_valid: object,
        y_valid: object,
        *,
        progress: Callable[[str], None] | None = None,
    ) -> CircuitLearner:
        """Fit every route, choose on validation. ``progress(route_name)`` is called per route."""
        if isinstance(self.max_nodes, bool) or not isinstance(self.max_nodes, int):
            raise LearnError(f"max_nodes must be an int, received {self.max_nodes!r}")
        if self.max_nodes < 0:
            raise LearnError(f"max_nodes must be >= 0, received {self.max_nodes}")
        xt, yt = _as_xy(x, y, "fit (training set)")
        xv, yv = _as_xy(x_valid, y_valid, "fit (validation set)")
        if xt.shape[1] != xv.shape[1]:
            raise LearnError(
                f"fit: training set has {xt.shape[1]} inputs, validation set {xv.shape[1]}"
            )
        if not self.tolerance_se >= 0:
            raise LearnError(f"tolerance_se must be >= 0, received {self.tolerance_se!r}")
        data = Data(xt, yt, xv, yv, float(self.tolerance_se))
        results: dict[str, dict] = {}
        cands: list[Candidate] = []
        for route in self._route_objects():
            if progress is not None:
                progress(route.name)
            t0 = time.perf_counter()
            cand = timed_fit(route, data, self.max_nodes, self.seed, self.quick)
            if cand is None:
                results[route.name] = {
                    "error": "no circuit within the node budget",
                    "seconds": time.perf_counter() - t0,
                }
                continue
            cands.append(cand)
            results[route.name] = {
                "valid_accuracy": cand.valid_accuracy,
                "train_accuracy": cand.train_accuracy,
                "ands": cand.ands,
                "seconds": cand.seconds,
                "detail": cand.detail,
            }
        if not cands:
            raise LearnError(f"no route produced a circuit within {self.max_nodes} AIG ANDs")
        best = max(c.valid_accuracy for c in cands)
        self.tie_margin_: float = tie_margin(best, yv.shape[0], self.tolerance_se)
        tied = [c for c in cands if c.valid_accuracy >= best - self.tie_margin_]
        chosen = min(tied, key=lambda c: (c.ands, -c.valid_accuracy))
        self.circuit_: Circuit = chosen.circuit
        self.route_: str = chosen.route
        self.detail_: str = chosen.detail
        self.valid_accuracy_: float = chosen.valid_accuracy
        self.results_: dict[str, dict] = results
        self.n_inputs_: int = xt.shape[1]
        return self

    def _fitted(self) -> Circuit:
        if not hasattr(self, "circuit_"):
            raise NotFittedError("CircuitLearner: call fit before predict/score/write")
        return self.circuit_

    def predict(self, x: object) -> np.ndarray:
        """Bool predictions of the chosen circuit."""
        c = self._fitted()
        xa = np.asarray(x).astype(bool)
        if xa.ndim != 2 or xa.shape[1] != c.n_inputs:
            raise LearnError(f"predict: X must have shape (n, {c.n_inputs}), received {xa.shape}")
        return c.simulate(xa)[:, 0]

    def score(self, x: object, y: object) -> float:
        """Accuracy of the chosen circuit on ``(x, y)``."""
        xa, ya = _as_xy(x, y, "score")
        return float(np.mean(self.predict(xa) == ya))

    def write(self, path: str | os.PathLike[str], x_valid: object, y_valid: object) -> FileCheck:
        """Write the chosen circuit as binary AIGER and check the file (see module docstring)."""
        c = self._fitted()
        p = Path(path)
        if p.suffix.lower() != ".aig":
            raise LearnError(f"write: the output must be a binary AIGER .aig file, got {p}")
        if circuit_to_aig(c).n_ands > self.max_nodes:  # routes never return such, kept as a guard
            raise LearnError(f"write: circuit exceeds {self.max_nodes} AIG ANDs")
        write(c, p)
        xv, yv = _as_xy(x_valid, y_valid, "write (validation set)")
        check = check_file(p, xv, yv)
        if check.header_ands > self.max_nodes:
            raise LearnError(f"{p}: header A={check.header_ands} exceeds {self.max_nodes}")
        return check

    def summary(self) -> dict:
        """JSON-ready record of the fit: per-route results and the chosen route."""
        self._fitted()
        return {
            "route": self.route_,
            "detail": self.detail_,
            "valid_accuracy": self.valid_accuracy_,
            "routes": self.results_,
        }


def file_check_dict(check: FileCheck) -> dict:
    return asdict(check)
