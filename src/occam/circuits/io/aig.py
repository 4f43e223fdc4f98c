"""And-inverter graphs and the conversion between AIG form and the basis {AND, OR, NOT}.

An AIG (STYLE 2, AIGER) has one gate type, the 2-input AND, and puts negation on edges: a literal
is ``2*var + sign``; literal 0 is False and 1 is True, variables ``1..I`` are the inputs and
``I+1 .. I+A`` the AND gates in topological order (every fanin variable is smaller than the gate's).

SPEC 2.1 counts NOT as a gate, so a NOT hidden in an edge has to be paid for when an AIG is read
back into a :class:`~occam.circuits.Circuit`. :func:`aig_to_circuit` and :func:`basis_gate_counts`
share one rule (:func:`_polarity_plan`), so the reported counts are those of the circuit that is
actually built:

* each AIG AND variable ``v = l0 ∧ l1`` becomes one gate, either ``AND(l0, l1)`` computing ``v``
  (native polarity ``p(v) = 0``) or, by De Morgan, ``OR(¬l0, ¬l1)`` computing ``¬v`` (``p(v) = 1``);
* a variable ``u`` gets one NOT gate (shared by all its uses) iff some use needs the polarity
  ``1 - p(u)``; a fanin literal with sign ``c`` used by a gate of polarity ``p(v)`` needs ``u`` in
  polarity ``c ⊕ p(v)``, an output literal with sign ``c`` needs polarity ``c``;
* hence ``#AND + #OR = A`` (the AIG's AND count) and ``#NOT`` is the number of variables used in
  their non-native polarity. ``p`` starts with ``p(v) = 1`` iff both fanins of ``v`` are negated,
  then single flips that lower ``#NOT`` are applied until none does (a local optimum).

The reverse map :func:`circuit_to_aig` is exact: ``AND(a,b) → a∧b``, ``OR(a,b) → ¬(¬a∧¬b)``,
``NOT(a) → ¬a`` (no AND), followed by structural hashing, constant folding and removal of ANDs
outside the output cones, so the AIG has at most ``#AND + #OR`` ANDs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from occam.circuits.core import Circuit, Op
from occam.circuits.traverse import fold_gates, output_cone

__all__ = ["Aig", "aig_to_circuit", "basis_gate_counts", "circuit_to_aig"]


@dataclass(frozen=True)
class Aig:
    """A combinational AIG in AIGER numbering (see the module docstring).

    ``ands`` is ``(A, 2)`` int64 fanin literals of AND variables ``I+1 .. I+A`` (in that order),
    ``outputs`` is ``(O,)`` int64 literals; names are tuples of str (``None`` entries not allowed).
    """

    n_inputs: int
    ands: np.ndarray
    outputs: np.ndarray
    input_names: tuple[str, ...] = field(default=())
    output_names: tuple[str, ...] = field(default=())

    @property
    def n_ands(self) -> int:
        return int(self.ands.shape[0])

    @property
    def max_var(self) -> int:
        """AIGER's ``M``: the largest variable index, ``I + A``."""
        return self.n_inputs + self.n_ands


class _AigBuilder:
    """Structural hashing for AIG ANDs with constant folding (like ABC's ``Aig_And``)."""

    def __init__(self, n_inputs: int) -> None:
        self.n_inputs = n_inputs
        self.ands: list[tuple[int, int]] = []
        self.table: dict[tuple[int, int], int] = {}

    def and_(self, a: int, b: int) -> int:
        if a < b:
            a, b = b, a
        # now a >= b: the constant (0 or 1), if any, is b
        if b == 0:
            return 0
        if b == 1 or a == b:
            return a
        if a ^ b == 1:
            return 0
        key = (a, b)
        lit = self.table.get(key)
        if lit is None:
            lit = 2 * (self.n_inputs + 1 + len(self.ands))
            self.ands.append(key)
            self.table[key] = lit
        return lit


