"""The R-norm LP never reports an unverified optimum (issue 17, items 1 and 14, and the guard on
the certificate tolerance): invariances, certificate checks on every solver path, clear errors."""

from __future__ import annotations

import time

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st

from occam.errors import OccamError
from occam.rnorm import lp as lp_module
from occam.rnorm import min_rnorm_interpolation, random_dictionary, union_dictionary
from occam.rnorm.dictionary import Dictionary, ridge_dictionary
from occam.rnorm.ipm import StructuredSolution
from occam.rnorm.lp import CERTIFICATE_RTOL, _merged_lp, _solve_highs, verify


def _data(n: int = 12, d: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, (n, d)), rng.normal(size=n)


# ------------------------------------------------------------------ item 1: invariances
def test_translation_and_scaling_of_x_and_y_follow_the_invariances() -> None:
    """R(X + m, y) = R(X, y), R(cX, y) = R(X, y)/c, R(X, k y + b) = k R(X, y) (lp docstring)."""
    X, y = _data()
    base = min_rnorm_interpolation(X, y).require_optimal().fun
    for shift in (1e6, -3e8):
        res = min_rnorm_interpolation(X + shift, y).require_optimal()
        assert res.fun == pytest.approx(base, rel=1e-6)
    for c in (1e-8, 1e12, 1e30, 1e300):
        res = min_rnorm_interpolation(X * c, y).require_optimal()
        assert res.fun * c == pytest.approx(base, rel=1e-9)
        assert res.gap <= CERTIFICATE_RTOL * max(1.0, res.fun) * 10
    res = min_rnorm_interpolation(X, 1e9 * y + 5e12).require_optimal()
    assert res.fun / 1e9 == pytest.approx(base, rel=1e-9)


def test_far_shift_is_the_shifted_problem_not_a_merged_one() -> None:
    """X + 1e10 used to merge distinct kinks (value 9595 against 2.02); the shifted data differ
    from X only by the rounding of X + 1e10 (ulp 2e-6), so the value agrees to about that."""
    X, y = _data(n=20, seed=3)
    base = min_rnorm_interpolation(X, y).require_optimal()
    far = min_rnorm_interpolation(X + 1e10, y).require_optimal()
    assert far.fun == pytest.approx(base.fun, rel=1e-4)
    assert far.n_neurons == base.n_neurons  # no kink merged


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    log_scale=st.floats(-6, 12),
    shift=st.floats(-1e4, 1e4),
)
def test_invariances_hold_for_random_data(seed: int, log_scale: float, shift: float) -> None:
    X, y = _data(n=8, d=2, seed=seed)
    c = 10.0**log_scale
    base = min_rnorm_interpolation(X, y, "sign").require_optimal()
    moved = min_rnorm_interpolation(c * X + shift, y, "sign").require_optimal()
    assert moved.fun * c == pytest.approx(base.fun, rel=1e-6)


def test_explicit_biases_move_with_the_data() -> None:
    """A dictionary with explicit biases is normalised too: the same units, the same value."""
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0.0, 0.0, 1.0, 0.0])
    dic = Dictionary(np.array([[1.0], [-1.0]]), (np.array([-1.0, -2.0]), np.array([2.5, 1.5])))
    base = min_rnorm_interpolation(X, y, dic).require_optimal()
    shifted_dic = Dictionary(
        np.array([[1.0], [-1.0]]),
        (np.array([-1.0, -2.0]) - 1e6, np.array([2.5, 1.5]) + 1e6),
    )
    moved = min_rnorm_interpolation(X + 1e6, y, shifted_dic).require_optimal()
    assert moved.fun == pytest.approx(base.fun, rel=1e-8)
    np.testing.assert_allclose(moved.net(X + 1e6), y, atol=1e-6)


# ------------------------------------------------------------------ the certificate guard
def _solved_lp():
    X, y = _data(n=10, d=2, seed=1)
    dic = union_dictionary(ridge_dictionary(2), random_dictionary(2, 3, seed=0))
    lp = _merged_lp(dic, X, y, 0.0, False)
    sol = _solve_highs(lp, "dense", "simplex", None, time.perf_counter())
    assert sol.status == 0
    return lp, sol


def _dense_phi(lp) -> np.ndarray:
    return np.hstack(
        [np.maximum(lp.Z[:, i : i + 1] - t[None, :], 0.0) for i, t in enumerate(lp.kinks)]
    )


def test_verify_accepts_the_optimum_and_refuses_a_known_primal_gap() -> None:
    """With the optimal dual, a feasible u moved along the null space of [Φ, 1] has a gap known
    exactly (Σ|u′| − Σ|u*|): refused above CERTIFICATE_RTOL, accepted below it."""
    lp, sol = _solved_lp()
    verdict = verify(lp, sol.u, sol.c, None, sol.lam, 1e-6)
    assert verdict.refusal is None and verdict.residual <= 1e-6
    lower = verdict.lower_bound
    fun = float(np.abs(sol.u).sum())
    A = np.hstack([_dense_phi(lp), np.ones((lp.X.shape[0], 1))])
    v = sla.null_space(A)[:, 0]

    def excess(t: float) -> float:  # convex in t, 0 at t = 0
        return float(np.abs(sol.u + t * v[:-1]).sum()) - fun

    for gap_wanted, refused in ((1e-3 * fun, True), (1e-2 * CERTIFICATE_RTOL * fun, False)):
        hi = 1.0
        while excess(hi) < gap_wanted:
            hi *= 2
        lo = 0.0
        for _ in range(200):  # bisection for excess(t) = gap_wanted
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if excess(mid) < gap_wanted else (lo, mid)
        t = hi
        u2, c2 = sol.u + t * v[:-1], sol.c + t * v[-1]
        gap = np.abs(u2).sum() - lower
        assert gap == pytest.approx(gap_wanted, rel=1e-3, abs=1e-12)
        refusal = verify(lp, u2, c2, None, sol.lam, 1e-6).refusal
        assert (refusal is not None) == refused, (gap, refusal)
        if refused:
            assert "certificate gap" in refusal


