"""The Tetrakis triangulation: locating points and interpolating grid values (SPEC 9.1, 9.2).

Plain numpy, no torch. Points are given in world coordinates; a grid of spacing ``h`` (scalar or one
value per axis) and origin ``c`` has its points at ``c + h * v`` for integer vectors ``v``. Every
function here works in *grid units* ``u = (x - c) / h`` and returns vertices as integer grid indices
``v`` (int64), so the world position of a vertex is ``c + h * v``.

Locating (SPEC 9.1), for each coordinate of ``u``:

* ``e_i`` = nearest even integer, ``o_i`` = nearest odd integer, ``t_i = |u_i - e_i|`` ∈ [0, 1];
* ``s_1 ≤ … ≤ s_d`` the sorted ``t_i``, ``s_0 = 0``, ``s_{d+1} = 1``;
* vertex ``u_j`` (j = 0..d) has coordinate ``o_i`` if ``t_i > s_j`` and ``e_i`` otherwise;
* weight ``ω_j = s_{j+1} − s_j``.

Then ``ω ≥ 0``, ``Σ ω_j = 1`` and ``Σ ω_j u_j = u``. This is the Kuhn triangulation mirrored across
every face of the unit grid (the tetrakis square tiling in 2-D), invariant under translation by even
integers. With ties among the ``t_i`` some of the d+1 vertices coincide or change, but only vertices
of weight zero are affected. The two nearest-integer ties are broken so that even translations
commute with locating: an odd integer u_i takes the lower even neighbour e_i = u_i − 1 (used only by
the zero-weight vertex u_d), and an even integer u_i never uses o_i (t_i = 0 is never > s_j).

The cost is one sort of the ``t_i`` per point, O(n·d log d); no 2^d factor anywhere.
``locate`` materialises the (n, d+1, d) vertex array (O(n·d²) memory, the size of its output);
:class:`GridFunction` never does: it walks the d+1 vertices as flat indices, so its evaluation is
O(n·d log d) time and O(n·d) memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numba import njit

__all__ = ["GridFunction", "distinct_rows", "grid_units", "interpolate", "locate", "unique_rows"]

# Grid coordinates beyond this cannot be held exactly in int64 / float64 arithmetic.
_MAX_GRID_COORD = 2.0**52
# GridFunction evaluates points in chunks of about this many (point, vertex) pairs.
_CHUNK_ELEMENTS = 1 << 15


def _as_points(x: object, name: str = "x") -> np.ndarray:
    """Validate a point array: float64 of shape (n, d), d ≥ 1, all finite."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array of shape (n, d), got shape {arr.shape}")
    if arr.shape[1] < 1:
        raise ValueError(f"{name}: expected at least one coordinate (d ≥ 1), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: every coordinate must be finite (found NaN or ±inf)")
    return arr


