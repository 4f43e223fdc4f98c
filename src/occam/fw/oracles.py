"""Linear minimisation oracles over scaled Tetrakis atoms (SPEC 11).

At a Frank-Wolfe step the oracle receives the pulled-back gradient G_K on the touched vertices of a
grid level (:func:`occam.fw.design.pulled_back_gradient`) and returns the atom ±τ a(C,K) T_C
minimising the linear function ⟨∇L, ±τ a(C,K) T_C(X)⟩ = ±τ a(C,K) Σ_v G_K(v) f_C(v), i.e. the
circuit C maximising a(C,K)·|⟨G_K, f_C⟩| with the sign −sign⟨G_K, f_C⟩. Only the function f_C on the
touched vertices matters, so every oracle works with truth tables on those care rows.

Oracles (one interface, :class:`LinearOracle`; ``exact`` says whether the answer is the true
minimum over the oracle's class, which makes the Frank-Wolfe gap a certified bound):

* :class:`EnumerationOracle` — every function on the touched vertices computed by a circuit of at
  most ``max_size`` gates, found by breadth-first search over *sets of computed functions*
  (canonical pruning: two circuits computing the same set of node functions on the care rows are
  one state; a gate recomputing an available function is never added). Exhaustive, hence exact
  over {circuits with ≤ max_size gates} when it completes within its limits.
* :class:`TruthTableOracle` — the candidate f = [G_K < 0] (or [G_K > 0] for the negative sign), the
  unconstrained maximiser of |⟨G_K, f⟩|, made a circuit by a sum of minterms minimised by ABC. Not
  exact (the size penalty a(C,K) is ignored and ABC is a heuristic).
* :class:`LocalSearchOracle` — hill climbing over small gate lists (change an op, a fanin, add or
  drop the last gate) with restarts, scored by a(C,K)|⟨G_K, f_C⟩|. Not exact.
* :class:`SatOracle` — exact synthesis (SPEC 2.6, :func:`occam.circuits.exact.minimum_circuit`) of
  the minimum circuit agreeing with sign(G_K) on the ``top`` vertices of largest |G_K|, for several
  ``top``. Not exact over any class (it fits only the top vertices); needs d(K+1) ≤ 6 inputs.
* :class:`BestOfOracle` — the best answer of several oracles; its gap is certified against the
  class of any exact member (the returned atom is at least as good as the exact member's).
"""

from __future__ import annotations

import itertools
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from occam.circuits.core import Builder, Circuit, Op
from occam.circuits.encoding import ints_to_bits
from occam.fw.design import GridLevel

__all__ = [
    "Atom",
    "BestOfOracle",
    "EnumerationOracle",
    "LinearOracle",
    "LocalSearchOracle",
    "OracleAnswer",
    "SatOracle",
    "TruthTableOracle",
    "circuit_table",
    "make_oracle",
]

ScaleFn = Callable[[int, int], float]  # (circuit size, K) -> a(C, K)


@dataclass(frozen=True)
class Atom:
    """One circuit C at level K with its grid values f_C on the touched vertices (bool (m,)),
    its size |C| and scaling a(C, K). The signed atom is σ τ a(C,K) T_C."""

    circuit: Circuit
    K: int
    table: np.ndarray
    size: int
    scale: float

    def key(self) -> tuple[int, bytes]:
        """Identity of the function on the touched vertices (two circuits with one key are the
        same atom as far as the data can tell)."""
        return (self.K, np.packbits(self.table).tobytes())


@dataclass(frozen=True)
class OracleAnswer:
    """The oracle's atom, its sign σ ∈ {+1, −1} and the score a(C,K)·σ⟨G_K, f_C⟩ (to be
    minimised; times τ it is ⟨∇L, atom⟩), and whether the oracle is exact for its class."""

    atom: Atom
    sign: int
    score: float
    exact: bool
    oracle: str


def circuit_table(circuit: Circuit, level: GridLevel) -> np.ndarray:
    """f_C on the touched vertices of ``level``: the single output of C simulated on them."""
    bits = ints_to_bits(level.vertices, level.K + 1).reshape(level.n_vertices, -1)
    return np.asarray(circuit.simulate(bits))[:, 0].astype(bool)


def _best_sign(table: np.ndarray, G: np.ndarray, scale: float) -> tuple[int, float]:
    inner = float(G @ table)
    sign = -1 if inner > 0 else 1
    return sign, scale * sign * inner


