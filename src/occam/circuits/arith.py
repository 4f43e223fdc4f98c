"""Arithmetic gadgets on words of circuit nodes (SPEC 7), built with a :class:`Builder`.

A *word* is a list of node handles, least significant bit first. Unless a function says
otherwise, words are two's complement (``signed=True``): an ``n``-bit word ``x`` denotes
``Σ_{i<n-1} x_i 2^i − x_{n-1} 2^{n-1}``; with ``signed=False`` it denotes ``Σ_i x_i 2^i``.
Constant bits are the handles 0 and 1, so the builder's constant propagation removes every gate
that a constant operand makes trivial (for instance the sign-extension bits of a non-negative
word, or the zeros shifted in by a multiplication by a constant).

Default result widths are *exact*: they hold every value the operation can produce for the given
operand widths (so no overflow is possible). A ``width`` argument instead returns the result
modulo ``2^width`` (i.e. truncated two's complement), which is exact whenever the true result
fits.

Gate counts in the basis {AND, OR, NOT} (the builder's XOR ``(a ∨ b) ∧ ¬(a ∧ b)`` is 4 gates):
half adder 4 (the carry ``a ∧ b`` is inside the XOR), full adder 9 (``t = a ⊕ b``,
``s = t ⊕ c``, ``carry = (a ∧ b) ∨ (t ∧ c)``, both ANDs shared with the XORs).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from occam.circuits.core import Builder

__all__ = [
    "add",
    "adder_tree",
    "batcher_pairs",
    "clamp",
    "compare_exchange",
    "const_word",
    "csd_digits",
    "equal",
    "full_adder",
    "half_adder",
    "kogge_stone_add",
    "less_equal",
    "less_than",
    "linear_combination",
    "maximum",
    "minimum",
    "mul_const",
    "multiply",
    "mux_word",
    "negate",
    "relu",
    "resize",
    "ripple_carry_add",
    "round_nearest",
    "shift_left",
    "signed_width",
    "sort_words",
    "subtract",
    "truncate",
    "unsigned_width",
    "word_range",
]

Word = list[int]
_ADDERS = ("ripple", "kogge_stone")


# ------------------------------------------------------------------------------- helpers


def _check_builder(b: object) -> None:
    if not isinstance(b, Builder):
        raise TypeError(f"b must be a Builder, received {type(b).__name__}")


def _word(x: Sequence[int], name: str = "x") -> Word:
    if isinstance(x, (int, bool)) or not isinstance(x, Sequence):
        raise TypeError(f"{name} must be a sequence of node handles (a word), received {x!r}")
    w = [int(v) for v in x]
    if not w:
        raise ValueError(f"{name} must have at least one bit")
    return w


def _check_int(v: object, name: str, minimum: int | None = None) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an int, received {type(v).__name__}")
    v = int(v)
    if minimum is not None and v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, received {v}")
    return v


def signed_width(lo: int, hi: int) -> int:
    """Least ``w ≥ 1`` with ``−2^(w−1) ≤ lo`` and ``hi ≤ 2^(w−1) − 1``."""
    w = 1
    while lo < -(1 << (w - 1)) or hi > (1 << (w - 1)) - 1:
        w += 1
    return w


def unsigned_width(hi: int) -> int:
    """Least ``w ≥ 1`` with ``hi ≤ 2^w − 1`` (``hi ≥ 0``)."""
    if hi < 0:
        raise ValueError(f"unsigned_width: hi must be >= 0, received {hi}")
    return max(1, int(hi).bit_length())


def word_range(width: int, signed: bool = True) -> tuple[int, int]:
    """Values representable in ``width`` bits: ``[−2^(w−1), 2^(w−1)−1]`` or ``[0, 2^w − 1]``."""
    width = _check_int(width, "width", 1)
    if signed:
        return -(1 << (width - 1)), (1 << (width - 1)) - 1
    return 0, (1 << width) - 1


def const_word(value: int, width: int) -> Word:
    """The constant ``value mod 2^width`` as a word of constant handles (no gates)."""
    value = _check_int(value, "value")
    width = _check_int(width, "width", 1)
    return [(value >> i) & 1 for i in range(width)]


def resize(x: Sequence[int], width: int, signed: bool = True) -> Word:
    """Sign-extend (``signed``) or zero-extend ``x`` to ``width`` bits, or truncate it
    (the value modulo ``2^width``). No gates."""
    x = _word(x)
    width = _check_int(width, "width", 1)
    if width <= len(x):
        return x[:width]
    fill = x[-1] if signed else 0
    return x + [fill] * (width - len(x))


def shift_left(x: Sequence[int], s: int) -> Word:
    """``x · 2^s``: ``s`` zero bits prepended (width grows by ``s``). No gates."""
    s = _check_int(s, "s", 0)
    return [0] * s + _word(x)


# ------------------------------------------------------------------------------- adders


def half_adder(b: Builder, x: int, y: int) -> tuple[int, int]:
    """``(s, c)`` with ``s = x ⊕ y``, ``c = x ∧ y`` (4 gates: the XOR contains ``x ∧ y``)."""
    _check_builder(b)
    return b.XOR(x, y), b.AND(x, y)


def full_adder(b: Builder, x: int, y: int, c: int) -> tuple[int, int]:
    """``(s, c_out)`` with ``s = x ⊕ y ⊕ c`` and ``c_out = MAJ(x, y, c) = (x ∧ y) ∨ (c ∧ (x ⊕ y))``
    (9 gates)."""
    _check_builder(b)
    t = b.XOR(x, y)
    return b.XOR(t, c), b.OR(b.AND(x, y), b.AND(c, t))


def _same_width(x: Sequence[int], y: Sequence[int]) -> tuple[Word, Word]:
    x = _word(x, "x")
    y = _word(y, "y")
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same width, received {len(x)} and {len(y)}")
    return x, y


def ripple_carry_add(
    b: Builder, x: Sequence[int], y: Sequence[int], carry_in: int = 0
) -> tuple[Word, int]:
    """Ripple-carry adder on equal-width words: ``(sum mod 2^n, carry_out)`` with
    ``x + y + carry_in = sum + 2^n carry_out`` (unsigned reading). ``n`` full adders."""
    _check_builder(b)
    x, y = _same_width(x, y)
    c = int(carry_in)
    out: Word = []
    for xi, yi in zip(x, y, strict=True):
        s, c = full_adder(b, xi, yi, c)
        out.append(s)
    return out, c


def kogge_stone_add(
    b: Builder, x: Sequence[int], y: Sequence[int], carry_in: int = 0
) -> tuple[Word, int]:
    """Kogge-Stone parallel-prefix adder on equal-width words (same contract as
    :func:`ripple_carry_add`), depth ``O(log n)``.

    ``g_i = x_i ∧ y_i``, ``p_i = x_i ⊕ y_i``, carry-in folded into position 0; prefix operator
    ``(G, P) ∘ (G', P') = (G ∨ (P ∧ G'), P ∧ P')`` at distances 1, 2, 4, …; ``s_i = p_i ⊕ C_i``.
    """
    _check_builder(b)
    x, y = _same_width(x, y)
    n = len(x)
    cin = int(carry_in)
    p = [b.XOR(xi, yi) for xi, yi in zip(x, y, strict=True)]
    g = [b.AND(xi, yi) for xi, yi in zip(x, y, strict=True)]
    g[0] = b.OR(g[0], b.AND(p[0], cin))
    G, P = g[:], p[:]
    d = 1
    while d < n:
        nG, nP = G[:], P[:]
        for i in range(d, n):
            nG[i] = b.OR(G[i], b.AND(P[i], G[i - d]))
            nP[i] = b.AND(P[i], P[i - d])
        G, P = nG, nP
        d *= 2
    carries = [cin, *G[:-1]]
    return [b.XOR(pi, ci) for pi, ci in zip(p, carries, strict=True)], G[-1]


def _adder(name: str):
    if name == "ripple":
        return ripple_carry_add
    if name == "kogge_stone":
        return kogge_stone_add
    raise ValueError(f"adder must be one of {_ADDERS}, received {name!r}")


def add(
    b: Builder,
    x: Sequence[int],
    y: Sequence[int],
    *,
    signed: bool = True,
    width: int | None = None,
    carry_in: int = 0,
    adder: str = "ripple",
) -> Word:
    """``x + y + carry_in``; operands extended per ``signed``. Default width
    ``max(len x, len y) + 1`` (exact; the result has the operands' signedness); a given ``width``
    returns the sum modulo ``2^width``."""
    _check_builder(b)
    x = _word(x, "x")
    y = _word(y, "y")
    fn = _adder(adder)
    w = max(len(x), len(y)) + 1 if width is None else _check_int(width, "width", 1)
    s, _ = fn(b, resize(x, w, signed), resize(y, w, signed), carry_in)
    return s


def negate(b: Builder, x: Sequence[int], *, signed: bool = True, width: int | None = None) -> Word:
    """``−x = ¬x + 1`` as a two's complement word of width ``len(x) + 1`` (exact, also for
    ``−(−2^(n−1))``), or modulo ``2^width``."""
    _check_builder(b)
    x = _word(x)
    w = len(x) + 1 if width is None else _check_int(width, "width", 1)
    xe = resize(x, w, signed)
    s, _ = ripple_carry_add(b, [b.NOT(v) for v in xe], [0] * w, 1)
    return s


def subtract(
    b: Builder,
    x: Sequence[int],
    y: Sequence[int],
    *,
    signed: bool = True,
    width: int | None = None,
    adder: str = "ripple",
) -> Word:
    """``x − y = x + ¬y + 1`` as a two's complement word of width ``max(len x, len y) + 1``
    (exact for signed and unsigned operands), or modulo ``2^width``."""
    _check_builder(b)
    x = _word(x, "x")
    y = _word(y, "y")
    fn = _adder(adder)
    w = max(len(x), len(y)) + 1 if width is None else _check_int(width, "width", 1)
    s, _ = fn(b, resize(x, w, signed), [b.NOT(v) for v in resize(y, w, signed)], 1)
    return s


# ------------------------------------------------------------------------------- sums


def _add_ranged(b: Builder, u: tuple, v: tuple, adder: str) -> tuple:
    """Exact sum of two signed words with known value ranges, at the least sufficient width."""
    (xu, lu, hu), (xv, lv, hv) = u, v
    lo, hi = lu + lv, hu + hv
    w = signed_width(lo, hi)
    s, _ = _adder(adder)(b, resize(xu, w), resize(xv, w), 0)
    return s, lo, hi


def _sum_ranged(b: Builder, items: list[tuple], constant: int, adder: str) -> tuple:
    """Σ items + constant, each item ``(signed word, lo, hi)``; Huffman-style pairing of the two
    narrowest partial sums keeps every intermediate width minimal."""
    if constant != 0 or not items:
        items = [
            *items,
            (const_word(constant, signed_width(constant, constant)), constant, constant),
        ]
    heap = [(len(w), i, (w, lo, hi)) for i, (w, lo, hi) in enumerate(items)]
    heapq.heapify(heap)
    counter = len(heap)
    while len(heap) > 1:
        _, _, u = heapq.heappop(heap)
        _, _, v = heapq.heappop(heap)
        s = _add_ranged(b, u, v, adder)
        heapq.heappush(heap, (len(s[0]), counter, s))
        counter += 1
    return heap[0][2]


def _finish(word: Word, lo: int, hi: int, width: int | None) -> Word:
    w = signed_width(lo, hi) if width is None else _check_int(width, "width", 1)
    return resize(word, w, True)


def adder_tree(
    b: Builder,
    words: Sequence[Sequence[int]],
    *,
    signed: bool = True,
    width: int | None = None,
    ranges: Sequence[tuple[int, int]] | None = None,
    adder: str = "ripple",
) -> Word:
    """``Σ_j words[j]`` as a two's complement word.

    Partial sums are combined two at a time, always the two narrowest first, each at the least
    width that holds its exact range; operand ``j``'s range is ``ranges[j]`` when given (e.g. a
    certified range, SPEC 7) and otherwise that of its width. The result width is the least one
    holding the exact range of the sum (or ``width``: the sum modulo ``2^width``).
    """
    _check_builder(b)
    ws = [_word(w, f"words[{j}]") for j, w in enumerate(words)]
    items = _operand_ranges(ws, signed, ranges)
    s, lo, hi = _sum_ranged(b, items, 0, adder)
    return _finish(s, lo, hi, width)


def csd_digits(c: int) -> list[tuple[int, int]]:
    """Canonical signed digit (non-adjacent) form: ``c = Σ d · 2^s`` over the returned
    ``(s, d)``, ``d ∈ {−1, +1}``, no two consecutive shifts; the minimum number of nonzero
    digits."""
    c = _check_int(c, "c")
    out = []
    s = 0
    while c != 0:
        if c & 1:
            d = 2 - (c & 3)  # +1 if c ≡ 1 (mod 4), −1 if c ≡ 3
            out.append((s, d))
            c -= d
        c >>= 1
        s += 1
    return out


def _operand_ranges(
    ws: list[Word], signed: bool, ranges: Sequence[tuple[int, int]] | None
) -> list[tuple[Word, int, int]]:
    """Each word as a signed word of the least width for its range (given or implied)."""
    if ranges is not None and len(ranges) != len(ws):
        raise ValueError(f"ranges must have {len(ws)} entries, received {len(ranges)}")
    out = []
    for j, w in enumerate(ws):
        lo, hi = word_range(len(w), signed)
        if ranges is not None:
            rlo, rhi = (int(v) for v in ranges[j])
            if not lo <= rlo <= rhi <= hi:
                raise ValueError(
                    f"ranges[{j}]={ranges[j]} must be an interval inside [{lo}, {hi}] "
                    f"(the range of a {len(w)}-bit word)"
                )
            lo, hi = rlo, rhi
        ww = w if signed else [*w, 0]
        out.append((resize(ww, signed_width(lo, hi)), lo, hi))
    return out


def linear_combination(
    b: Builder,
    words: Sequence[Sequence[int]],
    coeffs: Sequence[int],
    *,
    constant: int = 0,
    signed: bool = True,
    width: int | None = None,
    ranges: Sequence[tuple[int, int]] | None = None,
    adder: str = "ripple",
) -> Word:
    """``Σ_j c_j x_j + constant`` for integer constants ``c_j`` (a fixed-point neuron, SPEC 7).

    Every product is expanded on the CSD form of its coefficient, ``c x = Σ_{(s,d)} d (x ≪ s)``
    (:func:`csd_digits`); all shifted terms of all operands go into *one* adder tree (narrowest
    partial sums first, each at the least width of its exact range), negative terms as
    ``¬(x ≪ s)`` with their ``+1``s folded into the constant. Operand ``j`` has range
    ``ranges[j]`` when given (e.g. certified, SPEC 4.3) and otherwise that of its width. The
    result is two's complement of the least width holding ``[Σ min(c_j lo_j, c_j hi_j) + constant,
    Σ max(..) + constant]`` (or ``width``: the value modulo ``2^width``).
    """
    _check_builder(b)
    ws = [_word(w, f"words[{j}]") for j, w in enumerate(words)]
    cs = [_check_int(c, f"coeffs[{j}]") for j, c in enumerate(coeffs)]
    if len(cs) != len(ws):
        raise ValueError(f"coeffs must have {len(ws)} entries, received {len(cs)}")
    const = _check_int(constant, "constant")
    plo = phi = const
    items = []
    for (xs, lo, hi), c in zip(_operand_ranges(ws, signed, ranges), cs, strict=True):
        plo += min(c * lo, c * hi)
        phi += max(c * lo, c * hi)
        for s, d in csd_digits(c):
            tlo, thi = lo << s, hi << s
            t = shift_left(xs, s)
            if d > 0:
                items.append((t, tlo, thi))
            else:
                # −t = ¬t + 1, and ¬t has range [−thi − 1, −tlo − 1]
                nlo, nhi = -thi - 1, -tlo - 1
                items.append(([b.NOT(v) for v in resize(t, signed_width(nlo, nhi))], nlo, nhi))
                const += 1
    s, slo, shi = _sum_ranged(b, items, const, adder)
    assert slo <= plo and phi <= shi
    return _finish(s, plo, phi, width)


def mul_const(
    b: Builder,
    x: Sequence[int],
    c: int,
    *,
    signed: bool = True,
    width: int | None = None,
    adder: str = "ripple",
) -> Word:
    """``c · x`` for an integer constant ``c`` by shift-and-add on the CSD form of ``c``
    (:func:`csd_digits`): ``c x = Σ_{(s,d)} d (x ≪ s)``; each negative term is ``¬(x ≪ s) + 1``
    with the ``+1``s gathered into one constant (:func:`linear_combination` with one operand).
    Two's complement result, exact width by default."""
    return linear_combination(b, [x], [c], signed=signed, width=width, adder=adder)


