"""Learning routes (issue 18 item 2): each turns labelled examples into one circuit within the node
budget, tuning its own hyper-parameters on the validation set.

A route is any object with a ``name`` and ``fit(data, max_nodes, seed, quick) -> Candidate | None``
(:class:`Route`); the learner compares the routes' candidates on validation accuracy only. Routes
see the arrays alone: never a benchmark's id, family or file name.

Shipped routes (hyper-parameters chosen on validation, ties to the smaller circuit):

* ``tree``: one depth-limited decision tree (entropy splits), each split a MUX;
* ``forest``: a small random forest, majority vote ``Σ votes ≥ ⌈T/2⌉`` built as a threshold DP;
* ``cover``: the training set as a care set, minimised as a sum of products whose cubes are
  expanded against the training off-set (Espresso's *expand* with the unseen minterms as
  don't-cares; literals least relevant to the label are dropped first), either polarity, cubes of
  small support dropped;
* ``fringe``: decision trees over FRINGE features (Pagallo and Haussler 1990): each round adds the
  AND and XOR of the two last tests above each leaf as new features, so trees find carries,
  comparisons and parities that a plain tree cannot afford;
* ``fw``: Frank-Wolfe over the hull of small circuits (route (b) of issue 18, SPEC 11 with
  ``K = 0``): a weighted vote of depth-limited trees, each the linear minimisation oracle's answer
  to the weighted sign of the residual (:class:`FrankWolfeRoute`);
* ``word``: word-level hypotheses fitted on the training set: the inputs read as two unsigned words
  ``A``, ``B`` (halves or interleaved, either bit order) with ``y`` a top bit of ``A + B``, a bit
  of ``A · B``, or ``A < B``, ``A ≤ B``, ``A = B`` (either polarity); or ``y = g(Σ_i x_i)`` a
  symmetric function with ``g`` read off the training set. The hypothesis with the best training
  accuracy is built exactly with :mod:`occam.circuits.arith`;
* ``resnet``: the Occam ResNet (route (a) of issue 18, :mod:`occam.learn.resnet_route`): the
  SPEC 3 ResNet trained on ``±1``-encoded bits with the complexity regulariser (SPEC 5, λ chosen
  on validation) over the most relevant inputs, pruned (SPEC 6), quantised and compiled (SPEC 7)
  with the sign of its output as the one output, optimised by ABC, and shrunk (more pruning, fewer
  bits) to the budget. Registered lazily: this module does not import the torch side.

Each route shrinks to the budget: candidates are tried best-on-validation first and the first whose
optimised circuit has at most ``max_nodes`` AIG ANDs is returned.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from occam.circuits import Builder, Circuit, arith
from occam.learn.circuitize import (
    Feature,
    FeatureSet,
    aig_ands,
    at_least,
    cover_node,
    finish,
    tree_node,
)

__all__ = [
    "ROUTES",
    "Candidate",
    "CoverRoute",
    "Data",
    "ForestRoute",
    "FrankWolfeRoute",
    "FringeRoute",
    "Route",
    "TreeRoute",
    "WordRoute",
    "accuracy",
]


@dataclass(frozen=True)
class Data:
    """Training and validation examples: bool ``x (n, d)``, bool ``y (n,)``; ``tolerance_se``
    sets how many standard errors of validation accuracy count as a tie (:func:`tie_margin`)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    tolerance_se: float = 1.0

    @property
    def n_inputs(self) -> int:
        return int(self.x_train.shape[1])


@dataclass
class Candidate:
    """A route's circuit with its accuracies (recomputed by simulating the circuit) and size."""

    route: str
    circuit: Circuit
    train_accuracy: float
    valid_accuracy: float
    ands: int
    detail: str = ""
    seconds: float = field(default=0.0)


@runtime_checkable
class Route(Protocol):
    """What the learner needs from a route (routes (a) ``resnet`` and (b) ``fw`` are two)."""

    name: str

    def fit(self, data: Data, max_nodes: int, seed: int, quick: bool) -> Candidate | None: ...


