"""Generalisation-bound calculator (SPEC 2.5): the solved bound, monotonicity, HTMC minimisation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from occam.htmc import FrontierError, htmc_risk_bound, risk_bound
from occam.htmc.generalization import complexity_term

emp_risks = st.floats(min_value=0.0, max_value=1.0)
sizes = st.integers(min_value=1, max_value=10**6)
n_inputs = st.integers(min_value=0, max_value=64)
n_samples = st.integers(min_value=1, max_value=10**9)
deltas = st.floats(min_value=1e-9, max_value=0.99)
loss_maxes = st.floats(min_value=1e-3, max_value=100.0)


def _residual(R, emp, L, N, B2):
    return R - emp - math.sqrt(2 * B2 * R * L / N) - 2 * B2 * L / (3 * N)


@given(emp_risks, sizes, n_inputs, n_samples, deltas, loss_maxes)
@settings(max_examples=100, deadline=None)
def test_solved_bound_satisfies_the_inequality_with_equality(emp, s, n, N, delta, B2):
    emp = min(emp, B2)
    b = risk_bound(emp, s, n_inputs=n, n_samples=N, delta=delta, loss_max=B2)
    L = s * math.log(3 * (s + n + 2) ** 2) + math.log(math.pi**2 * s**2 / (6 * delta))
    assert b.log_term == pytest.approx(L, rel=1e-12)
    scale = b.risk_bound
    assert abs(_residual(b.risk_bound, emp, L, N, B2)) <= 1e-12 * scale
    # the largest root, found by brute-force bracketing, is the same
    hi = 2 * scale + 1.0
    root = brentq(
        _residual,
        scale * 0.5,
        hi,
        args=(emp, L, N, B2),
        xtol=1e-15 * scale,
        rtol=1e-14,
    )
    assert root == pytest.approx(b.risk_bound, rel=1e-10)
    # every R above the bound violates nothing: the residual is positive there
    assert _residual(scale * (1 + 1e-6), emp, L, N, B2) > 0


def test_bound_by_hand():
    b = risk_bound(0.01, 10, n_inputs=4, n_samples=1000, delta=0.1, loss_max=4.0)
    L = 10 * math.log(3 * 16**2) + math.log(math.pi**2 * 100 / 0.6)
    a = math.sqrt(8 * L / 1000)
    c = 0.01 + 8 * L / 3000
    assert b.risk_bound == pytest.approx(((a + math.sqrt(a * a + 4 * c)) / 2) ** 2, rel=1e-14)
    assert complexity_term(10, 4, 0.1) == pytest.approx(L)


@given(emp_risks, sizes, n_inputs, n_samples, deltas)
@settings(max_examples=80, deadline=None)
def test_monotone_in_size_samples_delta_and_risk(emp, s, n, N, delta):
    def r(**kw):
        args = {
            "empirical_risk": emp,
            "gates": s,
            "n_inputs": n,
            "n_samples": N,
            "delta": delta,
            "loss_max": 1.0,
        }
        args.update(kw)
        return risk_bound(args.pop("empirical_risk"), args.pop("gates"), **args).risk_bound

    base = r()
    assert r(gates=s + 1) > base
    assert r(n_inputs=n + 1) > base
    assert r(n_samples=N + 1) < base
    assert r(delta=delta / 2) > base
    assert r(empirical_risk=emp / 2 if emp > 0 else 0.0) <= base
    assert base >= emp


@pytest.mark.parametrize(
    ("kw", "what"),
    [
        ({"gates": 0}, "gates"),
        ({"gates": 2.5}, "gates"),
        ({"n_samples": 0}, "n_samples"),
        ({"delta": 1.0}, "delta"),
        ({"delta": 0.0}, "delta"),
        ({"loss_max": -1.0}, "loss_max"),
        ({"empirical_risk": 2.0}, "exceeds"),
        ({"empirical_risk": math.nan}, "empirical_risk"),
        ({"n_inputs": -1}, "n_inputs"),
    ],
)
def test_bad_arguments_are_named(kw, what):
    args = {
        "empirical_risk": 0.1,
        "gates": 5,
        "n_inputs": 3,
        "n_samples": 100,
        "delta": 0.05,
        "loss_max": 1.0,
    }
    args.update(kw)
    with pytest.raises(FrontierError, match=what):
        risk_bound(args.pop("empirical_risk"), args.pop("gates"), **args)


@given(
    st.floats(min_value=0.05, max_value=5.0),
    st.floats(min_value=0.5, max_value=6.0),
    st.integers(min_value=0, max_value=16),
    st.integers(min_value=10, max_value=20_000),
    st.floats(min_value=0.0, max_value=0.2),
)
@settings(max_examples=30, deadline=None)
def test_htmc_bound_is_the_exact_minimum(c, gamma, n, N, emp):
    out = htmc_risk_bound(c, gamma, n_inputs=n, n_samples=N, delta=0.05, empirical_risk=emp)
    # the reported pieces are consistent
    assert out.eps == pytest.approx(c * out.gates ** (-1 / gamma))
    assert math.ceil((c / out.eps) ** gamma * (1 - 1e-12)) <= out.gates
    assert out.value == pytest.approx(out.eps**2 + out.circuit_bound.risk_bound)
    # brute force: every integer size up to far beyond the cap, one by one
    total = [
        c * c * s ** (-2 / gamma)
        + risk_bound(emp, s, n_inputs=n, n_samples=N, delta=0.05).risk_bound
        for s in range(1, min(out.sizes_searched * 2, 3000) + 1)
    ]
    assert out.value <= min(total) * (1 + 1e-12)
    if out.gates <= 3000:
        assert out.value == pytest.approx(min(total), rel=1e-12)
    # and over a dense grid of ε with s = ⌈(c/ε)^γ⌉
    for eps in np.geomspace(c * 1e-3, c * 2, 200):
        s = max(1, math.ceil((c / eps) ** gamma))
        if s > 10**6:
            continue
        v = eps**2 + risk_bound(emp, s, n_inputs=n, n_samples=N, delta=0.05).risk_bound
        assert out.value <= v * (1 + 1e-12)


def test_htmc_bound_monotone_and_decreasing_in_samples():
    vals = [htmc_risk_bound(1.0, 3.0, n_inputs=8, n_samples=N).value for N in (10**3, 10**4, 10**5)]
    assert vals[0] > vals[1] > vals[2]
    assert htmc_risk_bound(2.0, 3.0, n_inputs=8, n_samples=10**4).value > vals[1]
    d = htmc_risk_bound(1.0, 3.0, n_inputs=8, n_samples=10**4).as_dict()
    assert d["circuit_bound"]["gates"] == d["gates"]
    with pytest.raises(FrontierError, match="max_sizes"):
        htmc_risk_bound(1.0, 3.0, n_inputs=8, n_samples=10**9, max_sizes=1000)
