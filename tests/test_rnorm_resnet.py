"""TwoLayer ⇄ depth-1 ResNet, and the relation of the R-norm with R̃ and the certified R (SPEC 4)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from occam.complexity import certified, ideal
from occam.nets import ResNet
from occam.rnorm import (
    TwoLayer,
    averaged_parity,
    certified_global_blocks,
    cube,
    ideal_blocks,
    ridge_parity,
)

torch.set_num_threads(1)


def _random_net(seed: int, d: int, m: int, affine: bool) -> TwoLayer:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=d) if affine else None
    return TwoLayer(
        rng.normal(size=(m, d)), rng.normal(size=m), rng.normal(size=m), a, rng.normal()
    )


@given(st.integers(0, 10_000), st.integers(1, 4), st.integers(1, 5), st.booleans())
def test_resnet_round_trip_same_function(seed, d, m, affine):
    net = _random_net(seed, d, m, affine)
    model = net.to_resnet()
    assert model.config.depth == 1 and model.config.width == d + 1
    X = np.random.default_rng(seed + 1).normal(size=(30, d))
    out = model(torch.as_tensor(X)).detach().numpy()[:, 0]
    np.testing.assert_allclose(out, net(X), rtol=1e-12, atol=1e-12)
    back = TwoLayer.from_resnet(model)
    np.testing.assert_allclose(back(X), net(X), rtol=1e-12, atol=1e-12)
    assert back.rnorm() == pytest.approx(net.rnorm(), rel=1e-12)


@given(st.integers(0, 10_000))
def test_from_resnet_of_a_generic_depth1_resnet(seed):
    model = ResNet(3, 5, 4, 1, dtype=torch.float64, seed=seed)
    X = np.random.default_rng(seed).normal(size=(25, 3))
    net = TwoLayer.from_resnet(model)
    np.testing.assert_allclose(
        net(X), model(torch.as_tensor(X)).detach().numpy()[:, 0], rtol=1e-10, atol=1e-12
    )


def test_from_resnet_rejects_deep_models():
    with pytest.raises(ValueError, match="depth 1"):
        TwoLayer.from_resnet(ResNet(2, 2, 2, 2, dtype=torch.float64, seed=0))
    with pytest.raises(TypeError, match="ResNet"):
        TwoLayer.from_resnet("not a model")


@given(st.integers(0, 10_000), st.integers(1, 4), st.integers(1, 5), st.booleans())
def test_ideal_blocks_equal_rtilde_of_the_embedding(seed, d, m, affine):
    net = _random_net(seed, d, m, affine)
    X = np.random.default_rng(seed + 2).uniform(-1, 1, size=(40, d))
    blocks = ideal_blocks(net, X)
    assert float(ideal(net.to_resnet(), torch.as_tensor(X)).detach()) == pytest.approx(
        blocks["total"], rel=1e-10, abs=1e-12
    )
    # exact inequality: the V_0 block dominates the W_0 block
    assert blocks["V_0"] >= blocks["W_0"] * (1 - 1e-12)


@given(
    st.integers(0, 10_000), st.integers(1, 4), st.integers(1, 5), st.booleans(), st.floats(0.5, 3.0)
)
def test_certified_global_blocks_and_rnorm_inequality(seed, d, m, affine, half_width):
    net = _random_net(seed, d, m, affine)
    lo, hi = -half_width * np.ones(d), half_width * np.ones(d)
    blocks = certified_global_blocks(net, (lo, hi))
    model = net.to_resnet()
    r_global = float(certified(model, domain=(lo, hi), engine="global").detach())
    assert r_global == pytest.approx(blocks["total"], rel=1e-10, abs=1e-12)
    # Theorem: R ≥ R_{V_0} ≥ (min_j Δ_j) ‖g‖_R
    assert r_global >= blocks["V_0"] * (1 - 1e-12)
    assert blocks["V_0"] >= half_width * net.rnorm() * (1 - 1e-12)
    # and the chain of SPEC 4.3 on a sample of the box
    X = np.random.default_rng(seed).uniform(lo, hi, size=(40, d))
    rt = float(ideal(model, torch.as_tensor(X)).detach())
    r_int = float(certified(model, domain=(lo, hi), engine="interval").detach())
    assert rt <= r_int * (1 + 1e-10) <= r_global * (1 + 1e-9)


@pytest.mark.parametrize("d", [2, 3, 4, 5])
def test_parity_constructions_on_the_cube(d):
    """On {±1}^d: √(min p_i) ‖g‖_R ≤ R̃_{V_0} and ‖g‖_R ≤ R (certified, box [−1, 1]^d)."""
    X = cube(d)
    box = (-np.ones(d), np.ones(d))
    for net in (ridge_parity(d), averaged_parity(d)):
        p = (net.pre_activations(X) > 0).mean(axis=0)
        blocks = ideal_blocks(net, X)
        lower = np.sum(np.abs(net.u) * np.linalg.norm(net.W, axis=1) * np.sqrt(p))
        assert blocks["V_0"] >= lower * (1 - 1e-12)
        assert lower >= np.sqrt(p.min()) * net.rnorm() * (1 - 1e-12)
        cert = certified_global_blocks(net, box)
        assert cert["V_0"] >= (net.rnorm() + np.sum(np.abs(net.u * net.b))) * (1 - 1e-12)
        model = net.to_resnet()
        np.testing.assert_allclose(
            model(torch.as_tensor(X)).detach().numpy()[:, 0], np.prod(X, axis=1), atol=1e-10
        )
        # cube points sit exactly on kinks (σ'(0) is then decided by rounding): compare off them
        Xs = 0.9 * X + np.random.default_rng(d).uniform(0.01, 0.05, size=d)
        assert float(ideal(model, torch.as_tensor(Xs)).detach()) == pytest.approx(
            ideal_blocks(net, Xs)["total"], rel=1e-10
        )
