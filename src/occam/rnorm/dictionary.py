"""Finite dictionaries of unit-norm ReLU units σ(wᵀx + b) for the R-norm LP (SPEC 12 c).

A :class:`Dictionary` is a set of unit directions w, each with either an explicit list of biases or
"all relevant biases" (``None``): the kinks t = wᵀx_k at the data projections except the largest.
Relevant biases lose nothing on the data: for a fixed direction a unit σ(z − t) with t between two
consecutive projections p < t < p' equals, on every data point, the convex combination
λσ(z − p) + (1−λ)σ(z − p'), t = λp + (1−λ)p' (same R-norm cost 1); a kink below all projections
is affine on the data (its constant part is free, its slope part is the unit at the lowest
projection), and a kink at or above the largest projection is 0 on the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from occam.rnorm._validation import as_matrix, check_dimension

KINDS = ("ridge", "sign", "random", "union")
MAX_SIGN_DIM = 16


@dataclass(frozen=True, eq=False)
class Dictionary:
    """Unit directions (rows of ``directions``) with per-direction biases.

    Parameters
    ----------
    directions : array (m, d)
        Nonzero directions; they are normalised to unit ℓ2 norm.
    biases : sequence of length m of (arrays or None), or None
        ``biases[i]`` lists the biases b of the units σ(w_iᵀx + b) for direction i as given
        (they are divided by ‖w_i‖ together with it); ``None`` (for one direction or for all)
        means every relevant bias for the data at hand.
    name : str
        Label used in reports.
    """

    directions: np.ndarray
    biases: tuple[np.ndarray | None, ...] | None = None
    name: str = "custom"
    _kinks: tuple = field(default=(), repr=False)

    def __post_init__(self) -> None:
        D = np.asarray(self.directions, dtype=np.float64)
        if D.ndim != 2 or D.shape[0] == 0 or D.shape[1] == 0:
            raise ValueError(
                f"dictionary: expected a non-empty (m, d) array of directions, got shape {D.shape}"
            )
        if not np.all(np.isfinite(D)):
            raise ValueError("dictionary: directions contain NaN or infinite values")
        norms = np.linalg.norm(D, axis=1)
        if np.any(norms == 0):
            raise ValueError(f"dictionary: direction {int(np.argmin(norms))} is the zero vector")
        object.__setattr__(self, "directions", D / norms[:, None])
        if self.biases is None:
            biases: tuple[np.ndarray | None, ...] = (None,) * D.shape[0]
        else:
            if len(self.biases) != D.shape[0]:
                raise ValueError(
                    f"dictionary: got {len(self.biases)} bias lists for {D.shape[0]} directions"
                )
            items = []
            for i, bi in enumerate(self.biases):
                if bi is None:
                    items.append(None)
                    continue
                arr = np.asarray(bi, dtype=np.float64).reshape(-1) / norms[i]
                if not np.all(np.isfinite(arr)):
                    raise ValueError(f"dictionary: biases of direction {i} are not finite")
                items.append(np.unique(arr))
            biases = tuple(items)
        object.__setattr__(self, "biases", biases)

    @property
    def d(self) -> int:
        return int(self.directions.shape[1])

    @property
    def n_directions(self) -> int:
        return int(self.directions.shape[0])

    def __repr__(self) -> str:
        return f"Dictionary(name={self.name!r}, d={self.d}, n_directions={self.n_directions})"

    def projections(self, X: np.ndarray) -> np.ndarray:
        """Z = X Wᵀ, shape (n, m)."""
        return X @ self.directions.T

    def kinks(self, Z: np.ndarray) -> list[np.ndarray]:
        """Sorted kink positions t per direction (unit σ(z − t), z = wᵀx), given Z = X Wᵀ."""
        out = []
        for i, bi in enumerate(self.biases):
            if bi is not None:
                out.append(np.sort(-bi))
                continue
            out.append(relevant_kinks(Z[:, i]))
        return out

    def neurons(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        """Explicit units for the data X: (W (N, d) unit rows, b (N,)), in the LP's order."""
        X = as_matrix(X, "X", n_cols=self.d)
        kinks = self.kinks(self.projections(X))
        counts = np.array([k.size for k in kinks])
        W = np.repeat(self.directions, counts, axis=0)
        b = -np.concatenate(kinks) if counts.sum() else np.zeros(0)
        return W, b

    def n_neurons(self, X: object) -> int:
        X = as_matrix(X, "X", n_cols=self.d)
        return int(sum(k.size for k in self.kinks(self.projections(X))))


