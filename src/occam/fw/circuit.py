"""The Frank-Wolfe result as one circuit: Σ_j c_j T_{C_j} with quantised weights (SPEC 11, 9.3).

Every T_{C_j} is built by :meth:`TetrakisFunction.explicit_circuit` reading the same input bits:
P = max_j K_j + F bits per coordinate, i.e. atom j at level K_j gets F_j = P − K_j fractional bits,
and outputs the integer Z_j with T_{C_j}(x_q) = Z_j / 2^{F_j} exactly, x_q the lower corner of x's
encoding cell (enc_P, SPEC 2.2). The weights are quantised to q_j = round(c_j 2^B) and the sum

    S = Σ_j q_j 2^{F_max − F_j} Z_j          (arith.linear_combination, exact integer)

is decoded as S · 2^{−(B + F_max)}, so the circuit computes Σ_j (q_j / 2^B) T_{C_j}(x_q) exactly.
The locating logic of atoms at the same level is identical and the builder's structural hashing
shares it.

Errors against ``predict(x) = Σ_j c_j T_{C_j}(x)``, stated from the weights and the construction:

* weight quantisation: |Σ_j (c_j − q_j/2^B) T_{C_j}| ≤ ε_w = Σ_j |c_j − q_j/2^B| (T ∈ [0, 1]);
* input quantisation: on each Tetrakis simplex ∂T/∂u_i = ±(f(u_a) − f(u_b)) ∈ [−1, 1] per grid
  unit, and x_q is within 2^{−F_j} grid units of x in each coordinate, so
  |T_{C_j}(x) − T_{C_j}(x_q)| ≤ d·2^{−F_j}, giving ε_x = Σ_j |q_j/2^B| d 2^{−F_j}.

:class:`SumCircuit` keeps both; :meth:`SumCircuit.verify` checks by simulation that the circuit is
within ε_w of Σ_j c_j T_{C_j}(x_q) and within ε_w + ε_x of predict(x).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from occam.circuits import arith
from occam.circuits.core import Builder, Circuit
from occam.circuits.encoding import ints_to_bits, quantize
from occam.tasks.box import Box
from occam.tetrakis.function import Decoder, TetrakisFunction

__all__ = ["SumCircuit", "build_sum_circuit"]


@dataclass(frozen=True)
class SumCircuit:
    """One circuit for Σ_j c_j T_{C_j} (module docstring).

    ``circuit`` reads enc_P(x) (``bits_per_coordinate`` = P, SPEC 2.2 layout) and its output is
    decoded by ``decoder`` (signed, scale 2^{−(B+F_max)}); ``weights`` the exact c_j,
    ``quantised`` the q_j/2^B, ``weight_error`` ε_w, ``input_error`` ε_x.
    """

    circuit: Circuit
    decoder: Decoder
    domain: Box
    bits_per_coordinate: int
    weight_bits: int
    weights: np.ndarray
    quantised: np.ndarray
    weight_error: float
    input_error: float

    @property
    def size(self) -> int:
        return self.circuit.size

    def quantised_points(self, x: object) -> np.ndarray:
        """x_q = a + ρ q / 2^P, the lower corner of each point's encoding cell."""
        q = quantize(np.asarray(x, dtype=np.float64), self.domain, self.bits_per_coordinate)
        return self.domain.low + self.domain.rho * q / 2.0**self.bits_per_coordinate

    def __call__(self, x: object) -> np.ndarray:
        """dec(circuit(enc_P(x))): float64 (n,), by simulating the circuit."""
        q = quantize(np.asarray(x, dtype=np.float64), self.domain, self.bits_per_coordinate)
        bits = ints_to_bits(q, self.bits_per_coordinate).reshape(q.shape[0], -1)
        return self.decoder(self.circuit.simulate(bits))[:, 0]

    def verify(self, x: object, predict: Callable[[np.ndarray], np.ndarray]) -> dict[str, float]:
        """Simulate on x and compare with ``predict`` at x_q and at x; raises AssertionError when
        a stated bound is violated. Returns the measured maxima and the bounds."""
        x = np.asarray(x, dtype=np.float64)
        out = self(x)
        at_q = float(np.max(np.abs(out - predict(self.quantised_points(x))), initial=0.0))
        at_x = float(np.max(np.abs(out - predict(x)), initial=0.0))
        slack = 1e-9 * (1.0 + float(np.sum(np.abs(self.weights))))
        report = {
            "max_error_at_xq": at_q,
            "weight_error_bound": self.weight_error,
            "max_error_at_x": at_x,
            "total_error_bound": self.weight_error + self.input_error,
        }
        if at_q > self.weight_error + slack or at_x > self.weight_error + self.input_error + slack:
            raise AssertionError(f"sum circuit exceeds its stated quantisation error: {report}")
        return report


def build_sum_circuit(
    circuits: Sequence[Circuit],
    levels: Sequence[int],
    weights: Sequence[float],
    domain: Box,
    *,
    weight_bits: int = 16,
    frac_bits: int = 6,
) -> SumCircuit:
    """Σ_j c_j T_{C_j} as one circuit (module docstring); ``levels`` are the K_j."""
    if not (len(circuits) == len(levels) == len(weights)):
        raise ValueError("circuits, levels and weights must have the same length")
    if not 0 <= weight_bits <= 40 or not 0 <= frac_bits <= 20:
        raise ValueError(
            f"weight_bits must be in [0, 40] and frac_bits in [0, 20], got {weight_bits}, "
            f"{frac_bits}"
        )
    d = domain.dim
    c = np.asarray(weights, dtype=np.float64)
    q = np.round(c * 2.0**weight_bits).astype(np.int64)
    quantised = q / 2.0**weight_bits
    P = (max(levels) if len(levels) else 0) + frac_bits
    P = max(P, 1)
    b = Builder()
    inputs = [b.inputs(P, prefix=f"x{i}_") for i in range(d)]
    words, coeffs = [], []
    f_max = max([P - k for k in levels], default=0)
    for circuit, K, qj in zip(circuits, levels, q, strict=True):
        if qj == 0:
            continue
        F = P - K
        ex = TetrakisFunction(circuit, d, K, domain).explicit_circuit(frac_bits=F)
        flat = [bit for coord in inputs for bit in coord[:P]]
        words.append(b.add_circuit(ex.circuit, flat))
        coeffs.append(int(qj) * 2 ** (f_max - F))
    total = arith.linear_combination(b, words, coeffs) if words else [0]
    for k, bit in enumerate(total):
        b.output(bit, name=f"s{k}")
    decoder = Decoder(signed=True, scale=2.0 ** (-(weight_bits + f_max)), offset=0.0)
    fs = np.array([P - k for k in levels], dtype=np.float64)
    return SumCircuit(
        circuit=b.build(),
        decoder=decoder,
        domain=domain,
        bits_per_coordinate=P,
        weight_bits=weight_bits,
        weights=c,
        quantised=quantised,
        weight_error=float(np.sum(np.abs(c - quantised))),
        input_error=float(np.sum(np.abs(quantised) * d * 2.0 ** (-fs))),
    )
