"""Real-to-bin encoding and decoding (SPEC 2.2) and integer ↔ bit conversions.

enc_k maps each coordinate ``x_i ∈ [a_i, a_i + ρ_i]`` to the integer
``q_i = clip(floor((x_i − a_i) / ρ_i · 2^k), 0, 2^k − 1)`` given to the circuit as ``k`` bits,
least significant bit first; coordinate ``i`` occupies bit columns ``i k .. i k + k − 1``.
dec reads groups of output bits as unsigned or two's complement integers ``z`` and maps each to
``scale · z + offset`` (per output). Decoding is not counted in ``|C|``.

Plain numpy; the domain is read by :func:`occam._domain.parse_domain` (SPEC 15: a Box, a
``(low, high)`` tuple, or a ``(d, 2)`` numpy array or torch tensor of ``[low_i, high_i]`` rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from occam._domain import parse_domain

__all__ = [
    "bits_to_ints",
    "decode",
    "encode",
    "evaluate_ints",
    "ints_to_bits",
    "quantize",
]

_MAX_WIDTH = 63


def _domain_bounds(domain: Any, d: int) -> tuple[np.ndarray, np.ndarray]:
    """``(a, ρ)`` as float64 arrays of length ``d`` (forms read by :func:`parse_domain`)."""
    low, high = parse_domain(domain, d)
    return low, high - low


def _check_k(k: Any, name: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"{name} must be an int, received {type(k).__name__}")
    if not 1 <= k <= _MAX_WIDTH:
        raise ValueError(f"{name} must be in [1, {_MAX_WIDTH}], received {k}")
    return int(k)


def quantize(x: Any, domain: Any, k: int) -> np.ndarray:
    """``q = clip(floor((x − a)/ρ · 2^k), 0, 2^k − 1)`` per coordinate (SPEC 2.2); int64
    ``(n, d)``."""
    k = _check_k(k)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"encode: x must have shape (n, d), received {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("encode: x must be finite")
    low, rho = _domain_bounds(domain, x.shape[1])
    t = np.floor((x - low) / rho * float(2**k))
    return np.clip(t, 0, 2**k - 1).astype(np.int64)


def encode(x: Any, domain: Any, k: int) -> np.ndarray:
    """enc_k (SPEC 2.2): bool ``(n, d k)``; column ``i k + j`` is bit ``j`` (LSB first) of
    ``q_i``."""
    q = quantize(x, domain, k)
    return ints_to_bits(q, k).reshape(q.shape[0], -1)


def ints_to_bits(q: Any, width: int) -> np.ndarray:
    """Bits of integers, least significant first: bool ``q.shape + (width,)``.

    Negative values are written in two's complement. Raises ``ValueError`` if some value fits
    in neither the unsigned range ``[0, 2^width)`` nor the signed range
    ``[−2^(width−1), 2^(width−1))``.
    """
    width = _check_k(width, "width")
    q = np.asarray(q)
    if q.size and not np.issubdtype(q.dtype, np.integer):
        raise TypeError(f"ints_to_bits: q must be integers, received {q.dtype}")
    q = q.astype(np.int64)
    if q.size and (q.min() < -(2 ** (width - 1)) or q.max() >= 2**width):
        raise ValueError(
            f"ints_to_bits: values must lie in [{-(2 ** (width - 1))}, {2**width}) for width "
            f"{width}, received range [{q.min()}, {q.max()}]"
        )
    shifts = np.arange(width, dtype=np.int64)
    return ((q[..., None] >> shifts) & 1).astype(bool)


def bits_to_ints(bits: Any, signed: bool = False) -> np.ndarray:
    """Integers from bits along the last axis (LSB first), unsigned or two's complement; int64."""
    b = np.asarray(bits)
    if b.ndim == 0:
        raise ValueError("bits_to_ints: bits must have at least one axis")
    width = b.shape[-1]
    if width == 0:
        return np.zeros(b.shape[:-1], dtype=np.int64)
    _check_k(width, "number of bits")
    b = b.astype(np.int64)
    z = (b << np.arange(width, dtype=np.int64)).sum(axis=-1)
    if signed:
        z = z - (b[..., -1] << width)
    return z


