"""Minimum R-norm interpolation over a finite dictionary as a linear program (SPEC 12 c).

    minimise  Σ_i |u_i|   subject to   Σ_i u_i σ(w_iᵀx_k + b_i) + c (+ aᵀx_k) = y_k   (k = 1..n)
                                     or |… − y_k| ≤ ε,

with ‖w_i‖₂ = 1, so Σ|u_i| is the R-norm. c is free (a unit with w = 0 is a constant of cost 0);
a is free when ``affine=True``. Split form u = u⁺ − u⁻, u^± ≥ 0, objective Σ(u⁺ + u⁻), solved by
HiGHS through ``scipy.optimize.linprog`` (``method="highs-ds"`` or ``"highs-ipm"``, see ``solver``).

Two equivalent encodings of Φu (Φ_ki = σ(w_iᵀx_k + b_i)):

- ``"dense"``: the matrix Φ itself (scipy.sparse CSC, ~half its entries are nonzero);
- ``"chain"``: per direction w with sorted kinks t_1 < … < t_K, the slopes S_j = Σ_{i≤j} u_i and
  values F_j = f_w(t_j) obey S_j = S_{j−1} + u⁺_j − u⁻_j and F_{j+1} = F_j + (t_{j+1} − t_j) S_j;
  a data point with projection z ∈ [t_r, t_{r+1}) reads f_w(z) = F_r + (z − t_r) S_r. This needs
  ~7 nonzeros per unit plus 2 per (point, direction) instead of ~n/2 per unit. It pays off for
  dictionaries of few directions with many biases only for larger n (benchmarks/bench_rnorm.py:
  1024 points, 24.6k units: 58 s where the dense encoding hit a 120 s limit in one run, both at
  the limit in another); the dense encoding is faster below ~1000 points. "auto" picks the
  encoding with fewer nonzeros.

Rows with identical projections on every direction (and identical x when ``affine``) are merged
when ε = 0 (e.g. the ridge dictionary sees only d+1 distinct points of {±1}^d).

Certificate (STYLE 6). From the HiGHS duals λ of the data rows (centred so Σλ = 0, and projected
off the columns of X when ``affine``), weak duality gives for every feasible u

    ‖u‖₁ ≥ (|yᵀλ| − ε‖λ‖₁) / max_i |φ_iᵀλ|  =: ``lower_bound``

which is recomputed here from λ alone (max over all units by sorted suffix sums), so an optimum
is reported together with an independently checked bound and the interpolation residual of the
returned network.

Solvers (``solver``). HiGHS: "simplex" (dual simplex) or "ipm" (interior point + crossover); for
the chain encoding the interior point method is 1.4-2.3× faster than the simplex method, for the
dense encoding ~4× slower. "structured": occam's own primal-dual interior point method
(:mod:`occam.rnorm.ipm`, ε = 0 only). An exact interpolation optimum uses ~n units, so any
simplex basis or normal-equations factor has a dense n × n core, which HiGHS handles in sparse
code; the structured solver assembles ΦΘΦᵀ in O(n²) per direction and factors it with LAPACK
(benchmarks/results/rnorm.md: 1024 points / 24.6k units in ~2 s where HiGHS needs 39-72 s;
4096 points / 102k units in 7-19 s where HiGHS stops at its 60 s limit). It reports an optimum
only with a weak-duality certificate within ``CERTIFICATE_RTOL`` (relative), checked here from λ,
like every other path.

"auto": the structured solver for ε = 0 from ``STRUCTURED_MIN_ROWS`` merged rows on (unless the
assembly would be too costly: directions × m²/2 > 4·10^10), falling back to HiGHS on the same LP
if it cannot certify an optimum (the message says so); below that size, and for ε > 0, HiGHS
(interior point for the chain encoding, dual simplex for the dense one).

Invariances, and the normalisation every solve runs in. With free biases and a free constant the
LP is invariant under translating the data and under adding a constant to y, and it is
homogeneous under scaling: for s > 0, σ(wᵀ(s x′ + m) + b) = s·σ(wᵀx′ + b′) with
b′ = (b + wᵀm)/s (an explicit bias list maps the same way), so with X = s X′ + m and
y = s_y y′ + m_y the interpolants correspond one to one by u = (s_y/s) u′, b = s b′ − wᵀm,
a = (s_y/s) a′, c = s_y c′ + m_y − (s_y/s) a′ᵀm, and

    R(X, y, ε) = (s_y / s) · R(X′, y′, ε/s_y)

(R-norm ∝ 1/(scale of X), ∝ scale of y; both verified by tests). Every solve therefore runs on
X′ = (X − m)/s and y′ = (y − m_y)/s_y with m, m_y the midranges and s, s_y the half ranges
(s is one number: the R-norm of the unit directions is not invariant under per-axis scaling). The
LP's absolute tolerances (HiGHS's feasibility tolerances, ``HIGHS_TOLERANCES``, and the merging
of projections within 1e-10·(1 + |z|)) then act on data of size one, so ``X + 1e10`` or
``X * 1e12`` give the value of ``X`` (scaled), where solving in the user's units merged distinct
kinks or lost the certificate. The optimum, the certificate and the network are mapped back
exactly; ``residual`` is measured with the returned network on the user's X (for data far from
the origin it carries the rounding of evaluating wᵀx + b there, ≈ 1e-16·|wᵀx|·Σ|u_i|), and the
tolerance is checked on the normalised problem.

An optimum is reported (status 0) only when, on whichever solver path produced it, (i) the weak
duality bound recomputed from the dual λ alone is within ``CERTIFICATE_RTOL``·max(1, value) of the
value (relative to the normalised problem; status 5 otherwise) and (ii) the normalised
interpolation residual is within ``tol`` (status 5 otherwise).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from occam.result import STATUS_MESSAGES, OptimizeResult
from occam.rnorm._validation import RNormInputError, as_matrix, as_vector
from occam.rnorm.dictionary import Dictionary, group_values, make_dictionary
from occam.rnorm.ipm import solve_structured
from occam.rnorm.twolayer import TwoLayer

FORMULATIONS = ("auto", "dense", "chain")
SOLVERS = ("auto", "simplex", "ipm", "structured")
#: the structured solver is the default from this many (merged) rows on (module docstring)
STRUCTURED_MIN_ROWS = 256
#: relative duality gap (value − bound, recomputed from λ alone) allowed of any reported optimum:
#: far above the gaps of correct answers (≤ 3e-8 relative with :data:`HIGHS_TOLERANCES` on the
#: 1024-point test instance, ~1e-12 for the structured solver), far below those of wrong ones
#: (the unnormalised failures of issue 17 had gaps of 15-30%).
CERTIFICATE_RTOL = 1e-6
#: HiGHS feasibility tolerances on the normalised LP (|y′| ≤ 1). HiGHS's default 1e-7 left a
#: recomputed gap of 2.3e-7 relative at 1024 points; 1e-9 gives 2.3e-8 for ~30% more time.
HIGHS_TOLERANCES = {"primal_feasibility_tolerance": 1e-9, "dual_feasibility_tolerance": 1e-9}


class RNormResult(OptimizeResult):
    """Result of :func:`min_rnorm_interpolation` (occam's scipy-style result, STYLE 6).

    Fields: ``x`` (u over the dictionary units, or None), ``fun`` (optimal Σ|u_i|, NaN unless
    status 0), ``success``, ``status`` (:mod:`occam.result` scale; 5 = certificate or residual
    check failed), ``message``, ``nit``, ``net`` (the TwoLayer interpolant, units with u ≠ 0
    only, or None), ``residual`` (max_k |g(x_k) − y_k| of ``net`` on the given X),
    ``lower_bound`` and ``gap`` (dual certificate), ``n_points``, ``n_rows`` (after merging
    duplicate rows), ``n_neurons``, ``n_directions``, ``formulation``, ``solver``
    ("simplex", "ipm" or "structured"), ``solve_time``, ``build_time``, ``dictionary``, ``eps``,
    ``affine``, ``normalisation`` (centre, scale, y centre, y scale of the internal data).
    """

    def require_optimal(self) -> RNormResult:
        """Return self when status is 0, else raise RuntimeError quoting the solver message."""
        self.require_success("min_rnorm_interpolation")
        return self


@dataclass(frozen=True)
class Normalisation:
    """x = scale·x′ + centre and y = y_scale·y′ + y_centre (module docstring, *Invariances*)."""

    centre: np.ndarray
    scale: float
    y_centre: float
    y_scale: float

    @classmethod
    def of(cls, X: np.ndarray, y: np.ndarray) -> Normalisation:
        """Midranges and half ranges (halves first: no overflow near the float64 limit)."""
        lo, hi = X.min(axis=0), X.max(axis=0)
        half = hi / 2 - lo / 2
        scale = float(half.max())
        y_half = float(y.max() / 2 - y.min() / 2)
        return cls(
            centre=lo / 2 + hi / 2,
            scale=scale if scale > 0 else 1.0,
            y_centre=float(y.min() / 2 + y.max() / 2),
            y_scale=y_half if y_half > 0 else 1.0,
        )

    def points(self, X: np.ndarray) -> np.ndarray:
        return (X - self.centre) / self.scale

    def targets(self, y: np.ndarray) -> np.ndarray:
        return (y - self.y_centre) / self.y_scale

    @property
    def rnorm_factor(self) -> float:
        """R(X, y) / R(X′, y′) = y_scale / scale."""
        return self.y_scale / self.scale

    def dictionary(self, dic: Dictionary) -> Dictionary:
        """The dictionary in normalised coordinates: relevant-kink directions are unchanged,
        explicit biases map to b′ = (b + wᵀm)/s."""
        if all(b is None for b in dic.biases):
            return dic
        biases = tuple(
            None if b is None else (b + float(dic.directions[i] @ self.centre)) / self.scale
            for i, b in enumerate(dic.biases)
        )
        return Dictionary(dic.directions, biases, dic.name)

    def network(self, W: np.ndarray, b: np.ndarray, u: np.ndarray, a: Any, c: float) -> TwoLayer:
        """The interpolant in the user's coordinates of g′(x′) = Σ u′σ(wᵀx′ + b′) + a′ᵀx′ + c′."""
        f = self.rnorm_factor
        const = self.y_scale * c + self.y_centre
        if a is not None:
            const -= f * float(a @ self.centre)
            a = f * a
        return TwoLayer(W, self.scale * b - W @ self.centre, f * u, a, const)


@dataclass(frozen=True)
class _LP:
    """The normalised LP after row merging: projections ``Z`` (m × directions) of the rows,
    kinks per direction, rows ``X`` and targets ``y``, ``eps``, ``affine``."""

    Z: np.ndarray
    kinks: list[np.ndarray]
    X: np.ndarray
    y: np.ndarray
    eps: float
    affine: bool

    @property
    def n_units(self) -> int:
        return int(sum(t.size for t in self.kinks))


@dataclass
class _Solution:
    """One solver run on an :class:`_LP`: ``status``/``message``/``nit`` and, when status is 0,
    the primal (u, c, a) and the dual λ of the data rows (no certificate checked yet)."""

    status: int
    message: str
    nit: int
    build_time: float
    solve_time: float
    u: np.ndarray | None = None
    c: float = 0.0
    a: np.ndarray | None = None
    lam: np.ndarray | None = None
    lower_bound: float = float("nan")
    residual: float = float("nan")


def _translate(res: Any) -> tuple[int, str]:
    """Map a linprog/HiGHS result onto the status scale with HiGHS's own text appended; a HiGHS
    model error is numerical trouble (4), never "infeasible"."""
    status = int(res.status)
    if "model error" in str(res.message).lower():
        status = 4
    base = STATUS_MESSAGES.get(status, "Unknown solver status.")
    return status, f"{base} (HiGHS: {res.message})"


def _check_inputs(
    X: object, y: object, eps: float, time_limit: object
) -> tuple[np.ndarray, np.ndarray, float, float | None]:
    X = as_matrix(X, "X")
    y = as_vector(y, "y")
    if y.shape[0] != X.shape[0]:
        raise RNormInputError(
            f"y: expected length {X.shape[0]} (rows of X), got length {y.shape[0]}"
        )
    eps = float(eps)
    if not np.isfinite(eps) or eps < 0:
        raise RNormInputError(f"eps: expected a finite number >= 0, got {eps}")
    if time_limit is not None:
        if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float, np.number)):
            raise RNormInputError(f"time_limit: expected seconds > 0 or None, got {time_limit!r}")
        if not float(time_limit) > 0:  # also refuses NaN
            raise RNormInputError(f"time_limit: expected seconds > 0 or None, got {time_limit}")
        time_limit = None if np.isinf(time_limit) else float(time_limit)
    return X, y, eps, time_limit


