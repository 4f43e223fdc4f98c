"""Tests of the Tetrakis triangulation (SPEC 9.1, 9.2): locate, interpolate, GridFunction."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from occam.tetrakis import GridFunction, interpolate, locate

# --------------------------------------------------------------------------------------------
# An independent per-point, pure-Python reference written from SPEC 9.1.
# --------------------------------------------------------------------------------------------


def ref_locate_point(u: list[float]) -> list[tuple[tuple[int, ...], float]]:
    """SPEC 9.1 for one point in grid units: list of (vertex, weight), j = 0..d."""
    d = len(u)
    evens, odds, ts = [], [], []
    for ui in u:
        base = 2 * math.floor(ui / 2)  # even candidates base, base + 2
        cand_e = [base, base + 2]
        e = min(cand_e, key=lambda c: (abs(ui - c), c))
        obase = 2 * math.floor((ui - 1) / 2) + 1  # odd candidates obase, obase + 2
        cand_o = [obase, obase + 2]
        o = min(cand_o, key=lambda c: (abs(ui - c), c))
        evens.append(e)
        odds.append(o)
        ts.append(abs(ui - e))
    s = [0.0, *sorted(ts), 1.0]
    out = []
    for j in range(d + 1):
        vertex = tuple(odds[i] if ts[i] > s[j] else evens[i] for i in range(d))
        out.append((vertex, s[j + 1] - s[j]))
    return out


def positive_weight_map(pairs) -> dict[tuple[int, ...], float]:
    """Vertex -> total weight over the vertices of positive weight."""
    acc: dict[tuple[int, ...], float] = {}
    for v, w in pairs:
        if w > 0:
            acc[tuple(int(c) for c in v)] = acc.get(tuple(int(c) for c in v), 0.0) + float(w)
    return acc


def hashed_values(seed: int, k: int | None = None):
    """A deterministic 'random grid function' v -> g(v) in [-1, 1] defined on all of Z^d."""
    rng = np.random.default_rng(seed)
    table = rng.uniform(-1.0, 1.0, size=(4099,) if k is None else (4099, k))
    mult = rng.integers(1, 2**20, size=64)

    def g(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=np.int64)
        h = (v * mult[: v.shape[1]]).sum(axis=1) % 4099
        return table[h]

    return g


# --------------------------------------------------------------------------------------------
# Point strategy with ties: integer coordinates, half-integers, equal t's, exact dyadic values.
# --------------------------------------------------------------------------------------------


@st.composite
def grid_points(draw, d_min: int = 1, d_max: int = 8, n_max: int = 20, span: float = 8.0):
    d = draw(st.integers(d_min, d_max))
    n = draw(st.integers(1, n_max))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    u = rng.uniform(-span, span, size=(n, d))
    mode = rng.integers(0, 6, size=(n, d))
    u = np.where(mode == 1, np.round(u), u)  # on a grid hyperplane (even or odd integer)
    u = np.where(mode == 2, np.round(u * 4) / 4, u)  # dyadic: t ∈ {0, 1/4, 1/2, 3/4, 1}
    # mode 3: same t as coordinate 0 (a tie t_i = t_0), on either side of its own even point
    e = 2 * np.round(u / 2)
    t0 = np.abs(u[:, :1] - e[:, :1])
    sign = np.where(rng.random((n, d)) < 0.5, -1.0, 1.0)
    u = np.where(mode == 3, e + sign * t0, u)
    return u


def spacing_origin(d: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.25, 3.0, size=d), rng.uniform(-2.0, 2.0, size=d)


# --------------------------------------------------------------------------------------------
# Properties of locate
# --------------------------------------------------------------------------------------------


@given(grid_points(), st.integers(0, 1000))
def test_weights_convex_and_reproduce_point(u, seed):
    d = u.shape[1]
    h, c = spacing_origin(d, seed)
    x = c + h * u
    v, w = locate(x, spacing=h, origin=c)
    assert v.dtype == np.int64 and v.shape == (u.shape[0], d + 1, d)
    assert w.dtype == np.float64 and w.shape == (u.shape[0], d + 1)
    assert np.all(w >= 0)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    ugrid = (x - c) / h
    recon = np.einsum("nj,nji->ni", w, v.astype(np.float64))
    np.testing.assert_allclose(recon, ugrid, rtol=1e-12, atol=1e-12 * (1 + np.abs(ugrid)).max())
    # the world point is reproduced too
    np.testing.assert_allclose(c + h * recon, x, rtol=1e-12, atol=1e-12 * (1 + np.abs(x)).max())


@given(grid_points())
def test_vertices_structure(u):
    v, w = locate(u)
    lo, hi = np.floor(u), np.ceil(u)
    pos = w > 0
    for j in range(u.shape[1] + 1):
        sel = pos[:, j]
        assert np.all(v[sel, j] >= lo[sel]) and np.all(v[sel, j] <= hi[sel])
    # vertex d is the nearest even point, all coordinates even
    assert np.all(v[:, -1] % 2 == 0)
    np.testing.assert_array_less(np.abs(v[:, -1] - u), 1.0 + 1e-12)
    # consecutive vertices differ in at most... the set of odd coordinates shrinks with j
    odd = (v % 2) != 0
    assert np.all(odd[:, 1:] <= odd[:, :-1])


@given(grid_points(d_min=1, d_max=8, n_max=8))
def test_matches_pure_python_reference(u):
    v, w = locate(u)
    for k in range(u.shape[0]):
        ref = ref_locate_point([float(a) for a in u[k]])
        # weights: the full sorted list agrees (same s_j)
        np.testing.assert_allclose(w[k], [p[1] for p in ref], rtol=0, atol=1e-15)
        # the full vertex array, zero-weight vertices included (the documented tie rules)
        np.testing.assert_array_equal(v[k], np.array([p[0] for p in ref], dtype=np.int64))
        got = positive_weight_map(zip(v[k], w[k], strict=True))
        want = positive_weight_map(ref)
        assert got.keys() == want.keys()
        for key in got:
            assert abs(got[key] - want[key]) <= 1e-15


@pytest.mark.parametrize("d", range(1, 9))
def test_reference_interpolated_values_agree(d):
    rng = np.random.default_rng(100 + d)
    u = rng.uniform(-6, 6, size=(60, d))
    u[::3, 0] = np.round(u[::3, 0])  # some points on grid hyperplanes
    g = hashed_values(d)
    got = interpolate(g, u)
    want = np.array(
        [
            sum(wt * g(np.array([vert]))[0] for vert, wt in ref_locate_point(list(map(float, p))))
            for p in u
        ]
    )
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_grid_points_and_ties_handled():
    # grid points: a single vertex (the point itself) of weight 1
    pts = np.array([[0, 0], [1, 0], [1, 1], [3, -2], [-5, 7]], dtype=float)
    v, w = locate(pts)
    for k in range(pts.shape[0]):
        m = positive_weight_map(zip(v[k], w[k], strict=True))
        assert m == {tuple(int(a) for a in pts[k]): 1.0}
    g = hashed_values(7)
    np.testing.assert_array_equal(interpolate(g, pts), g(pts.astype(np.int64)))
    # full tie t_1 = t_2 = t_3: the simplex degenerates to the segment e -- (o,o,o)
    v, w = locate(np.array([[0.25, 1.75, -0.25]]))
    m = positive_weight_map(zip(v[0], w[0], strict=True))
    assert m == {(1, 1, -1): 0.25, (0, 2, 0): 0.75}
    # half-way between an even and an odd integer, and an odd integer (t = 1)
    v, w = locate(np.array([[0.5], [1.0], [-1.0], [2.5]]))
    assert positive_weight_map(zip(v[0], w[0], strict=True)) == {(1,): 0.5, (0,): 0.5}
    assert positive_weight_map(zip(v[1], w[1], strict=True)) == {(1,): 1.0}
    assert positive_weight_map(zip(v[2], w[2], strict=True)) == {(-1,): 1.0}
    assert positive_weight_map(zip(v[3], w[3], strict=True)) == {(3,): 0.5, (2,): 0.5}


def test_odd_integer_takes_the_lower_even_neighbour():
    """Documented tie rule (issue 17 item 16): at an odd integer u (t = 1) the even neighbour is
    u − 1, visible only in the zero-weight vertex u_d; it must equal the reference's."""
    u = np.array([[1.0], [-1.0], [3.0], [1.0]], dtype=float)
    v, w = locate(u)
    np.testing.assert_array_equal(v[:, 1, 0], [0, -2, 2, 0])  # vertex d: the lower even e
    np.testing.assert_array_equal(w[:, 1], [0.0, 0.0, 0.0, 0.0])
    v2, _ = locate(np.array([[1.0, 0.5], [-3.0, 2.25]]))
    for k, p in enumerate([[1.0, 0.5], [-3.0, 2.25]]):
        ref = ref_locate_point(p)
        np.testing.assert_array_equal(v2[k], np.array([q[0] for q in ref], dtype=np.int64))
    assert v2[0, -1].tolist() == [0, 0] and v2[1, -1].tolist() == [-4, 2]


