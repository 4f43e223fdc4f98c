"""Models → circuits: decision trees, majority votes, cube covers and derived features, built with
:class:`occam.circuits.Builder` and optimised by ABC (issue 18 item 2).

Every route builds its circuit over the inputs ``x0 .. x{n-1}`` with one output ``y0``; the
builder's structural hashing and constant folding apply as the circuit is built, then
:func:`finish` runs ABC (``strash; <script>``) and keeps the smaller of the two (in AIG ANDs).
The size that counts for the node budget is the AIG AND count (AIGER header ``A``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from occam.circuits import Builder, Circuit
from occam.circuits.abc import AbcError, optimize_report
from occam.circuits.io import circuit_to_aig

__all__ = [
    "Feature",
    "FeatureSet",
    "aig_ands",
    "at_least",
    "cover_node",
    "finish",
    "tree_node",
]


def aig_ands(circuit: Circuit) -> int:
    """AIG AND count of ``circuit`` (what the AIGER header ``A`` of its file will say)."""
    return circuit_to_aig(circuit).n_ands


def finish(
    build: Callable[[Builder, list[int]], int], n_inputs: int, script: str = "resyn2"
) -> Circuit:
    """Build ``build(builder, inputs) -> output node`` over ``n_inputs`` inputs, then ABC.

    ABC's result replaces the built circuit when it has no more AIG ANDs; an ABC failure (not a
    user error: a crash or timeout of the external tool) keeps the built circuit.
    """
    b = Builder()
    xs = b.inputs(n_inputs)
    b.output(build(b, xs))
    c = b.build()
    if aig_ands(c) == 0:
        return c
    try:
        opt = optimize_report(c, script, verify=False, keep_best=False).abc_circuit
    except AbcError:
        return c
    return opt if aig_ands(opt) <= aig_ands(c) else c


@dataclass(frozen=True)
class Feature:
    """A derived Boolean feature ``op(lit_a, lit_b)`` of earlier features (FRINGE, Pagallo
    and Haussler 1990): ``op`` is ``"and"`` or ``"xor"``, a literal is ``(index, negated)``."""

    op: str
    a: tuple[int, bool]
    b: tuple[int, bool]


class FeatureSet:
    """Inputs ``0..n-1`` followed by derived :class:`Feature` columns, each over earlier ones."""

    def __init__(self, n_inputs: int) -> None:
        self.n_inputs = n_inputs
        self.derived: list[Feature] = []

    @property
    def n_features(self) -> int:
        return self.n_inputs + len(self.derived)

    def add(self, feat: Feature) -> int:
        self.derived.append(feat)
        return self.n_features - 1

    @staticmethod
    def _apply(feat: Feature, cols: Callable[[int], np.ndarray]) -> np.ndarray:
        a = cols(feat.a[0]) ^ feat.a[1]
        b = cols(feat.b[0]) ^ feat.b[1]
        return (a & b) if feat.op == "and" else (a ^ b)

    def column(self, feat: Feature, matrix: np.ndarray) -> np.ndarray:
        """The values of ``feat`` given the current feature ``matrix`` (samples × features)."""
        return self._apply(feat, lambda i: matrix[:, i])

    def transform(self, x: np.ndarray) -> np.ndarray:
        """All feature columns of raw inputs ``x`` (samples × n_inputs)."""
        out = np.zeros((x.shape[0], self.n_features), dtype=bool)
        out[:, : self.n_inputs] = x
        for k, feat in enumerate(self.derived):
            out[:, self.n_inputs + k] = self.column(feat, out)
        return out

    def node_builder(self, b: Builder, xs: Sequence[int]) -> Callable[[int], int]:
        """A function feature index → builder node, building derived features on demand."""
        memo: dict[int, int] = {i: xs[i] for i in range(self.n_inputs)}

        def node(i: int) -> int:
            stack = [i]
            while stack:  # iterative: derived features may nest deeply
                j = stack[-1]
                if j in memo:
                    stack.pop()
                    continue
                feat = self.derived[j - self.n_inputs]
                todo = [k for k in (feat.a[0], feat.b[0]) if k not in memo]
                if todo:
                    stack.extend(todo)
                    continue
                la = b.NOT(memo[feat.a[0]]) if feat.a[1] else memo[feat.a[0]]
                lb = b.NOT(memo[feat.b[0]]) if feat.b[1] else memo[feat.b[0]]
                memo[j] = b.AND(la, lb) if feat.op == "and" else b.XOR(la, lb)
                stack.pop()
            return memo[i]

        return node


def tree_node(
    b: Builder,
    tree: object,
    feature_node: Callable[[int], int],
    classes: Sequence[object] | None = None,
) -> int:
    """Node computing a fitted scikit-learn binary decision tree on Boolean features.

    Each split ``x_f <= 0.5`` becomes ``MUX(x_f, right, left)``; a leaf is the constant of its
    majority class; subtrees with equal results collapse (the builder hashes equal ones).
    ``classes`` maps class indices to labels (a forest's trees are fitted on encoded labels:
    pass the forest's ``classes_``); default the tree's own ``classes_``.
    """
    t = tree.tree_  # type: ignore[attr-defined]
    if classes is None:
        classes = tree.classes_  # type: ignore[attr-defined]
    left, right, feat, value = t.children_left, t.children_right, t.feature, t.value
    memo: dict[int, int] = {}
    order = []
    stack = [0]
    while stack:  # post-order without recursion (deep trees)
        n = stack.pop()
        order.append(n)
        if left[n] != -1:
            stack.extend((left[n], right[n]))
    for n in reversed(order):
        if left[n] == -1:
            memo[n] = b.const(bool(classes[int(np.argmax(value[n][0]))]))
        else:
            memo[n] = b.MUX(feature_node(int(feat[n])), memo[right[n]], memo[left[n]])
    return memo[0]


def at_least(b: Builder, votes: Sequence[int], k: int) -> int:
    """Node of ``Σ votes ≥ k`` by the dynamic programme ``T[i][j] = T[i-1][j] ∨ (v_i ∧
    T[i-1][j-1])`` (at most ``2 k n`` gates; used for majority votes of a few trees)."""
    if k <= 0:
        return b.const(True)
    row = [b.const(True)] + [b.const(False)] * k  # row[j]: at least j of the votes seen so far
    for v in votes:
        row = [row[0]] + [b.OR(row[j], b.AND(v, row[j - 1])) for j in range(1, k + 1)]
    return row[k]


def cover_node(
    b: Builder, xs: Sequence[int], cubes: Sequence[tuple[np.ndarray, np.ndarray]], negate: bool
) -> int:
    """Node of the sum of products ``OR_c AND_{i in mask_c} (x_i == value_c[i])`` (negated when
    ``negate``)."""
    terms = []
    for mask, val in cubes:
        idx = np.flatnonzero(mask)
        terms.append(b.AND_many(xs[i] if val[i] else b.NOT(xs[i]) for i in idx))
    out = b.OR_many(terms)
    return b.NOT(out) if negate else out
