"""Complexity measures of the SPEC 3 ResNet (SPEC 4).

- :func:`ideal` — R̃(θ) = Σ_p |θ_p| ‖∂_p f‖_{L²(π̂)}, fast factorised computation (4.2);
  :func:`ideal_reference` — the same from per-sample gradients (slow, for tests);
- :func:`certified` — R(θ) with engines "empirical", "interval", "global" (4.3);
- :func:`ideal_weights`, :func:`certified_weights`, :func:`weights` — the per-parameter weights
  s_p with measure = Σ_p |θ_p| s_p (they drive pruning and the proximal trainer);
- :func:`l1_norm`, :func:`l2_norm`, :func:`path_norm` — baselines (4.4);
- :func:`evaluate` / :data:`MEASURES` — every measure by name.

Interval helpers (:func:`propagate_boxes`, :func:`interval_jacobians`, :func:`global_jacobians`)
and the sup quantities Δ, B, D, G (:func:`certified_bounds`) are exported for analysis.
"""

from occam.complexity._common import weighted_l1
from occam.complexity.baselines import l1_norm, l2_norm, path_norm
from occam.complexity.certified import (
    ENGINES,
    CertifiedBounds,
    certified,
    certified_bounds,
    certified_weights,
)
from occam.complexity.ideal import ideal, ideal_reference, ideal_reference_weights, ideal_weights
from occam.complexity.intervals import (
    ActivationBounds,
    Interval,
    JacobianBounds,
    global_jacobians,
    interval_jacobians,
    propagate_boxes,
)
from occam.complexity.measures import MEASURES, WEIGHTED_MEASURES, evaluate, weights
from occam.complexity.sensitivity import backward_sweep, input_gradients

__all__ = [
    "ENGINES",
    "MEASURES",
    "WEIGHTED_MEASURES",
    "ActivationBounds",
    "CertifiedBounds",
    "Interval",
    "JacobianBounds",
    "backward_sweep",
    "certified",
    "certified_bounds",
    "certified_weights",
    "evaluate",
    "global_jacobians",
    "ideal",
    "ideal_reference",
    "ideal_reference_weights",
    "ideal_weights",
    "input_gradients",
    "interval_jacobians",
    "l1_norm",
    "l2_norm",
    "path_norm",
    "propagate_boxes",
    "weighted_l1",
    "weights",
]