def test_tetrakis_pattern_in_2d():
    """The 2-D picture is the tetrakis square tiling: the diagonal flips between adjacent cells."""
    # cell [0,1]^2 (even corner at 0): Kuhn diagonal x = y, triangles {(0,0),(1,0),(1,1)} etc.
    v, w = locate(np.array([[0.6, 0.2]]))
    assert set(positive_weight_map(zip(v[0], w[0], strict=True))) == {(0, 0), (1, 0), (1, 1)}
    # cell [1,2]x[0,1] (even corner at (2,0)): mirrored diagonal
    v, w = locate(np.array([[1.4, 0.2]]))
    assert set(positive_weight_map(zip(v[0], w[0], strict=True))) == {(2, 0), (1, 0), (1, 1)}
    # so an odd translation is NOT a symmetry (distinguishes mirrored Kuhn from plain Kuhn)
    v1, _ = locate(np.array([[0.6, 0.2]]))
    v2, _ = locate(np.array([[1.6, 0.2]]))
    assert set(map(tuple, v2[0] - [1, 0])) != set(map(tuple, v1[0]))


# --------------------------------------------------------------------------------------------
# Properties of the extension T_g (SPEC 9.2)
# --------------------------------------------------------------------------------------------


@given(grid_points(), st.integers(0, 1000))
def test_affine_reproduced_exactly(u, seed):
    d = u.shape[1]
    rng = np.random.default_rng(seed)
    h, c = spacing_origin(d, seed)
    a, b = rng.normal(size=d), float(rng.normal())
    x = c + h * u

    def g(v):
        return (c + h * v) @ a + b

    got = interpolate(g, x, spacing=h, origin=c)
    want = x @ a + b
    scale = 1.0 + np.abs(x).max() * np.abs(a).sum() + abs(b)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * scale)


