"""Circuit core (SPEC 2.1): structure, builder folding rules, simulation engines, measures."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuit_strategies import evaluate_reference, random_circuits
from occam.circuits import Builder, Circuit, Op
from occam.circuits.simulate import pack_bits, unpack_bits


def _all_rows(n: int) -> np.ndarray:
    r = np.arange(2**n)
    return ((r[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)


def test_no_torch_import():
    code = "import sys, occam.circuits; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------ simulation agreement
@given(random_circuits(max_inputs=7, max_gates=60), st.integers(0, 300), st.integers(0, 2**32))
def test_engines_agree_with_reference(circuit, n, seed):
    bits = np.random.default_rng(seed).random((n, circuit.n_inputs)) < 0.5
    ref = evaluate_reference(circuit, bits)
    assert np.array_equal(circuit.simulate(bits), ref)
    assert np.array_equal(circuit.simulate(bits, engine="numpy"), ref)


@given(random_circuits(max_inputs=8, max_gates=50))
def test_truth_table_matches_reference(circuit):
    ref = evaluate_reference(circuit, _all_rows(circuit.n_inputs))
    tt = circuit.truth_table()
    assert tt.shape == (2**circuit.n_inputs, circuit.n_outputs)
    assert np.array_equal(tt, ref)
    assert np.array_equal(circuit.truth_table(engine="numpy"), ref)


@given(random_circuits(min_inputs=1, max_inputs=5, max_gates=80), st.sampled_from([1, 3, 8, 64]))
def test_block_sizes_and_word_counts(circuit, block):
    rng = np.random.default_rng(0)
    words = rng.integers(0, 2**63, size=(circuit.n_inputs, 37), dtype=np.uint64) * np.uint64(2)
    words ^= rng.integers(0, 2, size=words.shape, dtype=np.uint64)
    a = circuit.simulate_words(words, block=block)
    b = circuit.simulate_words(words, engine="numpy")
    assert a.dtype == np.uint64 and a.shape == (circuit.n_outputs, 37)
    assert np.array_equal(a, b)


def test_pack_unpack_roundtrip():
    rng = np.random.default_rng(1)
    for n in (0, 1, 63, 64, 65, 200):
        bits = rng.random((n, 5)) < 0.5
        words = pack_bits(bits)
        assert words.shape == (5, (n + 63) // 64)
        assert np.array_equal(unpack_bits(words, n), bits)
    bits = np.zeros((70, 1), bool)
    bits[65, 0] = True
    assert pack_bits(bits)[0].tolist() == [0, 2]


def test_simulate_single_pattern_and_int_bits():
    b = Builder()
    x, y = b.inputs(2)
    b.output(b.AND(x, y))
    c = b.build()
    assert c.simulate(np.array([1, 1])).tolist() == [True]
    assert c.simulate(np.array([[1, 0], [1, 1]])).tolist() == [[False], [True]]
    with pytest.raises(ValueError, match="bits"):
        c.simulate(np.zeros((3, 3), bool))
    with pytest.raises(ValueError, match="boolean"):
        c.simulate(np.array([[2, 0]]))
    with pytest.raises(ValueError, match="engine"):
        c.simulate(np.zeros((3, 2), bool), engine="gpu")


# ------------------------------------------------------------------ builder rules
def test_and_folding_rules():
    b = Builder()
    a, c = b.inputs(2)
    na = b.NOT(a)
    n0 = b.n_gates
    assert b.AND(a, 0) == 0 and b.AND(0, a) == 0
    assert b.AND(a, 1) == a and b.AND(1, a) == a
    assert b.AND(a, a) == a
    assert b.AND(a, na) == 0 and b.AND(na, a) == 0
    assert b.n_gates == n0
    g = b.AND(a, c)
    assert b.AND(c, a) == g and b.n_gates == n0 + 1


def test_or_folding_rules():
    b = Builder()
    a, c = b.inputs(2)
    na = b.NOT(a)
    n0 = b.n_gates
    assert b.OR(a, 1) == 1 and b.OR(1, a) == 1
    assert b.OR(a, 0) == a and b.OR(0, a) == a
    assert b.OR(a, a) == a
    assert b.OR(a, na) == 1 and b.OR(na, a) == 1
    assert b.n_gates == n0
    g = b.OR(a, c)
    assert b.OR(c, a) == g and b.n_gates == n0 + 1
    assert b.AND(a, c) != g  # AND and OR are different keys


def test_not_folding_rules():
    b = Builder()
    (a,) = b.inputs(1)
    assert b.NOT(0) == 1 and b.NOT(1) == 0
    assert b.const(True) == 1 and b.const(False) == 0
    na = b.NOT(a)
    assert b.NOT(na) == a
    assert b.NOT(a) == na
    assert b.n_gates == 1


def test_structural_sharing_and_no_constant_gates():
    b = Builder()
    x = b.inputs(4)
    f1 = b.OR(b.AND(x[0], x[1]), b.AND(x[2], x[3]))
    f2 = b.OR(b.AND(x[3], x[2]), b.AND(x[1], x[0]))
    assert f1 == f2
    b.output(f1)
    b.output(b.AND(f1, b.const(True)))
    b.output(b.OR(b.AND(x[0], b.const(False)), x[1]))
    c = b.build()
    assert c.size == 3
    assert np.all(c.fanins >= 2)


@pytest.mark.parametrize(
    ("name", "n", "fn", "max_gates"),
    [
        ("XOR", 2, lambda r: r[:, 0] ^ r[:, 1], 4),
        ("XNOR", 2, lambda r: ~(r[:, 0] ^ r[:, 1]), 4),
        ("MUX", 3, lambda r: np.where(r[:, 0], r[:, 1], r[:, 2]), 4),
        ("MAJ", 3, lambda r: r.sum(axis=1) >= 2, 4),
    ],
)
def test_derived_gates(name, n, fn, max_gates):
    b = Builder()
    xs = b.inputs(n)
    b.output(getattr(b, name)(*xs))
    c = b.build()
    rows = _all_rows(n)
    assert np.array_equal(c.truth_table()[:, 0], fn(rows))
    assert c.size <= max_gates


def test_derived_gates_with_constants_fold():
    b = Builder()
    (a,) = b.inputs(1)
    assert b.XOR(a, 0) == a
    assert b.XOR(a, 1) == b.NOT(a)
    assert b.XOR(a, a) == 0
    assert b.XNOR(a, a) == 1
    assert b.MUX(1, a, 0) == a and b.MUX(0, a, 0) == 0
    assert b.MAJ(a, a, 0) == a
    assert b.n_gates == 1


def test_many_input_reductions():
    b = Builder()
    x = b.inputs(5)
    b.output(b.AND_many(x))
    b.output(b.OR_many(x))
    b.output(b.XOR_many(x))
    b.output(b.AND_many([]))
    b.output(b.OR_many([]))
    tt = b.build().truth_table()
    rows = _all_rows(5)
    assert np.array_equal(tt[:, 0], rows.all(1))
    assert np.array_equal(tt[:, 1], rows.any(1))
    assert np.array_equal(tt[:, 2], rows.sum(1) % 2 == 1)
    assert tt[:, 3].all() and not tt[:, 4].any()


def test_builder_inputs_after_gates_and_names():
    b = Builder()
    x = b.input("a")
    g = b.NOT(x)
    y = b.input("b")
    b.output(b.AND(g, y), "out")
    c = b.build()
    assert c.input_names == ("a", "b") and c.output_names == ("out",)
    assert c.truth_table()[:, 0].tolist() == [False, False, True, False]


def test_build_cleanup_flag_and_add_circuit():
    b = Builder()
    x = b.inputs(3)
    b.AND(x[0], x[1])  # dead
    b.output(b.OR(x[1], x[2]))
    assert b.build().size == 1
    assert b.build(cleanup=False).size == 2
    inner = b.build()
    b2 = Builder()
    y = b2.inputs(2)
    (o,) = b2.add_circuit(inner, [y[0], y[1], y[0]])
    b2.output(o)
    assert np.array_equal(b2.build().truth_table()[:, 0], _all_rows(2).any(1))
    with pytest.raises(ValueError, match="expected 3"):
        b2.add_circuit(inner, [y[0]])


def test_builder_rejects_bad_handles():
    b = Builder()
    with pytest.raises(ValueError, match="not a node"):
        b.AND(0, 7)
    with pytest.raises(TypeError):
        b.NOT("a")


# ------------------------------------------------------------------ structure / validation
def test_constructor_validation():
    with pytest.raises(ValueError, match="fanins of gate 0"):
        Circuit(1, [0], [[0, 3]], [3])
    with pytest.raises(ValueError, match="NOT gate 0"):
        Circuit(2, [Op.NOT], [[2, 3]], [4])
    with pytest.raises(ValueError, match="ops"):
        Circuit(1, [5], [[0, 1]], [3])
    with pytest.raises(ValueError, match="output 0"):
        Circuit(1, [0], [[2, 2]], [4])
    with pytest.raises(ValueError, match="shape"):
        Circuit(1, [0, 0], [[2, 2]], [3])
    with pytest.raises(TypeError, match="n_inputs"):
        Circuit(1.5, [], [], [])
    with pytest.raises(ValueError, match="input_names"):
        Circuit(2, [], [], [], input_names=["a"])
    c = Circuit(0, [], [], [0, 1])
    assert c.truth_table().tolist() == [[False, True]]


def test_arrays_are_read_only():
    c = Circuit(2, [0], [[2, 3]], [4])
    with pytest.raises(ValueError):
        c.ops[0] = 1
    with pytest.raises(ValueError):
        c.fanins[0, 0] = 0
    assert c == Circuit(2, [0], [[2, 3]], [4])
    assert hash(c) == hash(Circuit(2, [0], [[2, 3]], [4]))
    assert "size=1" in repr(c) and "AND=1" in repr(c)


def test_levels_depth_and_counts():
    # x0 & x1 -> g4 (level 1); ~g4 -> g5 (2); g5 | x2 -> g6 (3); dead x0 & x2 -> g7 (1)
    c = Circuit(3, [0, 2, 1, 0], [[2, 3], [5, 5], [6, 4], [2, 4]], [7, 4])
    assert c.levels().tolist() == [0, 0, 0, 0, 0, 1, 2, 3, 1]
    assert c.depth == 3
    assert c.layer_sizes().tolist() == [2, 1, 1]
    assert c.gate_counts() == {"AND": 2, "OR": 1, "NOT": 1}
    assert c.layered_size(1.0) == 4.0
    assert c.layered_size(0.5) == pytest.approx((np.sqrt(2) + 2) ** 2)
    with pytest.raises(ValueError, match="p must be"):
        c.layered_size(0.0)
    with pytest.raises(ValueError, match="p must be"):
        c.layered_size(1.5)


@given(random_circuits(max_gates=60), st.floats(0.05, 1.0), st.floats(0.05, 1.0))
def test_layered_size_properties(circuit, p, q):
    assert circuit.layered_size(1.0) == circuit.size
    lo, hi = min(p, q), max(p, q)
    assert circuit.layered_size(lo) >= circuit.layered_size(hi) * (1 - 1e-12)
    assert circuit.layered_size(lo) >= circuit.size * (1 - 1e-12)
    sizes = circuit.layer_sizes()
    assert sizes.sum() == circuit.size and (sizes > 0).all()
    assert circuit.layered_size(p) == pytest.approx((sizes.astype(float) ** p).sum() ** (1 / p))


@given(random_circuits(max_inputs=6, max_gates=60))
def test_cleanup_preserves_function(circuit):
    clean = circuit.cleanup()
    assert clean.size <= circuit.size
    assert clean.n_inputs == circuit.n_inputs and clean.n_outputs == circuit.n_outputs
    assert np.array_equal(clean.truth_table(), circuit.truth_table())
    assert clean.cleanup() == clean
    assert clean.depth == circuit.depth
    # every gate of the cleaned circuit lies in an output cone
    used = set(clean.outputs.tolist()) | set(clean.fanins.ravel().tolist())
    base = clean.n_inputs + 2
    assert all(base + g in used for g in range(clean.n_gates))


def _deep_random_circuit(n_inputs, n_gates, seed):
    """Random circuit whose fanins reach far back, so rows are freed and reused in odd orders."""
    rng = np.random.default_rng(seed)
    ops = rng.integers(0, 3, n_gates)
    node = n_inputs + 2 + np.arange(n_gates)
    back = np.minimum(rng.geometric(0.01, size=(n_gates, 2)), node[:, None])
    fan = node[:, None] - back
    fan[ops == 2, 1] = fan[ops == 2, 0]
    outputs = rng.integers(0, n_inputs + 2 + n_gates, 17)
    return Circuit(n_inputs, ops.astype(np.uint8), fan, outputs)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_large_circuit_slot_reuse_matches_numpy(seed):
    c = _deep_random_circuit(20, 5000, seed)
    n_slots = c._plan().n_slots
    assert n_slots < c.n_nodes  # rows really are recycled
    words = np.random.default_rng(seed).integers(0, 2**63, size=(20, 300), dtype=np.uint64)
    ref = c.simulate_words(words, engine="numpy")
    for block in (None, 7, 64):
        assert np.array_equal(c.simulate_words(words, block=block), ref)
    bits = np.random.default_rng(seed).random((40, 20)) < 0.5
    assert np.array_equal(c.simulate(bits), evaluate_reference(c, bits))


def test_plan_never_overwrites_live_values():
    """Replay the plan symbolically: every row read holds the value (node, complement) expected."""
    from occam.circuits.simulate import SimPlan

    for seed in range(4):
        c = _deep_random_circuit(6, 2000, seed)
        plan = SimPlan(c.n_inputs, c.ops, c.fanins, c.outputs)
        base = c.n_inputs + 2
        # row -> root node it holds; "root" resolves NOT chains
        root = list(range(c.n_nodes))
        for g, (op, (a, _)) in enumerate(zip(c.ops.tolist(), c.fanins.tolist(), strict=True)):
            if op == Op.NOT:
                root[base + g] = root[a]
        holder = {i: i for i in range(base)}
        for t, g in enumerate(plan.order.tolist()):
            a, b = c.fanins[g].tolist()
            assert c.ops[g] != Op.NOT
            assert holder[int(plan.src_a[t])] == root[a] and holder[int(plan.src_b[t])] == root[b]
            holder[int(plan.dst[t])] = base + g
        for j, o in enumerate(c.outputs.tolist()):
            assert holder[int(plan.out_slot[j])] == root[o]
        assert plan.n_slots < c.n_nodes


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(random_circuits(max_inputs=10, max_gates=1500, max_outputs=12), st.integers(0, 2**32))
def test_engines_agree_on_larger_random_circuits(circuit, seed):
    bits = np.random.default_rng(seed).random((700, circuit.n_inputs)) < 0.5
    ref = evaluate_reference(circuit, bits)
    assert np.array_equal(circuit.simulate(bits), ref)
    assert np.array_equal(circuit.simulate(bits, engine="numpy"), ref)
    assert np.array_equal(circuit.cleanup().simulate(bits), ref)
