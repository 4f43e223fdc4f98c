"""Tests of the complexity measures (SPEC 4): R̃, R (three engines), weights, baselines.

Properties over random float64 ResNets (hypothesis): R̃ ≤ R_empirical ≤ R_interval ≤ R_global,
fast R̃ = per-sample-gradient reference, invariance under ReLU rescaling, interval bounds contain
what sampling finds, R = 0 for V_L = 0, masks. Inequalities that are equalities in exact
arithmetic in some cases (e.g. n = 1, depth 0) get a 1e-12 relative slack for rounding.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import occam.complexity as C
from occam.nets import ResNet
from occam.tasks.box import Box

torch.set_num_threads(1)
F64 = torch.float64
SLACK = 1e-12


@st.composite
def cases(draw, max_depth: int = 3, max_n: int = 24):
    """A random float64 ResNet, a box Ω and a sample x ⊂ Ω."""
    d_in = draw(st.integers(1, 3))
    width = d_in + draw(st.integers(0, 3))
    hidden = draw(st.integers(1, 4))
    depth = draw(st.integers(0, max_depth))
    d_out = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**31 - 1))
    scale = draw(st.sampled_from([0.5, 1.0, 2.0]))
    n = draw(st.integers(1, max_n))
    model = ResNet(d_in, width, hidden, depth, d_out, dtype=F64, seed=seed, init_scale=scale)
    rng = np.random.default_rng(seed)
    low = rng.uniform(-2.0, 1.0, d_in)
    box = Box.from_bounds(low, low + rng.uniform(0.1, 2.0, d_in))
    x = torch.as_tensor(box.sample(n, rng))
    return model, box, x


def rel_close(a: torch.Tensor, b: torch.Tensor, rtol: float) -> bool:
    a = a.detach().item() if isinstance(a, torch.Tensor) else float(a)
    b = b.detach().item() if isinstance(b, torch.Tensor) else float(b)
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-300)


def all_measures(model: ResNet, x: torch.Tensor, box: Box) -> dict[str, float]:
    with torch.no_grad():
        out = {"ideal": float(C.ideal(model, x))}
        out["empirical"] = float(C.certified(model, x=x, engine="empirical"))
        for engine in ("interval", "global"):
            out[engine] = float(C.certified(model, domain=box, engine=engine))
    return out


def rescaled(model: ResNet, layer: int, unit: int, c: float) -> ResNet:
    """V_{ℓ,m·} ← c V_{ℓ,m·}, W_{ℓ,·m} ← W_{ℓ,·m} / c."""
    V, W, V_out = (
        t if isinstance(t, torch.Tensor) else [m.detach().clone() for m in t]
        for t in model.matrices()
    )
    V_out = V_out.detach().clone()
    V[layer][unit, :] *= c
    W[layer][:, unit] /= c
    return ResNet.from_matrices(V, W, V_out, model.config.d_in)


# -- ordering R̃ ≤ R_emp ≤ R_int ≤ R_glob ---------------------------------------------------------
@given(cases())
def test_ordering_of_measures(case):
    model, box, x = case
    r = all_measures(model, x, box)
    assert r["ideal"] <= r["empirical"] * (1 + SLACK)
    assert r["empirical"] <= r["interval"] * (1 + SLACK)
    assert r["interval"] <= r["global"]
    assert r["ideal"] > 0


@given(cases())
def test_ordering_holds_per_parameter(case):
    """The weights themselves are ordered entrywise: s̃_p ≤ s^emp_p ≤ s^int_p ≤ s^glob_p."""
    model, box, x = case
    with torch.no_grad():
        ws = [C.ideal_weights(model, x), C.certified_weights(model, x=x, engine="empirical")]
        ws += [C.certified_weights(model, domain=box, engine=e) for e in ("interval", "global")]
    for name in model.matrix_names():
        chain = [w[name] for w in ws]
        assert torch.all(chain[0] <= chain[1] * (1 + SLACK))
        assert torch.all(chain[1] <= chain[2] * (1 + SLACK))
        assert torch.all(chain[2] <= chain[3])


# -- fast R̃ against the per-sample-gradient reference ---------------------------------------------
@given(cases())
def test_fast_ideal_matches_reference(case):
    model, _, x = case
    with torch.no_grad():
        fast = C.ideal_weights(model, x)
    slow = C.ideal_reference_weights(model, x, chunk_size=7)
    for name in model.matrix_names():
        torch.testing.assert_close(fast[name], slow[name], rtol=1e-8, atol=1e-12)
    assert rel_close(C.ideal(model, x), C.ideal_reference(model, x), 1e-8)


def test_ideal_by_hand_depth_zero():
    """Depth 0: f = V_L (x, 0, 1), so R̃ = Σ_{o,j} |V_{L,oj}| (mean α_j²)^{1/2}."""
    V_out = torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]], dtype=F64)
    model = ResNet.from_matrices([], [], V_out, d_in=1)
    x = torch.tensor([[1.0], [-3.0]], dtype=F64)
    rms = torch.tensor([5.0**0.5, 0.0, 1.0], dtype=F64)
    expected = (V_out.abs() * rms).sum()
    assert rel_close(C.ideal(model, x), expected, 1e-14)
    # R_empirical: maxima |α_j| = (3, 0, 1).
    expected_r = (V_out.abs() * torch.tensor([3.0, 0.0, 1.0], dtype=F64)).sum()
    assert rel_close(C.certified(model, x=x), expected_r, 1e-14)
    assert rel_close(C.certified(model, domain=(-3.0, 1.0), engine="interval"), expected_r, 1e-14)


# -- ReLU rescaling invariance ---------------------------------------------------------------------
@given(cases(), st.floats(0.05, 20.0), st.data())
def test_rescaling_invariance(case, c, data):
    model, box, x = case
    if model.config.depth == 0:
        return
    layer = data.draw(st.integers(0, model.config.depth - 1))
    unit = data.draw(st.integers(0, model.config.hidden - 1))
    other = rescaled(model, layer, unit, c)
    with torch.no_grad():
        torch.testing.assert_close(other(x), model(x), rtol=1e-12, atol=1e-12)
    before, after = all_measures(model, x, box), all_measures(other, x, box)
    for key in before:
        assert rel_close(before[key], after[key], 1e-9), key
    assert rel_close(C.ideal_reference(model, x), C.ideal_reference(other, x), 1e-9)


# -- interval bounds contain what sampling finds ---------------------------------------------------
@settings(max_examples=10)
@given(cases(max_n=1))
def test_interval_bounds_contain_sampled_values(case):
    model, box, _ = case
    rng = np.random.default_rng(0)
    pts = torch.as_tensor(np.concatenate([box.sample(100_000, rng), box.corners()]))
    with torch.no_grad():
        trace = model.trace(pts)
        grads = C.input_gradients(model, trace)
        deltas = [s.delta for s in C.backward_sweep(model, trace)][::-1]
        emp = C.certified_bounds(model, x=pts, engine="empirical")
        ibp = C.certified_bounds(model, domain=box, engine="interval")
        glob = C.certified_bounds(model, domain=box, engine="global")
        boxes = C.propagate_boxes(model, box)
        jac = C.interval_jacobians(model, boxes)
    for layer, alpha in enumerate(trace.alphas):
        assert torch.all(alpha.abs() <= ibp.Delta[layer])
        assert torch.all(boxes.alphas[layer].lo <= alpha.amin(0))
        assert torch.all(alpha.amax(0) <= boxes.alphas[layer].hi)
        assert torch.all(grads[layer].abs().amax(dim=1) <= jac.g_abs[layer])  # per output
        assert torch.all(emp.D[layer] <= ibp.D[layer])
        assert torch.all(ibp.D[layer] <= glob.D[layer])
    for layer, h in enumerate(trace.hidden):
        assert torch.all(h.amax(0) <= ibp.B[layer])
        assert torch.all(trace.pre[layer].amin(0) >= boxes.pre[layer].lo)
        assert torch.all(deltas[layer].abs().amax(dim=1) <= jac.delta_abs[layer])
        assert torch.all(emp.G[layer] <= ibp.G[layer])
        assert torch.all(ibp.G[layer] <= glob.G[layer])
    assert torch.all(boxes.output.lo <= trace.output.amin(0))
    assert torch.all(trace.output.amax(0) <= boxes.output.hi)
    # The input layer is exact: Δ_0 is attained at a corner, and its constant coordinate is 1.
    torch.testing.assert_close(ibp.Delta[0], emp.Delta[0], rtol=0, atol=0)
    assert float(ibp.Delta[-1][-1]) == 1.0


def test_interval_is_tight_where_it_should_be():
    """Every ReLU surely active: the Jacobians are constant, so the interval D and G equal the
    sampled ones; Δ_0 and B_0 (one linear map of the box) are attained at corners too. (Δ_1 is
    not: interval arithmetic forgets that α_0 enters both branches of the residual block.)"""
    V = [torch.tensor([[1.0, 0.5, 3.0], [0.2, -1.0, 4.0]], dtype=F64)]
    W = [torch.tensor([[1.0, -2.0], [0.5, 0.25]], dtype=F64)]
    V_out = torch.tensor([[1.0, 2.0, -0.5], [0.0, -1.0, 2.0]], dtype=F64)
    model = ResNet.from_matrices(V, W, V_out, d_in=2)
    box = Box.cube(2)
    corners = torch.as_tensor(box.corners())
    emp = C.certified_bounds(model, x=corners, engine="empirical")
    ibp = C.certified_bounds(model, domain=box, engine="interval")
    pairs = [(emp.Delta[0], ibp.Delta[0]), (emp.B[0], ibp.B[0])]
    pairs += list(zip(emp.D + emp.G, ibp.D + ibp.G, strict=True))
    for a, b in pairs:  # equal up to the γ-inflation for rounding
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)
    assert torch.all(emp.Delta[1] <= ibp.Delta[1])


def test_interval_bounds_in_float32_contain_float64_values():
    """Outward rounding of the box and of every operation: a float32 model's bounds hold."""
    model = ResNet(2, 4, 5, 3, 2, dtype=torch.float32, seed=3)
    box = Box.from_bounds([-0.3, 0.1], [0.7, 0.1 + 1e-7])
    ibp = C.certified_bounds(model, domain=box, engine="interval")
    model64 = ResNet.from_matrices(
        *[
            t.double() if isinstance(t, torch.Tensor) else [m.double() for m in t]
            for t in model.matrices()
        ],
        d_in=2,
    )
    pts = torch.as_tensor(np.concatenate([box.sample(20_000, 1), box.corners()]))
    trace = model64.trace(pts)
    for layer, alpha in enumerate(trace.alphas):
        assert torch.all(alpha.abs().amax(0) <= ibp.Delta[layer].double())


