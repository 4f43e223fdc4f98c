"""Coarse-to-fine search for the smallest verified circuit within an error ε (SPEC 7, 2.3).

The knobs are the pruning level N (nonzero weights kept by :func:`occam.prune.sensitivity_prune`
or :func:`~occam.prune.magnitude_prune`, never retrained) and the widths (k, F_w, F_a) of
:class:`~occam.compiler.fixed_point.FixedPointSpec`. Errors roughly add (pruning error +
quantisation error), so for a target ε the search

1. *prunes* (no circuit): pruning levels ``N_j = ⌈nnz · 2^{−j/2}⌉`` down to one weight; the float
   error of each pruned net is measured on the error sample, and the levels whose error is at most
   ``prune_share · ε`` are kept (the unpruned net always is);
2. *coarse*: on the ``coarse_levels`` smallest kept levels, the least uniform width
   ``b = k = F_w = F_a`` whose circuit meets ε (steps of 4 up from b = 8 to the first success,
   then bisection);
3. *fine*: coordinate descent from the best circuit so far, lowering one of k, F_w, F_a by one or
   moving to the next smaller pruning level, accepting a move when the circuit still meets ε with
   fewer gates, until no move helps or the budget of circuits is spent.

"Meets ε" is judged on the measured error of the *simulated* circuit against the reference network
(the unpruned float net, ``error="net"``) or the target (``error="target"``), using the 3-sigma
upper confidence bound of the L2 error (:class:`~occam.compiler.verification.ErrorStats`), so that
the claim survives a fresh sample. Every built circuit is verified against its integer model and
becomes a :class:`CircuitRecord` with its provenance; builds are memoised, so a frontier over many
ε (:meth:`CircuitSearch.frontier`) shares them. Only circuits that some later caller may write
(the best per ε) keep their :class:`~occam.compiler.compile.CompiledCircuit`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from occam.compiler.compile import CompiledCircuit, ErrorSample, compile_resnet, float_outputs
from occam.compiler.fixed_point import FixedPointSpec
from occam.nets import ResNet
from occam.prune import magnitude_prune, sensitivity_prune
from occam.result import OptimizeResult
from occam.tasks import as_box

__all__ = ["RECORD_FIELDS", "CircuitRecord", "CircuitSearch"]

PRUNE_METHODS = ("sensitivity", "magnitude")
ERRORS = ("net", "target")
RECORD_FIELDS = (
    "model",
    "prune_method",
    "n_keep",
    "nonzero_weights",
    "input_bits",
    "weight_bits",
    "act_bits",
    "out_bits",
    "rounding",
    "collapsed",
    "abc",
    "gates",
    "aig_ands",
    "depth",
    "error_l2_net",
    "error_l2_net_ucb",
    "error_linf_net",
    "error_l2_target",
    "error_l2_target_ucb",
    "error_linf_target",
    "verified",
    "verified_points",
    "build_seconds",
)


@dataclass
class CircuitRecord:
    """One built circuit: provenance (model, pruning, widths, ABC or not), size and measured
    errors. ``compiled`` holds the circuit itself while someone may still want to write it."""

    model: str
    prune_method: str
    n_keep: int
    spec: FixedPointSpec
    collapsed: bool
    abc: bool
    gates: int
    aig_ands: int
    depth: int
    nonzero_weights: int
    error_l2_net: float
    error_l2_net_ucb: float
    error_linf_net: float
    error_l2_target: float | None
    error_l2_target_ucb: float | None
    error_linf_target: float | None
    verified: bool
    verified_points: int
    build_seconds: float
    compiled: CompiledCircuit | None = field(default=None, repr=False)

    @classmethod
    def of(cls, cc: CompiledCircuit, model: str, prune_method: str, n_keep: int) -> CircuitRecord:
        t = cc.error_target
        return cls(
            model=model,
            prune_method=prune_method,
            n_keep=n_keep,
            spec=cc.spec,
            collapsed=cc.collapsed_from is not None,
            abc=cc.abc is not None,
            gates=cc.gates,
            aig_ands=cc.aig_ands,
            depth=cc.circuit.depth,
            nonzero_weights=cc.qnet.n_weights,
            error_l2_net=cc.error_net.l2,
            error_l2_net_ucb=cc.error_net.l2_ucb,
            error_linf_net=cc.error_net.linf,
            error_l2_target=None if t is None else t.l2,
            error_l2_target_ucb=None if t is None else t.l2_ucb,
            error_linf_target=None if t is None else t.linf,
            verified=cc.verified,
            verified_points=cc.verification.n_checked,
            build_seconds=cc.build_seconds,
            compiled=cc,
        )

    def error(self, kind: str = "net", ucb: bool = False) -> float:
        """The L2 error against the net or the target (its confidence bound with ``ucb``)."""
        if kind == "net":
            return self.error_l2_net_ucb if ucb else self.error_l2_net
        value = self.error_l2_target_ucb if ucb else self.error_l2_target
        if value is None:
            raise ValueError("this record has no error against a target")
        return value

    def row(self) -> dict[str, Any]:
        """A flat dict with the keys :data:`RECORD_FIELDS` (for CSV)."""
        d = {k: getattr(self, k) for k in RECORD_FIELDS if hasattr(self, k)}
        d.update(
            input_bits=self.spec.input_bits,
            weight_bits=self.spec.weight_bits,
            act_bits=self.spec.act_bits,
            out_bits=self.spec.output_frac,
            rounding=self.spec.rounding,
        )
        return {k: d[k] for k in RECORD_FIELDS}


def _spec(k: int, fw: int, fa: int, rounding: str) -> FixedPointSpec:
    return FixedPointSpec(input_bits=k, weight_bits=fw, act_bits=fa, rounding=rounding)


class CircuitSearch:
    """Coarse-to-fine search over pruning level and widths (module docstring).

    Parameters
    ----------
    model: the (possibly pruned) float network; its outputs are the reference of ``error="net"``.
    domain: the box Ω of the encoding (SPEC 2.2).
    sample: the error sample (default: ``n_eval`` uniform points on Ω, with ``target``).
    prune_method: ``"sensitivity"`` (top-N of |θ|·‖∂f/∂θ‖, SPEC 6) or ``"magnitude"``.
    max_bits: largest uniform width tried; rounding: ``"nearest"`` or ``"floor"``.
    collapse: rebuild each circuit from its truth table when smaller
        (:func:`~occam.compiler.compile.collapse`, ≤ 16 input bits); the search then minimises
        the collapsed size.
    n_verify, seed, name: passed to every build; ``name`` is the provenance label.
    log: called with one line per built circuit (progress).
    """

    def __init__(
        self,
        model: ResNet,
        domain: Any,
        *,
        sample: ErrorSample | None = None,
        n_eval: int = 100_000,
        target: Callable[[np.ndarray], np.ndarray] | np.ndarray | None = None,
        prune_method: str = "sensitivity",
        max_bits: int = 16,
        rounding: str = "nearest",
        collapse: bool = False,
        n_verify: int = 100_000,
        seed: int = 0,
        name: str = "model",
        log: Callable[[str], None] | None = None,
    ) -> None:
        if prune_method not in PRUNE_METHODS:
            raise ValueError(f"prune_method must be one of {PRUNE_METHODS}, got {prune_method!r}")
        self.model = model
        self.box = as_box(domain, model.config.d_in)
        if sample is None:
            sample = ErrorSample.draw(model, self.box, n=n_eval, target=target, seed=seed)
        self.sample = sample
        self.prune_method = prune_method
        self.max_bits = int(max_bits)
        self.rounding = rounding
        self.collapse = bool(collapse)
        self.n_verify = n_verify
        self.seed = seed
        self.name = name
        self.log = log or (lambda _msg: None)
        self.records: list[CircuitRecord] = []
        self._memo: dict[tuple, CircuitRecord] = {}
        self._pruned: dict[int, tuple[ResNet, dict[str, float]]] = {}
        self.nnz = model.n_nonzero()

    # -- pruning -----------------------------------------------------------------------------
    def prune_levels(self) -> list[int]:
        """``⌈nnz · 2^{−j/2}⌉`` for j = 0, 1, ... down to 1, descending, distinct."""
        levels, j = [], 0
        while True:
            n = max(1, math.ceil(self.nnz * 2.0 ** (-j / 2)))
            if not levels or n < levels[-1]:
                levels.append(n)
            if n == 1:
                return levels
            j += 1

    def pruned(self, n_keep: int) -> tuple[ResNet, dict[str, float]]:
        """The net pruned to ``n_keep`` weights and its float L2 errors (vs net, vs target)."""
        if n_keep not in self._pruned:
            if n_keep >= self.nnz:
                net = self.model
            elif self.prune_method == "magnitude":
                net = magnitude_prune(self.model, n_keep)
            else:
                x = torch.as_tensor(self.sample.x[:512], dtype=torch.float64)
                net = sensitivity_prune(self.model, x, n_keep)
            f = float_outputs(net, self.sample.x)
            errs = {"net": float(np.sqrt(np.mean(np.sum((f - self.sample.f) ** 2, axis=1))))}
            if self.sample.y is not None:
                errs["target"] = float(np.sqrt(np.mean(np.sum((f - self.sample.y) ** 2, axis=1))))
            self._pruned[n_keep] = (net, errs)
        return self._pruned[n_keep]

    # -- building ----------------------------------------------------------------------------
    def build(self, n_keep: int, spec: FixedPointSpec, use_abc: bool = False) -> CircuitRecord:
        """Compile (memoised), verify, measure and record one circuit."""
        key = (n_keep, spec, use_abc)
        if key in self._memo:
            return self._memo[key]
        net, _ = self.pruned(n_keep)
        cc = compile_resnet(
            net,
            self.box,
            spec,
            sample=self.sample,
            n_verify=self.n_verify,
            seed=self.seed,
            use_abc=use_abc,
            use_collapse=self.collapse,
            provenance={"model": self.name, "prune_method": self.prune_method, "n_keep": n_keep},
        )
        rec = CircuitRecord.of(cc, self.name, self.prune_method, n_keep)
        if not rec.verified:
            raise AssertionError(f"compiled circuit failed verification: {cc.verification}")
        self._memo[key] = rec
        self.records.append(rec)
        self.log(
            f"N={n_keep} k={spec.input_bits} F_w={spec.weight_bits} F_a={spec.act_bits}: "
            f"{rec.gates} gates, L2 vs net {rec.error_l2_net:.3g}"
        )
        return rec

    @property
    def n_built(self) -> int:
        return len(self.records)

    # -- search ------------------------------------------------------------------------------
    def search(
        self,
        eps: float,
        *,
        error: str = "net",
        prune_share: float = 0.7,
        coarse_levels: int = 3,
        budget: int = 40,
    ) -> OptimizeResult:
        """Least-gates verified circuit with L2 error (upper confidence bound) ≤ ``eps``.

        Returns an :class:`~occam.result.OptimizeResult` with ``best`` (a :class:`CircuitRecord`
        or None), ``n_built`` (circuits built by this call, memo hits excluded) and ``records``
        (this call's); status 0 when found, 2 when no circuit within the budget reaches ``eps``.
        """
        if error not in ERRORS:
            raise ValueError(f"error must be one of {ERRORS}, got {error!r}")
        if error == "target" and self.sample.y is None:
            raise ValueError("error='target' needs a target")
        if not eps > 0:
            raise ValueError(f"eps must be > 0, got {eps}")
        first = self.n_built
        ok = lambda rec: rec.error(error, ucb=True) <= eps  # noqa: E731
        levels = [n for n in self.prune_levels() if self.pruned(n)[1][error] <= prune_share * eps]
        if self.nnz not in levels and self.pruned(self.nnz)[1][error] < eps:
            levels.insert(0, self.nnz)
        best: CircuitRecord | None = None
        for n in sorted(levels)[:coarse_levels]:
            rec = self._bisect_width(n, ok, budget + first)
            if rec is not None and (best is None or rec.gates < best.gates):
                best = rec
        if best is not None:
            best = self._descend(best, levels, ok, budget + first)
        records = self.records[first:]
        if best is None:
            return OptimizeResult(
                status=2,
                message=f"no circuit within {budget} builds reaches L2 error {eps:g} ({error})",
                best=None,
                n_built=len(records),
                records=records,
            )
        return OptimizeResult(status=0, best=best, n_built=len(records), records=records)

    def _bisect_width(self, n: int, ok: Callable, limit: int) -> CircuitRecord | None:
        """Least uniform width b ≤ max_bits whose circuit at level ``n`` meets ε: upward in steps
        of 4 from 8 until one meets it (wide circuits are the expensive ones), then bisection."""
        lo, b = 0, min(8, self.max_bits)
        while True:
            found = self.build(n, _spec(b, b, b, self.rounding))
            if ok(found):
                hi = b
                break
            if b == self.max_bits or self.n_built >= limit:
                return None
            lo, b = b, min(self.max_bits, b + 4)
        while hi - lo > 1 and self.n_built < limit:
            mid = (lo + hi) // 2
            rec = self.build(n, _spec(mid, mid, mid, self.rounding))
            if ok(rec):
                hi, found = mid, rec
            else:
                lo = mid
        return found

    def _descend(
        self, best: CircuitRecord, levels: Sequence[int], ok: Callable, limit: int
    ) -> CircuitRecord:
        """Coordinate descent over (k, F_w, F_a) and the next smaller pruning level."""
        smaller = sorted(levels)
        improved = True
        while improved and self.n_built < limit:
            improved = False
            s = best.spec
            moves = [
                (best.n_keep, s.input_bits - 1, s.weight_bits, s.act_bits),
                (best.n_keep, s.input_bits, s.weight_bits - 1, s.act_bits),
                (best.n_keep, s.input_bits, s.weight_bits, s.act_bits - 1),
            ]
            below = [n for n in smaller if n < best.n_keep]
            if below:
                moves.append((below[-1], s.input_bits, s.weight_bits, s.act_bits))
            for n, k, fw, fa in moves:
                if min(k - 1, fw, fa) < 0 or self.n_built >= limit:
                    continue
                rec = self.build(n, _spec(k, fw, fa, self.rounding))
                if ok(rec) and rec.gates < best.gates:
                    best, improved = rec, True
                    break
        return best

    def frontier(
        self, eps_values: Sequence[float], *, error: str = "net", budget: int = 40
    ) -> list[OptimizeResult]:
        """:meth:`search` for each ε (memoised builds are shared); results in the given order."""
        return [self.search(float(e), error=error, budget=budget) for e in eps_values]

    def release(self, keep: Sequence[CircuitRecord]) -> None:
        """Drop the circuits of every record not in ``keep`` (their provenance stays)."""
        ids = {id(r) for r in keep}
        for r in self.records:
            if id(r) not in ids:
                r.compiled = None
