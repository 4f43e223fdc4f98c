"""Tests for the task registry and the built-in targets (issue 2 item 4)."""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pytest

from occam.tasks import (
    Box,
    Task,
    get_task,
    list_tasks,
    register_task,
    resnet_forward,
    task_parameters,
    teacher_matrices,
)
from occam.tasks import registry as registry_module

BUILTINS = ["parity", "sine1d", "smooth2d", "teacher"]


def test_list_tasks_has_the_builtins():
    assert set(BUILTINS) <= set(list_tasks())
    assert list_tasks() == sorted(list_tasks())


def test_tasks_do_not_import_torch():
    # tasks sit left of nets: importing them must not pull torch in (run in a fresh interpreter).
    import subprocess

    code = "import occam.tasks, sys; occam.tasks.get_task('teacher'); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_samples_are_consistent(name):
    task = get_task(name)
    x_tr, y_tr, x_te, y_te = task.train_test(50, 30, seed=3)
    assert x_tr.shape == (50, task.d_in) and y_tr.shape == (50, task.d_out)
    assert x_te.shape == (30, task.d_in) and y_te.shape == (30, task.d_out)
    for a in (x_tr, y_tr, x_te, y_te):
        assert a.dtype == np.float64 and np.isfinite(a).all()
    assert task.domain.contains(x_tr).all() and task.domain.contains(x_te).all()
    np.testing.assert_array_equal(task.target(x_tr), y_tr)
    # reproducible from the seed, different for another seed
    again = task.train_test(50, 30, seed=3)
    for a, b in zip((x_tr, y_tr, x_te, y_te), again, strict=True):
        np.testing.assert_array_equal(a, b)
    other = task.train_test(50, 30, seed=4)
    assert not np.array_equal(other[0], x_tr)
    assert task.description and task.name == name


def test_sine1d_values():
    task = get_task("sine1d", freq=2.0, amplitude=0.5)
    x = np.array([[0.0], [0.25], [-0.25], [1.0]])
    expected = 0.5 * np.sin(2 * np.pi * x)
    np.testing.assert_allclose(task.target(x), expected, rtol=0, atol=1e-15)
    assert task.domain == Box.cube(1)


def test_smooth2d_values():
    task = get_task("smooth2d")
    x = np.array([[0.5, 0.0], [-0.5, 0.0], [0.3, 1.0], [0.0, 0.7]])
    np.testing.assert_allclose(task.target(x)[:, 0], [1.0, -1.0, 0.0, 0.0], atol=1e-15)
    assert task.d_in == 2 and task.domain == Box.cube(2)


def test_teacher_matches_the_torch_resnet():
    import torch

    from occam.nets import ResNet

    task = get_task("teacher", d_in=3, width=5, hidden=4, depth=3, d_out=2, seed=7)
    V, W, V_out = (task.extras[k] for k in ("V", "W", "V_out"))
    net = ResNet.from_matrices(
        [torch.tensor(v) for v in V], [torch.tensor(w) for w in W], torch.tensor(V_out), d_in=3
    )
    x = task.domain.sample(200, 0)
    with torch.no_grad():
        reference = net(torch.tensor(x)).numpy()
    np.testing.assert_allclose(task.target(x), reference, rtol=1e-12, atol=1e-12)


def test_teacher_normalisation_and_seeds():
    task = get_task("teacher", seed=1)
    reference = task.domain.sample(4096, np.random.default_rng(2))
    rms = np.sqrt(np.mean(task.target(reference) ** 2))
    assert rms == pytest.approx(1.0, rel=1e-12)
    raw = get_task("teacher", seed=1, normalize=False)
    ratio = task.target(reference) / raw.target(reference)
    assert np.allclose(ratio, ratio[0])  # only V_L is rescaled
    assert not np.allclose(get_task("teacher", seed=2).target(reference), task.target(reference))
    assert get_task("teacher", depth=0).target(reference).shape == (4096, 1)


def test_teacher_matrices_shapes_and_variances():
    V, W, V_out = teacher_matrices(4, 30, 40, 2, 3, seed=0)
    assert [v.shape for v in V] == [(40, 31)] * 2 and [w.shape for w in W] == [(30, 40)] * 2
    assert V_out.shape == (3, 31)
    assert np.var(np.concatenate([v.ravel() for v in V])) == pytest.approx(2 / 31, rel=0.1)
    x = np.zeros((1, 4))
    assert resnet_forward(V, W, V_out, x).shape == (1, 3)


def _parity_reference(x: np.ndarray, subset: list[int]) -> np.ndarray:
    """(-1)^{number of -1 coordinates in S}, computed by counting."""
    minus = (x[:, subset] < 0).sum(axis=1)
    return np.where(minus % 2 == 0, 1.0, -1.0)[:, None]


