"""Composition of fixed-point circuits with clamps, and the telescoping error of eq. (1)
(SPEC 10; Jacot, Prop 5 and eq. (1)).

A composed function is a DAG of *stages*: stage j computes g_j of its children, each child being a
raw input coordinate x_i or another stage. Its circuit A_j (a
:class:`~occam.htmc.tables.FixedPointCircuit`) reads the concatenated codes of its children:

- a raw input x_i ∈ [a_i, a_i + ρ_i] as enc_k (SPEC 2.2): ``q = clip(floor((x − a)/ρ · 2^k), 0,
  2^k − 1)``, k unsigned bits, standing for the cell midpoint ``a + (q + ½) ρ / 2^k``;
- a stage child as its output word, a two's complement ``z`` read as ``z · 2^{-frac}``,
  **clamped** to the child's known range [lo, hi]: ``z ← clamp(z, ⌈lo 2^frac⌉, ⌊hi 2^frac⌋)``
  (:func:`occam.circuits.arith.clamp`). A clamp only reduces the error, because the exact g_j
  takes its values in [lo, hi] (Prop 5); it is omitted (0 gates) when the child circuit's exact
  code range already lies inside, as for a quantised truth table.

Error accounting (eq. (1)). Order the stages topologically, j = 1..N, and let H_j be the function
computed when stages 1..j are replaced by their (clamped) circuits and the others stay exact:
H_0 = f and H_N is the composed circuit (checked bit for bit against the built circuit).
Then f − H_N = Σ_j (H_{j−1} − H_j) exactly, so

    ‖f − H_N‖ ≤ Σ_j ‖H_{j−1} − H_j‖ ≤ Σ_j Lip_j · ‖g_j − A_j‖_{L²(π_j)},

where π_j is the distribution of stage j's inputs when all its descendants are approximate (the
pushforward of the data under the approximations, as in eq. (1)) and Lip_j bounds the Lipschitz
constant of the exact downstream map from stage j's value to the output: the sum over paths to the
output of the products of the per-argument derivative bounds of the stages on the path (chain
rule). For each stage the report gives its circuit size, its clamp gates, ‖g_j − A_j‖ on π_j,
Lip_j, the bound term and the measured telescoping term ‖H_{j−1} − H_j‖, next to the measured
total ‖f − H_N‖.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from occam.circuits import Builder, arith
from occam.circuits.encoding import bits_to_ints, ints_to_bits, quantize
from occam.errors import OccamError
from occam.htmc.tables import FixedPointCircuit

__all__ = [
    "ComposeError",
    "Composition",
    "Stage",
    "StageReport",
    "compose",
    "stage_input_widths",
]


class ComposeError(OccamError, ValueError):
    """Invalid composition (unknown child, cycle, width mismatch)."""


@dataclass(frozen=True)
class Stage:
    """One stage of a composition.

    name: unique name; children: raw input indices (int) or names of other stages (str);
    circuit: A_j, reading the children's codes in order; exact: g_j, float64 ``(n, arity) → (n,)``;
    out_range: the known range [lo, hi] of g_j (its output is clamped to it);
    partial_bounds: bounds on |∂g_j/∂u_a| for each argument a (for eq. (1)).
    """

    name: str
    children: tuple[int | str, ...]
    circuit: FixedPointCircuit
    exact: Callable[[np.ndarray], np.ndarray]
    out_range: tuple[float, float]
    partial_bounds: tuple[float, ...]

    def code_bounds(self) -> tuple[int, int]:
        """The clamp interval [⌈lo 2^frac⌉, ⌊hi 2^frac⌋] of the output codes."""
        s = 2.0**self.circuit.frac_bits
        return math.ceil(self.out_range[0] * s), math.floor(self.out_range[1] * s)

    def word_width(self) -> int:
        return arith.signed_width(*self.code_bounds())


@dataclass(frozen=True)
class StageReport:
    """One row of the eq. (1) account (see the module docstring)."""

    name: str
    size: int
    clamp_gates: int
    local_error: float
    lipschitz_downstream: float
    bound_term: float
    telescoping_term: float


@dataclass(frozen=True)
class Composition:
    """The composed circuit and its error account.

    circuit: the composed fixed-point circuit (inputs enc_k of the d raw coordinates, k bits
    each, coordinate-major, LSB first). stages: one :class:`StageReport` per stage (topological
    order). total_error: measured ‖f − C‖ (L² on the sample); total_error_linf its sup on the
    sample; sum_telescoping, sum_bound: the two sides of eq. (1); verified: the numpy evaluation
    H_N agreed with the simulated circuit on every sample point.
    """

    circuit: FixedPointCircuit
    stages: list[StageReport]
    total_error: float
    total_error_linf: float
    sum_telescoping: float
    sum_bound: float
    verified: bool

    @property
    def size(self) -> int:
        return self.circuit.size


def _order(stages: Sequence[Stage], d: int) -> list[Stage]:
    by_name = {}
    for s in stages:
        if s.name in by_name:
            raise ComposeError(f"compose: two stages are named {s.name!r}")
        by_name[s.name] = s
    done: set[str] = set()
    order: list[Stage] = []
    pending = list(stages)
    while pending:
        progressed = False
        for s in list(pending):
            for c in s.children:
                if isinstance(c, str) and c not in by_name:
                    raise ComposeError(f"compose: stage {s.name!r} reads unknown stage {c!r}")
                if not isinstance(c, str) and not 0 <= int(c) < d:
                    raise ComposeError(f"compose: stage {s.name!r} reads input {c}, d = {d}")
            if all(not isinstance(c, str) or c in done for c in s.children):
                order.append(s)
                done.add(s.name)
                pending.remove(s)
                progressed = True
        if not progressed:
            raise ComposeError(f"compose: the stages {[s.name for s in pending]} form a cycle")
    return order


class _Evaluator:
    """Numpy evaluation of hybrids H_j (stages 1..j approximate) on raw inputs x."""

    def __init__(self, order: list[Stage], k: int, domain: tuple[np.ndarray, np.ndarray]):
        self.order, self.k, self.domain = order, k, domain
        self.low = domain[0]
        self.rho = domain[1] - domain[0]

    def _child_codes(self, c: int | str, u: np.ndarray, by: dict[str, Stage]) -> np.ndarray:
        if isinstance(c, str):
            zlo, zhi = by[c].code_bounds()
            z = np.clip(np.round(u * 2.0 ** by[c].circuit.frac_bits), zlo, zhi).astype(np.int64)
            return ints_to_bits(z, by[c].word_width())
        q = np.clip(np.floor((u - self.low[c]) / self.rho[c] * 2**self.k), 0, 2**self.k - 1)
        return ints_to_bits(q.astype(np.int64), self.k)

    def approx(self, s: Stage, args: list[np.ndarray], by: dict[str, Stage]) -> np.ndarray:
        bits = np.concatenate(
            [self._child_codes(c, u, by) for c, u in zip(s.children, args, strict=True)], axis=1
        )
        z = s.circuit.codes(bits)
        zlo, zhi = s.code_bounds()
        return np.clip(z, zlo, zhi).astype(np.float64) * 2.0**-s.circuit.frac_bits

    def run(self, x: np.ndarray, n_approx: int) -> tuple[np.ndarray, dict[str, list]]:
        """H_{n_approx}(x) and each stage's argument values."""
        by = {s.name: s for s in self.order}
        val: dict[str, np.ndarray] = {}
        args_of: dict[str, list] = {}
        for j, s in enumerate(self.order):
            args = [val[c] if isinstance(c, str) else x[:, int(c)] for c in s.children]
            args_of[s.name] = args
            if j < n_approx:
                val[s.name] = self.approx(s, args, by)
            else:
                val[s.name] = np.asarray(s.exact(np.stack(args, axis=1)), dtype=np.float64)
        return val[self.order[-1].name], args_of


