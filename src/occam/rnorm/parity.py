"""Parity on the Boolean cube and its two R-norm constructions (SPEC 12 a, b; seed 004).

χ_S(x) = Π_{j∈S} x_j on {±1}^d; χ = χ_{[d]}. Both constructions interpolate χ exactly on all of
{±1}^d for every d ≥ 1 and have closed-form R-norms:

- ridge sawtooth (12 a):        ‖g‖_R = √d + 2√d (d+1) = √d (2d + 3)            ~ 2 d^{3/2}
- averaged single blades (12 b): ‖g‖_R = 4√d · 2^d / C(d, ⌊d/2⌋)                  ~ 2√(2π) d

and the exact minima over their natural dictionaries (used as references for the LP):

- ridge dictionary {±1/√d}, all biases:  min ‖g‖_R = 2√d (d−1) for d ≥ 2 (1 for d = 1)
- any dictionary closed under the sign flips w ↦ s⊙w (e.g. all sign directions {±1}^d/√d):
      min ‖g‖_R = 1 / max_{(w,b) ∈ dictionary} |E_x χ(x) σ(wᵀx + b)|.

Proof of the last line. Lower bound: if g = Σ u_i σ_i + c interpolates χ, then
1 = E[χ g] = Σ u_i E[χ σ_i] ≤ ‖u‖₁ max_i |E[χ σ_i]| (E[χ] = 0 for d ≥ 1). Upper bound: for one
neuron σ(wᵀx + b) with correlation ρ = E[χ σ(wᵀx+b)], the flip average
g(x) = (1/(2^d ρ)) Σ_s χ(s) σ((s⊙w)ᵀx + b) satisfies g(x) = χ(x) (substitute s' = s⊙x) and has
R-norm 2^d · ‖w‖ / (2^d |ρ|) = 1/|ρ|.
"""

from __future__ import annotations

from math import comb, sqrt

import numpy as np

from occam.rnorm._validation import as_matrix, check_dimension
from occam.rnorm.twolayer import TwoLayer, relu

MAX_CUBE_DIM = 20


def cube(d: int) -> np.ndarray:
    """All 2^d points of {±1}^d, shape (2^d, d), float64; x_j = −1 in row r iff bit j of r is 1."""
    d = check_dimension(d, "d", high=MAX_CUBE_DIM)
    r = np.arange(2**d)[:, None]
    bits = (r >> np.arange(d)[None, :]) & 1
    return (1.0 - 2.0 * bits).astype(np.float64)


def parity(X: object, S: object = None) -> np.ndarray:
    """χ_S(x) = Π_{j∈S} x_j for rows of X (S = None means all coordinates); shape (n,)."""
    X = as_matrix(X, "X")
    if S is None:
        return np.prod(X, axis=1)
    idx = np.asarray(S, dtype=np.int64).reshape(-1)
    if idx.size and (idx.min() < 0 or idx.max() >= X.shape[1]):
        raise ValueError(f"S: indices must lie in [0, {X.shape[1] - 1}], got {idx.tolist()}")
    return np.prod(X[:, idx], axis=1) if idx.size else np.ones(X.shape[0])


def ridge_parity(d: int) -> TwoLayer:
    """The ridge sawtooth interpolant of χ on {±1}^d (SPEC 12 a), unit-norm w = 1/√d.

        g(x) = (−1)^d [ √d σ(⟨w,x⟩ + (d+1)/√d) − 2√d Σ_{j=0}^{d} (−1)^j σ(⟨w,x⟩ + (d−2j)/√d) ]

    In t = ⟨1, x⟩ the bracket is ψ(t) = σ(t+d+1) − 2 Σ_j (−1)^j σ(t+d−2j): slope +1 up to t = −d,
    then slopes alternating −1, +1, ... after the kinks at t = −d, −d+2, ..., d; so ψ(−d) = 1 and
    ψ(−d+2k) = (−1)^k. A point with k coordinates equal to −1 has t = d − 2k and
    χ = (−1)^k = (−1)^d ψ(t), hence the sign (−1)^d (the seed's formula is the case d even).

    R-norm (closed form): ‖g‖_R = √d + 2√d (d+1) = √d (2d + 3).
    """
    d = check_dimension(d, "d")
    r = sqrt(d)
    j = np.arange(d + 1)
    b = np.concatenate([[(d + 1) / r], (d - 2 * j) / r])
    u = np.concatenate([[r], -2 * r * (-1.0) ** j]) * (-1.0) ** d
    W = np.full((d + 2, d), 1.0 / r)
    return TwoLayer(W, b, u)


def ridge_parity_rnorm(d: int) -> float:
    """Closed form ‖ridge_parity(d)‖_R = √d (2d + 3)."""
    d = check_dimension(d, "d")
    return sqrt(d) * (2 * d + 3)


