"""Tests of Tetrakis functions of circuits (SPEC 9.3): evaluation, decoder, explicit circuit."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from occam.circuits import Builder, decode
from occam.tetrakis import Decoder, TetrakisFunction, locate, random_circuit


def brute_force_T(T: TetrakisFunction, x: np.ndarray) -> np.ndarray:
    """Per point: locate, simulate C on every vertex separately, decode, weight (no dedup)."""
    u = (x - T.domain.low) / T.domain.rho * 2.0**T.K
    v, w = locate(u)
    out = np.zeros(x.shape[0])
    for k in range(x.shape[0]):
        for j in range(T.d + 1):
            if w[k, j] == 0:
                continue
            bits = []
            for i in range(T.d):
                bits += [(int(v[k, j, i]) >> b) & 1 for b in range(T.K + 1)]
            y = T.circuit.simulate(np.array([bits], dtype=bool))
            out[k] += (
                w[k, j]
                * decode(y, signed=T.dec.signed, scale=T.dec.scale, offset=T.dec.offset)[0, 0]
            )
    return out


def make(d: int, K: int, seed: int, signed: bool = False, n_out: int = 3, gates: int = 25):
    C = random_circuit(d * (K + 1), gates, n_out, seed=seed)
    dom = (np.full(d, -1.0), np.full(d, 2.0))
    return TetrakisFunction(C, d, K, domain=dom, dec=Decoder(signed=signed, scale=0.5, offset=0.25))


def test_import_does_not_load_torch():
    code = "import sys, occam.tetrakis as t; t.TetrakisFunction; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@given(st.integers(1, 3), st.integers(0, 3), st.integers(0, 10_000), st.booleans())
def test_matches_brute_force(d, K, seed, signed):
    T = make(d, K, seed, signed)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 2, size=(12, d))
    x[:3] = -1 + 3 * np.round((x[:3] + 1) / 3 * 2**K) / 2**K  # grid points
    x[3, :] = x[3, 0]  # a tie
    np.testing.assert_allclose(T(x), brute_force_T(T, x), rtol=0, atol=1e-12)


def test_grid_points_give_circuit_values_and_continuity():
    T = make(2, 2, seed=4, signed=True)
    idx = np.array(list(itertools.product(range(5), repeat=2)))
    x = -1 + 3 * idx / 4
    np.testing.assert_allclose(T(x), T.vertex_values(idx), atol=1e-12)
    # piecewise linear and continuous: along a fine line the increments are O(step)
    s = np.linspace(0, 1, 2001)[:, None]
    line = -1 + 3 * (s * np.array([[0.83, 0.29]]) + 0.05)
    y = T(line)
    lip = np.abs(np.diff(T.vertex_values(idx))).max() * 4 / 3 * 2  # crude bound per unit length
    assert np.abs(np.diff(y)).max() <= lip * 3 * np.abs(np.diff(line, axis=0)).max() + 1e-12


def test_vertices_deduplicated_before_simulation(monkeypatch):
    T = make(2, 3, seed=1)
    seen = []
    orig = type(T.circuit).simulate

    def spy(self, bits, **kw):
        seen.append(np.asarray(bits).shape[0])
        assert np.unique(np.asarray(bits), axis=0).shape[0] == np.asarray(bits).shape[0]
        return orig(self, bits, **kw)

    monkeypatch.setattr(type(T.circuit), "simulate", spy)
    x = np.random.default_rng(0).uniform(-1, 2, size=(5000, 2))
    T(x)
    assert len(seen) == 1 and seen[0] <= 9**2  # at most the (2^K + 1)^d grid points


def test_grid_function_and_multi_group_decoder():
    C = random_circuit(2 * 3, 40, 4, seed=9)
    T = TetrakisFunction(C, 2, 2, dec=Decoder(widths=(2, 2), scale=(1.0, -2.0), offset=(0, 1)))
    x = np.random.default_rng(2).uniform(0, 1, size=(50, 2))
    y = T(x)
    assert y.shape == (50, 2)
    for g in range(2):
        single = TetrakisFunction(
            C, 2, 2, dec=Decoder(widths=(2, 2), scale=(1.0, -2.0), offset=(0, 1))
        ).evaluate_units(x * 4)
        np.testing.assert_allclose(single[:, g], y[:, g])
    T1 = TetrakisFunction(C, 2, 2, dec=Decoder(scale=0.25))
    np.testing.assert_allclose(T1.grid_function()(x), T1(x), atol=1e-12)
    with pytest.raises(ValueError, match="single output group"):
        T.grid_function()


def test_decoder_matches_encoding_decode():
    bits = np.random.default_rng(0).random((20, 6)) < 0.5
    dec = Decoder(signed=True, scale=(0.5, 2.0), offset=(1.0, -1.0), widths=(4, 2))
    np.testing.assert_array_equal(
        dec(bits), decode(bits, signed=True, scale=(0.5, 2.0), offset=(1.0, -1.0), widths=(4, 2))
    )
    with pytest.raises(ValueError, match="sum"):
        Decoder(widths=(4, 3))(bits)
    with pytest.raises(ValueError, match="finite"):
        Decoder(scale=np.inf)


# --------------------------------------------------------------------------------------------
# explicit circuit
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "K", "F", "signed"),
    [
        (1, 2, 2, False),
        (1, 0, 3, True),
        (2, 1, 2, True),
        (2, 2, 1, False),
        (2, 0, 2, False),
        (2, 2, 0, True),
        (3, 1, 1, False),
    ],
)
def test_explicit_circuit_exact_on_fixed_point_grid(d, K, F, signed):
    """dec(explicit(q)) = T_C(q / 2^F) exactly, for every input q (exhaustive)."""
    T = make(d, K, seed=10 * d + K + F, signed=signed)
    E = T.explicit_circuit(frac_bits=F)
    assert E.circuit.n_inputs == d * (K + F)
    q = np.array(list(itertools.product(range(2 ** (K + F)), repeat=d)))
    np.testing.assert_allclose(E.evaluate_ints(q), T.evaluate_units(q / 2.0**F), rtol=0, atol=1e-12)
    assert E.circuit.size <= E.bound == T.size_bound(F)
    assert E.bound == (d + 1) * T.circuit.size + E.locating_size


@given(st.integers(1, 3), st.integers(1, 3), st.integers(0, 10_000))
def test_explicit_circuit_on_real_inputs(d, K, seed):
    """On any x ∈ Ω the explicit circuit returns T_C at the corner x_q of x's encoding cell,
    so |explicit(x) − T_C(x)| ≤ Lip_∞(T_C)·|x − x_q|_1 with Lip from the grid values."""
    T = make(d, K, seed, signed=bool(seed % 2), gates=15)
    F = 2
    E = T.explicit_circuit(frac_bits=F)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 2, size=(40, d))
    from occam.circuits.encoding import quantize

    q = quantize(x, T.domain, K + F)
    xq = T.domain.low + T.domain.rho * q / 2.0 ** (K + F)
    np.testing.assert_allclose(E(x), T(xq), rtol=0, atol=1e-12)
    # the rounding error bound: |ΔT| ≤ (max grid jump per unit of u)·Σ_i |Δu_i|
    idx = np.array(list(itertools.product(range(2**K + 1), repeat=d)))
    g = T.vertex_values(idx)
    lip_u = np.ptp(g) if g.size else 0.0  # |g(u) − g(u')| ≤ ptp along any grid edge
    du = np.abs((x - xq) / T.domain.rho * 2.0**K).sum(axis=1)
    assert np.all(np.abs(E(x) - T(x)) <= lip_u * du + 1e-12)
    assert np.all(du <= d * 2.0**-F + 1e-12)


def test_explicit_circuit_size_grows_linearly_with_copies():
    small = make(2, 2, seed=3, gates=10)
    big = TetrakisFunction(
        random_circuit(6, 200, 3, seed=3), 2, 2, domain=small.domain, dec=small.dec
    )
    # the locating part depends on d, K, F and the output width only
    assert big.explicit_circuit(2).locating_size == small.explicit_circuit(2).locating_size
    assert big.size_bound(2) - small.size_bound(2) == 3 * (big.circuit.size - small.circuit.size)


# --------------------------------------------------------------------------------------------
# errors and helpers
# --------------------------------------------------------------------------------------------


def test_argument_errors():
    C = random_circuit(6, 10, 2, seed=0)
    with pytest.raises(ValueError, match="inputs"):
        TetrakisFunction(C, 2, 3)
    with pytest.raises(TypeError, match="Circuit"):
        TetrakisFunction("C", 2, 2)
    with pytest.raises(TypeError, match="dec"):
        TetrakisFunction(C, 2, 2, dec=3)
    with pytest.raises(ValueError, match="unknown keys"):
        TetrakisFunction(C, 2, 2, dec={"sign": True})
    T = TetrakisFunction(C, 2, 2, domain=(0.0, 1.0))
    with pytest.raises(ValueError, match="outside the domain"):
        T(np.array([[0.5, 1.5]]))
    with pytest.raises(ValueError, match="shape"):
        T(np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="frac_bits"):
        TetrakisFunction(random_circuit(2, 5, 1), 2, 0).explicit_circuit(frac_bits=0)
    assert T(np.array([[1.0 + 1e-12, 0.0]])).shape == (1,)  # clipped onto Ω


def test_random_circuit_is_reproducible():
    a = random_circuit(5, 50, 3, seed=7)
    b = random_circuit(5, 50, 3, seed=7)
    assert a == b and a.n_inputs == 5 and a.n_outputs == 3 and 25 <= a.size <= 100
    assert random_circuit(5, 50, 3, seed=8) != a
    tt = random_circuit(3, 0, 2, seed=0).truth_table()  # no gates: outputs are inputs
    assert tt.shape == (8, 2)


def test_builder_circuit_tetrakis_of_identity():
    """C = identity on one coordinate: T_C is the linear interpolant of the grid, i.e. u."""
    K = 3
    b = Builder()
    xs = b.inputs(K + 1)
    for v in xs:
        b.output(v)
    T = TetrakisFunction(b.build(), 1, K, domain=(0.0, 1.0))
    x = np.linspace(0, 1, 101)[:, None]
    np.testing.assert_allclose(T(x), x[:, 0] * 2**K, atol=1e-12)
    E = T.explicit_circuit(frac_bits=2)
    np.testing.assert_allclose(E(x), np.floor(x[:, 0] * 2 ** (K + 2)).clip(0, 31) / 4, atol=0)


@pytest.mark.parametrize("signed", [False, True])
def test_explicit_circuit_multi_group_decoder(signed):
    C = random_circuit(6, 30, 4, seed=3)
    dec = Decoder(signed=signed, widths=(1, 3), scale=(1.0, -0.5), offset=(0.0, 2.0))
    T = TetrakisFunction(C, 2, 2, dec=dec)
    E = T.explicit_circuit(2)
    q = np.array(list(itertools.product(range(16), repeat=2)))
    got = E.evaluate_ints(q)
    assert got.shape == (256, 2)
    np.testing.assert_allclose(got, T.evaluate_units(q / 4), rtol=0, atol=1e-12)
