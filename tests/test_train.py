"""Tests for Occam training (SPEC 5): objective, optimisers, determinism, sweeps, errors."""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np
import pytest
import torch

from occam import complexity
from occam.nets import ResNet
from occam.tasks import get_task
from occam.train import (
    NotFittedError,
    ResNetRegressor,
    TrainConfig,
    TrainingDivergedError,
    error,
    sweep,
    train,
)
from occam.train.config import learning_rate
from occam.train.optim import SGD, Adam

torch.set_num_threads(1)

TINY = {"width": 4, "hidden": 4, "depth": 2, "log_every": 5}


@pytest.fixture(scope="module")
def data():
    task = get_task("smooth2d")
    return task.train_test(64, 32, seed=0)


def params_equal(a: ResNet, b: ResNet) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize(
    ("penalty", "optimizer"),
    [("ideal", "adam"), ("empirical", "sgd"), ("path", "adam"), ("ideal", "prox")],
)
def test_same_seed_gives_bit_identical_parameters(data, penalty, optimizer):
    x, y, xt, yt = data
    cfg = TrainConfig(
        **TINY,
        penalty=penalty,
        optimizer=optimizer,
        lam=1e-2,
        lr=1e-2,
        steps=15,
        batch_size=16,
        seed=3,
    )
    a = train(x, y, cfg, x_test=xt, y_test=yt, progress=False)
    b = train(x, y, cfg, x_test=xt, y_test=yt, progress=False)
    assert params_equal(a.model, b.model)
    assert a.history == b.history
    c = train(x, y, cfg.model_copy(update={"seed": 4}), progress=False)
    assert not params_equal(a.model, c.model)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_hand_written_optimizers_match_torch_optim_bit_for_bit(dtype):
    gen = torch.Generator().manual_seed(0)
    shapes = [(3, 4), (5,), (2, 2)]
    mine = [torch.randn(s, generator=gen, dtype=dtype) for s in shapes]
    theirs = [p.clone().requires_grad_(True) for p in mine]
    adam, sgd = Adam(mine), SGD([p.clone() for p in mine])
    reference = torch.optim.Adam(theirs, lr=0.1)
    ref_sgd_params = [p.clone().requires_grad_(True) for p in mine]
    ref_sgd = torch.optim.SGD(ref_sgd_params, lr=0.1)
    for step in range(6):
        lr = 0.1 / (step + 1)
        for group in (*reference.param_groups, *ref_sgd.param_groups):
            group["lr"] = lr
        for a, b, c, d in zip(mine, theirs, sgd.params, ref_sgd_params, strict=True):
            g = torch.randn(a.shape, generator=gen, dtype=dtype)
            a.grad, b.grad, c.grad, d.grad = g.clone(), g.clone(), g.clone(), g.clone()
        adam.step(lr)
        reference.step()
        sgd.step(lr)
        ref_sgd.step()
        for a, b in zip(mine, theirs, strict=True):
            assert torch.equal(a, b.detach())
        for c, d in zip(sgd.params, ref_sgd_params, strict=True):
            assert torch.equal(c, d.detach())
    restored = Adam([p.clone() for p in mine])
    restored.load_state_dict(adam.state_dict())
    assert restored.t == 6 and all(
        torch.equal(a, b) for a, b in zip(restored.exp_avg_sq, adam.exp_avg_sq, strict=True)
    )
    with pytest.raises(ValueError, match="expected 'adam'"):
        restored.load_state_dict(sgd.state_dict())


def test_history_rows(data):
    x, y, xt, yt = data
    cfg = TrainConfig(**TINY, steps=12, batch_size=16, lam=1e-3)
    result = train(x, y, cfg, x_test=xt, y_test=yt, progress=False)
    assert [row["step"] for row in result.history] == [0, 5, 10, 12]
    keys = {"step", "lr", "loss", "penalty", "objective", "train_error", "test_error", "nonzeros"}
    for row in result.history:
        assert keys <= set(row)
        assert row["objective"] == pytest.approx(row["loss"] + 1e-3 * row["penalty"])
        assert row["train_error"] == pytest.approx(math.sqrt(row["loss"]))
    final = result.final
    with torch.no_grad():
        assert final["penalty"] == pytest.approx(float(complexity.ideal(result.model, x)))
    assert final["test_error"] == pytest.approx(error(result.model, xt, yt))
    assert final["nonzeros"] == result.model.n_parameters
    assert result.model.V_out.dtype == torch.float64
    assert result.resumed_from is None
    no_test = train(x, y, cfg, progress=False)
    assert no_test.final["test_error"] is None


