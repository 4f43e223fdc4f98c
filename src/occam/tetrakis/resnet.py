"""A ResNet that computes the Tetrakis function T_C of a circuit exactly (SPEC 9.4; paper Prop 13).

T_C(x) = Σ_j ω_j(x) dec(C(u_j(x))) (SPEC 9.3) with u = (x − a)/ρ · 2^K and (u_j, ω_j) the Tetrakis
simplex of u (SPEC 9.1). The circuit reads grid point coordinate i as the (K+1)-bit integer
u_{j,i} ∈ [0, 2^K], LSB first, input ``i·(K+1) + b`` = bit b of coordinate i (the layout of
:func:`occam.circuits.encoding.encode`). The network is continuous piecewise linear and built in
three parts from residual blocks (:class:`occam.nets.from_circuit.ReLUProgram`), each writing
fresh coordinates; values persist in the residual stream, so later blocks read any earlier value.

Part 0 (one block). t_0 = clamp((x_i − a_i)/ρ_i, 0, 1) = σ(x̃) − σ(x̃ − 1), i.e. u/2^K. Inputs
outside Ω are clamped coordinatewise: the network computes T_C(clip(x, Ω)), which is continuous and
equals T_C on all of Ω, its boundary included (at u_i = 0 or 2^K the weights of the vertices that
would leave [0, 2^K]^d are exactly 0 and the recursion below never produces such vertices).

Part 1 (K blocks, all coordinates in parallel). Weighted binary representations P = (1 − t)·bin(e)
and Q = t·bin(o) of the nearest even and odd grid points at level m (spacing 2^{K−m}), bits LSB
first, m + 1 bits at level m. Level 0: P_0 = (0), Q_0 = (t_0). With t = t_m and level-m bits indexed
b = 0..m, the level-(m+1) bits are (each min(A, B) = σ(A) − σ(A − B) with A ≥ 0)::

    t_{m+1}       = 2 min(t, 1 − t) = 1 − |2t − 1| = σ(1) − σ(2t − 1) − σ(1 − 2t)
    P_{m+1,0}     = 0,     P_{m+1,b+1} = σ(P_{m,b} − t) + σ(Q_{m,b} − (1 − t))          (b = 0..m)
    Q_{m+1,0}     = t_{m+1}
    Q_{m+1,1}     = min(2P_{m,1}, 2t − 2Q_{m,1}) + min(2Q_{m,1}, 2(1 − t) − 2P_{m,1})  (0 if m = 0)
    Q_{m+1,b+1}   = min(2Q_{m,b}, 2(1 − t))                                           (b = 1..m)

Terms whose input is identically 0 (P_{m,0} = 0 always, Q_{1,1} = 0) are dropped; they are
σ(−t) = 0, σ(t − 1) = 0 or min(0, ·≥0) = 0 on Ω.

This is SPEC 9.4(1) with the bit indices written out: SPEC's "P_{m+1,b}" and "Q_{m+1,b}" for an
old bit b are the new bits b + 1 (the old bits shift up by one when the new least significant bit
is inserted), SPEC's "Q_{m+1,0}" is the new bit 1 (= t_{m+1}·bit_0(min(e, o)), and
bit_0(min(e, o)) is bit_1(e) XOR bit_1(o)), and SPEC's "new bit of Q" is the new bit 0.
Derivation: with y = e + (o−e)t at level m, y' = 2y has nearest odd o' = e + o = 2 min(e, o) + 1
and nearest even 2e (t ≤ 1/2) or 2o (t > 1/2); for b ≥ 1 the bits of min(e, o) are those of o.

Part 2. Sorting network (Batcher's odd-even merge sort; one block per comparator stage) on
t_1..t_d = t_{K,i}, comparators min(a, b) = σ(b) − σ(b − a), max(a, b) = σ(a) + σ(b − a) (t ≥ 0);
s_0 = 0, s_{d+1} = 1 and ω_j = s_{j+1} − s_j are linear forms (no block). One block for
a_{ij} = σ(t_i − s_j) − σ(t_i − s_{j+1}) (the unit σ(t_i − 1) ≡ 0 is omitted since t_i ≤ 1), one for
B_{j,i,b} = min(a_{ij}, Q_{i,b}) + min(ω_j − a_{ij}, P_{i,b}) = ω_j·bit_b(u_{j,i}).

Part 3. One block per ASAP level of the circuit's materialised AND/OR gates, the d + 1 vertices in
parallel, on the weighted bits: AND = min(X, Y) = σ(X) − σ(X − Y), OR = max(X, Y) = σ(X) + σ(Y − X)
(X the operand of lower level), NOT z = ω_j − z and the constants 0 and ω_j folded into linear
forms, trivial gates folded exactly (AND(x, ω) = x, ...). Positive homogeneity gives gate values
ω_j·C(u_j). The output layer applies dec linearly and sums over j: f = Σ_j M·z_j + offset (using
Σ_j ω_j = 1), where dec(bits) = M·bits + offset (:func:`decoder_affine`).

Size. Width O(d·K² + d² log² d + (d+1)·d·K + (d+1)·|C|) (fresh coordinates for every level's bits,
the comparators, the a_{ij}, the weighted bits and the d+1 circuit copies), depth
1 + K + #stages(d) + 2 + L_C (L_C ≤ depth(C) the levels of materialised gates); nonzeros of the same
order; entries 1/ρ_i, a_i/ρ_i, ±1, ±2 and the decoder coefficients. Exact values per network:
:func:`resnet_for_circuit_report`.

Complexity. The function has Lipschitz constant ≈ 2^K/ρ times the decoded range, and the empirical
R is of that order. The certified engines are far above it, for two reasons intrinsic to them and
not to this network: (i) the tent map t ↦ 1 − |2t − 1| (slopes ±2) needs ReLUs whose |V|·|W| sum to
4 at its kink, and with an unknown downstream sign interval and global Jacobians add them, so D of
t_m is bounded by ≈ 4·D(t_{m+1}) (true factor 2) and R_interval, R_global grow like 4^K (measured
ratio 4.0 per level, :func:`resnet_for_circuit_report`); (ii) interval bound propagation of
min/max compositions (the bits and the circuit part) loses the correlation between the carried
operand and the difference, so the boxes Δ grow with depth although every value lies in [0, 1].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from occam.circuits.core import Circuit, Op
from occam.circuits.traverse import CONST, AndOrPlan, Lit, and_or_plan
from occam.nets import ResNet
from occam.nets.from_circuit import BIAS, Form, ReLUProgram, combine
from occam.tasks.box import Box, as_box

__all__ = [
    "TetrakisResNetReport",
    "decoder_affine",
    "resnet_for_circuit",
    "resnet_for_circuit_report",
    "sorting_network",
]


# ---------------------------------------------------------------------------------------------
# helpers


def sorting_network(n: int) -> list[list[tuple[int, int]]]:
    """Batcher's odd-even merge sort on n wires as stages of disjoint comparators (p, q), p < q.

    After the stages, comparator (p, q) leaving min on p and max on q sorts every input ascending
    (verified by the 0-1 principle in the tests). Depth O(log² n), O(n log² n) comparators.
    """
    if n < 1:
        raise ValueError(f"sorting_network: n must be >= 1, received {n}")
    stages: list[list[tuple[int, int]]] = []
    p = 1
    while p < n:
        k = p
        while k >= 1:
            stage = []
            for j in range(k % p, n - k, 2 * k):
                for i in range(min(k - 1, n - j - k - 1) + 1):
                    if (i + j) // (2 * p) == (i + j + k) // (2 * p):
                        stage.append((i + j, i + j + k))
            if stage:
                stages.append(stage)
            k //= 2
        p *= 2
    return stages


def decoder_affine(dec: Any, n_outputs: int) -> tuple[np.ndarray, np.ndarray]:
    """dec as an affine map of the output bits: (M (d_out, n_outputs), offset (d_out,)).

    ``dec`` is ``None`` (the unsigned integer Σ_o 2^o·bit_o of all output bits, scale 1, offset 0),
    a dict / object with ``signed``, ``scale``, ``offset`` and optional ``widths`` (SPEC 2.2, as
    :func:`occam.circuits.encoding.decode`), or a callable mapping bool bits (n, n_outputs) to
    (n,) or (n, d_out) floats. A callable is probed on 0 and the unit vectors and must be affine
    (checked on random bit patterns); dec of SPEC 2.2 always is.
    """
    from occam.circuits.encoding import decode

    m = int(n_outputs)
    if dec is None:
        return (2.0 ** np.arange(m))[None, :], np.zeros(1)
    if isinstance(dec, dict) or (
        not callable(dec) and all(hasattr(dec, a) for a in ("signed", "scale", "offset"))
    ):
        get = dec.get if isinstance(dec, dict) else lambda k, default=None: getattr(dec, k, default)
        params = {
            "signed": bool(get("signed", False)),
            "scale": get("scale", 1.0),
            "offset": get("offset", 0.0),
            "widths": get("widths", None),
        }

        def fn(bits: np.ndarray) -> np.ndarray:
            return decode(bits, **params)
    elif callable(dec):
        fn = dec
    else:
        raise TypeError(
            "dec: expected None, a dict/object with signed, scale, offset (and widths), or a "
            f"callable on output bits, received {dec!r}"
        )
    probe = np.vstack([np.zeros((1, m), bool), np.eye(m, dtype=bool)])
    vals = np.asarray(fn(probe), dtype=np.float64)
    if vals.ndim == 1:
        vals = vals[:, None]
    if vals.ndim != 2 or vals.shape[0] != m + 1:
        raise ValueError(f"dec: expected outputs of shape (n,) or (n, d_out), got {vals.shape}")
    offset = vals[0]
    M = (vals[1:] - offset).T
    rng = np.random.default_rng(0)
    test = np.vstack([np.ones((1, m), bool), rng.random((16, m)) < 0.5])
    got = np.asarray(fn(test), dtype=np.float64).reshape(test.shape[0], -1)
    want = test @ M.T + offset
    if not np.allclose(got, want, rtol=1e-12, atol=1e-12 * (1 + np.abs(want).max())):
        raise ValueError("dec: the decoder must be affine in the output bits (SPEC 2.2)")
    return M, offset


def _check_int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"resnet_for_circuit: {name} must be an int, received {value!r}")
    if not low <= value <= high:
        raise ValueError(f"resnet_for_circuit: {name} must be in [{low}, {high}], received {value}")
    return int(value)


# ---------------------------------------------------------------------------------------------
# the construction


def resnet_for_circuit(
    circuit: Circuit,
    d: int,
    K: int,
    *,
    domain: Any = None,
    dec: Any = None,
    dtype: torch.dtype = torch.float64,
) -> ResNet:
    """The ResNet of SPEC 9.4 / Prop 13: f(x) = T_C(x) = Σ_j ω_j(x) dec(C(u_j(x))) exactly.

    Parameters
    ----------
    circuit : a circuit with ``d·(K+1)`` inputs (input ``i(K+1) + b`` = bit b of coordinate i of
        the grid point, LSB first).
    d, K : input dimension (``d_in = d``) and grid level K ≥ 0 (spacing ρ/2^K, u ∈ [0, 2^K]^d).
    domain : the box Ω = Π[a_i, a_i + ρ_i] (Box, (low, high) pair or (d, 2) array);
        default [0, 1]^d.
    dec : the decoder (see :func:`decoder_affine`); default the unsigned integer of all output bits.
    dtype : parameter dtype.

    The three parts and their formulas are in the module docstring. Points outside Ω are clamped
    to Ω coordinatewise. Width, depth and nonzeros are reported by
    :func:`resnet_for_circuit_report`, together with the certified R(θ).
    """
    if not isinstance(circuit, Circuit):
        raise TypeError(f"resnet_for_circuit: circuit must be a Circuit, received {circuit!r}")
    d = _check_int(d, "d", 1, 64)
    K = _check_int(K, "K", 0, 50)
    if circuit.n_inputs != d * (K + 1):
        raise ValueError(
            f"resnet_for_circuit: circuit must have d·(K+1) = {d * (K + 1)} inputs (d={d}, K={K}), "
            f"received {circuit.n_inputs}"
        )
    if circuit.n_outputs < 1:
        raise ValueError("resnet_for_circuit: circuit must have at least one output")
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"resnet_for_circuit: dtype must be float32 or float64, got {dtype}")
    box = Box.cube(d, 0.0, 1.0) if domain is None else as_box(domain, d)
    M, offset = decoder_affine(dec, circuit.n_outputs)

    prog = ReLUProgram(d)
    t = _part0_clamp(prog, box)
    t, P, Q = _part1_levels(prog, t, K)
    omega, bits = _part2_weights_and_bits(prog, t, P, Q, K)
    plan, form = _part3_circuit(prog, circuit, omega, bits)
    # output: Σ_j M z_j + offset
    outputs: list[Form] = []
    for r in range(M.shape[0]):
        terms = [(float(offset[r]), _ONE)]
        for o, node in enumerate(circuit.outputs.tolist()):
            if M[r, o] != 0.0:
                terms += [(float(M[r, o]), form(j, plan.node_lit[node])) for j in range(d + 1)]
        outputs.append(combine(*terms))
    return prog.build(outputs, dtype=dtype)


_ONE: Form = {BIAS: 1.0}


def _var(c: int) -> Form:
    return {c: 1.0}


def _part0_clamp(prog: ReLUProgram, box: Box) -> list[Form]:
    """Part 0 (one block): t_0 = clamp((x − a)/ρ, 0, 1) = σ(x̃) − σ(x̃ − 1) per coordinate."""
    blk = prog.block()
    t: list[Form] = []
    for i in range(box.low.shape[0]):
        xt = {i: 1.0 / box.rho[i], BIAS: -box.low[i] / box.rho[i]}
        c = prog.coord()
        blk.write(c, blk.unit(xt), 1.0)
        blk.write(c, blk.unit(combine((1.0, xt), (-1.0, _ONE))), -1.0)
        t.append(_var(c))
    return t


def _part1_levels(
    prog: ReLUProgram, t: list[Form], K: int
) -> tuple[list[Form], list[list[Form]], list[list[Form]]]:
    """Part 1 (K blocks): t_K and the weighted bits P, Q of every coordinate (module docstring)."""
    d = len(t)
    t = list(t)
    P: list[list[Form]] = [[{}] for _ in range(d)]
    Q: list[list[Form]] = [[t[i]] for i in range(d)]
    for m in range(K):
        blk = prog.block()
        for i in range(d):
            t[i], P[i], Q[i] = _level_step(prog, blk, t[i], P[i], Q[i], m)
    return t, P, Q


def _level_step(
    prog: ReLUProgram, blk: Any, tm: Form, Pm: list[Form], Qm: list[Form], m: int
) -> tuple[Form, list[Form], list[Form]]:
    """One coordinate's level m → m + 1 of part 1 (formulas of the module docstring)."""
    one_minus_t = combine((1.0, _ONE), (-1.0, tm))
    # t_{m+1} = 2 min(t, 1 − t) = 1 − |2t − 1| = σ(1) − σ(2t − 1) − σ(1 − 2t)
    c = prog.coord()
    blk.write(c, blk.unit(_ONE), 1.0)
    blk.write(c, blk.unit(combine((2.0, tm), (-1.0, _ONE))), -1.0)
    blk.write(c, blk.unit(combine((1.0, _ONE), (-2.0, tm))), -1.0)
    t_new = _var(c)
    P_new: list[Form] = [{}]
    for b in range(m + 1):  # P_{m+1,b+1} = σ(P_b − t) + σ(Q_b − (1 − t))
        if not (Pm[b] or Qm[b]):  # both terms are σ(−t), σ(t − 1): zero on Ω
            P_new.append({})
            continue
        c = prog.coord()
        if Pm[b]:
            blk.write(c, blk.unit(combine((1.0, Pm[b]), (-1.0, tm))), 1.0)
        if Qm[b]:
            blk.write(c, blk.unit(combine((1.0, Qm[b]), (-1.0, one_minus_t))), 1.0)
        P_new.append(_var(c))
    Q_new: list[Form] = [t_new]
    if m == 0 or not (Pm[1] or Qm[1]):  # bit 1 absent or zero: the bit is 0
        Q_new.append({})
    else:  # bit 1 of min(e, o) weighted by t_{m+1}; a term with A = 0 is min(0, ≥0) = 0
        c = prog.coord()
        A1, B1 = combine((2.0, Pm[1])), combine((2.0, tm), (-2.0, Qm[1]))
        A2 = combine((2.0, Qm[1]))
        B2 = combine((2.0, one_minus_t), (-2.0, Pm[1]))
        for A, B in ((A1, B1), (A2, B2)):
            if A:
                blk.write(c, blk.unit(A), 1.0)
                blk.write(c, blk.unit(combine((1.0, A), (-1.0, B))), -1.0)
        Q_new.append(_var(c))
    for b in range(1, m + 1):  # Q_{m+1,b+1} = min(2Q_b, 2(1 − t))
        if not Qm[b]:
            Q_new.append({})
            continue
        c = prog.coord()
        A = combine((2.0, Qm[b]))
        blk.write(c, blk.unit(A), 1.0)
        blk.write(c, blk.unit(combine((1.0, A), (-2.0, one_minus_t))), -1.0)
        Q_new.append(_var(c))
    return t_new, P_new, Q_new