@st.composite
def face_points(draw):
    """Points on a random face of the triangulation: t_i = t_j, or u_i an integer."""
    d = draw(st.integers(1, 8))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    n = 16
    u = rng.uniform(-5, 5, size=(n, d))
    e = 2 * np.round(u / 2)
    for k in range(n):
        i = int(rng.integers(d))
        if d == 1 or rng.random() < 0.4:
            u[k, i] = np.round(u[k, i])  # hyperplane u_i ∈ Z (t_i = 0 or 1)
        else:
            j = int((i + 1 + rng.integers(d - 1)) % d)
            t_i = abs(u[k, i] - e[k, i])
            u[k, j] = e[k, j] + (1 if rng.random() < 0.5 else -1) * t_i  # t_j = t_i
    return u, seed


@given(face_points())
def test_continuity_across_faces(data):
    u, seed = data
    rng = np.random.default_rng(seed + 1)
    g = hashed_values(seed % 1000)
    at = interpolate(g, u)
    for _ in range(4):
        direction = rng.normal(size=u.shape)
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        for sgn in (-1.0, 1.0):
            near = interpolate(g, u + sgn * 1e-13 * direction)
            np.testing.assert_allclose(near, at, rtol=0, atol=1e-12)


@given(grid_points(span=6.0), st.integers(0, 50), st.integers(0, 1000))
def test_invariance_under_even_translation(u, shift, seed):
    d = u.shape[1]
    rng = np.random.default_rng(seed)
    u = np.round(u * 2**20) / 2**20  # dyadic, so translation is exact in float64
    k = 2 * rng.integers(-abs(shift) - 1, abs(shift) + 2, size=d)
    v0, w0 = locate(u)
    v1, w1 = locate(u + k)
    np.testing.assert_array_equal(w1, w0)
    np.testing.assert_array_equal(v1, v0 + k)
    # and the extension of translated values is the translated extension
    g = hashed_values(seed)
    np.testing.assert_allclose(interpolate(lambda v: g(v - k), u + k), interpolate(g, u), atol=0)


