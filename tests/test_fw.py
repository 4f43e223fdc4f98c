"""Frank-Wolfe over Tetrakis functions (SPEC 11; issue 19)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import nnls

from occam.errors import NotFittedError, OccamError
from occam.fw import (
    VARIANTS,
    EnumerationOracle,
    FrankWolfe,
    LocalSearchOracle,
    SatOracle,
    TruthTableOracle,
    atom_scale,
    build_level,
    corrective_weights,
    frank_wolfe,
    pulled_back_gradient,
)
from occam.fw.design import locating_size
from occam.fw.experiment import random_sum_target
from occam.fw.oracles import circuit_table
from occam.tasks.box import Box
from occam.tetrakis import TetrakisFunction, random_circuit

DOM = Box.cube(2, 0.0, 1.0)


def _scale(d: int, beta: float = 1.0, gamma: float = 3.0):
    return lambda size, K: atom_scale(size, d, K, beta=beta, gamma=gamma)


# ----------------------------------------------------------------------------- design
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), K=st.integers(0, 2), d=st.integers(1, 3))
def test_pulled_back_gradient_matches_direct_inner_product(seed: int, K: int, d: int) -> None:
    """⟨∇L, T_C(X)⟩ = Σ_v G_K(v) f_C(v) over the touched vertices only (SPEC 11)."""
    rng = np.random.default_rng(seed)
    box = Box.cube(d, -1.0, 2.0)
    X = rng.uniform(-1.0, 2.0, (50, d))
    r = rng.normal(size=50)
    c = random_circuit(d * (K + 1), 5, 1, seed=seed)
    level = build_level(X, box, K)
    G = pulled_back_gradient(level, r)
    direct = float((2.0 / 50) * r @ TetrakisFunction(c, d, K, box)(X))
    assert level.n_vertices <= 50 * (d + 1)
    assert np.isclose(G @ circuit_table(c, level), direct, rtol=1e-12, atol=1e-12)
    assert np.allclose(np.asarray(level.weights.sum(axis=1)).ravel(), 1.0)


def test_atom_scale_formula() -> None:
    """a(C, K) = min(2^{−Kβ}, size(T_C)^{−1/γ}), size(T_C) = (d+1)|C| + L(d, K)."""
    L = locating_size(2, 1)
    c = random_circuit(4, 6, 1, seed=1)
    assert TetrakisFunction(c, 2, 1).size_bound() == 3 * c.size + L
    for beta, gamma in [(1.0, 3.0), (0.1, 2.5), (3.0, 10.0)]:
        want = min(2.0**-beta, (3 * c.size + L) ** (-1.0 / gamma))
        assert atom_scale(c.size, 2, 1, beta=beta, gamma=gamma) == pytest.approx(want)


# ----------------------------------------------------------------------------- oracles
def _brute_functions(level, max_size: int) -> dict[int, int]:
    """Minimum size of every function on the touched vertices by plain enumeration of all gate
    sequences (no pruning), for the test only."""
    rows = level.rows.tolist()
    m = len(rows)
    full = (1 << m) - 1
    xs = [sum(1 << j for j, r in enumerate(rows) if (r >> k) & 1) for k in range(level.n_inputs)]
    best = {full: 0, **{x: 0 for x in xs}}

    def grow(nodes: list[int], size: int) -> None:
        if size == max_size:
            return
        new = [full ^ a for a in nodes]
        for a, b in itertools.combinations(nodes, 2):
            new += [a & b, a | b]
        for f in new:
            if f not in best or best[f] > size + 1:
                best[f] = size + 1
            grow([*nodes, f], size + 1)

    grow(list(xs), 0)
    best.pop(0, None)
    return best


def test_enumeration_is_exhaustive_against_plain_enumeration() -> None:
    rng = np.random.default_rng(0)
    level = build_level(rng.uniform(0, 1, (300, 2)), DOM, 1)
    oracle = EnumerationOracle(max_size=3)
    oracle.prepare([level], _scale(2))
    assert oracle.exact and oracle.n_atoms <= 200
    e = oracle.enums[0]
    got = {f: int(s) for f, s in zip(e.ints, e.sizes, strict=True) if f != 0}
    assert got == _brute_functions(level, 3)
    for j in range(len(e.ints)):  # every witness rebuilds to a circuit of that function and size
        c = oracle._build(0, j)
        assert c.size == e.sizes[j]
        assert np.array_equal(circuit_table(c, level), e.tables[j])


def test_enumeration_stops_early_and_says_so() -> None:
    level = build_level(np.random.default_rng(1).uniform(0, 1, (300, 2)), DOM, 1)
    oracle = EnumerationOracle(max_size=6, max_states=50)
    oracle.prepare([level], _scale(2))
    assert not oracle.exact


def test_oracles_interface_and_exactness() -> None:
    rng = np.random.default_rng(3)
    level = build_level(rng.uniform(0, 1, (400, 2)), DOM, 1)
    G = rng.normal(size=level.n_vertices)
    oracles = {
        "enumerate": EnumerationOracle(max_size=3),
        "truth-table": TruthTableOracle(),
        "local-search": LocalSearchOracle(max_size=3, steps=200, restarts=3),
        "sat": SatOracle(tops=(3, 9), time_limit=10.0),
    }
    answers = {}
    for name, o in oracles.items():
        o.prepare([level], _scale(2))
        a = o(0, G)
        answers[name] = a
        assert a.exact == (name == "enumerate")
        assert np.array_equal(circuit_table(a.atom.circuit, level), a.atom.table)
        assert a.score == pytest.approx(a.atom.scale * a.sign * float(G @ a.atom.table))
    # the exact oracle beats local search over the same class (circuits of ≤ 3 gates)
    assert answers["enumerate"].score <= answers["local-search"].score + 1e-15
    # no atom beats the unconstrained truth table bound
    a_max = _scale(2)(0, 1)
    bound = -a_max * max(-G[G < 0].sum(), G[G > 0].sum())
    assert all(a.score >= bound - 1e-12 for a in answers.values())
    # the truth table candidate reaches the sign pattern itself
    t = answers["truth-table"].atom.table
    assert np.array_equal(t, G < 0) or np.array_equal(t, G > 0)


# ----------------------------------------------------------------------------- gap validity
def _optimum(cols: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """min (1/n)‖Bλ − y‖² over λ ≥ 0, Σλ ≤ 1, independently of occam: scipy's Lawson-Hanson NNLS
    on the simplex form (a slack column for the point 0, Σλ = 1 as a row of weight M), then the
    Frank-Wolfe gap of the answer over all atoms as its certificate."""
    n, k = cols.shape
    M = 1e5 * (1.0 + np.abs(cols).max() + np.abs(y).max())
    A = np.zeros((n + 1, k + 1))
    A[:n, :k] = cols
    A[n, :] = M
    lam = nnls(A, np.concatenate([y, [M]]), maxiter=50 * k)[0][:k]
    lam /= max(1.0, lam.sum())
    r = cols @ lam - y
    grad = 2 * cols.T @ r / n
    return float(r @ r) / n, float(grad @ lam - min(0.0, grad.min()))


@pytest.mark.parametrize("instance", range(20))
def test_gap_bounds_suboptimality_with_exact_oracle(instance: int) -> None:
    """Acceptance: loss_t − loss* ≤ gap_t + 1e-9 at every step (d = 2, K = 1, ≤ 200 atoms), with
    loss* computed independently by SLSQP over all enumerated atoms (and its own gap ≤ 1e-8)."""
    rng = np.random.default_rng(100 + instance)
    X = rng.uniform(0, 1, (150, 2))
    y = rng.normal(size=150) + 2 * np.sin(3 * X[:, 0])
    level = build_level(X, DOM, 1)
    scale = _scale(2, gamma=float(rng.uniform(2.5, 6)))
    oracle = EnumerationOracle(max_size=3)
    oracle.prepare([level], scale)
    assert oracle.exact and oracle.n_atoms <= 200
    tau = float(rng.uniform(0.5, 12.0))
    e = oracle.enums[0]
    atoms = np.stack(
        [scale(int(s), 1) * level.evaluate(t) for s, t in zip(e.sizes, e.tables, strict=True)], 1
    )
    cols = tau * np.concatenate([atoms, -atoms], axis=1)
    loss_star, gap_star = _optimum(cols, y)
    assert gap_star <= 1e-8
    variant = VARIANTS[instance % len(VARIANTS)]
    res = frank_wolfe([level], y, oracle, tau=tau, variant=variant, max_iter=25)
    assert res.certified.all()
    assert np.all(res.gaps >= -1e-12)
    assert np.all(res.losses - loss_star <= res.gaps + 1e-9), variant


def test_variants_decrease_loss_and_fully_corrective_converges() -> None:
    cs = random_sum_target(2, 3, 2, 1, seed=5)
    rng = np.random.default_rng(5)
    X = rng.uniform(0, 1, (400, 2))
    y = sum(TetrakisFunction(c, 2, 1, DOM)(X) for c in cs)
    level = build_level(X, DOM, 1)
    oracle = EnumerationOracle(max_size=4)
    oracle.prepare([level], _scale(2))
    finals = {}
    for variant in VARIANTS:
        res = frank_wolfe([level], y, oracle, tau=30.0, variant=variant, max_iter=60, gap_tol=1e-12)
        assert res.losses[-1] < res.losses[0]
        if variant != "classic":  # line-searched variants never increase the loss
            assert np.all(np.diff(res.losses) <= 1e-12)
        finals[variant] = res
    fc = finals["fully-corrective"]
    assert fc.status == 0 and fc.fun < 1e-20 and fc.gap_certified


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 100_000), k=st.integers(1, 12), scale=st.floats(0.05, 20.0))
def test_corrective_weights_is_feasible_and_optimal(seed: int, k: int, scale: float) -> None:
    """The fully corrective QP: λ ≥ 0, Σλ ≤ 1, and its Frank-Wolfe gap over the vertices of the
    capped simplex (the e_j and 0) is ~0, so no feasible point is better."""
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(40, k)) * scale
    if k > 2:
        B[:, 1] = -B[:, 0]  # ± pairs as in the signed atom set
    y = rng.normal(size=40) * scale
    lam = corrective_weights(B, y, rng.uniform(0, 1 / k, k))
    assert np.all(lam >= 0) and lam.sum() <= 1 + 1e-12
    grad = 2 * B.T @ (B @ lam - y) / 40
    gap = float(grad @ lam - min(0.0, grad.min()))
    assert gap <= 1e-9 * (1 + scale**2)


# ----------------------------------------------------------------------------- estimator
def _recovery_case(m: int, s: int, seed: int):
    cs = random_sum_target(m, s, 2, 1, seed)
    rng = np.random.default_rng([seed, m, s])
    X, Xt = rng.uniform(0, 1, (2000, 2)), rng.uniform(0, 1, (10_000, 2))
    f = lambda Z: sum(TetrakisFunction(c, 2, 1, DOM)(Z) for c in cs)  # noqa: E731
    return cs, X, f(X), Xt, f(Xt)


@pytest.mark.parametrize(("m", "s", "seed"), [(1, 2, 0), (2, 3, 1), (3, 4, 2), (4, 2, 3)])
def test_recovery_of_sums_of_small_circuits(m: int, s: int, seed: int) -> None:
    """Acceptance (a few cells): relative test MSE ≤ 1e-3 and Σ|C_j| ≤ 2 × the truth's."""
    cs, X, y, Xt, yt = _recovery_case(m, s, seed)
    est = FrankWolfe(K=1, domain=DOM)
    assert est.fit(X, y) is est
    rel = float(np.mean((est.predict(Xt) - yt) ** 2) / np.var(yt))
    assert rel <= 1e-3
    assert est.total_size_ <= 2 * sum(c.size for c in cs)
    assert est.gap_certified_.all() and len(est.gaps_) == len(est.losses_)
    assert est.loss_ == pytest.approx(est.losses_[-1])


