r"""Generalisation-bound calculator (SPEC 2.5, paper Thm 6).

Derivation
----------
Let ℓ(x) = (f*(x) − C(x))² be the loss of a fixed circuit C, bounded in [0, B²]; R(C) = E ℓ is
the risk and R̂(C) = (1/N) Σ_i ℓ(x_i) the empirical risk on N i.i.d. samples. Since 0 ≤ ℓ ≤ B²,
Var ℓ ≤ E ℓ² ≤ B² E ℓ = B² R(C). Bernstein's inequality for the mean of N bounded variables
(one-sided, deviation t, range B², variance σ²) gives

    P(R − R̂ ≥ t) ≤ exp(−N t² / (2σ² + 2B² t / 3)),

and inverting at confidence δ' (the usual solution of the quadratic in t, bounded by the sum of
its two terms): with probability ≥ 1 − δ',

    R(C) ≤ R̂(C) + sqrt(2 σ² ln(1/δ') / N) + 2 B² ln(1/δ') / (3N),  σ² ≤ B² R(C).

Union bound. A circuit with s gates on n input bits is described by, for each gate, one of 3
types and 2 fanins among the s + n + 2 nodes (gates, inputs, constants 0 and 1): at most
(3 (s + n + 2)²)^s circuits. Give size s the confidence budget δ_s = 6δ / (π² s²) (so
Σ_{s ≥ 1} δ_s = δ) and split it evenly over the circuits of that size: ln(1/δ') ≤

    L_s = s · ln(3 (s + n + 2)²) + ln(π² s² / (6δ)).

Hence with probability ≥ 1 − δ, simultaneously for every size s ≥ 1 and every circuit C of size s,

    R(C) ≤ R̂(C) + sqrt(2 B² R(C) L_s / N) + 2 B² L_s / (3N).                         (*)

Solving (*) for R: with r = sqrt(R(C)), a = sqrt(2 B² L_s / N) and b = R̂(C) + 2 B² L_s / (3N),
(*) reads r² − a r − b ≤ 0, i.e. r ≤ (a + sqrt(a² + 4b)) / 2, so

    R(C) ≤ ((a + sqrt(a² + 4b)) / 2)² = b + a²/2 + a·sqrt(a²/4 + b),

which is :func:`risk_bound` (equality in (*) at the returned value).

HTMC functions. A function g with HTMC norm c at rate γ has, for every ε > 0, a circuit C_ε of
size s = ⌈(c/ε)^γ⌉ within ε of it (SPEC 2.4). Following SPEC 2.5, g gets the bound at the best ε:

    min_{ε > 0}  ε² + risk_bound(R̂, s = ⌈(c/ε)^γ⌉),

with R̂ the empirical risk of the approximating circuit beyond its approximation error
(0 for noiseless, interpolated data, the case the paper discusses). For a size s the smallest ε
with ⌈(c/ε)^γ⌉ ≤ s is ε = c·s^{−1/γ}, so the minimum over ε is a minimum over integers s ≥ 1 of
c² s^{−2/γ} + risk_bound(R̂, s): :func:`htmc_risk_bound` takes it exactly over all s up to the
size where the bound's own 2B²L_s/(3N) term alone exceeds the value at s = 1 (every larger s is
worse). As in the SPEC, the ε² and the circuit's bound are added; a strict triangle inequality in
L² would give (ε + sqrt(risk_bound))² ≤ 2ε² + 2·risk_bound, i.e. at most a factor 2.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from occam.htmc.frontier import FrontierError

__all__ = [
    "GeneralizationBound",
    "HtmcGeneralizationBound",
    "circuit_count_log",
    "complexity_term",
    "htmc_risk_bound",
    "risk_bound",
]


def _real(value: Any, name: str, *, positive: bool = False, upper: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise FrontierError(f"{name} must be a real number, received {value!r}")
    v = float(value)
    ok = math.isfinite(v) and (v > 0 if positive else v >= 0)
    if upper is not None:
        ok = ok and v < upper
    if not ok:
        bound = "> 0" if positive else ">= 0"
        extra = f" and < {upper}" if upper is not None else ""
        raise FrontierError(f"{name} must be finite, {bound}{extra}, received {value!r}")
    return v


def _int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise FrontierError(f"{name} must be an integer >= {minimum}, received {value!r}")
    if int(value) < minimum:
        raise FrontierError(f"{name} must be an integer >= {minimum}, received {value!r}")
    return int(value)


def circuit_count_log(gates: Any, n_inputs: int) -> Any:
    """ln of the circuit count bound (3(s + n + 2)²)^s, i.e. s · ln(3 (s + n + 2)²)."""
    s = np.asarray(gates, dtype=np.float64)
    return s * np.log(3.0 * (s + n_inputs + 2.0) ** 2)


def complexity_term(gates: Any, n_inputs: int, delta: float) -> Any:
    """L_s = s · ln(3 (s + n + 2)²) + ln(π² s² / (6δ)) (SPEC 2.5); array in, array out."""
    s = np.asarray(gates, dtype=np.float64)
    return circuit_count_log(s, n_inputs) + np.log(math.pi**2 * s**2 / (6.0 * delta))


def _solve(emp: Any, L: Any, n_samples: int, loss_max: float) -> Any:
    """((a + sqrt(a² + 4b))/2)² with a = sqrt(2B²L/N), b = R̂ + 2B²L/(3N)."""
    a = np.sqrt(2.0 * loss_max * L / n_samples)
    b = emp + 2.0 * loss_max * L / (3.0 * n_samples)
    return b + a * a / 2.0 + a * np.sqrt(a * a / 4.0 + b)


@dataclass(frozen=True)
class GeneralizationBound:
    """R(C) ≤ ``risk_bound`` with probability ≥ 1 − ``delta`` (SPEC 2.5), from the empirical risk,
    the size ``gates`` on ``n_inputs`` bits, ``n_samples`` and the loss range [0, ``loss_max``]
    (= B²); ``log_term`` is L_s. ``risk_bound`` may exceed ``loss_max`` (then it says nothing)."""

    risk_bound: float
    empirical_risk: float
    gates: int
    n_inputs: int
    n_samples: int
    delta: float
    loss_max: float
    log_term: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def risk_bound(
    empirical_risk: float,
    gates: int,
    *,
    n_inputs: int,
    n_samples: int,
    delta: float = 0.05,
    loss_max: float = 1.0,
) -> GeneralizationBound:
    """Solve R ≤ R̂ + sqrt(2 B² R L_s / N) + 2 B² L_s / (3N) for R (SPEC 2.5, module docstring):
    R = ((a + sqrt(a² + 4b)) / 2)², a = sqrt(2B²L_s/N), b = R̂ + 2B²L_s/(3N).

    ``empirical_risk`` R̂ ∈ [0, ``loss_max``], ``gates`` s ≥ 1, ``n_inputs`` n ≥ 0,
    ``n_samples`` N ≥ 1, ``delta`` ∈ (0, 1), ``loss_max`` B² > 0.
    """
    loss_max = _real(loss_max, "loss_max", positive=True)
    emp = _real(empirical_risk, "empirical_risk")
    if emp > loss_max:
        raise FrontierError(f"empirical_risk={emp} exceeds loss_max={loss_max}")
    s = _int(gates, "gates", 1)
    n = _int(n_inputs, "n_inputs", 0)
    big_n = _int(n_samples, "n_samples", 1)
    delta = _real(delta, "delta", positive=True, upper=1.0)
    L = float(complexity_term(s, n, delta))
    return GeneralizationBound(
        float(_solve(emp, L, big_n, loss_max)), emp, s, n, big_n, delta, loss_max, L
    )


@dataclass(frozen=True)
class HtmcGeneralizationBound:
    """The bound for a function of HTMC norm ``c`` at rate ``gamma`` (SPEC 2.5): ``value`` =
    ``eps``² + ``circuit_bound``, the minimum over ε, reached at ``eps`` = c·``gates``^{−1/γ}
    with the circuit bound of that size; ``sizes_searched`` integers s were compared."""

    value: float
    eps: float
    gates: int
    circuit_bound: GeneralizationBound
    c: float
    gamma: float
    sizes_searched: int

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["circuit_bound"] = self.circuit_bound.as_dict()
        return d


def htmc_risk_bound(
    c: float,
    gamma: float,
    *,
    n_inputs: int,
    n_samples: int,
    delta: float = 0.05,
    loss_max: float = 1.0,
    empirical_risk: float = 0.0,
    max_sizes: int = 10_000_000,
) -> HtmcGeneralizationBound:
    """min_{ε>0} ε² + risk_bound(R̂, ⌈(c/ε)^γ⌉) (SPEC 2.5), exactly, as the minimum over integer
    sizes s ≥ 1 of c² s^{−2/γ} + risk_bound(R̂, s) (module docstring).

    Every s up to s_cap is evaluated, s_cap the first size whose term 2B²L_s/(3N) alone exceeds
    the best value found so far (starting from s = 1; such sizes cannot do better). Raises
    :class:`~occam.htmc.frontier.FrontierError` when s_cap exceeds ``max_sizes`` (a huge N
    against a tiny c).
    """
    c = _real(c, "c", positive=True)
    gamma = _real(gamma, "gamma", positive=True)
    first = risk_bound(
        empirical_risk,
        1,
        n_inputs=n_inputs,
        n_samples=n_samples,
        delta=delta,
        loss_max=loss_max,
    )
    emp, n, big_n, B2 = first.empirical_risk, first.n_inputs, first.n_samples, first.loss_max
    value_1 = c * c + first.risk_bound
    # every s with 2B²·s·ln(3(n+3)²)/(3N) > v has total > v (s·ln(3(n+3)²) ≤ L_s): the sizes
    # beyond cap(v) cannot beat a value v already reached; v starts at the s = 1 value
    per_gate = 2.0 * B2 * math.log(3.0 * (n + 3.0) ** 2) / (3.0 * big_n)

    def cap(v: float) -> int:
        return math.ceil(v / per_gate) + 1

    s_cap = cap(value_1)
    if s_cap > max_sizes:
        raise FrontierError(
            f"htmc_risk_bound: the exact search needs {s_cap} sizes (> max_sizes={max_sizes}); "
            "raise max_sizes"
        )
    best_val, best_s = value_1, 1
    start, chunk = 1, 1 << 16
    while start <= s_cap:
        s = np.arange(start, min(start + chunk, s_cap + 1), dtype=np.float64)
        total = c * c * s ** (-2.0 / gamma) + _solve(
            emp, complexity_term(s, n, first.delta), big_n, B2
        )
        i = int(np.argmin(total))
        if total[i] < best_val:
            best_val, best_s = float(total[i]), int(s[i])
        start += s.size
        s_cap = min(s_cap, cap(best_val))
    bound = risk_bound(emp, best_s, n_inputs=n, n_samples=big_n, delta=first.delta, loss_max=B2)
    eps = c * best_s ** (-1.0 / gamma)
    return HtmcGeneralizationBound(
        eps * eps + bound.risk_bound, eps, best_s, bound, c, gamma, start - 1
    )