def test_parity_exhaustive_on_all_vertices():
    task = get_task("parity", d=5, subset=[0, 2, 3])
    vertices = np.array(list(itertools.product([-1.0, 1.0], repeat=5)))
    np.testing.assert_array_equal(task.target(vertices), _parity_reference(vertices, [0, 2, 3]))
    assert task.default_loss == "logistic"
    assert task.params["subset"] == [0, 2, 3]


def test_parity_samples_vertices():
    task = get_task("parity", d=6, k=2, seed=5)
    x, y = task.sample(2000, 0)
    assert set(np.unique(x)) == {-1.0, 1.0}
    assert set(np.unique(y)) == {-1.0, 1.0}
    assert abs(y.mean()) < 0.1  # balanced labels
    subset = task.params["subset"]
    assert len(subset) == 2 and len(set(subset)) == 2
    np.testing.assert_array_equal(y, _parity_reference(x, subset))


def test_parity_subset_from_string_and_errors():
    assert get_task("parity", d="6", subset="4, 1").params["subset"] == [1, 4]
    with pytest.raises(ValueError, match="k must be <= d"):
        get_task("parity", d=3, k=4)
    with pytest.raises(ValueError, match="distinct indices"):
        get_task("parity", d=3, subset=[0, 3])
    with pytest.raises(ValueError, match="distinct indices"):
        get_task("parity", d=3, subset=[1, 1])
    with pytest.raises(TypeError, match="subset"):
        get_task("parity", d=3, subset="a,b")


def test_get_task_errors():
    with pytest.raises(ValueError, match=r"unknown task 'nope'.*sine1d"):
        get_task("nope")
    with pytest.raises(TypeError, match=r"unknown parameter.*'frequency'.*accepted"):
        get_task("sine1d", frequency=2)
    with pytest.raises(ValueError, match="freq must be > 0"):
        get_task("sine1d", freq=-1)
    with pytest.raises(TypeError, match="width must be an int"):
        get_task("teacher", width=2.5)
    with pytest.raises(TypeError, match="width must be an int"):
        get_task("teacher", width="wide")
    with pytest.raises(ValueError, match="width must be >= d_in"):
        get_task("teacher", d_in=4, width=2)
    with pytest.raises(ValueError, match="must be finite"):
        get_task("sine1d", amplitude=float("nan"))
    assert get_task("teacher", width="6").params["width"] == 6
    assert task_parameters("sine1d") == {"freq": 1.0, "amplitude": 1.0}


def test_register_task_and_duplicates():
    name = "test_constant_task"

    @register_task(name)
    def constant(value: float = 2.0) -> Task:
        return Task(
            name=name,
            domain=Box.cube(1),
            d_in=1,
            d_out=1,
            fn=lambda x: np.full((x.shape[0], 1), value),
        )

    try:
        assert name in list_tasks()
        _x, y = get_task(name, value=3.0).sample(4, 0)
        np.testing.assert_array_equal(y, np.full((4, 1), 3.0))
        with pytest.raises(ValueError, match="already registered"):
            register_task(name)(constant)
    finally:
        registry_module._REGISTRY.pop(name, None)

    with pytest.raises(TypeError, match="needs a default"):
        register_task("test_no_default")(lambda value: None)


def test_task_validation():
    with pytest.raises(ValueError, match="dimension 2, d_in is 1"):
        Task(name="bad", domain=Box.cube(2), d_in=1, d_out=1, fn=lambda x: x)
    with pytest.raises(ValueError, match="exactly one"):
        Task(name="bad", domain=Box.cube(1), d_in=1, d_out=1)
    task = get_task("smooth2d")
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        task.target(np.zeros((3, 3)))
    with pytest.raises(TypeError, match="n_train"):
        task.train_test(2.5, 3)
    with pytest.raises(ValueError, match="n_train"):
        task.train_test(0, 3)


def test_data_task_sampling_is_disjoint_and_bounded():
    x = np.arange(20.0).reshape(10, 2)
    y = np.arange(10.0)[:, None]
    task = Task(name="d", domain=Box.from_bounds([0, 1], [18, 19]), d_in=2, d_out=1, data=(x, y))
    assert task.target is None and task.is_data and task.n_data == 10
    x_tr, y_tr, _x_te, y_te = task.train_test(6, 4, seed=1)
    rows = np.concatenate([y_tr[:, 0], y_te[:, 0]])
    assert sorted(rows.tolist()) == list(range(10))  # every row used exactly once
    np.testing.assert_array_equal(x_tr[:, 0], 2 * y_tr[:, 0])
    with pytest.raises(ValueError, match="exceeds the 10 rows"):
        task.train_test(8, 3)
    with pytest.raises(ValueError, match="n=11 rows but the data has 10"):
        task.sample(11)
    _xs, ys = task.sample(10, 0)
    assert sorted(ys[:, 0].tolist()) == list(range(10))
