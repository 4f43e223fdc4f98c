"""The exact one-dimensional case (SPEC 12, validation; Savarese, Evron, Soudry, Srebro 2019).

For f: R → R representable by a two-layer ReLU network with a free constant (units with w = 0
cost nothing), the minimal R-norm of f is

    R(f) = max( ∫ |f''|, |f'(−∞) + f'(+∞)| ).

Minimum over interpolants of data x_1 < ... < x_n, y_1..y_n (n ≥ 2). Let s_k be the secant
slopes, T = Σ_k |s_{k+1} − s_k| and S = |s_1 + s_{n−1}|. Any interpolant has f'(ξ_k) = s_k at some
ξ_k ∈ (x_k, x_{k+1}), so with a = f'(−∞), b = f'(+∞),
∫|f''| ≥ |s_1 − a| + T + |b − s_{n−1}| =: T + p,
and |a + b| ≥ S − p. Hence R ≥ min_{p ≥ 0} max(T + p, S − p) = max(T, (T + S)/2), and the linear
spline through the data with outer slopes a = s_1 − sign(s_1 + s_{n−1}) p*, b = s_{n−1},
p* = max(0, (S − T)/2), attains it (:func:`spline_interpolant`). So

    min { ‖g‖_R : g(x_k) = y_k } = max(T, (T + S)/2)          (0 for n = 1).

Why biases at the data points suffice for the LP: the minimiser above only has kinks at data
points, and on the data a unit σ(±x − t) with t strictly between two data points is a convex
combination (same cost) of the units with kinks at those two points, while a kink outside the
data hull is affine on the data. So any bias grid that contains the data points gives exactly
this minimum, and a grid of spacing h without them gives it up to O(h) (from above).
With a free unregularised linear term the minimum is T.
"""

from __future__ import annotations

import numpy as np

from occam.rnorm._validation import as_vector
from occam.rnorm.twolayer import TwoLayer


def _prepare(x: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    x = as_vector(x, "x")
    y = as_vector(y, "y")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"y: expected length {x.shape[0]} (length of x), got length {y.shape[0]}")
    if x.shape[0] == 0:
        raise ValueError("x: expected at least one data point, got 0")
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    same = np.diff(x) == 0
    if np.any(same & (np.diff(y) != 0)):
        raise ValueError("x: repeated x values with different y values cannot be interpolated")
    keep = np.concatenate([[True], ~same])
    return x[keep], y[keep]


def spline_min_rnorm(x: object, y: object, *, affine: bool = False) -> float:
    """min ‖g‖_R over two-layer interpolants of (x_k, y_k) in 1-D: max(T, (T+S)/2) (module doc).

    With ``affine=True`` (free linear term) the minimum is T = Σ |s_{k+1} − s_k|.
    """
    x, y = _prepare(x, y)
    if x.shape[0] == 1:
        return 0.0
    s = np.diff(y) / np.diff(x)
    T = float(np.sum(np.abs(np.diff(s))))
    if affine:
        return T
    S = abs(float(s[0] + s[-1]))
    return max(T, 0.5 * (T + S))


def spline_interpolant(x: object, y: object) -> TwoLayer:
    """A two-layer network with R-norm :func:`spline_min_rnorm` interpolating the data.

    Kinks at the data points with slope jumps J_k (including the outer adjustment at x_1),
    split between the two unit directions as u⁺_k = λ_k J_k on σ(x − x_k) and u⁻_k = (1−λ_k) J_k
    on σ(x_k − x), λ_k ∈ [0, 1] chosen so Σ u⁺ = f'(+∞); feasible because |a + b| ≤ Σ|J_k|.
    Cost Σ|u| = Σ|J_k| = max(T, (T+S)/2).
    """
    x, y = _prepare(x, y)
    n = x.shape[0]
    if n == 1:
        return TwoLayer(np.zeros((0, 1)), np.zeros(0), np.zeros(0), None, float(y[0]))
    s = np.diff(y) / np.diff(x)
    T = float(np.sum(np.abs(np.diff(s))))
    total = float(s[0] + s[-1])
    p = max(0.0, 0.5 * (abs(total) - T))
    a = s[0] - np.sign(total) * p
    b = s[-1]
    J = np.zeros(n)
    J[0] = s[0] - a
    J[1:-1] = np.diff(s)
    # b − a = Σ J; choose λ so that Σ λ_k J_k = b.
    pos, neg = J.clip(min=0), (-J).clip(min=0)
    P, N = pos.sum(), neg.sum()
    lam = np.zeros(n)
    if b >= 0 and P > 0:
        lam[J > 0] = min(1.0, b / P)
    elif b < 0 and N > 0:
        lam[J < 0] = min(1.0, -b / N)
    u_plus, u_minus = lam * J, (1.0 - lam) * J
    W = np.concatenate([np.ones(n), -np.ones(n)])[:, None]
    bias = np.concatenate([-x, x])
    u = np.concatenate([u_plus, u_minus])
    net = TwoLayer(W, bias, u)
    c = float(y[0] - net(x[:1, None])[0])
    return TwoLayer(W, bias, u, None, c).pruned()


__all__ = ["spline_interpolant", "spline_min_rnorm"]