class LinearOracle(ABC):
    """Interface: ``prepare(levels, scale_fn)`` once per fit, then ``__call__(level_index, G)``.

    ``exact`` is True when the answer is a true minimiser over the oracle's class (for the
    enumeration: once it has completed its search)."""

    name = "oracle"

    def prepare(self, levels: Sequence[GridLevel], scale_fn: ScaleFn) -> None:
        self.levels = list(levels)
        self.scale_fn = scale_fn

    @property
    def exact(self) -> bool:
        return False

    @abstractmethod
    def __call__(self, index: int, G: np.ndarray) -> OracleAnswer:
        """The atom minimising a(C,K)·σ⟨G, f_C⟩ found for level ``index`` (G: (m,))."""

    def _atom(self, circuit: Circuit, index: int, table: np.ndarray | None = None) -> Atom:
        level = self.levels[index]
        got = circuit_table(circuit, level)
        if table is not None and not np.array_equal(got, table):
            raise RuntimeError(f"{self.name}: built circuit differs from its table (a bug)")
        return Atom(circuit, level.K, got, circuit.size, self.scale_fn(circuit.size, level.K))


# ----------------------------------------------------------------------------- enumeration
def _input_tables(level: GridLevel) -> list[int]:
    """Input k as an int whose bit j is input k's value on touched vertex j."""
    rows = level.rows.tolist()
    return [sum(1 << j for j, r in enumerate(rows) if (r >> k) & 1) for k in range(level.n_inputs)]


@dataclass
class _Enumeration:
    tables: np.ndarray  # bool (n_funcs, m)
    ints: list[int]
    sizes: np.ndarray  # int (n_funcs,)
    witness: list[tuple]  # per function: (state key, op, a, b) or ("free", node)
    parents: dict
    inputs: list[int]
    complete: bool
    circuits: dict[int, Circuit] = field(default_factory=dict)