def multiply(
    b: Builder,
    x: Sequence[int],
    y: Sequence[int],
    *,
    signed: bool = True,
    width: int | None = None,
    adder: str = "ripple",
) -> Word:
    """``x · y`` by partial products and :func:`adder_tree`: ``Σ_j y_j (x ≪ j)``, the sign bit of a
    signed ``y`` weighing ``−2^(n−1)`` (its term enters as ``¬t + 1``). Exact width by default."""
    _check_builder(b)
    x = _word(x, "x")
    y = _word(y, "y")
    lo, hi = word_range(len(x), signed)
    ylo, yhi = word_range(len(y), signed)
    xs = x if signed else [*x, 0]
    items = []
    constant = 0
    for j, yj in enumerate(y):
        t = [b.AND(v, yj) for v in shift_left(xs, j)]
        tlo, thi = min(0, lo << j), max(0, hi << j)
        t = resize(t, signed_width(tlo, thi))
        if signed and j == len(y) - 1:
            nlo, nhi = -thi - 1, -tlo - 1
            items.append(([b.NOT(v) for v in resize(t, signed_width(nlo, nhi))], nlo, nhi))
            constant += 1
        else:
            items.append((t, tlo, thi))
    s, _, _ = _sum_ranged(b, items, constant, adder)
    cands = [lo * ylo, lo * yhi, hi * ylo, hi * yhi]
    return _finish(s, min(cands), max(cands), width)


