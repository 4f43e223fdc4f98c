"""Per-node *compiled* circuits of compositional targets, composed with clamps (SPEC 13 with
SPEC 7 and SPEC 10; issue 20 item 7(iii)).

The table construction of :mod:`occam.compositional.circuits` makes every node g_v the truth
table of its quantisation. Here every node is instead a small network compiled to an arithmetic
circuit:

1. **node net**: an :class:`occam.ResNet` (width = arity, ``hidden`` units, depth ``depth``) is
   trained by :func:`occam.train.train` (full-batch Adam, cosine schedule, seeded, no penalty) on
   ``n`` uniform samples of g_v over [−1, 1]^arity (:func:`train_node_net`). A node function is
   identified by its parameters, so a function that recurs (the targets of different d draw their
   nodes from the same seeded stream) is trained once (:class:`NodeCircuits`). Optionally the
   net is pruned to a fraction ``keep`` of its parameters by :func:`occam.prune.sensitivity_prune`
   (not retrained).
2. **compiled node**: the net is quantised to a :class:`~occam.compiler.FixedPointSpec`
   ``(k, F_w, F_a, F_o)`` and built by :func:`occam.compiler.compile_resnet` (verified bit for bit
   against the integer reference model, exhaustively: 2k ≤ 16 input bits), optionally followed by
   :func:`occam.compiler.optimize_abc` (ABC, equivalence proved by ``cec``, verified again). Its
   inputs are the enc_k cell indices q ∈ {0..2^k−1} of its arguments on [−1, 1] (k unsigned bits
   each, argument-major, LSB first); its output is a two's complement word z read as z·2^{−F_o},
   whose integer range [lo, hi] is the compiler's interval propagation (``qnet.ranges["out"]``).
   The collapse to a truth table (:func:`occam.compiler.collapse`) is deliberately not used: it
   would turn the construction back into the table one.
3. **stage** (:func:`node_stage_circuit`): a leaf argument (a raw input x_i) is already enc_k. A
   non-leaf argument is a child's output *word*, a two's complement z (clamped by
   :func:`occam.htmc.compose.compose` to the child's certified range) read as u = z·2^{−F}; the
   stage re-encodes it to the parent's enc_k cell index on [−1, 1],

       q = clip(floor((u + 1)/2 · 2^k), 0, 2^k − 1) = clip((z + 2^F) >> (F + 1 − k), 0, 2^k − 1)

   (a left shift by k − 1 − F when F + 1 < k), built from :mod:`occam.circuits.arith` gadgets
   (constant add, dropped bits, clamp; :func:`reencode_word`, reference :func:`reencode_codes`),
   then feeds the compiled net. The result is a :class:`~occam.htmc.tables.FixedPointCircuit`
   with ``frac_bits = F_o`` and ``code_range`` = the propagated output interval.
4. **composition** (:func:`compose_compiled`): the stages are chained by
   :func:`occam.htmc.compose.compose`, which clamps each stage's output to the node's certified
   range (the propagated interval of a compiled net is wider, so these clamps cost gates), builds
   one circuit on the d·k input bits, checks it against the numpy model of the hybrid H_N on the
   sample and gives the eq. (1) account.

:func:`search_compiled` searches the precisions for the smallest composed circuit with L² error
≤ ε (on the uniform evaluation sample, measured by simulating the composed circuit).

Layering: :mod:`occam.htmc` is torch-free and does not import the compiler; this module (in
``compositional``, above both) is where the two meet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from occam.circuits import Builder, Circuit, arith
from occam.compositional.circuits import DOMAIN, BuiltCircuit
from occam.compositional.targets import CompositionalTarget, uniform_sample
from occam.errors import OccamError
from occam.htmc.compose import Stage, compose
from occam.htmc.tables import FixedPointCircuit

__all__ = [
    "CompiledNodeError",
    "NodeCircuits",
    "NodeNet",
    "compose_compiled",
    "node_stage_circuit",
    "reencode_codes",
    "reencode_word",
    "search_compiled",
    "train_node_net",
]

CONSTRUCTION = "per-node compiled"


class CompiledNodeError(OccamError, ValueError):
    """Invalid settings for the compiled per-node construction."""


# -- re-encoding a child's output word to the parent's enc_k cell index ----------------------------
def reencode_codes(z: np.ndarray, frac: int, k: int) -> np.ndarray:
    """Reference: the enc_k cell index on [−1, 1] of u = z·2^{−frac},
    ``clip(floor((u + 1)/2 · 2^k), 0, 2^k − 1)``, computed exactly on integers (int64)."""
    if k < 1 or frac < 0:
        raise CompiledNodeError(f"reencode: need k >= 1 and frac >= 0, got k={k}, frac={frac}")
    s = np.asarray(z, np.int64) + (1 << frac)
    shift = frac + 1 - k
    q = s >> shift if shift >= 0 else s << -shift  # >> on int64 is floor division
    return np.clip(q, 0, (1 << k) - 1)


def reencode_word(b: Builder, z: list[int], frac: int, k: int) -> list[int]:
    """Gates for :func:`reencode_codes`: ``z`` a two's complement word (LSB first), returns the k
    bits (unsigned, LSB first) of ``clip((z + 2^frac) >> (frac + 1 − k), 0, 2^k − 1)``: one
    constant add, dropped (or prepended zero) bits, one clamp."""
    if k < 1 or frac < 0:
        raise CompiledNodeError(f"reencode: need k >= 1 and frac >= 0, got k={k}, frac={frac}")
    one = arith.const_word(1 << frac, frac + 2)
    s = arith.add(b, z, one)  # exact signed width
    shift = frac + 1 - k
    t = arith.truncate(b, s, shift) if shift >= 0 else arith.shift_left(s, -shift)
    q = arith.clamp(b, t, 0, (1 << k) - 1, signed=True)  # width k + 1, sign bit 0
    return arith.resize(q, k, signed=False)


def node_stage_circuit(
    compiled_circuit: Circuit,
    k: int,
    operands: list[tuple[int, int] | None],
    frac_bits: int,
    code_range: tuple[int, int],
) -> FixedPointCircuit:
    """The stage circuit of a compiled node (module docstring, item 3).

    ``compiled_circuit`` reads ``len(operands)`` enc_k codes (k bits each); ``operands[a]`` is
    None for a raw input (read as is) or ``(width, frac)`` for a child word of that two's
    complement width read as z·2^{−frac} (re-encoded by :func:`reencode_word`)."""
    if compiled_circuit.n_inputs != k * len(operands):
        raise CompiledNodeError(
            f"node_stage_circuit: the compiled circuit has {compiled_circuit.n_inputs} inputs, "
            f"{len(operands)} operands of k={k} bits give {k * len(operands)}"
        )
    if all(op is None for op in operands):
        return FixedPointCircuit(compiled_circuit, frac_bits, code_range)
    b = Builder()
    codes: list[int] = []
    for a, op in enumerate(operands):
        if op is None:
            codes += b.inputs(k, prefix=f"u{a}_")
        else:
            width, frac = op
            codes += reencode_word(b, b.inputs(width, prefix=f"u{a}_"), frac, k)
    for h in b.add_circuit(compiled_circuit, codes):
        b.output(h)
    return FixedPointCircuit(b.build(), frac_bits, code_range)


# -- node nets and their compiled circuits -------------------------------------------------------
def _node_key(g) -> str:
    """A fingerprint of a node function: its type and the bytes of its parameters."""
    h = hashlib.sha256(type(g).__name__.encode())
    for f in fields(g):
        v = getattr(g, f.name)
        h.update(f.name.encode())
        h.update(
            np.ascontiguousarray(v).tobytes() if isinstance(v, np.ndarray) else repr(v).encode()
        )
    return h.hexdigest()


@dataclass(frozen=True)
class NodeNet:
    """A trained net: the model, its RMSE ‖f_θ − g‖ and relative RMSE ‖f_θ − g‖/std(g) on a
    fresh uniform sample of [−1, 1]^arity (float network, before quantisation)."""

    model: object
    rel_error: float
    train_seconds: float
    rmse: float = float("nan")


def train_node_net(
    g: Callable[[np.ndarray], np.ndarray],
    arity: int,
    *,
    width: int | None = None,
    hidden: int = 16,
    depth: int = 1,
    steps: int = 2000,
    lr: float = 3e-2,
    batch_size: int | None = None,
    n: int = 2048,
    seed: int = 0,
    n_test: int = 4096,
    test_seed: int | None = None,
) -> NodeNet:
    """Train a ResNet (width ``width``, default ``arity``) on ``n`` uniform samples of ``g`` over
    [−1, 1]^arity (sample seed 70 000 + seed): Adam, cosine schedule, no penalty, full batch
    unless ``batch_size``, one torch thread, seeded. The errors are measured on ``n_test`` fresh
    uniform points (seed ``test_seed``, default 80 000 + seed). The one small-net trainer of the
    compositional circuits (node nets here, the convexity hierarchies' nets)."""
    import time

    import torch

    from occam import train
    from occam.compiler import float_outputs

    torch.set_num_threads(1)
    x = uniform_sample(n, arity, seed=70_000 + seed)
    y = np.asarray(g(x), np.float64)
    tc = train.TrainConfig(
        width=arity if width is None else width,
        hidden=hidden,
        depth=depth,
        penalty="none",
        lam=0.0,
        steps=steps,
        lr=lr,
        lr_schedule="cosine",
        batch_size=batch_size,
        seed=seed,
        log_every=10**9,
    )
    t0 = time.perf_counter()
    res = train.train(x, y, tc, progress=False)
    seconds = time.perf_counter() - t0
    xt = uniform_sample(n_test, arity, seed=80_000 + seed if test_seed is None else test_seed)
    yt = np.asarray(g(xt), np.float64)
    rmse = float(np.sqrt(np.mean((float_outputs(res.model, xt)[:, 0] - yt) ** 2)))
    return NodeNet(res.model, rmse / float(yt.std()), seconds, rmse)


class NodeCircuits:
    """Trained nets and compiled circuits of node functions, each made once (keyed by the node's
    parameters and, for circuits, the fixed-point spec and ABC flag).

    Parameters: the node-net training settings of :func:`train_node_net`; ``n_measure``: uniform
    points on which the compiler measures each node circuit's error (its own record; the
    composition's error is measured separately on the evaluation sample)."""

    def __init__(
        self,
        *,
        hidden: int = 16,
        depth: int = 1,
        steps: int = 2000,
        lr: float = 3e-2,
        n: int = 2048,
        seed: int = 0,
        n_measure: int = 1024,
    ):
        self.train_kwargs = dict(hidden=hidden, depth=depth, steps=steps, lr=lr, n=n, seed=seed)
        self.n_measure = n_measure
        self.nets: dict[str, NodeNet] = {}
        self._compiled: dict[tuple, object] = {}
        self._pruned: dict[tuple, object] = {}
        self._stage: dict[tuple, FixedPointCircuit] = {}

    def net(self, g, arity: int) -> NodeNet:
        key = _node_key(g)
        if key not in self.nets:
            self.nets[key] = train_node_net(g, arity, **self.train_kwargs)
        return self.nets[key]

    def model(self, g, arity: int, keep: float = 1.0):
        """g's net, or (``keep`` < 1) the net with only the fraction ``keep`` of its parameters
        kept by :func:`occam.prune.sensitivity_prune` (importance |θ_p|·s_p on the net's
        training distribution, uniform on [−1, 1]^arity; not retrained)."""
        if not 0.0 < keep <= 1.0:
            raise CompiledNodeError(f"keep must be in (0, 1], got {keep!r}")
        net = self.net(g, arity).model
        if keep == 1.0:
            return net
        key = (_node_key(g), keep)
        if key not in self._pruned:
            import torch

            from occam.prune import sensitivity_prune

            x = torch.as_tensor(uniform_sample(1024, arity, seed=90_000))
            self._pruned[key] = sensitivity_prune(net, x.to(next(net.parameters()).dtype), keep)
        return self._pruned[key]

    def compiled(self, g, arity: int, spec, *, abc: bool = False, keep: float = 1.0):
        """The :class:`~occam.compiler.CompiledCircuit` of g's net (pruned to ``keep``) at
        ``spec`` (verified; with ``abc``, ABC-optimised, ``cec``-proved and verified again)."""
        from occam.compiler import ErrorSample, compile_resnet, optimize_abc

        key = (_node_key(g), spec, abc, keep)
        if key not in self._compiled:
            if abc:
                plain = self.compiled(g, arity, spec, abc=False, keep=keep)
                sample = ErrorSample.draw(
                    self.model(g, arity, keep), DOMAIN, n=self.n_measure, target=g, seed=1
                )
                cc = optimize_abc(plain, sample)
            else:
                cc = compile_resnet(
                    self.model(g, arity, keep),
                    DOMAIN,
                    spec,
                    n_eval=self.n_measure,
                    target=g,
                    seed=1,
                )
            if not cc.verified:
                raise AssertionError("compiled node circuit disagrees with its integer model")
            self._compiled[key] = cc
        return self._compiled[key]

    def stage_circuit(
        self, g, spec, operands, *, abc: bool = False, keep: float = 1.0
    ) -> FixedPointCircuit:
        key = (_node_key(g), spec, abc, keep, tuple(operands))
        if key not in self._stage:
            cc = self.compiled(g, len(operands), spec, abc=abc, keep=keep)
            out = cc.qnet.ranges["out"][0]
            self._stage[key] = node_stage_circuit(
                cc.circuit, spec.input_bits, list(operands), spec.output_frac, (out.lo, out.hi)
            )
        return self._stage[key]


# -- composition and search ------------------------------------------------------------------------
def compose_compiled(
    target: CompositionalTarget,
    k: int,
    weight_bits: int,
    act_bits: int,
    x_eval: np.ndarray,
    nodes: NodeCircuits,
    *,
    out_bits: int | None = None,
    abc: bool = False,
    keep: float = 1.0,
) -> BuiltCircuit:
    """The composition of the compiled node circuits (module docstring) at input bits ``k`` and
    fixed-point widths ``(F_w, F_a, F_o)`` (``F_o`` defaults to ``F_a``), every node at the same
    spec and (``keep`` < 1) every node net pruned to that fraction of its parameters; error
    measured on ``x_eval`` by simulating the composed circuit."""
    from occam.compiler import FixedPointSpec

    spec = FixedPointSpec(
        input_bits=k, weight_bits=weight_bits, act_bits=act_bits, out_bits=out_bits
    )
    graph = target.graph
    stages: dict = {}
    for v in graph.internal:
        g = target.nodes[v]
        operands: list[tuple[int, int] | None] = []
        children: list[int | str] = []
        for c in graph.children[v]:
            if graph.is_input(c):
                operands.append(None)
                children.append(graph.input_index(c))
            else:
                s = stages[c]
                operands.append((s.word_width(), s.circuit.frac_bits))
                children.append(str(c))
        fp = nodes.stage_circuit(g, spec, operands, abc=abc, keep=keep)
        stages[v] = Stage(str(v), tuple(children), fp, g, g.out_range, g.partial_bounds)
    comp = compose(list(stages.values()), d=target.d, k=k, domain=DOMAIN, x_eval=x_eval)
    if not comp.verified:
        raise AssertionError("compose_compiled: the composed circuit disagrees with its model")
    return BuiltCircuit(
        CONSTRUCTION,
        k,
        spec.output_frac,
        comp.size,
        comp.total_error,
        comp.total_error_linf,
        comp,
        weight_bits=weight_bits,
        act_bits=act_bits,
        abc=abc,
        keep=keep,
    )


def search_compiled(
    build: Callable[..., BuiltCircuit],
    eps: float,
    *,
    k_values: tuple[int, ...] = (2, 3, 4, 5, 6),
    bit_offsets: tuple[int, ...] = (1, 2, 3),
    keep_levels: tuple[float, ...] = (1.0,),
    refine: bool = True,
    abc: bool = True,
) -> tuple[BuiltCircuit | None, list[BuiltCircuit]]:
    """Smallest composed compiled circuit with L² error ≤ ``eps``.

    ``build(k, F_w, F_a, abc=..., keep=...)`` builds one composition. For k increasing, the
    uniform widths F_w = F_a = F_o = k + offset are tried on the unpruned nets (the first of
    ``keep_levels``); at the first k where one meets ``eps`` the search stops, and (``refine``)
    coordinate descent moves from the best circuit to F_w − 1, to F_a − 1 (with F_o), or to the
    next pruning level of ``keep_levels`` (decreasing fractions of node-net parameters kept),
    accepting the first move whose circuit still meets ``eps`` with fewer gates (no more gates,
    for a pruning move), until none does. With ``abc`` the best is rebuilt from ABC-optimised
    node circuits (the same functions, so the same error; the smaller is kept). Returns (best or
    None, every circuit built)."""
    levels = tuple(keep_levels) or (1.0,)
    built: list[BuiltCircuit] = []
    best = None
    for k in k_values:
        here = [build(k, k + off, k + off, keep=levels[0]) for off in bit_offsets]
        built += here
        ok = [c for c in here if c.error_l2 <= eps]
        if ok:
            best = min(ok, key=lambda c: c.size)
            break
    if best is None:
        return None, built
    tried = {(c.k, c.weight_bits, c.act_bits, c.keep) for c in built}
    while refine:
        nxt = [v for v in levels if v < best.keep]
        moves = [
            (best.k, best.weight_bits - 1, best.act_bits, best.keep),
            (best.k, best.weight_bits, best.act_bits - 1, best.keep),
        ]
        if nxt:
            moves.append((best.k, best.weight_bits, best.act_bits, max(nxt)))
        improved = False
        for k, fw, fa, keep in moves:
            if fw < 1 or fa < best.k or (k, fw, fa, keep) in tried:
                continue
            tried.add((k, fw, fa, keep))
            c = build(k, fw, fa, keep=keep)
            built.append(c)
            # a pruning move may keep the size (the dropped weights rounded to 0 anyway): it is
            # accepted then too, so that the next level is tried (keep strictly decreases)
            smaller = c.size < best.size or (c.keep < best.keep and c.size <= best.size)
            if c.error_l2 <= eps and smaller:
                best, improved = c, True
                break
        if not improved:
            break
    if abc:
        c = build(best.k, best.weight_bits, best.act_bits, abc=True, keep=best.keep)
        built.append(c)
        if c.size <= best.size:
            best = c
    return best, built