def test_penalty_none_is_plain_adam(data):
    x, y, _, _ = data
    cfg = TrainConfig(**TINY, penalty="none", lam=0.0, lr=1e-2, steps=10, batch_size=None, seed=5)
    result = train(x, y, cfg, progress=False)
    # independent loop: full-batch Adam on the mean squared error from the same initialisation
    net = ResNet(2, 4, 4, 2, 1, dtype=torch.float64, seed=5)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    xt, yt = torch.tensor(x), torch.tensor(y)
    for _ in range(10):
        opt.zero_grad()
        ((net(xt) - yt) ** 2).sum(dim=1).mean().backward()
        opt.step()
    assert params_equal(result.model, net)
    # a penalty with λ = 0 is the same training
    zero = train(x, y, cfg.model_copy(update={"penalty": "ideal"}), progress=False)
    assert params_equal(zero.model, net)


def test_penalised_adam_step_matches_the_objective_gradient(data):
    x, y, _, _ = data
    cfg = TrainConfig(
        **TINY, penalty="ideal", lam=0.1, optimizer="sgd", lr=1e-2, steps=1, batch_size=None, seed=2
    )
    result = train(x, y, cfg, progress=False)
    net = ResNet(2, 4, 4, 2, 1, dtype=torch.float64, seed=2)
    xt, yt = torch.tensor(x), torch.tensor(y)
    objective = ((net(xt) - yt) ** 2).sum(dim=1).mean() + 0.1 * complexity.ideal(net, xt)
    grads = torch.autograd.grad(objective, list(net.parameters()))
    with torch.no_grad():
        for p, g in zip(net.parameters(), grads, strict=True):
            p -= 1e-2 * g
    for p, q in zip(result.model.parameters(), net.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-14)


def test_prox_step_is_soft_thresholding(data):
    x, y, _, _ = data
    lam, lr = 0.5, 0.05
    cfg = TrainConfig(
        **TINY, penalty="ideal", optimizer="prox", lam=lam, lr=lr, steps=1, batch_size=None, seed=1
    )
    result = train(x, y, cfg, progress=False)
    net = ResNet(2, 4, 4, 2, 1, dtype=torch.float64, seed=1)
    xt, yt = torch.tensor(x), torch.tensor(y)
    s = {k: v.detach() for k, v in complexity.weights(net, "ideal", x=xt).items()}
    loss = ((net(xt) - yt) ** 2).sum(dim=1).mean()
    grads = dict(
        zip(
            net.matrix_names(),
            torch.autograd.grad(loss, [net.raw_matrix(n) for n in net.matrix_names()]),
            strict=True,
        )
    )
    for name in net.matrix_names():
        u = net.raw_matrix(name).detach() - lr * grads[name]
        expected = torch.sign(u) * torch.clamp(u.abs() - lam * lr * s[name], min=0)
        torch.testing.assert_close(
            result.model.raw_matrix(name).detach(), expected, rtol=1e-12, atol=1e-15
        )
    assert result.model.n_nonzero() < result.model.n_parameters  # exact zeros appeared


def test_prox_l1_gives_exact_zeros_and_monotone_objective(data):
    x, y, _, _ = data
    cfg = TrainConfig(
        **{**TINY, "log_every": 1},
        penalty="l1",
        optimizer="prox",
        lam=0.02,
        lr=0.02,
        steps=60,
        batch_size=None,
    )
    result = train(x, y, cfg, progress=False)
    objectives = [row["objective"] for row in result.history]
    # proximal gradient with a small step on loss + λ‖θ‖₁ is a descent method
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(objectives))
    assert objectives[-1] < 0.8 * objectives[0]
    zeros = sum(int((m == 0).sum()) for _, m in result.model.named_matrices())
    assert zeros > 0 and result.final["nonzeros"] == result.model.n_parameters - zeros


def test_prox_ideal_decreases_the_objective(data):
    x, y, _, _ = data
    cfg = TrainConfig(
        **TINY, penalty="ideal", optimizer="prox", lam=0.05, lr=0.05, steps=40, batch_size=None
    )
    result = train(x, y, cfg, progress=False)
    assert result.final["objective"] < 0.7 * result.history[0]["objective"]
    assert result.final["nonzeros"] < result.model.n_parameters


