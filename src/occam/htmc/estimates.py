"""HTMC estimates from a frontier (SPEC 2.4) and the paper's R-scaling claim (issue 16 item 6).

The HTMC norm (paper Sec. 2.1) is ‖f‖_{H^γ} = sup_{ε>0} ε · C(f, ε)^{1/γ}, the least c with
C(f, ε) ≤ (c/ε)^γ for all ε. From a :class:`~occam.htmc.frontier.Frontier` occam reports

(i) :func:`sup_bound`: the upper bound restricted to ε ≥ ε_min (the smallest verified error),
    sup_{ε ≥ ε_min} ε · C̄(ε)^{1/γ}. C̄ is a right-continuous non-increasing staircase: with the
    breakpoints ε_1 < ... < ε_m (gates s_1 > ... > s_m) and the free constant at ε_{m+1} =
    ‖f − c‖ (s = 0 beyond), C̄ = s_i on [ε_i, ε_{i+1}) where ε · s_i^{1/γ} increases, so the
    supremum is the largest left limit ε_{i+1} · s_i^{1/γ}, approached just below a breakpoint and
    not attained. Without a known constant the last step never ends and the bound is +∞ (pass
    ``eps_max`` to restrict to [ε_min, eps_max]).
(ii) :func:`fit_rate`: least squares log s = γ̂ log(1/ε) + γ̂ log ĉ over the Pareto points with
    s > 0 and ε > 0, through :func:`occam.stats.loglog_fit` (the project's one log-log fit):
    γ̂ is the slope, ĉ = exp(intercept / γ̂), with the fit's t interval for γ̂ and a delta-method
    interval for ĉ.

:func:`r_scaling` measures the sandwich bound's claim (seed 000, Thm 11: a ResNet of complexity R
has a circuit of size ≲ (R/ε)^{2+δ}): per point gates · ε² / R², and the log-log slope of gates
against (R/ε)² (1 when gates ∝ (R/ε)²).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from occam.htmc.frontier import Frontier, FrontierError
from occam.stats import LogLogFit, loglog_fit

__all__ = [
    "HtmcEstimate",
    "RScaling",
    "RateFit",
    "SupBound",
    "estimate",
    "fit_rate",
    "r_scaling",
    "sup_bound",
]


def _check_frontier(frontier: Any, fn: str) -> Frontier:
    if not isinstance(frontier, Frontier):
        raise FrontierError(
            f"{fn}: frontier must be a Frontier, received {type(frontier).__name__}"
        )
    return frontier


def _check_positive(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise FrontierError(f"{name} must be a positive number, received {value!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise FrontierError(f"{name} must be finite and > 0, received {value!r}")
    return v


@dataclass(frozen=True)
class SupBound:
    """sup_{ε_min ≤ ε ≤ eps_max} ε · C̄(ε)^{1/γ} (SPEC 2.4 i).

    ``value`` is the bound (+∞ when C̄ stays positive up to ``eps_max`` = ∞, NaN for an empty
    frontier); ``eps_at`` and ``gates_at`` locate it: the supremum is the left limit at ``eps_at``
    of ε · ``gates_at``^{1/γ} (``attained`` False), or its value at ε_min or at ``eps_max``
    (``attained`` True).
    """

    value: float
    gamma: float
    eps_min: float
    eps_max: float
    eps_at: float
    gates_at: float
    attained: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sup_bound(frontier: Frontier, gamma: float, *, eps_max: float | None = None) -> SupBound:
    """The restricted HTMC upper bound sup_{ε ≥ ε_min} ε · C̄(ε)^{1/γ} (SPEC 2.4 i), exactly.

    C̄ = s_i on [ε_i, ε_{i+1}) (see the module docstring), so the candidates are the value
    ε_min · C̄(ε_min)^{1/γ} at the left end, every left limit ε_{i+1} · s_i^{1/γ} at a breakpoint
    ε_{i+1} ≤ ``eps_max`` (the constant's error included), and ``eps_max`` · C̄(eps_max)^{1/γ}
    when ``eps_max`` is finite. ``eps_max`` defaults to +∞, where a frontier without
    ``constant_error`` (and no 0-gate point) gives +∞.
    """
    _check_frontier(frontier, "sup_bound")
    gamma = _check_positive(gamma, "gamma")
    e_max = math.inf if eps_max is None else float(eps_max)
    if math.isnan(e_max):
        raise FrontierError("eps_max must not be NaN")
    errs, gates = frontier.breakpoints()
    if errs.size == 0:
        return SupBound(math.nan, gamma, math.inf, e_max, math.nan, math.nan, True)
    e_min = float(errs[0])
    if e_max < e_min:
        raise FrontierError(f"eps_max={e_max} is below the smallest verified error {e_min}")
    # (value, eps, gates, attained) candidates
    cands = [(e_min * gates[0] ** (1.0 / gamma), e_min, float(gates[0]), True)]
    for i in range(1, errs.size):
        if errs[i] > e_max:
            break
        cands.append((errs[i] * gates[i - 1] ** (1.0 / gamma), float(errs[i]), gates[i - 1], False))
    last = float(frontier.upper_bound(e_max)) if math.isfinite(e_max) else float(gates[-1])
    if last > 0:
        value = math.inf if math.isinf(e_max) else e_max * last ** (1.0 / gamma)
        cands.append((value, e_max, last, True))
    value, at, s_at, attained = max(cands, key=lambda c: c[0])
    return SupBound(float(value), gamma, e_min, e_max, float(at), float(s_at), bool(attained))


def _exp(x: float) -> float:
    """exp without OverflowError (+∞ beyond float range: a near-flat frontier has γ̂ ≈ 0)."""
    return math.exp(x) if x < 709.0 else math.inf


@dataclass(frozen=True)
class RateFit:
    """Fitted HTMC rate and prefactor: s ≈ (ĉ/ε)^γ̂ (SPEC 2.4 ii).

    ``gamma`` with its ``level`` interval [``gamma_low``, ``gamma_high``] (t with n − 2 degrees of
    freedom), ``c`` with a delta-method interval [``c_low``, ``c_high``] (NaN with fewer than 3
    points), ``n`` points used, ``r2``, and the underlying :class:`~occam.stats.LogLogFit` of
    log s against log(1/ε).
    """

    gamma: float
    gamma_low: float
    gamma_high: float
    c: float
    c_low: float
    c_high: float
    n: int
    r2: float
    level: float
    fit: LogLogFit

    def predict(self, eps: Any) -> np.ndarray:
        """(ĉ/ε)^γ̂."""
        return self.fit.predict(1.0 / np.asarray(eps, dtype=np.float64))

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["fit"] = self.fit.as_dict()
        return d


def fit_rate(frontier: Frontier, *, level: float = 0.95, pareto_only: bool = True) -> RateFit:
    """Least squares log s = γ̂ log(1/ε) + γ̂ log ĉ (SPEC 2.4 ii) over the Pareto points with
    gates > 0 and error > 0 (all such points with ``pareto_only=False``).

    γ̂ = slope, ĉ = exp(b/γ̂) with b the intercept. The interval for ĉ is the delta method on
    log ĉ = b/γ̂ with the least-squares covariance of (b, γ̂): with x = log(1/ε), residual
    variance σ² = stderr² · S_xx, var b = σ² (1/n + x̄²/S_xx), cov(b, γ̂) = −x̄ σ²/S_xx, and
    t_{n−2} quantiles. Fewer than two distinct errors give NaN estimates.
    """
    _check_frontier(frontier, "fit_rate")
    pts = frontier.pareto() if pareto_only else list(frontier.points)
    pts = [p for p in pts if p.gates > 0 and p.error > 0]
    eps = np.array([p.error for p in pts], dtype=np.float64)
    s = np.array([p.gates for p in pts], dtype=np.float64)
    fit = loglog_fit(1.0 / eps if eps.size else eps, s, level=level)
    gamma = fit.slope
    c = _exp(fit.intercept / gamma) if gamma and math.isfinite(gamma) else math.nan
    c_low = c_high = math.nan
    if fit.n >= 3 and math.isfinite(fit.stderr) and math.isfinite(c):
        from scipy import stats

        x = np.log(1.0 / eps)
        sxx = float(((x - x.mean()) ** 2).sum())
        sigma2 = fit.stderr**2 * sxx
        var_b = sigma2 * (1.0 / fit.n + x.mean() ** 2 / sxx)
        var_g = fit.stderr**2
        cov_bg = -x.mean() * sigma2 / sxx
        b = fit.intercept
        # gradient of b/γ with respect to (b, γ)
        db, dg = 1.0 / gamma, -b / gamma**2
        var_logc = max(db * db * var_b + 2 * db * dg * cov_bg + dg * dg * var_g, 0.0)
        t = float(stats.t.ppf(0.5 + level / 2.0, fit.n - 2))
        half = t * math.sqrt(var_logc)
        log_c = fit.intercept / gamma
        c_low, c_high = _exp(log_c - half), _exp(log_c + half)
    return RateFit(gamma, fit.ci_low, fit.ci_high, c, c_low, c_high, fit.n, fit.r2, fit.level, fit)


@dataclass(frozen=True)
class HtmcEstimate:
    """Both SPEC 2.4 estimates of one frontier: the fitted ``rate`` and the restricted ``sup``
    bound at the rate ``sup.gamma`` (γ̂ unless a γ was given)."""

    rate: RateFit
    sup: SupBound

    def as_dict(self) -> dict[str, Any]:
        return {"rate": self.rate.as_dict(), "sup": self.sup.as_dict()}


def estimate(
    frontier: Frontier, gamma: float | None = None, *, level: float = 0.95
) -> HtmcEstimate:
    """:func:`fit_rate` and :func:`sup_bound` at ``gamma`` (default γ̂; with γ̂ undefined or
    ≤ 0, the sup bound is NaN)."""
    rate = fit_rate(frontier, level=level)
    g = rate.gamma if gamma is None else gamma
    if gamma is None and not (math.isfinite(g) and g > 0):
        nan = math.nan
        sup = SupBound(nan, g, frontier.min_error, math.inf, nan, nan, False)
    else:
        sup = sup_bound(frontier, g)
    return HtmcEstimate(rate, sup)


@dataclass(frozen=True)
class RScaling:
    """The paper's claim on one frontier (issue 16 item 6): per point (insertion order of the
    frontier) ``ratio`` = gates · ε² / R², and the log-log ``fit`` of gates against
    x = (R/ε)² over the used points (slope 1 when gates ∝ (R/ε)²)."""

    complexity: float
    errors: np.ndarray
    gates: np.ndarray
    ratio: np.ndarray
    pareto: np.ndarray
    slope: float
    slope_low: float
    slope_high: float
    fit: LogLogFit

    def to_rows(self) -> list[dict[str, Any]]:
        """One row per point: error, gates, (R/ε)², gates·ε²/R², on the Pareto front or not."""
        return [
            {
                "error": float(e),
                "gates": int(g),
                "R_over_eps_sq": (self.complexity / e) ** 2 if e > 0 else math.inf,
                "gates_eps2_over_R2": float(r),
                "pareto": bool(p),
            }
            for e, g, r, p in zip(self.errors, self.gates, self.ratio, self.pareto, strict=True)
        ]


def r_scaling(
    frontier: Frontier, complexity: float, *, level: float = 0.95, pareto_only: bool = True
) -> RScaling:
    """gates · ε² / R² for every point of ``frontier`` and the fit gates ≈ A · ((R/ε)²)^slope over
    the Pareto points with gates > 0, error > 0 (all such points with ``pareto_only=False``).

    ``complexity`` is R (from any engine: R̃, certified interval or global bound); the slope does
    not depend on it (it rescales x), the ratios and A do.
    """
    _check_frontier(frontier, "r_scaling")
    r = _check_positive(complexity, "complexity")
    pts = frontier.points
    errors = np.array([p.error for p in pts], dtype=np.float64)
    gates = np.array([p.gates for p in pts], dtype=np.float64)
    on_front = frontier.pareto_mask()
    ratio = gates * errors**2 / r**2
    use = (gates > 0) & (errors > 0)
    if pareto_only:
        use &= on_front
    x = (r / errors[use]) ** 2
    fit = loglog_fit(x, gates[use], level=level)
    return RScaling(
        r, errors, gates.astype(np.int64), ratio, on_front, fit.slope, fit.ci_low, fit.ci_high, fit
    )
