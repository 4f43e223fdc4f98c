"""The input domain Ω: a hyper-rectangle Π_i [a_i, a_i + ρ_i] (SPEC 1).

Plain numpy; every other sub-package (complexity bounds, encoders of SPEC 2.2, Tetrakis grids of
SPEC 9.3) takes its domain from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from occam._domain import parse_domain


@dataclass(frozen=True)
class Box:
    """Ω = Π_i [lower_i, lower_i + width_i], with width_i = ρ_i > 0 (SPEC 1)."""

    lower: tuple[float, ...]
    width: tuple[float, ...]

    def __post_init__(self) -> None:
        lower = tuple(float(v) for v in np.atleast_1d(np.asarray(self.lower, dtype=float)))
        width = tuple(float(v) for v in np.atleast_1d(np.asarray(self.width, dtype=float)))
        if len(lower) == 0:
            raise ValueError("Box: the domain needs at least one dimension")
        if len(lower) != len(width):
            raise ValueError(f"Box: lower has {len(lower)} coordinates but width has {len(width)}")
        if not all(np.isfinite(lower)) or not all(np.isfinite(width)):
            raise ValueError(f"Box: bounds must be finite, got lower={lower}, width={width}")
        if not all(w > 0 for w in width):
            raise ValueError(f"Box: every width ρ_i must be > 0, got {width}")
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "width", width)

    # constructors -------------------------------------------------------------------------
    @classmethod
    def from_bounds(
        cls, low: Sequence[float] | float, high: Sequence[float] | float, dim: int | None = None
    ) -> Box:
        """Box [low, high]^d; scalars are broadcast to ``dim`` coordinates."""
        lo = np.asarray(low, dtype=float)
        hi = np.asarray(high, dtype=float)
        if dim is not None:
            lo = np.broadcast_to(lo, (dim,))
            hi = np.broadcast_to(hi, (dim,))
        lo, hi = np.broadcast_arrays(np.atleast_1d(lo), np.atleast_1d(hi))
        if np.any(hi <= lo):
            raise ValueError(f"Box: need high > low in every coordinate, got low={lo}, high={hi}")
        return cls(tuple(lo), tuple(hi - lo))

    @classmethod
    def cube(cls, dim: int, low: float = -1.0, high: float = 1.0) -> Box:
        """The cube [low, high]^dim."""
        return cls.from_bounds(low, high, dim=dim)

    # properties ---------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        return len(self.lower)

    @property
    def low(self) -> np.ndarray:
        return np.asarray(self.lower, dtype=float)

    @property
    def high(self) -> np.ndarray:
        return np.asarray(self.lower, dtype=float) + np.asarray(self.width, dtype=float)

    @property
    def rho(self) -> np.ndarray:
        """The side lengths ρ_i (the diagonal of ρ in SPEC 1)."""
        return np.asarray(self.width, dtype=float)

    # sampling -----------------------------------------------------------------------------
    def sample(self, n: int, rng: np.random.Generator | int | None = None) -> np.ndarray:
        """n points drawn uniformly from Ω, shape (n, dim), float64."""
        rng = np.random.default_rng(rng)
        return self.low + rng.random((int(n), self.dim)) * self.rho

    def corners(self, max_corners: int = 1 << 16) -> np.ndarray:
        """All 2^dim corners of Ω (refused above ``max_corners``), shape (2^dim, dim)."""
        if 2**self.dim > max_corners:
            raise ValueError(f"Box.corners: 2^{self.dim} corners exceed max_corners={max_corners}")
        bits = (np.arange(2**self.dim)[:, None] >> np.arange(self.dim)[None, :]) & 1
        return self.low + bits * self.rho

    def contains(self, x: np.ndarray, atol: float = 0.0) -> np.ndarray:
        """Boolean mask of the rows of x (n, dim) that lie in Ω (up to ``atol``)."""
        x = np.asarray(x, dtype=float)
        return np.all((x >= self.low - atol) & (x <= self.high + atol), axis=-1)

    def to_dict(self) -> dict[str, list[float]]:
        return {"lower": list(self.lower), "width": list(self.width)}

    @classmethod
    def from_dict(cls, data: dict) -> Box:
        return cls(tuple(data["lower"]), tuple(data["width"]))


def as_box(domain: object, dim: int | None = None, name: str = "domain") -> Box:
    """Coerce ``domain`` to a :class:`Box` (SPEC 15; read by :func:`occam._domain.parse_domain`).

    Accepts a Box, a tuple ``(low, high)`` of scalars or length-d sequences, a numpy array or
    torch tensor of shape (d, 2) with rows [low_i, high_i], or a flat list ``[low, high]`` of two
    scalars. A nested list is refused as ambiguous. ``dim`` (if given) is checked, and broadcasts
    scalars.
    """
    if isinstance(domain, Box):
        if dim is not None and domain.dim != dim:
            raise ValueError(
                f"{name}: expected a box of dimension {dim}, got dimension {domain.dim}"
            )
        return domain
    low, high = parse_domain(domain, dim, name)
    return Box(tuple(low), tuple(high - low))
