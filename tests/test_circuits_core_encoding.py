"""Real-to-bin encoding and decoding (SPEC 2.2) and the integer interface."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from occam.circuits import Builder, arith, decode, encode
from occam.circuits.encoding import bits_to_ints, evaluate_ints, ints_to_bits, quantize
from occam.tasks.box import Box


def test_quantize_formula_and_clipping():
    box = Box.from_bounds([-1.0, 0.0], [1.0, 4.0])
    x = np.array([[-1.0, 0.0], [1.0, 4.0], [0.0, 1.0], [-2.0, 9.0], [0.999, 3.99]])
    q = quantize(x, box, 3)
    # q_i = clip(floor((x_i - a_i) / rho_i * 8), 0, 7)
    assert q.tolist() == [[0, 0], [7, 7], [4, 2], [0, 7], [7, 7]]
    assert q.dtype == np.int64


@given(st.integers(1, 10), st.integers(1, 4), st.integers(0, 2**32))
def test_encode_matches_reference(k, d, seed):
    rng = np.random.default_rng(seed)
    low = rng.normal(size=d)
    high = low + rng.uniform(0.1, 3.0, size=d)
    x = rng.uniform(low - 0.5, high + 0.5, size=(50, d))
    bits = encode(x, (low, high), k)
    assert bits.shape == (50, d * k) and bits.dtype == bool
    for n in range(50):
        for i in range(d):
            t = int(np.floor((x[n, i] - low[i]) / (high[i] - low[i]) * 2**k))
            q = min(max(t, 0), 2**k - 1)
            got = sum(int(bits[n, i * k + j]) << j for j in range(k))
            assert got == q
    # the three domain forms agree
    arr = np.stack([low, high], axis=1)
    assert np.array_equal(encode(x, arr, k), bits)
    assert np.array_equal(encode(x, Box.from_bounds(low, high), k), bits)


def test_ints_bits_roundtrip():
    for w in range(1, 10):
        s = np.arange(-(2 ** (w - 1)), 2 ** (w - 1))
        assert np.array_equal(bits_to_ints(ints_to_bits(s, w), signed=True), s)
        u = np.arange(2**w)
        assert np.array_equal(bits_to_ints(ints_to_bits(u, w), signed=False), u)
    assert ints_to_bits(np.array([6]), 4).tolist() == [[False, True, True, False]]
    with pytest.raises(ValueError, match="values must lie"):
        ints_to_bits(np.array([8]), 3)
    with pytest.raises(ValueError, match="values must lie"):
        ints_to_bits(np.array([-5]), 3)


def test_decode_signed_unsigned_scale_offset():
    bits = ints_to_bits(np.array([[5, -2], [-8, 7]]), 4).reshape(2, 8)
    z = decode(bits, signed=True, scale=[0.5, 2.0], offset=[1.0, -1.0], widths=[4, 4])
    assert z.tolist() == [[3.5, -5.0], [-3.0, 13.0]]
    u = decode(bits[:, :4])
    assert u.tolist() == [[5.0], [8.0]]
    with pytest.raises(ValueError, match="widths"):
        decode(bits, widths=[3, 4])
    with pytest.raises(ValueError, match="scale"):
        decode(bits, widths=[4, 4], scale=[1.0, 2.0, 3.0])


def test_errors_name_arguments():
    with pytest.raises(ValueError, match="k must be"):
        encode(np.zeros((2, 1)), (0.0, 1.0), 0)
    with pytest.raises(TypeError, match="domain"):
        encode(np.zeros((2, 1)), "unit", 3)
    with pytest.raises(ValueError, match="x must have shape"):
        encode(np.zeros(3), (0.0, 1.0), 3)
    with pytest.raises(ValueError, match="high > low"):
        encode(np.zeros((2, 1)), (1.0, 1.0), 3)


def test_circuit_on_encoded_inputs_decodes_to_sum():
    """dec ∘ C ∘ enc for an adder: the decoded output is q_0 + q_1 scaled back to [0, 2)."""
    k = 5
    b = Builder()
    x0, x1 = b.inputs(k, "u"), b.inputs(k, "v")
    for v in arith.add(b, x0, x1, signed=False):
        b.output(v)
    c = b.build()
    rng = np.random.default_rng(0)
    x = rng.random((400, 2))
    y = decode(c.simulate(encode(x, (0.0, 1.0), k)), scale=2.0**-k)
    q = quantize(x, (0.0, 1.0), k)
    assert np.array_equal(y[:, 0], q.sum(1) / 2**k)
    assert np.max(np.abs(y[:, 0] - x.sum(1))) <= 2 * 2.0**-k
    assert np.array_equal(evaluate_ints(c, q, k)[:, 0], q.sum(1))
