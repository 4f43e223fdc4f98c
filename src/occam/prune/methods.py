"""Pruning a ResNet by masks (SPEC 6; Jacot Sec. 2.2 heuristic and Thm 11).

Masks are attached with :meth:`ResNet.set_masks` in the ``torch.nn.utils.prune`` spirit: the network
keeps its class and ``forward``, the effective weights are ``mask * parameter`` and every occam
measure reads those. Every function here returns a *new* model (the input is never modified);
:func:`finalize` bakes the masks into the parameters when a plain dense net is wanted.

Methods
-------
- importance (Bernoulli): keep θ_p with probability p_p = min(1, c·|θ_p| s_p), Σ_p p_p = N, and
  divide kept entries by p_p, so E[θ'_p] = θ_p and Var θ'_p = (1/p_p − 1) θ_p².
- importance (Poisson): θ'_p = θ_p P_p / λ_p with P_p ~ Poisson(λ_p),
  λ_p = N |θ_p| s_p / Σ_q |θ_q| s_q, so E[θ'_p] = θ_p and Var θ'_p = θ_p² / λ_p; the expected
  number of nonzeros is Σ_p (1 − e^{−λ_p}) <= N.
- magnitude: global top-N of |θ_p| (no rescaling).
- sensitivity: deterministic top-N of |θ_p| s_p (no rescaling).
- iterative: repeated magnitude or sensitivity pruning, each step followed by retraining with
  :func:`occam.train.train` (the masks stay attached, so pruned entries stay zero).

The weights s_p are the L² weights ‖∂_p f‖_{L²(π̂)} of R̃ (``weights="ideal"``, SPEC 4.2) or the
sup weights of R (``weights="certified"``, SPEC 4.3, engine ``empirical``/``interval``/``global``).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor

from occam.complexity._common import as_model_input
from occam.complexity.ideal import ideal_weights
from occam.nets import ResNet
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

WEIGHTS = ("ideal", "certified")
SAMPLERS = ("bernoulli", "poisson")
ENGINES = ("empirical", "interval", "global")


# -- small helpers ---------------------------------------------------------------------------------
def as_generator(rng: int | torch.Generator | np.random.Generator | None) -> torch.Generator:
    """A torch.Generator from a seed, a torch.Generator (used as is) or a numpy Generator."""
    if isinstance(rng, torch.Generator):
        return rng
    if rng is None:
        raise ValueError("rng: a seed (int) or a torch.Generator is required for random pruning")
    if isinstance(rng, np.random.Generator):
        return torch.Generator().manual_seed(int(rng.integers(0, 2**63 - 1)))
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return torch.Generator().manual_seed(int(rng))
    raise TypeError(
        f"rng: expected an int seed or a torch/numpy Generator, got {type(rng).__name__}"
    )


def _check_model(model: Any) -> ResNet:
    if not isinstance(model, ResNet):
        raise TypeError(f"model: expected occam.nets.ResNet, got {type(model).__name__}")
    return model


def shapes(model: ResNet) -> dict[str, tuple[int, ...]]:
    """Matrix shapes in θ order."""
    return {name: tuple(m.shape) for name, m in model.named_matrices()}


def flat_theta(model: ResNet) -> Tensor:
    """Effective θ in float64, detached, 1-D (θ order)."""
    with torch.no_grad():
        return model.theta().detach().to(torch.float64)


def sensitivity_weights(
    model: ResNet,
    x: Tensor | None = None,
    *,
    weights: str | dict[str, Tensor] = "ideal",
    domain: Any = None,
    engine: str = "empirical",
) -> dict[str, Tensor]:
    """Per-parameter weights s_p (float64, detached) by matrix name.

    ``weights="ideal"``: ‖∂_p f‖_{L²(π̂_x)} (SPEC 4.2, needs x). ``weights="certified"``: the sup
    weights of R (SPEC 4.3) from ``occam.complexity.certified_weights`` with the given engine
    (``empirical`` needs x, ``interval``/``global`` need domain). A dict is used as given.
    """
    names = model.matrix_names()
    if isinstance(weights, dict):
        missing = [n for n in names if n not in weights]
        if missing:
            raise ValueError(f"weights: dict lacks matrices {missing}")
        return {n: torch.as_tensor(weights[n]).detach().to(torch.float64) for n in names}
    if weights == "ideal":
        if x is None:
            raise ValueError("x: the ideal (L²) weights need a sample x")
        with torch.no_grad():
            s = ideal_weights(model, x)
    elif weights == "certified":
        if engine not in ENGINES:
            raise ValueError(f"engine: expected one of {ENGINES}, got {engine!r}")
        from occam.complexity import certified_weights

        with torch.no_grad():
            if engine == "empirical":
                s = certified_weights(model, x=x, engine=engine)
            else:
                s = certified_weights(model, domain=domain, engine=engine)
    else:
        raise ValueError(f"weights: expected one of {WEIGHTS} or a dict, got {weights!r}")
    return {n: s[n].detach().to(torch.float64) for n in names}


def apply_pruning(
    model: ResNet, keep: dict[str, Tensor], values: dict[str, Tensor] | None = None
) -> ResNet:
    """A copy of ``model`` with masks ``keep`` attached (and raw matrices replaced by ``values``).

    Existing masks are combined (logical and) with ``keep``, so pruning a pruned net only removes
    surviving entries. The input model is not modified.
    """
    _check_model(model)
    pruned = copy.deepcopy(model)
    masks = {}
    for name in model.matrix_names():
        mask = torch.as_tensor(keep[name]).to(torch.bool)
        old = model.mask(name)
        masks[name] = mask if old is None else (mask & old)
    with torch.no_grad():
        if values is not None:
            for name, value in values.items():
                param = pruned.raw_matrix(name)
                param.copy_(torch.as_tensor(value).to(param.dtype))
    pruned.set_masks(masks)
    return pruned


def finalize(model: ResNet) -> ResNet:
    """A copy with every mask baked into its parameter (mask·θ) and the masks removed.

    Like ``torch.nn.utils.prune.remove``: this makes the pruning permanent (later training can
    move the zeroed entries again).
    """
    _check_model(model)
    dense = copy.deepcopy(model)
    with torch.no_grad():
        for name in dense.matrix_names():
            dense.raw_matrix(name).copy_(model.effective(name))
    dense.clear_masks()
    return dense


# -- importance pruning --------------------------------------------------------------------------
def importance_scores(theta: Tensor, s: Tensor) -> Tensor:
    """a_p = |θ_p| s_p (flat)."""
    return theta.abs() * s


def importance_probabilities(
    theta: Tensor, s: Tensor, n_keep: float, method: str = "bernoulli"
) -> Tensor:
    """Keep probabilities p_p (Bernoulli, water-filled) or Poisson rates λ_p for flat θ and s."""
    scores = importance_scores(theta.detach(), s.detach())
    if method == "bernoulli":
        return keep_probabilities(scores, n_keep)
    if method == "poisson":
        return poisson_rates(scores, n_keep)
    raise ValueError(f"method: expected one of {SAMPLERS}, got {method!r}")


def importance_sample(
    theta: Tensor, probs: Tensor, method: str, generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """One draw: (bool keep mask, rescaled flat values θ'_p), both flat.

    Bernoulli: θ'_p = θ_p·B_p/p_p. Poisson: θ'_p = θ_p·P_p/λ_p. Entries with p_p = 0 become 0.
    """
    theta, probs = theta.detach(), probs.detach()
    safe = torch.where(probs > 0, probs, torch.ones_like(probs))
    if method == "bernoulli":
        keep = bernoulli_keep(probs, generator)
        values = torch.where(keep, theta / safe, torch.zeros_like(theta))
    elif method == "poisson":
        counts = poisson_counts(probs, generator)
        keep = counts > 0
        values = torch.where(keep, theta * counts / safe, torch.zeros_like(theta))
    else:
        raise ValueError(f"method: expected one of {SAMPLERS}, got {method!r}")
    return keep, values


def first_order_prediction(theta: Tensor, s_l2: Tensor, probs: Tensor, method: str) -> float:
    """First-order L² error of importance pruning, sqrt(E‖Σ_p (θ'_p − θ_p) ∂_p f‖²_{L²}).

    Bernoulli: sqrt(Σ_p (1/p_p − 1) θ_p² ‖∂_p f‖²); Poisson: sqrt(Σ_p θ_p² ‖∂_p f‖² / λ_p).
    Parameters with p_p = 0 have θ_p s_p = 0 and contribute nothing. Independence of the draws
    makes the cross terms vanish in expectation.

    With a_p = |θ_p| ‖∂_p f‖ and R̃ = Σ_p a_p (ideal weights), Poisson rates λ_p = N a_p / R̃ give
    exactly R̃/√N (Jacot Sec. 2.2). Bernoulli gives sqrt(R̃²/N − Σ_p a_p²) when no p_p is clipped
    at 1 (then p_p = N a_p / R̃), less with clipping, and always less than R̃/√N because
    p_p ≥ min(1, λ_p). ``benchmarks/bench_prune_slopes.py`` measures the resulting slopes.
    """
    energy = theta.detach().to(torch.float64) ** 2 * s_l2.detach().to(torch.float64) ** 2
    live = probs > 0
    p = probs[live]
    if method == "bernoulli":
        var = (1.0 / p - 1.0) * energy[live]
    elif method == "poisson":
        var = energy[live] / p
    else:
        raise ValueError(f"method: expected one of {SAMPLERS}, got {method!r}")
    return float(torch.sqrt(torch.clamp(var.sum(), min=0.0)))


def importance_prune(
    model: ResNet,
    x: Tensor | None,
    n_keep: int | float,
    *,
    weights: str | dict[str, Tensor] = "ideal",
    method: str = "bernoulli",
    rng: int | torch.Generator | np.random.Generator | None = 0,
    domain: Any = None,
    engine: str = "empirical",
) -> ResNet:
    """Importance pruning to about N nonzeros (SPEC 6), returning a new masked, rescaled ResNet.

    Parameters
    ----------
    model: the trained ResNet (not modified).
    x: sample (n, d_in) for the L² weights (``weights="ideal"``) or the empirical sup weights.
    n_keep: expected number N of kept entries (int), or a fraction (float in [0, 1]) of the
        parameters.
    weights: ``"ideal"`` (s_p = ‖∂_p f‖_{L²}) or ``"certified"`` (sup weights of R), or a dict.
    method: ``"bernoulli"`` (keep w.p. p_p = min(1, c|θ_p|s_p), divide by p_p) or ``"poisson"``
        (θ_p·P_p/λ_p, P_p ~ Poisson(λ_p)).
    rng: seed or generator of the draw.
    """
    _check_model(model)
    if method not in SAMPLERS:
        raise ValueError(f"method: expected one of {SAMPLERS}, got {method!r}")
    n = resolve_amount(n_keep, model.n_parameters)
    gen = as_generator(rng)
    theta = flat_theta(model)
    s = flatten(
        sensitivity_weights(model, x, weights=weights, domain=domain, engine=engine),
        model.matrix_names(),
    )
    probs = importance_probabilities(theta, s, n, method)
    keep, values = importance_sample(theta, probs, method, gen)
    sh = shapes(model)
    return apply_pruning(model, unflatten(keep, sh), unflatten(values, sh))


# -- deterministic criteria ------------------------------------------------------------------------
def magnitude_prune(model: ResNet, n_keep: int | float) -> ResNet:
    """Keep exactly the N entries of largest |θ_p| (global, over all matrices); no rescaling."""
    _check_model(model)
    n = resolve_amount(n_keep, model.n_parameters)
    keep = top_n_mask(flat_theta(model).abs(), n)
    return apply_pruning(model, unflatten(keep, shapes(model)))


def sensitivity_prune(
    model: ResNet,
    x: Tensor | None,
    n_keep: int | float,
    *,
    weights: str | dict[str, Tensor] = "ideal",
    domain: Any = None,
    engine: str = "empirical",
) -> ResNet:
    """Keep exactly the N entries of largest |θ_p|·s_p (deterministic); no rescaling."""
    _check_model(model)
    n = resolve_amount(n_keep, model.n_parameters)
    theta = flat_theta(model)
    s = flatten(
        sensitivity_weights(model, x, weights=weights, domain=domain, engine=engine),
        model.matrix_names(),
    )
    keep = top_n_mask(importance_scores(theta, s), n)
    return apply_pruning(model, unflatten(keep, shapes(model)))


def linearised_error(model: ResNet, pruned: ResNet, x: Tensor) -> float:
    """‖Σ_p (θ'_p − θ_p) ∂_p f‖_{L²(π̂_x)}: the first-order error of a deterministic pruning.

    The directional derivative J·δ along δ = θ' − θ (effective weights) is computed by the
    double-backward trick: with u a dummy cotangent, J·δ = ∂/∂u ⟨Jᵀu, δ⟩ (two reverse passes).
    """
    x = as_model_input(model, x).detach()
    base = copy.deepcopy(model)
    base.clear_masks()
    names = base.matrix_names()
    params, tangents = [], []
    with torch.no_grad():
        for name in names:
            param = base.raw_matrix(name)
            param.copy_(model.effective(name).detach())
            params.append(param)
            tangents.append(pruned.effective(name).detach().to(param.dtype) - param.detach())
    out = base(x)
    u = torch.zeros_like(out, requires_grad=True)
    grads = torch.autograd.grad(out, params, grad_outputs=u, create_graph=True)
    inner = sum((g * t).sum() for g, t in zip(grads, tangents, strict=True))
    (delta,) = torch.autograd.grad(inner, u)
    return float(torch.sqrt((delta.detach().to(torch.float64) ** 2).sum(dim=1).mean()))


def output_error(model: ResNet, reference: Tensor, x: Tensor, norm: str = "l2") -> float:
    """‖f_model − reference‖ on the sample: RMS of per-point Euclidean error (l2) or max (linf)."""
    with torch.no_grad():
        diff = model(x).to(torch.float64) - torch.as_tensor(reference, dtype=torch.float64)
    if norm == "l2":
        return float(torch.sqrt((diff**2).sum(dim=1).mean()))
    if norm == "linf":
        return float(diff.abs().max())
    raise ValueError(f"norm: expected 'l2' or 'linf', got {norm!r}")


# -- iterative prune-and-retrain -----------------------------------------------------------------
def iterative_prune(
    model: ResNet,
    x: Tensor,
    y: Tensor,
    n_values: list[int],
    config: Any,
    *,
    criterion: str = "magnitude",
    weights: str | dict[str, Tensor] = "ideal",
    callback: Callable[[int, ResNet], None] | None = None,
) -> list[tuple[int, ResNet]]:
    """Prune-and-retrain: for N in decreasing ``n_values``, prune the current net to N entries with
    ``criterion`` (``"magnitude"`` or ``"sensitivity"``) then retrain it with
    ``occam.train.train(x, y, config, model=pruned)``; masks stay attached while retraining.

    Returns ``[(N, retrained model), ...]``. ``config`` is an ``occam.train.TrainConfig``.
    """
    from occam.train import train

    _check_model(model)
    if criterion not in ("magnitude", "sensitivity"):
        raise ValueError(f"criterion: expected 'magnitude' or 'sensitivity', got {criterion!r}")
    ns = [resolve_amount(n, model.n_parameters) for n in n_values]
    if any(b > a for a, b in itertools.pairwise(ns)):
        raise ValueError(f"n_values: must be non-increasing for iterative pruning, got {ns}")
    current = model
    out = []
    for n in ns:
        if criterion == "magnitude":
            pruned = magnitude_prune(current, n)
        else:
            pruned = sensitivity_prune(current, x, n, weights=weights)
        result = train(x, y, config, model=pruned, progress=False)
        current = result.model
        if callback is not None:
            callback(n, current)
        out.append((n, current))
    return out