def _part2_weights_and_bits(
    prog: ReLUProgram, t: list[Form], P: list[list[Form]], Q: list[list[Form]], K: int
) -> tuple[list[Form], list[list[Form]]]:
    """Part 2: sort t (Batcher), the weights ω_j, the a_ij and the weighted bits
    ``bits[j][i(K+1) + b]`` = B_{j,i,b} = ω_j·bit_b(u_{j,i}) (module docstring)."""
    d = len(t)
    s = list(t)
    for stage in sorting_network(d):
        blk = prog.block()
        s_new = list(s)
        for p, q in stage:
            A, B = s[p], s[q]
            lo, hi = prog.coord(), prog.coord()
            diff = blk.unit(combine((1.0, B), (-1.0, A)))
            blk.write(lo, blk.unit(B), 1.0)
            blk.write(lo, diff, -1.0)
            blk.write(hi, blk.unit(A), 1.0)
            blk.write(hi, diff, 1.0)
            s_new[p], s_new[q] = _var(lo), _var(hi)
        s = s_new
    s = [{}, *s, _ONE]
    omega = [combine((1.0, s[j + 1]), (-1.0, s[j])) for j in range(d + 1)]
    blk = prog.block()
    a = [[{} for _ in range(d + 1)] for _ in range(d)]
    for i in range(d):
        for j in range(d + 1):
            c = prog.coord()
            blk.write(c, blk.unit(combine((1.0, t[i]), (-1.0, s[j]))), 1.0)
            if j < d:
                blk.write(c, blk.unit(combine((1.0, t[i]), (-1.0, s[j + 1]))), -1.0)
            a[i][j] = _var(c)
    blk = prog.block()
    bits: list[list[Form]] = []
    for j in range(d + 1):
        row = []
        for i in range(d):
            rest = combine((1.0, omega[j]), (-1.0, a[i][j]))
            for b in range(K + 1):
                c = prog.coord()
                if Q[i][b]:  # min(a_ij, Q_ib)
                    blk.write(c, blk.unit(a[i][j]), 1.0)
                    blk.write(c, blk.unit(combine((1.0, a[i][j]), (-1.0, Q[i][b]))), -1.0)
                if P[i][b]:  # min(ω_j − a_ij, P_ib)
                    blk.write(c, blk.unit(rest), 1.0)
                    blk.write(c, blk.unit(combine((1.0, rest), (-1.0, P[i][b]))), -1.0)
                row.append(_var(c))
        bits.append(row)
    return omega, bits


