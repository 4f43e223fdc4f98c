"""HTMC estimates (SPEC 2.4): the restricted sup bound, the fitted rate, and the R-scaling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from occam.htmc import Frontier, FrontierError, estimate, fit_rate, r_scaling, sup_bound

errors = st.floats(min_value=1e-4, max_value=1.0, allow_nan=False)
point_lists = st.lists(
    st.tuples(errors, st.integers(min_value=1, max_value=5000)), min_size=1, max_size=10
)
gammas = st.floats(min_value=0.5, max_value=8.0)


def _brute_sup(f: Frontier, gamma: float, eps_max: float) -> float:
    """max of ε·C̄(ε)^{1/γ} over a dense grid of [ε_min, eps_max] plus points just below every
    breakpoint (a lower estimate of the supremum)."""
    errs, _ = f.breakpoints()
    grid = np.geomspace(errs[0], eps_max, 4000)
    below = errs[errs <= eps_max] * (1 - 1e-12)
    e = np.concatenate([grid, below[below >= errs[0]], [errs[0], eps_max]])
    return float(np.max(e * f.upper_bound(e) ** (1.0 / gamma)))


def test_sup_bound_on_a_staircase_by_hand():
    # C̄ = 100 on [0.01, 0.04), 10 on [0.04, 0.2), 0 from the constant's error 0.5 on
    f = Frontier([(0.01, 100), (0.04, 10), (0.2, 10), (0.3, 50)], constant_error=0.5)
    gamma = 2.0
    b = sup_bound(f, gamma)
    cands = [0.01 * 10.0, 0.04 * 10.0, 0.5 * math.sqrt(10)]  # ε_min·s_1, left limits
    assert b.value == pytest.approx(max(cands), rel=1e-15)
    assert (b.eps_at, b.gates_at, b.attained) == (0.5, 10.0, False)
    assert b.eps_min == 0.01
    # restricted to [ε_min, 0.3]: the end value 0.3·√10 < 0.4
    b2 = sup_bound(f, gamma, eps_max=0.3)
    assert b2.value == pytest.approx(max(0.4, 0.3 * math.sqrt(10)))
    assert (b2.eps_at, b2.attained) == (0.3, True)
    # no constant: the last step never ends
    assert sup_bound(Frontier([(0.01, 100)]), 2.0).value == math.inf
    assert math.isnan(sup_bound(Frontier(), 2.0).value)
    with pytest.raises(FrontierError, match="gamma"):
        sup_bound(f, 0.0)
    with pytest.raises(FrontierError, match="eps_max"):
        sup_bound(f, 2.0, eps_max=0.001)


@given(point_lists, gammas, st.floats(min_value=1.0, max_value=3.0))
@settings(max_examples=60, deadline=None)
def test_sup_bound_dominates_points_and_matches_dense_evaluation(pts, gamma, ce_factor):
    ce = max(e for e, _ in pts) * ce_factor
    f = Frontier(pts, constant_error=ce)
    b = sup_bound(f, gamma)
    assert math.isfinite(b.value)
    for p in f.pareto():
        assert b.value >= p.error * p.gates ** (1.0 / gamma) * (1 - 1e-12)
    for p in f.points:  # ε_j · C̄(ε_j)^{1/γ} at every recorded error
        assert b.value >= p.error * f.upper_bound(p.error) ** (1.0 / gamma) * (1 - 1e-12)
    brute = _brute_sup(f, gamma, ce * 2)
    assert brute <= b.value * (1 + 1e-9)
    assert brute >= b.value * (1 - 1e-9)  # the points just below breakpoints reach it


@given(point_lists, gammas, st.floats(min_value=1.01, max_value=3.0), point_lists)
@settings(max_examples=60, deadline=None)
def test_sup_bound_monotonicity(pts, gamma, ce_factor, extra):
    ce = max(e for e, _ in pts) * ce_factor
    f = Frontier(pts, constant_error=ce)
    b = sup_bound(f, gamma).value
    # larger γ: s^{1/γ} shrinks (all gates ≥ 1)
    assert sup_bound(f, gamma * 1.5).value <= b * (1 + 1e-12)
    # larger eps_max: sup over a larger set
    e_min = f.min_error
    assert sup_bound(f, gamma, eps_max=e_min * 1.1).value <= b * (1 + 1e-12)
    # more circuits at errors ≥ ε_min lower C̄ everywhere, hence the bound
    g = Frontier(pts, constant_error=ce)
    for e, s in extra:
        g.add(max(e, e_min), s)
    assert sup_bound(g, gamma).value <= b * (1 + 1e-12)
    # a smaller constant error cuts the staircase earlier
    assert sup_bound(Frontier(pts, constant_error=ce / ce_factor), gamma).value <= b * (1 + 1e-12)


@given(
    st.floats(min_value=0.05, max_value=20.0),
    st.floats(min_value=0.5, max_value=6.0),
    st.lists(st.integers(min_value=2, max_value=10**6), min_size=3, max_size=10, unique=True),
)
@settings(max_examples=60, deadline=None)
def test_fit_recovers_exact_power_law(c, gamma, sizes):
    # s = (c/ε)^γ exactly: ε = c · s^{-1/γ}
    f = Frontier([(c * s ** (-1.0 / gamma), s) for s in sizes])
    r = fit_rate(f)
    assert r.n == len(sizes)
    assert r.gamma == pytest.approx(gamma, rel=1e-8)
    assert r.c == pytest.approx(c, rel=1e-6)
    assert r.gamma_low <= r.gamma <= r.gamma_high
    assert r.gamma_high - r.gamma_low < 1e-6 * gamma
    assert r.c_low <= r.c <= r.c_high
    np.testing.assert_allclose(r.predict([p.error for p in f.points]), sizes, rtol=1e-6)


def test_fit_with_noise_has_covering_intervals():
    rng = np.random.default_rng(0)
    gamma, c = 3.0, 0.8
    sizes = np.unique(np.round(np.geomspace(10, 1e5, 12))).astype(int)
    eps = c * sizes ** (-1.0 / gamma) * np.exp(rng.normal(0, 0.05, sizes.size))
    r = fit_rate(Frontier(zip(eps, sizes, strict=True)))
    assert r.gamma_low < r.gamma_high and r.c_low < r.c < r.c_high
    assert abs(r.gamma - gamma) < 0.3
    assert r.gamma_low <= gamma <= r.gamma_high
    assert r.c_low <= c <= r.c_high
    d = r.as_dict()
    assert d["fit"]["n"] == sizes.size


@given(point_lists, point_lists)
@settings(max_examples=40, deadline=None)
def test_fit_ignores_dominated_points_constants_and_zero_errors(pts, extra):
    f = Frontier(pts, constant_error=2.0)
    r = fit_rate(f)
    for e, s in extra:
        e0, s0 = pts[s % len(pts)]
        f.add(e0 + e, s0 + s)
    f.add(1.5, 0)  # a constant circuit
    r2 = fit_rate(f)
    assert r2.n == r.n
    for a, b in ((r.gamma, r2.gamma), (r.c, r2.c)):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12)


def test_fit_degenerate_cases():
    assert math.isnan(fit_rate(Frontier()).gamma)
    assert math.isnan(fit_rate(Frontier([(0.1, 10)])).gamma)
    two = fit_rate(Frontier([(0.1, 100), (0.2, 25)]))
    assert two.gamma == pytest.approx(2.0) and math.isnan(two.gamma_low) and two.n == 2
    exact = fit_rate(Frontier([(0.0, 5000), (0.1, 100), (0.2, 25)]))
    assert exact.n == 2  # an exact circuit (ε = 0) has no log


def test_r_scaling_ratio_and_slope():
    R = 3.0
    # gates = 2 · (R/ε)^2 exactly: ratio 2 everywhere, slope 1
    eps = np.array([0.3, 0.1, 0.03, 0.01])
    f = Frontier([(e, round(2 * (R / e) ** 2)) for e in eps])
    f.add(0.5, 10**6)  # dominated: reported, not fitted
    out = r_scaling(f, R)
    np.testing.assert_allclose(out.ratio[:4], 2.0, rtol=1e-3)
    assert out.ratio[4] == pytest.approx(10**6 * 0.25 / 9)
    assert out.slope == pytest.approx(1.0, abs=1e-3)
    assert out.slope_low <= out.slope <= out.slope_high
    assert list(out.pareto) == [True] * 4 + [False]
    rows = out.to_rows()
    assert rows[0]["R_over_eps_sq"] == pytest.approx(100.0) and rows[4]["pareto"] is False
    # the slope does not depend on R; the ratios scale as 1/R²
    other = r_scaling(f, 2 * R)
    assert other.slope == pytest.approx(out.slope)
    np.testing.assert_allclose(other.ratio, out.ratio / 4)
    with pytest.raises(FrontierError, match="complexity"):
        r_scaling(f, 0.0)
    with pytest.raises(FrontierError, match="Frontier"):
        r_scaling([(0.1, 3)], 1.0)


@given(point_lists, gammas, st.floats(min_value=0.0, max_value=0.5), st.integers(0, 100))
@settings(max_examples=40, deadline=None)
def test_sup_bound_ignores_dominated_points(pts, gamma, de, ds):
    ce = max(e for e, _ in pts) * 1.5
    f = Frontier(pts, constant_error=ce)
    b = sup_bound(f, gamma)
    f.add(ce * 1.1, 3)  # dominated by the free constant
    e0, s0 = pts[ds % len(pts)]
    f.add(e0 + de * e0, s0 + ds)  # dominated by (or equal to) a recorded point
    assert sup_bound(f, gamma) == b


def test_estimate_combines_fit_and_sup_bound():
    f = Frontier([(1.0 * s ** (-1 / 2.5), s) for s in (10, 100, 1000, 10000)], constant_error=1.0)
    est = estimate(f)
    assert est.rate.gamma == pytest.approx(2.5, rel=1e-9)
    assert est.sup.gamma == est.rate.gamma
    assert est.sup.value == sup_bound(f, est.rate.gamma).value
    assert estimate(f, 3.0).sup.value == sup_bound(f, 3.0).value
    assert math.isnan(estimate(Frontier([(0.1, 4)])).sup.value)
    assert est.as_dict()["rate"]["n"] == 4