def _as_per_axis(value: object, d: int, name: str, *, positive: bool) -> np.ndarray:
    """A scalar or a length-d vector, broadcast to shape (d,) float64 and validated."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] not in (1, d)):
        raise ValueError(
            f"{name}: expected a scalar or a vector of length d={d}, got shape {arr.shape}"
        )
    arr = np.broadcast_to(arr.reshape(-1) if arr.ndim else arr, (d,)).astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: must be finite, got {arr.tolist()}")
    if positive and not np.all(arr > 0):
        raise ValueError(f"{name}: must be > 0 in every coordinate, got {arr.tolist()}")
    return arr


def grid_units(x: object, spacing: object = 1.0, origin: object = 0.0) -> np.ndarray:
    """Map world points to grid units, ``u = (x − origin) / spacing``, shape (n, d) float64."""
    pts = _as_points(x)
    d = pts.shape[1]
    h = _as_per_axis(spacing, d, "spacing", positive=True)
    c = _as_per_axis(origin, d, "origin", positive=False)
    u = (pts - c) / h
    if not np.all(np.isfinite(u)) or np.any(np.abs(u) >= _MAX_GRID_COORD):
        raise ValueError(
            f"x: grid coordinates (x - origin) / spacing must lie within ±2^52, got max |u| = "
            f"{float(np.max(np.abs(u))):.3g}"
        )
    return u


def _even_odd_t(u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest even integer e, step δ = o − e ∈ {±1} to the nearest odd integer, and t = |u − e|.

    ``t`` is computed exactly (|u − e| ≤ 1 and Sterbenz's lemma). Both ties are broken in a way
    that commutes with even translations: when u is an odd integer (t = 1) the lower even
    neighbour e = u − 1 is taken (only the zero-weight vertex u_d uses it); when u = e the odd
    neighbour is ambiguous and δ = +1 is taken (never used: a coordinate with t = 0 is never odd).
    """
    e = 2.0 * np.ceil(0.5 * (u - 1.0))
    # guard against rounding in u - 1 (far from the origin): enforce |u - e| <= 1
    e = np.where(u - e > 1.0, e + 2.0, np.where(u - e < -1.0, e - 2.0, e))
    diff = u - e
    t = np.abs(diff)
    delta = np.where(diff >= 0, 1, -1).astype(np.int64)
    return e, delta, t


