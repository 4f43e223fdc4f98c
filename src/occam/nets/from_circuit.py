"""Circuit → ResNet (SPEC 8; paper Prop 12), and the sparse ReLU-program builder behind it.

It lives on the torch side (``occam.nets``) so that :mod:`occam.circuits` stays free of PyTorch;
``occam.circuits.to_resnet`` forwards here at call time. The NOT folding and the levelling of the
gates are :func:`occam.circuits.traverse.and_or_plan`, shared with the Tetrakis network of SPEC 9.4.
The report with R(θ) per engine is :func:`occam.complexity.circuit_nets.to_resnet_report`.

Encoding. True/false are the reals +1/−1. The network's input is the circuit's input bits as ±1
reals (``d_in = n_inputs``, column i = input i); output o is +1/−1 for true/false
(:func:`bits_to_signs`, :func:`signs_to_bits`, :func:`simulate_resnet`).

Construction (SPEC 8). The residual stream has one coordinate per input and one fresh coordinate per
*materialised* gate; gate g of ASAP level ℓ (levels counted over materialised gates) is computed by
residual block ℓ − 1, which writes its value into its coordinate (initially 0); gates outside every
output cone are dropped (they cannot affect f). NOT gates are linear
(NOT a = −a) and are folded into the signs of the entries that read them, so they cost no unit and
no coordinate (this is SPEC 8's "NOT a = −a"; carrying −a through the pair σ(−a) − σ(a) would only
add parameters). Constants are ±(the constant coordinate α_{w+1} = 1). Trivial gates are folded
exactly (AND(a, a) = a, AND(a, 1) = a, AND(a, 0) = 0, constant operands, and dually for OR), which
is exact on the whole box [−1, 1]^n because every value stays in [−1, 1].

``gates="minmax"`` (default; SPEC 8 / Prop 12): AND = min, OR = max, so the network is the min/max
extension of the circuit to the box [−1, 1]^n::

    min(c, o) = c − σ(c − o),  c carried as σ(c + 1) − σ(1)        (units σ(c+1), σ(1), σ(c−o))
    max(c, o) = c + σ(o − c),  c carried as σ(1) − σ(1 − c)        (units σ(1−c), σ(1), σ(o−c))

The carried operand c is the one of lower level. The carries are SPEC 8's "linear value through a
ReLU" specialised to the box (c ≥ −1, resp. c ≤ 1, holds there); compared with the general pair
σ(c) − σ(−c) they need one unit instead of two, the interval engine sees a derivative of magnitude 1
instead of 2 on the carried edge, and their kinks sit where torch's convention σ'(0) = 0 keeps every
gate's gradient one-hot or zero (see below). AND(x, ¬x) = −|x| = −σ(x) − σ(−x) and OR(x, ¬x) = |x|.

``gates="boolean"``: the affine ±1 gates AND(a, b) = σ(a + b) − σ(1), OR(a, b) = σ(1) − σ(−a − b)
(one unit per gate plus the block's shared σ(1)). They agree with the circuit on {±1}^n (not with
min/max inside the box), keep every coordinate in [−1, 1] on the box *and* under interval bound
propagation, and are the variant whose *certified* R is linear in |C| for formulas.

Sparsity. Every entry is in {−1, 0, +1}. Nonzeros ≤ 7·m + L + n_outputs ≤ 8·|C| + n_outputs
(``minmax``) and ≤ 4·m + L + n_outputs ≤ 5·|C| + n_outputs (``boolean``), m ≤ |C| the number of
materialised gates and L ≤ depth the number of blocks (one σ(1) unit per block). Width
w = n_inputs + m; hidden k = 1 + 3·(max materialised gates in one level) at most.

Complexity (SPEC 4.3 R(θ), domain Ω = [−1, 1]^n), per materialised gate g with Lipschitz weight
D_g = sup ‖∂f/∂α_g‖₂:

* ``minmax``: a gate contributes at most 9·D_g (W: D_g(2 + 1 + 2) with B ≤ 2, 1, 2; V: 2 + 2
  with Δ ≤ 1), each block's σ(1) row at most √n_out, each output 1. Every AND/OR is a min/max,
  so at every point of the box (ties included, with σ'(0) = 0) the gradient of a gate w.r.t. its
  two operands is one-hot or zero; following selected edges back from output o gives at most one
  path, so |∂f_o/∂α_g| ≤ 1 and D_g ≤ √n_out (Prop 12). Hence, with the true sups and for the
  *empirical* engine on any sample in the box::

      R(θ) ≤ √n_out · (9·|C| + L) + n_out ≤ 10·√n_out·|C| + n_out      (c = 10 for one output).

  The certified engines cannot see the one-hot structure: interval bound propagation of
  c − σ(c − o) over c, o ∈ [−1, 1] gives [−3, 1], so the interval Δ grows with depth, and the
  global engine charges 2 per carried edge; R_interval and R_global of ``minmax`` are therefore not
  O(|C|) in general (they are reported, and bounded by R_global ≥ R_interval ≥ R_empirical).
* ``boolean``: every coordinate's interval box is [−1, 1] (up to outward rounding) and each edge's
  interval/global derivative has magnitude ≤ 1, so D_g ≤ P(g) := ‖(number of paths g → output o)_o‖₂
  for both certified engines and a gate contributes at most 6·D_g (W: 3, V: 2, shared σ(1): 1)::

      R_interval ≤ R_global ≤ 6·Σ_{g AND/OR} P(g) + n_out           (:func:`path_weight`)

  For formulas (every gate read at most once, outputs included) P(g) ≤ 1, so
  R_interval ≤ R_global ≤ 6·|C| + n_out. For circuits with reconvergent fan-out Σ P(g) can grow
  exponentially with depth; both engines then count paths (and for ``boolean`` so can the true sup:
  where every unit on the paths is active, ∂f/∂α_g is the path count).

Measured (interval engine, one output): an AND chain of depth 4/16/64 gives R/|C| ≈ 18/42/138 for
``minmax`` and ≈ 6.2/6.1/6.0 for ``boolean``; balanced AND/OR trees of 3/15/63 gates give
R_interval/|C| ≈ 15/25/50 and R_global/|C| ≈ 18/41/93 for ``minmax``, ≈ 6.3/6.1/6.0 for ``boolean``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import torch

from occam.circuits.core import Circuit, Op
from occam.circuits.traverse import CONST, Lit, and_or_plan
from occam.nets.resnet import ResNet

__all__ = [
    "BIAS",
    "ReLUProgram",
    "bits_to_signs",
    "combine",
    "lit_form",
    "path_weight",
    "signs_to_bits",
    "simulate_resnet",
    "to_resnet",
]

#: Key of the constant coordinate α_{w+1} = 1 in a linear form.
BIAS = -1
#: Largest dense ResNet (bytes of V_ℓ and W_ℓ in float64) that :class:`ReLUProgram` will build.
MAX_DENSE_BYTES = 4 * 2**30

Form = dict[int, float]


def _form_key(form: Form) -> tuple[tuple[int, float], ...]:
    return tuple(sorted((int(c), float(v)) for c, v in form.items() if v != 0.0))


def combine(*terms: tuple[float, Form]) -> Form:
    """The linear form Σ coef·form (coordinates as keys, :data:`BIAS` for the constant 1)."""
    out: Form = {}
    for coef, form in terms:
        for col, val in form.items():
            out[col] = out.get(col, 0.0) + coef * val
    return {c: v for c, v in out.items() if v != 0.0}


class _Block:
    """One residual block: hidden units σ(form) (deduplicated) and writes coord += coef·unit."""

    def __init__(self) -> None:
        self.units: list[Form] = []
        self._index: dict[tuple, int] = {}
        self.writes: dict[tuple[int, int], float] = {}

    def unit(self, form: Form) -> int:
        key = _form_key(form)
        if key not in self._index:
            self._index[key] = len(self.units)
            self.units.append(dict(key))
        return self._index[key]

    def write(self, coord: int, unit: int, coef: float) -> None:
        key = (coord, unit)
        self.writes[key] = self.writes.get(key, 0.0) + coef


class ReLUProgram:
    """Builder of an explicit SPEC 3 ResNet from sparse linear forms.

    Coordinates 0..d_in−1 hold the input; :meth:`coord` allocates a fresh residual coordinate
    (value 0 until a block writes to it). A block's hidden units are σ(form) for linear forms over
    the coordinates present *before* the block (:data:`BIAS` = the constant 1); :meth:`_Block.write`
    adds coef·unit to a coordinate. Residual coordinates persist, so later blocks may read any
    earlier value. :meth:`build` returns ``ResNet.from_matrices`` with k = max units per block.
    """

    def __init__(self, d_in: int) -> None:
        if d_in < 1:
            raise ValueError(f"ReLUProgram: d_in must be >= 1, received {d_in}")
        self.d_in = int(d_in)
        self.n_coords = int(d_in)
        self.blocks: list[_Block] = []

    def coord(self) -> int:
        self.n_coords += 1
        return self.n_coords - 1

    def block(self) -> _Block:
        self.blocks.append(_Block())
        return self.blocks[-1]

    def build(self, outputs: list[Form], *, dtype: torch.dtype = torch.float64) -> ResNet:
        """Assemble V_ℓ, W_ℓ and V_L = rows ``outputs`` (linear forms of the last activations)."""
        w = self.n_coords
        blocks = [b for b in self.blocks if b.units]
        k = max([len(b.units) for b in blocks], default=1)
        n_bytes = 8 * len(blocks) * k * (2 * w + 1)
        if n_bytes > MAX_DENSE_BYTES:
            raise ValueError(
                f"ReLUProgram.build: the dense ResNet would need {n_bytes / 2**30:.1f} GiB "
                f"(depth {len(blocks)}, width {w}, hidden {k}); the limit is "
                f"{MAX_DENSE_BYTES / 2**30:.0f} GiB (occam.ResNet stores dense matrices)"
            )
        Vs, Ws = [], []
        for b in blocks:
            V = np.zeros((k, w + 1))
            W = np.zeros((w, k))
            for m, form in enumerate(b.units):
                for col, val in form.items():
                    V[m, w if col == BIAS else col] += val
            for (coord, m), val in b.writes.items():
                W[coord, m] += val
            Vs.append(torch.from_numpy(V))
            Ws.append(torch.from_numpy(W))
        V_out = np.zeros((max(len(outputs), 1), w + 1))
        for o, form in enumerate(outputs):
            for col, val in form.items():
                V_out[o, w if col == BIAS else col] += val
        return ResNet.from_matrices(Vs, Ws, torch.from_numpy(V_out), self.d_in, dtype=dtype)


# ---------------------------------------------------------------------------------------------
# SPEC 8


def _check_circuit(circuit: Any, fn: str) -> Circuit:
    if not isinstance(circuit, Circuit):
        raise TypeError(f"{fn}: circuit must be an occam.circuits.Circuit, received {circuit!r}")
    return circuit


def lit_form(lit: Lit) -> Form:
    """The ±1 value of a plan literal as a linear form: the coordinate of its reference (input i is
    coordinate i, materialised gate k is coordinate n_inputs + k, in the order
    :meth:`ReLUProgram.coord` allocates them), negated for ¬ (NOT a = −a); False is −1."""
    sign = -1.0 if lit.neg else 1.0
    return {BIAS: -sign} if lit.ref == CONST else {lit.ref: sign}


def to_resnet(
    circuit: Circuit,
    *,
    gates: Literal["minmax", "boolean"] = "minmax",
    dtype: torch.dtype = torch.float64,
) -> ResNet:
    """The ResNet of SPEC 8 / Prop 12 computing ``circuit`` in the ±1 encoding.

    Input: the circuit's input bits as reals, true = +1, false = −1 (``d_in = n_inputs``; see
    :func:`bits_to_signs`). Output o: +1/−1 for true/false (``d_out = n_outputs``; see
    :func:`signs_to_bits`). One residual block per ASAP level of the materialised AND/OR gates
    (:func:`occam.circuits.traverse.and_or_plan`), each gate written into a fresh coordinate; all
    entries in {−1, 0, 1}. The construction, the sparsity count and the complexity bounds
    (``minmax``: R ≤ 10·√n_out·|C| + n_out with the true sups and the empirical engine;
    ``boolean``: R_interval ≤ R_global ≤ 6·Σ_g P(g) + n_out, which is 6·|C| + n_out for
    formulas) are stated and derived in the module docstring.

    Raises ``ValueError`` for a circuit without inputs or outputs (a ResNet needs d_in, d_out ≥ 1).
    """
    circuit = _check_circuit(circuit, "to_resnet")
    if gates not in ("minmax", "boolean"):
        raise ValueError(f"to_resnet: gates must be 'minmax' or 'boolean', received {gates!r}")
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"to_resnet: dtype must be torch.float32 or torch.float64, got {dtype}")
    n = circuit.n_inputs
    if n < 1 or circuit.n_outputs < 1:
        raise ValueError(
            "to_resnet: the circuit needs at least one input and one output (a ResNet has "
            f"d_in, d_out >= 1), received n_inputs={n}, n_outputs={circuit.n_outputs}"
        )
    plan = and_or_plan(circuit, fold_complements=gates == "boolean")
    prog = ReLUProgram(n)
    for _ in range(plan.n_gates):  # coordinate n + k holds materialised gate k
        prog.coord()
    one = {BIAS: 1.0}
    for level in plan.levels:
        blk = prog.block()
        k1 = blk.unit(one)
        for g in level:
            col = n + g.k
            a, b = lit_form(g.a), lit_form(g.b)  # a: the operand of lower level
            sign = 1.0 if g.op == Op.OR else -1.0
            if g.a.ref == g.b.ref:  # minmax: AND(x, ¬x) = −|x|, OR(x, ¬x) = |x|
                blk.write(col, blk.unit(a), sign)
                blk.write(col, blk.unit(combine((-1.0, a))), sign)
            elif gates == "boolean":
                s = combine((1.0, a), (1.0, b))
                if g.op == Op.AND:  # σ(a + b) − σ(1)
                    blk.write(col, blk.unit(s), 1.0)
                    blk.write(col, k1, -1.0)
                else:  # σ(1) − σ(−a − b)
                    blk.write(col, blk.unit(combine((-1.0, s))), -1.0)
                    blk.write(col, k1, 1.0)
            elif g.op == Op.AND:  # min(a, b) = σ(a + 1) − σ(1) − σ(a − b), a carried
                blk.write(col, blk.unit(combine((1.0, a), (1.0, one))), 1.0)
                blk.write(col, k1, -1.0)
                blk.write(col, blk.unit(combine((1.0, a), (-1.0, b))), -1.0)
            else:  # max(a, b) = σ(1) − σ(1 − a) + σ(b − a), a carried
                blk.write(col, blk.unit(combine((1.0, one), (-1.0, a))), -1.0)
                blk.write(col, k1, 1.0)
                blk.write(col, blk.unit(combine((1.0, b), (-1.0, a))), 1.0)
    return prog.build([lit_form(lit) for lit in plan.outputs], dtype=dtype)


# ---------------------------------------------------------------------------------------------
# encoding helpers


def bits_to_signs(bits: Any) -> np.ndarray:
    """Bool / {0,1} array → float64 ±1 (true = +1, false = −1): the input encoding of SPEC 8."""
    b = np.asarray(bits)
    if b.dtype != bool:
        if b.size and not np.all((b == 0) | (b == 1)):
            raise ValueError("bits_to_signs: bits must be bool or 0/1 values")
        b = b.astype(bool)
    return np.where(b, 1.0, -1.0)


def signs_to_bits(y: Any) -> np.ndarray:
    """The {0,1} decoding of the ±1 output: bool array, true where y > 0."""
    return np.asarray(y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else y) > 0


def simulate_resnet(model: ResNet, bits: Any) -> np.ndarray:
    """Run a :func:`to_resnet` network on bool inputs (n, n_inputs); bool outputs (n, n_outputs)."""
    x = torch.as_tensor(bits_to_signs(bits), dtype=model.V_out.dtype)
    if x.ndim != 2:
        raise ValueError(f"simulate_resnet: bits must have shape (n, d_in), received {x.shape}")
    with torch.no_grad():
        return signs_to_bits(model(x))


def path_weight(circuit: Circuit) -> float:
    """Σ over AND/OR gates g of P(g) = ‖(number of paths from g to output o)_o‖₂ (float64).

    Paths follow every fanin edge (NOT gates included, a gate reading one node twice counts two
    edges); an output reading node v directly is one path. The bound of :func:`to_resnet` with
    ``gates="boolean"`` is R_interval ≤ R_global ≤ 6·path_weight + n_out; for a formula (every node
    read at most once) P(g) ≤ 1, so path_weight ≤ |C|.
    """
    circuit = _check_circuit(circuit, "path_weight")
    n_nodes = circuit.n_inputs + 2 + circuit.n_gates
    paths = np.zeros((n_nodes, circuit.n_outputs))
    for o, node in enumerate(circuit.outputs.tolist()):
        paths[node, o] += 1.0
    first = circuit.n_inputs + 2
    ops = circuit.ops
    for g in range(circuit.n_gates - 1, -1, -1):
        fa, fb = circuit.fanins[g].tolist()
        paths[fa] += paths[first + g]
        if ops[g] != Op.NOT:
            paths[fb] += paths[first + g]
    gate_rows = paths[first:][ops != Op.NOT]
    return float(np.linalg.norm(gate_rows, axis=1).sum())
