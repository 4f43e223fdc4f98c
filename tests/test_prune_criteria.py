"""Pruning criteria "scores -> mask/probabilities" (SPEC 6), tested without any network."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from occam.prune.criteria import (
    bernoulli_keep,
    flatten,
    keep_probabilities,
    poisson_counts,
    poisson_rates,
    resolve_amount,
    top_n_mask,
    unflatten,
)

score_lists = st.lists(
    st.one_of(st.just(0.0), st.floats(1e-6, 1e3, allow_nan=False)), min_size=1, max_size=60
)


@given(score_lists, st.floats(0.0, 1.0))
def test_keep_probabilities_sum_to_n_and_follow_water_filling(scores, frac):
    a = torch.tensor(scores, dtype=torch.float64)
    m = int((a > 0).sum())
    n = frac * m
    p = keep_probabilities(a, n)
    assert p.shape == a.shape
    assert torch.all((p >= 0) & (p <= 1))
    assert torch.all(p[a == 0] == 0)
    assert float(p.sum()) == pytest.approx(n, rel=1e-9, abs=1e-9)
    # water-filling structure: one c with p = min(1, c a) on the positive scores
    unclipped = (p > 0) & (p < 1)
    if unclipped.any():
        c = p[unclipped] / a[unclipped]
        assert torch.allclose(c, c[0].expand_as(c), rtol=1e-9)
        expected = torch.clamp(c[0] * a, max=1.0)
        assert torch.allclose(p, expected, rtol=1e-9, atol=1e-12)


def test_keep_probabilities_exact_small_case():
    # a = (4, 1, 1): N = 2 -> clip the 4 at 1, c = 1/2 on the rest; N = 1 -> c = 1/6
    a = torch.tensor([1.0, 4.0, 1.0], dtype=torch.float64)
    assert torch.allclose(keep_probabilities(a, 2.0), torch.tensor([0.5, 1.0, 0.5], dtype=a.dtype))
    assert torch.allclose(keep_probabilities(a, 1.0), torch.tensor([1, 4, 1], dtype=a.dtype) / 6)
    assert torch.equal(keep_probabilities(a, 5.0), torch.ones(3, dtype=a.dtype))
    assert torch.equal(keep_probabilities(a, 0.0), torch.zeros(3, dtype=a.dtype))


@given(score_lists, st.floats(0.0, 50.0))
def test_poisson_rates_sum_to_n(scores, n):
    a = torch.tensor(scores, dtype=torch.float64)
    lam = poisson_rates(a, n)
    if float(a.sum()) > 0:
        assert float(lam.sum()) == pytest.approx(n, rel=1e-9, abs=1e-12)
        assert torch.allclose(lam * a.sum(), a * n)
    else:
        assert torch.all(lam == 0)


@given(score_lists, st.data())
def test_top_n_keeps_exactly_n_largest(scores, data):
    a = torch.tensor(scores, dtype=torch.float64)
    n = data.draw(st.integers(0, a.numel()))
    mask = top_n_mask(a, n)
    assert int(mask.sum()) == n
    if 0 < n < a.numel():
        assert float(a[mask].min()) >= float(a[~mask].max())


def test_top_n_ties_break_by_position():
    mask = top_n_mask(torch.tensor([1.0, 1.0, 1.0, 1.0]), 2)
    assert mask.tolist() == [True, True, False, False]


def test_bernoulli_and_poisson_draw_frequencies():
    gen = torch.Generator().manual_seed(0)
    p = torch.tensor([0.0, 0.25, 0.5, 1.0], dtype=torch.float64)
    draws = torch.stack([bernoulli_keep(p, gen) for _ in range(4000)]).to(torch.float64)
    freq = draws.mean(dim=0)
    assert freq[0] == 0 and freq[3] == 1
    assert torch.allclose(freq, p, atol=0.03)
    lam = torch.tensor([0.0, 0.5, 2.0], dtype=torch.float64)
    counts = torch.stack([poisson_counts(lam, gen) for _ in range(4000)])
    assert torch.allclose(counts.mean(dim=0), lam, atol=0.08)
    assert torch.allclose(counts.var(dim=0), lam, atol=0.15)


def test_resolve_amount_int_and_fraction():
    assert resolve_amount(3, 10) == 3
    assert resolve_amount(0.25, 10) == 2  # round(2.5) = 2 (banker's rounding)
    assert resolve_amount(1.0, 7) == 7
    with pytest.raises(ValueError, match="n_keep"):
        resolve_amount(11, 10)
    with pytest.raises(ValueError, match="fraction"):
        resolve_amount(1.5, 10)
    with pytest.raises(TypeError, match="n_keep"):
        resolve_amount("3", 10)
    with pytest.raises(TypeError):
        resolve_amount(True, 10)


def test_bad_scores_are_rejected():
    with pytest.raises(ValueError, match=">= 0"):
        keep_probabilities(torch.tensor([1.0, -1.0]), 1)
    with pytest.raises(ValueError, match="NaN"):
        top_n_mask(torch.tensor([np.nan, 1.0]), 1)
    with pytest.raises(ValueError, match="1-D"):
        keep_probabilities(torch.ones(2, 2), 1)
    with pytest.raises(ValueError, match="n_keep"):
        keep_probabilities(torch.ones(3), -1)


def test_flatten_roundtrip():
    t = {"a": torch.arange(6.0).reshape(2, 3), "b": torch.arange(4.0).reshape(4, 1)}
    flat = flatten(t, ["a", "b"])
    assert flat.tolist() == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3]
    back = unflatten(flat, {"a": (2, 3), "b": (4, 1)})
    assert all(torch.equal(back[k], t[k]) for k in t)
    with pytest.raises(ValueError, match="unflatten"):
        unflatten(flat, {"a": (2, 3)})
