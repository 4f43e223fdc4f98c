"""The convexity experiment on compiled frontiers: the converter of compiled circuits to a common
K-bit fixed-point encoding (checked exhaustively) and a tiny end-to-end run."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from occam import ResNet
from occam.circuits.encoding import encode, ints_to_bits
from occam.compiler import FixedPointSpec, compile_resnet
from occam.compiler.verification import circuit_integers
from occam.compositional.convexity import (
    ConvexityError,
    experiment_convexity,
    sum_level,
    to_fixed_point,
)
from occam.compositional.experiment import CompositionalExperimentConfig
from occam.htmc.tables import all_input_bits

DOMAIN = (-1.0, 1.0)


def _compiled(k: int, *, d_in: int = 2, d_out: int = 1, seed: int = 0, collapse: bool = False):
    net = ResNet(d_in, 3, 5, 2, d_out, dtype=torch.float64, seed=seed)
    spec = FixedPointSpec(k, 6, 6, out_bits=4 + seed % 3)
    return compile_resnet(net, DOMAIN, spec, n_eval=64, seed=seed, use_collapse=collapse)


def _all_indices(d: int, K: int) -> np.ndarray:
    """Every K-bit index vector (n, d), in the order of :func:`all_input_bits` (d K bits)."""
    rows = np.arange(2 ** (d * K), dtype=np.int64)
    return np.stack([(rows >> (i * K)) & (2**K - 1) for i in range(d)], axis=1)


@pytest.mark.parametrize(
    ("k", "K", "collapse", "seed"),
    [(1, 1, False, 0), (2, 4, False, 1), (3, 5, True, 2), (3, 3, True, 3), (2, 6, False, 4)],
)
def test_converter_exhaustive(k, K, collapse, seed):
    """For every input of the K-bit grid the converted circuit's value is the compiled circuit's
    decoded output at the k-bit cell holding it (q_k = q_K >> (K − k)), and the same as
    predicting at the K-cell's centre through the compiler's own encoding."""
    cc = _compiled(k, seed=seed, collapse=collapse)
    fp = to_fixed_point(cc, K)
    assert fp.circuit.n_inputs == 2 * K and fp.size == cc.gates
    assert fp.frac_bits == cc.spec.output_frac
    q = _all_indices(2, K)
    bits = all_input_bits(2 * K)
    assert np.array_equal(ints_to_bits(q, K).reshape(len(q), -1), bits)  # bit order of enc_K
    got = fp.values(bits)
    want = circuit_integers(cc.circuit, cc.layout, q >> (K - k))[:, 0] * 2.0**-cc.spec.output_frac
    assert np.array_equal(got, want)
    centres = -1.0 + (q + 0.5) * 2.0 / 2**K
    assert np.array_equal(encode(centres, DOMAIN, K), bits)
    assert np.array_equal(got, cc.predict(centres)[:, 0])
    codes = fp.codes(bits)
    assert fp.code_range[0] <= codes.min() and codes.max() <= fp.code_range[1]


def test_converter_rejects_bad_input():
    with pytest.raises(ConvexityError, match="K must be"):
        to_fixed_point(_compiled(3), 2)
    with pytest.raises(ConvexityError, match="one output"):
        to_fixed_point(_compiled(2, d_out=2), 3)


def test_sum_level_aligns_fractional_bits():
    a = to_fixed_point(_compiled(2, seed=0), 3)  # out_bits 4
    b = to_fixed_point(_compiled(3, seed=1), 3)  # out_bits 5
    assert a.frac_bits != b.frac_bits
    s = sum_level(a, b)
    bits = all_input_bits(6)
    assert np.array_equal(s.values(bits), 0.5 * (a.values(bits) + b.values(bits)))
    codes = s.codes(bits)
    assert (int(codes.min()), int(codes.max())) == s.code_range


TINY = replace(
    CompositionalExperimentConfig.quick(),
    circuit_n_eval=256,
    convexity_bits=(2, 3, 4, 5),
    convexity_steps=150,
    convexity_n_train=256,
    convexity_net=(2, 8, 1),
    convexity_draws=20,
    convexity_size_samples=3,
    convexity_budgets=(1.0,),
    convexity_copies=(1, 2),
)


def test_tiny_compiled_convexity():
    conv = experiment_convexity(TINY, lambda _m: None)
    assert {"frontier", "mlmc", "table", "fits"} <= set(conv)
    json.dumps(conv, allow_nan=False)  # plain JSON: no numpy scalars, no inf/NaN
    names = {r["function"] for r in conv["frontier"]}
    assert names == {"f", "g", "compiled_h", "h naive sum"}
    for r in conv["frontier"]:
        assert r["verified"] and r["size"] >= 0
        if r["error_l2_compiler"] is not None:  # the converter reproduces the compiler's error
            assert r["error_l2"] == pytest.approx(r["error_l2_compiler"], rel=1e-12)
    assert len(conv["mlmc"]) == 6 * 1 * 2  # windows of 4 levels × budgets × copies
    table = conv["table"]
    assert len(table) >= 4
    coarse = table[-1]  # above every level error: every construction reaches it
    for key in ("size_f", "size_g", "max_fg", "compiled_h", "naive_sum", "mlmc_expected"):
        assert coarse[key] is not None and coarse[key] >= 0
    eps = [r["eps"] for r in table]
    assert eps == sorted(eps)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("convexity_bits", (3,), "convexity_bits"),
        ("convexity_bits", (4, 3), "convexity_bits"),
        ("convexity_bits", (2, 17), "convexity_bits"),
        ("convexity_copies", (3,), "powers of two"),
        ("convexity_inputs", 0, "convexity_inputs"),
    ],
)
def test_config_checks_convexity_fields(field, value, match):
    from occam.compositional.graph import GraphError

    with pytest.raises(GraphError, match=match):
        replace(TINY, **{field: value})


def _conv(gamma: float, mlmc_growth: float) -> dict:
    eps = [0.4, 0.2, 0.1, 0.05, 0.025, 0.01]
    table = [
        {
            "eps": e,
            "size_f": 10 / e**gamma,
            "size_g": 12 / e**gamma,
            "max_fg": 12 / e**gamma,
            "compiled_h": 11 / e**gamma,
            "naive_sum": 24 / e**gamma,
            "mlmc_expected": 30 / e ** (gamma + mlmc_growth),
            "mlmc_realised_best": 30 / e**gamma,
        }
        for e in eps
    ]
    table.append({**table[-1], "eps": 0.005, "size_f": None, "max_fg": None})
    fit = {"gamma": gamma, "ci_low": gamma - 0.1, "ci_high": gamma + 0.1}
    return {"table": table, "fits": {"f": fit, "g": fit, "compiled_h": fit}, "nets": {"f": 1e-3}}


@pytest.mark.parametrize(
    ("gamma", "growth", "verdict"),
    [
        (3.0, 0.0, "supported"),
        (3.0, 1.0, "not supported"),
        (1.5, 0.0, "inconclusive"),
    ],
)
def test_convexity_verdict_rule(gamma, growth, verdict):
    """The ratio E[MLMC]/max(C_f, C_g) decides when γ̂ > 2; rows without a size (None) are
    skipped; γ̂ ≤ 2 leaves the claim undecided."""
    from occam.compositional.verdicts import verdict_convexity

    v = verdict_convexity(_conv(gamma, growth))
    assert v.verdict.startswith(verdict) and (verdict != "supported" or "not" not in v.verdict)
    assert "ε=0.005" not in v.measured
    assert ("premise" in v.measured) == (gamma <= 2)
