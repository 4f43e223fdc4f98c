"""The compiled pieces behind the fast public paths (issue 15 item 5): bit packing for
Circuit.simulate and the O(m) vertex deduplication of tetrakis.interpolate, against numpy."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from occam.circuits.simulate import pack_bits, unpack_bits
from occam.tetrakis import GridFunction, interpolate
from occam.tetrakis.grid import distinct_rows, unique_rows


@given(st.integers(0, 300), st.integers(1, 9), st.integers(0, 2**32))
def test_pack_matches_numpy_packbits_and_round_trips(n: int, m: int, seed: int) -> None:
    bits = np.random.default_rng(seed).random((n, m)) < 0.5
    ref = np.packbits(np.ascontiguousarray(bits.T), axis=1, bitorder="little")
    buf = np.zeros((m, ((n + 63) // 64) * 8), dtype=np.uint8)
    buf[:, : ref.shape[1]] = ref
    words = pack_bits(bits)
    assert words.dtype == np.uint64 and words.shape == (m, (n + 63) // 64)
    assert np.array_equal(words, buf.view("<u8"))
    back = unpack_bits(words, n)
    assert back.dtype == bool and np.array_equal(back, bits)


@given(
    st.integers(1, 200),
    st.integers(1, 5),
    st.sampled_from([1, 3, 2**40, 2**61]),
    st.integers(0, 2**32),
)
def test_distinct_rows_is_numpy_unique_in_order_of_appearance(
    m: int, d: int, span: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    v = rng.integers(-span, span, size=(m, d), dtype=np.int64)
    v[m // 2 :] = v[: m - m // 2]  # duplicates for sure
    keep = rng.random(m) < 0.8
    rows, inverse = distinct_rows(v, keep)
    assert np.array_equal(inverse[~keep], np.full(int((~keep).sum()), -1))
    assert np.array_equal(rows[inverse[keep]], v[keep])
    ref, _ = unique_rows(v[keep]) if keep.any() else (v[:0], None)
    assert rows.shape == ref.shape
    assert np.array_equal(np.unique(rows, axis=0), ref)  # the same set, each row once
    if keep.any():
        first = [int(np.flatnonzero(inverse == k)[0]) for k in range(rows.shape[0])]
        assert first == sorted(first)  # order of first appearance


def test_generic_interpolate_equals_grid_function() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(5, 4, 6))
    strides = np.array([24, 6, 1])
    x = rng.uniform(0, 3, size=(500, 3))
    calls = []

    def values_fn(v: np.ndarray) -> np.ndarray:
        calls.append(v.shape[0])
        assert np.unique(v, axis=0).shape[0] == v.shape[0]
        return values.reshape(-1)[v @ strides]

    np.testing.assert_allclose(interpolate(values_fn, x), GridFunction(values)(x), atol=1e-13)
    assert len(calls) == 1


def test_interpolate_matches_locate_on_both_dedup_routes() -> None:
    """Small coordinates take the keyed route, a spread of 1e13 in 6 dimensions (more than 2^62
    grid points in the box) the row route: both equal Σ_j ω_j g(u_j) from :func:`locate`."""
    from occam.tetrakis.grid import locate

    rng = np.random.default_rng(3)
    for scale in (1.0, 1e13):
        x = rng.uniform(-5, 5, size=(300, 6)) * scale
        x[:50] = np.round(x[:50])  # ties and integer coordinates

        def g(v: np.ndarray) -> np.ndarray:
            return np.cos(v @ np.arange(1.0, 7.0) * 1e-13)

        vertices, weights = locate(x)
        want = (weights * g(vertices.reshape(-1, 6)).reshape(weights.shape)).sum(axis=1)
        np.testing.assert_allclose(interpolate(g, x), want, rtol=0, atol=1e-12)