# ------------------------------------------------------------------------------- compare


def _lt_unsigned(b: Builder, x: Word, y: Word) -> int:
    """``x < y`` (unsigned, equal widths): the carry out of ``x + ¬y + 1`` is ``x ≥ y``;
    only the carry chain ``c_{i+1} = MAJ(x_i, ¬y_i, c_i)`` is built."""
    c = 1
    for xi, yi in zip(x, y, strict=True):
        c = b.MAJ(xi, b.NOT(yi), c)
    return b.NOT(c)


def less_than(b: Builder, x: Sequence[int], y: Sequence[int], *, signed: bool = True) -> int:
    """Node of ``x < y``. Signed comparison flips both sign bits and compares unsigned."""
    _check_builder(b)
    x = _word(x, "x")
    y = _word(y, "y")
    w = max(len(x), len(y))
    xe, ye = resize(x, w, signed), resize(y, w, signed)
    if signed:
        xe[-1] = b.NOT(xe[-1])
        ye[-1] = b.NOT(ye[-1])
    return _lt_unsigned(b, xe, ye)


def less_equal(b: Builder, x: Sequence[int], y: Sequence[int], *, signed: bool = True) -> int:
    """Node of ``x ≤ y = ¬(y < x)``."""
    return b.NOT(less_than(b, y, x, signed=signed))


