"""``occam.fw.FrankWolfe``: a scikit-learn style estimator for SPEC 11 (SPEC 15 API).

``FrankWolfe(K=1, domain=None, ...).fit(X, y)`` fits g = Σ_j c_j T_{C_j} by Frank-Wolfe over
conv{±τ a(C,K) T_C} (:func:`occam.fw.solver.frank_wolfe`) and ``predict(X)`` evaluates it. The
constructor only stores its arguments (STYLE 3); ``fit`` validates them.

Radius τ: a number, or ``"auto"``, the smallest radius (to a relative precision 2^{−tau_bisections})
at which Frank-Wolfe reaches the training loss ``tol``·Var(y): from τ_0 = max|y| / (2 a_max)
(every g in the hull has |g| ≤ τ a_max, as |T_C| ≤ 1 and a(C,K) ≤ a_max),
τ is doubled until the target is reached (at most ``tau_doublings`` times), then bisected in log τ.
Each run stops early once its loss is below the target or its lower bound loss − gap is above it.
When the target is out of reach (a target that no sum of atoms at these levels fits, e.g. a smooth
function), one full run at the last radius gives the best loss L of the class and the target becomes
(1 + ``loss_slack``)·L. A small radius is what makes the answer sparse: the hull's norm Σ_j |c_j| /
(τ a(C_j,K_j)) ≤ 1 is a weighted ℓ1 norm, and near its minimum few atoms, preferably small circuits,
carry the fit. With ``prune`` (default) a backward elimination then drops atoms, smallest |c_j|
first, re-weighting the rest (same radius), while the loss stays within the target
(:func:`occam.fw.solver.prune_atoms`); the gap of the pruned iterate is measured and appended.

Fitted attributes: ``atoms_`` (list of :class:`FittedAtom`: weight c_j, circuit C_j, level K_j,
size |C_j|), ``coef_`` (the c_j), ``gaps_`` and ``losses_`` (per step of the final radius),
``gap_certified_`` (per step: was the oracle exact), ``loss_`` (training MSE), ``tau_``,
``total_size_`` (Σ|C_j|), ``n_iter_``, ``domain_``, ``result_`` (the solver's OptimizeResult).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from occam.circuits.core import Circuit
from occam.errors import NotFittedError, OccamError
from occam.fw.circuit import SumCircuit, build_sum_circuit
from occam.fw.design import atom_scale, build_level
from occam.fw.oracles import (
    EnumerationOracle,
    LinearOracle,
    LocalSearchOracle,
    make_oracle,
)
from occam.fw.solver import VARIANTS, frank_wolfe, prune_atoms
from occam.htmc.frontier import FrontierPoint
from occam.result import OptimizeResult
from occam.tasks.box import Box, as_box
from occam.tasks.data import bounding_box
from occam.tetrakis.function import TetrakisFunction

__all__ = ["FittedAtom", "FrankWolfe", "FrankWolfeInputError"]


class FrankWolfeInputError(OccamError, ValueError):
    """Bad arguments or data given to :class:`FrankWolfe`."""


@dataclass(frozen=True)
class FittedAtom:
    """One term c·T_C of the fitted sum: ``weight`` c, ``circuit`` C (d(K+1) inputs, one output,
    grid values C(v) ∈ {0, 1}), grid level ``K`` and ``size`` |C|."""

    weight: float
    circuit: Circuit
    K: int
    size: int


def _check(cond: bool, msg: str) -> None:
    if not cond:
        raise FrankWolfeInputError(msg)


class FrankWolfe:
    """Frank-Wolfe over scaled Tetrakis functions of circuits (SPEC 11).

    Parameters
    ----------
    K : int or sequence of ints — grid level(s); atoms at several levels compete in each step.
    domain : Ω (Box, (low, high) pair or (d, 2) array); default the bounding box of X.
    tau : radius τ > 0 of the atom hull, or ``"auto"`` (module docstring).
    beta, gamma : the exponents of a(C,K) = min(2^{−Kβ}, size(T_C)^{−1/γ}).
    oracle : ``"enumerate"`` (exact, default), ``"truth-table"``, ``"local-search"``, ``"sat"``,
        an :class:`occam.fw.oracles.LinearOracle`, or a list of them (best of).
    max_size : largest circuit of the default enumeration / local-search oracle.
    variant : one of :data:`occam.fw.solver.VARIANTS` (default ``"fully-corrective"``).
    max_iter : Frank-Wolfe steps per radius.
    tol : relative training loss target (loss ≤ tol·Var(y)); with a fixed τ the run stops when
        the gap is ≤ tol·Var(y).
    time_limit : seconds per Frank-Wolfe run (None: none).
    tau_doublings, tau_bisections, loss_slack : the radius search of ``tau="auto"``.
    weight_bits, frac_bits : quantisation of :meth:`to_circuit`.
    progress : show a rich progress bar.
    """

    def __init__(
        self,
        K: int | Sequence[int] = 1,
        domain: Any = None,
        *,
        tau: float | str = "auto",
        beta: float = 1.0,
        gamma: float = 3.0,
        oracle: Any = "enumerate",
        max_size: int = 5,
        variant: str = "fully-corrective",
        max_iter: int = 50,
        tol: float = 1e-6,
        time_limit: float | None = None,
        tau_doublings: int = 16,
        tau_bisections: int = 8,
        loss_slack: float = 0.01,
        weight_bits: int = 16,
        frac_bits: int = 6,
        prune: bool = True,
        progress: bool = False,
    ) -> None:
        self.K = K
        self.domain = domain
        self.tau = tau
        self.beta = beta
        self.gamma = gamma
        self.oracle = oracle
        self.max_size = max_size
        self.variant = variant
        self.max_iter = max_iter
        self.tol = tol
        self.time_limit = time_limit
        self.tau_doublings = tau_doublings
        self.tau_bisections = tau_bisections
        self.loss_slack = loss_slack
        self.weight_bits = weight_bits
        self.frac_bits = frac_bits
        self.prune = prune
        self.progress = progress

    # ------------------------------------------------------------------ parameters
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        names = ("K", "domain", "tau", "beta", "gamma", "oracle", "max_size", "variant")
        names += (
            "max_iter",
            "tol",
            "time_limit",
            "tau_doublings",
            "tau_bisections",
            "weight_bits",
            "frac_bits",
        )
        return {k: getattr(self, k) for k in (*names, "prune", "progress")}

    def set_params(self, **params: Any) -> FrankWolfe:
        for k, v in params.items():
            _check(k in self.get_params(), f"set_params: unknown parameter {k!r}")
            setattr(self, k, v)
        return self

    def _levels(self) -> tuple[int, ...]:
        Ks = (self.K,) if isinstance(self.K, (int, np.integer)) else tuple(self.K)
        _check(
            len(Ks) > 0 and all(isinstance(k, (int, np.integer)) and 0 <= k <= 12 for k in Ks),
            f"K: expected an int in [0, 12] or a non-empty list of them, got {self.K!r}",
        )
        return tuple(sorted({int(k) for k in Ks}))

    def _validate(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, Box]:
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        _check(X.ndim == 2 and X.shape[0] >= 1, f"X: expected shape (n, d), got {X.shape}")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        _check(y.ndim == 1, f"y: expected shape (n,) or (n, 1), got {y.shape}")
        _check(y.shape[0] == X.shape[0], f"X has {X.shape[0]} rows but y has {y.shape[0]}")
        _check(bool(np.all(np.isfinite(X)) and np.all(np.isfinite(y))), "X, y: must be finite")
        domain = bounding_box(X) if self.domain is None else as_box(self.domain, X.shape[1])
        r = (X - domain.low) / domain.rho
        bad = int(np.sum(np.any((r < -1e-9) | (r > 1 + 1e-9), axis=1)))
        _check(bad == 0, f"X: {bad} points lie outside the domain {domain}")
        _check(
            self.variant in VARIANTS, f"variant: expected one of {VARIANTS}, got {self.variant!r}"
        )
        tau_ok = self.tau == "auto" or (isinstance(self.tau, (int, float)) and self.tau > 0)
        _check(tau_ok, f"tau: expected a number > 0 or 'auto', got {self.tau!r}")
        _check(self.gamma > 0 and self.beta >= 0, "gamma must be > 0 and beta ≥ 0")
        _check(int(self.max_iter) >= 0, f"max_iter: expected ≥ 0, got {self.max_iter}")
        return X, y, domain

    def _make_oracle(self) -> LinearOracle:
        if self.oracle == "enumerate":
            return EnumerationOracle(self.max_size)
        if self.oracle == "local-search":
            return LocalSearchOracle(self.max_size)
        try:
            return make_oracle(self.oracle)
        except (TypeError, ValueError) as err:
            raise FrankWolfeInputError(str(err)) from err

    # ------------------------------------------------------------------ fit / predict
    def fit(self, X: Any, y: Any) -> FrankWolfe:
        """Fit Σ_j c_j T_{C_j} to (X, y) by Frank-Wolfe; returns self."""
        X, y, domain = self._validate(X, y)
        d = X.shape[1]
        Ks = self._levels()
        levels = [build_level(X, domain, K) for K in Ks]

        def scale(size: int, K: int) -> float:
            return atom_scale(size, d, K, beta=self.beta, gamma=self.gamma)

        oracle = self._make_oracle()
        oracle.prepare(levels, scale)
        var = float(np.var(y))
        target = self.tol * var if var > 0 else self.tol * float(np.mean(y**2))
        with _progress_bar(self.progress, int(self.max_iter)) as bar:

            def run(
                tau: float, warm: Any = None, loss_target: float | None = target, steps: int = -1
            ) -> Any:
                return frank_wolfe(
                    levels, y, oracle, tau=tau, variant=self.variant,
                    max_iter=int(self.max_iter) if steps < 0 else steps,
                    gap_tol=target if loss_target is None else 1e-3 * loss_target,
                    time_limit=self.time_limit, progress=bar(f"τ = {tau:.4g}"),
                    warm_start=warm, loss_target=loss_target,
                )  # fmt: skip

            if self.tau != "auto":
                res = run(float(self.tau), loss_target=None)
                history = [{"tau": res.tau, "loss": res.fun, "gap": res.gap, "nit": res.nit}]
            else:
                a_max = max(scale(0, K) for K in Ks)
                res, target, history = self._search_tau(
                    run, max(float(np.max(np.abs(y))), 1e-12) / (2 * a_max), target
                )
            if self.prune and res.get("target_reached") and len(res.atoms) > 1:
                warm = prune_atoms(levels, y, res, target)
                final = run(res.tau, warm, loss_target=None, steps=0)  # its loss and gap
                res = _concat(res, final) if final.fun <= target else res
        self._store(res, domain, d, Ks, history)
        return self

    def _search_tau(
        self, run: Any, tau0: float, target: float
    ) -> tuple[OptimizeResult, float, list[dict[str, float]]]:
        """Doubling then bisection on τ for the smallest radius reaching the loss target (see the
        module docstring); returns the result, the target finally used and the path."""
        history: list[dict[str, float]] = []

        def record(res: OptimizeResult) -> OptimizeResult:
            history.append({"tau": res.tau, "loss": res.fun, "gap": res.gap, "nit": res.nit})
            return res

        low, high = tau0 / 2.0, record(run(tau0, loss_target=target))
        for _ in range(int(self.tau_doublings)):
            if high.target_reached:
                break
            low = high.tau
            high = record(run(2.0 * high.tau, loss_target=target))
        if not high.target_reached:
            # out of reach at this level: aim for the best loss of the class, within loss_slack
            best = record(run(high.tau, loss_target=None))
            target = max(target, best.fun * (1.0 + float(self.loss_slack)))
            high = best
            high["target_reached"] = True
            low = tau0 / 2.0  # smaller radii may reach the relaxed target
        for _ in range(int(self.tau_bisections)):
            mid = math.sqrt(low * high.tau)  # bisection in log τ
            res = record(run(mid, loss_target=target))
            if res.target_reached:
                high = res
            else:
                low = mid
        return high, target, history

    def _store(
        self, res: OptimizeResult, domain: Box, d: int, Ks: tuple[int, ...], history: list
    ) -> None:
        merged: dict[tuple, list] = {}
        for atom, c in zip(res.atoms, res.coef, strict=True):
            entry = merged.setdefault(atom.key(), [atom, 0.0])
            entry[1] += float(c)
        self.atoms_ = [
            FittedAtom(weight=c, circuit=a.circuit, K=a.K, size=a.size)
            for a, c in merged.values()
            if c != 0.0
        ]
        self.coef_ = np.array([a.weight for a in self.atoms_])
        self.gaps_ = np.asarray(res.gaps)
        self.losses_ = np.asarray(res.losses)
        self.gap_certified_ = np.asarray(res.certified)
        self.loss_ = float(res.fun)
        self.tau_ = float(res.tau)
        self.tau_path_ = history
        self.total_size_ = int(sum(a.size for a in self.atoms_))
        self.n_iter_ = int(res.nit)
        self.domain_ = domain
        self.n_features_in_ = d
        self.levels_ = Ks
        self.result_ = res

    def _check_fitted(self) -> None:
        if not hasattr(self, "atoms_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet; call fit(X, y) first."
            )

    def predict(self, X: Any) -> np.ndarray:
        """g(X) = Σ_j c_j T_{C_j}(X), float64 (n,)."""
        self._check_fitted()
        X = np.asarray(X, dtype=np.float64)
        _check(
            X.ndim == 2 and X.shape[1] == self.n_features_in_,
            f"X: expected shape (n, {self.n_features_in_}), got {X.shape}",
        )
        out = np.zeros(X.shape[0])
        for a in self.atoms_:
            out += a.weight * TetrakisFunction(a.circuit, self.n_features_in_, a.K, self.domain_)(X)
        return out

    def to_circuit(self) -> SumCircuit:
        """The fitted sum as one circuit with weights quantised to ``weight_bits`` fractional
        bits (:func:`occam.fw.circuit.build_sum_circuit`); its ``weight_error`` and
        ``input_error`` state how far it may be from :meth:`predict`."""
        self._check_fitted()
        return build_sum_circuit(
            [a.circuit for a in self.atoms_],
            [a.K for a in self.atoms_],
            self.coef_,
            self.domain_,
            weight_bits=int(self.weight_bits),
            frac_bits=int(self.frac_bits),
        )

    def frontier_point(self, X: Any, y: Any, *, norm: str = "l2") -> FrontierPoint:
        """The fitted sum as a frontier point of the learned target (SPEC 2.3, SPEC 11 output).

        Builds :meth:`to_circuit`, simulates that circuit on ``X`` (never :meth:`predict`) and
        records its error against ``y``: ``(mean (C(x_i) − y_i)²)^{1/2}`` for ``norm="l2"``,
        ``max |C(x_i) − y_i|`` for ``"linf"``; ``gates`` is the circuit's |C| (SPEC 2.1). The
        provenance names the atoms, their grid levels and the weight quantisation.
        """
        self._check_fitted()
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        _check(X.ndim == 2 and X.shape[1] == self.n_features_in_, f"X: expected shape (n, "
               f"{self.n_features_in_}), got {X.shape}")  # fmt: skip
        _check(y.shape[0] == X.shape[0], f"X has {X.shape[0]} rows but y has {y.shape[0]}")
        if norm not in ("l2", "linf"):
            raise FrankWolfeInputError(f"norm must be 'l2' or 'linf', received {norm!r}")
        built = self.to_circuit()
        residual = built(X) - y
        if norm == "l2":
            error = float(np.sqrt(np.mean(residual**2)))
        else:
            error = float(np.max(np.abs(residual), initial=0.0))
        meta = {
            "method": "frank-wolfe",
            "n_atoms": len(self.atoms_),
            "atom_sizes": [int(a.circuit.size) for a in self.atoms_],
            "levels": [int(a.K) for a in self.atoms_],
            "weight_bits": int(self.weight_bits),
            "weight_error": float(built.weight_error),
            "input_error": float(built.input_error),
            "n_points": int(X.shape[0]),
        }
        return FrontierPoint(error, int(built.size), meta)

    def __repr__(self) -> str:
        return (
            f"FrankWolfe(K={self.K!r}, tau={self.tau!r}, oracle={self.oracle!r}, "
            f"variant={self.variant!r})"
        )


def _concat(first: OptimizeResult, second: OptimizeResult) -> OptimizeResult:
    """``second`` with the step history of ``first`` in front (losses, gaps, certified, nit)."""
    out = OptimizeResult(**second)
    for key in ("losses", "gaps", "certified"):
        out[key] = np.concatenate([first[key], second[key]])
    out["nit"] = first.nit + second.nit + 1
    return out


class _progress_bar:
    """Context manager yielding ``bar(label) -> callback | None`` (rich when enabled)."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = bool(enabled)
        self.total = total

    def __enter__(self):
        if not self.enabled:
            return lambda label: None
        from rich.progress import Progress

        self._p = Progress(transient=True)
        self._p.__enter__()

        def make(label: str):
            task = self._p.add_task(f"Frank-Wolfe {label}", total=self.total + 1)

            def callback(t: int, n: int, info: dict[str, float]) -> None:
                self._p.update(
                    task,
                    completed=t + 1,
                    description=f"Frank-Wolfe {label} loss {info['loss']:.3g} "
                    f"gap {info['gap']:.3g}",
                )

            return callback

        return make

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._p.__exit__(*exc)
