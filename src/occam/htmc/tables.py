"""Fixed-point truth-table circuits: the exact circuit of a quantised function (SPEC 2.2, 10).

A *fixed-point circuit* computes a real function on a common input encoding: its inputs are bits
(for instance enc_k of SPEC 2.2, coordinate-major, least significant bit first) and its outputs
one two's complement word ``z`` read as the value ``z · 2^{-frac_bits}``. :func:`table_circuit`
builds the circuit of any table of output integers with
:func:`occam.circuits.tables.circuit_from_truth_table` (a shared ROBDD of multiplexers, most
significant input bit at the root), so a constant table costs no gate and a table that ignores an
input bit never reads it. Optionally ABC (``resyn2``, equivalence proved by ``cec``) shrinks it.

Nothing here uses PyTorch (layering rule: ``htmc`` is torch-free).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from occam.circuits import Circuit
from occam.circuits.arith import signed_width
from occam.circuits.encoding import bits_to_ints, ints_to_bits
from occam.circuits.tables import MAX_TABLE_INPUTS, circuit_from_truth_table
from occam.errors import OccamError

__all__ = [
    "FixedPointCircuit",
    "TableError",
    "all_input_bits",
    "table_circuit",
]


class TableError(OccamError, ValueError):
    """A truth table that cannot be turned into a circuit (shape, size or values)."""


def all_input_bits(n_inputs: int) -> np.ndarray:
    """bool ``(2^n, n)``: row ``r`` has input ``i`` equal to ``(r >> i) & 1``."""
    if not 0 <= n_inputs <= MAX_TABLE_INPUTS:
        raise TableError(
            f"all_input_bits: n_inputs must be in [0, {MAX_TABLE_INPUTS}], got {n_inputs}"
        )
    return ints_to_bits(np.arange(1 << n_inputs, dtype=np.int64), max(n_inputs, 1))[:, :n_inputs]


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
    if n > MAX_TABLE_INPUTS:
        raise TableError(f"table_circuit: at most {MAX_TABLE_INPUTS} input bits, got {n}")
    lo, hi = int(codes.min()), int(codes.max())
    w = signed_width(lo, hi) if width is None else int(width)
    if signed_width(lo, hi) > w:
        raise TableError(f"table_circuit: codes in [{lo}, {hi}] do not fit {w} signed bits")
    circuit = circuit_from_truth_table(ints_to_bits(codes.astype(np.int64), w))
    if optimize and circuit.size > 0:
        from occam.circuits.abc import optimize as abc_optimize

        circuit = abc_optimize(circuit, "resyn2")
    got = bits_to_ints(circuit.simulate(all_input_bits(n)), signed=True)
    if not np.array_equal(got, codes):
        raise AssertionError("table_circuit: the built circuit disagrees with its table")
    return FixedPointCircuit(circuit, int(frac_bits), (lo, hi))