def equal(b: Builder, x: Sequence[int], y: Sequence[int], *, signed: bool = True) -> int:
    """Node of ``x = y``: AND over the bitwise XNORs (after extending to a common width)."""
    _check_builder(b)
    x = _word(x, "x")
    y = _word(y, "y")
    w = max(len(x), len(y))
    xe, ye = resize(x, w, signed), resize(y, w, signed)
    return b.AND_many([b.XNOR(u, v) for u, v in zip(xe, ye, strict=True)])


def mux_word(
    b: Builder, s: int, x: Sequence[int], y: Sequence[int], *, signed: bool = True
) -> Word:
    """``s ? x : y`` bitwise, at the common width (operands extended per ``signed``)."""
    _check_builder(b)
    x = _word(x, "x")
    y = _word(y, "y")
    w = max(len(x), len(y))
    return [b.MUX(s, u, v) for u, v in zip(resize(x, w, signed), resize(y, w, signed), strict=True)]


def minimum(b: Builder, x: Sequence[int], y: Sequence[int], *, signed: bool = True) -> Word:
    """``min(x, y)`` = ``(x < y) ? x : y`` at the common width."""
    return mux_word(b, less_than(b, x, y, signed=signed), x, y, signed=signed)


def maximum(b: Builder, x: Sequence[int], y: Sequence[int], *, signed: bool = True) -> Word:
    """``max(x, y)`` = ``(x < y) ? y : x`` at the common width."""
    return mux_word(b, less_than(b, x, y, signed=signed), y, x, signed=signed)


