"""Compositional targets and their non-compositional control (SPEC 13; seed 003).

Node families (each node g: [−1, 1]^a → [−1, 1], a = its arity, with stated bounds):

- ``tanh``: g(u) = Σ_{j<J} c_j tanh(w_jᵀu + b_j), Σ_j |c_j| = 1, ‖w_j‖₂ = ω, b_j ~ U(−ω/2, ω/2),
  c_j Gaussian then normalised. Range ⊂ [−r, r], r = Σ_j |c_j| tanh(|b_j| + ‖w_j‖₁) < 1 on
  [−1, 1]^a; |∂g/∂u_a| ≤ Σ_j |c_j| |w_{ja}| (stated per argument, ≤ ω); ℓ2-Lipschitz ≤ ω.
  Defaults J = 4, ω = 2.
- ``poly3``: g(u) = Σ_{|α|≤3} c_α u^α over all monomials of degree ≤ 3, c Gaussian normalised to
  Σ|c_α| = 1. Range ⊂ [−1, 1] on [−1, 1]^a; |∂g/∂u_a| ≤ Σ_α |c_α| α_a ≤ 3.

The composed target f(x) = g_out(...) on Ω = [−1, 1]^d takes values in [−1, 1]; every
intermediate value lies in [−1, 1], the domain of the next node. Its Lipschitz bound (ℓ∞ → R) is
the path sum of products of the per-argument bounds.

Control: a generic smooth function of all d inputs, a Gaussian-process sample with squared
exponential kernel of lengthscale ℓ drawn by M random Fourier features,
h(x) = √(2/M) Σ_m a_m cos(ω_mᵀx + φ_m), ω_m ~ N(0, I/ℓ²), φ_m ~ U(0, 2π), a_m ~ N(0, 1),
then shifted and scaled so that its mean and standard deviation under the uniform distribution
on Ω equal those of the compositional target it is compared with (measured on a fixed sample of
16,384 points). It has no sparse compositional structure: almost surely every Fourier feature
reads every coordinate.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np

from occam.compositional.graph import CompositionalGraph, GraphError

__all__ = [
    "FAMILIES",
    "CompositionalTarget",
    "PolyNode",
    "SmoothControl",
    "TanhNode",
    "random_node",
    "random_target",
    "smooth_control",
    "uniform_sample",
]

FAMILIES = ("tanh", "poly3")
_MATCH_SAMPLE = 16384


def uniform_sample(n: int, d: int, seed: int) -> np.ndarray:
    """n points uniform on Ω = [−1, 1]^d (float64)."""
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=(n, d))


@dataclass(frozen=True)
class TanhNode:
    """g(u) = Σ_j c_j tanh(w_jᵀu + b_j) with Σ|c_j| = 1 (see the module docstring)."""

    w: np.ndarray  # (J, a)
    b: np.ndarray  # (J,)
    c: np.ndarray  # (J,)
    family: str = "tanh"

    def __call__(self, u: np.ndarray) -> np.ndarray:
        return np.tanh(np.asarray(u, np.float64) @ self.w.T + self.b) @ self.c

    @property
    def arity(self) -> int:
        return self.w.shape[1]

    @property
    def partial_bounds(self) -> tuple[float, ...]:
        return tuple(float(v) for v in np.abs(self.c) @ np.abs(self.w))

    @property
    def out_range(self) -> tuple[float, float]:
        """Certified range on [−1, 1]^a: |g| ≤ r = Σ_j |c_j| tanh(|b_j| + ‖w_j‖₁) < 1."""
        r = float(np.abs(self.c) @ np.tanh(np.abs(self.b) + np.abs(self.w).sum(axis=1)))
        return (-r, r)


@dataclass(frozen=True)
class PolyNode:
    """g(u) = Σ_α c_α u^α over monomials of degree ≤ 3 with Σ|c_α| = 1."""

    exponents: np.ndarray  # (M, a) ints
    c: np.ndarray  # (M,)
    family: str = "poly3"

    def __call__(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, np.float64)
        mono = np.prod(u[:, None, :] ** self.exponents[None, :, :], axis=2)
        return mono @ self.c

    @property
    def arity(self) -> int:
        return self.exponents.shape[1]

    @property
    def partial_bounds(self) -> tuple[float, ...]:
        return tuple(float(v) for v in np.abs(self.c) @ self.exponents)

    out_range = (-1.0, 1.0)


def random_node(
    arity: int, family: str, rng: np.random.Generator, *, hidden: int = 4, omega: float = 2.0
):
    """A random node function of the given family (see the module docstring)."""
    if family == "tanh":
        v = rng.normal(size=(hidden, arity))
        w = omega * v / np.linalg.norm(v, axis=1, keepdims=True)
        b = rng.uniform(-omega / 2, omega / 2, size=hidden)
        c = rng.normal(size=hidden)
        return TanhNode(w, b, c / np.abs(c).sum())
    if family == "poly3":
        exps = np.array(
            [e for e in itertools.product(range(4), repeat=arity) if sum(e) <= 3], dtype=np.int64
        )
        c = rng.normal(size=len(exps))
        return PolyNode(exps, c / np.abs(c).sum())
    raise GraphError(f"family: expected one of {FAMILIES}, got {family!r}")


@dataclass(frozen=True)
class CompositionalTarget:
    """f = composition of the node functions along ``graph`` (SPEC 13)."""

    graph: CompositionalGraph
    nodes: dict[Hashable, object]
    family: str

    @property
    def d(self) -> int:
        return self.graph.d

    def node_values(self, x: np.ndarray) -> dict[Hashable, np.ndarray]:
        """Value of every node (inputs included) at the points x ``(n, d)``."""
        x = np.asarray(x, np.float64)
        if x.ndim != 2 or x.shape[1] != self.d:
            raise GraphError(f"target: x must have shape (n, {self.d}), got {x.shape}")
        val: dict[Hashable, np.ndarray] = {v: x[:, i] for i, v in enumerate(self.graph.inputs)}
        for v in self.graph.internal:
            args = np.stack([val[c] for c in self.graph.children[v]], axis=1)
            val[v] = self.nodes[v](args)
        return val

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.node_values(x)[self.graph.output]

    def lipschitz_bound(self) -> float:
        """Bound on sup |∂f/∂x_i| summed over i (path sum of products of per-argument bounds)."""
        lip = {v: 0.0 for v in (*self.graph.inputs, *self.graph.internal)}
        lip[self.graph.output] = 1.0
        for v in reversed(self.graph.internal):
            for a, c in enumerate(self.graph.children[v]):
                lip[c] += self.nodes[v].partial_bounds[a] * lip[v]
        return float(sum(lip[v] for v in self.graph.inputs))


def random_target(
    graph: CompositionalGraph,
    family: str = "tanh",
    seed: int = 0,
    *,
    hidden: int = 4,
    omega: float = 2.0,
) -> CompositionalTarget:
    """Random constituent functions of ``family`` on every internal node of ``graph``."""
    if family not in FAMILIES:
        raise GraphError(f"family: expected one of {FAMILIES}, got {family!r}")
    rng = np.random.default_rng(seed)
    nodes = {
        v: random_node(len(graph.children[v]), family, rng, hidden=hidden, omega=omega)
        for v in graph.internal
    }
    return CompositionalTarget(graph, nodes, family)


@dataclass(frozen=True)
class SmoothControl:
    """h(x) = mean + scale · √(2/M) Σ_m a_m cos(ω_mᵀx + φ_m) (see the module docstring)."""

    omega: np.ndarray  # (M, d)
    phase: np.ndarray  # (M,)
    amp: np.ndarray  # (M,)
    shift: float
    scale: float
    lengthscale: float

    @property
    def d(self) -> int:
        return self.omega.shape[1]

    def _raw(self, x: np.ndarray) -> np.ndarray:
        m = self.omega.shape[0]
        return (
            np.sqrt(2.0 / m)
            * np.cos(np.asarray(x, np.float64) @ self.omega.T + self.phase)
            @ self.amp
        )

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float64)
        if x.ndim != 2 or x.shape[1] != self.d:
            raise GraphError(f"control: x must have shape (n, {self.d}), got {x.shape}")
        return self.shift + self.scale * self._raw(x)


def smooth_control(
    d: int,
    match: object | None = None,
    *,
    lengthscale: float = 1.0,
    n_features: int = 512,
    seed: int = 0,
) -> SmoothControl:
    """A GP-sample control on [−1, 1]^d; with ``match`` (a callable target on the same d) its mean
    and standard deviation are matched to the target's on a fixed uniform sample."""
    rng = np.random.default_rng(seed)
    omega = rng.normal(size=(n_features, d)) / lengthscale
    phase = rng.uniform(0, 2 * np.pi, size=n_features)
    amp = rng.normal(size=n_features)
    raw = SmoothControl(omega, phase, amp, 0.0, 1.0, lengthscale)
    xs = uniform_sample(_MATCH_SAMPLE, d, seed=12345)
    r = raw._raw(xs)
    mean_t, std_t = 0.0, 1.0
    if match is not None:
        t = np.asarray(match(xs), np.float64)
        mean_t, std_t = float(t.mean()), float(t.std())
    scale = std_t / float(r.std())
    return SmoothControl(omega, phase, amp, mean_t - scale * float(r.mean()), scale, lengthscale)
