"""Verified circuits of compositional targets and of the control (SPEC 13 with SPEC 10).

Two constructions, both exact truth tables of quantised functions (the per-node circuits here are
truth-table circuits of each node function; the per-node *compiled* construction, trained node
nets compiled to arithmetic circuits and composed the same way, is
:mod:`occam.compositional.compiled_nodes`):

- **per-node composition** (:func:`compose_target`): every constituent function g_v becomes the
  table circuit (:func:`occam.htmc.tables.table_circuit`) of its quantisation: its operands are
  the codes of its children (enc_k of a raw input, standing for the cell midpoint; or a child's
  output word, read as z·2^{-F}), its output is ``clip(round(g_v · 2^F), ⌈−r_v 2^F⌉, ⌊r_v 2^F⌋)``
  with [−r_v, r_v] the node's certified range. Out-of-range operand codes (never produced) are
  filled with the value at the clamped code. The stages are chained by
  :func:`occam.htmc.compose.compose`, which clamps between stages where a stage's codes could
  leave the next stage's range (for these tables they cannot, so the clamps cost 0 gates) and
  reports each stage's error contribution (eq. (1)).
- **flat table** (:func:`flat_table_circuit`): one table over all d·k input bits, for any target
  (the control, or a compositional target treated as a black box); its size grows like 2^{dk}, so
  it is only built up to a stated number of input bits.

The error of every circuit is measured by simulating it on a uniform test sample (L² on Ω), and
:func:`size_at_error` searches the precisions (k, F) for the smallest circuit with error ≤ ε,
recording every circuit it built.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from occam.circuits.arith import signed_width
from occam.circuits.encoding import bits_to_ints, ints_to_bits, quantize
from occam.compositional.targets import CompositionalTarget
from occam.htmc.compose import Composition, Stage, compose
from occam.htmc.tables import table_circuit

__all__ = [
    "BuiltCircuit",
    "compose_target",
    "flat_table_circuit",
    "size_at_error",
]

DOMAIN = (-1.0, 1.0)


@dataclass(frozen=True)
class BuiltCircuit:
    """A circuit actually built and simulated: construction, precisions, size, measured error
    (L² and sup on the test sample) and, for compositions, the eq. (1) account. For compiled
    node circuits (:mod:`occam.compositional.compiled_nodes`) also the weight and activation
    fractional bits F_w, F_a (``frac_bits`` is then F_o), whether ABC optimised the nodes and the
    fraction ``keep`` of node-net parameters kept by pruning."""

    construction: str
    k: int
    frac_bits: int
    size: int
    error_l2: float
    error_linf: float
    composition: Composition | None = None
    weight_bits: int | None = None
    act_bits: int | None = None
    abc: bool = False
    keep: float | None = None


def _midpoints(k: int) -> np.ndarray:
    q = np.arange(2**k)
    return DOMAIN[0] + (q + 0.5) * (DOMAIN[1] - DOMAIN[0]) / 2**k


def _operand_values(width: int, signed: bool, zlo: int, zhi: int, frac: int) -> np.ndarray:
    codes = np.arange(2**width)
    if signed:
        codes = np.where(codes >= 2 ** (width - 1), codes - 2**width, codes)
        return np.clip(codes, zlo, zhi) * 2.0**-frac
    return codes


def _node_stage(target: CompositionalTarget, v, k: int, frac: int, stages: dict) -> Stage:
    g = target.nodes[v]
    lo, hi = g.out_range
    zlo, zhi = math.ceil(lo * 2**frac), math.floor(hi * 2**frac)
    operand_values, children = [], []
    for c in target.graph.children[v]:
        if target.graph.is_input(c):
            operand_values.append(_midpoints(k))
            children.append(target.graph.input_index(c))
        else:
            s = stages[c]
            clo, chi = s.code_bounds()
            operand_values.append(_operand_values(s.word_width(), True, clo, chi, frac))
            children.append(str(c))
    # row r = concatenation of operand codes, operand 0 in the low bits
    grids = np.meshgrid(*operand_values[::-1], indexing="ij")
    args = np.stack([gr.reshape(-1) for gr in grids[::-1]], axis=1)
    codes = np.clip(np.round(g(args) * 2**frac), zlo, zhi).astype(np.int64)
    fp = table_circuit(codes, frac, width=signed_width(zlo, zhi))
    return Stage(str(v), tuple(children), fp, g, (lo, hi), g.partial_bounds)


def compose_target(
    target: CompositionalTarget, k: int, frac: int, x_eval: np.ndarray
) -> BuiltCircuit:
    """The per-node composition at input precision k and node output precision F = frac."""
    stages: dict = {}
    for v in target.graph.internal:
        stages[v] = _node_stage(target, v, k, frac, stages)
    comp = compose(list(stages.values()), d=target.d, k=k, domain=DOMAIN, x_eval=x_eval)
    if not comp.verified:
        raise AssertionError("compose_target: the composed circuit disagrees with its model")
    return BuiltCircuit(
        "per-node", k, frac, comp.size, comp.total_error, comp.total_error_linf, comp
    )


def flat_table_circuit(
    fn: Callable[[np.ndarray], np.ndarray], d: int, k: int, frac: int, x_eval: np.ndarray
) -> BuiltCircuit:
    """One truth table over the d·k input bits of fn at the cell midpoints (output z·2^{-F})."""
    mids = _midpoints(k)
    rows = np.arange(2 ** (d * k), dtype=np.int64)
    q = np.stack([(rows >> (i * k)) & (2**k - 1) for i in range(d)], axis=1)
    codes = np.round(np.asarray(fn(mids[q])) * 2**frac).astype(np.int64)
    fp = table_circuit(codes, frac)
    bits = ints_to_bits(quantize(x_eval, DOMAIN, k).astype(np.int64), k).reshape(len(x_eval), -1)
    out = bits_to_ints(fp.circuit.simulate(bits), signed=True) * 2.0**-frac
    err = np.asarray(fn(x_eval)) - out
    return BuiltCircuit(
        "flat table", k, frac, fp.size, float(np.sqrt(np.mean(err**2))), float(np.abs(err).max())
    )


def size_at_error(
    build: Callable[[int, int], BuiltCircuit | None],
    eps: float,
    *,
    k_values: tuple[int, ...] = (1, 2, 3, 4, 5, 6),
    frac_offsets: tuple[int, ...] = (0, 1, 2),
    frac_min: int = 1,
) -> tuple[BuiltCircuit | None, list[BuiltCircuit]]:
    """Search input precision k (increasing) and output precision F = k + offset for the
    smallest circuit with L² error ≤ eps. ``build(k, F)`` returns a built circuit, or None when
    that precision is over budget. Stops after the first k at which some F meets eps (larger k
    only add gates for these tables). Returns (best or None, every circuit built)."""
    built: list[BuiltCircuit] = []
    for k in k_values:
        here = []
        for off in frac_offsets:
            c = build(k, max(frac_min, k + off))
            if c is not None:
                here.append(c)
        built += here
        ok = [c for c in here if c.error_l2 <= eps]
        if ok:
            return min(ok, key=lambda c: c.size), built
        if not here:
            break
    return None, built