def averaged_parity(d: int) -> TwoLayer:
    """The averaged single-blade interpolant of χ on {±1}^d (SPEC 12 b; seed 004, Thm 4).

        g(x) = (Q / 2^d) Σ_{v ∈ {±1}^d} χ(v) s(vᵀx − t_0),   s(z) = σ(z+1) − 2σ(z) + σ(z−1),

    with m = ⌊d/2⌋, t_0 = d − 2m ∈ {0, 1} and Q = (−1)^m 2^d / C(d, m). s is the 3-ReLU bump,
    s(0) = 1 and s(z) = 0 for |z| ≥ 1. Why it interpolates: vᵀx − t_0 is an even integer, so only
    the v with vᵀx = t_0 contribute; they are v = x⊙u with u having exactly m entries −1, so
    χ(v) = (−1)^m χ(x) and there are C(d, m) of them: g(x) = Q C(d,m) (−1)^m χ(x) / 2^d = χ(x).
    (For odd d the centred bump t_0 = 0 would give g ≡ 0: the terms of v and −v cancel.)

    Each s(vᵀx − t_0) is written with unit-norm w = v/√d as
    √d [σ(wᵀx + (1−t_0)/√d) − 2σ(wᵀx − t_0/√d) + σ(wᵀx − (1+t_0)/√d)], R-norm 4√d, so

        ‖g‖_R = |Q| · 4√d = 4√d · 2^d / C(d, ⌊d/2⌋)   (~ 2√(2π) d by Stirling).
    """
    d = check_dimension(d, "d", high=MAX_CUBE_DIM)
    m = d // 2
    t0 = d - 2 * m
    r = sqrt(d)
    V = cube(d)
    chi_v = np.prod(V, axis=1)
    Q = (-1.0) ** m * 2.0**d / comb(d, m)
    W = np.repeat(V / r, 3, axis=0)
    b = np.tile(np.array([1 - t0, -t0, -1 - t0], dtype=np.float64) / r, 2**d)
    u = np.repeat(chi_v * Q / 2.0**d * r, 3) * np.tile([1.0, -2.0, 1.0], 2**d)
    return TwoLayer(W, b, u)


def averaged_parity_rnorm(d: int) -> float:
    """Closed form ‖averaged_parity(d)‖_R = 4√d · 2^d / C(d, ⌊d/2⌋)."""
    d = check_dimension(d, "d", high=MAX_CUBE_DIM)
    return 4.0 * sqrt(d) * 2.0**d / comb(d, d // 2)


def ridge_min_rnorm(d: int) -> float:
    """Exact minimum R-norm of a parity interpolant whose units have directions ±1/√d.

    On the line z = ⟨1,x⟩/√d the data are d+1 points 2/√d apart with alternating values, secant
    slopes ±√d. By the 1-D formula (:func:`occam.rnorm.spline.spline_min_rnorm`,
    max(T, (T+S)/2) with T = 2√d (d−1) the slope variation and S = |s_first + s_last| ≤ 2√d):
    2√d (d − 1) for d ≥ 2 and 1 for d = 1.
    """
    d = check_dimension(d, "d")
    return 1.0 if d == 1 else 2.0 * sqrt(d) * (d - 1)


def sign_direction_correlations(d: int) -> tuple[np.ndarray, np.ndarray]:
    """(kinks t, ρ_t) with ρ_t = E_x χ(x) σ(⟨1,x⟩/√d − t) at every relevant kink t.

    The relevant kinks are the projections (d − 2k)/√d, k = 1..d (the largest one gives a unit
    that is 0 on the cube). By the flip symmetry every sign direction v/√d has the same |ρ|.
    Exact sum over k with weights C(d,k) (−1)^k / 2^d.
    """
    d = check_dimension(d, "d", high=60)
    k = np.arange(d + 1)
    proj = (d - 2 * k) / sqrt(d)
    weight = np.array([comb(d, int(i)) for i in k], dtype=np.float64) * (-1.0) ** k / 2.0**d
    kinks = proj[1:]
    rho = relu(proj[None, :] - kinks[:, None]) @ weight
    return kinks, rho


def sign_min_rnorm(d: int) -> float:
    """Exact minimum R-norm over the sign-direction dictionary {±1}^d/√d with all biases.

    = 1 / max_t |ρ_t| (module docstring: the dictionary is closed under sign flips). The union
    with the ridge dictionary gives the same value (the ridge directions are sign directions).
    """
    _, rho = sign_direction_correlations(d)
    return float(1.0 / np.max(np.abs(rho)))


def flip_averaged_parity(d: int, w: object, b: float) -> TwoLayer:
    """The interpolant (1/(2^d ρ)) Σ_s χ(s) σ((s⊙ŵ)ᵀx + b̂) of χ built from one neuron (ŵ = w/‖w‖).

    Its R-norm is 1/|ρ| with ρ = E_x χ(x) σ(ŵᵀx + b̂); raises ValueError when ρ = 0.
    """
    d = check_dimension(d, "d", high=MAX_CUBE_DIM)
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    if w.shape != (d,) or not np.all(np.isfinite(w)) or np.linalg.norm(w) == 0:
        raise ValueError(f"w: expected a finite nonzero vector of length {d}, got {w!r:.80}")
    norm = np.linalg.norm(w)
    w_hat, b_hat = w / norm, float(b) / norm
    X = cube(d)
    rho = float(np.mean(parity(X) * relu(X @ w_hat + b_hat)))
    if abs(rho) < 1e-15:
        raise ValueError("flip_averaged_parity: the neuron is uncorrelated with χ (ρ = 0)")
    S = cube(d)
    W = S * w_hat[None, :]
    u = parity(S) / (2.0**d * rho)
    return TwoLayer(W, np.full(2**d, b_hat), u)


__all__ = [
    "averaged_parity",
    "averaged_parity_rnorm",
    "cube",
    "flip_averaged_parity",
    "parity",
    "ridge_min_rnorm",
    "ridge_parity",
    "ridge_parity_rnorm",
    "sign_direction_correlations",
    "sign_min_rnorm",
]