def compare_exchange(
    b: Builder, x: Sequence[int], y: Sequence[int], *, signed: bool = False
) -> tuple[Word, Word]:
    """``(min(x, y), max(x, y))`` sharing one comparator."""
    lt = less_than(b, x, y, signed=signed)
    return mux_word(b, lt, x, y, signed=signed), mux_word(b, lt, y, x, signed=signed)


# ------------------------------------------------------------------------------- shaping


def relu(b: Builder, x: Sequence[int]) -> Word:
    """``σ(x) = max(x, 0)`` for a signed word by masking with the sign bit:
    bits ``x_i ∧ ¬x_{n−1}`` for ``i < n−1`` and a constant-0 sign (same width; n−1 ANDs and one
    NOT)."""
    _check_builder(b)
    x = _word(x)
    keep = b.NOT(x[-1])
    return [b.AND(v, keep) for v in x[:-1]] + [0]


def clamp(b: Builder, x: Sequence[int], lo: int, hi: int, *, signed: bool = True) -> Word:
    """``min(max(x, lo), hi)`` for integer constants ``lo ≤ hi``; the result has the least width
    holding ``[lo, hi]`` in the same signedness as ``x``."""
    _check_builder(b)
    x = _word(x)
    lo = _check_int(lo, "lo")
    hi = _check_int(hi, "hi")
    if lo > hi:
        raise ValueError(f"clamp: need lo <= hi, received lo={lo}, hi={hi}")
    if not signed and lo < 0:
        raise ValueError(f"clamp: lo must be >= 0 for an unsigned word, received {lo}")
    xlo, xhi = word_range(len(x), signed)
    out_w = signed_width(lo, hi) if signed else unsigned_width(hi)
    w = max(len(x), out_w) + 1
    xe = resize(x, w, signed)
    lo_w, hi_w = const_word(lo, w), const_word(hi, w)
    r = xe
    if lo > xlo:
        r = mux_word(b, less_than(b, r, lo_w, signed=signed), lo_w, r, signed=signed)
    if hi < xhi:
        r = mux_word(b, less_than(b, hi_w, r, signed=signed), hi_w, r, signed=signed)
    return resize(r, out_w, signed)


