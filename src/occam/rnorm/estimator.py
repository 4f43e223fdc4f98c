"""Estimator interface to minimum R-norm interpolation (STYLE 3; SPEC 12 c)."""

from __future__ import annotations

import numpy as np

from occam.errors import NotFittedError
from occam.rnorm._validation import as_matrix
from occam.rnorm.dictionary import Dictionary
from occam.rnorm.lp import RNormResult, min_rnorm_interpolation


class MinRNormInterpolator:
    """``MinRNormInterpolator(...).fit(X, y)`` solves the LP of SPEC 12 c; ``predict`` evaluates g.

    Constructor arguments are stored unchanged (validation happens in ``fit``). ``fit`` sets
    ``result_`` (:class:`~occam.rnorm.lp.RNormResult`), ``net_`` (the TwoLayer interpolant),
    ``rnorm_`` (its optimal R-norm) and ``n_features_in_``; it raises RuntimeError when HiGHS does
    not reach a verified optimum (the result stays available in ``result_``).
    """

    def __init__(
        self,
        dictionary: Dictionary | str = "union",
        eps: float = 0.0,
        affine: bool = False,
        n_random: int = 0,
        seed: int = 0,
        formulation: str = "auto",
        time_limit: float | None = None,
    ) -> None:
        self.dictionary = dictionary
        self.eps = eps
        self.affine = affine
        self.n_random = n_random
        self.seed = seed
        self.formulation = formulation
        self.time_limit = time_limit

    def get_params(self) -> dict[str, object]:
        return {
            "dictionary": self.dictionary,
            "eps": self.eps,
            "affine": self.affine,
            "n_random": self.n_random,
            "seed": self.seed,
            "formulation": self.formulation,
            "time_limit": self.time_limit,
        }

    def fit(self, X: object, y: object) -> MinRNormInterpolator:
        result: RNormResult = min_rnorm_interpolation(
            X,
            y,
            self.dictionary,
            eps=self.eps,
            affine=self.affine,
            formulation=self.formulation,
            n_random=self.n_random,
            seed=self.seed,
            time_limit=self.time_limit,
        )
        self.result_ = result
        result.require_optimal()
        self.net_ = result.net
        self.rnorm_ = float(result.fun)
        self.n_features_in_ = int(np.asarray(X).shape[1])
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "net_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet; call 'fit' with "
                "appropriate arguments before using it."
            )

    def predict(self, X: object) -> np.ndarray:
        """g(X) for X of shape (n, n_features_in_)."""
        self._check_fitted()
        return self.net_(as_matrix(X, "X", n_cols=self.n_features_in_))


__all__ = ["MinRNormInterpolator", "NotFittedError"]
