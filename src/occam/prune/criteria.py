"""Pruning criteria as small "scores -> mask" functions (SPEC 6), independent of any network.

Every function here takes one flat score vector (or a dict of score tensors, one per matrix,
flattened in θ order by :func:`flatten`) and returns probabilities or a mask; none of them looks at
a model, so each is testable on plain tensors.

- :func:`keep_probabilities`: water-filling p_p = min(1, c·a_p) with c chosen so that Σ_p p_p = N
  (exact, by sorting; Jacot Sec. 2.2 / Thm 11 importance sampling).
- :func:`poisson_rates`: λ_p = N·a_p / Σ_q a_q (the unclipped Poisson variant, Σ_p λ_p = N).
- :func:`top_n_mask`: deterministic global top-N of the scores (magnitude: a_p = |θ_p|;
  sensitivity: a_p = |θ_p|·s_p), exactly N entries kept, ties broken by θ order.
- :func:`bernoulli_keep`, :func:`poisson_counts`: the random draws, from a seeded generator.
- :func:`resolve_amount`: the torch.nn.utils.prune convention, an int count or a float fraction.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def _check_scores(scores: Tensor, name: str = "scores") -> Tensor:
    scores = torch.as_tensor(scores).detach()
    if scores.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D tensor, got shape {tuple(scores.shape)}")
    if not torch.is_floating_point(scores):
        scores = scores.to(torch.float64)
    if not torch.isfinite(scores).all():
        raise ValueError(f"{name}: contains NaN or infinite values")
    if (scores < 0).any():
        raise ValueError(f"{name}: scores must be >= 0, got minimum {float(scores.min())}")
    return scores


def resolve_amount(amount: int | float, n_total: int, name: str = "n_keep") -> int:
    """Number of entries to keep: an int counts (in [0, n_total]), a float is a fraction in [0, 1].

    Follows ``torch.nn.utils.prune``'s int/float convention (here for the kept, not the removed,
    entries). A fraction is rounded to the nearest count.
    """
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        raise TypeError(f"{name}: expected an int count or a float fraction, got {amount!r}")
    if isinstance(amount, int):
        if not 0 <= amount <= n_total:
            raise ValueError(f"{name}: count must be in [0, {n_total}], got {amount}")
        return int(amount)
    if not (math.isfinite(amount) and 0.0 <= amount <= 1.0):
        raise ValueError(f"{name}: fraction must be in [0, 1], got {amount!r}")
    return round(amount * n_total)


def keep_probabilities(scores: Tensor, n_keep: float) -> Tensor:
    """p_p = min(1, c·a_p) with c >= 0 chosen so that Σ_p p_p = N (exact water-filling).

    Parameters
    ----------
    scores: 1-D tensor of importance scores a_p = |θ_p|·s_p >= 0.
    n_keep: target expected count N >= 0 (need not be an integer).

    Sorting a in decreasing order, if the k largest scores are clipped at 1 then
    c = (N − k) / Σ_{q>k} a_(q); the right k is the smallest with c·a_(k+1) <= 1. When N is at least
    the number m of positive scores, every positive score gets p = 1 (and Σ_p p_p = m <= N);
    zero scores always get p = 0.
    """
    scores = _check_scores(scores)
    n_keep = float(n_keep)
    if not (math.isfinite(n_keep) and n_keep >= 0):
        raise ValueError(f"n_keep: expected a finite number >= 0, got {n_keep!r}")
    a = scores.to(torch.float64)
    positive = a > 0
    m = int(positive.sum())
    if n_keep >= m:
        return positive.to(torch.float64)
    if n_keep == 0:
        return torch.zeros_like(a)
    ordered, order = torch.sort(a, descending=True, stable=True)
    # tail[k] = Σ_{q>=k} ordered[q] (0-based: sum of everything after the k largest).
    tail = torch.flip(torch.cumsum(torch.flip(ordered, [0]), 0), [0])
    ks = torch.arange(m, dtype=torch.float64)
    c_all = (n_keep - ks) / tail[:m]  # c if exactly the k largest were clipped, k = 0..m-1
    # valid k: c·ordered[k] <= 1 (the (k+1)-th largest is not clipped); choose the smallest valid k.
    valid = c_all * ordered[:m] <= 1.0 + 1e-12
    k = int(torch.nonzero(valid)[0]) if bool(valid.any()) else m - 1
    c = float(c_all[k])
    probs_sorted = torch.clamp(c * ordered, max=1.0)
    probs_sorted[:k] = 1.0
    probs = torch.empty_like(a)
    probs[order] = probs_sorted
    return probs


def poisson_rates(scores: Tensor, n_keep: float) -> Tensor:
    """λ_p = N·a_p / Σ_q a_q, so that Σ_p λ_p = N (Poisson variant of SPEC 6; Jacot Sec. 2.2)."""
    scores = _check_scores(scores).to(torch.float64)
    n_keep = float(n_keep)
    if not (math.isfinite(n_keep) and n_keep >= 0):
        raise ValueError(f"n_keep: expected a finite number >= 0, got {n_keep!r}")
    total = float(scores.sum())
    if total == 0.0:
        return torch.zeros_like(scores)
    return scores * (n_keep / total)


def top_n_mask(scores: Tensor, n_keep: int) -> Tensor:
    """Bool mask keeping exactly the N largest scores (ties broken by position, earliest first)."""
    scores = _check_scores(scores)
    n_keep = resolve_amount(n_keep, scores.numel())
    order = torch.sort(scores, descending=True, stable=True).indices
    mask = torch.zeros(scores.numel(), dtype=torch.bool)
    mask[order[:n_keep]] = True
    return mask


def bernoulli_keep(probs: Tensor, generator: torch.Generator) -> Tensor:
    """Independent Bernoulli(p_p) draws as a bool mask."""
    probs = torch.as_tensor(probs, dtype=torch.float64)
    if ((probs < 0) | (probs > 1)).any():
        raise ValueError("probs: probabilities must lie in [0, 1]")
    return torch.rand(probs.shape, generator=generator, dtype=torch.float64) < probs


def poisson_counts(rates: Tensor, generator: torch.Generator) -> Tensor:
    """Independent Poisson(λ_p) counts (float64 tensor)."""
    rates = torch.as_tensor(rates, dtype=torch.float64)
    if (rates < 0).any():
        raise ValueError("rates: Poisson rates must be >= 0")
    return torch.poisson(rates, generator=generator)


def flatten(tensors: dict[str, Tensor], names: list[str]) -> Tensor:
    """Concatenate ``tensors[name]`` (flattened) in the order of ``names`` (θ order)."""
    return torch.cat([torch.as_tensor(tensors[name]).reshape(-1) for name in names])


def unflatten(flat: Tensor, shapes: dict[str, tuple[int, ...]]) -> dict[str, Tensor]:
    """Inverse of :func:`flatten`: split a flat tensor into pieces shaped like ``shapes``."""
    out, start = {}, 0
    for name, shape in shapes.items():
        size = math.prod(shape)
        out[name] = flat[start : start + size].reshape(shape)
        start += size
    if start != flat.numel():
        raise ValueError(f"unflatten: {flat.numel()} values for {start} entries")
    return out