@given(grid_points(span=9.0), st.integers(0, 1000))
def test_self_inclusion_spacing_two_and_one(u, seed):
    """T at spacing 2 equals the spacing-1 extension of its own values on the spacing-1 grid."""
    d = u.shape[1]
    rng = np.random.default_rng(seed)
    h = rng.uniform(0.5, 2.0)
    c = rng.uniform(-1, 1, size=d)
    x = c + h * u
    g = hashed_values(seed)

    def coarse(points):
        return interpolate(g, points, spacing=2 * h, origin=c)

    def fine_values(v):  # values of the coarse extension at fine grid points c + h v
        return coarse(c + h * v.astype(np.float64))

    np.testing.assert_allclose(
        interpolate(fine_values, x, spacing=h, origin=c), coarse(x), rtol=0, atol=1e-12
    )


def test_interpolate_vector_values_and_dedup():
    rng = np.random.default_rng(3)
    u = rng.uniform(0, 3, size=(200, 3))
    g = hashed_values(5, k=2)
    calls = []

    def counted(v):
        calls.append(v.shape[0])
        assert np.unique(v, axis=0).shape[0] == v.shape[0]  # deduplicated
        return g(v)

    out = interpolate(counted, u)
    assert out.shape == (200, 2) and calls == [calls[0]] and calls[0] <= 4**3
    for col in range(2):
        np.testing.assert_allclose(out[:, col], interpolate(lambda v, c=col: g(v)[:, c], u))


def test_no_exponential_cost_in_dimension():
    """d = 40 would need 2^40 corners multilinearly; Tetrakis uses d + 1 vertices."""
    rng = np.random.default_rng(0)
    u = rng.uniform(-3, 3, size=(50, 40))
    v, w = locate(u)
    assert v.shape == (50, 41, 40) and w.shape == (50, 41)
    a = rng.normal(size=40)
    np.testing.assert_allclose(interpolate(lambda vv: vv @ a, u), u @ a, atol=1e-11)
    gf = GridFunction(rng.normal(size=(2,) * 18))  # 2^18 grid values, d + 1 = 19 per point
    assert gf(rng.uniform(0, 1, size=(10, 18))).shape == (10,)


# --------------------------------------------------------------------------------------------
# GridFunction
# --------------------------------------------------------------------------------------------


@given(st.integers(1, 6), st.integers(0, 1000))
def test_gridfunction_matches_interpolate(d, seed):
    rng = np.random.default_rng(seed)
    shape = tuple(int(s) for s in rng.integers(2, 6, size=d))
    # dyadic spacing and origin: x = c + h u and back to u are exact, so no point leaves the grid
    h = 2.0 ** rng.integers(-3, 3, size=d)
    c = rng.integers(-64, 64, size=d) / 16.0
    gf = GridFunction(rng.normal(size=shape), spacing=h, origin=c)
    n_hi = np.asarray(shape) - 1
    u = rng.uniform(0, 1, size=(40, d)) * n_hi
    u[::4] = np.round(u[::4])  # grid points, including the box faces
    u[1::4, 0] = n_hi[0]  # on the last face (odd or even N)
    x = c + h * u
    want = interpolate(gf.values_at, x, spacing=h, origin=c)
    np.testing.assert_allclose(gf(x), want, rtol=0, atol=1e-12)
    # at grid points the stored value is returned exactly
    idx = np.round(u[::4]).astype(np.int64)
    np.testing.assert_allclose(gf(c + h * idx), gf.values[tuple(idx.T)], rtol=0, atol=1e-14)