@pytest.mark.parametrize("optimizer", ["adam", "prox"])
def test_masks_are_respected(data, optimizer):
    x, y, _, _ = data
    net = ResNet(2, 4, 4, 2, 1, dtype=torch.float64, seed=0)
    rng = np.random.default_rng(0)
    masks = {
        name: torch.tensor(rng.random(tuple(m.shape)) < 0.5) for name, m in net.named_matrices()
    }
    net.set_masks(masks)
    before = copy.deepcopy(net.state_dict())
    cfg = TrainConfig(
        **TINY, penalty="ideal", optimizer=optimizer, lam=1e-3, lr=1e-2, steps=8, batch_size=16
    )
    result = train(x, y, cfg, model=net, progress=False)
    for name, mask in masks.items():
        raw = result.model.raw_matrix(name).detach()
        assert torch.all(raw[~mask] == 0), name
        assert torch.equal(result.model.mask(name), mask)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())  # input untouched


def test_nan_detection_with_huge_learning_rate(data):
    x, y, _, _ = data
    cfg = TrainConfig(
        **TINY, penalty="none", lam=0.0, optimizer="sgd", lr=1e6, steps=50, batch_size=None
    )
    with pytest.raises(TrainingDivergedError, match=r"diverged at step \d+.*smaller learning rate"):
        train(x, y, cfg, progress=False)
    try:
        train(x, y, cfg, progress=False)
    except TrainingDivergedError as exc:
        assert 1 <= exc.step <= 50 and exc.lr == 1e6


def test_nan_injected_into_parameters_is_detected(data):
    x, y, _, _ = data
    cfg = TrainConfig(**TINY, steps=10, batch_size=None)

    def poison(step: int, model: ResNet) -> None:
        if step == 3:
            with torch.no_grad():
                model.raw_matrix("W_0")[0, 0] = float("nan")

    with pytest.raises(TrainingDivergedError, match="diverged at step 4") as info:
        train(x, y, cfg, progress=False, callback=poison)
    assert info.value.step == 4


def test_logistic_loss_on_parity():
    task = get_task("parity", d=3, subset=[0, 1])
    x, y, xt, yt = task.train_test(64, 16, seed=0)
    cfg = TrainConfig(
        **{**TINY, "log_every": 20},
        loss="logistic",
        penalty="l1",
        lam=1e-4,
        lr=3e-2,
        steps=60,
        batch_size=None,
    )
    result = train(x, y, cfg, x_test=xt, y_test=yt, progress=False)
    first, last = result.history[0], result.final
    assert last["loss"] < first["loss"]
    assert 0.0 <= last["train_error"] <= 1.0  # misclassification rate
    with torch.no_grad():
        expected = torch.nn.functional.softplus(-torch.tensor(y) * result.model(x)).mean()
    assert last["loss"] == pytest.approx(float(expected))
    with pytest.raises(ValueError, match=r"labels in \{-1, \+1\}"):
        train(x, y * 0.5, cfg, progress=False)


def test_sweep_frontier(data):
    x, y, xt, yt = data
    cfg = TrainConfig(**TINY, penalty="l1", optimizer="prox", lr=0.05, steps=30, batch_size=None)
    lams = [0.0, 0.01, 0.1, 1.0]
    rows = sweep(x, y, cfg, lams, x_test=xt, y_test=yt, progress=False)
    assert [r["lam"] for r in rows] == lams
    nonzeros = [r["nonzeros"] for r in rows]
    assert all(b <= a for a, b in itertools.pairwise(nonzeros))
    assert nonzeros[-1] < nonzeros[0]
    for row in rows:
        net = ResNet(2, 4, 4, 2, 1, dtype=torch.float64)
        net.load_state_dict(row["state_dict"])
        assert net.n_nonzero() == row["nonzeros"]
        assert row["test_error"] == pytest.approx(error(net, xt, yt))
        with torch.no_grad():
            assert row["complexity"] == pytest.approx(float(complexity.ideal(net, xt)))
        assert row["config"]["lam"] == row["lam"]
    # a sweep run equals the single training with that λ
    single = train(x, y, cfg.model_copy(update={"lam": 0.1}), progress=False)
    assert all(
        torch.equal(v, rows[2]["state_dict"][k]) for k, v in single.model.state_dict().items()
    )
    with pytest.raises(ValueError, match="finite and >= 0"):
        sweep(x, y, cfg, [0.1, -1.0], progress=False)
    with pytest.raises(ValueError, match="at least one"):
        sweep(x, y, cfg, [], progress=False)


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"penalty": "entropy"}, "penalty"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"lam": -0.1}, "lam"),
        ({"lam": float("nan")}, "lam"),
        ({"lr": 0.0}, "lr"),
        ({"loss": "hinge"}, "loss"),
        ({"dtype": "float16"}, "dtype"),
        ({"steps": -1}, "steps"),
        ({"batch_size": 0}, "batch_size"),
        ({"widht": 3}, "widht"),
        ({"optimizer": "prox", "penalty": "l2"}, "weighted-l1"),
    ],
)
def test_bad_config_raises_clear_errors(update, field):
    with pytest.raises(ValueError, match=field):
        TrainConfig(**update)