def _conflicting_duplicates(X: np.ndarray, y: np.ndarray, slack: float) -> str | None:
    """A message naming two rows with the same x whose targets differ by more than 2·slack
    (slack = ε + the residual tolerance: no function interpolates them), or None."""
    _, first, inverse = np.unique(X, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    dev = np.abs(y - y[first[inverse]])
    bad = np.flatnonzero(dev > 2 * slack)
    if bad.size == 0:
        return None
    k = int(bad[0])
    j = int(first[inverse[k]])
    return (
        f"rows {j} and {k} of X are the same point but y[{j}] = {y[j]:.17g} and y[{k}] = "
        f"{y[k]:.17g} differ by more than 2·(eps + tolerance) = {2 * slack:.3g}: no function "
        "interpolates them"
    )


def _projections(dictionary: Dictionary, X: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Z = X Wᵀ and the kinks per direction."""
    Z = dictionary.projections(X)
    return Z, dictionary.kinks(Z)


def _row_groups(Z: np.ndarray, X: np.ndarray, affine: bool) -> tuple[np.ndarray, np.ndarray]:
    """(representative row indices, group id per row): rows equal on every projection (and X)."""
    keys = np.empty(Z.shape, dtype=np.int64)
    for i in range(Z.shape[1]):
        _, keys[:, i] = group_values(Z[:, i])
    if affine:
        xkeys = np.empty(X.shape, dtype=np.int64)
        for j in range(X.shape[1]):
            _, xkeys[:, j] = group_values(X[:, j])
        keys = np.concatenate([keys, xkeys], axis=1)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _merged_lp(dictionary: Dictionary, X: np.ndarray, y: np.ndarray, eps: float, affine: bool):
    """The LP on normalised rows X, y, with rows of equal projections (and one target) merged
    when ε = 0 (e.g. the ridge dictionary sees only d+1 distinct points of {±1}^d)."""
    Z, kinks = _projections(dictionary, X)
    if eps == 0.0:
        rep, group = _row_groups(Z, X, affine)
        spread = np.zeros(rep.size)
        np.maximum.at(spread, group, np.abs(y - y[rep][group]))
        if np.all(spread <= 1e-12 * (1.0 + np.abs(y).max())):
            return _LP(Z[rep], kinks, X[rep], y[rep], eps, affine)
    return _LP(Z, kinks, X, y, eps, affine)


def _dense_block(Z: np.ndarray, kinks: list[np.ndarray]) -> sp.csc_matrix:
    cols = []
    for i, t in enumerate(kinks):
        if t.size:
            cols.append(sp.csc_matrix(np.maximum(Z[:, i : i + 1] - t[None, :], 0.0)))
    if not cols:
        return sp.csc_matrix((Z.shape[0], 0))
    return sp.hstack(cols, format="csc")


def _chain_blocks(Z: np.ndarray, kinks: list[np.ndarray]):
    """Sparse blocks of the chain encoding.

    Variables per direction (K kinks): u⁺ (K), u⁻ (K), S (K), F (K−1, F_1 = 0 is dropped).
    Returns (A_data (n × n_var), A_chain (n_chain × n_var), n_units, layout) with layout the
    per-direction variable offsets, all variables in one vector: [u⁺ | u⁻ | S | F].
    """
    n = Z.shape[0]
    sizes = np.array([t.size for t in kinks], dtype=np.int64)
    N = int(sizes.sum())
    n_f = int(np.maximum(sizes - 1, 0).sum())
    off_u = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    off_f = np.concatenate([[0], np.cumsum(np.maximum(sizes - 1, 0))[:-1]])
    up, um, s0, f0 = 0, N, 2 * N, 3 * N
    n_var = 3 * N + n_f
    d_rows, d_cols, d_vals = [], [], []
    c_rows, c_cols, c_vals = [], [], []
    row = 0
    for i, t in enumerate(kinks):
        K = t.size
        if K == 0:
            continue
        j = np.arange(K)
        su = s0 + off_u[i] + j
        # S_j − S_{j−1} − u⁺_j + u⁻_j = 0
        r = row + j
        c_rows += [r, r, r]
        c_cols += [su, up + off_u[i] + j, um + off_u[i] + j]
        c_vals += [np.ones(K), -np.ones(K), np.ones(K)]
        if K > 1:
            c_rows.append(r[1:])
            c_cols.append(su[:-1])
            c_vals.append(-np.ones(K - 1))
        row += K
        # F_{j+1} − F_j − Δ_j S_j = 0 for j = 0..K−2 (F index j+1 ↦ column f0+off_f+j)
        if K > 1:
            jj = np.arange(K - 1)
            r = row + jj
            fcol = f0 + off_f[i] + jj
            c_rows += [r, r]
            c_cols += [fcol, su[:-1]]
            c_vals += [np.ones(K - 1), -np.diff(t)]
            if K > 2:
                c_rows.append(r[1:])
                c_cols.append(fcol[:-1])
                c_vals.append(-np.ones(K - 2))
            row += K - 1
        # data: z in [t_r, t_{r+1}) reads F_r + (z − t_r) S_r
        z = Z[:, i]
        rk = np.searchsorted(t, z, side="right") - 1
        on = rk >= 0
        pts = np.nonzero(on)[0]
        rr = rk[on]
        slope_coef = z[on] - t[rr]
        d_rows.append(pts)
        d_cols.append(su[rr])
        d_vals.append(slope_coef)
        has_f = rr >= 1
        d_rows.append(pts[has_f])
        d_cols.append(f0 + off_f[i] + rr[has_f] - 1)
        d_vals.append(np.ones(int(has_f.sum())))
    A_data = sp.csr_matrix(
        (np.concatenate(d_vals), (np.concatenate(d_rows), np.concatenate(d_cols))),
        shape=(n, n_var),
    )
    A_chain = sp.csr_matrix(
        (np.concatenate(c_vals), (np.concatenate(c_rows), np.concatenate(c_cols))),
        shape=(row, n_var),
    )
    return A_data, A_chain, N, n_var


def unit_scores(Z: np.ndarray, kinks: list[np.ndarray], lam: np.ndarray) -> np.ndarray:
    """φ_iᵀλ = Σ_k λ_k σ(z_k − t_i) for every unit (concatenated in dictionary order).

    Per direction: sort z, suffix sums of λ and λz, then
    φᵀλ = Σ_{z_k > t} λ_k z_k − t Σ_{z_k > t} λ_k.
    O(n log n) per direction instead of O(n · units).
    """
    out = []
    for i, t in enumerate(kinks):
        if t.size == 0:
            continue
        z = Z[:, i]
        order = np.argsort(z)
        zs, ls = z[order], lam[order]
        suf_l = np.concatenate([np.cumsum(ls[::-1])[::-1], [0.0]])
        suf_lz = np.concatenate([np.cumsum((ls * zs)[::-1])[::-1], [0.0]])
        pos = np.searchsorted(zs, t, side="right")
        out.append(suf_lz[pos] - t * suf_l[pos])
    return np.concatenate(out) if out else np.zeros(0)


def _dual_scores(Z: np.ndarray, kinks: list[np.ndarray], lam: np.ndarray) -> float:
    """max over all units |φ_iᵀλ|."""
    scores = unit_scores(Z, kinks, lam)
    return float(np.max(np.abs(scores))) if scores.size else 0.0


def _certificate(lp: _LP, lam: np.ndarray) -> float:
    """Weak-duality bound ‖u‖₁ ≥ (|yᵀλ| − ε‖λ‖₁) / max_i |φ_iᵀλ| (module docstring) from λ alone,
    after projecting λ onto the constraints of the free terms (Σλ = 0, and Xᵀλ = 0 if affine)."""
    lam = lam - lam.mean()
    if lp.affine:
        Xc = lp.X - lp.X.mean(axis=0)
        coef, *_ = np.linalg.lstsq(Xc, lam, rcond=None)
        lam = lam - Xc @ coef
        lam = lam - lam.mean()
    score = _dual_scores(lp.Z, lp.kinks, lam)
    value = abs(float(lp.y @ lam)) - lp.eps * float(np.abs(lam).sum())
    if score <= 0 or value <= 0:
        return 0.0
    return value / score


def _highs_problem(lp: _LP, formulation: str) -> tuple[dict[str, Any], int]:
    """linprog arguments of the LP in the dense or chain encoding, and the number of core
    variables (u⁺, u⁻ and the chain variables; the free terms c, a follow them)."""
    m, n_units = lp.X.shape[0], lp.n_units
    if formulation == "dense":
        Phi = _dense_block(lp.Z, lp.kinks)
        A_data = sp.hstack([Phi, -Phi], format="csr")
        A_chain = None
        n_core = 2 * n_units
        lower = np.zeros(n_core)
    else:
        A_data, A_chain, _, n_core = _chain_blocks(lp.Z, lp.kinks)
        lower = np.concatenate([np.zeros(2 * n_units), np.full(n_core - 2 * n_units, -np.inf)])
    E = sp.csr_matrix(np.hstack([np.ones((m, 1)), lp.X]) if lp.affine else np.ones((m, 1)))
    n_extra = E.shape[1]
    A_data = sp.hstack([A_data, E], format="csr")
    cost = np.zeros(n_core + n_extra)
    cost[: 2 * n_units] = 1.0
    lower = np.concatenate([lower, np.full(n_extra, -np.inf)])
    args: dict[str, Any] = {
        "c": cost,
        "bounds": [(None if np.isinf(lo) else lo, None) for lo in lower],
    }
    if A_chain is not None:
        A_chain = sp.hstack([A_chain, sp.csr_matrix((A_chain.shape[0], n_extra))], format="csr")
    if lp.eps == 0.0:
        args["A_eq"] = A_data if A_chain is None else sp.vstack([A_data, A_chain], format="csr")
        args["b_eq"] = np.concatenate([lp.y, np.zeros(0 if A_chain is None else A_chain.shape[0])])
    else:
        args["A_ub"] = sp.vstack([A_data, -A_data], format="csr")
        args["b_ub"] = np.concatenate([lp.y + lp.eps, -(lp.y - lp.eps)])
        args["A_eq"] = A_chain
        args["b_eq"] = None if A_chain is None else np.zeros(A_chain.shape[0])
    return args, n_core


def _solve_highs(
    lp: _LP, formulation: str, solver: str, time_limit: float | None, t_start: float
) -> _Solution:
    """One HiGHS solve of the full LP in the dense or chain encoding (module docstring)."""
    args, n_core = _highs_problem(lp, formulation)
    options: dict[str, Any] = {"presolve": True, **HIGHS_TOLERANCES}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    build_time = time.perf_counter() - t_start
    t_solve = time.perf_counter()
    method = "highs-ipm" if solver == "ipm" else "highs-ds"
    res = linprog(**args, method=method, options=options)
    out = _Solution(0, "", int(getattr(res, "nit", 0) or 0), build_time, 0.0)
    out.solve_time = time.perf_counter() - t_solve
    out.status, out.message = _translate(res)
    if out.status != 0:
        return out
    m, n_units = lp.X.shape[0], lp.n_units
    x = np.asarray(res.x)
    out.u = x[:n_units] - x[n_units : 2 * n_units]
    out.c = float(x[n_core])
    out.a = x[n_core + 1 :] if lp.affine else None
    if lp.eps == 0.0:
        out.lam = np.asarray(res.eqlin.marginals)[:m]
    else:
        marg = np.asarray(res.ineqlin.marginals)
        out.lam = marg[:m] - marg[m:]
    return out


def _structured_work(lp: _LP) -> float:
    """Entries added per assembly of ΦΘΦᵀ in :mod:`occam.rnorm.ipm`: directions × m²/2."""
    n_dirs = sum(1 for t in lp.kinks if t.size)
    return n_dirs * lp.Z.shape[0] ** 2 / 2.0


def _solve_structured(
    lp: _LP, time_limit: float | None, t_start: float, progress: Any
) -> _Solution:
    """occam's interior point method (:mod:`occam.rnorm.ipm`, ε = 0)."""
    m = lp.X.shape[0]
    E = np.hstack([np.ones((m, 1)), lp.X]) if lp.affine else np.ones((m, 1))
    build_time = time.perf_counter() - t_start
    t_solve = time.perf_counter()
    remaining = None if time_limit is None else max(time_limit - build_time, 0.0)
    try:
        sol = solve_structured(lp.Z, lp.kinks, E, lp.y, time_limit=remaining, progress=progress)
    except np.linalg.LinAlgError as err:
        message = f"{STATUS_MESSAGES[4]} (occam interior point method: {err})"
        return _Solution(4, message, 0, build_time, time.perf_counter() - t_solve)
    status = 0 if sol.status == 0 else (1 if sol.status == 1 else 4)
    message = (
        f"{STATUS_MESSAGES[status]} (occam interior point method: {sol.message} after "
        f"{sol.nit} iterations, {sol.n_kept} units kept)"
    )
    out = _Solution(status, message, sol.nit, build_time, time.perf_counter() - t_solve)
    if status == 0:
        out.u, out.c, out.lam = sol.x, float(sol.alpha[0]), sol.lam
        out.a = sol.alpha[1:] if lp.affine else None
    return out


def _unit_index(kinks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(direction, kink t) of every unit, in the LP's order."""
    sizes = np.array([t.size for t in kinks], dtype=np.int64)
    direction = np.repeat(np.arange(len(kinks)), sizes)
    return direction, (np.concatenate(kinks) if sizes.sum() else np.zeros(0))


@dataclass(frozen=True)
class Verdict:
    """What :func:`verify` found: the weak-duality ``lower_bound`` recomputed from the dual
    alone, the interpolation ``residual`` (max_k |Φu + c + Xa − y|_k − ε) and ``refusal`` (None
    when the candidate is accepted, else the reason)."""

    lower_bound: float
    residual: float
    refusal: str | None


def verify(
    lp: _LP, u: np.ndarray, c: float, a: np.ndarray | None, lam: np.ndarray, tol: float
) -> Verdict:
    """The checks behind every reported optimum (module docstring), on the normalised LP: a
    candidate (u, c, a) with dual ``lam`` is accepted when Σ|u| − bound ≤
    ``CERTIFICATE_RTOL``·max(1, Σ|u|) and its residual is ≤ ``tol``."""
    fun = float(np.abs(u).sum())
    lower = _certificate(lp, lam)
    direction, kink = _unit_index(lp.kinks)
    nz = np.flatnonzero(u)
    fit = np.maximum(lp.Z[:, direction[nz]] - kink[nz], 0.0) @ u[nz] + c
    if a is not None:
        fit += lp.X @ a
    residual = float(np.max(np.abs(fit - lp.y))) - lp.eps
    refusal = None
    if fun - lower > CERTIFICATE_RTOL * max(1.0, fun):
        refusal = (
            f"certificate gap {fun - lower:.3e} (value {fun:.10g}, bound {lower:.10g} from the "
            f"dual alone) exceeds {CERTIFICATE_RTOL:g}·max(1, value)"
        )
    elif residual > tol:
        refusal = f"interpolation residual {residual:.3e} exceeds tol = {tol:g}"
    return Verdict(lower, residual, refusal)


def _checked(lp: _LP, sol: _Solution, tol: float) -> _Solution:
    """Run :func:`verify` on a status-0 solution; a refused one becomes status 5."""
    if sol.status == 0:
        verdict = verify(lp, sol.u, sol.c, sol.a, sol.lam, tol)
        sol.lower_bound, sol.residual = verdict.lower_bound, verdict.residual
        if verdict.refusal is not None:
            sol.status = 5
            sol.message = f"{STATUS_MESSAGES[5]} {verdict.refusal} ({sol.message})"
    return sol


def _auto_formulation(lp: _LP, n_directions: int) -> str:
    """The encoding with fewer nonzeros (module docstring)."""
    m, n_units = lp.Z.shape[0], lp.n_units
    if m * n_units <= 2e7:
        nnz_dense = sum(
            int(np.sum(lp.Z[:, i][:, None] > t[None, :])) for i, t in enumerate(lp.kinks) if t.size
        )
    else:
        nnz_dense = m * n_units // 2
    return "dense" if nnz_dense <= 7 * n_units + 2 * m * n_directions else "chain"


def _solve(
    lp: _LP,
    formulation: str,
    solver: str,
    time_limit: float | None,
    tol: float,
    t_start: float,
    progress: Any,
) -> tuple[_Solution, str, str]:
    """Run the solver route (module docstring) and check its answer; returns the solution, the
    solver and the formulation used."""
    highs_solver = (
        solver if solver in ("simplex", "ipm") else ("ipm" if formulation == "chain" else "simplex")
    )
    use_structured = solver == "structured" or (
        solver == "auto"
        and lp.eps == 0.0
        and lp.Z.shape[0] >= STRUCTURED_MIN_ROWS
        and _structured_work(lp) <= 4e10
    )
    if use_structured:
        sol = _checked(lp, _solve_structured(lp, time_limit, t_start, progress), tol)
        if sol.status == 0 or solver == "structured":
            return sol, "structured", "normal-equations"
        # the structured path could not certify an optimum: HiGHS on the same LP
        spent = time.perf_counter() - t_start
        time_limit = None if time_limit is None else max(time_limit - spent, 1.0)
        note = f" (structured solver: {sol.message}; fell back to HiGHS)"
        sol = _checked(lp, _solve_highs(lp, formulation, highs_solver, time_limit, t_start), tol)
        sol.message += note
        return sol, highs_solver, formulation
    sol = _checked(lp, _solve_highs(lp, formulation, highs_solver, time_limit, t_start), tol)
    return sol, highs_solver, formulation


def min_rnorm_interpolation(
    X: object,
    y: object,
    dictionary: Dictionary | str = "union",
    eps: float = 0.0,
    affine: bool = False,
    *,
    formulation: str = "auto",
    n_random: int = 0,
    seed: int = 0,
    time_limit: float | None = None,
    tol: float = 1e-6,
    solver: str = "auto",
    progress: Any = None,
) -> RNormResult:
    """Solve min Σ|u_i| s.t. Φu + c (+ Xa) = y (or within ±eps) (SPEC 12 c).

    Parameters
    ----------
    X : array (n, d)
        Data points (real; complex values are refused).
    y : array (n,)
        Targets.
    dictionary : Dictionary or str
        A :class:`~occam.rnorm.dictionary.Dictionary`, or one of "ridge", "sign", "random",
        "union" (built for d = X.shape[1] with ``n_random`` random directions and ``seed``).
    eps : float
        ε ≥ 0; 0 asks for exact interpolation.
    affine : bool
        Add a free linear term aᵀx (the constant c is always free).
    formulation : "auto" | "dense" | "chain"
        Encoding of Φu (module docstring); "auto" picks the one with fewer nonzeros.
    time_limit : float > 0, inf or None
        Time limit in seconds for the whole solve (status 1 when reached): HiGHS's own limit, or
        checked by the structured solver between iterations and simplex pivots; a HiGHS fallback
        gets what is left. None or inf: no limit (a fallback to HiGHS at 4096 points can take
        many minutes). Zero, negative or NaN values are refused.
    tol : float
        Accepted interpolation residual max_k |g(x_k) − y_k| − eps, relative to the half range of
        y (1 when y is constant), checked on the normalised problem; a larger residual, or a
        certificate gap above ``CERTIFICATE_RTOL``, turns the result into status 5.
    solver : "auto" | "simplex" | "ipm" | "structured"
        HiGHS algorithm (module docstring); "auto" = "ipm" for the chain encoding, "simplex" for
        the dense one. "structured": occam's interior point method on the dense normal
        equations (:mod:`occam.rnorm.ipm`, ε = 0 only); "auto" picks it for ε = 0 from
        ``STRUCTURED_MIN_ROWS`` merged rows on, and falls back to HiGHS if it cannot certify.
        Every path's optimum passes the same independent checks (:func:`verify`).
    progress : callable or None
        Called as ``progress(iteration, primal, dual, primal_infeasibility, dual_infeasibility,
        relative_gap)`` after each iteration of the structured solver.

    Returns
    -------
    RNormResult
        ``net`` and ``fun`` are only set when ``status == 0`` (otherwise ``fun`` is NaN and ``net``
        None): a non-optimal or unverified result never reports an optimum. Two equal points with
        targets further apart than 2·(eps + tolerance) give status 2 with a message naming them.

    Over 80 lines only through this docstring; the body validates, normalises and dispatches.
    """
    t_start = time.perf_counter()
    X, y, eps, time_limit = _check_inputs(X, y, eps, time_limit)
    dictionary = _as_dictionary(dictionary, X.shape[1], n_random, seed)
    _check_route(formulation, solver, eps)
    norm = Normalisation.of(X, y)
    out = _empty_result(X, eps, affine, dictionary, norm)
    conflict = _conflicting_duplicates(X, y, eps + tol * norm.y_scale)
    if conflict is not None:
        out.update(status=2, message=f"{STATUS_MESSAGES[2]} {conflict}")
        return out
    lp = _merged_lp(
        norm.dictionary(dictionary), norm.points(X), norm.targets(y), eps / norm.y_scale, affine
    )
    if lp.n_units == 0:
        raise RNormInputError(
            "dictionary: no unit is active on the data (every direction is constant on X and no "
            "explicit biases were given); the dictionary is empty"
        )
    if formulation == "auto":
        formulation = _auto_formulation(lp, dictionary.n_directions)
    sol, solver_used, formulation_used = _solve(
        lp, formulation, solver, time_limit, tol, t_start, progress
    )
    out.update(
        status=sol.status,
        success=sol.status == 0,
        message=sol.message,
        nit=sol.nit,
        n_rows=lp.X.shape[0],
        n_neurons=lp.n_units,
        formulation=formulation_used,
        solver=solver_used,
        solve_time=sol.solve_time,
        build_time=sol.build_time,
    )
    if sol.status == 0:
        _report_optimum(out, lp, sol, norm, X, y, dictionary)
    return out


def _check_route(formulation: str, solver: str, eps: float) -> None:
    if formulation not in FORMULATIONS:
        raise RNormInputError(f"formulation: expected one of {FORMULATIONS}, got {formulation!r}")
    if solver not in SOLVERS:
        raise RNormInputError(f"solver: expected one of {SOLVERS}, got {solver!r}")
    if solver == "structured" and eps != 0.0:
        raise RNormInputError(
            "solver: 'structured' solves exact interpolation (eps = 0) only; use 'simplex' or "
            f"'ipm' for eps = {eps}"
        )


def _as_dictionary(dictionary: Any, d: int, n_random: int, seed: int) -> Dictionary:
    if isinstance(dictionary, str):
        dictionary = make_dictionary(dictionary, d, n_random=n_random, seed=seed)
    if not isinstance(dictionary, Dictionary):
        raise TypeError(
            f"dictionary: expected a Dictionary or a name, got {type(dictionary).__name__}"
        )
    if dictionary.d != d:
        raise RNormInputError(f"dictionary: built for d = {dictionary.d}, but X has {d} columns")
    return dictionary


def _empty_result(
    X: np.ndarray, eps: float, affine: bool, dictionary: Dictionary, norm: Normalisation
) -> RNormResult:
    """A result without optimum (status 4 until the solve says otherwise)."""
    return RNormResult(
        x=None,
        fun=float("nan"),
        status=4,
        message=STATUS_MESSAGES[4],
        nit=0,
        net=None,
        residual=float("nan"),
        lower_bound=float("nan"),
        gap=float("nan"),
        n_points=X.shape[0],
        n_rows=X.shape[0],
        n_neurons=0,
        n_directions=dictionary.n_directions,
        formulation="",
        solver="",
        solve_time=0.0,
        build_time=0.0,
        dictionary=dictionary.name,
        eps=eps,
        affine=bool(affine),
        normalisation=norm,
    )


def _report_optimum(
    out: RNormResult,
    lp: _LP,
    sol: _Solution,
    norm: Normalisation,
    X: np.ndarray,
    y: np.ndarray,
    dictionary: Dictionary,
) -> None:
    """Map a verified optimum of the normalised LP back to the user's units (module docstring)."""
    direction, kink = _unit_index(lp.kinks)
    nz = sol.u != 0.0
    W = dictionary.directions[direction[nz]]
    net = norm.network(W, -kink[nz], sol.u[nz], sol.a, sol.c)
    f = norm.rnorm_factor
    fun = f * float(np.abs(sol.u).sum())
    out.update(
        x=f * sol.u,
        fun=fun,
        net=net,
        residual=float(np.max(np.abs(net(X) - y))),
        lower_bound=f * sol.lower_bound,
        gap=fun - f * sol.lower_bound,
        success=True,
    )


__all__ = [
    "CERTIFICATE_RTOL",
    "FORMULATIONS",
    "SOLVERS",
    "STATUS_MESSAGES",
    "Normalisation",
    "RNormResult",
    "Verdict",
    "min_rnorm_interpolation",
    "verify",
]