def _cleanup(n_inputs: int, ands: list[tuple[int, int]], outputs: list[int]) -> tuple:
    """Drop ANDs outside the output cones and renumber (``aiger_reencode``)."""
    first = n_inputs + 1
    var_fanins = np.array(ands, dtype=np.int64).reshape(-1, 2) >> 1
    live = output_cone(first, var_fanins, np.array(outputs, dtype=np.int64) >> 1)[first:].tolist()
    new_var = list(range(first))
    kept: list[tuple[int, int]] = []
    for j, (a, b) in enumerate(ands):
        if live[j]:
            new_var.append(first + len(kept))
            kept.append(((new_var[a >> 1] << 1) | (a & 1), (new_var[b >> 1] << 1) | (b & 1)))
        else:
            new_var.append(-1)
    outs = [(new_var[lit >> 1] << 1) | (lit & 1) for lit in outputs]
    return kept, outs


def normalize_aig(
    n_inputs: int,
    ands: Sequence[tuple[int, int]],
    outputs: Sequence[int],
    input_names: Sequence[str] = (),
    output_names: Sequence[str] = (),
) -> Aig:
    """Strash, fold constants and drop dead ANDs of an AIG whose ANDs are in topological order.

    ``ands[j]`` are the fanin literals of variable ``n_inputs + 1 + j``; each fanin variable must be
    smaller than the gate's (checked by the callers)."""
    b = _AigBuilder(n_inputs)
    lit_map = list(range(2 * (n_inputs + 1)))
    for a0, a1 in ands:
        lit = b.and_(lit_map[a0], lit_map[a1])
        lit_map.append(lit)
        lit_map.append(lit ^ 1)
    outs = [lit_map[o] for o in outputs]
    kept, outs = _cleanup(n_inputs, b.ands, outs)
    return Aig(
        n_inputs,
        np.array(kept, dtype=np.int64).reshape(-1, 2),
        np.array(outs, dtype=np.int64),
        tuple(input_names),
        tuple(output_names),
    )


def circuit_to_aig(circuit: Circuit) -> Aig:
    """The AIG of ``circuit``: AND → AND, OR(a,b) → ¬(¬a ∧ ¬b), NOT → complemented edge; then
    strash, constant folding and dead-AND removal (module docstring)."""
    if not isinstance(circuit, Circuit):
        raise TypeError(f"circuit_to_aig: expected a Circuit, received {type(circuit).__name__}")
    n = circuit.n_inputs
    b = _AigBuilder(n)
    lit = fold_gates(
        circuit,
        [0, 1, *(2 * (i + 1) for i in range(n))],
        b.and_,
        lambda x, y: b.and_(x ^ 1, y ^ 1) ^ 1,
        lambda x: x ^ 1,
    )
    outs = [lit[o] for o in circuit.outputs.tolist()]
    kept, outs = _cleanup(n, b.ands, outs)
    return Aig(
        n,
        np.array(kept, dtype=np.int64).reshape(-1, 2),
        np.array(outs, dtype=np.int64),
        circuit.input_names,
        circuit.output_names,
    )


