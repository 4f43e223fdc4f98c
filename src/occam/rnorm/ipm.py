"""A primal-dual interior point method for the R-norm LP on its structured normal equations.

The LP of SPEC 12 c in split form (:mod:`occam.rnorm.lp`),

    minimise 1ᵀ(u⁺ + u⁻)   s.t.   Φ(u⁺ − u⁻) + Eα = y,   u^± ≥ 0,   α free  (E = [1] or [1, X]),

has a dual  max yᵀλ  s.t.  |Φᵀλ| ≤ 1, Eᵀλ = 0. Mehrotra's predictor-corrector method (Nocedal &
Wright, Numerical Optimization, Alg. 14.3) needs, per iteration, one Cholesky factorisation of the
n × n matrix M = Φ Θ Φᵀ (Θ = diag(u⁺/z⁺ + u⁻/z⁻)), bordered by E. For an exact interpolation
problem the optimum uses about n units, so M is dense and no sparse LP code can avoid an n × n dense
factor; HiGHS (simplex LU or IPX's basis preconditioner) handles that dense core in sparse code,
which is what makes it slow beyond ~1000 points (benchmarks/results/rnorm.md).

Structure used here. A direction w with sorted kinks t_1 < … < t_K contributes

    M_w[i, j] = Σ_{t_k < min(z_i, z_j)} θ_k (z_i − t_k)(z_j − t_k) = A₂(i) + (z_j − z_i) A₁(i)
                for z_i ≤ z_j,   A₁(i) = Σ_{t_k < z_i} θ_k (z_i − t_k),  A₂(i) = Σ θ_k (z_i − t_k)²

(a semiseparable matrix), so M is assembled in O(n²) per direction whatever K is, instead of
O(n² K) for ΦΘΦᵀ; A₁, A₂ are accumulated with non-negative increments only (no cancellation).
Φv and Φᵀλ cost O(n + K) per direction after one sort. The dense Cholesky is LAPACK's.

Output. The iterate is interior: every unit has a tiny nonzero weight. :func:`solve_structured`
turns it into exactly interpolating networks: the units whose weight is above ``drop`` relative
to the largest, corrected by least squares (:func:`restore_interpolation`), and, when that is not
certified, a vertex: a square basis of the units with the largest θ, finished by a dense primal
simplex (:func:`crossover`). Every candidate interpolates, so Σ|u_i| is an upper bound; the dual
vectors give weak-duality lower bounds; the caller (lp) recomputes the bound from λ alone and
reports an optimum only when the two meet.

Limits (benchmarks/results/rnorm.md). Per iteration: O(directions · n²) assembly, one n × n
Cholesky (~1 s at n = 4096 on this machine). Near a non-degenerate optimum the Newton steps lose
the digits of z → 0 and the iterate stalls at ~1e-6; the crossover then usually finishes in a few
pivots (random targets, n ≤ 1024). On degenerate instances with near-duplicate kinks the iterate
can stall short of the optimum and the primal simplex stalls too: no optimum is reported and
``min_rnorm_interpolation(solver="auto")`` falls back to HiGHS.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np
import scipy.linalg as sla

from occam.result import OptimizeResult

#: diagonal shift of ΦΘΦᵀ relative to its largest diagonal entry (×1e3 until Cholesky succeeds)
REGULARISATION = 1e-13

# ---------------------------------------------------------------------------------------------
# structured operators (numba): directions with sorted projections and sorted kinks


@dataclass(frozen=True)
class Structure:
    """Per-direction sorted projections and kinks, flattened for the kernels."""

    order: np.ndarray  # (D, m) int64: point indices sorted by projection
    zs: np.ndarray  # (D, m) float64: sorted projections
    kinks: np.ndarray  # (N,) float64: kinks, ascending within each direction
    koff: np.ndarray  # (D + 1,) int64: kink offsets per direction
    kpos: np.ndarray  # (N,) int64: first sorted position with z > t_k
    zcount: np.ndarray  # (D, m) int64: number of kinks t_k < z (per sorted position)

    @property
    def n_points(self) -> int:
        return int(self.zs.shape[1])

    @property
    def n_units(self) -> int:
        return int(self.kinks.shape[0])


def build_structure(Z: np.ndarray, kinks: list[np.ndarray]) -> Structure:
    """Sort every direction's projections once; drop directions without kinks."""
    keep = [i for i, t in enumerate(kinks) if t.size]
    Zk = Z[:, keep]
    order = np.argsort(Zk, axis=0, kind="stable").T.copy()
    zs = np.take_along_axis(Zk, order.T, axis=0).T.copy()
    ks = [np.sort(kinks[i]) for i in keep]
    koff = np.concatenate([[0], np.cumsum([k.size for k in ks])]).astype(np.int64)
    T = np.concatenate(ks) if ks else np.zeros(0)
    kpos = np.concatenate(
        [np.searchsorted(zs[w], ks[w], side="right") for w in range(len(ks))]
    ).astype(np.int64)
    zcount = np.stack([np.searchsorted(ks[w], zs[w], side="left") for w in range(len(ks))])
    return Structure(order, zs, T, koff, kpos, zcount.astype(np.int64))


