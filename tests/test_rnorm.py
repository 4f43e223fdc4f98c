"""occam.rnorm: two-layer nets, parity constructions, the minimum R-norm LP, the 1-D spline case."""

from __future__ import annotations

from math import comb, sqrt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from occam.experiments.rnorm import union_lower_bound
from occam.rnorm import (
    Dictionary,
    TwoLayer,
    averaged_parity,
    averaged_parity_rnorm,
    cube,
    flip_averaged_parity,
    make_dictionary,
    min_rnorm_interpolation,
    parity,
    random_dictionary,
    ridge_dictionary,
    ridge_min_rnorm,
    ridge_parity,
    ridge_parity_rnorm,
    sign_dictionary,
    sign_min_rnorm,
    spline_interpolant,
    spline_min_rnorm,
    union_dictionary,
)
from occam.rnorm.dictionary import relevant_kinks
from occam.rnorm.parity import sign_direction_correlations
from occam.stats import loglog_fit

DIMS = range(1, 13)


# -- TwoLayer ---------------------------------------------------------------------------------
def _random_net(rng: np.random.Generator, d: int, m: int, affine: bool) -> TwoLayer:
    a = rng.normal(size=d) if affine else None
    return TwoLayer(
        rng.normal(size=(m, d)), rng.normal(size=m), rng.normal(size=m), a, rng.normal()
    )


def test_twolayer_evaluation_matches_loop():
    rng = np.random.default_rng(0)
    net = _random_net(rng, 3, 5, True)
    X = rng.normal(size=(7, 3))
    expected = [
        sum(net.u[i] * max(net.W[i] @ x + net.b[i], 0.0) for i in range(5)) + net.a @ x + net.c
        for x in X
    ]
    np.testing.assert_allclose(net(X), expected, rtol=1e-13, atol=1e-13)
    assert net.rnorm() == pytest.approx(
        sum(abs(net.u[i]) * np.linalg.norm(net.W[i]) for i in range(5)), rel=1e-14
    )


