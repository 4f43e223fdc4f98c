"""Per-node compiled circuits of compositional targets (issue 20 item 7(iii)): the re-encoding of a
child's output word to the parent's enc_k cell index, the stage wrapper around a compiled net, and
a verified composition with its eq. (1) account."""

from __future__ import annotations

import numpy as np
import pytest

from occam.circuits import Builder
from occam.circuits.encoding import bits_to_ints, ints_to_bits
from occam.compositional.compiled_nodes import (
    CompiledNodeError,
    NodeCircuits,
    compose_compiled,
    node_stage_circuit,
    reencode_codes,
    reencode_word,
    search_compiled,
)
from occam.compositional.graph import binary_tree
from occam.compositional.targets import random_target, uniform_sample
from occam.htmc.tables import all_input_bits


@pytest.mark.parametrize(
    ("width", "frac", "k"), [(3, 1, 1), (4, 2, 3), (5, 3, 2), (6, 4, 4), (5, 2, 5)]
)
def test_reencode_word_exhaustive(width, frac, k):
    """Gates = integer reference = the float enc_k formula on every two's complement pattern."""
    b = Builder()
    for h in reencode_word(b, b.inputs(width), frac, k):
        b.output(h)
    c = b.build()
    z = bits_to_ints(all_input_bits(width), signed=True)
    got = bits_to_ints(c.simulate(all_input_bits(width)), signed=False)
    ref = reencode_codes(z, frac, k)
    u = z * 2.0**-frac
    direct = np.clip(np.floor((u + 1) / 2 * 2**k), 0, 2**k - 1).astype(np.int64)
    assert np.array_equal(got, ref)
    assert np.array_equal(ref, direct)
    assert c.n_outputs == k


def test_reencode_rejects_bad_args():
    with pytest.raises(CompiledNodeError):
        reencode_codes(np.array([0]), 2, 0)
    with pytest.raises(CompiledNodeError):
        reencode_word(Builder(), [0, 0], -1, 2)


def test_stage_wrapper_equals_compiled_net_at_reencoded_cell():
    """Exhaustive over every (child word, raw code) pattern: the stage's output is the compiled
    circuit's output at the re-encoded cell index."""
    from occam import ResNet
    from occam.compiler import FixedPointSpec, compile_resnet

    k, width, frac = 3, 5, 3
    net = ResNet(2, 2, 4, 1, seed=3)
    cc = compile_resnet(net, (-1.0, 1.0), FixedPointSpec(k, 4, 4), n_eval=256)
    assert cc.verified
    out = cc.qnet.ranges["out"][0]
    fp = node_stage_circuit(cc.circuit, k, [(width, frac), None], 4, (out.lo, out.hi))
    assert fp.circuit.n_inputs == width + k
    bits = all_input_bits(width + k)
    z = bits_to_ints(bits[:, :width], signed=True)
    q1 = bits_to_ints(bits[:, width:], signed=False)
    q0 = reencode_codes(z, frac, k)
    inner = np.concatenate([ints_to_bits(q0, k), ints_to_bits(q1, k)], axis=1)
    assert np.array_equal(fp.codes(bits), bits_to_ints(cc.circuit.simulate(inner), signed=True))
    lo, hi = fp.code_range
    assert lo <= fp.codes(bits).min() and fp.codes(bits).max() <= hi
    # leaves only: the compiled circuit itself
    leaf = node_stage_circuit(cc.circuit, k, [None, None], 4, (out.lo, out.hi))
    assert leaf.circuit is cc.circuit
    with pytest.raises(CompiledNodeError):
        node_stage_circuit(cc.circuit, k, [None], 4, (out.lo, out.hi))


@pytest.fixture(scope="module")
def small_nodes():
    return NodeCircuits(hidden=6, steps=150, lr=3e-2, n=512, n_measure=256)


