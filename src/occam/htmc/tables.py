"""Fixed-point truth-table circuits: the exact circuit of a quantised function (SPEC 2.2, 10).

A *fixed-point circuit* computes a real function on a common input encoding: its inputs are bits
(for instance enc_k of SPEC 2.2, coordinate-major, least significant bit first) and its outputs
one two's complement word ``z`` read as the value ``z · 2^{-frac_bits}``. :func:`table_circuit`
builds the circuit of any table of output integers by Shannon expansion (a multiplexer tree over
the input bits, built bottom-up from the least significant input bit). Equal sub-functions are
built once (a quasi-reduced ordered BDD), and the builder's structural hashing and constant
folding share and simplify the rest, so a constant table costs no gate and a table that ignores an
input bit never reads it. Optionally ABC (``resyn2``, equivalence proved by ``cec``) shrinks it.

Nothing here uses PyTorch (layering rule: ``htmc`` is torch-free).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from occam.circuits import Builder, Circuit
from occam.circuits.arith import signed_width
from occam.circuits.encoding import bits_to_ints, ints_to_bits
from occam.errors import OccamError

__all__ = [
    "FixedPointCircuit",
    "TableError",
    "all_input_bits",
    "shannon_outputs",
    "table_circuit",
]

_MAX_TABLE_INPUTS = 22


class TableError(OccamError, ValueError):
    """A truth table that cannot be turned into a circuit (shape, size or values)."""


def all_input_bits(n_inputs: int) -> np.ndarray:
    """bool ``(2^n, n)``: row ``r`` has input ``i`` equal to ``(r >> i) & 1``."""
    if not 0 <= n_inputs <= _MAX_TABLE_INPUTS:
        raise TableError(
            f"all_input_bits: n_inputs must be in [0, {_MAX_TABLE_INPUTS}], got {n_inputs}"
        )
    return ints_to_bits(np.arange(1 << n_inputs, dtype=np.int64), max(n_inputs, 1))[:, :n_inputs]


def shannon_outputs(b: Builder, inputs: list[int], columns: np.ndarray) -> list[int]:
    """Handles computing each boolean column of ``columns`` (``(2^n, m)``, row ``r`` = input
    pattern with bit ``i`` = ``(r >> i) & 1``) from the input handles, by a multiplexer tree.

    Level ``i`` merges pairs of rows differing in input ``i``: ``node = MUX(x_i, hi, lo)``. The
    distinct ``(hi, lo)`` pairs of a level are multiplexed once, so the work is the number of
    distinct sub-functions, not ``2^n``.
    """
    n = len(inputs)
    cols = np.asarray(columns, dtype=bool)
    if cols.ndim != 2 or cols.shape[0] != 1 << n:
        raise TableError(f"shannon_outputs: columns must have shape (2^{n}, m), got {cols.shape}")
    nodes = cols.T.astype(np.int64)  # (m, 2^n) handles: 0 = False, 1 = True
    for i in range(n):
        hi = nodes[:, 1::2]
        lo = nodes[:, 0::2]
        pairs = np.stack([hi.ravel(), lo.ravel()], axis=1)
        unique, inverse = np.unique(pairs, axis=0, return_inverse=True)
        made = np.array([b.MUX(inputs[i], int(h), int(lo_)) for h, lo_ in unique], dtype=np.int64)
        nodes = made[inverse.reshape(-1)].reshape(hi.shape)
    return [int(v) for v in nodes[:, 0]]


@dataclass(frozen=True)
class FixedPointCircuit:
    """A circuit with a fixed-point reading of its output (SPEC 2.2 dec with scale 2^{-frac}).

    circuit: the Boolean circuit; its outputs form one two's complement word ``z`` (LSB first).
    frac_bits: the output value is ``z · 2^{-frac_bits}``.
    code_range: the least and largest integer the circuit can output (known exactly for tables).
    """

    circuit: Circuit
    frac_bits: int
    code_range: tuple[int, int]

    @property
    def size(self) -> int:
        return self.circuit.size

    @property
    def width(self) -> int:
        return self.circuit.n_outputs

    def codes(self, bits: np.ndarray) -> np.ndarray:
        """Output integers ``z`` on input patterns ``bits`` (bool ``(n, n_inputs)``), int64."""
        return bits_to_ints(self.circuit.simulate(bits), signed=True)

    def values(self, bits: np.ndarray) -> np.ndarray:
        """Decoded outputs ``z · 2^{-frac_bits}`` (float64 ``(n,)``)."""
        return self.codes(bits).astype(np.float64) * 2.0**-self.frac_bits


def table_circuit(
    codes: np.ndarray, frac_bits: int, *, optimize: bool = False, width: int | None = None
) -> FixedPointCircuit:
    """The fixed-point circuit whose output on input pattern ``r`` is the integer ``codes[r]``.

    ``codes`` has length ``2^n`` (``n`` input bits, row ``r`` has bit ``i`` = ``(r >> i) & 1``).
    The output word has the least two's complement width holding all codes (or ``width``). With
    ``optimize`` the circuit is passed through ABC ``resyn2`` (equivalence proved by ``cec``; the
    smaller of the two is kept). The result is re-simulated exhaustively and compared with
    ``codes`` before it is returned.
    """
    codes = np.asarray(codes)
    if codes.ndim != 1 or codes.size == 0 or codes.size & (codes.size - 1):
        raise TableError(f"table_circuit: codes must be 1-D of length 2^n, got shape {codes.shape}")
    if not np.issubdtype(codes.dtype, np.integer):
        raise TableError(f"table_circuit: codes must be integers, got {codes.dtype}")
    n = int(codes.size).bit_length() - 1
    if n > _MAX_TABLE_INPUTS:
        raise TableError(f"table_circuit: at most {_MAX_TABLE_INPUTS} input bits, got {n}")
    lo, hi = int(codes.min()), int(codes.max())
    w = signed_width(lo, hi) if width is None else int(width)
    if signed_width(lo, hi) > w:
        raise TableError(f"table_circuit: codes in [{lo}, {hi}] do not fit {w} signed bits")
    b = Builder()
    xs = b.inputs(n)
    bits = ints_to_bits(codes.astype(np.int64), w)
    for h in shannon_outputs(b, xs, bits):
        b.output(h)
    circuit = b.build()
    if optimize and circuit.size > 0:
        from occam.circuits.abc import optimize as abc_optimize

        circuit = abc_optimize(circuit, "resyn2")
    got = bits_to_ints(circuit.simulate(all_input_bits(n)), signed=True)
    if not np.array_equal(got, codes):
        raise AssertionError("table_circuit: the built circuit disagrees with its table")
    return FixedPointCircuit(circuit, int(frac_bits), (lo, hi))