def _part3_circuit(
    prog: ReLUProgram, circuit: Circuit, omega: list[Form], bits: list[list[Form]]
) -> tuple[AndOrPlan, Callable[[int, Lit], Form]]:
    """Part 3: the circuit on every vertex j, positively homogeneous (one block per level of
    :func:`occam.circuits.traverse.and_or_plan`); returns the plan and ``form(j, lit)``, the
    linear form of ω_j·value(lit). NOT z = ω_j − z; x ∧ ¬x is min(x, ω − x), not 0, so
    complementary operands are kept as a gate."""
    plan = and_or_plan(circuit, fold_complements=False)
    n_in = circuit.n_inputs
    gate_form: list[list[Form]] = [[{} for _ in range(plan.n_gates)] for _ in range(len(omega))]

    def form(j: int, z: Lit) -> Form:
        """ω_j·value(z) as a linear form: z, ω_j − z, 0 or ω_j."""
        base: Form = {}
        if z.ref != CONST:
            base = bits[j][z.ref] if z.ref < n_in else gate_form[j][z.ref - n_in]
        sign, t = (-1.0, 1.0) if z.neg else (1.0, 0.0)
        return combine((sign, base), (t, omega[j]))

    for lv in plan.levels:
        blk = prog.block()
        for j in range(len(omega)):
            for g in lv:  # g.a: the operand of lower level
                X, Y = form(j, g.a), form(j, g.b)
                c = prog.coord()
                blk.write(c, blk.unit(X), 1.0)
                if g.op == Op.AND:  # min(X, Y) = σ(X) − σ(X − Y)
                    blk.write(c, blk.unit(combine((1.0, X), (-1.0, Y))), -1.0)
                else:  # max(X, Y) = σ(X) + σ(Y − X)
                    blk.write(c, blk.unit(combine((1.0, Y), (-1.0, X))), 1.0)
                gate_form[j][g.k] = _var(c)
    return plan, form


