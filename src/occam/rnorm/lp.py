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
only with a weak-duality certificate within ``STRUCTURED_GAP`` (relative), checked here from λ.

"auto": the structured solver for ε = 0 from ``STRUCTURED_MIN_ROWS`` merged rows on (unless the
assembly would be too costly: directions × m²/2 > 4·10^10), falling back to HiGHS on the same LP
if it cannot certify an optimum (the message says so); below that size, and for ε > 0, HiGHS
(interior point for the chain encoding, dual simplex for the dense one).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import OptimizeResult, linprog

from occam.rnorm._validation import as_matrix, as_vector
from occam.rnorm.dictionary import Dictionary, group_values, make_dictionary
from occam.rnorm.ipm import solve_structured
from occam.rnorm.twolayer import TwoLayer

FORMULATIONS = ("auto", "dense", "chain")
SOLVERS = ("auto", "simplex", "ipm", "structured")
#: the structured solver is the default from this many (merged) rows on (module docstring)
STRUCTURED_MIN_ROWS = 256
#: relative duality gap (checked independently from λ) required of a structured optimum
STRUCTURED_GAP = 1e-7

#: scipy's linprog status scale (shared by the HiGHS backend), one table (STYLE 6).
STATUS_MESSAGES = {
    0: "Optimization terminated successfully.",
    1: "Iteration or time limit reached.",
    2: "The problem is infeasible.",
    3: "The problem is unbounded.",
    4: "Numerical difficulties encountered.",
    5: "The verified interpolation residual exceeds the tolerance.",
}


class RNormResult(OptimizeResult):
    """Result of :func:`min_rnorm_interpolation` (scipy style).

    Fields: ``x`` (u over the dictionary units, or None), ``fun`` (optimal Σ|u_i|, NaN unless
    status 0), ``success``, ``status`` (scipy scale; 5 = residual check failed), ``message``,
    ``nit``, ``net`` (the TwoLayer interpolant, units with u ≠ 0 only, or None), ``residual``
    (max_k |g(x_k) − y_k|), ``lower_bound`` and ``gap`` (dual certificate), ``n_points``,
    ``n_rows`` (after merging duplicate rows), ``n_neurons``, ``n_directions``, ``formulation``,
    ``solver`` ("simplex" or "ipm"), ``solve_time`` (seconds in HiGHS), ``build_time``.
    """

    def require_optimal(self) -> RNormResult:
        """Return self when status is 0, else raise RuntimeError quoting the solver message."""
        if self.status != 0:
            raise RuntimeError(
                f"min_rnorm_interpolation did not reach a verified optimum "
                f"(status {self.status}): {self.message}"
            )
        return self


def _translate(res: Any) -> tuple[int, str]:
    """Map a linprog/HiGHS result onto (status, message) with the solver's own text appended."""
    status = int(res.status)
    base = STATUS_MESSAGES.get(status, "Unknown solver status.")
    return status, f"{base} (HiGHS: {res.message})"


def _check_inputs(X: object, y: object, eps: float) -> tuple[np.ndarray, np.ndarray, float]:
    X = as_matrix(X, "X")
    y = as_vector(y, "y")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y: expected length {X.shape[0]} (rows of X), got length {y.shape[0]}")
    eps = float(eps)
    if not np.isfinite(eps) or eps < 0:
        raise ValueError(f"eps: expected a finite number >= 0, got {eps}")
    return X, y, eps


def _projections(dictionary: Dictionary, X: np.ndarray):
    Z = dictionary.projections(X)
    kinks = dictionary.kinks(Z)
    return Z, kinks


def _row_groups(Z: np.ndarray, X: np.ndarray, affine: bool) -> tuple[np.ndarray, np.ndarray]:
    """(representative row indices, group id per row): rows equal on every projection (and X)."""
    keys = np.empty(Z.shape, dtype=np.int64)
    for i in range(Z.shape[1]):
        keys[:, i] = group_values(Z[:, i])[1]
    if affine:
        xkeys = np.empty(X.shape, dtype=np.int64)
        for j in range(X.shape[1]):
            xkeys[:, j] = group_values(X[:, j])[1]
        keys = np.concatenate([keys, xkeys], axis=1)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


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