def decode(
    bits: Any,
    signed: bool = False,
    scale: Any = 1.0,
    offset: Any = 0.0,
    widths: Sequence[int] | None = None,
) -> np.ndarray:
    """dec (SPEC 2.2): ``scale · z + offset`` per output, float64 ``(n, n_outputs)``.

    ``bits`` is ``(n, m)``; ``widths`` splits the ``m`` columns into consecutive outputs (default:
    one output of all ``m`` bits), each read LSB first as an unsigned (``signed=False``) or two's
    complement integer ``z``. ``scale`` and ``offset`` are scalars or one value per output.
    """
    b = np.asarray(bits)
    if b.ndim != 2:
        raise ValueError(f"decode: bits must have shape (n, m), received {b.shape}")
    m = b.shape[1]
    if widths is None:
        widths = [m]
    widths = [int(w) for w in widths]
    if any(w < 1 for w in widths) or sum(widths) != m:
        raise ValueError(f"decode: widths must be positive and sum to {m}, received {widths}")
    starts = np.cumsum([0, *widths])
    z = np.stack(
        [bits_to_ints(b[:, s : s + w], signed) for s, w in zip(starts[:-1], widths, strict=True)],
        axis=1,
    ).astype(np.float64)
    try:
        scale_a = np.broadcast_to(np.asarray(scale, dtype=np.float64), (len(widths),))
        offset_a = np.broadcast_to(np.asarray(offset, dtype=np.float64), (len(widths),))
    except ValueError:
        raise ValueError(
            f"decode: scale and offset must be scalars or have {len(widths)} entries"
        ) from None
    return z * scale_a + offset_a


def evaluate_ints(
    circuit: Any,
    q: Any,
    in_widths: int | Sequence[int],
    out_widths: int | Sequence[int] | None = None,
    *,
    signed_out: bool = False,
) -> np.ndarray:
    """Run ``circuit`` on integer operands: ``q`` is int ``(n, n_operands)``, operand ``j`` fed
    as ``in_widths[j]`` bits (two's complement if negative) in consecutive inputs; the outputs are
    split into ``out_widths`` groups (default: one group) and read as integers. int64
    ``(n, n_groups)``."""
    q = np.asarray(q)
    if q.ndim != 2:
        raise ValueError(f"evaluate_ints: q must have shape (n, n_operands), received {q.shape}")
    n_ops = q.shape[1]
    iw = [int(in_widths)] * n_ops if np.ndim(in_widths) == 0 else [int(w) for w in in_widths]
    if len(iw) != n_ops or sum(iw) != circuit.n_inputs:
        raise ValueError(
            f"evaluate_ints: in_widths {iw} must give one width per operand summing to "
            f"{circuit.n_inputs} inputs"
        )
    bits = np.concatenate(
        [ints_to_bits(q[:, j], w) for j, w in enumerate(iw)] or [np.zeros((q.shape[0], 0), bool)],
        axis=1,
    )
    out = circuit.simulate(bits)
    if out_widths is None:
        ow = [circuit.n_outputs]
    elif np.ndim(out_widths) == 0:
        w = int(out_widths)
        if w < 1 or circuit.n_outputs % w:
            raise ValueError(f"evaluate_ints: out_widths={w} must divide {circuit.n_outputs}")
        ow = [w] * (circuit.n_outputs // w)
    else:
        ow = [int(w) for w in out_widths]
    if sum(ow) != circuit.n_outputs:
        raise ValueError(f"evaluate_ints: out_widths {ow} must sum to {circuit.n_outputs}")
    starts = np.cumsum([0, *ow])
    return np.stack(
        [bits_to_ints(out[:, s : s + w], signed_out) for s, w in zip(starts[:-1], ow, strict=True)],
        axis=1,
    )