class EnumerationOracle(LinearOracle):
    """Exhaustive enumeration of circuits with at most ``max_size`` gates (exact LMO).

    Level s of the search holds every *set* of s distinct node functions (on the care rows)
    reachable with s gates; from each set, NOT of an available node and AND/OR of two give the
    functions of size s + 1 (SPEC 2.6 basis; the same search as :mod:`occam.circuits.brute`, on
    care rows and with witnesses kept so the chosen function is rebuilt as a circuit). A function
    first reached at level s has minimum size s on the touched vertices. The search stops early
    (and the oracle is then *not* exact) when a level would exceed ``max_states`` sets or
    ``time_limit`` seconds pass.
    """

    name = "enumerate"

    def __init__(
        self, max_size: int = 5, *, max_states: int = 500_000, time_limit: float = 60.0
    ) -> None:
        if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 0:
            raise ValueError(f"max_size: expected an int ≥ 0, got {max_size!r}")
        self.max_size = max_size
        self.max_states = int(max_states)
        self.time_limit = float(time_limit)

    def prepare(self, levels: Sequence[GridLevel], scale_fn: ScaleFn) -> None:
        super().prepare(levels, scale_fn)
        self.enums = [self._enumerate(level) for level in self.levels]
        self.scales = [
            np.array([scale_fn(int(s), lv.K) for s in e.sizes])
            for e, lv in zip(self.enums, self.levels, strict=True)
        ]

    @property
    def exact(self) -> bool:
        enums = getattr(self, "enums", None)
        return enums is not None and all(e.complete for e in enums)

    @property
    def n_atoms(self) -> int:
        """Number of distinct functions enumerated (over all levels)."""
        return sum(len(e.ints) for e in self.enums)

    def _enumerate(self, level: GridLevel) -> _Enumeration:
        m = level.n_vertices
        full = (1 << m) - 1
        xs = _input_tables(level)
        found: dict[int, tuple] = {full: ("free", 1)}
        for k, x in enumerate(xs):
            found.setdefault(x, ("free", 2 + k))
        sizes = {f: 0 for f in found}
        parents: dict[frozenset, tuple] = {frozenset(): ()}
        level_states = [frozenset()]
        complete = True
        t0 = time.monotonic()
        for s in range(1, self.max_size + 1):
            nxt: list[frozenset] = []
            last = s == self.max_size
            for st in level_states:
                avail = xs + sorted(st)
                have = set(avail)
                have.update((0, full))
                gates = [(int(Op.NOT), a, a, full ^ a) for a in avail]
                for a, b in itertools.combinations(avail, 2):
                    gates.append((int(Op.AND), a, b, a & b))
                    gates.append((int(Op.OR), a, b, a | b))
                for op, a, b, g in gates:
                    if g in have:
                        continue
                    if g not in found:
                        found[g] = (st, op, a, b)
                        sizes[g] = s
                    if not last:
                        key = st | {g}
                        if key not in parents:
                            parents[key] = (st, op, a, b, g)
                            nxt.append(key)
                if len(nxt) > self.max_states or time.monotonic() - t0 > self.time_limit:
                    complete = False
                    break
            if not complete or not nxt:
                break
            level_states = nxt
        ints = sorted(found, key=lambda f: (sizes[f], f))
        tables = np.array([[(f >> j) & 1 for j in range(m)] for f in ints], dtype=bool)
        return _Enumeration(
            tables=tables.reshape(len(ints), m),
            ints=ints,
            sizes=np.array([sizes[f] for f in ints], dtype=np.int64),
            witness=[found[f] for f in ints],
            parents=parents,
            inputs=xs,
            complete=complete,
        )

    def _build(self, index: int, j: int) -> Circuit:
        e = self.enums[index]
        if j in e.circuits:
            return e.circuits[j]
        level = self.levels[index]
        w = e.witness[j]
        b = Builder()
        ins = b.inputs(level.n_inputs)
        if w[0] == "free":
            b.output(w[1] if w[1] < 2 else ins[w[1] - 2])
        else:
            st, op, a, c = w
            chain = []
            while st:
                pst, pop, pa, pc, g = e.parents[st]
                chain.append((pop, pa, pc, g))
                st = pst
            full = (1 << level.n_vertices) - 1
            node = {full: 1, 0: 0}
            for k, x in enumerate(e.inputs):
                node.setdefault(x, ins[k])
            for gop, ga, gc, g in [*reversed(chain), (op, a, c, e.ints[j])]:
                fn = {int(Op.NOT): lambda u, v: b.NOT(u), int(Op.AND): b.AND, int(Op.OR): b.OR}
                node[g] = fn[gop](node[ga], node[gc])
            b.output(node[e.ints[j]])
        circuit = b.build()
        e.circuits[j] = circuit
        return circuit

    def __call__(self, index: int, G: np.ndarray) -> OracleAnswer:
        e = self.enums[index]
        inner = e.tables.astype(np.float64) @ G
        scores = -self.scales[index] * np.abs(inner)
        j = int(np.argmin(scores))
        atom = self._atom(self._build(index, j), index, e.tables[j])
        sign = -1 if inner[j] > 0 else 1
        return OracleAnswer(atom, sign, float(scores[j]), self.exact, self.name)


# ----------------------------------------------------------------------------- truth table
def _minterm_circuit(level: GridLevel, table: np.ndarray, fill: bool) -> Circuit:
    """Sum of minterms over the full input space: care rows from ``table``, every other row set
    to ``fill`` (rows beyond the grid are don't-cares)."""
    n = level.n_inputs
    on = {int(r) for r, t in zip(level.rows, table, strict=True) if t}
    if fill:
        off = {int(r) for r, t in zip(level.rows, table, strict=True) if not t}
        on = {r for r in range(1 << n) if r not in off}
    b = Builder()
    ins = b.inputs(n)
    neg = [b.NOT(x) for x in ins]
    terms = [b.AND_many(ins[k] if (r >> k) & 1 else neg[k] for k in range(n)) for r in sorted(on)]
    b.output(b.OR_many(terms))
    return b.build()


