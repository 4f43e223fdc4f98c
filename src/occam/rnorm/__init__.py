"""Two-layer R-norm and parity (SPEC 12; seed 004).

- :class:`TwoLayer` — g(x) = Σ u_i σ(w_iᵀx + b_i) + aᵀx + c with ``.rnorm()`` = Σ|u_i|‖w_i‖₂,
  conversion to and from the depth-1 :class:`occam.ResNet` and the relation with R̃ and R.
- :func:`ridge_parity`, :func:`averaged_parity` — exact parity interpolants with closed-form norms.
- :func:`min_rnorm_interpolation` — the minimum R-norm LP over a finite dictionary (HiGHS),
  and the estimator :class:`MinRNormInterpolator` (``fit``/``predict``).
- :func:`spline_min_rnorm`, :func:`spline_interpolant` — the exact 1-D case (Savarese et al.).
- the experiments (min R-norm versus d, learning χ_S from samples) are in
  :mod:`occam.experiments.rnorm`.
"""

from __future__ import annotations

from occam.rnorm.dictionary import (
    Dictionary,
    make_dictionary,
    random_dictionary,
    ridge_dictionary,
    sign_dictionary,
    union_dictionary,
)
from occam.rnorm.estimator import MinRNormInterpolator, NotFittedError
from occam.rnorm.lp import RNormResult, min_rnorm_interpolation
from occam.rnorm.parity import (
    averaged_parity,
    averaged_parity_rnorm,
    cube,
    flip_averaged_parity,
    parity,
    ridge_min_rnorm,
    ridge_parity,
    ridge_parity_rnorm,
    sign_min_rnorm,
)
from occam.rnorm.spline import spline_interpolant, spline_min_rnorm
from occam.rnorm.twolayer import TwoLayer, certified_global_blocks, ideal_blocks

__all__ = [
    "Dictionary",
    "MinRNormInterpolator",
    "NotFittedError",
    "RNormResult",
    "TwoLayer",
    "averaged_parity",
    "averaged_parity_rnorm",
    "certified_global_blocks",
    "cube",
    "flip_averaged_parity",
    "ideal_blocks",
    "make_dictionary",
    "min_rnorm_interpolation",
    "parity",
    "random_dictionary",
    "ridge_dictionary",
    "ridge_min_rnorm",
    "ridge_parity",
    "ridge_parity_rnorm",
    "sign_dictionary",
    "sign_min_rnorm",
    "spline_interpolant",
    "spline_min_rnorm",
    "union_dictionary",
]