@given(st.integers(0, 10_000), st.integers(1, 4), st.integers(1, 6), st.booleans())
def test_normalized_preserves_function_and_rnorm(seed, d, m, affine):
    rng = np.random.default_rng(seed)
    net = _random_net(rng, d, m, affine)
    net.W[0] = 0.0  # a w = 0 unit is a free constant
    norm = net.normalized()
    X = rng.normal(size=(20, d))
    np.testing.assert_allclose(norm(X), net(X), rtol=1e-12, atol=1e-12)
    assert norm.rnorm() == pytest.approx(net.rnorm(), rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(np.linalg.norm(norm.W, axis=1), 1.0, rtol=1e-14)
    assert norm.width == m - 1


def test_twolayer_dict_round_trip():
    net = _random_net(np.random.default_rng(1), 2, 3, True)
    back = TwoLayer.from_dict(net.to_dict())
    X = np.random.default_rng(2).normal(size=(5, 2))
    np.testing.assert_array_equal(back(X), net(X))


def test_twolayer_rejects_bad_shapes():
    with pytest.raises(ValueError, match="b and u"):
        TwoLayer(np.ones((2, 3)), np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="NaN"):
        TwoLayer(np.array([[np.nan]]), [0.0], [1.0])
    net = TwoLayer(np.ones((1, 2)), [0.0], [1.0])
    with pytest.raises(ValueError, match="2 columns"):
        net(np.ones((3, 3)))


# -- parity constructions (SPEC 12 a, b) -----------------------------------------------------------
@pytest.mark.parametrize("d", DIMS)
def test_ridge_parity_interpolates_with_closed_form_norm(d):
    X = cube(d)
    net = ridge_parity(d)
    np.testing.assert_allclose(net(X), parity(X), atol=1e-12)
    assert net.rnorm() == pytest.approx(sqrt(d) + 2 * sqrt(d) * (d + 1), rel=1e-13)
    assert ridge_parity_rnorm(d) == pytest.approx(sqrt(d) * (2 * d + 3), rel=1e-15)
    np.testing.assert_allclose(np.linalg.norm(net.W, axis=1), 1.0, rtol=1e-14)


@pytest.mark.parametrize("d", DIMS)
def test_averaged_parity_interpolates_with_closed_form_norm(d):
    X = cube(d)
    net = averaged_parity(d)
    np.testing.assert_allclose(net(X), parity(X), atol=1e-12)
    expected = 4 * sqrt(d) * 2**d / comb(d, d // 2)
    assert net.rnorm() == pytest.approx(expected, rel=1e-12)
    assert averaged_parity_rnorm(d) == pytest.approx(expected, rel=1e-15)
    assert net.width == 3 * 2**d
    np.testing.assert_allclose(np.linalg.norm(net.W, axis=1), 1.0, rtol=1e-14)


def test_averaged_norm_is_linear_in_d_and_ridge_is_d_three_halves():
    d = np.arange(40, 61)
    avg = [4 * sqrt(k) * 2.0**k / comb(int(k), int(k) // 2) for k in d]
    # Stirling: C(d, d/2) ~ 2^d sqrt(2/(π d)) so the norm ~ 2 sqrt(2π) d
    np.testing.assert_allclose(np.array(avg) / d, 2 * sqrt(2 * np.pi), rtol=0.03)
    assert loglog_fit(d, [sqrt(k) * (2 * k + 3) for k in d]).slope == pytest.approx(1.5, abs=0.03)


def test_cube_and_parity():
    X = cube(3)
    assert X.shape == (8, 3)
    assert len({tuple(r) for r in X}) == 8
    np.testing.assert_array_equal(parity(X, [0, 2]), X[:, 0] * X[:, 2])
    np.testing.assert_array_equal(parity(X, []), np.ones(8))
    with pytest.raises(ValueError, match="indices"):
        parity(X, [3])


# -- exact references ---------------------------------------------------------------------------
@pytest.mark.parametrize("d", range(1, 9))
def test_flip_average_of_best_sign_unit_attains_sign_minimum(d):
    kinks, rho = sign_direction_correlations(d)
    t = kinks[int(np.argmax(np.abs(rho)))]
    net = flip_averaged_parity(d, np.ones(d), -t * sqrt(d))
    X = cube(d)
    np.testing.assert_allclose(net(X), parity(X), atol=1e-10)
    assert net.rnorm() == pytest.approx(sign_min_rnorm(d), rel=1e-12)


@pytest.mark.parametrize("d", DIMS)
def test_free_minimum_below_averaged_construction(d):
    assert sign_min_rnorm(d) <= averaged_parity_rnorm(d)
    lower, _ = union_lower_bound(d, n_random=4, seed=0)
    assert lower <= sign_min_rnorm(d) * (1 + 1e-12)


# -- the LP (SPEC 12 c) ---------------------------------------------------------------------
@pytest.mark.parametrize("d", range(1, 7))
@pytest.mark.parametrize("formulation", ["dense", "chain"])
def test_lp_matches_exact_parity_minima(d, formulation):
    X, y = cube(d), parity(cube(d))
    ridge = min_rnorm_interpolation(X, y, ridge_dictionary(d), formulation=formulation)
    assert ridge.status == 0, ridge.message
    assert ridge.fun == pytest.approx(ridge_min_rnorm(d), rel=1e-7)
    assert ridge.n_rows == d + 1  # ridge sees d+1 distinct projections
    free = min_rnorm_interpolation(X, y, "union", n_random=3, formulation=formulation)
    assert free.status == 0, free.message
    assert free.fun == pytest.approx(sign_min_rnorm(d), rel=1e-7)
    assert free.fun <= averaged_parity_rnorm(d)
    for res in (ridge, free):
        assert res.residual <= 1e-8
        np.testing.assert_allclose(res.net(X), y, atol=1e-8)
        assert res.net.rnorm() == pytest.approx(res.fun, rel=1e-9)
        assert res.lower_bound == pytest.approx(res.fun, rel=1e-6)
        assert res.lower_bound <= res.fun * (1 + 1e-9)


@given(st.integers(0, 10_000), st.floats(0.0, 0.3))
def test_lp_result_is_feasible_and_certified(seed, eps):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(12, 2))
    y = rng.normal(size=12)
    dic = random_dictionary(2, 5, seed)
    res = min_rnorm_interpolation(X, y, dic, eps=eps)
    assert res.status == 0, res.message
    assert res.residual <= eps + 1e-7
    assert res.lower_bound <= res.fun * (1 + 1e-7) + 1e-9
    assert res.lower_bound >= res.fun * (1 - 1e-5) - 1e-9
    dense = min_rnorm_interpolation(X, y, dic, eps=eps, formulation="dense")
    chain = min_rnorm_interpolation(X, y, dic, eps=eps, formulation="chain")
    assert dense.fun == pytest.approx(chain.fun, rel=1e-6, abs=1e-9)


def test_lp_brute_force_small_case():
    """Tiny instance against an exhaustive search over bases (independent of HiGHS)."""
    from itertools import combinations

    rng = np.random.default_rng(3)
    X = rng.normal(size=(3, 1))
    y = rng.normal(size=3)
    dic = Dictionary(np.array([[1.0], [-1.0]]), None)
    res = min_rnorm_interpolation(X, y, dic)
    W, b = dic.neurons(X)
    Phi = np.maximum(X @ W.T + b, 0.0)
    A = np.hstack([Phi, np.ones((3, 1))])
    best = np.inf
    for cols in combinations(range(A.shape[1]), 3):
        if A.shape[1] - 1 not in cols:
            continue
        sub = A[:, cols]
        if abs(np.linalg.det(sub)) < 1e-12:
            continue
        sol = np.linalg.solve(sub, y)
        best = min(best, float(np.sum(np.abs(sol[:-1]))))
    assert res.fun == pytest.approx(best, rel=1e-8)


def test_affine_term_makes_linear_data_free():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 3.0
    res = min_rnorm_interpolation(X, y, random_dictionary(3, 4), affine=True)
    assert res.status == 0
    assert res.fun == pytest.approx(0.0, abs=1e-8)
    np.testing.assert_allclose(res.net(X), y, atol=1e-8)


def test_infeasible_reports_status_and_no_optimum():
    X = np.array([[0.0], [0.0]])
    y = np.array([0.0, 1.0])
    res = min_rnorm_interpolation(X, y, Dictionary(np.array([[1.0]]), (np.array([5.0]),)))
    assert res.status == 2
    assert not res.success
    assert res.net is None and res.x is None and np.isnan(res.fun)
    with pytest.raises(RuntimeError, match="status 2"):
        res.require_optimal()


def test_dictionaries():
    X = cube(3)
    assert sign_dictionary(3).n_directions == 8
    assert ridge_dictionary(3).n_directions == 2
    uni = union_dictionary(ridge_dictionary(3), sign_dictionary(3), random_dictionary(3, 2))
    assert uni.n_directions == 10  # the ridge directions are sign directions
    # relevant kinks: all distinct projections except the largest
    np.testing.assert_allclose(
        relevant_kinks(X @ np.ones(3) / sqrt(3)), np.array([-3, -1, 1]) / sqrt(3)
    )
    W, b = sign_dictionary(3).neurons(X)
    assert W.shape == (24, 3) and b.shape == (24,)
    assert make_dictionary("union", 3, n_random=2).n_directions == 10


# -- 1-D validation: Savarese et al. ---------------------------------------------------------------
@given(st.integers(0, 10_000), st.integers(1, 9))
def test_spline_closed_form_attained(seed, n):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = rng.normal(size=n) * rng.choice([0.1, 1.0, 10.0])
    net = spline_interpolant(x, y)
    np.testing.assert_allclose(net(x[:, None]), y, atol=1e-9 * (1 + np.abs(y).max()))
    assert net.rnorm() == pytest.approx(spline_min_rnorm(x, y), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("affine", [False, True])
def test_lp_matches_spline_formula_in_1d(seed, affine):
    rng = np.random.default_rng(seed)
    n = 3 + seed
    x = np.sort(rng.uniform(-2, 2, size=n))
    y = rng.normal(size=n) + (3.0 * x if seed % 2 else 0.0)
    expected = spline_min_rnorm(x, y, affine=affine)
    X = x[:, None]
    data_biases = Dictionary(np.array([[1.0], [-1.0]]), None)
    res = min_rnorm_interpolation(X, y, data_biases, affine=affine)
    assert res.status == 0
    assert res.fun == pytest.approx(expected, rel=1e-6)
    # a fine bias grid: kinks at grid points t (units σ(x − t), σ(t − x)), h = 0.01
    grid = np.linspace(-4, 4, 801)
    fine = Dictionary(np.array([[1.0], [-1.0]]), (-grid, grid))
    res_grid = min_rnorm_interpolation(X, y, fine, affine=affine)
    assert res_grid.status == 0
    # without the data points the grid can only be worse, by O(h)
    assert expected * (1 - 1e-9) - 1e-12 <= res_grid.fun <= expected * 1.05 + 1e-6
    # the grid together with the data points reaches the minimum exactly
    both = np.concatenate([grid, x])
    fine_data = Dictionary(np.array([[1.0], [-1.0]]), (-both, both))
    res_both = min_rnorm_interpolation(X, y, fine_data, affine=affine)
    assert res_both.status == 0
    assert res_both.fun == pytest.approx(expected, rel=1e-6)


def test_spline_examples():
    assert spline_min_rnorm([0.0, 1.0], [0.0, 2.0]) == pytest.approx(2.0)  # one unit of slope 2
    # hat: slopes 1, -1: T = 2, S = 0
    assert spline_min_rnorm([0.0, 1.0, 2.0], [0.0, 1.0, 0.0]) == pytest.approx(2.0)
    # line through 3 points with slope 1: T = 0, S = 2 -> 1
    assert spline_min_rnorm([0.0, 1.0, 2.0], [0.0, 1.0, 2.0]) == pytest.approx(1.0)
    assert spline_min_rnorm([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], affine=True) == 0.0
    assert spline_min_rnorm([1.0], [5.0]) == 0.0
    with pytest.raises(ValueError, match="repeated"):
        spline_min_rnorm([1.0, 1.0], [0.0, 1.0])


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.ones(4), np.ones(4), "2-D"),
        (np.ones((4, 2, 1)), np.ones(4), "2-D"),
        (np.ones((4, 2)), np.ones(3), "length 4"),
        (np.array([[np.nan, 1.0]]), np.ones(1), "NaN"),
        (np.array([[np.inf, 1.0]]), np.ones(1), "infinite"),
        (np.ones((1, 2)), np.array([np.nan]), "NaN"),
        (np.zeros((0, 2)), np.zeros(0), "n >= 1"),
    ],
)
def test_bad_input_raises_value_error(X, y, match):
    with pytest.raises(ValueError, match=match):
        min_rnorm_interpolation(X, y, "sign")


def test_bad_dictionary_raises_value_error():
    X = np.ones((3, 2))
    with pytest.raises(ValueError, match="non-empty"):
        Dictionary(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="zero vector"):
        Dictionary(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="empty"):  # X constant on every direction
        min_rnorm_interpolation(X, np.ones(3), sign_dictionary(2))
    with pytest.raises(ValueError, match="d = 3"):
        min_rnorm_interpolation(np.ones((3, 2)), np.ones(3), sign_dictionary(3))
    with pytest.raises(ValueError, match="eps"):
        min_rnorm_interpolation(cube(2), np.ones(4), "sign", eps=-1.0)
    with pytest.raises(ValueError, match="formulation"):
        min_rnorm_interpolation(cube(2), np.ones(4), "sign", formulation="magic")
    with pytest.raises(ValueError, match="dictionary"):
        min_rnorm_interpolation(cube(2), np.ones(4), "nonsense")
    with pytest.raises(TypeError, match="int"):
        ridge_parity(2.5)
    with pytest.raises(ValueError, match="got 0"):
        averaged_parity(0)


# -- estimator ------------------------------------------------------------------------------------
def test_estimator_fit_predict_and_not_fitted():
    from occam.rnorm import MinRNormInterpolator, NotFittedError

    est = MinRNormInterpolator(dictionary="sign")
    assert est.get_params()["dictionary"] == "sign"
    with pytest.raises(NotFittedError, match="fit"):
        est.predict(cube(3))
    X = cube(3)
    assert est.fit(X, parity(X)) is est
    assert est.rnorm_ == pytest.approx(sign_min_rnorm(3), rel=1e-7)
    np.testing.assert_allclose(est.predict(X), parity(X), atol=1e-8)
    with pytest.raises(ValueError, match="3 columns"):
        est.predict(np.ones((2, 2)))
    bad = MinRNormInterpolator(dictionary=Dictionary(np.array([[1.0]]), (np.array([5.0]),)))
    with pytest.raises(RuntimeError, match="status 2"):
        bad.fit(np.zeros((2, 1)), np.array([0.0, 1.0]))
    assert bad.result_.status == 2
