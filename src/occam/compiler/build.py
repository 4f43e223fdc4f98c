"""Gate-level construction of a quantised network (SPEC 7).

Every quantity of :mod:`occam.compiler.fixed_point` becomes a :class:`Value`: a two's complement
word of the least width holding its integer interval, or a plain integer when the interval is a
single point (constants cost no gates and fold into the sums). Each neuron is one
:func:`occam.circuits.arith.linear_combination` over its *nonzero* integer weights (CSD
shift-and-add, one ranged adder tree, operand ranges passed in so every partial sum has its exact
width); the residual add is fused into the block's sum as the operand ``2^F_w α``; roundings are
:func:`~occam.circuits.arith.round_nearest` or :func:`~occam.circuits.arith.truncate`; the ReLU
masks with the sign bit (:func:`~occam.circuits.arith.relu`). Results are cut to the width of
their interval, which is exact because the value provably fits (so no overflow can occur).

Bit order: input bit ``i k + j`` is bit ``j`` (LSB first) of ``q_i`` (SPEC 2.2, as
:func:`occam.circuits.encoding.encode`); output ``o`` occupies consecutive bits, LSB first, two's
complement, with the widths in :attr:`CircuitLayout.output_bits`.
"""

from __future__ import annotations

from dataclasses import dataclass

from occam.circuits import Builder, Circuit, arith
from occam.compiler.fixed_point import Interval, QuantizedNet, shift_round

__all__ = ["CircuitLayout", "Value", "build_circuit"]


@dataclass(frozen=True)
class Value:
    """An integer quantity: a signed word with its interval, or a constant (``word is None``)."""

    word: list[int] | None
    lo: int
    hi: int

    @classmethod
    def of(cls, word: list[int], lo: int, hi: int) -> Value:
        if lo == hi:
            return cls(None, lo, lo)
        return cls(arith.resize(word, arith.signed_width(lo, hi)), lo, hi)

    def bits(self) -> list[int]:
        """The word (a constant as constant bits of its least signed width)."""
        if self.word is None:
            return arith.const_word(self.lo, arith.signed_width(self.lo, self.lo))
        return self.word


@dataclass(frozen=True)
class CircuitLayout:
    """Where things are in the built circuit: ``input_bits`` per input coordinate and
    ``output_bits`` per output (two's complement words, consecutive, LSB first)."""

    input_bits: list[int]
    output_bits: list[int]


def _lincomb(b: Builder, terms: list[tuple[int, Value]], constant: int, adder: str) -> Value:
    """``Σ c v + constant`` over the terms with ``c ≠ 0``; constant terms fold into the sum."""
    words, coeffs, ranges = [], [], []
    lo = hi = constant
    for c, v in terms:
        if c == 0:
            continue
        if v.word is None:
            constant += c * v.lo
            lo += c * v.lo
            hi += c * v.lo
            continue
        words.append(v.word)
        coeffs.append(c)
        ranges.append((v.lo, v.hi))
        lo += min(c * v.lo, c * v.hi)
        hi += max(c * v.lo, c * v.hi)
    if not words:
        return Value(None, constant, constant)
    word = arith.linear_combination(b, words, coeffs, constant=constant, ranges=ranges, adder=adder)
    return Value.of(word, lo, hi)


def _round(b: Builder, v: Value, f: int, rounding: str) -> Value:
    """``R_f(v)``; a constant stays a constant."""
    if f == 0:
        return v
    lo, hi = shift_round(v.lo, f, rounding), shift_round(v.hi, f, rounding)
    if v.word is None or lo == hi:
        return Value(None, lo, lo)
    if rounding == "nearest":
        word = arith.round_nearest(b, v.word, f)
    else:
        word = arith.truncate(b, v.word, f)
    return Value.of(word, lo, hi)


def _relu(b: Builder, v: Value) -> Value:
    """``σ(v)``: no gates when the sign is known."""
    if v.lo >= 0:
        return v
    if v.hi <= 0:
        return Value(None, 0, 0)
    return Value.of(arith.relu(b, v.word), 0, v.hi)


def _check_range(v: Value, expected: Interval, what: str) -> None:
    # the builder's intervals and fixed_point.propagate's are computed by the same rules; a
    # difference would mean the words were sized from something else
    if (v.lo, v.hi) != (expected.lo, expected.hi):
        raise AssertionError(f"{what}: builder range {(v.lo, v.hi)} != propagated {expected}")


def _live_coordinates(qnet: QuantizedNet) -> list[list[bool]]:
    """``live[ℓ][j]``: whether α_ℓ,j is read by a later block or the output (through nonzero
    weights); dead coordinates are not built (they would be removed by the cleanup anyway, after
    costing build time)."""
    w = qnet.width
    live = [any(row[j] for row in qnet.V_out) for j in range(w)]
    out = [live]
    for layer in reversed(range(qnet.depth)):
        V = qnet.V[layer]
        live = [live[j] or any(row[j] for row in V) for j in range(w)]
        out.append(live)
    return out[::-1]


def build_circuit(qnet: QuantizedNet, *, adder: str = "ripple") -> tuple[Circuit, CircuitLayout]:
    """The circuit of ``qnet`` (module docstring) and its bit layout."""
    spec = qnet.spec
    fw, rnd, k = spec.weight_bits, spec.rounding, spec.input_bits
    one = 1 << spec.act_bits
    live = _live_coordinates(qnet)
    b = Builder()
    alpha: list[Value] = [Value(None, 0, 0)] * qnet.width
    for i in range(qnet.d_in):
        q = Value([*b.inputs(k, prefix=f"x{i}_"), 0], 0, (1 << k) - 1)
        if live[0][i]:
            alpha[i] = _lincomb(b, [(qnet.c1[i], q)], qnet.c0[i], adder)
    for layer in range(qnet.depth):
        V, W, after = qnet.V[layer], qnet.W[layer], live[layer + 1]
        used = [any(W[i][m] for i in range(qnet.width) if after[i]) for m in range(qnet.hidden)]
        hid: list[Value] = []
        for m, row in enumerate(V):
            if not used[m]:
                hid.append(Value(None, 0, 0))
                continue
            z = _lincomb(b, list(zip(row[:-1], alpha, strict=True)), row[-1] * one, adder)
            _check_range(z, qnet.ranges["pre"][layer][m], f"z[{layer}][{m}]")
            hid.append(_relu(b, _round(b, z, fw, rnd)))
        new = []
        for i, row in enumerate(W):
            if not after[i] or not any(row):
                new.append(alpha[i])
                continue
            s = _lincomb(b, [(1 << fw, alpha[i]), *zip(row, hid, strict=True)], 0, adder)
            new.append(_round(b, s, fw, rnd))
        alpha = new
    out_bits = []
    for o, row in enumerate(qnet.V_out):
        y = _lincomb(b, list(zip(row[:-1], alpha, strict=True)), row[-1] * one, adder)
        y = _round(b, y, qnet.output_shift, rnd)
        _check_range(y, qnet.ranges["out"][o], f"y[{o}]")
        bits = y.bits()
        for j, node in enumerate(bits):
            b.output(node, f"y{o}_{j}")
        out_bits.append(len(bits))
    return b.build(), CircuitLayout([k] * qnet.d_in, out_bits)