def test_verify_refuses_a_made_up_dual_with_a_known_gap() -> None:
    """A made-up λ gives the bound |yᵀλ′| / max|Φᵀλ′| (λ′ = λ − mean λ), computed here from the
    dense Φ independently of the solver code; its gap to the optimum is refused."""
    lp, sol = _solved_lp()
    fun = float(np.abs(sol.u).sum())
    lam = sol.lam + 0.3 * np.random.default_rng(5).normal(size=sol.lam.size)
    lc = lam - lam.mean()
    bound = abs(lp.y @ lc) / np.abs(_dense_phi(lp).T @ lc).max()
    assert fun - bound > 1e3 * CERTIFICATE_RTOL * fun  # a real gap
    verdict = verify(lp, sol.u, sol.c, None, lam, 1e-6)
    assert verdict.lower_bound == pytest.approx(bound, rel=1e-10)
    assert verdict.refusal is not None and "certificate gap" in verdict.refusal


def test_every_solver_path_refuses_an_unverified_dual(monkeypatch: pytest.MonkeyPatch) -> None:
    """The public function reports status 5 (no optimum) when a solver returns a bad dual."""
    X, y = _data(n=10, d=2, seed=2)
    good = min_rnorm_interpolation(X, y, solver="simplex").require_optimal()
    real_highs = lp_module._solve_highs

    def bad_highs(*args, **kwargs):
        out = real_highs(*args, **kwargs)
        out.lam = out.lam + 0.3 * np.random.default_rng(0).normal(size=out.lam.size)
        return out

    monkeypatch.setattr(lp_module, "_solve_highs", bad_highs)
    for solver in ("simplex", "ipm"):
        res = min_rnorm_interpolation(X, y, solver=solver)
        assert res.status == 5 and not res.success, res.message
        assert res.net is None and res.x is None and np.isnan(res.fun)
        assert "certificate gap" in res.message
        with pytest.raises(RuntimeError, match="status 5"):
            res.require_optimal()

    def bad_structured(Z, kinks, E, y, **kwargs):
        u = np.zeros(sum(t.size for t in kinks))
        return StructuredSolution(
            x=u, alpha=np.array([0.0]), lam=np.ones(y.size), status=0, message="made up",
            nit=1, n_kept=0, times={}, fun=0.0, gap=0.0,
        )  # fmt: skip

    monkeypatch.setattr(lp_module, "solve_structured", bad_structured)
    res = min_rnorm_interpolation(X, y, solver="structured")
    assert res.status == 5 and "residual" in res.message
    assert good.status == 0


# ------------------------------------------------------------------ item 14: clear errors
def test_time_limit_must_be_positive_seconds_or_none() -> None:
    X, y = _data()
    for bad in (-1, 0, float("nan"), "10"):
        with pytest.raises(OccamError, match="time_limit"):
            min_rnorm_interpolation(X, y, time_limit=bad)  # type: ignore[arg-type]
    assert min_rnorm_interpolation(X, y, time_limit=float("inf")).status == 0


def test_complex_data_is_refused_not_truncated() -> None:
    X, y = _data()
    with pytest.raises(OccamError, match="X: expected real values"):
        min_rnorm_interpolation(X + 1j, y)
    with pytest.raises(ValueError, match="y: expected real values"):
        min_rnorm_interpolation(X, y.astype(complex))


def test_conflicting_duplicates_are_named() -> None:
    X, y = _data()
    Xd = np.vstack([X, X[3:4]])
    yd = np.concatenate([y, [y[3] + 1.0]])
    res = min_rnorm_interpolation(Xd, yd)
    assert res.status == 2 and res.net is None
    assert "rows 3 and 12" in res.message and "same point" in res.message
    # constant X used to give "the dictionary is empty"
    res = min_rnorm_interpolation(np.zeros((2, 2)), np.array([0.0, 1.0]))
    assert res.status == 2 and "rows 0 and 1" in res.message
    # duplicates within 2·eps are consistent
    ok = min_rnorm_interpolation(Xd, np.concatenate([y, [y[3] + 0.1]]), eps=0.06)
    assert ok.status == 0


def test_a_highs_model_error_is_numerical_trouble_not_infeasibility() -> None:
    from types import SimpleNamespace

    from occam.rnorm.lp import _translate

    status, message = _translate(SimpleNamespace(status=2, message="(HiGHS Status 2: Model error)"))
    assert status == 4 and "Model error" in message
    status, _ = _translate(SimpleNamespace(status=2, message="The problem is infeasible."))
    assert status == 2