class TruthTableOracle(LinearOracle):
    """The truth-table candidate sign(G_K) minimised by ABC (``script``); not exact."""

    name = "truth-table"

    def __init__(self, script: str = "resyn2", *, max_inputs: int = 14) -> None:
        self.script = script
        self.max_inputs = int(max_inputs)

    def prepare(self, levels: Sequence[GridLevel], scale_fn: ScaleFn) -> None:
        super().prepare(levels, scale_fn)
        for lv in self.levels:
            if lv.n_inputs > self.max_inputs:
                raise ValueError(
                    f"truth-table oracle: d(K+1) = {lv.n_inputs} inputs exceeds max_inputs = "
                    f"{self.max_inputs} (the sum of minterms has 2^inputs rows)"
                )
        self._cache: dict[tuple[int, bytes], Circuit] = {}

    def _circuit(self, index: int, table: np.ndarray) -> Circuit:
        from occam.circuits.abc import optimize

        key = (index, np.packbits(table).tobytes())
        if key not in self._cache:
            level = self.levels[index]
            best = None
            for fill in (False, True):
                c = optimize(_minterm_circuit(level, table, fill), self.script, verify=False)
                if best is None or c.size < best.size:
                    best = c
            self._cache[key] = best
        return self._cache[key]

    def __call__(self, index: int, G: np.ndarray) -> OracleAnswer:
        best: OracleAnswer | None = None
        for table in (G < 0, G > 0):
            atom = self._atom(self._circuit(index, table), index, table)
            sign, score = _best_sign(atom.table, G, atom.scale)
            if best is None or score < best.score:
                best = OracleAnswer(atom, sign, score, False, self.name)
        assert best is not None
        return best


# ----------------------------------------------------------------------------- local search
class LocalSearchOracle(LinearOracle):
    """Hill climbing over gate lists of at most ``max_size`` gates; not exact.

    A candidate is a list of gates (op, a, b) over nodes 0/1 (constants), 2..n+1 (inputs) and the
    earlier gates; its output is the last gate (or a free node when empty). Moves: change a gate's
    op, change one fanin, append a gate, drop the last gate. Scores a(C,K)|⟨G_K, f_C⟩| with f_C
    evaluated on the care rows by bit operations; ``restarts`` random starts of ``steps`` moves,
    deterministic in ``seed``.
    """

    name = "local-search"

    def __init__(
        self, max_size: int = 6, *, steps: int = 400, restarts: int = 4, seed: int = 0
    ) -> None:
        self.max_size = int(max_size)
        self.steps = int(steps)
        self.restarts = int(restarts)
        self.seed = int(seed)

    def prepare(self, levels: Sequence[GridLevel], scale_fn: ScaleFn) -> None:
        super().prepare(levels, scale_fn)
        self.rng = np.random.default_rng(self.seed)

    @staticmethod
    def _evaluate(gates: list[tuple[int, int, int]], base: list[int], full: int) -> int:
        vals = list(base)
        for op, a, b in gates:
            if op == Op.NOT:
                vals.append(full ^ vals[a])
            elif op == Op.AND:
                vals.append(vals[a] & vals[b])
            else:
                vals.append(vals[a] | vals[b])
        return vals[-1]

    def _random_gate(self, n_nodes: int) -> tuple[int, int, int]:
        rng = self.rng
        op = int(rng.choice([Op.AND, Op.OR, Op.NOT]))
        a, b = (int(v) for v in rng.integers(2, n_nodes, size=2))
        return (op, a, a if op == Op.NOT else b)

    def _mutate(self, gates: list, n_free: int) -> list:
        g = list(gates)
        move = self.rng.integers(4)
        if (move == 0 or not g) and len(g) < self.max_size:
            g.append(self._random_gate(n_free + len(g)))
        elif move == 1 and g:
            g.pop()
        elif g:
            k = int(self.rng.integers(len(g)))
            new = self._random_gate(n_free + k)
            op, a, b = g[k]
            g[k] = (new[0], a, a if new[0] == Op.NOT else b) if move == 2 else (op, new[1], new[2])
            if g[k][0] == Op.NOT:
                g[k] = (g[k][0], g[k][1], g[k][1])
        return g

    def __call__(self, index: int, G: np.ndarray) -> OracleAnswer:
        level = self.levels[index]
        m = level.n_vertices
        full = (1 << m) - 1
        base = [0, full, *_input_tables(level)]
        Gl = [float(g) for g in G]

        def score(gates: list) -> float:
            f = self._evaluate(gates, base, full) if gates else base[-1]
            inner = sum(g for j, g in enumerate(Gl) if (f >> j) & 1)
            return -self.scale_fn(len(gates), level.K) * abs(inner)

        best_gates: list = []
        best = score(best_gates)
        for _ in range(self.restarts):
            cur = [self._random_gate(len(base))]
            cur_s = score(cur)
            for _ in range(self.steps):
                cand = self._mutate(cur, len(base))
                s = score(cand)
                if s <= cur_s:
                    cur, cur_s = cand, s
            if cur_s < best:
                best, best_gates = cur_s, cur
        b = Builder()
        ins = b.inputs(level.n_inputs)
        nodes = [0, 1, *ins]
        for op, a, c in best_gates:
            fn = {int(Op.NOT): lambda u, v: b.NOT(u), int(Op.AND): b.AND, int(Op.OR): b.OR}
            nodes.append(fn[op](nodes[a], nodes[c]))
        b.output(nodes[-1])
        atom = self._atom(b.build(), index)
        sign, sc = _best_sign(atom.table, G, atom.scale)
        return OracleAnswer(atom, sign, sc, False, self.name)