@numba.njit(cache=True, parallel=True)
def _phi_t(order, zs, kinks, koff, kpos, lam, out):
    D, m = zs.shape
    for w in numba.prange(D):
        sl = np.empty(m + 1)
        slz = np.empty(m + 1)
        sl[m] = 0.0
        slz[m] = 0.0
        for i in range(m - 1, -1, -1):
            v = lam[order[w, i]]
            sl[i] = sl[i + 1] + v
            slz[i] = slz[i + 1] + v * zs[w, i]
        for k in range(koff[w], koff[w + 1]):
            p = kpos[k]
            out[k] = slz[p] - kinks[k] * sl[p]


@numba.njit(cache=True)
def _phi(order, zs, kinks, koff, zcount, v, out):
    D, m = zs.shape
    for i in range(m):
        out[i] = 0.0
    for w in range(D):
        k0 = koff[w]
        cv = 0.0
        cvt = 0.0
        c = 0
        for i in range(m):
            target = zcount[w, i]
            while c < target:
                cv += v[k0 + c]
                cvt += v[k0 + c] * kinks[k0 + c]
                c += 1
            out[order[w, i]] += zs[w, i] * cv - cvt


@numba.njit(cache=True)
def _generators(zs_w, kinks_w, theta_w, a1, a2):
    """A₁, A₂ at the sorted projections of one direction (non-negative increments only)."""
    m = zs_w.shape[0]
    K = kinks_w.shape[0]
    c0 = 0.0
    s1 = 0.0
    s2 = 0.0
    cur = kinks_w[0] if K > 0 else zs_w[0]
    k = 0
    for i in range(m):
        z = zs_w[i]
        while k < K and kinks_w[k] < z:
            dlt = kinks_w[k] - cur
            if dlt > 0:
                s2 += 2.0 * dlt * s1 + dlt * dlt * c0
                s1 += dlt * c0
                cur = kinks_w[k]
            c0 += theta_w[k]
            k += 1
        dlt = z - cur
        if dlt > 0 and c0 > 0:
            s2 += 2.0 * dlt * s1 + dlt * dlt * c0
            s1 += dlt * c0
        if dlt > 0:
            cur = z
        a1[i] = s1
        a2[i] = s2


@numba.njit(cache=True, parallel=True)
def _assemble(order, zs, kinks, koff, theta, M):
    """Lower triangle of M = Σ_w M_w (module docstring), in the points' own order.

    With generators gathered back to point order, M_w[a, b] = A₂(c) + |z_a − z_b| A₁(c) where c is
    whichever of a, b has the smaller projection (equal projections give equal generators), so the
    inner loop runs over contiguous memory and vectorises.
    """
    D, m = zs.shape
    g1 = np.empty((D, m))
    g2 = np.empty((D, m))
    zo = np.empty((D, m))
    for w in numba.prange(D):
        a1 = np.empty(m)
        a2 = np.empty(m)
        _generators(zs[w], kinks[koff[w] : koff[w + 1]], theta[koff[w] : koff[w + 1]], a1, a2)
        for i in range(m):
            p = order[w, i]
            g1[w, p] = a1[i]
            g2[w, p] = a2[i]
            zo[w, p] = zs[w, i]
    for a in numba.prange(m):
        row = M[a]
        for w in range(D):
            za = zo[w, a]
            ga1 = g1[w, a]
            ga2 = g2[w, a]
            zw = zo[w]
            h1 = g1[w]
            h2 = g2[w]
            for b in range(a + 1):
                zb = zw[b]
                if za <= zb:
                    row[b] += ga2 + (zb - za) * ga1
                else:
                    row[b] += h2[b] + (za - zb) * h1[b]


