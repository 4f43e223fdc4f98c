"""Truth table + ABC (issue 16 item 7): exact quantised table, cec, errors by simulation."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from occam.circuits.encoding import quantize
from occam.htmc import Frontier, FrontierError, truth_table_circuit, truth_table_frontier
from occam.htmc.truth_table import constant_errors
from occam.tasks import get_task


def _expected(fn, low, high, k, b, x):
    """dec of the b-bit rounded f at the centre of x's cell, computed without any circuit."""
    d = low.size
    centres_1d = [low[i] + (np.arange(1 << k) + 0.5) * (high[i] - low[i]) / 2**k for i in range(d)]
    grid = np.stack([g.ravel() for g in np.meshgrid(*centres_1d, indexing="ij")], axis=1)
    y_all = np.asarray(fn(grid), dtype=np.float64).reshape(grid.shape[0], -1)
    lo, hi = y_all.min(axis=0), y_all.max(axis=0)
    scale = (hi - lo) / (2**b - 1)
    q = quantize(x, (low, high), k)
    xc = low + (q + 0.5) * (high - low) / 2**k
    y = np.asarray(fn(xc), dtype=np.float64).reshape(x.shape[0], -1)
    return np.rint((y - lo) / scale) * scale + lo


@pytest.mark.parametrize(("name", "k", "b"), [("sine1d", 5, 4), ("smooth2d", 3, 3)])
def test_circuit_computes_the_quantised_target(name, k, b):
    task = get_task(name)
    low = np.array(task.domain.lower)
    high = low + np.array(task.domain.width)
    c = truth_table_circuit(task.fn, task.domain, k, b, n_eval=2000, seed=1)
    assert c.verified and c.gates == c.circuit.size and c.circuit.n_inputs == k * low.size
    rng = np.random.default_rng(5)
    x = low + rng.random((3000, low.size)) * (high - low)
    np.testing.assert_allclose(c.predict(x), _expected(task.fn, low, high, k, b, x), atol=1e-12)
    # exhaustively: every one of the 2^{dk} cells, at its centre
    centres = [
        low[i] + (np.arange(2**k) + 0.5) * (high[i] - low[i]) / 2**k for i in range(low.size)
    ]
    xc = np.stack([g.ravel() for g in np.meshgrid(*centres, indexing="ij")], axis=1)
    np.testing.assert_allclose(c.predict(xc), _expected(task.fn, low, high, k, b, xc), atol=1e-12)
    # the errors are those of the simulated circuit on the stated points
    c2 = truth_table_circuit(task.fn, task.domain, k, b, x_eval=x)
    err = c2.predict(x) - task.fn(x).reshape(len(x), -1)
    assert c2.error_l2 == pytest.approx(math.sqrt((err**2).sum(axis=1).mean()), rel=1e-12)
    assert c2.error_linf == pytest.approx(np.abs(err).max(), rel=1e-12)
    assert c2.gates == c.gates and c2.n_eval == 3000


def test_error_bounds_of_the_construction():
    # sin(πx) on [-1, 1]: Lipschitz π, cell width 2/2^k, output step 2/(2^b - 1)
    task = get_task("sine1d")
    for k, b in ((4, 4), (6, 5), (7, 8)):
        c = truth_table_circuit(task.fn, task.domain, k, b, n_eval=4000)
        bound = math.pi * (1.0 / 2**k) + (c.scale[0] / 2)
        assert c.error_l2 <= c.error_linf <= bound * (1 + 1e-9)
        assert c.error_linf >= c.scale[0] / 2 * 0.5  # not a constant zero error
    fine = truth_table_circuit(task.fn, task.domain, 8, 8, n_eval=4000)
    coarse = truth_table_circuit(task.fn, task.domain, 4, 4, n_eval=4000)
    assert fine.error_l2 < coarse.error_l2 / 8 and fine.gates > coarse.gates