def group_values(z: np.ndarray, rtol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of z up to rounding (gap ≤ rtol·(1+|z|)): (sorted values, index per z)."""
    order = np.argsort(z, kind="stable")
    zs = z[order]
    new = np.concatenate([[True], np.diff(zs) > rtol * (1.0 + np.abs(zs[1:]))])
    group_sorted = np.cumsum(new) - 1
    values = zs[new]
    index = np.empty_like(group_sorted)
    index[order] = group_sorted
    return values, index


def relevant_kinks(z: np.ndarray) -> np.ndarray:
    """The relevant kinks of one direction: distinct data projections except the largest."""
    values, _ = group_values(z)
    return values[:-1]


def ridge_dictionary(d: int, direction: object = None) -> Dictionary:
    """Ridge dictionary: the line of one direction w (default 1/√d), both orientations ±w,
    all relevant biases. Interpolants from it are ridge functions φ(wᵀx)."""
    d = check_dimension(d, "d")
    w = np.ones(d) if direction is None else np.asarray(direction, dtype=np.float64).reshape(-1)
    if w.shape != (d,):
        raise ValueError(f"direction: expected shape ({d},), got {w.shape}")
    return Dictionary(np.stack([w, -w]), None, "ridge")


def sign_dictionary(d: int) -> Dictionary:
    """All 2^d sign directions {±1}^d/√d with all relevant biases (d ≤ 16)."""
    d = check_dimension(d, "d", high=MAX_SIGN_DIM)
    r = np.arange(2**d)[:, None]
    V = 1.0 - 2.0 * ((r >> np.arange(d)[None, :]) & 1)
    return Dictionary(V.astype(np.float64), None, "sign")


def random_dictionary(d: int, n_directions: int, seed: int = 0) -> Dictionary:
    """``n_directions`` directions uniform on the sphere S^{d−1} (seeded), all relevant biases."""
    d = check_dimension(d, "d")
    n_directions = check_dimension(n_directions, "n_directions")
    rng = np.random.default_rng(seed)
    return Dictionary(rng.standard_normal((n_directions, d)), None, f"random{n_directions}")


def union_dictionary(*dicts: Dictionary, name: str = "union") -> Dictionary:
    """Union of dictionaries; repeated directions (same unit vector and bias rule) kept once."""
    if not dicts:
        raise ValueError("union_dictionary: expected at least one dictionary, got none")
    for i, dic in enumerate(dicts):
        if not isinstance(dic, Dictionary):
            raise TypeError(
                f"union_dictionary: argument {i} is a {type(dic).__name__}, not a Dictionary"
            )
    d = dicts[0].d
    if any(dic.d != d for dic in dicts):
        raise ValueError(f"union_dictionary: dimensions differ: {[dic.d for dic in dicts]}")
    D = np.concatenate([dic.directions for dic in dicts])
    B = tuple(b for dic in dicts for b in dic.biases)
    keep, seen = [], {}
    for i in range(D.shape[0]):
        key = tuple(np.round(D[i], 12))
        if key in seen and B[i] is None and B[seen[key]] is None:
            continue
        seen.setdefault(key, i)
        keep.append(i)
    return Dictionary(D[keep], tuple(B[i] for i in keep), name)


def make_dictionary(kind: str, d: int, *, n_random: int = 0, seed: int = 0) -> Dictionary:
    """Dictionary by name: "ridge", "sign", "random" (``n_random`` directions) or "union"
    (ridge ∪ sign ∪ random; random directions only when ``n_random`` > 0)."""
    if kind not in KINDS:
        raise ValueError(f"dictionary: expected one of {KINDS}, got {kind!r}")
    if kind == "ridge":
        return ridge_dictionary(d)
    if kind == "sign":
        return sign_dictionary(d)
    if kind == "random":
        return random_dictionary(d, n_random, seed)
    parts = [ridge_dictionary(d), sign_dictionary(d)]
    if n_random > 0:
        parts.append(random_dictionary(d, n_random, seed))
    return union_dictionary(*parts)


__all__ = [
    "KINDS",
    "Dictionary",
    "group_values",
    "make_dictionary",
    "random_dictionary",
    "relevant_kinks",
    "ridge_dictionary",
    "sign_dictionary",
    "union_dictionary",
]