# -- zero output, masks ----------------------------------------------------------------------------
@given(cases())
def test_zero_output_matrix_gives_zero_complexity(case):
    model, box, x = case
    with torch.no_grad():
        model.V_out.zero_()
    r = all_measures(model, x, box)
    assert r == {"ideal": 0.0, "empirical": 0.0, "interval": 0.0, "global": 0.0}


@given(cases(), st.data())
def test_masks_are_respected(case, data):
    model, box, x = case
    names = model.matrix_names()
    masks = {}
    for name in names:
        shape = tuple(model.raw_matrix(name).shape)
        seed = data.draw(st.integers(0, 1000))
        masks[name] = torch.as_tensor(np.random.default_rng(seed).random(shape) < 0.6)
    base = all_measures(model, x, box)
    # An all-ones mask changes nothing (bit for bit).
    model.set_masks({name: torch.ones_like(m) for name, m in masks.items()})
    assert all_measures(model, x, box) == base
    # A masked model equals the unmasked model with the masked entries set to zero ...
    model.set_masks(masks)
    masked = all_measures(model, x, box)
    zeroed = ResNet.from_matrices(
        [model.effective(f"V_{i}").detach() for i in range(model.config.depth)],
        [model.effective(f"W_{i}").detach() for i in range(model.config.depth)],
        model.effective("V_out").detach(),
        model.config.d_in,
    )
    for key, value in all_measures(zeroed, x, box).items():
        assert rel_close(masked[key], value, 1e-12), key
    # ... a masked entry's raw value is irrelevant, and its weight s_p is 0.
    with torch.no_grad():
        for name in names:
            model.raw_matrix(name)[~masks[name]] = 1e6
    assert all_measures(model, x, box) == masked
    with torch.no_grad():
        for measure in C.WEIGHTED_MEASURES:
            ws = C.weights(model, measure, x=x, domain=box)
            for name in names:
                assert torch.all(ws[name][~masks[name]] == 0), (measure, name)


