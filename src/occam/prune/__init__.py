"""Pruning of the SPEC 3 ResNet by attached masks (SPEC 6; Jacot Sec. 2.2 and Thm 11).

Importance pruning (Bernoulli or Poisson, unbiased rescaling), magnitude, sensitivity and
iterative prune-and-retrain; :func:`prune_curve` measures the (nonzeros, error) curve with mean and
spread over trials next to the first-order prediction and R̃/√N. Criteria ("scores -> mask") live in
:mod:`occam.prune.criteria` and are testable without a network.
"""

from occam.prune.criteria import (
    keep_probabilities,
    poisson_rates,
    resolve_amount,
    top_n_mask,
)
from occam.prune.curve import METHODS, PruneCurve, PrunePoint, default_n_values, prune_curve
from occam.prune.methods import (
    apply_pruning,
    finalize,
    first_order_prediction,
    importance_prune,
    iterative_prune,
    linearised_error,
    magnitude_prune,
    output_error,
    sensitivity_prune,
    sensitivity_weights,
)

__all__ = [
    "METHODS",
    "PruneCurve",
    "PrunePoint",
    "apply_pruning",
    "default_n_values",
    "finalize",
    "first_order_prediction",
    "importance_prune",
    "iterative_prune",
    "keep_probabilities",
    "linearised_error",
    "magnitude_prune",
    "output_error",
    "poisson_rates",
    "prune_curve",
    "resolve_amount",
    "sensitivity_prune",
    "sensitivity_weights",
    "top_n_mask",
]