def test_frontier_of_truth_table_circuits(tmp_path):
    task = get_task("sine1d")
    calls = []
    fr, built = truth_table_frontier(
        task.fn,
        task.domain,
        ks=[3, 5, 7],
        bs=[3, 5, 7],
        n_eval=5000,
        progress=lambda name, i, n: calls.append((i, n)),
        meta={"task": "sine1d"},
    )
    assert len(built) == len(fr) == 9 and calls[-1] == (9, 9)
    l2, linf = constant_errors(task.fn, task.domain, n_eval=5000)
    assert fr.constant_error == l2 and l2 == pytest.approx(1 / math.sqrt(2), rel=0.02)
    assert linf == pytest.approx(1.0, rel=1e-3)
    for p, c in zip(fr.points, built, strict=True):
        assert p.error == c.error_l2 and p.gates == c.gates and p.meta["verified"] is True
        assert p.meta["task"] == "sine1d" and p.meta["input_bits"] == c.k
    front = fr.pareto()
    assert len(front) >= 3
    assert front[0].meta["input_bits"] == 7 and front[0].meta["output_bits"] == 7
    fr.write_csv(tmp_path / "frontier.csv")
    back = Frontier.read_csv(tmp_path / "frontier.csv")
    assert [(p.error, p.gates, dict(p.meta)) for p in back.points] == [
        (p.error, p.gates, dict(p.meta)) for p in fr.points
    ]
    linf_fr, _ = truth_table_frontier(task.fn, task.domain, [4], [4], norm="linf", n_eval=500)
    assert (
        linf_fr.norm == "linf" and linf_fr.points[0].error == linf_fr.points[0].meta["error_linf"]
    )


def test_multi_output_target():
    def fn(x):
        return np.stack([np.sin(np.pi * x[:, 0]), x[:, 0] ** 2], axis=1)

    c = truth_table_circuit(fn, (-1.0, 1.0), 4, 3, n_eval=1000)
    assert c.d_out == 2 and c.circuit.n_outputs == 6 and len(c.offset) == 2
    x = np.linspace(-1, 1, 301)[:, None]
    np.testing.assert_allclose(
        c.predict(x), _expected(fn, np.array([-1.0]), np.array([1.0]), 4, 3, x)
    )


@pytest.mark.parametrize(
    ("args", "what"),
    [
        ({"k": 9}, "input bits"),
        ({"k": 0}, "k must"),
        ({"b": 17}, "b must"),
        ({"b": True}, "b must"),
        ({"domain": (1.0, -1.0)}, "high > low"),
        ({"fn": lambda x: np.zeros((3, 1))}, "shape"),
        ({"fn": lambda x: np.full(len(x), np.nan)}, "non-finite"),
    ],
)
def test_bad_arguments(args, what):
    task = get_task("smooth2d")
    kw = {"fn": task.fn, "domain": task.domain, "k": 2, "b": 2, **args}
    with pytest.raises(FrontierError, match=what):
        truth_table_circuit(kw.pop("fn"), kw.pop("domain"), kw.pop("k"), kw.pop("b"))
    with pytest.raises(FrontierError, match="no \\(k, b\\)"):
        truth_table_frontier(task.fn, task.domain, ks=[9], bs=[2])


def test_grid_points_cover_every_cell_edge():
    from occam.htmc.truth_table import _eval_points

    x = _eval_points(np.array([0.0, 0.0]), np.array([1.0, 2.0]), 2, 10, 0)
    grid = x[10:]
    assert grid.shape == (64, 2)
    q = quantize(grid, ([0.0, 0.0], [1.0, 2.0]), 2)
    # every cell is hit at its lower corner and just below its upper corner, per coordinate
    assert {tuple(v) for v in q.tolist()} == set(itertools.product(range(4), range(4)))


def test_several_scripts_keep_the_smallest():
    task = get_task("smooth2d")
    scripts = ("resyn2", "compress2rs; compress2rs", "b")
    c = truth_table_circuit(task.fn, task.domain, 3, 4, script=scripts, n_eval=500)
    sizes = c.meta["abc_sizes"]
    assert list(sizes) == list(scripts)
    assert c.gates == min(sizes.values()) and sizes[c.script] == c.gates
    assert c.provenance()["abc"] == c.script
    with pytest.raises(FrontierError, match="at least one"):
        truth_table_circuit(task.fn, task.domain, 3, 4, script=[])