def _polarity_plan(aig: Aig, max_sweeps: int = 16) -> tuple[list[int], list[bool]]:
    """Native polarity ``p`` per variable and whether each variable needs a NOT gate.

    See the module docstring for the rule. ``cnt[u][q]`` counts the uses of variable ``u`` that
    need polarity ``q``; variable ``u`` needs a NOT iff ``cnt[u][1 - p(u)] > 0``.
    """
    n_in = aig.n_inputs
    first = n_in + 1
    n_vars = first + aig.n_ands
    ands = aig.ands.tolist()
    p = [0] * n_vars
    for j, (a, b) in enumerate(ands):
        if (a & 1) and (b & 1):
            p[first + j] = 1
    cnt0 = [0] * n_vars
    cnt1 = [0] * n_vars

    def add(u: int, q: int, d: int) -> None:
        if q:
            cnt1[u] += d
        else:
            cnt0[u] += d

    for j, (a, b) in enumerate(ands):
        pv = p[first + j]
        add(a >> 1, (a & 1) ^ pv, 1)
        add(b >> 1, (b & 1) ^ pv, 1)
    for o in aig.outputs.tolist():
        if o >> 1:
            add(o >> 1, o & 1, 1)

    def needs(u: int) -> bool:
        if u == 0:
            return False
        return (cnt0[u] if p[u] else cnt1[u]) > 0

    for _ in range(max_sweeps):
        improved = False
        for j, (a, b) in enumerate(ands):
            v = first + j
            ua, ub = a >> 1, b >> 1
            touched = {v, ua, ub}
            before = sum(needs(u) for u in touched)
            pv = p[v]
            add(ua, (a & 1) ^ pv, -1)
            add(ub, (b & 1) ^ pv, -1)
            p[v] = pv ^ 1
            add(ua, (a & 1) ^ p[v], 1)
            add(ub, (b & 1) ^ p[v], 1)
            after = sum(needs(u) for u in touched)
            if after < before:
                improved = True
            else:  # undo
                add(ua, (a & 1) ^ p[v], -1)
                add(ub, (b & 1) ^ p[v], -1)
                p[v] = pv
                add(ua, (a & 1) ^ pv, 1)
                add(ub, (b & 1) ^ pv, 1)
        if not improved:
            break
    return p, [needs(u) for u in range(n_vars)]


def basis_gate_counts(aig: Aig) -> dict[str, int]:
    """Gate counts in the basis {AND, OR, NOT} (SPEC 2.1) of the circuit :func:`aig_to_circuit`
    builds from ``aig``: ``AND + OR = A`` (the AIG's ANDs, each realised as ``AND(l0, l1)`` or as
    ``¬OR(¬l0, ¬l1)``) and ``NOT`` = number of variables used in their non-native polarity.

    ``aig`` must be normalised (no constant fanins, as produced by :func:`normalize_aig`).
    """
    p, need = _polarity_plan(aig)
    first = aig.n_inputs + 1
    n_or = sum(p[first:])
    return {"AND": aig.n_ands - n_or, "OR": n_or, "NOT": sum(need)}


def aig_to_circuit(aig: Aig) -> Circuit:
    """The {AND, OR, NOT} circuit of a normalised AIG, with the polarity rule of the module
    docstring; its :meth:`~occam.circuits.Circuit.gate_counts` equal :func:`basis_gate_counts`."""
    n_in = aig.n_inputs
    first = n_in + 1
    p, _ = _polarity_plan(aig)
    ops: list[int] = []
    fan: list[tuple[int, int]] = []
    node = [0] * (first + aig.n_ands)  # node realising variable v in its native polarity
    for i in range(n_in):
        node[i + 1] = 2 + i
    not_node: dict[int, int] = {}
    base = n_in + 2

    def lit_node(lit: int) -> int:
        u = lit >> 1
        if u == 0:
            return lit & 1
        if (lit & 1) == p[u]:
            return node[u]
        m = not_node.get(u)
        if m is None:
            m = base + len(ops)
            ops.append(int(Op.NOT))
            fan.append((node[u], node[u]))
            not_node[u] = m
        return m

    for j, (a, b) in enumerate(aig.ands.tolist()):
        v = first + j
        if p[v]:
            x, y = lit_node(a ^ 1), lit_node(b ^ 1)
            op = Op.OR
        else:
            x, y = lit_node(a), lit_node(b)
            op = Op.AND
        node[v] = base + len(ops)
        ops.append(int(op))
        fan.append((x, y))
    outs = [lit_node(o) for o in aig.outputs.tolist()]
    return Circuit(
        n_in,
        np.array(ops, dtype=np.uint8),
        np.array(fan, dtype=np.int64).reshape(-1, 2),
        np.array(outs, dtype=np.int64),
        aig.input_names or None,
        aig.output_names or None,
    )
