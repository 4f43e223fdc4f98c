"""Verification of a compiled circuit and error measurement by simulation (SPEC 7, 2.2).

Two separate checks:

- *bit-exactness*: the circuit's output integers equal those of the integer reference model
  (:func:`occam.compiler.reference.evaluate`) on every cell index ``q`` when the input has at most
  ``max_exhaustive_bits`` bits (16 by default), and otherwise on ``n_random`` uniform random
  indices plus every corner of the index box ``{0, 2^k − 1}^{d_in}``;
- *error*: ``dec ∘ C ∘ enc_k`` is evaluated by simulating the circuit (never the model) on a
  sample ``x_1..x_n`` of the data distribution, and compared with a reference ``r`` (the float
  network or the target): ``L2 = (1/n Σ_t ‖C(x_t) − r(x_t)‖²)^{1/2}``, ``L∞ = max_t max_o |·|``,
  and the upper confidence bound ``L2_ucb = (mse + 3 s/√n)^{1/2}`` with ``s`` the sample standard
  deviation of the squared errors (about a 3-sigma bound on the population L2 error).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from occam.circuits import Circuit
from occam.circuits.encoding import bits_to_ints, encode, ints_to_bits
from occam.compiler import reference
from occam.compiler.build import CircuitLayout
from occam.compiler.fixed_point import QuantizedNet

__all__ = [
    "ErrorStats",
    "Verification",
    "circuit_integers",
    "circuit_predict",
    "error_stats",
    "verify",
]

_MAX_INT64_WIDTH = 62


@dataclass(frozen=True)
class Verification:
    """Outcome of :func:`verify`: ``verified`` when no mismatch was found among ``n_checked``
    indices (all of them when ``exhaustive``); ``first_mismatch`` is ``(q, model, circuit)``."""

    verified: bool
    exhaustive: bool
    n_checked: int
    n_mismatches: int
    first_mismatch: tuple[list[int], list[int], list[int]] | None = None


@dataclass(frozen=True)
class ErrorStats:
    """L2 error, its 3-sigma upper confidence bound and the L∞ error over ``n`` points."""

    l2: float
    l2_ucb: float
    linf: float
    n: int


def circuit_integers(circuit: Circuit, layout: CircuitLayout, q: Any) -> np.ndarray:
    """Output integers ``(n, d_out)`` (two's complement; int64, or Python integers for words
    wider than 62 bits) of ``circuit`` on indices ``q``."""
    q = np.asarray(q, dtype=np.int64)
    k = layout.input_bits[0]
    bits = ints_to_bits(q, k).reshape(q.shape[0], -1)
    return _output_integers(circuit.simulate(bits), layout)


def _word_integers(bits: np.ndarray) -> np.ndarray:
    """Two's complement integers of the rows of ``bits`` (LSB first); exact Python integers
    (``dtype=object``) for words too wide for int64."""
    width = bits.shape[1]
    if width <= _MAX_INT64_WIDTH:
        return bits_to_ints(bits, signed=True)
    z = np.zeros(bits.shape[0], dtype=object)
    for j in range(width - 1):
        z += bits[:, j].astype(object) << j
    return z - (bits[:, -1].astype(object) << (width - 1))


def _output_integers(out: np.ndarray, layout: CircuitLayout) -> np.ndarray:
    """Split simulated output bits into the two's complement output words."""
    starts = np.cumsum([0, *layout.output_bits])
    return np.stack([_word_integers(out[:, s:e]) for s, e in itertools.pairwise(starts)], axis=1)


def _check_points(qnet: QuantizedNet, n_random: int, seed: int, max_bits: int) -> tuple:
    k, d = qnet.spec.input_bits, qnet.d_in
    top = (1 << k) - 1
    if qnet.n_input_bits <= max_bits:
        grid = np.indices((top + 1,) * d).reshape(d, -1).T
        return grid.astype(np.int64), True
    rng = np.random.default_rng(seed)
    random = rng.integers(0, top + 1, size=(n_random, d), dtype=np.int64)
    n_corners = min(1 << d, 1 << 16)
    corners = np.array(list(itertools.islice(itertools.product((0, top), repeat=d), n_corners)))
    return np.concatenate([corners.astype(np.int64), random]), False


def verify(
    circuit: Circuit,
    layout: CircuitLayout,
    qnet: QuantizedNet,
    *,
    n_random: int = 100_000,
    seed: int = 0,
    max_exhaustive_bits: int = 16,
) -> Verification:
    """Compare ``circuit`` with the integer model of ``qnet`` bit for bit (module docstring)."""
    q, exhaustive = _check_points(qnet, n_random, seed, max_exhaustive_bits)
    expected = reference.evaluate(qnet, q)
    got = circuit_integers(circuit, layout, q)
    bad = np.flatnonzero(np.any(np.asarray(expected != got, dtype=bool), axis=1))
    first = None
    if bad.size:
        t = int(bad[0])
        first = ([int(v) for v in q[t]], [int(v) for v in expected[t]], [int(v) for v in got[t]])
    return Verification(bad.size == 0, exhaustive, int(q.shape[0]), int(bad.size), first)


def circuit_predict(
    circuit: Circuit, layout: CircuitLayout, qnet: QuantizedNet, x: Any
) -> np.ndarray:
    """``dec(C(enc_k(x)))``: float64 ``(n, d_out)`` by simulating the circuit (SPEC 2.2)."""
    bits = encode(np.asarray(x, dtype=np.float64), (qnet.low, qnet.high), qnet.spec.input_bits)
    z = _output_integers(circuit.simulate(bits), layout)
    return z.astype(np.float64) * qnet.output_scale


def error_stats(pred: Any, ref: Any) -> ErrorStats:
    """L2, L2 upper confidence bound and L∞ of ``pred − ref`` (both ``(n, d_out)``)."""
    diff = np.asarray(pred, dtype=np.float64) - np.asarray(ref, dtype=np.float64)
    sq = np.sum(diff**2, axis=1)
    n = sq.shape[0]
    mse = float(sq.mean())
    se = float(sq.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0
    return ErrorStats(
        float(np.sqrt(mse)), float(np.sqrt(mse + 3.0 * se)), float(np.abs(diff).max()), int(n)
    )
