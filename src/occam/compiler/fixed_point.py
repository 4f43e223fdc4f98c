"""Fixed-point quantisation of the SPEC 3 ResNet and exact integer interval propagation (SPEC 7).

The quantised network works on integers; a quantity with ``F`` fractional bits stands for
``value / 2^F``. With ``k`` input bits, ``F_w`` weight bits, ``F_a`` activation bits and ``F_o``
output bits (all parameters of :class:`FixedPointSpec`) it computes, for the cell index
``q ∈ {0..2^k−1}^{d_in}`` of SPEC 2.2 (``R_f`` is the rounding of :func:`shift_round`)::

    α_0,i = c1_i q_i + c0_i                          (i < d_in; format F_a)
    α_0,i = 0                                        (d_in ≤ i < w)
    z_ℓ,m = Σ_j V_ℓ[m,j] α_ℓ,j + V_ℓ[m,w] 2^F_a      (format F_w + F_a; bias = last column)
    h_ℓ,m = σ(R_{F_w}(z_ℓ,m))                        (format F_a)
    α_ℓ+1,i = R_{F_w}(2^F_w α_ℓ,i + Σ_m W_ℓ[i,m] h_ℓ,m)   (= α_ℓ,i + R_{F_w}(Σ_m W h); format F_a)
    y_o = R_s(Σ_j V_L[o,j] α_L,j + V_L[o,w] 2^F_a),  s = F_w + F_a − F_o   (format F_o)

with integer weights ``round(θ 2^F_w)`` (entries that round to 0 are dropped: the circuit is built
from nonzero weights only) and the input map chosen so that ``α_0,i / 2^F_a`` is the *cell centre*
``a_i + (q_i + 1/2) ρ_i / 2^k`` rounded to ``F_a`` bits: ``c1_i = round(ρ_i 2^{F_a−k})``,
``c0_i = round((a_i + ρ_i 2^{−k−1}) 2^F_a)`` (exact for a dyadic box such as [−1, 1]^d when
``F_a ≥ k``). The centre is the midpoint of the set of inputs that share the cell, so it is the
L∞-optimal representative. The outputs decode as ``dec(z) = 2^{−F_o} z + 0`` (SPEC 2.2).

ReLU commutes with the monotone rounding (``σ(R(z)) = R(σ(z))`` since ``R(0) = 0``), so the
rounding is applied first, on the wider word, and the ReLU masks the narrower one.

Integer ranges come from interval arithmetic on these integer formulas (:func:`propagate`): every
operation is monotone or linear with known integer coefficients, so ``[lo, hi]`` of each quantity
encloses every value the quantised network can take on the box, and words sized from them cannot
overflow. (The float network's certified ranges of SPEC 4.3 do not bound the rounded network.)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from occam.errors import OccamError
from occam.nets import ResNet
from occam.tasks import Box, as_box

__all__ = [
    "ROUNDINGS",
    "FixedPointSpec",
    "Interval",
    "QuantizationError",
    "QuantizedNet",
    "propagate",
    "quantize",
    "round_to_int",
    "shift_round",
]

ROUNDINGS = ("nearest", "floor")
_MAX_BITS = 40


class QuantizationError(OccamError, ValueError):
    """A fixed-point specification that cannot be used (bad widths, incompatible model)."""


def _bits(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise QuantizationError(f"{name} must be an int, received {value!r}")
    if not minimum <= int(value) <= _MAX_BITS:
        raise QuantizationError(f"{name} must be in [{minimum}, {_MAX_BITS}], received {value}")
    return int(value)


@dataclass(frozen=True)
class FixedPointSpec:
    """Fractional widths of the quantised network (module docstring).

    ``input_bits`` k of enc_k (SPEC 2.2), ``weight_bits`` F_w, ``act_bits`` F_a (every α and h
    coordinate), ``out_bits`` F_o (default F_a) and the ``rounding`` after each block:
    ``"nearest"`` (half up, an incrementer) or ``"floor"`` (dropping bits, no gates).
    """

    input_bits: int
    weight_bits: int
    act_bits: int
    out_bits: int | None = None
    rounding: str = "nearest"

    def __post_init__(self) -> None:
        _bits(self.input_bits, "input_bits", 1)
        _bits(self.weight_bits, "weight_bits", 0)
        _bits(self.act_bits, "act_bits", 0)
        if self.out_bits is not None:
            _bits(self.out_bits, "out_bits", 0)
            if self.out_bits > self.weight_bits + self.act_bits:
                raise QuantizationError(
                    f"out_bits={self.out_bits} exceeds weight_bits + act_bits = "
                    f"{self.weight_bits + self.act_bits} (the precision of the output sums)"
                )
        if self.rounding not in ROUNDINGS:
            raise QuantizationError(
                f"rounding must be one of {ROUNDINGS}, received {self.rounding!r}"
            )

    @property
    def output_frac(self) -> int:
        """F_o (``out_bits``, or ``act_bits`` when not given)."""
        return self.act_bits if self.out_bits is None else self.out_bits

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "out_bits": self.output_frac}


def round_to_int(x: float) -> int:
    """``floor(x + 1/2)`` as a Python int (round half up, the convention of the whole module)."""
    return math.floor(x + 0.5)


def shift_round(x: int, f: int, rounding: str) -> int:
    """``R_f(x)``: ``floor(x / 2^f + 1/2)`` (``"nearest"``) or ``floor(x / 2^f)`` (``"floor"``)."""
    if f == 0:
        return x
    if rounding == "nearest":
        return (x + (1 << (f - 1))) >> f
    return x >> f


@dataclass(frozen=True)
class Interval:
    """An integer interval ``[lo, hi]``."""

    lo: int
    hi: int

    @property
    def is_constant(self) -> bool:
        return self.lo == self.hi


def _lin_range(coeffs: list[int], ranges: list[Interval], constant: int) -> Interval:
    lo = hi = constant
    for c, r in zip(coeffs, ranges, strict=True):
        lo += min(c * r.lo, c * r.hi)
        hi += max(c * r.lo, c * r.hi)
    return Interval(lo, hi)


@dataclass
class QuantizedNet:
    """The integer network of the module docstring.

    ``V``/``W``/``V_out`` are nested lists of Python ints (``V[ℓ][m][j]``, the bias in column
    ``w``); ``c1``, ``c0`` the input map; ``ranges`` the integer intervals from :func:`propagate`
    (keys ``"alpha"`` (L+1 lists of w entries), ``"pre"``, ``"hidden"`` (L lists of k entries),
    ``"out"`` (d_out entries)).
    """

    spec: FixedPointSpec
    d_in: int
    width: int
    hidden: int
    depth: int
    d_out: int
    low: tuple[float, ...]
    high: tuple[float, ...]
    c1: list[int]
    c0: list[int]
    V: list[list[list[int]]]
    W: list[list[list[int]]]
    V_out: list[list[int]]
    ranges: dict[str, Any] = field(default_factory=dict)

    @property
    def n_input_bits(self) -> int:
        return self.d_in * self.spec.input_bits

    @property
    def n_weights(self) -> int:
        """Nonzero integer weights (the ones the circuit is built from)."""
        mats = [*self.V, *self.W, self.V_out]
        return sum(1 for m in mats for row in m for c in row if c != 0)

    @property
    def output_scale(self) -> float:
        """``2^{−F_o}``: dec(z) = scale · z."""
        return 2.0 ** (-self.spec.output_frac)

    @property
    def output_shift(self) -> int:
        """Bits dropped from the output sums: ``F_w + F_a − F_o``."""
        return self.spec.weight_bits + self.spec.act_bits - self.spec.output_frac


def _int_matrix(m: torch.Tensor, scale: float) -> list[list[int]]:
    a = m.detach().to(torch.float64).cpu().numpy()
    if not np.all(np.isfinite(a)):
        raise QuantizationError("the model has non-finite weights")
    return [[round_to_int(float(v) * scale) for v in row] for row in a]


def quantize(model: ResNet, domain: Any, spec: FixedPointSpec) -> QuantizedNet:
    """Quantise ``model`` on ``domain`` (a Box, ``(low, high)`` or ``(d, 2)`` array) to ``spec``
    and propagate the integer ranges (module docstring)."""
    if not isinstance(model, ResNet):
        raise QuantizationError(f"model must be an occam ResNet, received {type(model).__name__}")
    if not isinstance(spec, FixedPointSpec):
        raise QuantizationError(f"spec must be a FixedPointSpec, received {type(spec).__name__}")
    cfg = model.config
    box: Box = as_box(domain, cfg.d_in)
    k, fw, fa = spec.input_bits, spec.weight_bits, spec.act_bits
    c1 = [round_to_int(r * 2.0 ** (fa - k)) for r in box.rho]
    centre0 = box.low + box.rho * 2.0 ** (-k - 1)  # centre of cell 0
    c0 = [round_to_int(float(c) * 2.0**fa) for c in centre0]
    V, W, V_out = model.matrices()
    qnet = QuantizedNet(
        spec=spec,
        d_in=cfg.d_in,
        width=cfg.width,
        hidden=cfg.hidden,
        depth=cfg.depth,
        d_out=cfg.d_out,
        low=tuple(float(v) for v in box.low),
        high=tuple(float(v) for v in box.high),
        c1=c1,
        c0=c0,
        V=[_int_matrix(v, 2.0**fw) for v in V],
        W=[_int_matrix(w, 2.0**fw) for w in W],
        V_out=_int_matrix(V_out, 2.0**fw),
    )
    qnet.ranges = propagate(qnet)
    return qnet


def propagate(qnet: QuantizedNet) -> dict[str, Any]:
    """Integer intervals of every α, z, h and output of ``qnet`` over all inputs
    ``q ∈ {0..2^k−1}^{d_in}`` (interval arithmetic on the integer formulas; sound)."""
    spec = qnet.spec
    fw, fa, rnd = spec.weight_bits, spec.act_bits, spec.rounding
    one = 1 << fa
    qmax = (1 << spec.input_bits) - 1
    alpha = [Interval(0, 0)] * qnet.width
    for i in range(qnet.d_in):
        alpha[i] = _lin_range([qnet.c1[i]], [Interval(0, qmax)], qnet.c0[i])
    alphas, pres, hiddens = [alpha], [], []
    for layer in range(qnet.depth):
        V, W = qnet.V[layer], qnet.W[layer]
        pre = [_lin_range(row[:-1], alpha, row[-1] * one) for row in V]
        hid = [
            Interval(max(shift_round(r.lo, fw, rnd), 0), max(shift_round(r.hi, fw, rnd), 0))
            for r in pre
        ]
        new = []
        for i in range(qnet.width):
            s = _lin_range([1 << fw, *W[i]], [alpha[i], *hid], 0)
            new.append(Interval(shift_round(s.lo, fw, rnd), shift_round(s.hi, fw, rnd)))
        alpha = new
        alphas.append(alpha)
        pres.append(pre)
        hiddens.append(hid)
    shift = qnet.output_shift
    out = []
    for row in qnet.V_out:
        s = _lin_range(row[:-1], alpha, row[-1] * one)
        out.append(Interval(shift_round(s.lo, shift, rnd), shift_round(s.hi, shift, rnd)))
    return {"alpha": alphas, "pre": pres, "hidden": hiddens, "out": out}