def test_gridfunction_from_function_affine_and_corners():
    a = np.array([0.5, -2.0, 1.5])
    gf = GridFunction.from_function(lambda p: p @ a + 1.0, (5, 4, 3), spacing=0.25, origin=-1.0)
    assert gf.shape == (5, 4, 3) and gf.d == 3
    np.testing.assert_allclose(gf.low, -1.0)
    np.testing.assert_allclose(gf.high, [0.0, -0.25, -0.5])
    x = np.random.default_rng(1).uniform(gf.low, gf.high, size=(100, 3))
    np.testing.assert_allclose(gf(x), x @ a + 1.0, atol=1e-12)
    np.testing.assert_allclose(gf(np.array([gf.low, gf.high])), [gf.low @ a + 1, gf.high @ a + 1])


def test_gridfunction_errors():
    gf = GridFunction(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="outside the grid"):
        gf(np.array([[0.5, 2.5]]))
    with pytest.raises(ValueError, match="expected shape"):
        gf(np.array([[0.5, 0.5, 0.5]]))
    with pytest.raises(ValueError, match="grid indices"):
        gf.values_at(np.array([[0, 3]]))
    with pytest.raises(TypeError, match="integer"):
        gf.values_at(np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match="at least 2 grid points"):
        GridFunction(np.zeros((3, 1)))
    with pytest.raises(ValueError, match="finite"):
        GridFunction(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="outside"):
        gf(np.array([[0.5, np.nan]]))
    assert gf(np.zeros((0, 2))).shape == (0,)
    # points within atol of the box are clipped onto it
    np.testing.assert_allclose(gf(np.array([[2.0 + 1e-12, -1e-12]])), [0.0])


def test_locate_argument_errors():
    with pytest.raises(ValueError, match="2-D"):
        locate(np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="finite"):
        locate(np.array([[np.nan, 0.0]]))
    with pytest.raises(ValueError, match="spacing"):
        locate(np.zeros((2, 2)), spacing=0.0)
    with pytest.raises(ValueError, match="spacing"):
        locate(np.zeros((2, 2)), spacing=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="2\\^52"):
        locate(np.array([[1e300, 0.0]]))
    assert interpolate(lambda v: 1 / 0, np.zeros((0, 3))).shape == (0,)
    with pytest.raises(TypeError, match="callable"):
        interpolate(3, np.zeros((1, 1)))
    with pytest.raises(ValueError, match="values_fn"):
        interpolate(lambda v: np.zeros(len(v) + 1), np.zeros((1, 1)) + 0.5)


@given(st.integers(1, 6), st.integers(0, 1000), st.sampled_from([3, 1000, 2**40]))
def test_unique_rows_matches_numpy(d, seed, span):
    from occam.tetrakis.grid import unique_rows

    rng = np.random.default_rng(seed)
    v = rng.integers(-span, span, size=(50, d))
    v[25:] = v[:25]  # duplicates
    uniq, inv = unique_rows(v)
    ref_u, ref_inv = np.unique(v, axis=0, return_inverse=True)
    np.testing.assert_array_equal(uniq, ref_u)
    np.testing.assert_array_equal(inv, ref_inv.reshape(-1))
    np.testing.assert_array_equal(uniq[inv], v)


@pytest.mark.slow
@pytest.mark.parametrize("d", range(1, 9))
def test_reference_agreement_many_points_slow(d):
    """Longer run of the pure-Python reference comparison, with many ties and grid points."""
    rng = np.random.default_rng(1000 + d)
    u = rng.uniform(-20, 20, size=(2000, d))
    u[::5] = np.round(u[::5] * 4) / 4
    u[1::5, -1] = u[1::5, 0]
    v, w = locate(u)
    g = hashed_values(d)
    got_t = interpolate(g, u)
    for k in range(u.shape[0]):
        ref = ref_locate_point([float(a) for a in u[k]])
        assert positive_weight_map(zip(v[k], w[k], strict=True)).keys() == (
            positive_weight_map(ref).keys()
        )
        want = sum(wt * g(np.array([vert]))[0] for vert, wt in ref)
        assert abs(got_t[k] - want) <= 1e-12


def test_gridfunction_does_not_touch_callers_array():
    vals = np.arange(9.0).reshape(3, 3)
    gf = GridFunction(vals)
    vals[0, 0] = 100.0  # the caller's array stays writable and independent
    assert gf.values[0, 0] == 0.0 and not gf.values.flags.writeable