def test_compose_compiled_d4_verified_and_eq1(small_nodes):
    target = random_target(binary_tree(4), "tanh", seed=0)
    x = uniform_sample(512, 4, seed=1)
    c = compose_compiled(target, 3, 4, 4, x, small_nodes)
    comp = c.composition
    assert comp.verified
    assert c.construction == "per-node compiled" and (c.k, c.weight_bits, c.act_bits) == (3, 4, 4)
    assert c.frac_bits == 4 and c.size == comp.size > 0
    assert comp.total_error <= comp.sum_telescoping + 1e-12 <= comp.sum_bound + 2e-12
    # the measured error is the simulated composed circuit against the target
    bits = ints_to_bits(np.clip(np.floor((x + 1) / 2 * 8), 0, 7).astype(np.int64), 3)
    y = comp.circuit.values(bits.reshape(len(x), -1))
    assert np.isclose(np.sqrt(np.mean((target(x) - y) ** 2)), c.error_l2)
    # the compiled nodes' output ranges are wider than the certified ones: clamps cost gates
    assert sum(s.clamp_gates for s in comp.stages) > 0
    # three nodes, three nets (trained once, reused by a second composition)
    assert len(small_nodes.nets) == 3
    small = compose_compiled(target, 2, 3, 3, x, small_nodes)
    assert len(small_nodes.nets) == 3
    # ABC-optimised nodes (cec-proved): the same function, so the same error; no more gates
    opt = compose_compiled(target, 2, 3, 3, x, small_nodes, abc=True)
    assert opt.abc and opt.composition.verified
    assert opt.error_l2 == small.error_l2 and opt.size <= small.size


def test_search_compiled_records_every_build(small_nodes):
    target = random_target(binary_tree(2), "tanh", seed=0)
    x = uniform_sample(512, 2, seed=1)

    def build(k, fw, fa, abc=False, keep=1.0):
        return compose_compiled(target, k, fw, fa, x, small_nodes, abc=abc, keep=keep)

    errs = [build(k, k + 2, k + 2).error_l2 for k in (2, 3)]
    eps = max(errs) * 1.01
    best, built = search_compiled(build, eps, k_values=(2, 3), bit_offsets=(2,), abc=False)
    assert best is not None and best.error_l2 <= eps and best in built
    assert all(c.composition.verified for c in built)
    assert best.size == min(c.size for c in built if c.error_l2 <= eps and c.k == best.k)
    none, built2 = search_compiled(build, 1e-9, k_values=(2,), bit_offsets=(1,), abc=False)
    assert none is None and len(built2) == 1
    # with pruning levels the descent also tries the pruned nets; the best still meets eps
    best3, built3 = search_compiled(
        build, 1.0, k_values=(2,), bit_offsets=(2,), keep_levels=(1.0, 0.5), abc=False
    )
    assert {c.keep for c in built3} == {1.0, 0.5}
    assert best3.error_l2 <= 1.0 and best3.size == min(c.size for c in built3)


def test_pruned_node_nets(small_nodes):
    from occam.compiler import FixedPointSpec

    target = random_target(binary_tree(4), "tanh", seed=0)
    x = uniform_sample(256, 4, seed=2)
    c = compose_compiled(target, 3, 4, 4, x, small_nodes, keep=0.5)
    assert c.composition.verified and c.keep == 0.5
    g = next(iter(target.nodes.values()))
    spec = FixedPointSpec(3, 4, 4)
    full = small_nodes.compiled(g, 2, spec).qnet.n_weights
    assert small_nodes.compiled(g, 2, spec, keep=0.5).qnet.n_weights < full
    with pytest.raises(CompiledNodeError):
        small_nodes.model(g, 2, keep=0.0)


def test_compose_compiled_random_dag_mixed_operands(small_nodes):
    """Nodes of arity 3 and 4 reading raw inputs and child words side by side."""
    from occam.compositional.graph import random_dag

    graph = random_dag(5, 4, max_arity=3, seed=2)
    assert any(
        any(isinstance(c, str) for c in graph.children[v])
        and any(not isinstance(c, str) for c in graph.children[v])
        for v in graph.internal
    )
    target = random_target(graph, "tanh", seed=0)
    x = uniform_sample(512, 5, seed=1)
    comp = compose_compiled(target, 2, 3, 3, x, small_nodes).composition
    assert comp.verified
    assert comp.total_error <= comp.sum_telescoping + 1e-12 <= comp.sum_bound + 2e-12