# -- baselines ------------------------------------------------------------------------------------
def brute_force_path_norm(model: ResNet, bias_paths: bool = True) -> float:
    """Enumerate every input-to-output path explicitly (each block: skip or one hidden unit)."""
    cfg = model.config
    V, W, V_out = (
        t.detach() if isinstance(t, torch.Tensor) else [m.detach() for m in t]
        for t in model.matrices()
    )
    starts = list(range(cfg.d_in)) + ([cfg.width] if bias_paths else [])
    total = 0.0
    for start in starts:
        # states: (current coordinate, product so far)
        states = [(start, 1.0)]
        for layer in range(cfg.depth):
            nxt = []
            for j, prod in states:
                nxt.append((j, prod))  # skip connection
                for m in range(cfg.hidden):
                    for i in range(cfg.width):
                        weight = abs(float(V[layer][m, j])) * abs(float(W[layer][i, m]))
                        nxt.append((i, prod * weight))
            states = nxt
        for j, prod in states:
            total += prod * float(V_out[:, j].abs().sum())
    return total


@given(cases(max_depth=2), st.booleans())
def test_path_norm_matches_path_enumeration(case, bias_paths):
    model, _, _ = case
    if model.config.width * model.config.hidden > 16:
        return  # keep the enumeration small
    expected = brute_force_path_norm(model, bias_paths)
    assert rel_close(C.path_norm(model, bias_paths=bias_paths), expected, 1e-12)


