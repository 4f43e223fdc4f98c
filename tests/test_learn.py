"""occam.learn (issue 18): circuit conversions exhaustively, the cover expansion as a property, the
learner's choice on validation, the written file as the result, the CLI and the IWLS runner."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from occam.circuits import Builder
from occam.circuits.io import read, read_pla, write_pla
from occam.errors import NotFittedError, OccamError
from occam.learn import CircuitLearner, Data, LearnError, check_file
from occam.learn.circuitize import Feature, FeatureSet, aig_ands, at_least, cover_node, tree_node
from occam.learn.routes import Candidate, WordRoute, _cubes_predict, expand_cover


def _all_inputs(n: int) -> np.ndarray:
    return np.array(list(itertools.product([False, True], repeat=n)))


def _split(x, y, n_train):
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def _adder_msb(n_rows: int, w: int, seed: int):
    """Carry out of a w-bit adder, inputs A (lsb first) then B."""
    rng = np.random.default_rng(seed)
    x = rng.random((n_rows, 2 * w)) < 0.5
    a = (x[:, :w] * (1 << np.arange(w))).sum(1)
    b = (x[:, w:] * (1 << np.arange(w))).sum(1)
    return x, ((a + b) >> w) & 1 == 1


def _sop(n_rows: int, seed: int):
    """y = (x0 & x1) | (x2 & ~x3 & x4) on 12 inputs."""
    rng = np.random.default_rng(seed)
    x = rng.random((n_rows, 12)) < 0.5
    return x, (x[:, 0] & x[:, 1]) | (x[:, 2] & ~x[:, 3] & x[:, 4])


# ------------------------------------------------------------------------------ conversions
def test_tree_node_matches_sklearn_exhaustively():
    from sklearn.tree import DecisionTreeClassifier

    x = _all_inputs(6)
    rng = np.random.default_rng(0)
    y = rng.random(len(x)) < 0.4
    clf = DecisionTreeClassifier(max_depth=5, random_state=0).fit(x, y)
    b = Builder()
    xs = b.inputs(6)
    b.output(tree_node(b, clf, lambda i: xs[i]))
    np.testing.assert_array_equal(b.build().simulate(x)[:, 0], clf.predict(x))


@pytest.mark.parametrize("n", [1, 4, 7])
def test_at_least_exhaustively(n):
    x = _all_inputs(n)
    for k in range(n + 2):
        b = Builder()
        xs = b.inputs(n)
        b.output(at_least(b, xs, k))
        np.testing.assert_array_equal(b.build().simulate(x)[:, 0], x.sum(1) >= k)


def test_feature_set_circuit_equals_transform():
    fs = FeatureSet(5)
    fs.add(Feature("and", (0, True), (3, False)))
    fs.add(Feature("xor", (5, False), (1, True)))
    fs.add(Feature("and", (6, True), (2, False)))
    x = _all_inputs(5)
    cols = fs.transform(x)
    b = Builder()
    xs = b.inputs(5)
    node = fs.node_builder(b, xs)
    for i in range(fs.n_features):
        b.output(node(i))
    np.testing.assert_array_equal(b.build().simulate(x), cols)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 8), rows=st.integers(1, 40))
def test_expand_cover_covers_on_and_avoids_off(seed, n, rows):
    rng = np.random.default_rng(seed)
    x = np.unique(rng.random((rows, n)) < 0.5, axis=0)
    y = rng.random(len(x)) < 0.5
    cubes = expand_cover(x[y], x[~y], rng.permutation(n))
    pred = _cubes_predict(x, cubes, negate=False)
    np.testing.assert_array_equal(pred, y)  # distinct rows: exact on the care set
    b = Builder()
    xs = b.inputs(n)
    b.output(cover_node(b, xs, [(m, v) for m, v, _ in cubes], negate=True))
    full = _all_inputs(n)
    np.testing.assert_array_equal(
        b.build().simulate(full)[:, 0], _cubes_predict(full, cubes, negate=True)
    )


# ------------------------------------------------------------------------------ routes, learner
def test_word_route_finds_adder_carry():
    x, y = _adder_msb(600, 6, seed=1)
    cand = WordRoute().fit(Data(*_split(x, y, 400)), 5000, 0, True)
    assert cand is not None and cand.valid_accuracy == 1.0 and cand.train_accuracy == 1.0
    # exact: equal to the carry on every input
    full = _all_inputs(12)
    a = (full[:, :6] * (1 << np.arange(6))).sum(1)
    bb = (full[:, 6:] * (1 << np.arange(6))).sum(1)
    np.testing.assert_array_equal(cand.circuit.simulate(full)[:, 0], ((a + bb) >> 6) & 1 == 1)


def test_learner_chooses_on_validation_and_file_is_the_result(tmp_path):
    x, y = _sop(900, seed=2)
    xt, yt, xv, yv = _split(x, y, 600)
    lr = CircuitLearner(["tree", "cover", "fringe"], quick=True).fit(xt, yt, xv, yv)
    accs = {k: v["valid_accuracy"] for k, v in lr.results_.items()}
    assert lr.valid_accuracy_ >= max(accs.values()) - lr.tie_margin_
    tied = [k for k, a in accs.items() if a >= max(accs.values()) - lr.tie_margin_]
    assert lr.results_[lr.route_]["ands"] == min(lr.results_[k]["ands"] for k in tied)
    assert lr.valid_accuracy_ == accs[lr.route_]
    check = lr.write(tmp_path / "m.aig", xv, yv)
    assert check.accuracy == pytest.approx(lr.score(xv, yv))
    assert check.header_ands == check.abc_ands == aig_ands(lr.circuit_) <= 5000
    assert read(tmp_path / "m.aig").simulate(xv)[:, 0].tolist() == lr.predict(xv).tolist()
    assert lr.score(xv, yv) > 0.95


@pytest.mark.parametrize("budget", [0, 3, 12])
def test_every_route_respects_a_small_budget(budget):
    x, y = _sop(500, seed=3)
    xt, yt, xv, yv = _split(x, y, 350)
    lr = CircuitLearner(["tree", "forest", "cover", "fringe", "word"], max_nodes=budget, quick=True)
    try:
        lr.fit(xt, yt, xv, yv)
    except LearnError:
        return  # no route fits: an error, never an over-budget circuit
    for r in lr.results_.values():
        assert "error" in r or r["ands"] <= budget
    assert aig_ands(lr.circuit_) <= budget


def test_custom_route_plugs_in_and_errors():
    class Constant:
        name = "constant"

        def fit(self, data, max_nodes, seed, quick):
            b = Builder()
            b.inputs(data.n_inputs)
            b.output(b.const(bool(data.y_train.mean() > 0.5)))
            c = b.build()
            acc = float(np.mean(data.y_valid == bool(data.y_train.mean() > 0.5)))
            return Candidate(self.name, c, 0.0, acc, 0)

    x, y = _sop(300, seed=4)
    lr = CircuitLearner([Constant()]).fit(*_split(x, y, 200))
    assert lr.route_ == "constant" and lr.results_["constant"]["ands"] == 0
    with pytest.raises(NotFittedError):
        CircuitLearner().predict(x)
    with pytest.raises(LearnError, match="unknown route 'nope'"):
        CircuitLearner(["nope"]).fit(*_split(x, y, 200))
    with pytest.raises(LearnError, match="inputs"):
        CircuitLearner(["tree"]).fit(x, y, x[:, :3], y)
    with pytest.raises(OccamError, match="Boolean"):
        CircuitLearner(["tree"]).fit(x * 2, y, x, y)


# ------------------------------------------------------------------------------ CLI and runner
def _bench(root, specs):
    """Write a tiny benchmark folder: name -> (x, y) split 2:1 into train/validation."""
    for name, (x, y) in specs.items():
        n = len(x) * 2 // 3
        write_pla(root / "train" / f"{name}.train.pla.gz", x[:n], y[:n])
        write_pla(root / "validation" / f"{name}.valid.pla", x[n:], y[n:])


def test_cli_learn_writes_checked_file(tmp_path):
    import typer

    from occam.cli import learn_cmds

    app = typer.Typer()
    learn_cmds.register(app)
    x, y = _adder_msb(450, 4, seed=5)
    write_pla(tmp_path / "t.pla", x[:300], y[:300])
    write_pla(tmp_path / "v.pla", x[300:], y[300:])
    out = tmp_path / "m.aig"
    res = CliRunner().invoke(
        app,
        [
            "learn",
            str(tmp_path / "t.pla"),
            "--valid",
            str(tmp_path / "v.pla"),
            "--out",
            str(out),
            "--max-nodes",
            "200",
            "--quick",
            "--routes",
            "tree,word",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "simulated from the file" in " ".join(res.output.split())
    xv, yv = read_pla(tmp_path / "v.pla")
    check = check_file(out, xv, yv[:, 0])
    assert check.header_ands <= 200 and check.accuracy == 1.0
    bad = tmp_path / "bad.pla"
    bad.write_text(".i 2\n.o 1\n0z 1\n")
    res = CliRunner().invoke(app, ["learn", str(bad), "--valid", str(bad), "--out", str(out)])
    assert res.exit_code == 2 and "bad.pla:3: unknown character 'z'" in res.output


def _record(out, name):
    (path,) = (out / "cells").glob(f"*/{name}.json")
    return json.loads(path.read_text()), path.parent


def test_iwls_sweep_resumes_and_summarizes(tmp_path):
    from occam.experiments.iwls import run_iwls

    _bench(tmp_path / "b", {"ex01": _adder_msb(300, 4, 6), "ex72": _sop(300, 7)})
    kw = {"quick": True, "backend": "serial", "routes": ("tree", "word"), "progress": False}
    summary = run_iwls(tmp_path / "b", tmp_path / "r", **kw)
    rec, cell = _record(tmp_path / "r", "ex01")
    assert rec["family"] == "adders" and rec["ands"] <= 5000 and rec["valid_accuracy_file"] == 1.0
    assert set(rec["routes"]) == {"tree", "word"}
    assert {"levels", "gates", "abc_ands", "seconds", "route"} <= set(rec)
    xv, yv = read_pla(tmp_path / "b" / "validation" / "ex01.valid.pla")
    assert check_file(cell / "ex01.aig", xv, yv[:, 0]).accuracy == rec["valid_accuracy_file"]
    assert summary["functions"] == 2 and summary["rows"][-1]["family"] == "all"
    assert (tmp_path / "r" / "families.png").stat().st_size > 0
    assert "ex72" in (tmp_path / "r" / "functions.csv").read_text()
    stamp = (cell / "ex01.aig").stat().st_mtime_ns
    run_iwls(tmp_path / "b", tmp_path / "r", **kw)  # finished cells are skipped
    assert (cell / "ex01.aig").stat().st_mtime_ns == stamp


def test_iwls_cli_and_errors(tmp_path):
    import typer

    from occam.cli import learn_cmds

    app = typer.Typer()
    learn_cmds.register(app)
    _bench(tmp_path / "b", {"ex40": _sop(240, 13)})
    args = ["iwls", str(tmp_path / "b"), "--out", str(tmp_path / "r"), "--quick"]
    res = CliRunner().invoke(app, [*args, "--backend", "serial", "--routes", "tree"])
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert "square roots" in flat and "1 of 1 functions" in flat
    res = CliRunner().invoke(app, [*args, "--only", "ex99"])
    assert res.exit_code == 2 and "ex99" in res.output
    res = CliRunner().invoke(app, ["iwls", str(tmp_path), "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and "train/ and validation/" in res.output


def test_iwls_sweep_on_local_ray(tmp_path):
    import ray

    from occam.experiments.iwls import run_iwls

    specs = {"ex00": _adder_msb(240, 3, 8), "ex31": _sop(240, 9)}
    _bench(tmp_path / "b", specs)
    ray.init(num_cpus=2, include_dashboard=False)
    try:
        summary = run_iwls(
            tmp_path / "b",
            tmp_path / "r",
            quick=True,
            backend="ray",
            routes=("tree",),
            progress=False,
        )
    finally:
        ray.shutdown()
    assert summary["functions"] == 2
    for name in specs:
        rec, cell = _record(tmp_path / "r", name)
        xv, yv = read_pla(tmp_path / "b" / "validation" / f"{name}.valid.pla")
        check = check_file(cell / f"{name}.aig", xv, yv[:, 0])
        assert check.accuracy == pytest.approx(rec["valid_accuracy_file"])
        assert check.header_ands == rec["ands"] <= 5000


@pytest.mark.parametrize("label", [False, True])
def test_constant_labels_give_the_constant_circuit(label):
    rng = np.random.default_rng(11)
    x = rng.random((150, 6)) < 0.5
    y = np.full(150, label)
    lr = CircuitLearner(quick=True).fit(x[:100], y[:100], x[100:], y[100:])
    for name, r in lr.results_.items():
        assert r["valid_accuracy"] == 1.0, name
    np.testing.assert_array_equal(lr.predict(_all_inputs(6)), label)


def test_forest_circuit_is_the_hard_majority_vote():
    from occam.learn.routes import ForestRoute

    x = _all_inputs(7)
    rng = np.random.default_rng(12)
    y = (x[:, 0] & x[:, 1]) ^ (rng.random(len(x)) < 0.1)
    cand = ForestRoute().fit(Data(x, y, x, y), 5000, 0, True)
    assert cand is not None
    from sklearn.ensemble import RandomForestClassifier

    n_trees, depth = map(int, (s.split("=")[1] for s in cand.detail.split()))
    rf = RandomForestClassifier(
        n_estimators=n_trees, max_depth=depth, criterion="entropy", random_state=0, n_jobs=1
    ).fit(x, y)
    votes = np.stack([t.predict(x) for t in rf.estimators_]).sum(0)
    np.testing.assert_array_equal(cand.circuit.simulate(x)[:, 0], votes >= (n_trees + 1) // 2)


def test_tie_margin_is_one_binomial_standard_error():
    from occam.learn.routes import tie_margin

    assert tie_margin(0.9, 6400, 1.0) == pytest.approx(np.sqrt(0.9 * 0.1 / 6400))
    assert tie_margin(1.0, 100, 1.0) == pytest.approx(0.01)  # floor 1/n
    assert tie_margin(0.8, 100, 0.0) == 0.0
    assert tie_margin(0.7, 400, 2.0) > tie_margin(0.7, 1600, 2.0)


def test_fw_route_circuit_is_its_quantised_weighted_vote():
    from occam.learn.routes import FrankWolfeRoute, _quantize, _weighted_vote

    for lam, n in ((np.array([0.5, 0.3, 0.2]), 3), (np.array([0.1, 0.6, 0.05, 0.25]), 4)):
        w, thr = _quantize(lam, 15)
        b = Builder()
        xs = b.inputs(n)
        b.output(_weighted_vote(b, xs, w, thr))
        x = _all_inputs(n)
        np.testing.assert_array_equal(b.build().simulate(x)[:, 0], x.astype(int) @ w >= thr)
    x, y = _sop(900, seed=14)
    cand = FrankWolfeRoute().fit(Data(*_split(x, y, 600)), 5000, 0, True)
    assert cand is not None and cand.valid_accuracy > 0.9 and cand.ands <= 5000


def test_budget_fallback_keeps_the_most_accurate_small_option():
    """When the budget rejects every preferred option, the route falls back to the most
    accurate (on validation) of its smallest options that fit, not to a degenerate constant."""
    from occam.circuits import Builder
    from occam.learn.routes import Data, _first_fitting

    rng = np.random.default_rng(0)
    x = rng.random((400, 6)) < 0.5
    y = x[:, 0] & x[:, 1]
    data = Data(x[:200], y[:200], x[200:], y[200:])

    def make_and(k):  # AND of the first k inputs (k - 1 ANDs)
        def make():
            b = Builder()
            xs = b.inputs(6)
            b.output(b.AND_many(xs[:k]) if k else b.const(True))
            return b.build()

        return make

    exact_acc = float(np.mean(data.y_valid == (data.x_valid[:, 0] & data.x_valid[:, 1])))
    options = [
        (1.0, 100, "too big", make_and(6)),  # 5 ANDs, rejected by a budget of 2
        (0.9, 50, "too big too", make_and(5)),
        (0.3, 0, "constant true", make_and(0)),
        (exact_acc, 1, "x0 & x1", make_and(2)),
    ]
    cand = _first_fitting("t", data, options, max_nodes=2, max_tries=2)
    assert cand is not None and cand.detail == "x0 & x1" and cand.ands == 1
    assert cand.valid_accuracy == pytest.approx(exact_acc)
    assert _first_fitting("t", data, options[:2], max_nodes=2, max_tries=2) is None