# ----------------------------------------------------------------------------- SAT
class SatOracle(LinearOracle):
    """Minimum circuits (exact synthesis, SPEC 2.6) agreeing with sign(G_K) on the ``top``
    vertices of largest |G_K|, for each entry of ``tops`` and both signs; the best-scoring is
    returned. Not exact. Needs d(K+1) ≤ 6 inputs."""

    name = "sat"

    def __init__(self, tops: Sequence[int] = (4, 8, 16), *, time_limit: float = 5.0) -> None:
        self.tops = tuple(int(t) for t in tops)
        self.time_limit = float(time_limit)

    def prepare(self, levels: Sequence[GridLevel], scale_fn: ScaleFn) -> None:
        from occam.circuits.exact import MAX_INPUTS

        super().prepare(levels, scale_fn)
        for lv in self.levels:
            if lv.n_inputs > MAX_INPUTS:
                raise ValueError(
                    f"SAT oracle: d(K+1) = {lv.n_inputs} inputs exceeds exact synthesis's "
                    f"limit of {MAX_INPUTS}"
                )

    def __call__(self, index: int, G: np.ndarray) -> OracleAnswer:
        from occam.circuits.exact import minimum_circuit

        level = self.levels[index]
        order = np.argsort(-np.abs(G), kind="stable")
        best: OracleAnswer | None = None
        for top in sorted({min(t, level.n_vertices) for t in self.tops}):
            care = order[:top]
            for want in (G < 0, G > 0):
                table = np.zeros(1 << level.n_inputs, dtype=bool)
                table[level.rows[care]] = want[care]
                res = minimum_circuit(
                    table, rows=level.rows[care].tolist(), time_limit=self.time_limit
                )
                if not res.success or res.circuit is None:
                    continue
                atom = self._atom(res.circuit, index)
                sign, score = _best_sign(atom.table, G, atom.scale)
                if best is None or score < best.score:
                    best = OracleAnswer(atom, sign, score, False, self.name)
        if best is None:
            raise RuntimeError("SAT oracle: no synthesis finished within its time limit")
        return best


class BestOfOracle(LinearOracle):
    """The lowest-scoring answer of several oracles; exact when any member is exact (the answer
    then scores at most the exact member's, so the gap still bounds the suboptimality against
    that member's class)."""

    name = "best-of"

    def __init__(self, oracles: Sequence[LinearOracle]) -> None:
        if not oracles:
            raise ValueError("BestOfOracle: needs at least one oracle")
        self.oracles = list(oracles)
        self.name = "+".join(o.name for o in self.oracles)

    def prepare(self, levels: Sequence[GridLevel], scale_fn: ScaleFn) -> None:
        super().prepare(levels, scale_fn)
        for o in self.oracles:
            o.prepare(levels, scale_fn)

    @property
    def exact(self) -> bool:
        return any(o.exact for o in self.oracles)

    def __call__(self, index: int, G: np.ndarray) -> OracleAnswer:
        answers = [o(index, G) for o in self.oracles]
        best = min(answers, key=lambda a: a.score)
        return OracleAnswer(best.atom, best.sign, best.score, self.exact, best.oracle)


ORACLES = {
    "enumerate": EnumerationOracle,
    "truth-table": TruthTableOracle,
    "local-search": LocalSearchOracle,
    "sat": SatOracle,
}


def make_oracle(spec: str | LinearOracle | Sequence[str | LinearOracle]) -> LinearOracle:
    """An oracle from a name in :data:`ORACLES`, an instance, or a list of them (best of)."""
    if isinstance(spec, LinearOracle):
        return spec
    if isinstance(spec, str):
        if spec not in ORACLES:
            raise ValueError(f"oracle: expected one of {sorted(ORACLES)}, got {spec!r}")
        return ORACLES[spec]()
    if isinstance(spec, (list, tuple)):
        return BestOfOracle([make_oracle(s) for s in spec])
    raise TypeError(f"oracle: expected a name, an oracle or a list of them, got {spec!r}")