def _certificate(
    Z: np.ndarray,
    kinks: list[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    lam: np.ndarray,
    eps: float,
    affine: bool,
) -> float:
    lam = lam - lam.mean()
    if affine:
        Xc = X - X.mean(axis=0)
        coef, *_ = np.linalg.lstsq(Xc, lam, rcond=None)
        lam = lam - Xc @ coef
        lam = lam - lam.mean()
    score = _dual_scores(Z, kinks, lam)
    value = abs(float(y @ lam)) - eps * float(np.abs(lam).sum())
    if score <= 0 or value <= 0:
        return 0.0
    return value / score


def _solve_highs(
    formulation: str,
    Zr: np.ndarray,
    kinks: list[np.ndarray],
    Xr: np.ndarray,
    yr: np.ndarray,
    eps: float,
    affine: bool,
    time_limit: float | None,
    t_start: float,
    solver: str,
) -> tuple:
    """One HiGHS solve of the full LP in the dense or chain encoding (module docstring).

    Returns (status, message, nit, u, c, a, λ, build s, solve s); u, c, a, λ are None unless
    status is 0.
    """
    m = Xr.shape[0]
    n_units = int(sum(t.size for t in kinks))
    if formulation == "dense":
        Phi = _dense_block(Zr, kinks)
        A_data = sp.hstack([Phi, -Phi], format="csr")
        A_chain = None
        n_core = 2 * n_units
        lower = np.zeros(n_core)
    else:
        A_data, A_chain, _, n_core = _chain_blocks(Zr, kinks)
        lower = np.concatenate([np.zeros(2 * n_units), np.full(n_core - 2 * n_units, -np.inf)])
    extra = [np.ones((m, 1))]
    if affine:
        extra.append(Xr)
    E = sp.csr_matrix(np.hstack(extra))
    n_extra = E.shape[1]
    A_data = sp.hstack([A_data, E], format="csr")
    n_var = n_core + n_extra
    cost = np.zeros(n_var)
    cost[: 2 * n_units] = 1.0
    lower = np.concatenate([lower, np.full(n_extra, -np.inf)])
    bounds = [(None if np.isinf(lo) else lo, None) for lo in lower]
    if A_chain is not None:
        A_chain = sp.hstack([A_chain, sp.csr_matrix((A_chain.shape[0], n_extra))], format="csr")
    if eps == 0.0:
        A_eq = A_data if A_chain is None else sp.vstack([A_data, A_chain], format="csr")
        b_eq = np.concatenate([yr, np.zeros(0 if A_chain is None else A_chain.shape[0])])
        A_ub = b_ub = None
    else:
        A_ub = sp.vstack([A_data, -A_data], format="csr")
        b_ub = np.concatenate([yr + eps, -(yr - eps)])
        A_eq = A_chain
        b_eq = None if A_chain is None else np.zeros(A_chain.shape[0])
    options: dict[str, Any] = {"presolve": True}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    build_time = time.perf_counter() - t_start
    t_solve = time.perf_counter()
    res = linprog(
        cost,
        A_ub=A_ub,
        b_ub=b_ub,
        A_eq=A_eq,
        b_eq=b_eq,
        bounds=bounds,
        method="highs-ipm" if solver == "ipm" else "highs-ds",
        options=options,
    )
    solve_time = time.perf_counter() - t_solve
    status, message = _translate(res)
    nit = int(getattr(res, "nit", 0) or 0)
    if status != 0:
        return status, message, nit, None, None, None, None, build_time, solve_time
    sol = np.asarray(res.x)
    u = sol[:n_units] - sol[n_units : 2 * n_units]
    c = float(sol[n_core])
    a = sol[n_core + 1 :] if affine else None
    if eps == 0.0:
        lam = np.asarray(res.eqlin.marginals)[:m]
    else:
        marg = np.asarray(res.ineqlin.marginals)
        lam = marg[:m] - marg[m:]
    return status, message, nit, u, c, a, lam, build_time, solve_time


def _structured_work(Zr: np.ndarray, kinks: list[np.ndarray]) -> float:
    """Entries added per assembly of ΦΘΦᵀ in :mod:`occam.rnorm.ipm`: directions × m²/2."""
    n_dirs = sum(1 for t in kinks if t.size)
    return n_dirs * Zr.shape[0] ** 2 / 2.0


def _solve_structured(
    Zr: np.ndarray,
    kinks: list[np.ndarray],
    Xr: np.ndarray,
    yr: np.ndarray,
    affine: bool,
    time_limit: float | None,
    t_start: float,
    progress: Any,
) -> tuple:
    """occam's interior point method (:mod:`occam.rnorm.ipm`); returns as :func:`_solve_highs`."""
    E = np.hstack([np.ones((Xr.shape[0], 1)), Xr]) if affine else np.ones((Xr.shape[0], 1))
    build_time = time.perf_counter() - t_start
    t_solve = time.perf_counter()
    remaining = None if time_limit is None else max(time_limit - build_time, 0.0)
    try:
        sol = solve_structured(Zr, kinks, E, yr, time_limit=remaining, progress=progress)
    except np.linalg.LinAlgError as err:
        solve_time = time.perf_counter() - t_solve
        message = f"{STATUS_MESSAGES[4]} (occam interior point method: {err})"
        return 4, message, 0, None, None, None, None, build_time, solve_time
    solve_time = time.perf_counter() - t_solve
    status = 0 if sol.status == 0 else (1 if sol.status == 1 else 4)
    message = (
        f"{STATUS_MESSAGES[status]} (occam interior point method: {sol.message} after "
        f"{sol.nit} iterations, {sol.n_kept} units kept)"
    )
    if status != 0:
        return status, message, sol.nit, None, None, None, None, build_time, solve_time
    # an interior point optimum counts only with a matching dual certificate (checked from λ alone)
    lower = _certificate(Zr, kinks, Xr, yr, sol.lam, 0.0, affine)
    fun = float(np.abs(sol.u).sum())
    if fun - lower > STRUCTURED_GAP * max(1.0, fun):
        message = (
            f"{STATUS_MESSAGES[4]} certified gap {fun - lower:.3e} exceeds "
            f"{STRUCTURED_GAP:g}·max(1, {fun:.6g}) ({message})"
        )
        return 4, message, sol.nit, None, None, None, None, build_time, solve_time
    a = sol.alpha[1:] if affine else None
    return (
        status,
        message,
        sol.nit,
        sol.u,
        float(sol.alpha[0]),
        a,
        sol.lam,
        build_time,
        solve_time,
    )


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
    """Solve min Σ|u_i| s.t. Φu + c (+ Xa) = y (or within ±eps) with HiGHS (SPEC 12 c).

    Parameters
    ----------
    X : array (n, d)
        Data points.
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
    time_limit : float or None
        Time limit in seconds for the whole solve (status 1 when reached): HiGHS's own limit, or
        checked by the structured solver between iterations and simplex pivots; a HiGHS fallback
        gets what is left. None: no limit (a fallback to HiGHS at 4096 points can take many
        minutes).
    tol : float
        Accepted interpolation residual max_k |g(x_k) − y_k| − eps, relative to max(1, max|y|);
        a larger verified residual turns the result into status 5.
    solver : "auto" | "simplex" | "ipm"
        HiGHS algorithm (module docstring); "auto" = "ipm" for the chain encoding, "simplex" for
        the dense one. Both return an optimum with the same independently checked certificate.
        "structured": occam's interior point method on the dense normal equations
        (:mod:`occam.rnorm.ipm`, ε = 0 only); "auto" picks it for ε = 0 from
        ``STRUCTURED_MIN_ROWS`` merged rows on, and falls back to HiGHS if it cannot certify.
    progress : callable or None
        Called as ``progress(iteration, primal, dual, primal_infeasibility, dual_infeasibility,
        relative_gap)`` after each iteration of the structured solver.

    Returns
    -------
    RNormResult
        ``net`` and ``fun`` are only set when ``status == 0`` (otherwise ``fun`` is NaN and ``net``
        None): a non-optimal result never reports an optimum.
    """
    t_start = time.perf_counter()
    X, y, eps = _check_inputs(X, y, eps)
    if isinstance(dictionary, str):
        dictionary = make_dictionary(dictionary, X.shape[1], n_random=n_random, seed=seed)
    if not isinstance(dictionary, Dictionary):
        raise TypeError(
            f"dictionary: expected a Dictionary or a name, got {type(dictionary).__name__}"
        )
    if dictionary.d != X.shape[1]:
        raise ValueError(
            f"dictionary: built for d = {dictionary.d}, but X has {X.shape[1]} columns"
        )
    if formulation not in FORMULATIONS:
        raise ValueError(f"formulation: expected one of {FORMULATIONS}, got {formulation!r}")
    if solver not in SOLVERS:
        raise ValueError(f"solver: expected one of {SOLVERS}, got {solver!r}")
    Z, kinks = _projections(dictionary, X)
    n_units = int(sum(t.size for t in kinks))
    if n_units == 0:
        raise ValueError(
            "dictionary: no unit is active on the data (every direction is constant on X and no "
            "explicit biases were given); the dictionary is empty"
        )
    n = X.shape[0]
    if eps == 0.0:
        rep, group = _row_groups(Z, X, affine)
        # merge only when every group has one target value
        spread = np.zeros(rep.size)
        np.maximum.at(spread, group, np.abs(y - y[rep][group]))
        if np.all(spread <= 1e-12 * (1.0 + np.abs(y).max())):
            Xr, yr, Zr = X[rep], y[rep], Z[rep]
        else:
            Xr, yr, Zr = X, y, Z
    else:
        Xr, yr, Zr = X, y, Z
    m = Xr.shape[0]

    if formulation == "auto":
        nnz_dense = (
            sum(
                int(np.sum(Zr[:, i][:, None] > t[None, :])) if t.size else 0
                for i, t in enumerate(kinks)
            )
            if m * n_units <= 2e7
            else m * n_units // 2
        )
        nnz_chain = 7 * n_units + 2 * m * dictionary.n_directions
        formulation_used = "dense" if nnz_dense <= nnz_chain else "chain"
    else:
        formulation_used = formulation
    highs_formulation = formulation_used

    if solver == "structured" and eps != 0.0:
        raise ValueError(
            "solver: 'structured' solves exact interpolation (eps = 0) only; use 'simplex' or "
            f"'ipm' for eps = {eps}"
        )
    # the HiGHS route (used directly, or as the fallback of "auto")
    highs_solver = (
        solver
        if solver in ("simplex", "ipm")
        else ("ipm" if formulation_used == "chain" else "simplex")
    )
    use_structured = solver == "structured" or (
        solver == "auto"
        and eps == 0.0
        and m >= STRUCTURED_MIN_ROWS
        and _structured_work(Zr, kinks) <= 4e10
    )
    fallback_note = ""
    found = None
    if use_structured:
        found = _solve_structured(Zr, kinks, Xr, yr, affine, time_limit, t_start, progress)
        solver_used, formulation_used = "structured", "normal-equations"
        if found[0] != 0 and solver == "auto":
            # the structured path could not certify an optimum: HiGHS on the same LP
            spent = time.perf_counter() - t_start
            time_limit = None if time_limit is None else max(time_limit - spent, 1.0)
            fallback_note = f" (structured solver: {found[1]}; fell back to HiGHS)"
            formulation_used = highs_formulation
            found = None
    if found is None:
        solver_used = highs_solver
        found = _solve_highs(
            formulation_used, Zr, kinks, Xr, yr, eps, affine, time_limit, t_start, solver_used
        )
    status, message, nit, u, c, a, lam, build_time, solve_time = found
    message += fallback_note
    out = RNormResult(
        x=None,
        fun=float("nan"),
        success=False,
        status=status,
        message=message,
        nit=nit,
        net=None,
        residual=float("nan"),
        lower_bound=float("nan"),
        gap=float("nan"),
        n_points=n,
        n_rows=m,
        n_neurons=n_units,
        n_directions=dictionary.n_directions,
        formulation=formulation_used,
        solver=solver_used,
        solve_time=solve_time,
        build_time=build_time,
        dictionary=dictionary.name,
        eps=eps,
        affine=bool(affine),
    )
    if status != 0:
        return out
    W_all, b_all = dictionary.neurons(X)
    nz = u != 0.0
    net = TwoLayer(W_all[nz], b_all[nz], u[nz], a, c)
    residual = float(np.max(np.abs(net(X) - y)))
    lower_bound = _certificate(Zr, kinks, Xr, yr, lam, eps, affine)
    fun = float(np.sum(np.abs(u)))
    out.update(
        x=u,
        fun=fun,
        net=net,
        residual=residual,
        lower_bound=lower_bound,
        gap=fun - lower_bound,
        success=True,
    )
    scale = max(1.0, float(np.abs(y).max()))
    if residual > eps + tol * scale:
        out.update(
            success=False,
            status=5,
            fun=float("nan"),
            net=None,
            x=None,
            message=f"{STATUS_MESSAGES[5]} residual {residual:.3e} > eps + {tol:g}·{scale:.3g} "
            f"({message})",
        )
    return out


__all__ = ["FORMULATIONS", "SOLVERS", "STATUS_MESSAGES", "RNormResult", "min_rnorm_interpolation"]