class Operators:
    """Φv, Φᵀλ and M = ΦΘΦᵀ for a :class:`Structure`."""

    def __init__(self, st: Structure):
        self.st = st

    def phi(self, v: np.ndarray) -> np.ndarray:
        st = self.st
        out = np.empty(st.n_points)
        _phi(st.order, st.zs, st.kinks, st.koff, st.zcount, np.ascontiguousarray(v), out)
        return out

    def phi_t(self, lam: np.ndarray) -> np.ndarray:
        st = self.st
        out = np.empty(st.n_units)
        _phi_t(st.order, st.zs, st.kinks, st.koff, st.kpos, np.ascontiguousarray(lam), out)
        return out

    def normal_matrix(self, theta: np.ndarray) -> np.ndarray:
        st = self.st
        M = np.zeros((st.n_points, st.n_points))
        _assemble(st.order, st.zs, st.kinks, st.koff, np.ascontiguousarray(theta), M)
        return M


# ---------------------------------------------------------------------------------------------
# the interior point method


class IPMResult(OptimizeResult):
    """Result of :func:`interior_point` (occam's result convention, :mod:`occam.result`).

    Fields: ``u`` (the best iterate's u⁺ − u⁻), ``alpha`` (free terms), ``lam`` (dual λ),
    ``scores`` (Φᵀλ), ``status`` (0 converged or stalled close to the optimum, 1 iteration or
    time limit), ``success``, ``message``, ``nit``, ``primal`` (= ``fun``, 1ᵀ(u⁺ + u⁻)),
    ``dual`` (yᵀλ), ``times`` (seconds per phase).
    """


@dataclass
class _Best:
    """The best iterate so far, by ``merit`` = max(primal inf., dual inf., relative gap)."""

    merit: float
    u: np.ndarray
    alpha: np.ndarray
    lam: np.ndarray
    primal: float
    dual: float
    it: int
    scores: np.ndarray


