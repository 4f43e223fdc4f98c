"""The integer reference model of a quantised network: the oracle of the compiler (SPEC 7).

It evaluates the integer formulas of :mod:`occam.compiler.fixed_point` with numpy, independently of
the circuit builder: matrix products of integer arrays, arithmetic right shifts for the roundings,
``np.maximum(·, 0)`` for the ReLU. Arithmetic is int64 when a bound on every partial sum (from
the propagated ranges: ``Σ |c_j| max(|lo_j|, |hi_j|) + |constant|``) stays below ``2^62``, and exact
Python integers (``dtype=object``) otherwise, so it never overflows silently.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from occam.compiler.fixed_point import QuantizedNet

__all__ = ["evaluate", "needs_big_ints"]

_INT64_SAFE = 1 << 62


def _mag(r: Any) -> int:
    return max(abs(r.lo), abs(r.hi))


def _lin_bound(coeffs: list[int], ranges: list, constant: int) -> int:
    return sum(abs(c) * _mag(r) for c, r in zip(coeffs, ranges, strict=True)) + abs(constant)


def needs_big_ints(qnet: QuantizedNet) -> bool:
    """Whether some partial sum of ``qnet`` may leave the int64-safe range ``(−2^62, 2^62)``."""
    fw, one = qnet.spec.weight_bits, 1 << qnet.spec.act_bits
    r = qnet.ranges
    qmax = (1 << qnet.spec.input_bits) - 1
    bounds = [abs(c) * qmax + abs(c0) for c, c0 in zip(qnet.c1, qnet.c0, strict=True)]
    for layer in range(qnet.depth):
        alpha, hid = r["alpha"][layer], r["hidden"][layer]
        bounds += [_lin_bound(row[:-1], alpha, row[-1] * one) for row in qnet.V[layer]]
        bounds += [
            _lin_bound([1 << fw, *row], [alpha[i], *hid], 1 << fw)
            for i, row in enumerate(qnet.W[layer])
        ]
    bounds += [_lin_bound(row[:-1], r["alpha"][-1], row[-1] * one) for row in qnet.V_out]
    bounds += [1 << (qnet.spec.weight_bits + qnet.spec.act_bits)]
    return max(bounds) >= _INT64_SAFE


def _round(x: np.ndarray, f: int, rounding: str) -> np.ndarray:
    if f == 0:
        return x
    if rounding == "nearest":
        x = x + (1 << (f - 1))
    return x >> f


def evaluate(qnet: QuantizedNet, q: Any, *, trace: bool = False) -> Any:
    """Outputs ``y`` (integer array ``(n, d_out)``, format F_o) of ``qnet`` on cell indices ``q``
    (integers ``(n, d_in)`` in ``[0, 2^k − 1]``). With ``trace=True`` returns ``(y, alphas)``.
    ``ValueError`` for indices outside the grid."""
    q = np.asarray(q)
    if q.ndim != 2 or q.shape[1] != qnet.d_in:
        raise ValueError(f"evaluate: q must have shape (n, {qnet.d_in}), received {q.shape}")
    if q.size and (q.min() < 0 or q.max() >= (1 << qnet.spec.input_bits)):
        raise ValueError(
            f"evaluate: q must lie in [0, {(1 << qnet.spec.input_bits) - 1}], "
            f"received [{q.min()}, {q.max()}]"
        )
    dtype = object if needs_big_ints(qnet) else np.int64
    spec = qnet.spec
    fw, rnd = spec.weight_bits, spec.rounding
    n = q.shape[0]
    alpha = np.zeros((n, qnet.width + 1), dtype=dtype)
    alpha[:, : qnet.d_in] = q.astype(dtype) * np.array(qnet.c1, dtype=dtype) + np.array(
        qnet.c0, dtype=dtype
    )
    alpha[:, -1] = 1 << spec.act_bits
    alphas = [alpha[:, :-1].copy()]
    for layer in range(qnet.depth):
        V = np.array(qnet.V[layer], dtype=dtype).reshape(qnet.hidden, qnet.width + 1)
        W = np.array(qnet.W[layer], dtype=dtype).reshape(qnet.width, qnet.hidden)
        h = np.maximum(_round(alpha @ V.T, fw, rnd), 0)
        update = (alpha[:, :-1] << fw) + h @ W.T
        alpha[:, :-1] = _round(update, fw, rnd)
        alphas.append(alpha[:, :-1].copy())
    V_out = np.array(qnet.V_out, dtype=dtype).reshape(qnet.d_out, qnet.width + 1)
    y = _round(alpha @ V_out.T, qnet.output_shift, rnd)
    return (y, alphas) if trace else y