def test_path_norm_depth_zero_and_padding():
    """Depth 0: Σ|V_L| over the input columns plus the bias column; padding columns never count."""
    V_out = torch.tensor([[1.0, -2.0, 7.0, 0.5]], dtype=F64)  # d_in=2, width=3 (one padding)
    model = ResNet.from_matrices([], [], V_out, d_in=2)
    assert C.path_norm(model).item() == 3.5
    assert C.path_norm(model, bias_paths=False).item() == 3.0


@given(cases())
def test_l1_l2_norms(case):
    model, _, _ = case
    theta = model.theta().detach()
    assert rel_close(C.l1_norm(model), theta.abs().sum(), 1e-13)
    assert rel_close(C.l2_norm(model), theta.norm(), 1e-13)
    assert rel_close(C.evaluate(model, "l1"), theta.abs().sum(), 1e-13)
    ones = C.weights(model, "l1")
    assert all(torch.all(v == 1) for v in ones.values())


# -- API: evaluate / weights, differentiability, float32, errors -----------------------------------
@given(cases(max_depth=2))
def test_evaluate_equals_weighted_sum_of_weights(case):
    model, box, x = case
    for measure in C.WEIGHTED_MEASURES:
        value = C.evaluate(model, measure, x=x, domain=box)
        ws = C.weights(model, measure, x=x, domain=box)
        by_hand = sum((model.effective(n).abs() * ws[n]).sum().item() for n in ws)
        assert rel_close(value, by_hand, 1e-12), measure
    assert set(C.MEASURES) == {"ideal", "empirical", "interval", "global", "l1", "l2", "path"}


@pytest.mark.parametrize("measure", ["ideal", "empirical", "interval", "global", "l2", "path"])
def test_gradients_match_finite_differences(measure):
    model = ResNet(2, 3, 4, 2, 2, dtype=F64, seed=11)
    box = Box.cube(2)
    x = torch.as_tensor(box.sample(16, 5))
    value = C.evaluate(model, measure, x=x, domain=box)
    params = list(model.parameters())
    grads = torch.autograd.grad(value, params)
    rng = torch.Generator().manual_seed(0)
    for _ in range(3):
        direction = [torch.randn(p.shape, generator=rng, dtype=F64) for p in params]
        eps = 1e-6
        with torch.no_grad():
            for p, d in zip(params, direction, strict=True):
                p += eps * d
            up = float(C.evaluate(model, measure, x=x, domain=box))
            for p, d in zip(params, direction, strict=True):
                p -= 2 * eps * d
            down = float(C.evaluate(model, measure, x=x, domain=box))
            for p, d in zip(params, direction, strict=True):
                p += eps * d
        numeric = (up - down) / (2 * eps)
        analytic = float(sum((g * d).sum() for g, d in zip(grads, direction, strict=True)))
        assert abs(numeric - analytic) <= 1e-5 * max(1.0, abs(analytic)), (numeric, analytic)


