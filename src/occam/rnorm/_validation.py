"""Input checks for the public entry points of occam.rnorm (STYLE: errors at the boundary)."""

from __future__ import annotations

import numpy as np

from occam.errors import OccamError


class RNormInputError(OccamError, ValueError):
    """A bad argument to an occam.rnorm entry point (the message names it)."""


def as_matrix(value: object, name: str, *, n_cols: int | None = None) -> np.ndarray:
    """A finite float64 2-D array (n, d) with n >= 1; raises ValueError naming ``name``."""
    _refuse_complex(value, name)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise RNormInputError(
            f"{name}: expected a real array of shape (n, d), got {value!r:.80}"
        ) from err
    if arr.ndim != 2:
        raise RNormInputError(
            f"{name}: expected a 2-D array of shape (n, d), got shape {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise RNormInputError(
            f"{name}: expected n >= 1 rows and d >= 1 columns, got shape {arr.shape}"
        )
    if n_cols is not None and arr.shape[1] != n_cols:
        raise RNormInputError(f"{name}: expected {n_cols} columns, got shape {arr.shape}")
    check_finite(arr, name)
    return arr


def as_vector(value: object, name: str, *, length: int | None = None) -> np.ndarray:
    """A finite float64 1-D array (a column (n, 1) is flattened); raises ValueError."""
    _refuse_complex(value, name)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise RNormInputError(f"{name}: expected a real 1-D array, got {value!r:.80}") from err
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise RNormInputError(f"{name}: expected a 1-D array, got shape {arr.shape}")
    if length is not None and arr.shape[0] != length:
        raise RNormInputError(f"{name}: expected length {length}, got length {arr.shape[0]}")
    check_finite(arr, name)
    return arr


def _refuse_complex(value: object, name: str) -> None:
    """Complex input would be cast to its real part (numpy only warns): refuse it instead."""
    if np.iscomplexobj(value):
        raise RNormInputError(
            f"{name}: expected real values, got a complex array (pass the real part explicitly "
            "if that is what you mean)"
        )


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise ValueError saying whether ``arr`` holds NaN or infinite values."""
    if np.isnan(arr).any():
        raise RNormInputError(f"{name}: contains NaN values")
    if np.isinf(arr).any():
        raise RNormInputError(f"{name}: contains infinite values")


def check_dimension(d: object, name: str = "d", *, low: int = 1, high: int | None = None) -> int:
    """An int in [low, high]; TypeError for non-integers, ValueError when out of range."""
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        raise TypeError(f"{name}: expected an int, got {type(d).__name__} {d!r}")
    d = int(d)
    if d < low or (high is not None and d > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise RNormInputError(f"{name}: expected an int {bound}, got {d}")
    return d
