"""One entry point for every complexity measure of SPEC 4 (used by training, pruning, reports).

``evaluate(model, measure, x=..., domain=...)`` returns the measure as a 0-d tensor that is
differentiable in θ; ``weights(model, measure, ...)`` returns the per-parameter weights s_p of the
weighted-ℓ1 measures (measure = Σ_p |θ_p| s_p), which drive importance pruning (SPEC 6) and the
soft-thresholds λ·η·s_p of the proximal trainer (SPEC 5).
"""

from __future__ import annotations

import torch
from torch import Tensor

from occam.complexity._common import apply_masks, check_model
from occam.complexity.baselines import l1_norm, l2_norm, path_norm
from occam.complexity.certified import certified, certified_weights
from occam.complexity.ideal import ideal, ideal_weights
from occam.nets import ResNet

MEASURES = ("ideal", "empirical", "interval", "global", "l1", "l2", "path")
"""Names accepted by :func:`evaluate`: R̃ (4.2), R per engine (4.3), ‖θ‖₁, ‖θ‖₂, path-norm (4.4)."""

WEIGHTED_MEASURES = ("ideal", "empirical", "interval", "global", "l1")
"""Measures of the form Σ_p |θ_p| s_p, accepted by :func:`weights`."""

_NEEDS_X = ("ideal", "empirical")
_NEEDS_DOMAIN = ("interval", "global")


def _check(measure: object, allowed: tuple[str, ...], x: object, domain: object) -> str:
    if measure not in allowed:
        raise ValueError(f"measure: expected one of {allowed}, got {measure!r}")
    if measure in _NEEDS_X and x is None:
        raise ValueError(f"x: measure {measure!r} needs a sample x of shape (n, d_in), got None")
    if measure in _NEEDS_DOMAIN and domain is None:
        raise ValueError(
            f"domain: measure {measure!r} needs a domain (Box, (low, high) pair or (d, 2) array), "
            "got None"
        )
    return measure  # type: ignore[return-value]


def evaluate(model: ResNet, measure: str, *, x: object = None, domain: object = None) -> Tensor:
    """Value of ``measure`` (one of :data:`MEASURES`) as a 0-d tensor, differentiable in θ.

    "ideal" = R̃ on the sample x; "empirical" = R with maxima over x; "interval" / "global" = R
    certified over the box ``domain``; "l1" = ‖θ‖₁; "l2" = ‖θ‖₂; "path" = ℓ1 path-norm (with bias
    paths). Arguments a measure does not use are ignored.
    """
    check_model(model)
    measure = _check(measure, MEASURES, x, domain)
    if measure == "ideal":
        return ideal(model, x)
    if measure in ("empirical", "interval", "global"):
        return certified(model, x=x, domain=domain, engine=measure)
    if measure == "l1":
        return l1_norm(model)
    if measure == "l2":
        return l2_norm(model)
    return path_norm(model)


def weights(
    model: ResNet, measure: str, *, x: object = None, domain: object = None
) -> dict[str, Tensor]:
    """Per-parameter weights s_p, shaped like each matrix, with measure = Σ_p |θ_p| s_p.

    measure ∈ :data:`WEIGHTED_MEASURES`: "ideal" (s_p = ‖∂_p f‖_{L²(π̂_x)}), "empirical",
    "interval", "global" (worst-case removal effects, SPEC 4.3) or "l1" (s_p = 1). Masked entries
    get s_p = 0 in every case. Differentiable in θ; wrap in ``torch.no_grad()`` when only the
    values are needed.
    """
    check_model(model)
    measure = _check(measure, WEIGHTED_MEASURES, x, domain)
    if measure == "ideal":
        return ideal_weights(model, x)
    if measure == "l1":
        ones = {name: torch.ones_like(m) for name, m in model.named_matrices()}
        return apply_masks(model, ones)
    return certified_weights(model, x=x, domain=domain, engine=measure)
