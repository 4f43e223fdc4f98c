"""occam.rnorm.ipm: the structured interior point method for the R-norm LP (SPEC 12 c).

The operators must equal the explicit feature matrix, and the solver must return the same
certified optimum as HiGHS (dual simplex) on every kind of dictionary and target.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from occam.rnorm import (
    Dictionary,
    TwoLayer,
    cube,
    ipm,
    make_dictionary,
    min_rnorm_interpolation,
    parity,
    random_dictionary,
    ridge_dictionary,
    sign_dictionary,
    union_dictionary,
)
from occam.rnorm.lp import STRUCTURED_MIN_ROWS, _projections


def _dense_features(dic: Dictionary, X: np.ndarray) -> np.ndarray:
    W, b = dic.neurons(X)
    return np.maximum(X @ W.T + b[None, :], 0.0)


def _teacher(X: np.ndarray, dic: Dictionary, seed: int, k: int = 8):
    W, b = dic.neurons(X)
    rng = np.random.default_rng(seed)
    idx = rng.choice(b.size, k, replace=False)
    teacher = TwoLayer(W[idx], b[idx], rng.normal(size=k))
    return teacher(X), teacher.rnorm()


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 30),
    d=st.integers(1, 4),
    n_dirs=st.integers(1, 5),
    explicit=st.booleans(),
    on_cube=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_operators_match_the_explicit_feature_matrix(n, d, n_dirs, explicit, on_cube, seed):
    rng = np.random.default_rng(seed)
    if on_cube:  # many tied projections
        X = rng.choice([-1.0, 1.0], size=(n, d))
    else:
        X = rng.normal(size=(n, d))
    biases = tuple(rng.normal(size=rng.integers(1, 6)) for _ in range(n_dirs)) if explicit else None
    dic = Dictionary(rng.normal(size=(n_dirs, d)), biases)
    Z, kinks = _projections(dic, X)
    if sum(t.size for t in kinks) == 0:
        return
    ops = ipm.Operators(ipm.build_structure(Z, kinks))
    Phi = _dense_features(dic, X)
    v = rng.normal(size=Phi.shape[1])
    lam = rng.normal(size=n)
    theta = rng.exponential(size=Phi.shape[1]) * 10.0 ** rng.uniform(-6, 6, Phi.shape[1])
    np.testing.assert_allclose(ops.phi(v), Phi @ v, rtol=1e-10, atol=1e-10 * np.abs(v).sum())
    np.testing.assert_allclose(ops.phi_t(lam), Phi.T @ lam, rtol=1e-10, atol=1e-10 * n)
    M = ops.normal_matrix(theta)
    ref = (Phi * theta) @ Phi.T
    np.testing.assert_allclose(np.tril(M), np.tril(ref), rtol=1e-9, atol=1e-12 * np.abs(ref).max())


def _instances():
    rng = np.random.default_rng(3)
    Xc = cube(6)
    rr = union_dictionary(ridge_dictionary(6), random_dictionary(6, 4, seed=1))
    explicit = Dictionary(rng.normal(size=(30, 6)), tuple(rng.normal(size=20) for _ in range(30)))
    Xg = rng.normal(size=(120, 3))
    return [
        ("teacher", Xc, _teacher(Xc, rr, 1)[0], rr, False),
        ("noise", Xc, rng.normal(size=64), rr, False),
        ("noise-affine", Xc, rng.normal(size=64), rr, True),
        ("parity-union", cube(5), parity(cube(5)), make_dictionary("union", 5, n_random=3), False),
        ("noise-sign-affine", cube(7), rng.normal(size=128), sign_dictionary(7), True),
        ("explicit-biases", Xc, rng.normal(size=64), explicit, False),
        ("gaussian-points", Xg, np.sin(Xg).sum(axis=1), random_dictionary(3, 6, seed=2), True),
    ]


@pytest.mark.parametrize("case", _instances(), ids=lambda c: c[0])
def test_structured_and_simplex_reach_the_same_certified_optimum(case):
    _, X, y, dic, affine = case
    ref = min_rnorm_interpolation(X, y, dic, affine=affine, solver="simplex")
    res = min_rnorm_interpolation(X, y, dic, affine=affine, solver="structured")
    assert ref.status == 0, ref.message
    assert res.status == 0, res.message
    assert res.solver == "structured" and res.formulation == "normal-equations"
    assert res.fun == pytest.approx(ref.fun, rel=1e-7)
    # the structured optimum is certified by its own dual vector
    assert res.lower_bound <= res.fun * (1 + 1e-12) + 1e-12
    assert res.gap <= 1e-7 * max(1.0, res.fun)
    np.testing.assert_allclose(res.net(X), y, atol=1e-8)
    # purified: only the units that carry the interpolant are returned
    assert res.net.u.size == np.count_nonzero(res.x)
    assert np.all(np.abs(res.x[res.x != 0]) > 1e-9 * np.abs(res.x).max())


def test_structured_recovers_a_sparse_teacher_exactly():
    X = cube(9)
    dic = union_dictionary(ridge_dictionary(9), random_dictionary(9, 5, seed=0))
    y, norm = _teacher(X, dic, 4)
    res = min_rnorm_interpolation(X, y, dic, solver="structured")
    assert res.status == 0, res.message
    assert res.fun <= norm * (1 + 1e-9)
    assert res.gap <= 1e-9 * res.fun
    assert res.residual <= 1e-9
    assert res.net.u.size <= 8


def test_auto_falls_back_to_highs_when_the_interior_point_optimum_is_not_certified():
    """A known hard instance (near-duplicate kinks of 6 random directions on {±1}^8): the
    interior point iterate stalls 3e-5 below the optimum with a primal residual, its certificate
    gap is too large, so no optimum is reported from it and "auto" re-solves with HiGHS."""
    X = cube(8)
    dic = union_dictionary(ridge_dictionary(8), random_dictionary(8, 6, seed=0))
    y, _ = _teacher(X, dic, 4)
    forced = min_rnorm_interpolation(X, y, dic, solver="structured")
    auto = min_rnorm_interpolation(X, y, dic)
    ref = min_rnorm_interpolation(X, y, dic, solver="simplex")
    assert ref.status == 0
    if forced.status == 0:  # should the structured path ever certify it, it must agree
        assert forced.fun == pytest.approx(ref.fun, rel=1e-7)
    else:
        assert forced.net is None and np.isnan(forced.fun)
        assert "fell back to HiGHS" in auto.message
    assert auto.status == 0
    assert auto.fun == pytest.approx(ref.fun, rel=1e-7)
    assert auto.gap <= 1e-7 * auto.fun


def test_auto_uses_structured_for_large_exact_problems_only():
    X = cube(8)  # 256 rows, no merging for random directions
    dic = union_dictionary(ridge_dictionary(8), random_dictionary(8, 2, seed=0))
    y, _ = _teacher(X, dic, 0)
    assert X.shape[0] >= STRUCTURED_MIN_ROWS
    assert min_rnorm_interpolation(X, y, dic).solver == "structured"
    assert min_rnorm_interpolation(X, y, dic, eps=0.01).solver in ("simplex", "ipm")
    small = cube(5)
    y5, _ = _teacher(small, union_dictionary(ridge_dictionary(5), random_dictionary(5, 2)), 0)
    assert min_rnorm_interpolation(small, y5, "ridge").solver in ("simplex", "ipm")


def test_structured_rejects_eps():
    X = cube(3)
    with pytest.raises(ValueError, match="structured"):
        min_rnorm_interpolation(X, parity(X), "sign", eps=0.1, solver="structured")


def test_structured_never_reports_an_optimum_for_an_infeasible_problem():
    # two equal points with different targets: no interpolant exists
    X = np.array([[0.0], [0.0], [1.0], [2.0]])
    y = np.array([0.0, 1.0, 2.0, 0.5])
    res = min_rnorm_interpolation(X, y, Dictionary(np.array([[1.0]]), None), solver="structured")
    assert res.status != 0
    assert res.net is None and res.x is None and np.isnan(res.fun)


def test_structured_time_limit_gives_no_optimum():
    X = cube(9)
    dic = union_dictionary(ridge_dictionary(9), random_dictionary(9, 4, seed=0))
    y = np.random.default_rng(0).normal(size=X.shape[0])
    res = min_rnorm_interpolation(X, y, dic, solver="structured", time_limit=1e-3)
    assert res.status == 1
    assert res.net is None and np.isnan(res.fun)


def test_progress_callback_sees_the_gap_close():
    X = cube(6)
    dic = union_dictionary(ridge_dictionary(6), random_dictionary(6, 3, seed=0))
    y, _ = _teacher(X, dic, 2)
    seen = []
    res = min_rnorm_interpolation(
        X, y, dic, solver="structured", progress=lambda *a: seen.append(a)
    )
    assert res.status == 0
    assert [a[0] for a in seen] == list(range(1, len(seen) + 1))
    assert seen[-1][5] <= 1e-9 < seen[0][5]


@pytest.mark.slow
@pytest.mark.parametrize("target", ["teacher", "parity"])
def test_4096_points_and_100k_units(target):
    """Issue 7 deliverable 3 at its size: 2^12 points, ridge ∪ 25 random directions with all
    relevant biases (102,399 units). Speed is measured in benchmarks/bench_rnorm.py."""
    X = cube(12)
    dic = union_dictionary(ridge_dictionary(12), random_dictionary(12, 25, seed=0))
    if target == "teacher":
        y, norm = _teacher(X, dic, 12)
    else:
        y, norm = parity(X), 2 * np.sqrt(12) * 11  # the ridge minimum bounds the union minimum
    t0 = time.perf_counter()
    res = min_rnorm_interpolation(X, y, dic)
    print(f"{target}: {time.perf_counter() - t0:.1f} s, {res.message}")
    assert res.n_neurons >= 100_000
    assert res.status == 0, res.message
    assert res.solver == "structured"
    assert res.fun <= norm * (1 + 1e-9)
    assert res.gap <= 1e-7 * res.fun
    assert res.residual <= 1e-9


def test_crossover_finishes_a_stalled_non_degenerate_run():
    """Random labels on {±1}^9 (512 points, ridge ∪ 5 random directions): with fixed
    regularisation the interior point iterate stalls near 1e-5; the crossover's primal simplex
    reaches the vertex that HiGHS finds, with a dual that certifies it."""
    X = cube(9)
    dic = union_dictionary(ridge_dictionary(9), random_dictionary(9, 5, seed=0))
    y = np.random.default_rng(0).normal(size=X.shape[0])
    Z, kinks = _projections(dic, X)
    st_ = ipm.build_structure(Z, kinks)
    ops = ipm.Operators(st_)
    sizes = np.array([t.size for t in kinks if t.size])
    direction_of = np.repeat(np.array([i for i, t in enumerate(kinks) if t.size]), sizes)
    E = np.ones((X.shape[0], 1))
    run = ipm.interior_point(ops, E, y, adaptive=False)
    assert run.status == 0
    vertex = ipm.crossover(ops, Z, st_, direction_of, E, y, run.u, run.scores)
    assert vertex is not None
    u, alpha, lam = vertex.u, vertex.alpha, vertex.lam
    assert vertex.status == 0 and vertex.success and vertex.nit >= 0
    np.testing.assert_allclose(ops.phi(u) + E @ alpha, y, atol=1e-9)
    assert np.count_nonzero(u) <= X.shape[0] - 1
    ref = min_rnorm_interpolation(X, y, dic, solver="simplex")
    assert np.abs(u).sum() == pytest.approx(ref.fun, rel=1e-9)
    assert ipm._lower_bound(ops, E, y, lam) == pytest.approx(ref.fun, rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 40),
    d=st.integers(1, 3),
    n_dirs=st.integers(1, 4),
    explicit=st.booleans(),
    affine=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_structured_never_reports_an_optimum_highs_contradicts(
    n, d, n_dirs, explicit, affine, seed
):
    """On random small instances the structured solver either reports no optimum or HiGHS's."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.normal(size=n)
    biases = tuple(rng.normal(size=rng.integers(1, 8)) for _ in range(n_dirs)) if explicit else None
    dic = Dictionary(rng.normal(size=(n_dirs, d)), biases)
    try:
        ref = min_rnorm_interpolation(X, y, dic, affine=affine, solver="simplex")
    except ValueError:  # no unit active on the data: both paths refuse alike
        with pytest.raises(ValueError):
            min_rnorm_interpolation(X, y, dic, affine=affine, solver="structured")
        return
    res = min_rnorm_interpolation(X, y, dic, affine=affine, solver="structured")
    if res.status == 0:
        assert ref.status == 0, ref.message
        # the structured gap tolerance is 1e-7·max(1, optimum)
        assert res.fun == pytest.approx(ref.fun, rel=1e-6, abs=2e-7)
        assert res.residual <= 1e-6 * max(1.0, np.abs(y).max())
    else:
        assert res.net is None and np.isnan(res.fun)