def test_float32_agrees_with_float64():
    model64 = ResNet(3, 6, 8, 4, 2, dtype=F64, seed=2)
    model32 = ResNet(3, 6, 8, 4, 2, dtype=torch.float32, seed=2)
    box = Box.cube(3)
    x = box.sample(200, 0)
    for m64, m32 in [(model64, model32)]:
        for measure in C.MEASURES:
            a = C.evaluate(m64, measure, x=x, domain=box)
            b = C.evaluate(m32, measure, x=x, domain=box)
            assert b.dtype == torch.float32
            assert rel_close(a, b, 1e-4), measure


def test_domain_forms_are_equivalent():
    model = ResNet(2, 3, 3, 2, dtype=F64, seed=0)
    forms = [
        Box.from_bounds([-1.0, 0.0], [1.0, 2.0]),
        ([-1.0, 0.0], [1.0, 2.0]),
        np.array([[-1.0, 1.0], [0.0, 2.0]]),
    ]
    values = [C.certified(model, domain=d, engine="interval").item() for d in forms]
    assert values[0] == values[1] == values[2]
    cube = [C.certified(model, domain=d, engine="global").item() for d in [(-1, 1), Box.cube(2)]]
    assert cube[0] == cube[1]


def test_bad_inputs_raise_clear_errors():
    model = ResNet(2, 3, 3, 1, dtype=F64, seed=0)
    x = torch.zeros(4, 2, dtype=F64)
    with pytest.raises(ValueError, match=r"engine 'empirical'.*sample"):
        C.certified(model, domain=(-1, 1))
    with pytest.raises(ValueError, match="domain: engine 'interval'"):
        C.certified(model, x=x, engine="interval")
    with pytest.raises(ValueError, match="domain: engine 'global'"):
        C.certified_weights(model, engine="global")
    with pytest.raises(ValueError, match="engine: expected one of"):
        C.certified(model, x=x, engine="exact")
    with pytest.raises(ValueError, match="dimension 2"):
        C.certified(model, domain=Box.cube(3), engine="interval")
    with pytest.raises(TypeError, match="domain"):
        C.certified(model, domain="unit cube", engine="interval")
    with pytest.raises(ValueError, match=r"x: expected shape \(n, 2\)"):
        C.ideal(model, torch.zeros(4, 3))
    with pytest.raises(ValueError, match="empty"):
        C.ideal(model, torch.zeros(0, 2))
    with pytest.raises(ValueError, match="NaN or infinite"):
        C.ideal(model, torch.tensor([[0.0, float("nan")]]))
    with pytest.raises(ValueError, match="required, got None"):
        C.ideal_weights(model, None)
    with pytest.raises(TypeError, match=r"occam\.nets\.ResNet"):
        C.ideal(torch.nn.Linear(2, 1), x)
    with pytest.raises(ValueError, match="measure: expected one of"):
        C.evaluate(model, "rnorm")
    with pytest.raises(ValueError, match="measure: expected one of"):
        C.weights(model, "l2")
    with pytest.raises(ValueError, match="x: measure 'ideal' needs a sample"):
        C.evaluate(model, "ideal")
    with pytest.raises(ValueError, match="domain: measure 'interval' needs a domain"):
        C.weights(model, "interval", x=x)
    with pytest.raises(ValueError, match="chunk_size"):
        C.ideal_reference(model, x, chunk_size=0)


def test_exhaustive_small_input_space():
    """On a finite sample the measures use exactly that sample: duplicating points changes R̃ not."""
    model = ResNet(2, 2, 3, 2, 1, dtype=F64, seed=4)
    pts = torch.tensor(list(itertools.product([-1.0, 0.0, 1.0], repeat=2)), dtype=F64)
    doubled = torch.cat([pts, pts])
    assert rel_close(C.ideal(model, pts), C.ideal(model, doubled), 1e-13)
    assert C.certified(model, x=pts).item() == C.certified(model, x=doubled).item()


@pytest.mark.slow
@pytest.mark.parametrize("d_out", [1, 3])
def test_larger_networks_fast_matches_reference_and_ordering(d_out):
    """Wider and deeper than the hypothesis cases: w = 12, k = 10, L = 6, n = 500."""
    model = ResNet(4, 12, 10, 6, d_out, dtype=F64, seed=d_out)
    box = Box.cube(4)
    x = torch.as_tensor(box.sample(500, 7))
    assert rel_close(C.ideal(model, x), C.ideal_reference(model, x), 1e-10)
    r = all_measures(model, x, box)
    assert r["ideal"] <= r["empirical"] <= r["interval"] <= r["global"]
