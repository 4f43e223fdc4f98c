"""Hypothesis strategies for circuits, shared by the circuit test modules (torch-free)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from occam.circuits import Circuit, Op


@st.composite
def random_circuits(
    draw,
    min_inputs: int = 0,
    max_inputs: int = 6,
    max_gates: int = 40,
    max_outputs: int = 4,
    min_outputs: int = 1,
    allow_constants: bool = True,
) -> Circuit:
    """A random valid :class:`Circuit`: gates with random ops and fanins among all earlier nodes
    (constants included when ``allow_constants``), outputs anywhere (gates, inputs, constants)."""
    n_inputs = draw(st.integers(min_inputs, max_inputs))
    n_gates = draw(st.integers(0, max_gates))
    lowest = 0 if allow_constants else 2
    if n_inputs == 0 and not allow_constants:
        n_gates = 0
    ops = []
    fanins = []
    for g in range(n_gates):
        node = n_inputs + 2 + g
        op = draw(st.sampled_from([Op.AND, Op.OR, Op.NOT]))
        a = draw(st.integers(lowest, node - 1))
        b = a if op == Op.NOT else draw(st.integers(lowest, node - 1))
        ops.append(int(op))
        fanins.append((a, b))
    n_nodes = n_inputs + 2 + n_gates
    n_outputs = draw(st.integers(min_outputs, max_outputs))
    out_low = lowest if n_nodes > lowest else 0
    outputs = [draw(st.integers(out_low, n_nodes - 1)) for _ in range(n_outputs)]
    return Circuit(
        n_inputs,
        np.array(ops, dtype=np.uint8),
        np.array(fanins, dtype=np.int64).reshape(-1, 2),
        np.array(outputs, dtype=np.int64),
    )


def evaluate_reference(circuit: Circuit, bits: np.ndarray) -> np.ndarray:
    """Brute-force per-pattern evaluator with Python bools (independent of the simulators)."""
    bits = np.asarray(bits, dtype=bool)
    out = np.zeros((bits.shape[0], circuit.n_outputs), dtype=bool)
    ops = circuit.ops.tolist()
    fan = circuit.fanins.tolist()
    outs = circuit.outputs.tolist()
    for r, row in enumerate(bits.tolist()):
        v = [False, True, *row]
        for op, (a, b) in zip(ops, fan, strict=True):
            if op == Op.AND:
                v.append(v[a] and v[b])
            elif op == Op.OR:
                v.append(v[a] or v[b])
            else:
                v.append(not v[a])
        out[r] = [v[o] for o in outs]
    return out