def test_sum_circuit_agrees_with_predict_within_quantisation_error() -> None:
    """Acceptance: the built circuit against predict on 10^4 points, within the stated error."""
    _, X, y, Xt, _ = _recovery_case(3, 3, 7)
    est = FrankWolfe(K=1, domain=DOM, weight_bits=10, frac_bits=5).fit(X, y)
    sc = est.to_circuit()
    rep = sc.verify(Xt, est.predict)
    assert rep["max_error_at_xq"] <= sc.weight_error + 1e-9
    assert rep["max_error_at_x"] <= sc.weight_error + sc.input_error + 1e-9
    assert sc.weight_error <= len(est.atoms_) * 2.0**-11
    assert sc.size > sum(a.size for a in est.atoms_)


def test_frontier_point_is_measured_on_the_built_circuit() -> None:
    """SPEC 2.3: the learned sum recorded as a frontier point, its error from simulating the
    circuit (equal to the circuit's own residual, within the quantisation of predict)."""
    _, X, y, Xt, yt = _recovery_case(2, 3, 3)
    est = FrankWolfe(K=1, domain=DOM, weight_bits=10, frac_bits=5).fit(X, y)
    point = est.frontier_point(Xt, yt)
    built = est.to_circuit()
    assert point.gates == built.size > 0
    assert point.error == pytest.approx(float(np.sqrt(np.mean((built(Xt) - yt) ** 2))), abs=0)
    pred_err = float(np.sqrt(np.mean((est.predict(Xt) - yt) ** 2)))
    assert abs(point.error - pred_err) <= built.weight_error + built.input_error + 1e-9
    assert point.meta["method"] == "frank-wolfe" and point.meta["n_atoms"] == len(est.atoms_)
    linf = est.frontier_point(Xt, yt, norm="linf")
    assert linf.error >= point.error
    with pytest.raises(OccamError, match="norm"):
        est.frontier_point(Xt, yt, norm="l1")