def _downstream_lipschitz(order: list[Stage]) -> dict[str, float]:
    lip = {s.name: 0.0 for s in order}
    lip[order[-1].name] = 1.0
    for s in reversed(order):
        for a, c in enumerate(s.children):
            if isinstance(c, str):
                lip[c] += s.partial_bounds[a] * lip[s.name]
    return lip


def _build(order: list[Stage], d: int, k: int) -> tuple[FixedPointCircuit, dict[str, int]]:
    b = Builder()
    xs = [b.inputs(k, prefix=f"x{i}_") for i in range(d)]
    words: dict[str, list[int]] = {}
    clamp_gates: dict[str, int] = {}
    by = {s.name: s for s in order}
    for s in order:
        operands = []
        for c in s.children:
            operands += words[c] if isinstance(c, str) else xs[int(c)]
        if len(operands) != s.circuit.circuit.n_inputs:
            raise ComposeError(
                f"compose: stage {s.name!r} has {s.circuit.circuit.n_inputs} inputs but its "
                f"children give {len(operands)} bits"
            )
        out = b.add_circuit(s.circuit.circuit, operands)
        zlo, zhi = s.code_bounds()
        before = b.n_gates
        lo_code, hi_code = s.circuit.code_range
        if zlo <= lo_code and hi_code <= zhi:
            word = arith.resize(out, s.word_width())  # values already in range: no clamp needed
        else:
            word = arith.clamp(b, out, zlo, zhi)
        clamp_gates[s.name] = b.n_gates - before
        words[s.name] = arith.resize(word, s.word_width())
    root = by[order[-1].name]
    for h in words[root.name]:
        b.output(h)
    circuit = b.build()
    return FixedPointCircuit(circuit, root.circuit.frac_bits, root.code_bounds()), clamp_gates