def test_bad_arguments_to_train(data):
    x, y, _, _ = data
    cfg = TrainConfig(**TINY, steps=1)
    with pytest.raises(ValueError, match="x has 64 rows but y has 63"):
        train(x, y[:-1], cfg, progress=False)
    bad = x.copy()
    bad[5, 0] = np.nan
    with pytest.raises(ValueError, match=r"x: row 5 \(0-based\) contains NaN"):
        train(bad, y, cfg, progress=False)
    with pytest.raises(ValueError, match="x_test and y_test must be given together"):
        train(x, y, cfg, x_test=x, progress=False)
    with pytest.raises(ValueError, match="d_in=3"):
        train(x, y, cfg, model=ResNet(3, 4, 4, 1), progress=False)
    with pytest.raises(TypeError, match="TrainConfig or a dict"):
        train(x, y, "adam", progress=False)
    with pytest.raises(ValueError, match="norm"):
        error(ResNet(2, 4, 4, 1), x, y, norm="l3")


def test_config_round_trip_and_dict_config(data):
    cfg = TrainConfig(**TINY, penalty="path", lam=0.5, batch_size=None, lr_schedule="cosine")
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    x, y, _, _ = data
    a = train(x, y, cfg.model_copy(update={"steps": 3}), progress=False)
    b = train(x, y, {**cfg.to_dict(), "steps": 3}, progress=True)  # progress off without a TTY
    assert params_equal(a.model, b.model)
    assert learning_rate(cfg.model_copy(update={"steps": 10}), 0) == cfg.lr
    assert learning_rate(cfg.model_copy(update={"steps": 10}), 5) == pytest.approx(cfg.lr / 2)


def test_model_argument_sets_architecture(data):
    x, y, _, _ = data
    start = ResNet(2, 6, 3, 1, dtype=torch.float32, seed=9)
    result = train(
        x, y, TrainConfig(steps=2, batch_size=None, dtype="float32"), model=start, progress=False
    )
    assert (result.config.width, result.config.hidden, result.config.depth) == (6, 3, 1)
    assert result.model.V_out.dtype == torch.float32


def test_error_norms():
    net = ResNet(1, 2, 2, 1, dtype=torch.float64, seed=0)
    x = np.linspace(-1, 1, 9)[:, None]
    with torch.no_grad():
        f = net(torch.tensor(x)).numpy()
    y = f + np.arange(9.0)[:, None] / 10
    assert error(net, x, y, "l2") == pytest.approx(np.sqrt(np.mean((np.arange(9) / 10) ** 2)))
    assert error(net, x, y, "linf") == pytest.approx(0.8)


def test_resnet_regressor(data):
    x, y, xt, yt = data
    est = ResNetRegressor(width=4, hidden=4, depth=2, steps=20, batch_size=None, lr=1e-2)
    with pytest.raises(NotFittedError, match="call fit"):
        est.predict(xt)
    assert est.get_params()["width"] == 4
    assert est.fit(x, y[:, 0]) is est
    pred = est.predict(xt)
    assert pred.shape == (32,)
    assert est.n_iter_ == 20 and len(est.history_) > 1 and est.complexity_ > 0
    direct = train(
        x,
        y,
        TrainConfig(width=4, hidden=4, depth=2, steps=20, batch_size=None, lr=1e-2),
        progress=False,
    )
    with torch.no_grad():
        np.testing.assert_array_equal(pred, direct.model(torch.tensor(xt)).numpy()[:, 0])
    assert np.isfinite(est.score(xt, yt[:, 0]))
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        est.predict(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="unknown parameter"):
        est.set_params(colour="red")
    with pytest.raises(ValueError, match="penalty"):
        ResNetRegressor(penalty="bogus").fit(x, y)
