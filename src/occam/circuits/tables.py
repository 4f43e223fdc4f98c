"""Truth table → circuit: a shared reduced ordered BDD written as multiplexers (SPEC 2.1).

The direct way to turn an arbitrary multi-output Boolean function, given by its full truth table,
into a circuit. Shannon expansion on the variables in a chosen order, from the root to the
leaves: f = x ? f|x=1 : f|x=0. Built bottom-up with numpy: at the leaves every table entry is a
constant; each level pairs the sub-functions that differ only in the next variable, keeps a
sub-function as it is when both halves are equal (the BDD reduction rule), and makes one
multiplexer per *distinct* pair (the BDD sharing rule, across all outputs). Each multiplexer goes
through the :class:`~occam.circuits.core.Builder`, whose structural hashing and constant folding
turn ``x ? 1 : 0`` into ``x``, share ``¬x`` per variable and drop constant fanins, so a
multiplexer costs at most 3 gates plus the variable's NOT.

The size is that of the shared ROBDD (times ≤ 3) for the given variable order: a starting point
for logic optimisation (ABC), not a minimum. The result is checked against the table by
exhaustive simulation before it is returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from occam.circuits.core import Builder, Circuit

__all__ = ["MAX_TABLE_INPUTS", "circuit_from_truth_table"]

MAX_TABLE_INPUTS = 20


def _check_table(table: Any) -> np.ndarray:
    t = np.asarray(table)
    if t.dtype != bool:
        if t.size and not np.isin(t, (0, 1)).all():
            raise ValueError("circuit_from_truth_table: table entries must be 0/1 or bool")
        t = t.astype(bool)
    if t.ndim == 1:
        t = t[:, None]
    if t.ndim != 2 or t.shape[0] == 0 or t.shape[1] == 0:
        raise ValueError(
            "circuit_from_truth_table: table must have shape (2**n,) or (2**n, m), "
            f"received {np.shape(table)}"
        )
    rows = t.shape[0]
    if rows & (rows - 1):
        raise ValueError(f"circuit_from_truth_table: need 2**n rows, received {rows}")
    n = rows.bit_length() - 1
    if n > MAX_TABLE_INPUTS:
        raise ValueError(
            f"circuit_from_truth_table: at most {MAX_TABLE_INPUTS} inputs, received {n}"
        )
    return t


def _check_order(order: Sequence[int] | None, n: int) -> list[int]:
    if order is None:
        return list(range(n - 1, -1, -1))
    try:
        got = [int(v) for v in order]
    except (TypeError, ValueError):
        raise ValueError(
            f"circuit_from_truth_table: order must be input indices: {order!r}"
        ) from None
    if sorted(got) != list(range(n)):
        raise ValueError(
            f"circuit_from_truth_table: order must be a permutation of 0..{n - 1}, received {got}"
        )
    return got


def circuit_from_truth_table(
    table: Any,
    *,
    order: Sequence[int] | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
) -> Circuit:
    """A circuit computing ``table`` (bool ``(2**n, m)`` or ``(2**n,)``; row ``r`` has input
    ``i`` equal to ``(r >> i) & 1``, as :meth:`Circuit.truth_table`), built as a shared ROBDD of
    multiplexers with the variables tested in ``order`` from the root (default ``n−1, .., 0``:
    the most significant row bit first).

    Raises ValueError for a malformed table or order; at most :data:`MAX_TABLE_INPUTS` inputs.
    The circuit is re-simulated on all ``2**n`` inputs and compared with ``table``.
    """
    t = _check_table(table)
    rows, m = t.shape
    n = rows.bit_length() - 1
    var_order = _check_order(order, n)
    b = Builder()
    names = list(input_names) if input_names is not None else [f"x{i}" for i in range(n)]
    if len(names) != n:
        raise ValueError(f"circuit_from_truth_table: {n} input names needed, received {names}")
    inputs = [b.input(name) for name in names]
    # axes of the reshaped table: axis a is row bit n−1−a; put them root-first in var_order, so
    # that the leaf variable (last in the order) varies fastest along the flattened rows
    cube = t.reshape((2,) * n + (m,))
    axes = [n - 1 - v for v in var_order]
    ids = np.ascontiguousarray(np.transpose(cube, (n, *axes))).reshape(m, rows).astype(np.int64)
    for var in reversed(var_order):
        lo, hi = ids[:, 0::2], ids[:, 1::2]
        new = lo.copy()
        differ = lo != hi
        if differ.any():
            pairs = np.stack([lo[differ], hi[differ]], axis=1)
            uniq, inverse = np.unique(pairs, axis=0, return_inverse=True)
            x = inputs[var]
            made = np.array([b.MUX(x, int(h), int(lw)) for lw, h in uniq.tolist()], dtype=np.int64)
            new[differ] = made[inverse.reshape(-1)]
        ids = new
    out_names = list(output_names) if output_names is not None else [f"y{j}" for j in range(m)]
    if len(out_names) != m:
        raise ValueError(f"circuit_from_truth_table: {m} output names needed, received {out_names}")
    for j in range(m):
        b.output(int(ids[j, 0]), out_names[j])
    circuit = b.build()
    if not np.array_equal(circuit.truth_table(), t):
        raise AssertionError("circuit_from_truth_table: the built circuit differs from the table")
    return circuit