def compose(
    stages: Sequence[Stage],
    *,
    d: int,
    k: int,
    domain: tuple[Sequence[float], Sequence[float]],
    x_eval: np.ndarray,
) -> Composition:
    """Compose the stages (the last one in topological order is the output) with clamps between
    stages, build the circuit, and account for its error on the sample ``x_eval`` (``(n, d)``) as
    in eq. (1). Raw inputs are encoded with ``k`` bits over ``domain = (low, high)``."""
    order = _order(stages, d)
    low = np.broadcast_to(np.asarray(domain[0], np.float64), (d,))
    high = np.broadcast_to(np.asarray(domain[1], np.float64), (d,))
    x_eval = np.asarray(x_eval, np.float64)
    if x_eval.ndim != 2 or x_eval.shape[1] != d:
        raise ComposeError(f"compose: x_eval must have shape (n, {d}), got {x_eval.shape}")
    fp, clamp_gates = _build(order, d, k)
    ev = _Evaluator(order, k, (low, high))
    hybrids = [ev.run(x_eval, j)[0] for j in range(len(order) + 1)]
    _, args_full = ev.run(x_eval, len(order))
    bits = ints_to_bits(quantize(x_eval, (low, high), k).astype(np.int64), k).reshape(
        x_eval.shape[0], d * k
    )
    circuit_out = bits_to_ints(fp.circuit.simulate(bits), signed=True) * 2.0**-fp.frac_bits
    verified = bool(np.array_equal(circuit_out, hybrids[-1]))
    lip = _downstream_lipschitz(order)
    by = {s.name: s for s in order}
    rows = []
    for j, s in enumerate(order):
        args = args_full[s.name]
        local = np.sqrt(np.mean((s.exact(np.stack(args, axis=1)) - ev.approx(s, args, by)) ** 2))
        tele = float(np.sqrt(np.mean((hybrids[j] - hybrids[j + 1]) ** 2)))
        rows.append(
            StageReport(
                s.name,
                s.circuit.size,
                clamp_gates[s.name],
                float(local),
                lip[s.name],
                float(local) * lip[s.name],
                tele,
            )
        )
    err = hybrids[0] - circuit_out
    return Composition(
        fp,
        rows,
        float(np.sqrt(np.mean(err**2))),
        float(np.max(np.abs(err))),
        float(sum(r.telescoping_term for r in rows)),
        float(sum(r.bound_term for r in rows)),
        verified,
    )


def stage_input_widths(stage: Stage, stages: Sequence[Stage], k: int) -> list[int]:
    """The bit width of each operand stage ``stage`` reads: k for a raw input, the clamped word
    width of a stage child."""
    by = {s.name: s for s in stages}
    return [by[c].word_width() if isinstance(c, str) else k for c in stage.children]