# ---------------------------------------------------------------------------------------------
# report


@dataclass(frozen=True)
class TetrakisResNetReport:
    """The constructed network of SPEC 9.4 with its size and certified complexity R(θ).

    ``r`` maps an engine name ("interval", "global") to R(θ) over the domain (SPEC 4.3).
    """

    size: int
    d: int
    K: int
    width: int
    hidden: int
    depth: int
    nonzeros: int
    max_abs_entry: float
    r: dict[str, float] = field(default_factory=dict)
    model: ResNet | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("model")
        return out


def resnet_for_circuit_report(
    circuit: Circuit,
    d: int,
    K: int,
    *,
    domain: Any = None,
    dec: Any = None,
    engines: Sequence[str] = ("interval", "global"),
    n_samples: int = 4096,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> TetrakisResNetReport:
    """Build :func:`resnet_for_circuit` and report |C|, d, K, width, hidden, depth, nonzeros, the
    largest |entry| and R(θ) (SPEC 4.3) for each engine: "interval" and "global" certified over
    the domain, "empirical" (if asked for) the estimate from ``n_samples`` uniform points of the
    domain drawn with ``seed`` (SPEC 9.4)."""
    from occam.complexity import certified

    model = resnet_for_circuit(circuit, d, K, domain=domain, dec=dec, dtype=dtype)
    box = Box.cube(d, 0.0, 1.0) if domain is None else as_box(domain, d)
    r = {}
    with torch.no_grad():
        for engine in engines:
            if engine == "empirical":
                x = torch.as_tensor(box.sample(n_samples, np.random.default_rng(seed)))
                r["empirical"] = float(certified(model, x=x, engine="empirical"))
            else:
                r[str(engine)] = float(certified(model, domain=box, engine=engine))
        max_abs = float(max(m.abs().max() for _, m in model.named_matrices()))
    cfg = model.config
    return TetrakisResNetReport(
        size=circuit.size,
        d=d,
        K=K,
        width=cfg.width,
        hidden=cfg.hidden,
        depth=cfg.depth,
        nonzeros=model.n_nonzero(),
        max_abs_entry=max_abs,
        r=r,
        model=model,
    )
