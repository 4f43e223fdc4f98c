"""Circuit → ResNet (SPEC 8, Prop 12): exactness, sparsity, entries and the complexity bounds."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import occam.circuits
from circuit_strategies import evaluate_reference, random_circuits
from occam.circuits import Builder, Circuit, Op
from occam.complexity import certified
from occam.complexity.circuit_nets import to_resnet_report
from occam.nets.from_circuit import (
    bits_to_signs,
    path_weight,
    signs_to_bits,
    simulate_resnet,
    to_resnet,
)

GATES = ("minmax", "boolean")
RTOL = 1e-9  # slack for the outward rounding of the interval engine


def all_bits(n: int) -> np.ndarray:
    """All 2^n input rows; row r has input i = (r >> i) & 1."""
    return ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)


def box(n: int) -> tuple[np.ndarray, np.ndarray]:
    return -np.ones(n), np.ones(n)


def r_value(model, **kwargs) -> float:
    with torch.no_grad():
        return float(certified(model, **kwargs))


def n_materialised(model, circuit: Circuit) -> int:
    return model.config.width - circuit.n_inputs


def real_minmax(circuit: Circuit, x: np.ndarray) -> np.ndarray:
    """Independent reference: the circuit evaluated on reals in [−1, 1] with min/max/negation."""
    vals = [-np.ones(x.shape[0]), np.ones(x.shape[0]), *x.T]
    for op, (a, b) in zip(circuit.ops.tolist(), circuit.fanins.tolist(), strict=True):
        if op == Op.AND:
            vals.append(np.minimum(vals[a], vals[b]))
        elif op == Op.OR:
            vals.append(np.maximum(vals[a], vals[b]))
        else:
            vals.append(-vals[a])
    return np.stack([vals[o] for o in circuit.outputs.tolist()], axis=1)


@st.composite
def formulas(draw, max_inputs: int = 6, max_gates: int = 30) -> Circuit:
    """Random formulas: every gate is read at most once (by a gate or an output); inputs reused."""
    n = draw(st.integers(1, max_inputs))
    n_gates = draw(st.integers(1, max_gates))
    free: list[int] = []  # gates not read yet
    ops, fanins = [], []
    for g in range(n_gates):
        op = draw(st.sampled_from([Op.AND, Op.OR, Op.NOT]))

        def operand() -> int:
            if free and draw(st.booleans()):
                return free.pop(draw(st.integers(0, len(free) - 1)))
            return draw(st.integers(0, n + 1))  # an input or a constant

        a = operand()
        b = a if op == Op.NOT else operand()
        ops.append(int(op))
        fanins.append((a, b))
        free.append(n + 2 + g)
    k = draw(st.integers(1, len(free)))
    outputs = free[-k:]
    return Circuit(n, np.array(ops, np.uint8), np.array(fanins, np.int64), np.array(outputs))


# -- exactness ----------------------------------------------------------------------------------


@pytest.mark.parametrize("gates", GATES)
@given(circuit=random_circuits(min_inputs=1, max_inputs=9, max_gates=40))
def test_exact_on_all_inputs(gates: str, circuit: Circuit) -> None:
    model = to_resnet(circuit, gates=gates)
    bits = all_bits(circuit.n_inputs)
    out = simulate_resnet(model, bits)
    np.testing.assert_array_equal(out, circuit.simulate(bits))
    np.testing.assert_array_equal(out, evaluate_reference(circuit, bits))
    with torch.no_grad():  # the ±1 values are exact, not just of the right sign
        y = model(torch.as_tensor(bits_to_signs(bits))).numpy()
    np.testing.assert_array_equal(y, bits_to_signs(circuit.simulate(bits)))


def test_exact_sixteen_inputs_exhaustive() -> None:
    b = Builder()
    x = b.inputs(16)
    lo, hi = x[:8], x[8:]
    # 8-bit comparison lo < hi, and the parity of all bits
    lt, eq = b.const(False), b.const(True)
    for i in range(7, -1, -1):
        lt = b.OR(lt, b.AND(eq, b.AND(b.NOT(lo[i]), hi[i])))
        eq = b.AND(eq, b.XNOR(lo[i], hi[i]))
    b.output(lt)
    b.output(b.XOR_many(x))
    circuit = b.build()
    bits = all_bits(16)
    for gates in GATES:
        out = simulate_resnet(to_resnet(circuit, gates=gates), bits)
        np.testing.assert_array_equal(out, circuit.simulate(bits))
    q = bits[:, :8] @ (1 << np.arange(8)), bits[:, 8:] @ (1 << np.arange(8))
    np.testing.assert_array_equal(out[:, 0], q[0] < q[1])


def test_exact_on_a_large_sample_beyond_16_inputs() -> None:
    rng = np.random.default_rng(3)
    n, n_gates = 24, 300
    ops = rng.integers(0, 3, n_gates)
    fanins = np.zeros((n_gates, 2), dtype=np.int64)
    for g in range(n_gates):
        node = n + 2 + g
        lo = max(0, node - 40)  # local fan-in so the circuit is deep
        fanins[g] = rng.integers(lo, node, 2)
        if ops[g] == Op.NOT:
            fanins[g, 1] = fanins[g, 0]
    circuit = Circuit(
        n, ops.astype(np.uint8), fanins, np.arange(n + 2 + n_gates - 8, n + 2 + n_gates)
    )
    bits = rng.random((4096, n)) < 0.5
    for gates in GATES:
        np.testing.assert_array_equal(
            simulate_resnet(to_resnet(circuit, gates=gates), bits), circuit.simulate(bits)
        )


@given(circuit=random_circuits(min_inputs=1, max_inputs=6, max_gates=30))
def test_minmax_is_the_min_max_extension_on_the_box(circuit: Circuit) -> None:
    x = np.random.default_rng(0).uniform(-1, 1, (64, circuit.n_inputs))
    with torch.no_grad():
        y = to_resnet(circuit)(torch.as_tensor(x)).numpy()
    np.testing.assert_allclose(y, real_minmax(circuit, x), rtol=0, atol=1e-12)


# -- structure ----------------------------------------------------------------------------------


@pytest.mark.parametrize("gates", GATES)
@given(circuit=random_circuits(min_inputs=1, max_inputs=6, max_gates=40))
def test_entries_sparsity_width_depth(gates: str, circuit: Circuit) -> None:
    model = to_resnet(circuit, gates=gates)
    theta = model.theta().detach()
    assert set(np.unique(theta.numpy()).tolist()) <= {-1.0, 0.0, 1.0}
    size, n_out = circuit.size, circuit.n_outputs
    per_gate = 8 if gates == "minmax" else 5
    assert model.n_nonzero() <= per_gate * size + n_out
    m, L = n_materialised(model, circuit), model.config.depth
    assert m <= size and L <= circuit.depth and L <= m
    assert model.n_nonzero() <= (per_gate - 1) * m + L + n_out
    assert model.config.d_in == circuit.n_inputs and model.config.d_out == n_out


# -- complexity (SPEC 4.3 R over Ω = [−1, 1]^n) -------------------------------------------------


@given(circuit=random_circuits(min_inputs=1, max_inputs=7, max_gates=40))
def test_minmax_empirical_r_is_linear_in_size(circuit: Circuit) -> None:
    """Prop 12: R ≤ √n_out(9|C| + L) + n_out ≤ 10√n_out|C| + n_out with the true sups; the
    empirical engine on Boolean points and random points of the box never exceeds it."""
    model = to_resnet(circuit)
    n = circuit.n_inputs
    rng = np.random.default_rng(1)
    x = np.vstack([bits_to_signs(all_bits(n)), rng.uniform(-1, 1, (256, n))])
    r_emp = r_value(model, x=torch.as_tensor(x), engine="empirical")
    sq = math.sqrt(circuit.n_outputs)
    assert r_emp <= sq * (9 * circuit.size + model.config.depth) + circuit.n_outputs + RTOL
    assert r_emp <= 10 * sq * circuit.size + circuit.n_outputs + RTOL


@given(circuit=random_circuits(min_inputs=1, max_inputs=7, max_gates=40))
def test_boolean_certified_r_bounded_by_paths(circuit: Circuit) -> None:
    """gates="boolean": R_empirical ≤ R_interval ≤ R_global ≤ 6·Σ_g P(g) + n_out."""
    model = to_resnet(circuit, gates="boolean")
    n = circuit.n_inputs
    x = torch.as_tensor(bits_to_signs(all_bits(n)))
    r_emp = r_value(model, x=x, engine="empirical")
    r_int = r_value(model, domain=box(n), engine="interval")
    r_glob = r_value(model, domain=box(n), engine="global")
    bound = 6 * path_weight(circuit) + circuit.n_outputs
    assert r_emp <= r_int * (1 + RTOL) + RTOL
    assert r_int <= r_glob * (1 + RTOL) + RTOL
    assert r_glob <= bound * (1 + RTOL) + RTOL


@pytest.mark.parametrize("gates", GATES)
@given(circuit=formulas())
def test_certified_r_on_formulas(gates: str, circuit: Circuit) -> None:
    """Formulas: path_weight ≤ |C|; "boolean" certifies R_interval ≤ R_global ≤ 6|C| + n_out,
    "minmax" keeps the empirical bound (its certified value is only checked to be ≥ it)."""
    assert path_weight(circuit) <= circuit.size + 1e-12
    model = to_resnet(circuit, gates=gates)
    n, n_out = circuit.n_inputs, circuit.n_outputs
    r_int = r_value(model, domain=box(n), engine="interval")
    r_glob = r_value(model, domain=box(n), engine="global")
    assert r_int <= r_glob * (1 + RTOL) + RTOL
    if gates == "boolean":
        assert r_glob <= (6 * circuit.size + n_out) * (1 + RTOL)
    else:
        x = torch.as_tensor(bits_to_signs(all_bits(n)))
        r_emp = r_value(model, x=x, engine="empirical")
        assert r_emp <= 10 * math.sqrt(n_out) * circuit.size + n_out + RTOL
        assert r_emp <= r_int * (1 + RTOL) + RTOL


def test_path_weight_counts_paths() -> None:
    b = Builder()
    x, y = b.inputs(2)
    g1 = b.AND(x, y)  # read by g2 twice (via g2, g3) -> 2 paths to the output
    g2 = b.OR(g1, x)
    g3 = b.AND(g1, y)
    b.output(b.AND(g2, g3))
    c = b.build()
    # gates: g1 (2 paths), g2 (1), g3 (1), out (1)
    assert path_weight(c) == pytest.approx(5.0)


def test_minmax_certified_engines_are_loose_with_depth() -> None:
    """Documents the limitation stated in the docstring: interval boxes of min/max grow with depth,
    so R_interval of "minmax" on an AND chain is superlinear in |C| (R/|C| ≈ 18 at depth 4, ≈ 42
    at depth 16) while "boolean" stays ≤ 6|C| + 1."""
    ratios = {}
    for depth in (4, 16):
        b = Builder()
        x = b.inputs(depth + 1)
        acc = x[0]
        for i in range(depth):
            acc = b.AND(acc, x[i + 1])
        b.output(acc)
        c = b.build()
        for gates in GATES:
            r = r_value(to_resnet(c, gates=gates), domain=box(c.n_inputs), engine="interval")
            ratios[gates, depth] = r / c.size
        assert ratios["boolean", depth] <= 6 + 1 / c.size + RTOL
    assert ratios["minmax", 16] > 1.5 * ratios["minmax", 4]


# -- helpers and errors -------------------------------------------------------------------------


def test_sign_helpers_round_trip() -> None:
    bits = all_bits(3)
    s = bits_to_signs(bits)
    assert set(np.unique(s)) == {-1.0, 1.0}
    np.testing.assert_array_equal(signs_to_bits(s), bits)
    np.testing.assert_array_equal(signs_to_bits(torch.as_tensor(s)), bits)
    np.testing.assert_array_equal(bits_to_signs(bits.astype(int)), s)
    with pytest.raises(ValueError, match="bits"):
        bits_to_signs(np.array([[2, 0]]))


def test_errors_and_forwarded_name() -> None:
    c = Circuit(2, np.array([Op.AND], np.uint8), np.array([[2, 3]]), np.array([4]))
    # SPEC 15 calls occam.circuits.to_resnet(circuit): it forwards to occam.nets.from_circuit
    forwarded = occam.circuits.to_resnet(c, gates="boolean")
    direct = to_resnet(c, gates="boolean")
    assert forwarded.config == direct.config
    for (_, m1), (_, m2) in zip(forwarded.named_matrices(), direct.named_matrices(), strict=True):
        assert torch.equal(m1, m2)
    assert occam.circuits.to_resnet(c).config.width == 3
    with pytest.raises(TypeError, match="circuit"):
        occam.circuits.to_resnet("not a circuit")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="circuit"):
        to_resnet("not a circuit")  # type: ignore[arg-type]
    c0 = Circuit(0, np.zeros(0, np.uint8), np.zeros((0, 2), np.int64), np.array([1]))
    with pytest.raises(ValueError, match="n_inputs"):
        to_resnet(c0)
    c1 = Circuit(1, np.zeros(0, np.uint8), np.zeros((0, 2), np.int64), np.array([2]))
    with pytest.raises(ValueError, match="gates"):
        to_resnet(c1, gates="nand")  # type: ignore[arg-type]
    model = to_resnet(c1)  # identity: no block, V_L reads the input
    assert model.config.depth == 0
    np.testing.assert_array_equal(simulate_resnet(model, all_bits(1)), all_bits(1))


def test_import_occam_circuits_does_not_import_torch() -> None:
    code = (
        "import sys, numpy as np, occam.circuits as oc; assert 'torch' not in sys.modules; "
        "c = oc.Circuit(1, np.zeros(0, np.uint8), np.zeros((0, 2), np.int64), np.array([2])); "
        "assert oc.to_resnet(c).config.d_in == 1; assert 'torch' in sys.modules; "
        "assert oc.to_resnet(c, gates='boolean').config.depth == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@settings(max_examples=10)
@given(circuit=random_circuits(min_inputs=1, max_inputs=5, max_gates=20))
def test_float32_also_exact(circuit: Circuit) -> None:
    bits = all_bits(circuit.n_inputs)
    model = to_resnet(circuit, dtype=torch.float32)
    assert model.V_out.dtype == torch.float32
    np.testing.assert_array_equal(simulate_resnet(model, bits), circuit.simulate(bits))


def test_report() -> None:
    b = Builder()
    x = b.inputs(5)
    b.output(b.MAJ(x[0], b.XOR(x[1], x[2]), b.OR(x[3], x[4])))
    b.output(b.AND(x[0], x[4]))
    c = b.build()
    for gates in GATES:
        rep = to_resnet_report(c, gates=gates, n_samples=256)
        model = to_resnet(c, gates=gates)
        assert (rep.width, rep.depth, rep.nonzeros) == (
            model.config.width,
            model.config.depth,
            model.n_nonzero(),
        )
        assert rep.size == c.size and rep.path_weight == pytest.approx(path_weight(c))
        assert (
            rep.r["empirical"] <= rep.r["interval"] * (1 + RTOL) <= rep.r["global"] * (1 + 2 * RTOL)
        )
        key = "empirical" if gates == "minmax" else "global"
        assert rep.r[key] <= rep.bound * (1 + RTOL)
        assert set(rep.to_dict()) >= {"gates", "size", "width", "depth", "nonzeros", "r", "bound"}


def test_refuses_networks_too_large_for_dense_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    module = sys.modules["occam.nets.from_circuit"]
    monkeypatch.setattr(module, "MAX_DENSE_BYTES", 1000)
    b = Builder()
    x = b.inputs(8)
    b.output(b.XOR_many(x))
    with pytest.raises(ValueError, match="GiB"):
        to_resnet(b.build())


@pytest.mark.slow
@settings(max_examples=6)
@given(circuit=random_circuits(min_inputs=16, max_inputs=16, max_gates=120, max_outputs=6))
def test_slow_random_sixteen_input_circuits_exhaustive(circuit: Circuit) -> None:
    bits = all_bits(16)
    truth = circuit.simulate(bits)
    for gates in GATES:
        np.testing.assert_array_equal(simulate_resnet(to_resnet(circuit, gates=gates), bits), truth)
