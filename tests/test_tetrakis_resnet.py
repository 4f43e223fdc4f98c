"""The ResNet of SPEC 9.4 (Prop 13) against the numpy Tetrakis function of SPEC 9.3."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import occam.tetrakis
from circuit_strategies import random_circuits
from occam.circuits import Builder, Circuit
from occam.circuits.encoding import decode
from occam.tetrakis import TetrakisFunction
from occam.tetrakis.function import Decoder
from occam.tetrakis.resnet import (
    decoder_affine,
    resnet_for_circuit,
    resnet_for_circuit_report,
    sorting_network,
)

TOL = 1e-9


def run(model, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.as_tensor(x, dtype=torch.float64)).numpy()


def sample_points(rng: np.random.Generator, low: np.ndarray, rho: np.ndarray, K: int) -> np.ndarray:
    """Random points, grid points, half-grid points, ties among coordinates, the boundary of Ω."""
    d = low.shape[0]
    unit = [
        rng.random((40, d)),
        rng.integers(0, 2**K + 1, (20, d)) / 2**K,
        rng.integers(0, 2 ** (K + 1) + 1, (20, d)) / 2 ** (K + 1),
        np.repeat(rng.random((10, 1)), d, axis=1),  # all t_i equal
        np.repeat(rng.integers(0, 2 ** (K + 2) + 1, (10, 1)) / 2 ** (K + 2), d, axis=1),
        np.array(list(itertools.product([0.0, 1.0], repeat=d))),  # corners of Ω
    ]
    u = np.vstack(unit)
    # a few points with equal distances to different grid points (t_i = t_k, e_i ≠ e_k)
    mixed = u[:10].copy()
    if d > 1:
        mixed[:, 1] = np.clip(1 - mixed[:, 0], 0, 1)
    return low + rho * np.vstack([u, mixed])


def reference_per_point(circuit: Circuit, d: int, K: int, u: np.ndarray) -> float:
    """Independent pure-Python T_C at one point in grid units (SPEC 9.1, 9.3), dec = unsigned."""
    e, o, t = [], [], []
    for ui in u:
        ei = 2 * round(ui / 2)
        if abs(ui - ei) > 1:
            ei += 2 if ui > ei else -2
        ti = abs(ui - ei)
        e.append(ei)
        o.append(ei + (1 if ui >= ei else -1))
        t.append(ti)
    s = [0.0, *sorted(t), 1.0]
    total = 0.0
    for j in range(d + 1):
        w = s[j + 1] - s[j]
        if w == 0:
            continue
        v = [o[i] if t[i] > s[j] else e[i] for i in range(d)]
        bits = np.array([[(v[i] >> b) & 1 for i in range(d) for b in range(K + 1)]], dtype=bool)
        out = circuit.simulate(bits)[0]
        total += w * sum(int(bit) << k for k, bit in enumerate(out))
    return total


@st.composite
def tetrakis_cases(draw) -> tuple[Circuit, int, int, np.ndarray, np.ndarray, int]:
    d = draw(st.integers(1, 3))
    K = draw(st.integers(1, 5))
    n = d * (K + 1)
    circuit = draw(random_circuits(min_inputs=n, max_inputs=n, max_gates=30, max_outputs=3))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    low = rng.normal(size=d)
    rho = rng.uniform(0.25, 4.0, size=d)
    return circuit, d, K, low, rho, seed


@settings(max_examples=20)
@given(case=tetrakis_cases(), signed=st.booleans())
def test_matches_tetrakis_function(case, signed: bool) -> None:
    circuit, d, K, low, rho, seed = case
    dec = Decoder(signed=signed, scale=0.75, offset=-0.5)
    domain = (low, low + rho)
    model = resnet_for_circuit(circuit, d, K, domain=domain, dec=dec)
    x = sample_points(np.random.default_rng(seed), low, rho, K)
    want = TetrakisFunction(circuit, d, K, domain=domain, dec=dec)(x)
    got = run(model, x)[:, 0]
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL * max(1.0, np.abs(want).max()))


@settings(max_examples=8)
@given(case=tetrakis_cases())
def test_matches_independent_per_point_reference(case) -> None:
    circuit, d, K, low, rho, seed = case
    model = resnet_for_circuit(circuit, d, K, domain=(low, low + rho))
    x = sample_points(np.random.default_rng(seed), low, rho, K)[::4]
    u = (x - low) / rho * 2**K
    want = np.array([reference_per_point(circuit, d, K, ui) for ui in u])
    got = run(model, x)[:, 0]
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL * max(1.0, np.abs(want).max()))


def test_several_decoder_groups_and_k0() -> None:
    rng = np.random.default_rng(5)
    for d, K in ((2, 0), (2, 3), (3, 2)):
        n = d * (K + 1)
        b = Builder()
        x = b.inputs(n)
        for k in range(5):
            i, j = rng.integers(0, n, 2)
            b.output(b.XOR(x[i], b.OR(x[j], x[(i + k) % n])))
        circuit = b.build()
        dec = Decoder(signed=True, scale=(1.0, -2.0), offset=(0.25, 3.0), widths=(2, 3))
        model = resnet_for_circuit(circuit, d, K, dec=dec)
        assert model.config.d_out == 2
        pts = sample_points(rng, np.zeros(d), np.ones(d), K)
        want = TetrakisFunction(circuit, d, K, dec=dec)(pts)
        np.testing.assert_allclose(run(model, pts), want, rtol=0, atol=TOL * 10)


def test_outside_domain_is_clamped() -> None:
    circuit = Builder()
    x = circuit.inputs(6)
    circuit.output(circuit.AND(x[0], x[4]))
    circuit.output(circuit.OR(x[1], x[3]))
    c = circuit.build()
    model = resnet_for_circuit(c, 2, 2, domain=([-1.0, 2.0], [1.0, 5.0]))
    rng = np.random.default_rng(0)
    pts = rng.uniform([-4.0, -1.0], [4.0, 9.0], (200, 2))
    clipped = np.clip(pts, [-1.0, 2.0], [1.0, 5.0])
    np.testing.assert_allclose(run(model, pts), run(model, clipped), rtol=0, atol=1e-12)
    want = TetrakisFunction(c, 2, 2, domain=([-1.0, 2.0], [1.0, 5.0]))(clipped)
    np.testing.assert_allclose(run(model, pts)[:, 0], want, rtol=0, atol=TOL)


@pytest.mark.parametrize("n", range(1, 11))
def test_sorting_network_sorts_all_binary_inputs(n: int) -> None:
    stages = sorting_network(n)
    for stage in stages:  # comparators of a stage are disjoint
        wires = [w for pair in stage for w in pair]
        assert len(wires) == len(set(wires)) and all(p < q for p, q in stage)
    v = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(np.int64)
    for stage in stages:
        for p, q in stage:
            lo, hi = np.minimum(v[:, p], v[:, q]), np.maximum(v[:, p], v[:, q])
            v[:, p], v[:, q] = lo, hi
    assert np.all(np.diff(v, axis=1) >= 0)  # 0-1 principle


def test_decoder_affine() -> None:
    rng = np.random.default_rng(0)
    bits = rng.random((50, 6)) < 0.5
    for spec in (
        None,
        {"signed": True, "scale": 0.5, "offset": 1.0},
        Decoder(signed=True, scale=(2.0, -1.0), offset=(0.0, 4.0), widths=(4, 2)),
    ):
        M, off = decoder_affine(spec, 6)
        if spec is None:
            want = decode(bits)
        elif isinstance(spec, dict):
            want = decode(bits, **spec)
        else:
            want = spec(bits)
        np.testing.assert_allclose(bits @ M.T + off, want, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="affine"):
        decoder_affine(lambda b: b.all(axis=1).astype(float), 3)
    with pytest.raises(TypeError, match="dec"):
        decoder_affine(3.0, 2)


def test_report_and_lazy_export() -> None:
    assert occam.tetrakis.resnet_for_circuit is resnet_for_circuit
    b = Builder()
    x = b.inputs(6)
    b.output(b.MAJ(x[0], x[2], x[4]))
    c = b.build()
    rep = resnet_for_circuit_report(c, 2, 2, engines=("empirical", "interval", "global"))
    assert rep.size == c.size and (rep.d, rep.K) == (2, 2)
    model = rep.model
    assert rep.width == model.config.width and rep.depth == model.config.depth
    assert rep.nonzeros == model.n_nonzero() > 0
    assert 0 < rep.r["empirical"] <= rep.r["interval"] <= rep.r["global"] * (1 + 1e-9) < np.inf
    assert set(rep.to_dict()) >= {"size", "d", "K", "width", "depth", "nonzeros", "r"}
    # depth = input block + K levels + sorting stages + a + B + circuit levels (no NOT in MAJ)
    assert rep.depth == 1 + 2 + len(sorting_network(2)) + 2 + c.depth


def test_errors() -> None:
    b = Builder()
    x = b.inputs(4)
    b.output(b.AND(x[0], x[1]))
    c = b.build()
    with pytest.raises(ValueError, match="inputs"):
        resnet_for_circuit(c, 2, 2)
    with pytest.raises(TypeError, match="circuit"):
        resnet_for_circuit("c", 2, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="K"):
        resnet_for_circuit(c, 2, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="domain"):
        resnet_for_circuit(c, 2, 1, domain=([0.0], [1.0]))


@pytest.mark.slow
@settings(max_examples=150)
@given(case=tetrakis_cases(), signed=st.booleans())
def test_slow_matches_tetrakis_function_many_circuits(case, signed: bool) -> None:
    test_matches_tetrakis_function.hypothesis.inner_test(case, signed)
