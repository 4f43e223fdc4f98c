"""Truth table → circuit (occam.circuits.tables): exact on every table, ROBDD-sized, torch-free."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from occam.circuits.encoding import ints_to_bits
from occam.circuits.tables import circuit_from_truth_table


def _rows(n: int) -> np.ndarray:
    """All 2**n input patterns, row r with input i = (r >> i) & 1 (independent of the circuit)."""
    return ints_to_bits(np.arange(1 << n), max(n, 1))[:, :n]


def test_every_function_of_two_inputs():
    for bits in itertools.product([False, True], repeat=4):
        table = np.array(bits)
        c = circuit_from_truth_table(table)
        np.testing.assert_array_equal(c.simulate(_rows(2))[:, 0], table)
        assert c.size <= 5  # ≤ 3 gates per multiplexer plus the NOT of each variable


@given(
    st.integers(min_value=1, max_value=8),
    st.integers(min_value=1, max_value=3),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.booleans(),
)
@settings(max_examples=40, deadline=None)
def test_random_tables_and_orders(n, m, seed, shuffle):
    rng = np.random.default_rng(seed)
    table = rng.random((1 << n, m)) < rng.random()
    order = rng.permutation(n).tolist() if shuffle else None
    c = circuit_from_truth_table(table, order=order)
    assert (c.n_inputs, c.n_outputs) == (n, m)
    np.testing.assert_array_equal(c.simulate(_rows(n)), table)


def test_reduction_and_sharing():
    n = 6
    rows = _rows(n)
    # constants and single literals need no multiplexer
    assert circuit_from_truth_table(np.zeros(1 << n, bool)).size == 0
    assert circuit_from_truth_table(rows[:, 3]).size == 0
    assert circuit_from_truth_table(~rows[:, 3]).size == 1
    # parity: a ROBDD of 2 nodes per level → at most 3 gates per node plus one NOT per variable
    parity = np.logical_xor.reduce(rows, axis=1)
    assert circuit_from_truth_table(parity).size <= 3 * (2 * n - 1) + n
    # two equal outputs share everything
    one = circuit_from_truth_table(parity)
    two = circuit_from_truth_table(np.stack([parity, parity], axis=1))
    assert two.size == one.size and two.outputs[0] == two.outputs[1]


def test_names_and_errors():
    c = circuit_from_truth_table(np.array([0, 1, 1, 0]), input_names=["a", "b"], output_names=["s"])
    assert c.input_names == ("a", "b") and c.output_names == ("s",)
    with pytest.raises(ValueError, match="2\\*\\*n"):
        circuit_from_truth_table(np.zeros(3, bool))
    with pytest.raises(ValueError, match="0/1"):
        circuit_from_truth_table(np.array([0, 2, 1, 0]))
    with pytest.raises(ValueError, match="permutation"):
        circuit_from_truth_table(np.zeros(4, bool), order=[0, 0])
    with pytest.raises(ValueError, match="input names"):
        circuit_from_truth_table(np.zeros(4, bool), input_names=["a"])
    with pytest.raises(ValueError, match="at most"):
        circuit_from_truth_table(np.zeros(1 << 21, bool))
