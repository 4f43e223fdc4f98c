"""Arithmetic gadgets (SPEC 7), checked exhaustively against Python integers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from occam.circuits import Builder, arith
from occam.circuits.encoding import bits_to_ints, ints_to_bits


def _grid(widths, signed):
    """All operand tuples for the given widths: int64 (N, len(widths))."""
    axes = [
        np.arange(*((-(1 << (w - 1)), 1 << (w - 1)) if signed else (0, 1 << w))) for w in widths
    ]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1).astype(np.int64)


def _run(widths, signed, make, out_signed=True, q=None):
    """Build a circuit whose operands are words of ``widths`` bits, ``make(b, words) -> list of
    output words``; return (operands, list of integer outputs) over all operand values."""
    b = Builder()
    words = [b.inputs(w, prefix=f"a{j}_") for j, w in enumerate(widths)]
    outs = make(b, words)
    for word in outs:
        for v in word:
            b.output(v)
    c = b.build()
    if q is None:
        q = _grid(widths, signed)
    bits = np.concatenate([ints_to_bits(q[:, j], w) for j, w in enumerate(widths)], axis=1)
    res = c.simulate(bits)
    vals, k = [], 0
    for word in outs:
        vals.append(bits_to_ints(res[:, k : k + len(word)], out_signed))
        k += len(word)
    return q, vals, c


WIDTH_PAIRS = [(n1, n2) for n1 in range(1, 7) for n2 in range(1, 7)] + [(7, 7), (8, 8)]


def test_half_and_full_adder():
    q, (s, c), circ = _run(
        [1, 1],
        False,
        lambda b, w: [[arith.half_adder(b, w[0][0], w[1][0])[k]] for k in (0, 1)],
        False,
    )
    assert np.array_equal(s + 2 * c, q.sum(1)) and circ.size == 4
    q, (s, c), circ = _run(
        [1, 1, 1],
        False,
        lambda b, w: [[v] for v in arith.full_adder(b, w[0][0], w[1][0], w[2][0])],
        False,
    )
    assert np.array_equal(s + 2 * c, q.sum(1)) and circ.size == 9


@pytest.mark.parametrize("adder", ["ripple_carry_add", "kogge_stone_add"])
@pytest.mark.parametrize("n", range(1, 9))
def test_raw_adders_exhaustive(adder, n):
    fn = getattr(arith, adder)

    def make(b, w):
        s, c = fn(b, w[0], w[1], w[2][0])
        return [s, [c]]

    q, (s, c), _ = _run([n, n, 1], False, make, False)
    assert np.array_equal(s + (c << n), q.sum(1))


def test_kogge_stone_is_shallower():
    def depth(fn, n):
        b = Builder()
        s, c = fn(b, b.inputs(n), b.inputs(n), 0)
        for v in [*s, c]:
            b.output(v)
        return b.build().depth

    assert depth(arith.kogge_stone_add, 32) < depth(arith.ripple_carry_add, 32) / 3


@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize(("n1", "n2"), WIDTH_PAIRS)
def test_add_sub_exact(signed, n1, n2):
    for adder in ("ripple", "kogge_stone"):
        q, (s, d), _ = _run(
            [n1, n2],
            signed,
            lambda b, w, adder=adder: [
                arith.add(b, w[0], w[1], signed=signed, adder=adder),
                arith.subtract(b, w[0], w[1], signed=signed, adder=adder),
            ],
        )
        s_read = s if signed else s % (1 << (max(n1, n2) + 1))
        assert np.array_equal(s_read, q[:, 0] + q[:, 1])
        assert np.array_equal(d, q[:, 0] - q[:, 1])


@pytest.mark.parametrize("width", [1, 3, 5])
def test_add_modulo_width_and_carry_in(width):
    q, (s,), _ = _run(
        [4, 4], True, lambda b, w: [arith.add(b, w[0], w[1], width=width, carry_in=1)]
    )
    want = (q[:, 0] + q[:, 1] + 1) % (1 << width)
    assert np.array_equal(s % (1 << width), want)


@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize("n", range(1, 9))
def test_negate(signed, n):
    q, (r,), _ = _run([n], signed, lambda b, w: [arith.negate(b, w[0], signed=signed)])
    assert np.array_equal(r, -q[:, 0])


def test_csd_digits():
    for c in range(-2000, 2001):
        d = arith.csd_digits(c)
        assert sum(s_ * (1 << sh) for sh, s_ in d) == c
        shifts = [sh for sh, _ in d]
        assert all(b - a >= 2 for a, b in itertools.pairwise(shifts))
        assert len(d) <= bin(abs(c)).count("1")
    assert arith.csd_digits(7) == [(0, -1), (3, 1)]
    assert arith.csd_digits(0) == []


MUL_CONSTS = [*range(-20, 21), 45, -77, 100, 127, -128, 255, 1000, -12345]


@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize("n", range(1, 9))
def test_mul_const_exhaustive(signed, n):
    for c in MUL_CONSTS:
        q, (r,), circ = _run(
            [n], signed, lambda b, w, c=c: [arith.mul_const(b, w[0], c, signed=signed)]
        )
        assert np.array_equal(r, c * q[:, 0]), (n, c)
        lo, hi = int((c * q[:, 0]).min()), int((c * q[:, 0]).max())
        assert circ.n_outputs == arith.signed_width(lo, hi)
        if c > 0 and c & (c - 1) == 0:
            assert circ.size == 0  # a power of two is a shift


@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize(
    ("n1", "n2"), [(a, b) for a in range(1, 6) for b in range(1, 6)] + [(8, 8)]
)
def test_multiply_exhaustive(signed, n1, n2):
    q, (r,), _ = _run([n1, n2], signed, lambda b, w: [arith.multiply(b, w[0], w[1], signed=signed)])
    assert np.array_equal(r, q[:, 0] * q[:, 1])


@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize("widths", [[1], [3, 4, 2], [4, 4, 4, 4], [2, 2, 2, 2, 2, 2, 2], [8, 1, 5]])
def test_adder_tree_exhaustive(signed, widths):
    for adder in ("ripple", "kogge_stone"):
        q, (r,), _ = _run(
            widths,
            signed,
            lambda b, w, adder=adder: [arith.adder_tree(b, w, signed=signed, adder=adder)],
        )
        assert np.array_equal(r, q.sum(1))


def test_adder_tree_with_ranges_and_width():
    ranges = [(0, 5), (-3, 2), (1, 1)]
    q = _grid([4, 3, 2], True)
    inside = np.all(
        [(q[:, j] >= lo) & (q[:, j] <= hi) for j, (lo, hi) in enumerate(ranges)], axis=0
    )
    q = q[inside]
    _, (r,), circ = _run([4, 3, 2], True, lambda b, w: [arith.adder_tree(b, w, ranges=ranges)], q=q)
    assert np.array_equal(r, q.sum(1))
    assert circ.n_outputs == arith.signed_width(-2, 8)
    _, (r,), _ = _run([4, 4], True, lambda b, w: [arith.adder_tree(b, w, width=3)])
    q = _grid([4, 4], True)
    assert np.array_equal(r % 8, q.sum(1) % 8)
    with pytest.raises(ValueError, match="ranges"):
        arith.adder_tree(Builder(), [[0, 1]], ranges=[(0, 9)])


@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize(("n1", "n2"), WIDTH_PAIRS)
def test_comparisons_and_selection(signed, n1, n2):
    def make(b, w):
        x, y = w
        return [
            [arith.less_than(b, x, y, signed=signed)],
            [arith.less_equal(b, x, y, signed=signed)],
            [arith.equal(b, x, y, signed=signed)],
            arith.minimum(b, x, y, signed=signed),
            arith.maximum(b, x, y, signed=signed),
            arith.mux_word(b, x[0], x, y, signed=signed),
        ]

    q, vals, _ = _run([n1, n2], signed, make)
    lt, le, eq, mn, mx, mux = vals
    x, y = q[:, 0], q[:, 1]
    assert np.array_equal(lt != 0, x < y)
    assert np.array_equal(le != 0, x <= y)
    assert np.array_equal(eq != 0, x == y)
    w = max(n1, n2)

    def read(v):
        return v if signed else v % (1 << w)

    assert np.array_equal(read(mn), np.minimum(x, y))
    assert np.array_equal(read(mx), np.maximum(x, y))
    assert np.array_equal(read(mux), np.where(x & 1, x, y))


@pytest.mark.parametrize("n", range(1, 9))
def test_relu(n):
    q, (r,), circ = _run([n], True, lambda b, w: [arith.relu(b, w[0])])
    assert np.array_equal(r, np.maximum(q[:, 0], 0))
    assert circ.size <= n


@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize("n", range(1, 8))
def test_clamp(signed, n):
    bounds = [(-5, 3), (0, 0), (-1, 20), (2, 6), (-40, -30), (0, 127)]
    for lo, hi in bounds:
        if not signed and lo < 0:
            continue
        q, (r,), circ = _run(
            [n],
            signed,
            lambda b, w, lo=lo, hi=hi: [arith.clamp(b, w[0], lo, hi, signed=signed)],
            out_signed=signed,
        )
        assert np.array_equal(r, np.clip(q[:, 0], lo, hi)), (lo, hi)
        want_w = arith.signed_width(lo, hi) if signed else arith.unsigned_width(hi)
        assert circ.n_outputs == want_w
    with pytest.raises(ValueError, match="lo <= hi"):
        arith.clamp(Builder(), [0, 1], 3, 2)


@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize("n", range(1, 9))
def test_truncate_and_round(signed, n):
    for f in range(n + 3):
        q, (t, r), _ = _run(
            [n],
            signed,
            lambda b, w, f=f: [
                arith.truncate(b, w[0], f, signed=signed),
                arith.round_nearest(b, w[0], f, signed=signed),
            ],
            out_signed=signed,
        )
        x = q[:, 0]
        assert np.array_equal(t, x >> f), (n, f)
        assert np.array_equal(r, (x + ((1 << f) >> 1)) >> f), (n, f)


def test_resize_const_and_widths():
    assert arith.resize([5, 6, 7], 5) == [5, 6, 7, 7, 7]
    assert arith.resize([5, 6, 7], 5, signed=False) == [5, 6, 7, 0, 0]
    assert arith.resize([5, 6, 7], 2) == [5, 6]
    assert arith.shift_left([5], 2) == [0, 0, 5]
    assert arith.const_word(-3, 4) == [1, 0, 1, 1]
    assert arith.signed_width(-8, 7) == 4 and arith.signed_width(0, 0) == 1
    assert arith.signed_width(-9, 0) == 5 and arith.unsigned_width(8) == 4
    assert arith.word_range(3) == (-4, 3) and arith.word_range(3, signed=False) == (0, 7)
    with pytest.raises(ValueError, match="same width"):
        arith.ripple_carry_add(Builder(), [0], [0, 1])
    with pytest.raises(ValueError, match="adder"):
        arith.add(Builder(), [0], [1], adder="magic")
    with pytest.raises(TypeError, match="Builder"):
        arith.add(None, [0], [1])
    with pytest.raises(ValueError, match="at least one bit"):
        arith.negate(Builder(), [])


def test_batcher_zero_one_principle():
    for n in range(0, 13):
        pairs = arith.batcher_pairs(n)
        assert all(0 <= i < j < n for i, j in pairs)
        v = ((np.arange(2**n)[:, None] >> np.arange(n)[None, :]) & 1).astype(np.int8)
        for i, j in pairs:
            lo, hi = np.minimum(v[:, i], v[:, j]), np.maximum(v[:, i], v[:, j])
            v[:, i], v[:, j] = lo, hi
        assert (np.diff(v, axis=1) >= 0).all(), n
    assert len(arith.batcher_pairs(8)) == 19


@pytest.mark.parametrize(
    ("n", "k", "signed"),
    [(2, 4, False), (3, 3, False), (4, 2, False), (5, 2, False), (3, 3, True), (4, 3, True)],
)
def test_sort_words_exhaustive(n, k, signed):
    q, vals, _ = _run(
        [k] * n, signed, lambda b, w: arith.sort_words(b, w, signed=signed), out_signed=signed
    )
    assert np.array_equal(np.stack(vals, axis=1), np.sort(q, axis=1))


@given(st.integers(1, 9), st.integers(1, 5), st.integers(0, 2**32))
def test_sort_words_random(n, k, seed):
    rng = np.random.default_rng(seed)
    q = rng.integers(0, 1 << k, size=(300, n))
    _, vals, _ = _run([k] * n, False, lambda b, w: arith.sort_words(b, w), out_signed=False, q=q)
    assert np.array_equal(np.stack(vals, axis=1), np.sort(q, axis=1))


@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize(
    ("widths", "coeffs", "constant"),
    [
        ([3, 2, 3], [3, -5, 7], -4),
        ([4, 4], [-1, 1], 0),
        ([2, 3, 2, 3], [0, 11, -9, 2], 13),
        ([5], [-23], 1),
        ([3, 3, 3, 3, 3], [1, 1, 1, 1, 1], 0),
        ([8, 8], [37, -100], -3),
    ],
)
def test_linear_combination_exhaustive(signed, widths, coeffs, constant):
    q, (r,), circ = _run(
        widths,
        signed,
        lambda b, w: [arith.linear_combination(b, w, coeffs, constant=constant, signed=signed)],
    )
    want = q @ np.array(coeffs) + constant
    assert np.array_equal(r, want)
    bounds = [(c * a, c * z) for c, (a, z) in zip(coeffs, _ranges(widths, signed), strict=True)]
    lo = constant + sum(min(t) for t in bounds)
    hi = constant + sum(max(t) for t in bounds)
    assert circ.n_outputs == arith.signed_width(lo, hi)


def _ranges(widths, signed):
    return [arith.word_range(w, signed) for w in widths]


def test_linear_combination_with_ranges_and_sharing():
    ranges = [(-3, 5), (0, 6)]
    q = _grid([4, 4], True)
    inside = (q[:, 0] >= -3) & (q[:, 0] <= 5) & (q[:, 1] >= 0) & (q[:, 1] <= 6)
    q = q[inside]
    _, (r,), circ = _run(
        [4, 4], True, lambda b, w: [arith.linear_combination(b, w, [6, -7], ranges=ranges)], q=q
    )
    assert np.array_equal(r, 6 * q[:, 0] - 7 * q[:, 1])
    assert circ.n_outputs == arith.signed_width(-18 - 42, 30)

    # one tree for all CSD terms is no larger than separate products summed afterwards
    def fused(b, w):
        return [arith.linear_combination(b, w, [7, -13, 5])]

    def separate(b, w):
        terms = [arith.mul_const(b, x, c) for x, c in zip(w, [7, -13, 5], strict=True)]
        return [arith.adder_tree(b, terms)]

    _, (r1,), c1 = _run([5, 5, 5], True, fused, q=_grid([5, 5, 5], True)[:5])
    _, (r2,), c2 = _run([5, 5, 5], True, separate, q=_grid([5, 5, 5], True)[:5])
    assert np.array_equal(r1, r2) and c1.size <= c2.size
    with pytest.raises(ValueError, match="coeffs"):
        arith.linear_combination(Builder(), [[0, 1]], [1, 2])
