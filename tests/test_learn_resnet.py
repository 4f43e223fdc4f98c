"""Route (a) of issue 18: the Occam ResNet compiled to the sign of its output."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
import torch

from occam.compiler import FixedPointSpec, evaluate_integer, quantize
from occam.learn import ROUTES, CircuitLearner, Data, LearnError, check_file
from occam.learn.circuitize import aig_ands
from occam.learn.resnet_route import ResNetRoute, ResNetSettings, predict_sign, sign_circuit
from occam.learn.routes import accuracy
from occam.nets import ResNet

# a small grid so each fit takes about a second
_TINY = ResNetSettings(
    inputs=(8,), lams=(1e-4,), hidden=4, steps=150, finetune=40, keep=(1.0, 0.5), max_tries=3
)


def _all_inputs(n: int) -> np.ndarray:
    return np.array(list(itertools.product([False, True], repeat=n)))


def _threshold(n_rows: int, seed: int, d: int = 12):
    """y = at least 3 of x0..x7 (x8.. irrelevant)."""
    rng = np.random.default_rng(seed)
    x = rng.random((n_rows, d)) < 0.5
    return x, x[:, :8].sum(1) >= 3


def _data(n_rows: int, seed: int) -> Data:
    x, y = _threshold(n_rows, seed)
    n = n_rows * 2 // 3
    return Data(x[:n], y[:n], x[n:], y[n:])


def _random_net(d: int, seed: int, depth: int = 1) -> ResNet:
    return ResNet(d, d + 1, 3, depth, dtype=torch.float64, seed=seed, init_scale=1.5)


@pytest.mark.parametrize(("seed", "wb", "ab", "depth"), [(0, 3, 2, 1), (1, 2, 1, 2), (2, 4, 0, 1)])
def test_pm1_encoding_and_sign_circuit_are_exact(seed, wb, ab, depth):
    """Box (−2, 2), one input bit: cell centres are ±1, so input bit i is x_i (True = +1); the
    one-output circuit equals the quantised net's sign on every input (exhaustive)."""
    d, n_inputs = 5, 7
    net = _random_net(d, seed, depth)
    spec = FixedPointSpec(input_bits=1, weight_bits=wb, act_bits=ab, out_bits=0, rounding="floor")
    qnet = quantize(net, (-2.0, 2.0), spec)
    # α_0 = c1 q + c0 is exactly ∓2^F_a for q = 0 / 1: the ±1 encoding, in F_a fixed point
    assert all(c1 * 0 + c0 == -(1 << ab) for c1, c0 in zip(qnet.c1, qnet.c0, strict=True))
    assert all(c1 * 1 + c0 == (1 << ab) for c1, c0 in zip(qnet.c1, qnet.c0, strict=True))
    sel = np.array([4, 0, 6, 2, 5])  # net input j reads circuit input sel[j]
    full = _all_inputs(n_inputs)
    expected = np.asarray(evaluate_integer(qnet, full[:, sel].astype(np.int64)))[:, 0] >= 0
    assert 0 < expected.mean() < 1  # a nonconstant function
    np.testing.assert_array_equal(predict_sign(qnet, full[:, sel]), expected)
    for limit in (None, 0):  # optimised by ABC, and as built (ABC skipped)
        c = sign_circuit(qnet, sel, n_inputs, abc_limit=limit)
        assert c.n_inputs == n_inputs and c.n_outputs == 1
        np.testing.assert_array_equal(c.simulate(full)[:, 0], expected)
    with pytest.raises(LearnError, match="input_bits = 1"):
        sign_circuit(quantize(net, (-2.0, 2.0), FixedPointSpec(2, 3, 2)), sel, n_inputs)
    # with many bits the quantised sign is the float net's sign on ±1 inputs (away from 0)
    fine_spec = FixedPointSpec(1, weight_bits=20, act_bits=20, out_bits=0, rounding="floor")
    fine = quantize(net, (-2.0, 2.0), fine_spec)
    with torch.no_grad():
        f = net(torch.as_tensor(2.0 * full[:, sel] - 1.0))[:, 0].numpy()
    clear = np.abs(f) > 1e-3
    np.testing.assert_array_equal(predict_sign(fine, full[:, sel])[clear], (f >= 0)[clear])


def test_route_learns_a_threshold_function_and_reports_the_circuit():
    data = _data(900, seed=1)
    threads = torch.get_num_threads()
    cand = ResNetRoute(_TINY).fit(data, 5000, 0, True)
    assert cand is not None and cand.route == "resnet"
    assert cand.valid_accuracy >= 0.95
    # the candidate's numbers are the circuit's, not the net's
    assert cand.valid_accuracy == accuracy(cand.circuit, data.x_valid, data.y_valid)
    assert cand.train_accuracy == accuracy(cand.circuit, data.x_train, data.y_train)
    assert cand.ands == aig_ands(cand.circuit) <= 5000
    assert "m=8" in cand.detail
    # deterministic with the seed
    again = ResNetRoute(_TINY).fit(data, 5000, 0, True)
    assert again.detail == cand.detail and again.ands == cand.ands
    np.testing.assert_array_equal(
        again.circuit.simulate(_all_inputs(12))[:, 0], cand.circuit.simulate(_all_inputs(12))[:, 0]
    )
    assert torch.get_num_threads() == threads  # restored


def test_depth_zero_net_is_a_compiled_linear_threshold():
    """L = 0 (full grid): f = V_L α_0 is a linear threshold, exactly what 3-of-8 is."""
    data = _data(900, seed=5)
    settings = ResNetSettings(**{**_TINY.__dict__, "depths": (0,), "keep": (1.0,)})
    cand = ResNetRoute(settings).fit(data, 5000, 0, True)
    assert cand is not None and "depth=0" in cand.detail
    assert cand.valid_accuracy >= 0.97
    assert cand.valid_accuracy == accuracy(cand.circuit, data.x_valid, data.y_valid)


@pytest.mark.parametrize("budget", [0, 40])
def test_route_respects_a_small_budget(budget):
    data = _data(450, seed=2)
    cand = ResNetRoute(_TINY).fit(data, budget, 0, True)
    if cand is not None:
        assert cand.ands == aig_ands(cand.circuit) <= budget
    if budget == 40:  # the shrink options (few weights, one weight bit) fit this budget
        assert cand is not None and cand.valid_accuracy > 0.6


def test_route_plugs_into_the_learner_and_the_file_checks(tmp_path):
    assert "resnet" in ROUTES and ROUTES["resnet"]().name == "resnet"
    x, y = _threshold(600, seed=3)
    lr = CircuitLearner(["resnet"], quick=True, max_nodes=3000).fit(
        x[:400], y[:400], x[400:], y[400:]
    )
    assert lr.route_ == "resnet" and lr.results_["resnet"]["ands"] <= 3000
    check = lr.write(tmp_path / "m.aig", x[400:], y[400:])
    assert check.header_ands == check.abc_ands == aig_ands(lr.circuit_) <= 3000
    assert check.accuracy == pytest.approx(lr.results_["resnet"]["valid_accuracy"])
    assert check_file(tmp_path / "m.aig", x[400:], y[400:]).accuracy > 0.9


def test_import_occam_learn_does_not_import_torch():
    code = "import sys, occam.learn; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