def locate(x: object, spacing: object = 1.0, origin: object = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Vertices and barycentric weights of the Tetrakis simplex containing each point (SPEC 9.1).

    Parameters
    ----------
    x : array of shape (n, d)
        Points in world coordinates; any finite reals (not restricted to one cube).
    spacing : float or array of shape (d,)
        Grid spacing h > 0 (per axis or common).
    origin : float or array of shape (d,)
        Grid origin c; grid points are ``c + h * v`` for integer v.

    Returns
    -------
    vertices : int64 array of shape (n, d+1, d)
        The vertices u_j, j = 0..d, as integer grid indices (grid units): the world position of
        vertex j of point k is ``origin + spacing * vertices[k, j]``. Vertex j has coordinate i
        equal to the nearest odd integer o_i of u_i = (x_i − c_i)/h_i if t_i > s_j, else the
        nearest even integer e_i. Vertex d is (e_1..e_d).
    weights : float64 array of shape (n, d+1)
        ω_j = s_{j+1} − s_j ≥ 0 with s the sorted t_i = |u_i − e_i| padded by s_0 = 0, s_{d+1} = 1;
        Σ_j ω_j = 1 and Σ_j ω_j u_j = u.

    Vertices of positive weight satisfy ``floor(u) ≤ v ≤ ceil(u)`` coordinatewise. Cost: one sort of
    d numbers per point (O(n·d log d)) plus writing the O(n·d²) output; no 2^d term.
    """
    e, delta, t, s = _simplex_parts(grid_units(x, spacing, origin))
    n, d = t.shape
    vertices = np.empty((n, d + 1, d), dtype=np.int64)
    weights = np.empty((n, d + 1), dtype=np.float64)
    _walk_vertices(e, delta, t, s, vertices, weights)
    return vertices, weights


def _simplex_parts(u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """e (int64), δ, t of :func:`_even_odd_t` and the sorted t, s_1 ≤ … ≤ s_d, per point."""
    e, delta, t = _even_odd_t(u)
    return e.astype(np.int64), delta, t, np.sort(t, axis=1)


@njit(cache=True, inline="always")
def _vertex_weight(t, s, k, j):  # pragma: no cover - numba
    """(s_j, ω_j = s_{j+1} − s_j) of point k, with s_0 = 0 and s_{d+1} = 1."""
    d = t.shape[1]
    lo = 0.0 if j == 0 else s[k, j - 1]
    hi = 1.0 if j == d else s[k, j]
    return lo, hi - lo


@njit(cache=True, inline="always")
def _coordinate(e, delta, t, k, i, sj):  # pragma: no cover - numba
    """Coordinate i of the vertex with threshold s_j of point k: odd o_i = e_i + δ_i when
    t_i > s_j, else the even e_i (the rule of :func:`locate`)."""
    return e[k, i] + (delta[k, i] if t[k, i] > sj else 0)


@njit(cache=True)
def _walk_vertices(e, delta, t, s, vertices, weights):  # pragma: no cover - numba
    """Vertex j of point k: coordinate i is e_i + δ_i when t_i > s_j (odd), else e_i."""
    n, d = t.shape
    for k in range(n):
        for j in range(d + 1):
            sj, w = _vertex_weight(t, s, k, j)
            weights[k, j] = w
            for i in range(d):
                vertices[k, j, i] = _coordinate(e, delta, t, k, i, sj)


@njit(cache=True)
def _vertices_at(e, delta, t, s, positions):  # pragma: no cover - numba
    """The vertices at flat positions k·(d+1) + j (rule of :func:`_walk_vertices`)."""
    d = t.shape[1]
    rows = np.empty((positions.shape[0], d), dtype=np.int64)
    for r in range(positions.shape[0]):
        k = positions[r] // (d + 1)
        sj, _ = _vertex_weight(t, s, k, positions[r] - k * (d + 1))
        for i in range(d):
            rows[r, i] = _coordinate(e, delta, t, k, i, sj)
    return rows


@njit(cache=True)
def _walk_keys(e, delta, t, s, lo, radix, keys, weights):  # pragma: no cover - numba
    """As :func:`_walk_vertices`, but each vertex of positive weight as its mixed-radix key
    Σ_i (v_i − lo_i)·radix_i (−1 for weight 0): the vertex array is never materialised."""
    n, d = t.shape
    for k in range(n):
        for j in range(d + 1):
            sj, w = _vertex_weight(t, s, k, j)
            weights[k * (d + 1) + j] = w
            key = -1
            if w > 0:
                key = 0
                for i in range(d):
                    key += (_coordinate(e, delta, t, k, i, sj) - lo[i]) * radix[i]
            keys[k * (d + 1) + j] = key


def _radix(lo: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
    """Mixed radices of the box Π[lo_i, hi_i] (first coordinate most significant, so key order
    is lexicographic row order), or None when the box has 2^62 points or more."""
    extent = [int(b) - int(a) + 1 for a, b in zip(lo, hi, strict=True)]  # Python ints: exact
    if math.prod(extent) >= 2**62:
        return None
    radix = np.ones(len(extent), dtype=np.int64)
    for i in range(len(extent) - 2, -1, -1):
        radix[i] = radix[i + 1] * extent[i + 1]
    return radix


@njit(cache=True)
def _rows_of_keys(keys, lo, radix):  # pragma: no cover - numba
    """Inverse of the mixed-radix keys: rows (m, d) with Σ_i (row_i − lo_i)·radix_i = key."""
    m, d = keys.shape[0], lo.shape[0]
    rows = np.empty((m, d), dtype=np.int64)
    for r in range(m):
        rest = keys[r]
        for i in range(d):
            q = rest // radix[i]
            rows[r, i] = q + lo[i]
            rest -= q * radix[i]
    return rows


def unique_rows(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of an int64 array (m, d), sorted lexicographically, and the inverse map.

    Same result as ``np.unique(v, axis=0, return_inverse=True)``; when the bounding box of the
    rows has fewer than 2^62 points each row is packed into one int64 key (:func:`_radix`) and a
    1-D unique is used, which is several times faster.
    """
    if v.shape[0] == 0:
        return v.copy(), np.zeros(0, dtype=np.int64)
    lo = v.min(axis=0)
    radix = _radix(lo, v.max(axis=0))
    if radix is None:
        uniq, inverse = np.unique(v, axis=0, return_inverse=True)
        return uniq, inverse.reshape(-1)
    ukeys, inverse = np.unique((v - lo) @ radix, return_inverse=True)
    return _rows_of_keys(ukeys, lo, radix), inverse.reshape(-1)


@njit(cache=True)
def _masked_bounds(v, keep):  # pragma: no cover - numba
    """Column minima and maxima over the rows with keep[r] (at least one)."""
    m, d = v.shape
    lo = np.full(d, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(d, np.iinfo(np.int64).min, dtype=np.int64)
    for r in range(m):
        if keep[r]:
            for i in range(d):
                x = v[r, i]
                lo[i] = min(lo[i], x)
                hi[i] = max(hi[i], x)
    return lo, hi


@njit(cache=True)
def _masked_keys(v, keep, lo, radix):  # pragma: no cover - numba
    """Mixed-radix key Σ_i (v_ri − lo_i)·radix_i of every kept row, −1 for the others."""
    m, d = v.shape
    keys = np.full(m, -1, dtype=np.int64)
    for r in range(m):
        if keep[r]:
            k = np.int64(0)
            for i in range(d):
                k += (v[r, i] - lo[i]) * radix[i]
            keys[r] = k
    return keys


@njit(cache=True)
def _first_occurrences(keys):  # pragma: no cover - numba
    """Open-addressing hash set over the keys ≥ 0: (position of each distinct key's first
    occurrence, in order of appearance; distinct index per position, −1 for negative keys).
    O(m) expected."""
    m = keys.shape[0]
    size = 2
    while size < 1.4 * m:  # load ≤ 0.72: short probes, and a table small enough to stay cached
        size *= 2
    mask = size - 1
    slot_key = np.empty(size, dtype=np.int64)
    slot_id = np.full(size, -1, dtype=np.int32)
    first = np.empty(m, dtype=np.int64)
    inverse = np.full(m, -1, dtype=np.int64)
    n_distinct = 0
    for r in range(m):
        k = keys[r]
        if k < 0:
            continue
        s = ((k * np.int64(-7046029254386353131)) >> np.int64(17)) & mask  # Fibonacci hashing
        while slot_id[s] >= 0 and slot_key[s] != k:
            s = (s + 1) & mask
        if slot_id[s] < 0:
            slot_key[s] = k
            slot_id[s] = n_distinct
            first[n_distinct] = r
            n_distinct += 1
        inverse[r] = slot_id[s]
    return first[:n_distinct], inverse


def distinct_rows(v: np.ndarray, keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows among the rows ``r`` of an int64 array (m, d) with ``keep[r]`` (default all),
    in order of first appearance, and the inverse map: ``rows[inverse[r]] == v[r]`` for kept rows,
    ``inverse[r] = −1`` for the others.

    Rows are mixed-radix int64 keys over their bounding box, deduplicated with a hash set in O(m)
    (compiled), several times cheaper than the sort behind :func:`unique_rows` (which returns the
    same set, sorted); boxes of 2^62 points or more fall back to :func:`unique_rows`.
    """
    v = np.ascontiguousarray(v, dtype=np.int64)
    keep = np.ones(v.shape[0], dtype=np.bool_) if keep is None else np.asarray(keep, dtype=bool)
    inverse = np.full(v.shape[0], -1, dtype=np.int64)
    if not keep.any():
        return v[:0].copy(), inverse
    lo, hi = _masked_bounds(v, keep)
    radix = _radix(lo, hi)
    if radix is None:  # sort-based, then renumbered in order of first appearance
        rows, inv = unique_rows(v[keep])
        first = np.full(rows.shape[0], inv.shape[0], dtype=np.int64)
        np.minimum.at(first, inv, np.arange(inv.shape[0]))
        order = np.argsort(first)
        rank = np.empty_like(order)
        rank[order] = np.arange(order.shape[0])
        inverse[keep] = rank[inv]
        return rows[order], inverse
    first, inverse = _first_occurrences(_masked_keys(v, keep, lo, radix))
    return v[first], inverse


def interpolate(
    values_fn: Callable[[np.ndarray], np.ndarray],
    x: object,
    spacing: object = 1.0,
    origin: object = 0.0,
) -> np.ndarray:
    """Tetrakis extension T_g(x) = Σ_j ω_j(x) g(u_j(x)) of grid values g (SPEC 9.2).

    Parameters
    ----------
    values_fn : callable
        Maps integer grid indices ``v`` (int64, shape (m, d)) to g(v), shape (m,) or (m, k). It is
        called once, on the distinct vertices of positive weight over all points (keyed and
        deduplicated in O(n·d²) by compiled code, in order of first appearance,
        :func:`_distinct_vertices`), so an expensive g (a circuit simulation) is evaluated as
        few times as possible and never on vertices that do not contribute, while a cheap g
        pays little for the deduplication.
    x, spacing, origin
        As in :func:`locate`.

    Returns
    -------
    float64 array of shape (n,) (or (n, k) when values_fn returns (m, k)).
    """
    if not callable(values_fn):
        raise TypeError(f"values_fn: expected a callable, got {type(values_fn).__name__}")
    u = grid_units(x, spacing, origin)
    n, d = u.shape
    if n == 0:
        return np.zeros(0, dtype=np.float64)  # values_fn is not called on an empty set
    uniq, inverse, flat_w = _distinct_vertices(u)
    vals = np.asarray(values_fn(uniq), dtype=np.float64)
    if vals.ndim not in (1, 2) or vals.shape[0] != uniq.shape[0]:
        raise ValueError(
            f"values_fn: expected an array of shape ({uniq.shape[0]},) or ({uniq.shape[0]}, k) "
            f"for {uniq.shape[0]} vertices, got shape {vals.shape}"
        )
    tail = vals.shape[1:]
    # a zero row for the vertices of weight 0 (inverse −1): no mask, no scatter
    padded = np.concatenate([vals, np.zeros((1, *tail))])
    contrib = flat_w.reshape((-1,) + (1,) * len(tail)) * padded[inverse]
    return contrib.reshape(n, d + 1, *tail).sum(axis=1)


def _distinct_vertices(u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct vertices of positive weight of all points (grid units u), in order of first
    appearance, the index of each (point, vertex) among them (−1 for weight 0) and the flat
    weights. Vertices lie within one of u, so their box is [floor(u) − 1, ceil(u) + 1]: when it
    has fewer than 2^62 points they are keyed and deduplicated without materialising the
    (n, d+1, d) vertex array (:func:`_walk_keys`), otherwise through :func:`locate`."""
    e, delta, t, s = _simplex_parts(u)
    lo = np.floor(u.min(axis=0)).astype(np.int64) - 1
    radix = _radix(lo, np.ceil(u.max(axis=0)).astype(np.int64) + 1)
    n, d = u.shape
    if radix is None:
        vertices = np.empty((n, d + 1, d), dtype=np.int64)
        weights = np.empty((n, d + 1), dtype=np.float64)
        _walk_vertices(e, delta, t, s, vertices, weights)
        flat_w = weights.reshape(-1)
        uniq, inverse = distinct_rows(vertices.reshape(n * (d + 1), d), flat_w > 0)
        return uniq, inverse, flat_w
    keys = np.empty(n * (d + 1), dtype=np.int64)
    flat_w = np.empty(n * (d + 1), dtype=np.float64)
    _walk_keys(e, delta, t, s, lo, radix, keys, flat_w)
    first, inverse = _first_occurrences(keys)
    return _vertices_at(e, delta, t, s, first), inverse, flat_w


class GridFunction:
    """Values on a finite grid and their Tetrakis extension (SPEC 9.2).

    ``values[v_1, ..., v_d]`` is the value at the world point ``origin + spacing * v`` for
    ``0 ≤ v_i ≤ N_i`` (values has shape (N_1+1, ..., N_d+1)). Calling the object on points inside
    the grid's box returns T_g(x); evaluation is O(n·d log d) (one sort per point, then the d+1
    vertices walked as flat indices, each coordinate flipped once in sorted order), with no
    (n, d+1, d) array and no 2^d term.
    """

    def __init__(self, values: object, spacing: object = 1.0, origin: object = 0.0) -> None:
        vals = np.asarray(values, dtype=np.float64)
        if vals.ndim < 1:
            raise ValueError(
                f"values: expected a d-dimensional array (d ≥ 1), got shape {vals.shape}"
            )
        if min(vals.shape) < 2:
            raise ValueError(
                f"values: every axis needs at least 2 grid points (N_i ≥ 1), got shape {vals.shape}"
            )
        if not np.all(np.isfinite(vals)):
            raise ValueError("values: grid values must be finite (found NaN or ±inf)")
        self.values = np.array(vals, dtype=np.float64, order="C", copy=True)  # never the caller's
        self.values.setflags(write=False)
        d = vals.ndim
        self.spacing = _as_per_axis(spacing, d, "spacing", positive=True)
        self.origin = _as_per_axis(origin, d, "origin", positive=False)
        self._flat = self.values.reshape(-1)
        self._n = np.asarray(vals.shape, dtype=np.int64) - 1  # N_i
        self._strides = np.asarray(
            [int(np.prod(vals.shape[i + 1 :])) for i in range(d)], dtype=np.int64
        )
        self._fstrides = self._strides.astype(np.float64)

    @property
    def d(self) -> int:
        """Dimension of the grid."""
        return self.values.ndim

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of grid points per axis, (N_1+1, ..., N_d+1)."""
        return self.values.shape

    @property
    def low(self) -> np.ndarray:
        """World coordinates of the first grid point."""
        return self.origin.copy()

    @property
    def high(self) -> np.ndarray:
        """World coordinates of the last grid point, origin + spacing·N."""
        return self.origin + self.spacing * self._n

    @classmethod
    def from_function(
        cls,
        f: Callable[[np.ndarray], np.ndarray],
        shape: Sequence[int],
        spacing: object = 1.0,
        origin: object = 0.0,
    ) -> GridFunction:
        """Sample f (world points (m, d) -> (m,)) at every point of a grid with ``shape`` points
        per axis."""
        shape = tuple(int(s) for s in shape)
        if len(shape) < 1 or min(shape) < 2:
            raise ValueError(f"shape: expected ≥ 2 points on each of ≥ 1 axes, got {shape}")
        d = len(shape)
        h = _as_per_axis(spacing, d, "spacing", positive=True)
        c = _as_per_axis(origin, d, "origin", positive=False)
        idx = np.indices(shape).reshape(d, -1).T
        vals = np.asarray(f(c + h * idx), dtype=np.float64)
        if vals.shape != (idx.shape[0],):
            raise ValueError(
                f"f: expected values of shape ({idx.shape[0]},) for {idx.shape[0]} grid points, "
                f"got shape {vals.shape}"
            )
        return cls(vals.reshape(shape), h, c)

    def values_at(self, vertices: object) -> np.ndarray:
        """g(v) for integer grid indices v of shape (m, d); raises if any lies off the grid."""
        v = np.asarray(vertices)
        if v.ndim != 2 or v.shape[1] != self.d:
            raise ValueError(f"vertices: expected shape (m, {self.d}), got {v.shape}")
        if not np.issubdtype(v.dtype, np.integer):
            raise TypeError(f"vertices: expected integer grid indices, got dtype {v.dtype}")
        if np.any(v < 0) or np.any(v > self._n):
            raise ValueError(
                f"vertices: grid indices must lie in [0, N] with N = {self._n.tolist()}"
            )
        return self._flat[v.astype(np.int64) @ self._strides]

    def __call__(self, x: object, *, atol: float = 1e-9) -> np.ndarray:
        """T_g(x) for points inside the grid's box, shape (n,).

        Points up to ``atol`` grid units outside the box are clipped onto it; farther points (and
        NaN) raise ValueError.
        """
        pts = np.asarray(x, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != self.d:
            raise ValueError(f"x: expected shape (n, {self.d}), got shape {pts.shape}")
        u = (pts - self.origin) / self.spacing
        if u.shape[0] == 0:
            return np.zeros(0, dtype=np.float64)
        n_hi = self._n.astype(np.float64)
        lo, hi = u.min(axis=0), u.max(axis=0)  # NaN propagates and fails the test below
        if not (np.all(lo >= -atol) and np.all(hi <= n_hi + atol)):
            inside = np.all((u >= -atol) & (u <= n_hi + atol), axis=1)
            raise ValueError(
                f"x: {int((~inside).sum())} of {pts.shape[0]} points lie outside the grid box "
                f"[{self.low.tolist()}, {self.high.tolist()}] (or are not finite)"
            )
        np.clip(u, 0.0, n_hi, out=u)
        out = np.empty(u.shape[0], dtype=np.float64)
        # chunks of a few thousand points keep the temporaries in cache
        chunk = max(1, _CHUNK_ELEMENTS // (self.d + 1))
        for start in range(0, u.shape[0], chunk):
            out[start : start + chunk] = self._evaluate_units(u[start : start + chunk])
        return out

    def _evaluate_units(self, u: np.ndarray) -> np.ndarray:
        """The flat-index walk of SPEC 9.1 on grid units u (n, d) inside [0, N].

        Vertex d is e (all even) with flat index Σ_i e_i·stride_i; going from vertex j+1 to
        vertex j moves the coordinate of rank j (in ascending t) from e_i to o_i, i.e. adds
        sign(u_i − e_i)·stride_i (0 when t_i = 0, where the SPEC keeps e_i). Positive-weight
        vertices are exactly the SPEC's; at ties the zero-weight ones may differ, harmlessly.
        For u in [0, N] every vertex lies on the grid: e_i ∈ [0, N_i] (ties at odd u_i go down)
        and o_i is only used when t_i > 0, where it is floor or ceil of u_i. Flat indices are
        accumulated in float64 (exact below 2^53) and converted once.
        """
        n, d = u.shape
        e = np.rint(0.5 * u)
        e *= 2.0
        diff = u - e
        tie = diff == -1.0  # u_i odd, rint went up: take the lower even neighbour
        if tie.any():
            e[tie] -= 2.0
            diff[tie] = 1.0
        t = np.abs(diff)
        step = np.sign(diff)
        step *= self._fstrides
        base = e @ self._fstrides  # flat index of vertex d
        order = np.argsort(t, axis=1)
        order += np.arange(0, n * d, d, dtype=order.dtype)[:, None]  # flat positions
        s = t.reshape(-1)[order]
        step_sorted = step.reshape(-1)[order]
        # idx[:, j] = base + Σ_{k ≥ j} step_sorted[:, k] for j = 0..d (idx[:, d] = base)
        idx = np.empty((n, d + 1), dtype=np.float64)
        np.cumsum(step_sorted[:, ::-1], axis=1, out=idx[:, d - 1 :: -1])
        idx[:, d] = 0.0
        idx += base[:, None]
        w = np.empty((n, d + 1), dtype=np.float64)
        w[:, 0] = s[:, 0]
        np.subtract(s[:, 1:], s[:, :-1], out=w[:, 1:d])
        np.subtract(1.0, s[:, d - 1], out=w[:, d])
        return np.einsum("nj,nj->n", w, self._flat[idx.astype(np.intp)])

    def __repr__(self) -> str:
        return (
            f"GridFunction(shape={self.shape}, spacing={self.spacing.tolist()}, "
            f"origin={self.origin.tolist()})"
        )
