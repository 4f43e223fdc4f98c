"""The Frank-Wolfe problem on grid vertices: pulled-back gradient and atom scaling (SPEC 11).

For a grid level K the training points x_i ∈ Ω map to grid units u_i = (x_i − a)/ρ · 2^K and are
located in the Tetrakis triangulation (SPEC 9.1): u_i = Σ_j ω_j(x_i) u_j(x_i). Only the vertices
of positive weight matter; :class:`GridLevel` keeps them once (``vertices``, the *touched*
vertices) with the sparse n × m matrix W, W[i, v] = ω_v(x_i). For a circuit C with grid values
f(v) = dec(C(v)),

    T_C(x_i) = Σ_v W[i, v] f(v),        i.e. the vector T_C(X) = W f,

and the pulled-back gradient of the mean squared error L(g) = (1/n) Σ_i (g(x_i) − y_i)² at
residual r_i = g(x_i) − y_i is

    G_K(v) = (2/n) Σ_i r_i ω_v(x_i) = (Wᵀ ∇L)(v),     so ⟨∇L, T_C(X)⟩ = Σ_v G_K(v) f(v)

over the O(n·d) touched vertices only (SPEC 11). ``rows`` gives each touched vertex as the index
of the circuit's truth-table row it feeds (input i·(K+1) + b is bit b of coordinate i, SPEC 9.3),
so a circuit's grid values are read from its truth table on those care rows.

Atom scaling (SPEC 11; the Tetrakis approximation of the HTMC ∩ Hölder ball, paper Thm 9):

    a(C, K) = min(2^{−Kβ}, size(T_C)^{−1/γ}),   size(T_C) = (d+1)|C| + L(d, K),

with L(d, K) the size of the locating circuit of :meth:`TetrakisFunction.size_bound` (frac bits
F = K), computed once per (d, K) by building it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from occam.circuits.core import Builder
from occam.tasks.box import Box
from occam.tetrakis.grid import locate, unique_rows

__all__ = [
    "GridLevel",
    "atom_scale",
    "build_level",
    "locating_size",
    "pulled_back_gradient",
    "tetrakis_size",
]


@dataclass(frozen=True)
class GridLevel:
    """The touched vertices of one grid level K and the interpolation matrix W (n × m).

    ``vertices`` int64 (m, d) in [0, 2^K]^d, sorted lexicographically; ``rows`` int64 (m,) the
    circuit truth-table row of each vertex; ``weights`` the CSR matrix W with W[i, v] = ω_v(x_i)
    (each row sums to 1).
    """

    K: int
    d: int
    vertices: np.ndarray
    rows: np.ndarray
    weights: sparse.csr_matrix

    @property
    def n_vertices(self) -> int:
        return int(self.vertices.shape[0])

    @property
    def n_inputs(self) -> int:
        """Inputs of a circuit at this level: d·(K+1)."""
        return self.d * (self.K + 1)

    def evaluate(self, grid_values: np.ndarray) -> np.ndarray:
        """T(X) = W f for grid values f (m,) on the touched vertices: (n,)."""
        return np.asarray(self.weights @ np.asarray(grid_values, dtype=np.float64)).reshape(-1)


def grid_units_at(x: np.ndarray, domain: Box, K: int) -> np.ndarray:
    """u = (x − a)/ρ · 2^K clipped onto [0, 2^K]^d (callers check that x lies in Ω)."""
    r = (np.asarray(x, dtype=np.float64) - domain.low) / domain.rho
    return np.clip(r, 0.0, 1.0) * float(2**K)


def vertex_rows(vertices: np.ndarray, K: int) -> np.ndarray:
    """Truth-table row of each grid vertex: Σ_i v_i · 2^{i(K+1)} (SPEC 9.3 input layout)."""
    v = np.asarray(vertices, dtype=np.int64)
    shifts = np.arange(v.shape[1], dtype=np.int64) * (K + 1)
    return (v << shifts).sum(axis=1)


def build_level(x: np.ndarray, domain: Box, K: int) -> GridLevel:
    """Locate every point of x (n, d) at level K and keep the vertices of positive weight."""
    u = grid_units_at(x, domain, K)
    n, d = u.shape
    vertices, weights = locate(u)
    flat_v = vertices.reshape(n * (d + 1), d)
    flat_w = weights.reshape(-1)
    point = np.repeat(np.arange(n), d + 1)
    keep = flat_w > 0
    uniq, inverse = unique_rows(flat_v[keep])
    W = sparse.csr_matrix(
        (flat_w[keep], (point[keep], inverse)), shape=(n, uniq.shape[0]), dtype=np.float64
    )
    W.sum_duplicates()
    return GridLevel(K=K, d=d, vertices=uniq, rows=vertex_rows(uniq, K), weights=W)


def pulled_back_gradient(level: GridLevel, residual: np.ndarray) -> np.ndarray:
    """G_K(v) = (2/n) Σ_i r_i ω_v(x_i) on the touched vertices (SPEC 11), float64 (m,).

    ``residual`` is r_i = g(x_i) − y_i; the factor 2/n makes G_K the gradient of the mean squared
    error with respect to the grid values, so ⟨∇L, T_C(X)⟩ = Σ_v G_K(v) f(v).
    """
    r = np.asarray(residual, dtype=np.float64).reshape(-1)
    n = level.weights.shape[0]
    if r.shape[0] != n:
        raise ValueError(f"residual: expected {n} values, got {r.shape[0]}")
    return np.asarray(level.weights.T @ r).reshape(-1) * (2.0 / n)


@functools.lru_cache(maxsize=64)
def locating_size(d: int, K: int) -> int:
    """L(d, K): size of the locating part of the explicit Tetrakis circuit (SPEC 9.3) at F = K,
    i.e. :meth:`TetrakisFunction.size_bound` minus (d+1)|C| (built once and cached)."""
    from occam.tetrakis.function import TetrakisFunction

    b = Builder()
    xs = b.inputs(d * (K + 1))
    b.output(xs[0])  # a circuit of size 0: size_bound is then the locating part alone
    return int(TetrakisFunction(b.build(), d, K).size_bound())


def tetrakis_size(circuit_size: int, d: int, K: int) -> int:
    """size(T_C) = (d+1)|C| + L(d, K) (SPEC 9.3)."""
    return (d + 1) * int(circuit_size) + locating_size(d, K)


def atom_scale(circuit_size: int, d: int, K: int, *, beta: float, gamma: float) -> float:
    """a(C, K) = min(2^{−Kβ}, size(T_C)^{−1/γ}) (SPEC 11)."""
    size_t = tetrakis_size(circuit_size, d, K)
    return float(min(2.0 ** (-K * beta), size_t ** (-1.0 / gamma)))