def accuracy(circuit: Circuit, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows where the circuit's single output equals ``y``."""
    if x.shape[0] == 0:
        return 1.0
    return float(np.mean(circuit.simulate(x)[:, 0] == y))


def tie_margin(best_accuracy: float, n_valid: int, tolerance_se: float) -> float:
    """Accuracies within ``tolerance_se · SE`` of the best are tied, ``SE = sqrt(p (1 - p) / n)``
    the binomial standard error of the best validation accuracy ``p`` on ``n`` examples (at least
    ``1 / n``): CART's one-standard-error rule (Breiman et al. 1984) when ``tolerance_se = 1``.
    Among tied candidates the smallest circuit wins (Occam's razor, decided on validation)."""
    n = max(int(n_valid), 1)
    p = float(best_accuracy)
    return tolerance_se * max(np.sqrt(p * (1.0 - p) / n), 1.0 / n)


def _first_fitting(
    name: str,
    data: Data,
    options: list[tuple[float, int, str, Callable[[], Circuit]]],
    max_nodes: int,
    max_tries: int = 6,
) -> Candidate | None:
    """Try ``(valid_acc, size_hint, detail, make)``: first the smallest option tied with the best
    (:func:`tie_margin`), then the rest by accuracy (then size); return the first circuit within
    ``max_nodes`` AIG ANDs, its accuracies recomputed from the circuit."""
    best = max(o[0] for o in options)
    margin = tie_margin(best, data.y_valid.shape[0], data.tolerance_se)
    options = sorted(
        options, key=lambda o: (o[0] < best - margin, -o[0] if o[0] < best - margin else 0, o[1])
    )
    for _, _, detail, make in options[:max_tries]:
        c = make()
        n = aig_ands(c)
        if n <= max_nodes:
            return Candidate(
                name,
                c,
                accuracy(c, data.x_train, data.y_train),
                accuracy(c, data.x_valid, data.y_valid),
                n,
                detail,
            )
    # the budget rejected the best options: the most accurate on validation of the smallest
    # few (by size hint) that fit, never a blind pick of the single smallest, which may be a
    # degenerate option (a net quantised to constants, a tree of one leaf)
    fitting = []
    for _, _, detail, make in sorted(options, key=lambda o: o[1])[:max_tries]:
        c = make()
        n = aig_ands(c)
        if n <= max_nodes:
            fitting.append((accuracy(c, data.x_valid, data.y_valid), -n, detail, c))
    if not fitting:
        return None
    valid_acc, neg_n, detail, c = max(fitting, key=lambda f: f[:2])
    return Candidate(name, c, accuracy(c, data.x_train, data.y_train), valid_acc, -neg_n, detail)


# ---------------------------------------------------------------------------------- tree, forest
class TreeRoute:
    """One depth-limited decision tree; depth chosen on validation."""

    name = "tree"

    def fit(self, data: Data, max_nodes: int, seed: int, quick: bool) -> Candidate | None:
        from sklearn.tree import DecisionTreeClassifier

        depths = [1, 2, 4, 6, 8, 10, 12] if quick else [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20]
        options = []
        for d in depths:
            clf = DecisionTreeClassifier(max_depth=d, criterion="entropy", random_state=seed)
            clf.fit(data.x_train, data.y_train)
            acc = float(clf.score(data.x_valid, data.y_valid))

            def make(clf=clf):
                return finish(lambda b, xs: tree_node(b, clf, lambda i: xs[i]), data.n_inputs)

            options.append((acc, int(clf.tree_.node_count), f"max_depth={d}", make))
        return _first_fitting(self.name, data, options, max_nodes)


class ForestRoute:
    """A small random forest with a majority vote; size and depth chosen on validation."""

    name = "forest"

    def fit(self, data: Data, max_nodes: int, seed: int, quick: bool) -> Candidate | None:
        from sklearn.ensemble import RandomForestClassifier

        grid = [(5, 8), (9, 10)] if quick else [(5, 8), (9, 8), (9, 12), (15, 10), (21, 10)]
        options = []
        for n_trees, depth in grid:
            rf = RandomForestClassifier(
                n_estimators=n_trees,
                max_depth=depth,
                criterion="entropy",
                random_state=seed,
                n_jobs=1,
            )
            rf.fit(data.x_train, data.y_train)
            # the circuit votes with hard labels, so score the hard majority, not sklearn's mean
            # of probabilities
            labels = rf.classes_.astype(bool)
            votes = np.stack([labels[t.predict(data.x_valid).astype(int)] for t in rf.estimators_])
            pred = votes.sum(0) >= (n_trees + 1) // 2
            acc = float(np.mean(pred == data.y_valid))
            size = sum(int(t.tree_.node_count) for t in rf.estimators_)

            def make(rf=rf, k=(n_trees + 1) // 2):
                def build(b: Builder, xs: list[int]) -> int:
                    votes = [tree_node(b, t, lambda i: xs[i], rf.classes_) for t in rf.estimators_]
                    return at_least(b, votes, k)

                return finish(build, data.n_inputs)

            options.append((acc, size, f"trees={n_trees} max_depth={depth}", make))
        return _first_fitting(self.name, data, options, max_nodes)


# ---------------------------------------------------------------------------------- cover
def _relevance(x: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """Per-input relevance: entropy-tree importance plus a tiny seeded tie-breaker."""
    from sklearn.tree import DecisionTreeClassifier

    clf = DecisionTreeClassifier(max_depth=12, criterion="entropy", random_state=seed)
    clf.fit(x, y)
    rng = np.random.default_rng(seed)
    return clf.feature_importances_ + 1e-9 * rng.random(x.shape[1])


def expand_cover(
    on: np.ndarray, off: np.ndarray, drop_order: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Cubes covering every row of ``on`` and no row of ``off`` (rows equal to an ``on`` row
    excepted), each expanded from an uncovered ``on`` row by dropping literals in ``drop_order``
    while no ``off`` row enters the cube. Returns ``(mask, values, support)`` triples, ``support``
    the number of ``on`` rows first covered by the cube."""
    n_on = on.shape[0]
    uncovered = np.ones(n_on, dtype=bool)
    cubes = []
    while uncovered.any():
        i = int(np.flatnonzero(uncovered)[0])
        seed_row = on[i]
        diff = off ^ seed_row  # diff[r, j]: off row r violates literal j of the minterm cube
        count = diff.sum(1)
        keep = np.ones(on.shape[1], dtype=bool)
        crit = np.flatnonzero(count == 1)
        for j in drop_order:
            if crit.size and diff[crit, j].any():
                continue  # dropping j would let an off row in
            keep[j] = False
            hit = diff[:, j]
            if hit.any():
                count = count - hit
                crit = np.flatnonzero(count == 1)
        covered = ~((on[:, keep] ^ seed_row[keep]).any(1))
        support = int((covered & uncovered).sum())
        uncovered &= ~covered
        cubes.append((keep, seed_row.copy(), support))
    return cubes


def _cubes_predict(x: np.ndarray, cubes, negate: bool) -> np.ndarray:
    out = np.zeros(x.shape[0], dtype=bool)
    for mask, val, _ in cubes:
        out |= ~((x[:, mask] ^ val[mask]).any(1))
    return ~out if negate else out


class CoverRoute:
    """The training set as a care set, minimised as an expanded cube cover (see module doc)."""

    name = "cover"

    def fit(self, data: Data, max_nodes: int, seed: int, quick: bool) -> Candidate | None:
        order = np.argsort(_relevance(data.x_train, data.y_train, seed), kind="stable")
        options = []
        for negate in (False, True):
            target = data.y_train != negate
            cubes = expand_cover(data.x_train[target], data.x_train[~target], order)
            for min_support in (1, 2, 4, 8):
                kept = [c for c in cubes if c[2] >= min_support]
                if not kept and min_support > 1:
                    continue
                pred = _cubes_predict(data.x_valid, kept, negate)
                acc = float(np.mean(pred == data.y_valid))
                lits = sum(int(c[0].sum()) for c in kept)

                def make(kept=kept, negate=negate):
                    cubes2 = [(m, v) for m, v, _ in kept]
                    return finish(lambda b, xs: cover_node(b, xs, cubes2, negate), data.n_inputs)

                polarity = "off-set" if negate else "on-set"
                options.append(
                    (acc, lits, f"{polarity} cubes={len(kept)} min_support={min_support}", make)
                )
        return _first_fitting(self.name, data, options, max_nodes)


# ---------------------------------------------------------------------------------- fringe
def _fringe_features(clf, fs: FeatureSet, limit: int) -> list[Feature]:
    """AND and XOR of the two last tests on the path to each leaf, most populated leaves first."""
    t = clf.tree_
    left, right, feat = t.children_left, t.children_right, t.feature
    parent: dict[int, tuple[int, bool]] = {}
    for n in range(t.node_count):
        if left[n] != -1:
            parent[int(left[n])] = (n, True)  # reached when x_f = 0: literal NOT x_f
            parent[int(right[n])] = (n, False)
    leaves = [n for n in range(t.node_count) if left[n] == -1]
    leaves.sort(key=lambda n: -int(t.n_node_samples[n]))
    out: list[Feature] = []
    for leaf in leaves:
        if leaf not in parent or parent[leaf][0] not in parent:
            continue
        p, neg_p = parent[leaf]
        g, neg_g = parent[p]
        fp, fg = int(feat[p]), int(feat[g])
        if fp == fg:
            continue
        out.append(Feature("and", (fg, neg_g), (fp, neg_p)))
        out.append(Feature("xor", (fg, False), (fp, False)))
        if len(out) >= limit:
            break
    return out


class FringeRoute:
    """Decision trees over iteratively built FRINGE features; round and depth chosen on
    validation."""

    name = "fringe"

    def fit(self, data: Data, max_nodes: int, seed: int, quick: bool) -> Candidate | None:
        from sklearn.tree import DecisionTreeClassifier

        rounds = 4 if quick else 8
        depths = [6, 10, 14] if quick else [6, 8, 10, 12, 16, 24]
        fs = FeatureSet(data.n_inputs)
        ft, fv = data.x_train.copy(), data.x_valid.copy()
        seen = {ft[:, i].tobytes() for i in range(ft.shape[1])}
        options = []
        for r in range(rounds):
            grower = None
            for d in depths:
                clf = DecisionTreeClassifier(max_depth=d, criterion="entropy", random_state=seed)
                clf.fit(ft, data.y_train)
                acc = float(clf.score(fv, data.y_valid))

                def make(clf=clf):
                    return finish(
                        lambda b, xs: tree_node(b, clf, fs.node_builder(b, xs)), data.n_inputs
                    )

                options.append((acc, int(clf.tree_.node_count), f"round={r} max_depth={d}", make))
                grower = clf
            new_t, new_v = [], []
            for feat in _fringe_features(grower, fs, limit=300):
                col = fs.column(feat, ft)
                key, neg = col.tobytes(), (~col).tobytes()
                if key in seen or neg in seen or col.all() or not col.any():
                    continue
                seen.add(key)
                fs.add(feat)
                new_t.append(col)
                new_v.append(fs.column(feat, fv))
            if not new_t:
                break
            ft = np.concatenate([ft, np.stack(new_t, 1)], 1)
            fv = np.concatenate([fv, np.stack(new_v, 1)], 1)
        return _first_fitting(self.name, data, options, max_nodes)


# ---------------------------------------------------------------------------------- frank-wolfe
def _weighted_vote(b: Builder, votes: list[int], weights: list[int], threshold: int) -> int:
    """Node of ``Σ_j w_j v_j ≥ threshold`` (non-negative integer weights): the weighted bits are
    summed by an adder tree and compared with the constant."""
    words = []
    for v, w in zip(votes, weights, strict=True):
        if w > 0:
            words.append([v if (w >> i) & 1 else b.const(False) for i in range(w.bit_length())])
    if threshold <= 0:
        return b.const(True)
    if not words or sum(weights) < threshold:
        return b.const(False)
    total = arith.adder_tree(b, words, signed=False)
    const = arith.const_word(threshold, len(total))
    return b.NOT(arith.less_than(b, total, const, signed=False))


def _quantize(lam: np.ndarray, levels: int) -> tuple[list[int], int]:
    """Integer weights ``round(levels · λ_j / max λ)`` and the threshold ``⌈Σ w / 2⌉`` of
    ``sign(Σ λ_j h_j) ≥ 0`` for votes ``h_j = 2 b_j − 1``."""
    w = np.rint(levels * lam / max(float(lam.max()), 1e-300)).astype(int)
    return [int(v) for v in w], int(-(-int(w.sum()) // 2))


class FrankWolfeRoute:
    """Route (b) of issue 18 on bits: Frank-Wolfe over the hull of small circuits.

    On Boolean inputs a Tetrakis function with ``K = 0`` is ``dec ∘ C`` (SPEC 11), so Frank-Wolfe
    over conv{±τ h_C} minimises the squared loss ``½ mean (g − y±)²`` over weighted sums of
    circuits ``g = Σ_j λ_j h_j`` with ``h_j = 2 C_j − 1``. Each step's linear minimisation oracle
    fits a depth-limited tree to the sign of the residual ``y± − g`` weighted by its magnitude
    (the weighted sign of the residual); the step size is the exact line search of the squared
    loss. The prediction ``sign(g)`` becomes one circuit: the trees, their weights quantised to
    4-bit integers, an adder tree and a comparison with half the total weight. The number of
    steps and the tree depth are chosen on validation, with the quantised weights.
    """

    name = "fw"

    def fit(self, data: Data, max_nodes: int, seed: int, quick: bool) -> Candidate | None:
        from sklearn.tree import DecisionTreeClassifier

        ypm = np.where(data.y_train, 1.0, -1.0)
        steps = (5, 10, 15) if quick else (5, 10, 15, 20, 30)
        options = []
        for depth in (4,) if quick else (3, 5):
            g = np.zeros_like(ypm)
            lam = np.zeros(0)
            trees, hv = [], []
            for t in range(max(steps)):
                r = ypm - g
                clf = DecisionTreeClassifier(max_depth=depth, random_state=seed + t)
                clf.fit(data.x_train, r > 0, sample_weight=np.abs(r))
                s = np.where(clf.predict(data.x_train), 1.0, -1.0)
                d = s - g
                gamma = 1.0 if t == 0 else float(np.clip(r @ d / max(d @ d, 1e-300), 0.0, 1.0))
                g = g + gamma * d
                lam = np.append((1.0 - gamma) * lam, gamma)
                trees.append(clf)
                hv.append(clf.predict(data.x_valid).astype(bool))
                exact = not np.any(ypm - g)  # the training set is fitted: no further step helps
                if t + 1 in steps or exact:
                    w, thr = _quantize(lam, 15)
                    score = np.stack(hv).T.astype(int) @ np.array(w)
                    acc = float(np.mean((score >= thr) == data.y_valid))
                    size = sum(int(c.tree_.node_count) for c in trees)
                    snapshot = tuple(trees)

                    def make(trees=snapshot, w=w, thr=thr):
                        def build(b: Builder, xs: list[int]) -> int:
                            votes = [tree_node(b, c, lambda i: xs[i]) for c in trees]
                            return _weighted_vote(b, votes, w, thr)

                        return finish(build, data.n_inputs)

                    options.append((acc, size, f"steps={t + 1} max_depth={depth}", make))
                if exact:
                    break
        return _first_fitting(self.name, data, options, max_nodes)


# ---------------------------------------------------------------------------------- word
def _word_values(x: np.ndarray, idx: list[int]) -> list[int]:
    """Unsigned integer of the bits ``x[:, idx]`` (``idx[0]`` least significant) per row."""
    bits = x[:, idx[::-1]]
    return [int("".join("1" if v else "0" for v in row) or "0", 2) for row in bits]


def _layouts(n: int) -> list[tuple[str, list[int], list[int]]]:
    if n < 4 or n % 2:
        return []
    w = n // 2
    base = [
        ("halves", list(range(w)), list(range(w, n))),
        ("interleaved", list(range(0, n, 2)), list(range(1, n, 2))),
    ]
    out = []
    for name, a, b in base:
        out.append((f"{name} lsb-first", a, b))
        out.append((f"{name} msb-first", a[::-1], b[::-1]))
    return out


class WordRoute:
    """Word-level hypotheses fitted on the training set (see module doc)."""

    name = "word"
    max_product_width = 16

    def _hypotheses(self, x: np.ndarray):
        """Yield ``(detail, values, build)``; ``build(b, xs) -> node``."""
        n = x.shape[1]
        for lname, ia, ib in _layouts(n):
            a, bv = _word_values(x, ia), _word_values(x, ib)
            w = len(ia)
            s = [p + q for p, q in zip(a, bv, strict=True)]
            for j in range(max(0, w - 2), w + 1):
                vals = np.array([(v >> j) & 1 for v in s], dtype=bool)

                def build(b, xs, ia=ia, ib=ib, j=j):
                    word = arith.add(b, [xs[i] for i in ia], [xs[i] for i in ib], signed=False)
                    return word[j]

                yield f"{lname}: bit {j} of A+B", vals, build
            for op in ("lt", "le", "eq"):
                if op == "lt":
                    vals = np.array([p < q for p, q in zip(a, bv, strict=True)])
                elif op == "le":
                    vals = np.array([p <= q for p, q in zip(a, bv, strict=True)])
                else:
                    vals = np.array([p == q for p, q in zip(a, bv, strict=True)])

                def build(b, xs, ia=ia, ib=ib, op=op):
                    fa, fb = [xs[i] for i in ia], [xs[i] for i in ib]
                    fn = {"lt": arith.less_than, "le": arith.less_equal, "eq": arith.equal}[op]
                    return fn(b, fa, fb, signed=False)

                yield f"{lname}: A {op} B", vals, build
            if w <= self.max_product_width:
                prod = [p * q for p, q in zip(a, bv, strict=True)]
                for j in range(2 * w):
                    vals = np.array([(v >> j) & 1 for v in prod], dtype=bool)

                    def build(b, xs, ia=ia, ib=ib, j=j):
                        fa, fb = [xs[i] for i in ia], [xs[i] for i in ib]
                        return arith.multiply(b, fa, fb, signed=False, width=j + 1)[j]

                    yield f"{lname}: bit {j} of A*B", vals, build

    def _symmetric(self, data: Data):
        n = data.n_inputs
        cnt = data.x_train.sum(1)
        table = np.zeros(n + 1, dtype=bool)
        seen = np.unique(cnt)
        for c in range(n + 1):
            # a count never seen in training takes the value of the nearest seen count
            near = seen[np.argmin(np.abs(seen - c))] if seen.size else c
            sel = data.y_train[cnt == near]
            table[c] = bool(sel.size) and sel.mean() > 0.5
        vals = table[cnt]

        def build(b, xs):
            count = arith.adder_tree(b, [[v] for v in xs], signed=False)
            hits = [
                arith.equal(b, count, arith.const_word(c, len(count)), signed=False)
                for c in range(n + 1)
                if table[c] and c < (1 << len(count))
            ]
            return b.OR_many(hits)

        return f"symmetric g(sum x) on {''.join('1' if t else '0' for t in table)}", vals, build

    def fit(self, data: Data, max_nodes: int, seed: int, quick: bool) -> Candidate | None:
        y = data.y_train
        hyps = list(self._hypotheses(data.x_train))
        hyps.append(self._symmetric(data))
        scored = []
        for detail, vals, build in hyps:
            agree = float(np.mean(vals == y))
            neg = agree < 0.5
            scored.append((max(agree, 1 - agree), detail, neg, build))
        scored.sort(key=lambda s: -s[0])
        options = []
        for k, (train_acc, detail, neg, build) in enumerate(scored[:3]):

            def make(build=build, neg=neg):
                return finish(
                    lambda b, xs: b.NOT(build(b, xs)) if neg else build(b, xs), data.n_inputs
                )

            # validation decides between routes; within this route the training fit ranks
            options.append((train_acc, k, ("NOT " if neg else "") + detail, make))
        return _first_fitting(self.name, data, options, max_nodes, max_tries=3)


def _resnet_route() -> Route:
    """Route (a), :class:`occam.learn.resnet_route.ResNetRoute`, imported on use (that module
    imports this one; torch is imported only inside its ``fit``)."""
    from occam.learn.resnet_route import ResNetRoute

    return ResNetRoute()


ROUTES: dict[str, Callable[[], Route]] = {
    "tree": TreeRoute,
    "forest": ForestRoute,
    "cover": CoverRoute,
    "fringe": FringeRoute,
    "word": WordRoute,
    "fw": FrankWolfeRoute,
    "resnet": _resnet_route,
}


def timed_fit(route: Route, data: Data, max_nodes: int, seed: int, quick: bool):
    """``route.fit(...)`` with its wall time stored in the candidate (``None`` passes through)."""
    t0 = time.perf_counter()
    cand = route.fit(data, max_nodes, seed, quick)
    if cand is not None:
        cand.seconds = time.perf_counter() - t0
    return cand