def truncate(b: Builder, x: Sequence[int], f: int, *, signed: bool = True) -> Word:
    """``floor(x / 2^f)``: drop the ``f`` fractional bits (arithmetic shift). No gates."""
    _check_builder(b)
    x = _word(x)
    f = _check_int(f, "f", 0)
    if f >= len(x):
        return [x[-1]] if signed else [0]
    return x[f:]


def round_nearest(b: Builder, x: Sequence[int], f: int, *, signed: bool = True) -> Word:
    """``floor(x / 2^f + 1/2)`` (round half up): ``truncate(x, f)`` plus the bit ``x_{f−1}``,
    an incrementer of half adders. Width ``len(x) − f + 1`` (exact)."""
    _check_builder(b)
    x = _word(x)
    f = _check_int(f, "f", 0)
    if f == 0:
        return x
    if f > len(x):
        return [0]  # |x| ≤ 2^(f−2), so x / 2^f + 1/2 ∈ [1/4, 1) and the result is 0
    top = truncate(b, x, f, signed=signed)
    r = x[f - 1]
    w = len(top) + 1
    s, _ = ripple_carry_add(b, resize(top, w, signed), [0] * w, r)
    return s


# ------------------------------------------------------------------------------- sorting


def batcher_pairs(n: int) -> list[tuple[int, int]]:
    """Comparators ``(i, j)``, ``i < j``, of Batcher's odd-even merge sort on ``n`` wires, in
    order (min goes to ``i``). Built for the next power of two and restricted to wires ``< n``,
    which is valid because the padding wires hold +∞ and are never moved."""
    n = _check_int(n, "n", 0)
    size = 1
    while size < n:
        size *= 2
    pairs = []
    p = 1
    while p < size:
        k = p
        while k >= 1:
            for j in range(k % p, size - k, 2 * k):
                for i in range(min(k, size - j - k)):
                    if (i + j) // (2 * p) == (i + j + k) // (2 * p):
                        a, c = i + j, i + j + k
                        if c < n:
                            pairs.append((a, c))
            k //= 2
        p *= 2
    return pairs


def sort_words(b: Builder, words: Sequence[Sequence[int]], *, signed: bool = False) -> list[Word]:
    """Sort words ascending with Batcher's odd-even merge sort (:func:`batcher_pairs`), each
    comparator a :func:`compare_exchange`. All words are brought to the common width."""
    _check_builder(b)
    ws = [_word(w, f"words[{j}]") for j, w in enumerate(words)]
    if not ws:
        return []
    width = max(len(w) for w in ws)
    ws = [resize(w, width, signed) for w in ws]
    for i, j in batcher_pairs(len(ws)):
        ws[i], ws[j] = compare_exchange(b, ws[i], ws[j], signed=signed)
    return ws