class _Bordered:
    """Solves [[M, E], [Eᵀ, 0]] [a; b] = [r; s] with a Cholesky factor of M (+ regularisation)."""

    def __init__(self, M: np.ndarray, E: np.ndarray, regularisation: float):
        scale = float(np.max(np.diag(M))) if M.size else 1.0
        # floor: all features can vanish on the data (kinks above every point), M = 0
        reg = regularisation * max(scale, 1e-12)
        diag = M[np.diag_indices_from(M)].copy()
        for _ in range(8):
            M[np.diag_indices_from(M)] = diag + reg
            try:
                self.factor = sla.cho_factor(M, lower=True, check_finite=False)
                break
            except np.linalg.LinAlgError:
                reg *= 1e3
        else:
            raise np.linalg.LinAlgError("normal matrix is not positive definite")
        self.E = E
        self.MiE = sla.cho_solve(self.factor, E, check_finite=False)
        self.S = E.T @ self.MiE

    def solve(self, r: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Mir = sla.cho_solve(self.factor, r, check_finite=False)
        # lstsq: E may be rank deficient (affine term with collinear points), α is then not unique
        b = np.linalg.lstsq(self.S, self.E.T @ Mir - s, rcond=None)[0]
        a = Mir - self.MiE @ b
        return a, b


@dataclass
class _Iterate:
    """Primal (u⁺, u⁻, α), dual (λ, z⁺, z⁻) and the residuals at this point."""

    up: np.ndarray
    um: np.ndarray
    alpha: np.ndarray
    lam: np.ndarray
    zp: np.ndarray
    zm: np.ndarray
    rp: np.ndarray | None = None
    rdp: np.ndarray | None = None
    rdm: np.ndarray | None = None
    rE: np.ndarray | None = None


def _ratio(u: np.ndarray, z: np.ndarray) -> np.ndarray:
    """θ = u/z, kept finite when z underflows (θ ≤ 1e200; such a unit is simply fully active)."""
    with np.errstate(over="ignore", divide="ignore"):
        return np.minimum(u / z, 1e200)


def _newton_direction(
    ops: Operators,
    E: np.ndarray,
    B: _Bordered,
    x: _Iterate,
    rcp: np.ndarray,
    rcm: np.ndarray,
    refine: int,
    ynorm: float,
) -> tuple[np.ndarray, ...]:
    """Newton step for complementarity targets (rcp, rcm) through the bordered normal equations.

    Eliminating Δz^± = r_d^± ∓ ΦᵀΔλ and Δu^± = (r_c^± − u^±Δz^±)/z^± leaves
    (ΦΘΦᵀ)Δλ + EΔα = r_p − Φg,  EᵀΔλ = r_E,  Θ = u⁺/z⁺ + u⁻/z⁻ (Nocedal & Wright §14.2).
    """
    thp = _ratio(x.up, x.zp)
    thm = _ratio(x.um, x.zm)
    theta = thp + thm
    g = (rcp - x.up * x.rdp) / x.zp - (rcm - x.um * x.rdm) / x.zm
    h = x.rp - ops.phi(g)
    dlam, dalpha = B.solve(h, x.rE)
    st = ops.phi_t(dlam)
    # iterative refinement against the operators (the factor is of a rounded, regularised M)
    for _ in range(refine):
        res = h - ops.phi(theta * st) - E @ dalpha
        if np.abs(res).max() <= 1e-14 * ynorm:
            break
        c_lam, c_alpha = B.solve(res, x.rE - E.T @ dlam)
        dlam += c_lam
        dalpha += c_alpha
        st = ops.phi_t(dlam)
    dzp = x.rdp - st
    dzm = x.rdm + st
    dup = (rcp - x.up * dzp) / x.zp
    dum = (rcm - x.um * dzm) / x.zm
    # Δu^± lose the digits of z → 0 (θ ~ 1e12 near a vertex): put the primal equation back with a
    # Θ-weighted least-norm correction (Δz unchanged)
    for _ in range(refine):
        pres = x.rp - ops.phi(dup - dum) - E @ dalpha
        if np.abs(pres).max() <= 1e-13 * ynorm:
            break
        c_lam, c_alpha = B.solve(pres, np.zeros(E.shape[1]))
        sc = ops.phi_t(c_lam)
        dup += thp * sc
        dum -= thm * sc
        dalpha = dalpha + c_alpha
    return dup, dum, dlam, dalpha, dzp, dzm


def interior_point(
    ops: Operators,
    E: np.ndarray,
    y: np.ndarray,
    *,
    tol: float = 1e-9,
    max_iter: int = 60,
    stall: int = 5,
    refine: int = 3,
    adaptive: bool = False,
    time_limit: float | None = None,
    progress: Callable[..., None] | None = None,
) -> IPMResult:
    """Mehrotra predictor-corrector on  min 1ᵀ(u⁺+u⁻)  s.t.  Φ(u⁺−u⁻) + Eα = y  (module doc).

    Stops when the relative primal and dual infeasibilities and the relative gap are ≤ ``tol``
    (status 0, "converged"), when the best iterate has not improved for ``stall`` iterations and
    is within 1e-4 (status 0, "stalled": the crossover of :func:`solve_structured` finishes), or at
    ``max_iter`` / ``time_limit`` (status 1). The best iterate (by the largest of the three
    measures) is returned.

    Longer than 80 lines on purpose: it is one loop of Mehrotra's method whose state (iterate,
    factor, regularisation, best point) every step reads and writes; split, each helper would
    take and return most of it (the Newton solve itself is :func:`_newton_direction`).
    """
    t0 = time.perf_counter()
    times = {"assemble": 0.0, "factor": 0.0, "other": 0.0}
    N = ops.st.n_units
    q = E.shape[1]
    ynorm = max(1.0, float(np.abs(y).max()))
    # Dual regularisation δ·max diag(M): 1e-13 keeps degenerate problems (few units carry y, M
    # nearly singular) stable; a non-degenerate vertex needs far less, so with ``adaptive`` δ drops
    # ×1e-3 whenever the primal residual starts to grow (the factor no longer resolves M).
    reg = REGULARISATION
    min_pinf = np.inf

    def factor(theta: np.ndarray) -> _Bordered:
        t = time.perf_counter()
        M = ops.normal_matrix(theta)
        times["assemble"] += time.perf_counter() - t
        t = time.perf_counter()
        B = _Bordered(M, E, reg)
        times["factor"] += time.perf_counter() - t
        return B

    # Mehrotra's starting point: least-norm u, λ = 0, then shifted into the interior
    B = factor(np.ones(N))
    a, alpha = B.solve(y, np.zeros(q))
    u = ops.phi_t(a)
    shift = max(float(np.abs(u).max()) * 0.1, 1e-2)
    x = _Iterate(
        np.maximum(u, 0.0) + shift,
        np.maximum(-u, 0.0) + shift,
        alpha,
        np.zeros(y.shape[0]),
        np.ones(N),
        np.ones(N),
    )
    best: _Best | None = None
    status, message, it = 1, "iteration limit reached", 0
    for it in range(1, max_iter + 1):
        s = ops.phi_t(x.lam)
        x.rp = y - ops.phi(x.up - x.um) - E @ x.alpha
        x.rdp = 1.0 - s - x.zp
        x.rdm = 1.0 + s - x.zm
        x.rE = -(E.T @ x.lam)
        mu = float((x.up @ x.zp + x.um @ x.zm) / (2 * N))
        primal = float(x.up.sum() + x.um.sum())
        dual = float(y @ x.lam)
        pinf = float(np.abs(x.rp).max()) / ynorm
        dinf = max(float(np.abs(x.rdp).max()), float(np.abs(x.rdm).max()))
        gap = abs(primal - dual) / max(1.0, abs(primal))
        if adaptive and pinf > 10.0 * min_pinf and min_pinf < 1e-6 and reg > 1e-19:
            reg *= 1e-3
        min_pinf = min(min_pinf, pinf)
        if progress is not None:
            progress(it, primal, dual, pinf, dinf, gap)
        merit = max(pinf, dinf, gap)
        if best is None or merit < best.merit:
            best = _Best(
                merit, x.up - x.um, x.alpha.copy(), x.lam.copy(), primal, dual, it, s.copy()
            )
        if pinf <= tol and dinf <= tol and gap <= tol:
            status, message = 0, "converged"
            break
        if it - best.it >= stall and best.merit <= 1e-4:
            status, message = (
                0,
                f"stalled at relative accuracy {best.merit:.1e} (best iterate kept)",
            )
            break
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            status, message = 1, "time limit reached"
            break
        B = factor(_ratio(x.up, x.zp) + _ratio(x.um, x.zm))
        t = time.perf_counter()
        # predictor (affine scaling), then Mehrotra's corrector with σ = (μ_aff/μ)³
        dup, dum, _, _, dzp, dzm = _newton_direction(
            ops, E, B, x, -x.up * x.zp, -x.um * x.zm, refine, ynorm
        )
        ap = min(_step(x.up, dup), _step(x.um, dum))
        ad = min(_step(x.zp, dzp), _step(x.zm, dzm))
        mu_aff = float(
            ((x.up + ap * dup) @ (x.zp + ad * dzp) + (x.um + ap * dum) @ (x.zm + ad * dzm))
            / (2 * N)
        )
        sigma = (mu_aff / mu) ** 3 if mu > 0 else 0.0
        rcp = sigma * mu - x.up * x.zp - dup * dzp
        rcm = sigma * mu - x.um * x.zm - dum * dzm
        dup, dum, dlam, dalpha, dzp, dzm = _newton_direction(ops, E, B, x, rcp, rcm, refine, ynorm)
        ap = min(1.0, 0.995 * min(_step(x.up, dup, 1e300), _step(x.um, dum, 1e300)))
        ad = min(1.0, 0.995 * min(_step(x.zp, dzp, 1e300), _step(x.zm, dzm, 1e300)))
        x.up = x.up + ap * dup
        x.um = x.um + ap * dum
        x.alpha = x.alpha + ap * dalpha
        x.lam = x.lam + ad * dlam
        x.zp = x.zp + ad * dzp
        x.zm = x.zm + ad * dzm
        times["other"] += time.perf_counter() - t
    times["total"] = time.perf_counter() - t0
    return IPMResult(
        u=best.u,
        alpha=best.alpha,
        lam=best.lam,
        scores=best.scores,
        status=status,
        message=message,
        nit=it,
        fun=best.primal,
        primal=best.primal,
        dual=best.dual,
        times=times,
    )


def _step(x: np.ndarray, dx: np.ndarray, cap: float = 1.0) -> float:
    neg = dx < 0
    if not np.any(neg):
        return cap
    return float(min(cap, np.min(-x[neg] / dx[neg])))


# ---------------------------------------------------------------------------------------------
# from an interior iterate to a sparse network that interpolates exactly


def _columns(Z: np.ndarray, st: Structure, direction_of: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Explicit feature columns σ(z − t_k) (m × |idx|) of the units idx."""
    return np.maximum(Z[:, direction_of[idx]] - st.kinks[idx][None, :], 0.0)


def restore_interpolation(
    Z: np.ndarray,
    st: Structure,
    direction_of: np.ndarray,
    E: np.ndarray,
    y: np.ndarray,
    u: np.ndarray,
    alpha: np.ndarray,
    keep: np.ndarray,
    steps: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """Least-norm correction of (u on ``keep``, α) so that Φu + Eα = y to rounding.

    The residual left by the interior point method and by dropping the negligible units is tiny
    (~1e-9 relative), so a few refinement steps with a slightly regularised Gram matrix of
    A = [Φ_keep, E] (|keep| + q columns, formed explicitly) reach it to rounding; the Gram matrix is
    AᵀA when |keep| + q ≤ m and AAᵀ otherwise.
    """
    idx = np.nonzero(keep)[0]
    A = np.hstack([_columns(Z, st, direction_of, idx), E])
    x = np.concatenate([u[idx], alpha])
    small = A.shape[1] <= A.shape[0]
    G = A.T @ A if small else A @ A.T
    G[np.diag_indices_from(G)] += 1e-12 * max(float(np.max(np.diag(G))), 1e-300)
    factor = sla.cho_factor(G, lower=True, check_finite=False)
    scale = max(1.0, float(np.abs(y).max()))
    for _ in range(steps):
        r = y - A @ x
        if np.abs(r).max() <= 1e-14 * scale:
            break
        if small:
            x += sla.cho_solve(factor, A.T @ r, check_finite=False)
        else:
            x += A.T @ sla.cho_solve(factor, r, check_finite=False)
    out = np.zeros_like(u)
    out[idx] = x[: idx.size]
    return out, x[idx.size :]


def _lower_bound(ops: Operators, E: np.ndarray, y: np.ndarray, lam: np.ndarray) -> float:
    """Weak duality: |yᵀλ'| / max|Φᵀλ'| with λ' = λ projected onto Eᵀλ' = 0 (lp._certificate)."""
    coef, *_ = np.linalg.lstsq(E, lam, rcond=None)
    lam = lam - E @ coef
    score = float(np.abs(ops.phi_t(lam)).max()) if ops.st.n_units else 0.0
    value = abs(float(y @ lam))
    return value / score if score > 0 and value > 0 else 0.0


def _lu_if_regular(B: np.ndarray):
    """LU factors of B, or None when B is singular to working precision."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sla.LinAlgWarning)
        try:
            lu = sla.lu_factor(B, check_finite=False)
        except (ValueError, np.linalg.LinAlgError):
            return None
    diag = np.abs(np.diag(lu[0]))
    if not np.all(np.isfinite(diag)) or diag.min() <= 1e-13 * diag.max():
        return None
    return lu


def _refined_solve(lu, B: np.ndarray, rhs: np.ndarray, trans: int = 0) -> np.ndarray:
    """B x = rhs (Bᵀ x = rhs when trans) from LU factors, plus one step of iterative refinement."""
    x = sla.lu_solve(lu, rhs, trans=trans, check_finite=False)
    residual = rhs - (B.T @ x if trans else B @ x)
    return x + sla.lu_solve(lu, residual, trans=trans, check_finite=False)


def crossover(
    ops: Operators,
    Z: np.ndarray,
    st: Structure,
    direction_of: np.ndarray,
    E: np.ndarray,
    y: np.ndarray,
    u: np.ndarray,
    scores: np.ndarray,
    *,
    max_pivots: int = 1000,
    time_limit: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, bool] | None:
    """Crossover from an interior iterate to an optimal vertex (primal simplex, dense inverse).

    Start: the m − q units with the largest θ = |u|/(1 − |Φᵀλ|) and the columns of E form a square
    basis B; u_B = B⁻¹y interpolates exactly and is primal feasible in the split form whatever its
    signs (u_i ≥ 0 uses u⁺_i, u_i < 0 uses u⁻_i). Its dual λ = B⁻ᵀ(sign u_B, 0) is priced against
    every unit; while some |φ_jᵀλ| > 1 the most violated unit enters with sign τ = sign(φ_jᵀλ),
    the first basic unit to reach 0 leaves (ratio test), and B⁻¹ is updated by the product form
    (re-inverted every 100 pivots). Returns (u, α, λ, pivots, optimal) or None when the start
    basis is singular to working precision.

    Longer than 80 lines on purpose: the basis, its product-form inverse, the primal values and
    the signs are the state of one simplex loop, updated together at every pivot.
    """
    m, q = E.shape
    k = m - q
    if k <= 0 or k > u.size:
        return None
    t0 = time.perf_counter()
    slack = np.maximum(1.0 - np.abs(scores), 1e-300)
    theta = np.abs(u) / slack
    basis = np.sort(np.argpartition(-theta, k - 1)[:k])

    def basis_matrix() -> np.ndarray:
        return np.hstack([_columns(Z, st, direction_of, basis), E])

    B = basis_matrix()
    lu = _lu_if_regular(B)

    def out_of_time() -> bool:
        return time_limit is not None and time.perf_counter() - t0 > time_limit

    if lu is None and out_of_time():
        return None
    if lu is None:
        # degenerate optimum: few units carry y and the top-θ set is rank deficient; pick an
        # independent set from the 2m top-θ units by QR with column pivoting, favouring large θ
        c = min(u.size, 2 * m)
        cand = np.argpartition(-theta, c - 1)[:c] if c < u.size else np.arange(u.size)
        w = np.clip(theta[cand] / max(float(theta[cand].max()), 1e-300), 1e-6, 1.0)
        cols = _columns(Z, st, direction_of, cand) * w
        big = np.abs(cols).max() * 1e3
        _, piv = sla.qr(np.hstack([E * big, cols]), mode="r", pivoting=True)
        chosen = piv[:m]
        if np.sum(chosen < q) < q:
            return None
        basis = np.sort(cand[chosen[chosen >= q] - q])
        B = basis_matrix()
        lu = _lu_if_regular(B)
        if lu is None:
            return None
    Binv = sla.lu_solve(lu, np.eye(m), check_finite=False)
    x = _refined_solve(lu, B, y)
    sign = np.sign(x[:k])
    sign[sign == 0] = np.sign(scores[basis][sign == 0])
    in_basis = np.zeros(u.size, bool)
    in_basis[basis] = True
    optimal = False
    pivots = 0
    while True:
        lam = Binv.T @ np.concatenate([sign, np.zeros(q)])
        s = ops.phi_t(lam)
        viol = np.abs(s) - 1.0
        viol[in_basis] = -np.inf
        j = int(np.argmax(viol))
        if viol[j] <= 1e-10:
            optimal = True
            break
        if pivots >= max_pivots or out_of_time():
            break
        tau = np.sign(s[j])
        col = _columns(Z, st, direction_of, np.array([j]))[:, 0]
        dvec = Binv @ col
        # u_j = τt moves x_B by −τt·d; a basic unit leaves when it reaches 0
        rate = tau * dvec[:k]
        with np.errstate(divide="ignore", invalid="ignore"):
            steps = np.where(rate * np.sign(x[:k]) > 1e-12, x[:k] / rate, np.inf)
        zero = (x[:k] == 0) & (np.abs(rate) > 1e-12)
        steps[zero] = 0.0
        r = int(np.argmin(steps))
        if not np.isfinite(steps[r]):
            break  # no basic unit limits the step: cannot happen for a bounded LP, stop
        t = max(float(steps[r]), 0.0)
        x = x - tau * t * dvec
        x[r] = tau * t
        pivr = dvec[r]
        row = Binv[r] / pivr
        Binv -= np.outer(dvec, row)
        Binv[r] = row
        in_basis[basis[r]] = False
        basis[r] = j
        in_basis[j] = True
        sign[r] = tau
        pivots += 1
        if pivots % 100 == 0:
            B = basis_matrix()
            lu = sla.lu_factor(B, check_finite=False)
            Binv = sla.lu_solve(lu, np.eye(m), check_finite=False)
            x = _refined_solve(lu, B, y)
            nz = x[:k] != 0
            sign[nz] = np.sign(x[:k][nz])
    # final values from a fresh factorisation (the product-form inverse has drifted)
    B = basis_matrix()
    lu = sla.lu_factor(B, check_finite=False)
    x = _refined_solve(lu, B, y)
    nz = x[:k] != 0
    sign[nz] = np.sign(x[:k][nz])
    lam = _refined_solve(lu, B, np.concatenate([sign, np.zeros(q)]), trans=1)
    out = np.zeros_like(u)
    out[basis] = x[:k]
    return OptimizeResult(
        status=0 if optimal else 1,
        message="optimal vertex" if optimal else "pivot or time limit reached before optimality",
        u=out,
        alpha=x[k:],
        lam=lam,
        nit=pivots,
    )


class StructuredSolution(OptimizeResult):
    """Result of :func:`solve_structured`: ``x`` (u over all units), ``alpha``, ``lam``,
    ``status`` (0: an exactly interpolating candidate; 1: limit reached; 4: none), ``message``,
    ``nit``, ``n_kept`` (units with u ≠ 0), ``times``, ``fun`` (Σ|u_i|, the objective) and
    ``gap`` (``fun`` − the weak-duality bound of ``lam``)."""


def _structured(u, alpha, lam, status, message, nit, times, fun=np.nan, gap=np.inf):
    return StructuredSolution(
        x=u,
        alpha=alpha,
        lam=lam,
        status=status,
        message=message,
        nit=nit,
        n_kept=int(np.count_nonzero(u)) if status == 0 else 0,
        times=times,
        fun=float(fun),
        gap=float(gap),
    )


def solve_structured(
    Z: np.ndarray,
    kinks: list[np.ndarray],
    E: np.ndarray,
    y: np.ndarray,
    *,
    tol: float = 1e-9,
    drop: float = 1e-7,
    time_limit: float | None = None,
    progress: Callable[..., None] | None = None,
) -> StructuredSolution:
    """Exact-interpolation R-norm LP over the units (direction i, kink t ∈ kinks[i]).

    Runs :func:`interior_point` with fixed dual regularisation, and again with adaptive
    regularisation if the first run is not certified to 1e-9; each run yields two exactly
    interpolating candidates from its best iterate: (a) the units with |u_i| > ``drop``·max|u|
    (off the optimal face the weights are ~1e-12 of the largest) corrected by
    :func:`restore_interpolation`; (b) the :func:`crossover` vertex.
    Every candidate is primal feasible, so the smaller Σ|u_i| is kept; of the dual vectors (the
    iterate's λ and the vertex's) the one with the larger weak-duality bound is returned. u is over
    all units in the order of ``kinks``.
    """
    st = build_structure(Z, kinks)
    ops = Operators(st)
    sizes = np.array([t.size for t in kinks if t.size], dtype=np.int64)
    direction_of = np.repeat(np.array([i for i, t in enumerate(kinks) if t.size]), sizes)
    t_start = time.perf_counter()
    best: StructuredSolution | None = None
    for adaptive in (False, True):
        remaining = None
        if time_limit is not None:
            remaining = time_limit - (time.perf_counter() - t_start)
            if remaining <= 0:
                break
        found = _attempt(ops, Z, st, direction_of, E, y, tol, drop, adaptive, remaining, progress)
        if best is None or (found.status == 0 and (best.status != 0 or found.gap < best.gap)):
            best = found
        if found.status == 0 and found.gap <= 1e-9 * max(1.0, found.fun):
            break
    if best is None:  # the time limit was spent before the first run started
        empty = np.zeros(st.n_units)
        return _structured(
            empty, np.zeros(E.shape[1]), np.zeros(y.shape[0]), 1, "time limit reached", 0, {}
        )
    return best


def _attempt(
    ops: Operators,
    Z: np.ndarray,
    st: Structure,
    direction_of: np.ndarray,
    E: np.ndarray,
    y: np.ndarray,
    tol: float,
    drop: float,
    adaptive: bool,
    time_limit: float | None,
    progress: Callable[..., None] | None,
) -> StructuredSolution:
    """One interior point run (fixed or adaptive regularisation) and its exact candidates."""
    res = interior_point(
        ops, E, y, tol=tol, adaptive=adaptive, time_limit=time_limit, progress=progress
    )
    times = dict(res.times)
    if res.status != 0:
        return _structured(res.u, res.alpha, res.lam, res.status, res.message, res.nit, times)
    t = time.perf_counter()
    au = np.abs(res.u)
    keep = au > drop * float(au.max()) if au.size and au.max() > 0 else np.zeros(au.size, bool)
    scale = max(1.0, float(np.abs(y).max()))

    def infeasible(cu: np.ndarray, ca: np.ndarray) -> bool:
        return float(np.abs(ops.phi(cu) + E @ ca - y).max()) > 1e-9 * scale

    u, alpha = restore_interpolation(Z, st, direction_of, E, y, res.u, res.alpha, keep)
    objective = np.inf if infeasible(u, alpha) else float(np.abs(u).sum())
    lam = res.lam
    how = "kept units"
    lower = _lower_bound(ops, E, y, lam)
    if objective - lower > 1e-12 * max(1.0, lower):
        left = None if time_limit is None else time_limit - res.times["total"]
        vertex = None
        if left is None or left > 0:
            vertex = crossover(ops, Z, st, direction_of, E, y, res.u, res.scores, time_limit=left)
        if vertex is not None:
            if not infeasible(vertex.u, vertex.alpha) and np.abs(vertex.u).sum() < objective:
                u, alpha = vertex.u, vertex.alpha
                how = f"crossover vertex ({vertex.nit} simplex pivots)"
                objective = float(np.abs(u).sum())
            lower_v = _lower_bound(ops, E, y, vertex.lam)
            if lower_v > lower:
                lam, lower = vertex.lam, lower_v
    times["crossover"] = time.perf_counter() - t
    regime = "adaptive" if adaptive else "fixed"
    if not np.isfinite(objective):
        message = f"{res.message}, {regime} regularisation; no exactly interpolating candidate"
        return _structured(res.u, res.alpha, res.lam, 4, message, res.nit, times)
    message = f"{res.message}, {regime} regularisation; {how}"
    return _structured(u, alpha, lam, 0, message, res.nit, times, objective, objective - lower)
