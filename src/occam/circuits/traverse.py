"""The traversals every circuit algorithm shares (STYLE 1, mockturtle's generic algorithms).

Three views of a gate list in topological order (node ids as in :mod:`occam.circuits.core`:
constants 0 and 1, inputs ``2 .. n_inputs + 1``, gate ``g`` is node ``first + g``):

* :func:`output_cone` — which nodes lie in the cone of some output (one backward pass, compiled);
  it serves :meth:`Circuit.cleanup` (and through it :meth:`Builder.build`), the AIG cleanup of
  :mod:`occam.circuits.io.aig`, the simulation plan and the AND/OR plan below.
* :func:`fold_gates` — one forward pass dispatching each gate to ``and_(a, b)``, ``or_(a, b)`` or
  ``not_(a)`` on the values of its fanins (mockturtle's ``simulate_nodes`` with a node-type
  ``compute``): the same loop instantiates a circuit in a builder, maps it to an AIG, writes it as
  BLIF or Verilog and simulates it on Python integers.
* :func:`and_or_plan` — the circuit with its NOT gates folded into complemented edges, constants
  and trivial gates folded away, and the remaining AND/OR gates grouped by ASAP level. It is the
  one plan behind both ReLU constructions (SPEC 8, :mod:`occam.nets.from_circuit`, and SPEC 9.4,
  :mod:`occam.tetrakis.resnet`): a residual block per level, a fresh coordinate per gate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit

if TYPE_CHECKING:  # annotations only: core imports this module
    from occam.circuits.core import Circuit

__all__ = ["AndOrPlan", "Lit", "PlanGate", "and_or_plan", "fold_gates", "output_cone"]

AND, OR, NOT = 0, 1, 2  # the codes of occam.circuits.core.Op (core imports this module)


@njit(cache=True)
def _cone_kernel(first, fanins, outputs, live):  # pragma: no cover - numba
    for o in range(outputs.shape[0]):
        live[outputs[o]] = True
    for g in range(fanins.shape[0] - 1, -1, -1):
        if live[first + g]:
            live[fanins[g, 0]] = True
            live[fanins[g, 1]] = True


def output_cone(first: int, fanins: Any, outputs: Any) -> np.ndarray:
    """Bool ``(first + n_gates,)``: node ``v`` lies in the cone of some output.

    ``fanins`` is ``(n_gates, 2)`` node ids with gate ``g`` = node ``first + g`` reading smaller
    ids; ``outputs`` the output node ids. One backward pass: an output is live, and the fanins of
    a live gate are live. Sources (ids below ``first``) are marked when read.
    """
    fa = np.ascontiguousarray(fanins, dtype=np.int64).reshape(-1, 2)
    out = np.ascontiguousarray(outputs, dtype=np.int64).reshape(-1)
    live = np.zeros(int(first) + fa.shape[0], dtype=np.bool_)
    _cone_kernel(int(first), fa, out, live)
    return live


def fold_gates(
    circuit: Circuit,
    sources: Sequence[Any],
    and_: Callable[[Any, Any], Any],
    or_: Callable[[Any, Any], Any],
    not_: Callable[[Any], Any],
    *,
    live: np.ndarray | None = None,
) -> list[Any]:
    """Values of every node: ``sources`` for the constants and inputs (``n_inputs + 2`` values,
    False first), then gate by gate ``and_(v[a], v[b])``, ``or_(v[a], v[b])`` or ``not_(v[a])``.

    With ``live`` (bool per gate) a dead gate gets ``None`` and no call: no live gate reads it.
    Returns the list of ``n_nodes`` values; the outputs are ``[values[o] for o in outputs]``.
    """
    values = list(sources)
    if len(values) != circuit.n_inputs + 2:
        raise ValueError(
            f"fold_gates: expected {circuit.n_inputs + 2} source values, received {len(values)}"
        )
    ops = circuit.ops.tolist()
    fan = circuit.fanins.tolist()
    alive = [True] * len(ops) if live is None else np.asarray(live, dtype=bool).tolist()
    for op, (a, b), keep in zip(ops, fan, alive, strict=True):
        if not keep:
            values.append(None)
        elif op == AND:
            values.append(and_(values[a], values[b]))
        elif op == OR:
            values.append(or_(values[a], values[b]))
        else:
            values.append(not_(values[a]))
    return values


# ------------------------------------------------------------------------------- AND/OR plan
#: reference of the constant False in a :class:`Lit` (True is its complement)
CONST = -1


@dataclass(frozen=True)
class Lit:
    """A node's value as ``ref`` complemented ``neg`` times: ``ref`` is :data:`CONST` (False),
    an input ``0 .. n_inputs − 1`` or a materialised gate ``n_inputs + k``."""

    ref: int
    neg: bool

    def __invert__(self) -> Lit:
        return Lit(self.ref, not self.neg)

    @property
    def is_const(self) -> bool:
        return self.ref == CONST


@dataclass(frozen=True)
class PlanGate:
    """Materialised gate ``k`` (reference ``n_inputs + k``): ``op`` (0 AND, 1 OR) of ``a`` and
    ``b``, ``a`` the operand of lower (or equal) level."""

    k: int
    op: int
    a: Lit
    b: Lit


@dataclass(frozen=True)
class AndOrPlan:
    """Result of :func:`and_or_plan`: ``node_lit[v]`` for every node, ``outputs`` the output
    literals, ``levels[ℓ − 1]`` the gates of level ℓ = 1 + max(level of the operands' refs)
    (inputs and constants at level 0), ``n_gates`` the materialised gates."""

    n_inputs: int
    node_lit: tuple[Lit, ...]
    outputs: tuple[Lit, ...]
    levels: tuple[tuple[PlanGate, ...], ...]
    n_gates: int


def and_or_plan(circuit: Circuit, *, fold_complements: bool) -> AndOrPlan:
    """Fold NOTs into edges, fold constants and trivial gates, level the rest (module docstring).

    Rules, for live gates only (dead gates are never read): ``NOT(x) = ¬x``; ``op(x, x) = x``;
    constants evaluate; ``AND(x, 1) = x``, ``AND(x, 0) = 0``, dually for OR; with
    ``fold_complements`` also ``AND(x, ¬x) = 0`` and ``OR(x, ¬x) = 1`` (the Boolean identities;
    the min/max and homogeneous constructions keep them as gates because their real-valued
    gates are not Boolean off the cube). Every other gate is materialised, in gate order.
    """
    n = circuit.n_inputs
    false = Lit(CONST, False)
    true = ~false
    ref_level = {CONST: 0, **{i: 0 for i in range(n)}}
    by_level: dict[int, list[PlanGate]] = {}

    def gate(op: int, a: Lit, b: Lit) -> Lit:
        absorbing, neutral = (false, true) if op == AND else (true, false)
        if a == b:
            return a
        if a.is_const and b.is_const:
            return absorbing if absorbing in (a, b) else neutral
        if a.is_const or b.is_const:
            c, other = (a, b) if a.is_const else (b, a)
            return absorbing if c == absorbing else other
        if a.ref == b.ref and fold_complements:
            return absorbing
        ref = len(ref_level) - 1  # n_inputs + k for the k-th materialised gate
        if ref_level[a.ref] > ref_level[b.ref]:
            a, b = b, a
        level = 1 + ref_level[b.ref]
        ref_level[ref] = level
        by_level.setdefault(level, []).append(PlanGate(ref - n, op, a, b))
        return Lit(ref, False)

    live = output_cone(n + 2, circuit.fanins, circuit.outputs)[n + 2 :]
    node_lit = fold_gates(
        circuit,
        [false, true, *(Lit(i, False) for i in range(n))],
        lambda a, b: gate(AND, a, b),
        lambda a, b: gate(OR, a, b),
        lambda a: ~a,
        live=live,
    )
    levels = tuple(tuple(by_level[lv]) for lv in sorted(by_level))
    return AndOrPlan(
        n_inputs=n,
        node_lit=tuple(node_lit),
        outputs=tuple(node_lit[o] for o in circuit.outputs.tolist()),
        levels=levels,
        n_gates=len(ref_level) - n - 1,
    )