def test_estimator_errors() -> None:
    est = FrankWolfe(K=1)
    with pytest.raises(NotFittedError):
        est.predict(np.zeros((2, 2)))
    X = np.random.default_rng(0).uniform(0, 1, (20, 2))
    with pytest.raises(OccamError, match="K"):
        FrankWolfe(K=-1).fit(X, X[:, 0])
    with pytest.raises(OccamError, match="outside the domain"):
        FrankWolfe(domain=Box.cube(2, 0.0, 0.5)).fit(X, X[:, 0])
    with pytest.raises(OccamError, match="rows"):
        FrankWolfe().fit(X, X[:5, 0])
    with pytest.raises(OccamError, match="oracle"):
        FrankWolfe(oracle="nope").fit(X, X[:, 0])
    with pytest.raises(OccamError, match="variant"):
        FrankWolfe(variant="nope").fit(X, X[:, 0])
    params = FrankWolfe(K=2, tau=3.0).get_params()
    assert params["K"] == 2 and params["tau"] == 3.0


def test_fixed_radius_and_inexact_oracle_labels_gap_as_estimate() -> None:
    _, X, y, _, _ = _recovery_case(1, 2, 4)
    est = FrankWolfe(K=1, domain=DOM, tau=8.0, oracle="truth-table", max_iter=10).fit(X, y)
    assert not est.gap_certified_.any()
    assert "estimate" in est.result_.message or est.result_.status == 1
    assert est.tau_ == 8.0


# ----------------------------------------------------------------------------- experiment, CLI
def test_fw_command_runs_the_quick_experiment(tmp_path) -> None:
    import json

    from typer.testing import CliRunner

    from occam.cli import app
    from occam.cli.commands import register

    register(app)
    out = tmp_path / "fw"
    res = CliRunner().invoke(
        app, ["fw", "--quick", "--seeds", "1", "--cap", "5", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    data = json.loads((out / "results.json").read_text())
    assert {r["m"] for r in data["recovery"]} == {1, 2, 3}
    assert all(r["recovered"] == r["seeds"] == 1 for r in data["recovery"])
    for name in ("results.csv", "fw_time_vs_m.png", "fw_time_vs_s.png", "report.md"):
        assert (out / name).is_file()
    assert "Frank-Wolfe" in res.output


def test_fw_is_a_registered_experiment() -> None:
    from occam import experiments

    exp = experiments.get_experiment("fw")
    assert exp.config().ms == (1, 2, 3, 4)
