"""The one parser of a domain Ω argument (SPEC 1, SPEC 15): every function that takes a domain
reads it here, so one value means the same box everywhere.

Accepted forms (SPEC 15):

- a Box (anything with array attributes ``low`` and ``high``, or ``low`` and ``rho``);
- a ``tuple`` ``(low, high)`` of two scalars (broadcast to ``dim`` coordinates) or two length-d
  sequences;
- a numpy array or torch tensor of shape (d, 2) whose rows are ``[low_i, high_i]``;
- a flat list ``[low, high]`` of two scalars.

A nested list (``[[-1, 2], [0, 3]]``) is refused: it could be read as a (low, high) pair or as
(d, 2) rows, and the two readings are different boxes. Numpy and the standard library only; torch
tensors are recognised without importing torch.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["FORMS", "parse_domain"]

FORMS = (
    "a Box, a (low, high) tuple, or a (d, 2) numpy array or torch tensor of [low_i, high_i] rows"
)


def _is_tensor(value: object) -> bool:
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def _is_scalar(value: object) -> bool:
    return (isinstance(value, (numbers.Real, np.number)) and not isinstance(value, bool)) or (
        isinstance(value, np.ndarray) and value.ndim == 0
    )


def _floats(value: object, name: str) -> np.ndarray:
    if _is_tensor(value):
        value = value.detach().cpu().double().numpy()  # type: ignore[attr-defined]
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected real numbers, got {value!r}") from None
    return array


def _pair_or_rows(domain: object, name: str) -> tuple[np.ndarray, np.ndarray]:
    if hasattr(domain, "low") and (hasattr(domain, "high") or hasattr(domain, "rho")):
        low = _floats(domain.low, name)  # type: ignore[attr-defined]
        if hasattr(domain, "high"):
            return low, _floats(domain.high, name)  # type: ignore[attr-defined]
        return low, low + _floats(domain.rho, name)  # type: ignore[attr-defined]
    if isinstance(domain, tuple) and len(domain) == 2:
        return _floats(domain[0], name), _floats(domain[1], name)
    if isinstance(domain, list) and len(domain) == 2 and all(_is_scalar(v) for v in domain):
        return _floats(domain[0], name), _floats(domain[1], name)
    if isinstance(domain, list):
        raise TypeError(
            f"{name}: a list {domain!r} is ambiguous (a (low, high) pair or [low_i, high_i] "
            f"rows?); pass a tuple (low, high) or np.array(rows) of shape (d, 2)"
        )
    if isinstance(domain, np.ndarray) or _is_tensor(domain):
        rows = _floats(domain, name)
        if rows.ndim != 2 or rows.shape[1] != 2 or rows.shape[0] == 0:
            raise ValueError(
                f"{name}: an array domain must have shape (d, 2) with rows [low_i, high_i], "
                f"got shape {tuple(rows.shape)}"
            )
        return rows[:, 0], rows[:, 1]
    raise TypeError(f"{name}: expected {FORMS}; got {type(domain).__name__} {domain!r}")


def parse_domain(
    domain: object, dim: int | None = None, name: str = "domain"
) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)``: float64 arrays of length d with finite low_i < high_i.

    ``dim`` (if given) broadcasts scalar bounds and is checked against the domain's dimension.
    Raises ``TypeError`` for a form that is not accepted (the message lists the accepted forms)
    and ``ValueError`` for bounds that are not finite, not ordered or of the wrong dimension.
    """
    low, high = _pair_or_rows(domain, name)
    if low.ndim > 1 or high.ndim > 1:
        raise ValueError(
            f"{name}: low and high must be scalars or 1-D, got shapes {low.shape} and {high.shape}"
        )
    if dim is not None:  # only scalar bounds broadcast; a sequence must have length dim
        if any(b.ndim == 1 and b.shape[0] != dim for b in (low, high)):
            raise ValueError(
                f"{name}: expected a box of dimension {dim}, got bounds of shapes "
                f"{low.shape} and {high.shape}"
            )
        low, high = np.broadcast_to(low, (dim,)), np.broadcast_to(high, (dim,))
    low, high = np.broadcast_arrays(np.atleast_1d(low), np.atleast_1d(high))
    if low.size == 0:
        raise ValueError(f"{name}: the domain needs at least one dimension")
    if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
        raise ValueError(f"{name}: bounds must be finite, got low={low}, high={high}")
    if np.any(high <= low):
        raise ValueError(f"{name}: need high > low in every coordinate, got low={low}, high={high}")
    return np.array(low, dtype=np.float64), np.array(high, dtype=np.float64)
