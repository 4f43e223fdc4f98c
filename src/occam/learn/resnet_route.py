"""Route (a) of issue 18, the Occam ResNet: train, prune, compile the sign, ABC, shrink.

On bits the examples are encoded ``±1`` (``x_i = True ↦ +1``) and the labels are ``±1`` targets.
The route

1. ranks the inputs by a cheap relevance score read off the training set (the entropy-tree
   importance of :func:`occam.learn.routes._relevance`) and keeps the top ``m`` (``m`` chosen on
   validation);
2. trains the SPEC 3 ResNet on them (width ``m``, small hidden width, depth 1; in the full grid
   also depth 0, a linear threshold) with the SPEC 5 objective ``J = loss + λ R̃(θ)``
   (``penalty="ideal"``, the logistic loss, full-batch Adam; :func:`occam.train.train`), one
   net per ``(m, L, λ)`` of a small grid; the nets tied on
   validation (:func:`~occam.learn.routes.tie_margin`) go on, least depth, then fewest inputs,
   then largest λ first (at most ``max_nets`` of them);
3. prunes each to a few keep levels (magnitude, SPEC 6: :func:`occam.prune.magnitude_prune`),
   fine-tuning the surviving weights with the masks fixed;
4. quantises each pruned net (SPEC 7, :func:`occam.compiler.quantize`) on the box ``(−2, 2)^m``
   with ``input_bits = 1``: the two cell centres are exactly ``−1`` and ``+1``, so the compiled
   circuit's input bit ``i`` *is* the Boolean ``x_i``; ``rounding="floor"`` and ``out_bits = 0``,
   so the output word is ``⌊y / 2^{F_w + F_a}⌋``, whose sign is the sign of the exact sum ``y``;
   the predicted label is ``y ≥ 0`` (as for the float net, ``f(x) ≥ 0``), i.e. the negated sign
   bit;
5. ranks the (net, keep level, bit widths) options by the validation accuracy of the integer
   reference model (:func:`occam.compiler.evaluate_integer`: no circuit needed) and builds them in
   the order of :func:`~occam.learn.routes._first_fitting` (smallest tied option first): the
   compiled network (:func:`occam.compiler.build_circuit`) is instantiated over the chosen inputs,
   only the negated sign bit is kept as output (everything outside its cone is dropped) and ABC
   optimises it (:func:`occam.learn.circuitize.finish`); the first within ``max_nodes`` AIG ANDs is
   returned, its accuracies recomputed by simulating the circuit. The options go down to a handful
   of weights at one weight bit, so a small budget shrinks the net rather than failing.

Torch is imported inside :meth:`ResNetRoute.fit`, so ``import occam.learn`` stays light; torch
runs on one thread during the fit (restored afterwards). Deterministic given the seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from occam.circuits import Builder, Circuit
from occam.learn.circuitize import aig_ands, finish
from occam.learn.routes import Candidate, Data, _first_fitting, _relevance, tie_margin

__all__ = ["ResNetRoute", "ResNetSettings", "sign_circuit"]

# box (−2, 2) per input with one input bit: cell centres −2 + (q + 1/2)·2 = −1, +1
_BOX = (-2.0, 2.0)


@dataclass(frozen=True)
class ResNetSettings:
    """Hyper-parameter grid of :class:`ResNetRoute` (the quick and full grids are instances).

    ``inputs``: candidate ``m`` (top-m relevant inputs); ``lams``: λ of ``J = loss + λ R̃``;
    ``hidden``, ``depths``: the SPEC 3 ``k`` and the candidate ``L`` (width is ``m``);
    ``steps``, ``lr``: full-batch Adam; ``max_nets``: trained nets carried on to pruning (the
    tied ones, least depth, fewest inputs, largest λ first); ``finetune``: steps after each
    pruning; ``keep``: fractions of the nonzero weights kept; ``bits``: ``(weight_bits,
    act_bits)`` pairs; ``shrink``: the extra tiny options (fraction kept, weight bits, act bits)
    that let a small budget be met;
    ``max_tries``: circuits built before falling back to the smallest option; ``script``: the
    ABC script; ``abc_ratio``: a built circuit over ``abc_ratio · max_nodes`` AIG ANDs is not
    given to ABC.
    """

    inputs: tuple[int, ...] = (8, 24)
    lams: tuple[float, ...] = (1e-4, 1e-3)
    hidden: int = 8
    depths: tuple[int, ...] = (1,)
    steps: int = 200
    lr: float = 5e-2
    finetune: int = 80
    max_nets: int = 1
    keep: tuple[float, ...] = (1.0, 0.5, 0.25)
    bits: tuple[tuple[int, int], ...] = ((2, 1), (4, 2))
    shrink: tuple[tuple[float, int, int], ...] = ((0.1, 2, 1), (0.03, 1, 0))
    max_tries: int = 4
    script: str = "dc2"
    abc_ratio: float = 4.0


QUICK = ResNetSettings()
FULL = ResNetSettings(
    inputs=(8, 24, 64),
    lams=(1e-4, 1e-3, 1e-2),
    hidden=12,
    depths=(0, 1),
    steps=400,
    lr=3e-2,
    finetune=120,
    max_nets=2,
    keep=(1.0, 0.5, 0.25, 0.12),
    bits=((2, 1), (3, 2), (4, 2), (5, 3)),
    max_tries=6,
    script="resyn2",
)


def sign_circuit(
    qnet: Any,
    selected: np.ndarray,
    n_inputs: int,
    script: str = "resyn2",
    abc_limit: int | None = None,
) -> Circuit:
    """One-output circuit over ``n_inputs`` Boolean inputs computing ``y ≥ 0`` of the quantised
    net ``qnet`` (``input_bits = 1``, one output) whose input ``j`` is ``x[selected[j]]``.

    The compiled word's last bit is its two's complement sign (:mod:`occam.compiler.build`), so
    the label is its negation; only that bit's cone is kept, and ABC optimises it (:func:`finish`)
    unless the built circuit has more than ``abc_limit`` AIG ANDs (then it is returned as built:
    too large for the budget even after ABC, which would only cost time).
    """
    from occam.compiler import build_circuit
    from occam.learn.learner import LearnError

    if qnet.spec.input_bits != 1 or qnet.d_out != 1:
        raise LearnError(
            f"sign_circuit: needs input_bits = 1 and one output, received input_bits="
            f"{qnet.spec.input_bits} and {qnet.d_out} outputs"
        )
    compiled, _ = build_circuit(qnet)
    sel = [int(i) for i in selected]

    def build(b, xs):
        outs = b.add_circuit(compiled, [xs[i] for i in sel])
        return b.NOT(outs[-1])

    if abc_limit is not None:
        b = Builder()
        b.output(build(b, b.inputs(n_inputs)))
        raw = b.build()
        if aig_ands(raw) > abc_limit:
            return raw
    return finish(build, n_inputs, script)


def predict_sign(qnet: Any, x: np.ndarray) -> np.ndarray:
    """``y ≥ 0`` of the integer reference model on Boolean rows ``x`` (True ↦ cell 1 ↦ +1)."""
    from occam.compiler import evaluate_integer

    return np.asarray(evaluate_integer(qnet, x.astype(np.int64)))[:, 0] >= 0


class ResNetRoute:
    """Route (a): the Occam ResNet compiled to the sign of its output (module docstring)."""

    name = "resnet"

    def __init__(self, settings: ResNetSettings | None = None) -> None:
        self.settings = settings
        self._settings = settings or QUICK  # the grid of the fit in progress

    def fit(self, data: Data, max_nodes: int, seed: int, quick: bool) -> Candidate | None:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._fit(data, max_nodes, seed, quick)
        finally:
            torch.set_num_threads(threads)

    # ------------------------------------------------------------------------------------------
    def _train(self, x, y, m: int, depth: int, lam: float, steps: int, seed: int, model=None):
        from occam.train import TrainConfig, train

        s = self._settings
        cfg = TrainConfig(
            width=m,
            hidden=s.hidden,
            depth=depth,
            penalty="ideal",
            lam=lam,
            optimizer="adam",
            lr=s.lr,
            steps=steps,
            batch_size=None,
            loss="logistic",
            seed=seed,
            dtype="float32",
            log_every=max(steps, 1),
            checkpoint_every=0,
        )
        return train(x, y, cfg, progress=False, model=model).model

    @staticmethod
    def _float_accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
        import torch

        with torch.no_grad():
            f = model(torch.as_tensor(2.0 * x - 1.0, dtype=torch.float32))[:, 0].numpy()
        return float(np.mean((f >= 0) == y))

    def _fit(self, data: Data, max_nodes: int, seed: int, quick: bool) -> Candidate | None:
        import torch

        from occam.compiler import FixedPointSpec, quantize
        from occam.prune import magnitude_prune

        s = self._settings = self.settings or (QUICK if quick else FULL)
        d = data.n_inputs
        if d == 0 or data.x_train.shape[0] == 0:
            return None
        order = np.argsort(-_relevance(data.x_train, data.y_train, seed), kind="stable")
        y_pm = (2.0 * data.y_train - 1.0)[:, None]
        torch.manual_seed(seed)

        # 1-2: one net per (m, L, λ); the nets tied with the best on validation go on
        nets = []
        for m in sorted({min(m, d) for m in s.inputs}):
            sel = np.sort(order[:m])
            x_pm = 2.0 * data.x_train[:, sel] - 1.0
            for depth in s.depths:
                for lam in s.lams:
                    model = self._train(x_pm, y_pm, m, depth, lam, s.steps, seed)
                    acc = self._float_accuracy(model, data.x_valid[:, sel], data.y_valid)
                    nets.append((acc, m, depth, lam, sel, model))
        best = max(n[0] for n in nets)
        margin = tie_margin(best, data.y_valid.shape[0], data.tolerance_se)
        nets = [n for n in nets if n[0] >= best - margin]
        nets = sorted(nets, key=lambda n: (n[2], n[1], -n[3]))[: s.max_nets]

        # 3-5: prune, quantise, rank by the integer model's validation accuracy
        options = []
        levels = [(k, b) for k in s.keep for b in s.bits]
        levels += [(k, (wb, ab)) for k, wb, ab in s.shrink]
        for _, m, depth, lam, sel, model in nets:
            x_pm = 2.0 * data.x_train[:, sel] - 1.0
            nonzero = model.n_nonzero()
            pruned_by_keep: dict[float, Any] = {}
            for keep, (wb, ab) in levels:
                if keep not in pruned_by_keep:
                    if keep >= 1.0:
                        pruned_by_keep[keep] = model
                    else:
                        n_keep = max(round(keep * nonzero), 2)
                        pruned = magnitude_prune(model, n_keep)
                        if s.finetune:
                            pruned = self._train(
                                x_pm, y_pm, m, depth, lam, s.finetune, seed, model=pruned
                            )
                        pruned_by_keep[keep] = pruned
                net = pruned_by_keep[keep]
                spec = FixedPointSpec(
                    input_bits=1, weight_bits=wb, act_bits=ab, out_bits=0, rounding="floor"
                )
                qnet = quantize(net, _BOX, spec)
                acc = float(np.mean(predict_sign(qnet, data.x_valid[:, sel]) == data.y_valid))
                hint = qnet.n_weights * (wb + ab + 1)
                detail = (
                    f"m={m} depth={depth} lam={lam:g} keep={keep:g} weight_bits={wb} act_bits={ab}"
                )

                def make(qnet=qnet, sel=sel):
                    return sign_circuit(qnet, sel, d, s.script, int(s.abc_ratio * max_nodes))

                options.append((acc, hint, detail, make))
        return _first_fitting(self.name, data, options, max_nodes, max_tries=s.max_tries)
