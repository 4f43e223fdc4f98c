"""MLMC combiner as a circuit (SPEC 10, issue 20 acceptance) and fixed-point table circuits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from occam.htmc.mlmc import MLMCError, build_mlmc, choose_log2_inv_p
from occam.htmc.tables import TableError, all_input_bits, table_circuit
from occam.stats import loglog_fit


def _hierarchy(n_bits_per_coord: int = 5, levels: int = 5):
    """A_k: the table of f(x, y) = sin(3x)cos(2y) at the midpoints of the 2^k grid (the low input
    bits ignored), output with k + 1 fractional bits; common input encoding 2 × 5 bits."""
    m = n_bits_per_coord
    r = np.arange(2 ** (2 * m))
    qx, qy = r & (2**m - 1), r >> m
    out = []
    for k in range(1, levels + 1):
        xs = (np.floor(qx / 2 ** (m - k)) + 0.5) / 2**k
        ys = (np.floor(qy / 2 ** (m - k)) + 0.5) / 2**k
        codes = np.round(np.sin(3 * xs) * np.cos(2 * ys) * 2 ** (k + 1)).astype(np.int64)
        out.append(table_circuit(codes, k + 1))
    return out, all_input_bits(2 * m)


@given(n=st.integers(0, 8), seed=st.integers(0, 1000), frac=st.integers(0, 4))
def test_table_circuit_exhaustive(n, seed, frac):
    codes = np.random.default_rng(seed).integers(-20, 20, size=2**n)
    fp = table_circuit(codes, frac)
    np.testing.assert_array_equal(fp.codes(all_input_bits(n)), codes)
    np.testing.assert_array_equal(fp.values(all_input_bits(n)), codes * 2.0**-frac)


def test_table_circuit_sharing_and_errors():
    assert table_circuit(np.full(64, 3), 0).size == 0  # constant: no gate
    # a table that ignores input 0 never reads it
    codes = np.repeat(np.arange(8) - 4, 2)
    c = table_circuit(codes, 0).circuit
    flipped = all_input_bits(4).copy()
    flipped[:, 0] ^= True
    np.testing.assert_array_equal(c.simulate(all_input_bits(4)), c.simulate(flipped))
    with pytest.raises(TableError):
        table_circuit(np.arange(6), 0)


def test_mlmc_unbiased_and_variance_over_n():
    """Acceptance (issue 20): over 1,000 simulated draws the mean is within 3 standard errors of
    A_K's output, and the variance of the average of n copies falls as 1/n (log-log slope within
    0.1 of −1)."""
    levels, xb = _hierarchy()
    j = (1, 2, 3, 4)
    variances = []
    ns = [1, 2, 4, 8, 16]
    for n in ns:
        m = build_mlmc(levels, j, copies=n)
        stats = m.measure(xb, n_draws=1000, seed=10 + n)
        assert abs(stats.z_score) <= 3.0, (n, stats)
        # the measured variance agrees with the exact formula Σ (1/p − 1) E(ΔA)² / n
        assert stats.variance == pytest.approx(stats.variance_theory, rel=0.15)
        variances.append(stats.variance)
    fit = loglog_fit(ns, variances)
    assert abs(fit.slope + 1.0) <= 0.1, fit


def test_mlmc_draws_are_real_circuits():
    levels, xb = _hierarchy(levels=3)
    m = build_mlmc(levels, (1, 2))
    rng = np.random.default_rng(0)
    for _ in range(5):
        coins = rng.integers(0, 2, m.n_coins).astype(bool)
        real = m.realize(coins)
        got = real.simulate(xb)
        from occam.circuits.encoding import bits_to_ints

        z = bits_to_ints(got, signed=True) * 2.0**-m.frac_bits
        np.testing.assert_array_equal(z, m.values(xb, np.tile(coins, (len(xb), 1))))
        assert real.size <= m.circuit.size
    # all coins 1 keeps every level: the realised circuit computes A_K + Σ (1/p − 1)ΔA_k
    exact, se = m.expected_size()
    assert se == 0.0
    assert levels[0].size <= exact <= m.circuit.size
    # with p = 1 everywhere the estimator is A_K itself, with zero variance
    det = build_mlmc(levels, (0, 0))
    np.testing.assert_array_equal(
        det.values(xb, np.zeros((len(xb), 0), bool)), levels[-1].values(xb)
    )


def test_mlmc_errors_and_choice():
    levels, xb = _hierarchy(levels=3)
    with pytest.raises(MLMCError, match="power of two"):
        build_mlmc(levels, (1, 1), copies=3)
    with pytest.raises(MLMCError, match="non-negative"):
        build_mlmc(levels, (1,))
    j = choose_log2_inv_p(levels, xb)
    assert len(j) == 2 and j[0] == 0 and all(v >= 0 for v in j)
