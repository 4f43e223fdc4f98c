"""Composition with clamps and the eq. (1) error account (SPEC 10, Prop 5)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from occam.compositional import binary_tree, random_target, uniform_sample
from occam.compositional.circuits import compose_target, flat_table_circuit, size_at_error
from occam.htmc.compose import ComposeError, Stage, compose
from occam.htmc.tables import table_circuit


@pytest.mark.parametrize("d", [2, 4, 8])
def test_compose_target_account(d):
    target = random_target(binary_tree(d), seed=d)
    x = uniform_sample(2000, d, seed=1)
    built = compose_target(target, 3, 4, x)
    comp = built.composition
    assert comp.verified  # numpy hybrid H_N == simulated circuit, bit for bit
    # exact telescoping: total ≤ Σ_j ‖H_{j-1} − H_j‖ ≤ Σ_j Lip_j ‖g_j − A_j‖ (per stage too)
    assert comp.total_error <= comp.sum_telescoping + 1e-12
    for row in comp.stages:
        assert row.telescoping_term <= row.bound_term + 1e-12
        assert row.clamp_gates == 0  # table outputs are within the certified range
    assert len(comp.stages) == d - 1
    assert comp.size <= sum(r.size for r in comp.stages)
    # more precision, less error
    finer = compose_target(target, 5, 6, x)
    assert finer.error_l2 < built.error_l2


def test_clamp_inserted_and_helps():
    """A stage whose circuit overshoots the known range gets a clamp; the clamped composition is
    closer to f than the same circuits composed without clamping would be."""

    def g(u):
        return 0.5 * u[:, 0]

    frac, k = 3, 3
    mids = -1 + (np.arange(2**k) + 0.5) * 2 / 2**k
    codes = np.round(g(mids[:, None]) * 2**frac).astype(np.int64)
    bad = codes.copy()
    bad[-1] = 7  # overshoot: the exact range is [-0.5, 0.5] = codes [-4, 4]
    first = Stage("a", (0,), table_circuit(bad, frac), g, (-0.5, 0.5), (0.5,))
    wvals = np.arange(16)
    wvals = np.where(wvals >= 8, wvals - 16, wvals) * 2.0**-frac
    second_codes = np.round(np.clip(wvals, -0.5, 0.5) * 2 * 2**frac).astype(np.int64)
    second_unclamped = np.round(wvals * 2 * 2**frac).astype(np.int64)
    ident = Stage(
        "b", ("a",), table_circuit(second_codes, frac), lambda u: 2 * u[:, 0], (-1, 1), (2.0,)
    )
    x = np.linspace(-1, 1, 101)[:, None]
    comp = compose([first, ident], d=1, k=k, domain=(-1, 1), x_eval=x)
    assert comp.verified
    assert comp.stages[0].clamp_gates > 0
    f = x[:, 0]
    top = x[:, 0] >= 0.75
    clamped_err = math.sqrt(np.mean(np.where(top, (f - 1.0) ** 2, 0)))
    unclamped_err = math.sqrt(np.mean(np.where(top, (f - 7 * 2 / 8) ** 2, 0)))
    assert clamped_err < unclamped_err
    assert second_unclamped.max() > second_codes.max()
    assert comp.total_error <= comp.sum_telescoping + 1e-12


def test_compose_errors():
    fp = table_circuit(np.arange(4), 0)
    s = Stage("a", ("b",), fp, lambda u: u[:, 0], (0, 3), (1.0,))
    with pytest.raises(ComposeError, match="unknown stage"):
        compose([s], d=1, k=2, domain=(-1, 1), x_eval=np.zeros((2, 1)))


def test_flat_table_and_search():
    target = random_target(binary_tree(2), seed=0)
    x = uniform_sample(1000, 2, seed=2)
    flat = flat_table_circuit(target, 2, 4, 5, x)
    per_node = compose_target(target, 4, 5, x)
    assert flat.error_l2 == pytest.approx(per_node.error_l2, rel=0.2)
    std = float(target(x).std())
    best, built = size_at_error(lambda k, f: compose_target(target, k, f, x), 0.2 * std)
    assert best is not None and best.error_l2 <= 0.2 * std
    assert all(b.size >= best.size for b in built if b.error_l2 <= 0.2 * std)
