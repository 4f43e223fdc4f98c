"""The network → circuit compiler (SPEC 7): quantisation, integer ranges, bit-exact verification
against the integer reference model, error by simulation, ABC with cec."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from occam import ResNet
from occam.circuits import Circuit, Op
from occam.compiler import (
    ErrorSample,
    FixedPointSpec,
    QuantizationError,
    build_circuit,
    compile_resnet,
    evaluate_integer,
    quantize,
    verify,
)
from occam.compiler.reference import needs_big_ints
from occam.tasks import Box

SCALES = (0.01, 0.3, 1.0, 4.0, 50.0)


def _random_net(d_in, width, hidden, depth, d_out, scale, density, seed) -> ResNet:
    model = ResNet(d_in, width, hidden, depth, d_out, dtype=torch.float64, seed=seed)
    gen = torch.Generator().manual_seed(seed)
    masks = {}
    with torch.no_grad():
        for name, m in model.named_matrices():
            model.raw_matrix(name).mul_(scale)
            masks[name] = torch.rand(m.shape, generator=gen, dtype=torch.float64) < density
    model.set_masks(masks)
    return model


@st.composite
def nets(draw):
    d_in = draw(st.integers(1, 2))
    width = draw(st.integers(d_in, 4))
    model = _random_net(
        d_in,
        width,
        draw(st.integers(1, 4)),
        draw(st.integers(0, 2)),
        draw(st.integers(1, 2)),
        draw(st.sampled_from(SCALES)),
        draw(st.sampled_from((0.4, 0.8, 1.0))),
        draw(st.integers(0, 10_000)),
    )
    low = draw(st.sampled_from((-1.0, 0.0, -0.3)))
    width_box = draw(st.sampled_from((2.0, 1.0, 0.7)))
    fa = draw(st.integers(0, 8))
    spec = FixedPointSpec(
        input_bits=draw(st.integers(1, 16 // d_in if d_in == 2 else 8)),
        weight_bits=draw(st.integers(0, 8)),
        act_bits=fa,
        out_bits=draw(st.one_of(st.none(), st.integers(0, fa))),
        rounding=draw(st.sampled_from(("nearest", "floor"))),
    )
    return model, Box.from_bounds(low, low + width_box, dim=d_in), spec


@given(nets())
def test_random_small_nets_match_their_integer_model(case):
    """Zero mismatches against the integer model over every input (≤ 16 bits: exhaustive, so the
    box corners are included)."""
    model, box, spec = case
    qnet = quantize(model, box, spec)
    circuit, layout = build_circuit(qnet)
    check = verify(circuit, layout, qnet)
    assert check.exhaustive
    assert check.n_checked == 2 ** (spec.input_bits * model.config.d_in)
    assert check.verified, check.first_mismatch
    assert check.n_mismatches == 0


@given(nets())
def test_propagated_ranges_enclose_every_value(case):
    model, box, spec = case
    qnet = quantize(model, box, spec)
    grid = np.indices((2**spec.input_bits,) * qnet.d_in).reshape(qnet.d_in, -1).T
    y, alphas = evaluate_integer(qnet, grid, trace=True)
    for layer, alpha in enumerate(alphas):
        for i, r in enumerate(qnet.ranges["alpha"][layer]):
            assert r.lo <= alpha[:, i].min() and alpha[:, i].max() <= r.hi
    for o, r in enumerate(qnet.ranges["out"]):
        assert r.lo <= y[:, o].min() and y[:, o].max() <= r.hi


def test_wide_input_is_checked_on_random_points_plus_corners():
    model = _random_net(2, 3, 3, 2, 1, 1.0, 1.0, seed=3)
    qnet = quantize(model, Box.cube(2), FixedPointSpec(9, 6, 6))
    circuit, layout = build_circuit(qnet)
    check = verify(circuit, layout, qnet, n_random=5000)
    assert not check.exhaustive
    assert check.n_checked == 5000 + 4
    assert check.verified


def test_huge_weights_use_exact_integers():
    model = _random_net(1, 2, 2, 2, 1, 1e6, 1.0, seed=5)
    qnet = quantize(model, Box.cube(1), FixedPointSpec(6, 24, 20))
    assert needs_big_ints(qnet)
    circuit, layout = build_circuit(qnet)
    assert verify(circuit, layout, qnet).verified


def test_integer_model_is_the_float_net_at_cell_centres():
    """With fine formats the integer model reproduces f_θ at a_i + (q_i + 1/2) ρ_i / 2^k."""
    model = _random_net(2, 3, 4, 2, 2, 1.0, 1.0, seed=7)
    box = Box.from_bounds(-1.0, 1.0, dim=2)
    k = 5
    qnet = quantize(model, box, FixedPointSpec(k, 24, 24))
    grid = np.indices((2**k,) * 2).reshape(2, -1).T
    centres = box.low + (grid + 0.5) * box.rho / 2**k
    with torch.no_grad():
        f = model(torch.as_tensor(centres)).numpy()
    y = evaluate_integer(qnet, grid) * qnet.output_scale
    assert np.max(np.abs(y - f)) < 1e-5


def _flip_gate(circuit: Circuit, g: int) -> Circuit:
    ops = circuit.ops.copy()
    fanins = circuit.fanins.copy()
    if ops[g] == Op.NOT:  # a NOT becomes a buffer-free AND with a constant-1 fanin
        ops[g] = Op.AND
        fanins[g, 1] = 1
    else:
        ops[g] = Op.OR if ops[g] == Op.AND else Op.AND
    return Circuit(circuit.n_inputs, ops, fanins, circuit.outputs)


def test_corrupting_one_gate_fails_verification():
    model = _random_net(2, 3, 3, 1, 1, 1.0, 1.0, seed=11)
    qnet = quantize(model, Box.cube(2), FixedPointSpec(4, 5, 5))
    circuit, layout = build_circuit(qnet)
    assert verify(circuit, layout, qnet).verified
    table = circuit.truth_table()
    for g in range(circuit.n_gates):
        bad = _flip_gate(circuit, g)
        if not np.array_equal(bad.truth_table(), table):
            break
    else:
        pytest.fail("no single-gate change altered the truth table")
    check = verify(bad, layout, qnet)
    assert not check.verified
    assert check.n_mismatches > 0
    _q, expected, got = check.first_mismatch
    assert expected != got


def test_compile_measures_errors_by_simulation():
    model = _random_net(1, 2, 3, 2, 1, 1.0, 1.0, seed=13)
    box = Box.cube(1)
    coarse = compile_resnet(model, box, FixedPointSpec(3, 4, 4), n_eval=4000)
    fine = compile_resnet(model, box, FixedPointSpec(10, 12, 12), n_eval=4000, target=np.sin)
    assert coarse.verified and fine.verified
    assert fine.error_net.l2 < coarse.error_net.l2
    assert fine.error_net.l2 <= fine.error_net.l2_ucb
    assert fine.error_net.l2 <= fine.error_net.linf
    x = box.sample(4000, np.random.default_rng(0))
    with torch.no_grad():
        f = model(torch.as_tensor(x)).numpy()
    rms = np.sqrt(np.mean((fine.predict(x) - f) ** 2))
    assert rms == pytest.approx(fine.error_net.l2, rel=1e-9)
    assert fine.error_target is not None and fine.error_target.n == 4000
    assert fine.gates > coarse.gates > 0


def test_zero_output_layer_gives_a_constant_circuit():
    model = _random_net(2, 2, 2, 1, 1, 1.0, 1.0, seed=1)
    model.set_masks({"V_out": torch.zeros(1, 3, dtype=torch.bool)})
    cc = compile_resnet(model, Box.cube(2), FixedPointSpec(4, 6, 6), n_eval=1000)
    assert cc.gates == 0 and cc.verified
    assert cc.error_net.l2 == 0.0


def test_bad_specs_raise_occam_errors():
    with pytest.raises(QuantizationError, match="input_bits"):
        FixedPointSpec(0, 4, 4)
    with pytest.raises(QuantizationError, match="out_bits"):
        FixedPointSpec(4, 2, 2, out_bits=5)
    with pytest.raises(QuantizationError, match="rounding"):
        FixedPointSpec(4, 2, 2, rounding="even")


def test_abc_result_is_cec_equivalent_and_verified():
    model = _random_net(2, 3, 3, 1, 1, 1.0, 1.0, seed=17)
    cc = compile_resnet(model, Box.cube(2), FixedPointSpec(5, 5, 5), n_eval=2000, use_abc=True)
    assert cc.abc is not None and cc.abc.cec_equivalent
    assert cc.verified
    assert cc.abc.gates_after == cc.gates <= cc.abc.gates_before
    assert cc.abc.aig_ands_after <= cc.abc.aig_ands_before


def test_search_finds_a_circuit_within_eps_and_records_every_build():
    from occam.compiler import CircuitSearch

    model = _random_net(1, 3, 4, 2, 1, 1.0, 1.0, seed=21)
    search = CircuitSearch(model, Box.cube(1), n_eval=3000, target=np.sin, max_bits=10)
    res = search.search(0.05, budget=40)
    assert res.success and res.best.error_l2_net_ucb <= 0.05
    assert res.n_built == len(res.records) == search.n_built < 40
    assert all(r.verified for r in search.records)
    assert res.best.gates == min(r.gates for r in search.records if r.error_l2_net_ucb <= 0.05)
    again = search.search(0.05, budget=40)  # memoised: nothing new is built
    assert again.n_built == 0 and again.best is res.best
    assert {"n_keep", "input_bits", "gates", "abc"} <= set(res.best.row())
    target = search.search(0.5, error="target", budget=6)
    assert target.best is None or target.best.error_l2_target_ucb <= 0.5


def test_search_reports_an_unreachable_eps():
    from occam.compiler import CircuitSearch

    model = _random_net(1, 2, 2, 1, 1, 1.0, 1.0, seed=22)
    search = CircuitSearch(model, Box.cube(1), n_eval=2000, max_bits=4)
    res = search.search(1e-9, budget=3)
    assert not res.success and res.status == 2 and res.best is None
    assert "no circuit" in res.message and res.n_built <= 3


def test_written_files_describe_every_output(tmp_path):
    import json

    from occam.circuits import read
    from occam.circuits.encoding import decode, encode

    model = _random_net(2, 3, 3, 1, 2, 1.0, 1.0, seed=23)
    box = Box.from_bounds([-1.0, 0.0], [1.0, 0.5])
    cc = compile_resnet(model, box, FixedPointSpec(5, 6, 6), n_eval=2000)
    aig, meta_path = cc.write(tmp_path / "two.aig")
    meta = json.loads(meta_path.read_text())
    assert meta["input_bits"] == [5, 5] and meta["domain"] == {
        "low": [-1.0, 0.0],
        "high": [1.0, 0.5],
    }
    assert len(meta["output_bits"]) == len(meta["scale"]) == len(meta["offset"]) == 2
    x = box.sample(500, np.random.default_rng(3))
    bits = encode(x, (meta["domain"]["low"], meta["domain"]["high"]), 5)
    out = read(aig).simulate(bits)
    y = decode(
        out,
        signed=meta["signed"],
        scale=meta["scale"],
        offset=meta["offset"],
        widths=meta["output_bits"],
    )
    assert np.array_equal(y, cc.predict(x))
    with pytest.raises(ValueError, match=r"\.aig"):
        cc.write(tmp_path / "two.aag")


def test_collapse_keeps_the_function_and_shrinks_the_circuit():
    from occam.compiler import collapse

    model = _random_net(2, 3, 4, 2, 1, 1.0, 1.0, seed=29)
    cc = compile_resnet(model, Box.cube(2), FixedPointSpec(4, 6, 6), n_eval=2000)
    small = collapse(cc, ErrorSample.draw(model, Box.cube(2), n=2000))
    assert small.collapsed_from == cc.gates > small.gates
    assert small.verified and small.verification.exhaustive
    assert np.array_equal(small.circuit.truth_table(), cc.circuit.truth_table())
    assert small.error_net.l2 == cc.error_net.l2
    assert small.metadata()["collapsed_from_gates"] == cc.gates
    wide = compile_resnet(model, Box.cube(2), FixedPointSpec(9, 4, 4), n_eval=500)
    assert collapse(wide, ErrorSample.draw(model, Box.cube(2), n=500)) is wide
